package dev.kino.shots;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A project's shots in cut order. Read one with {@link ShotListReader}.
 *
 * @param project the project's name
 * @param seed    the project seed that take seeds not given explicitly derive from ({@link TakeSeeds})
 * @param shots   the shots, in the order the cut joins them
 */
public record ShotList(String project, long seed, List<Shot> shots) {

    public ShotList {
        shots = List.copyOf(shots);
    }

    /**
     * Every take of every shot, shot by shot in cut order, take 1 first. A take of a shot that continues from
     * another carries that shot's chosen take ({@link Take#source()}, the source's {@link Shot#pick}); one whose
     * videos are other shots' takes carries those ({@link Take#videos()}, their shots' picks).
     */
    public List<Take> takes() {
        Map<String, List<Take>> byShot = new HashMap<>();
        for (Shot shot : dependencyOrder(shots)) {
            Take source = null;
            if (shot.continueFrom() != null) {
                Shot from = shot(shot.continueFrom());
                source = byShot.get(from.name()).get(from.pick() - 1);
            }
            Map<String, Take> videos = new HashMap<>();
            shot.videosFrom().forEach((setting, name) -> videos.put(setting, byShot.get(name).get(shot(name).pick() - 1)));
            List<Take> takes = new ArrayList<>();
            for (int t = 1; t <= shot.takeCount(); t++) {
                takes.add(Take.of(project, shot, t, source, videos));
            }
            byShot.put(shot.name(), takes);
        }
        List<Take> all = new ArrayList<>();
        shots.forEach(s -> all.addAll(byShot.get(s.name())));
        return List.copyOf(all);
    }

    /** {@link #takes()} in an order that renders every shot's source before the shots continuing from it. */
    public List<Take> renderOrder() {
        List<Take> all = takes();
        List<Take> ordered = new ArrayList<>();
        for (Shot s : dependencyOrder(shots)) {
            all.stream().filter(t -> t.shot().name().equals(s.name())).forEach(ordered::add);
        }
        return List.copyOf(ordered);
    }

    /** The shot named {@code name}, or null. */
    public Shot shot(String name) {
        return shots.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }

    /**
     * The shots in cut order, except that a shot comes after the shots it needs ({@link Shot#dependsOn}: the one it
     * continues from, those whose takes are its videos). Shots caught in a circle are left out (the reader
     * refuses such lists).
     */
    static List<Shot> dependencyOrder(List<Shot> shots) {
        Set<String> done = new LinkedHashSet<>();
        List<Shot> ordered = new ArrayList<>();
        boolean progress = true;
        while (progress) {
            progress = false;
            for (Shot s : shots) {
                if (!done.contains(s.name()) && done.containsAll(s.dependsOn())) {
                    done.add(s.name());
                    ordered.add(s);
                    progress = true;
                    break; // restart from the first shot: the earliest ready shot in cut order renders next
                }
            }
        }
        return ordered;
    }
}

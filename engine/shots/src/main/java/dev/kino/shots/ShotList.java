package dev.kino.shots;

import java.util.ArrayList;
import java.util.List;

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

    /** Every take of every shot, shot by shot, take 1 first. */
    public List<Take> takes() {
        List<Take> takes = new ArrayList<>();
        for (Shot shot : shots) {
            for (int t = 1; t <= shot.takeCount(); t++) {
                takes.add(Take.of(project, shot, t));
            }
        }
        return List.copyOf(takes);
    }

    /** The shot named {@code name}, or null. */
    public Shot shot(String name) {
        return shots.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }
}

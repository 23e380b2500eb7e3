package dev.kino.shots;

import dev.kino.pipeline.GenerationRequest;

import java.util.List;
import java.util.Map;

/**
 * One shot of a shot list, with the list's {@code defaults} already applied. Unset request settings fall back to
 * the model's own defaults when rendered.
 *
 * @param index        position in the list, from 0 (the cut's order)
 * @param name         unique within the list; letters, digits, {@code -}, {@code _} and {@code .} (it names folders)
 * @param model        model reference: null for the built-in demo model; what it names is up to the program
 *                     ({@code kino render}: a package folder, relative to the list's folder; the server: a model
 *                     name from its catalog)
 * @param request      the shot's request settings (every shot-list field of {@code RequestSchema}), without a
 *                     seed; when the list gave {@code seconds}, its frames are {@code round(seconds × fps)}
 * @param seeds        one seed per take, given or derived with {@link TakeSeeds#derive}
 * @param continueFrom the name of the shot whose chosen take's last frame becomes this shot's first frame
 *                     (null: none); the server uses the project's pick, {@code kino render} the source's
 *                     {@link #pick}
 * @param pick         the take that shots continuing from this one start from in {@code kino render}, from 1
 * @param videosFrom   video settings given by another shot's chosen take instead of a file: setting name
 *                     ({@code source_video}, {@code control_video}) to the shot's name ({@link #VIDEOS_FROM})
 */
public record Shot(int index, String name, String model, GenerationRequest request, List<Long> seeds,
                   String continueFrom, int pick, Map<String, String> videosFrom) {
    /** Shot-list field naming a shot whose chosen take is the video setting's file: field to setting name. */
    public static final Map<String, String> VIDEOS_FROM = Map.of("source_video_from", "source_video",
            "control_video_from", "control_video");

    public Shot {
        seeds = List.copyOf(seeds);
        videosFrom = Map.copyOf(videosFrom);
    }

    /** A shot whose videos are all files (or none). */
    public Shot(int index, String name, String model, GenerationRequest request, List<Long> seeds,
                String continueFrom, int pick) {
        this(index, name, model, request, seeds, continueFrom, pick, Map.of());
    }

    /** Every shot this one needs rendered first: the one it continues from, those whose takes are its videos. */
    public java.util.Set<String> dependsOn() {
        java.util.Set<String> all = new java.util.TreeSet<>(videosFrom.values());
        if (continueFrom != null) {
            all.add(continueFrom);
        }
        return all;
    }

    /** What the shot shows. */
    public String prompt() {
        return request.prompt();
    }

    /** How many takes the shot has. */
    public int takeCount() {
        return seeds.size();
    }

    /** The same shot with other seeds (one take each). */
    public Shot withSeeds(List<Long> other) {
        return new Shot(index, name, model, request, other, continueFrom, pick, videosFrom);
    }
}

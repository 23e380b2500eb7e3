package dev.kino.shots;

import java.util.List;

/**
 * One shot of a shot list, with the list's {@code defaults} already applied. Unset (null) settings fall back to
 * the model's own defaults when rendered.
 *
 * @param index     position in the list, from 0 (the cut's order)
 * @param name      unique within the list; letters, digits, {@code -}, {@code _} and {@code .} (it names folders)
 * @param prompt    what the shot shows
 * @param negative  what it should not show (null: the model's default)
 * @param model     model reference: null for the built-in demo model; what it names is up to the program
 *                  ({@code kino render}: a package folder, relative to the list's folder; the server: a model
 *                  name from its catalog)
 * @param frames    frame count; when the list gave {@code seconds}, {@code round(seconds × fps)}
 * @param width     pixels
 * @param height    pixels
 * @param fps       frames per second of the MP4
 * @param steps     denoising steps
 * @param scheduler Kino scheduler name
 * @param guidance  classifier-free guidance scale
 * @param seeds     one seed per take, given or derived with {@link TakeSeeds#derive}
 */
public record Shot(int index, String name, String prompt, String negative, String model, Integer frames,
                   Integer width, Integer height, Integer fps, Integer steps, String scheduler, Double guidance,
                   List<Long> seeds) {

    public Shot {
        seeds = List.copyOf(seeds);
    }

    /** How many takes the shot has. */
    public int takeCount() {
        return seeds.size();
    }
}

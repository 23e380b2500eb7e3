package dev.kino.shots;

import dev.kino.image.Fit;

import java.nio.file.Path;
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
 * @param image        image models: the first frame, resolved against the shot list's folder (null: none)
 * @param lastImage    first/last-frame models: the last frame (null: none)
 * @param continueFrom the name of the shot whose chosen take's last frame becomes this shot's first frame
 *                     (null: none); the server uses the project's pick, {@code kino render} the source's
 *                     {@link #pick}
 * @param fit          how pictures of another aspect ratio are fitted (null: the core's default, crop)
 * @param pick         the take that shots continuing from this one start from in {@code kino render}, from 1
 */
public record Shot(int index, String name, String prompt, String negative, String model, Integer frames,
                   Integer width, Integer height, Integer fps, Integer steps, String scheduler, Double guidance,
                   List<Long> seeds, Path image, Path lastImage, String continueFrom, Fit fit, int pick) {

    public Shot {
        seeds = List.copyOf(seeds);
    }

    /** How many takes the shot has. */
    public int takeCount() {
        return seeds.size();
    }
}

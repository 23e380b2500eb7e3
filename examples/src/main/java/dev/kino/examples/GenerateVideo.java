package dev.kino.examples;

import dev.kino.demo.DemoModel;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.video.Mp4Writer;

import java.nio.file.Path;

/**
 * The smallest useful Kino program: load a model (the built-in demo model, or a package folder), generate a
 * video with a seed, watch the steps go by, write an MP4.
 *
 * <pre>
 *   java -cp ... dev.kino.examples.GenerateVideo "a red circle moving right" out.mp4 [MODEL_DIR]
 * </pre>
 */
public final class GenerateVideo {
    private GenerateVideo() {
    }

    public static void main(String[] args) {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: GenerateVideo PROMPT OUT.mp4 [MODEL_DIR]");
            System.exit(2);
        }
        Path written = generate(args.length == 3 ? Path.of(args[2]) : null, args[0], Path.of(args[1]));
        System.out.println("wrote " + written);
    }

    /**
     * Generates {@code prompt} with the model's defaults and seed 7 ({@code modelDir} null: the built-in demo
     * model); returns the MP4's path.
     */
    public static Path generate(Path modelDir, String prompt, Path out) {
        // Sessions open once here and stay open for every generate() until close.
        try (TextToVideoPipeline kino = modelDir == null ? DemoModel.load(Device.AUTO)
                : TextToVideoPipeline.load(modelDir, Device.AUTO)) {
            GenerationRequest request = GenerationRequest.builder(prompt).seed(7L).build();
            GenerationResult result = kino.generate(request, step -> {
                System.out.printf("step %d/%d  t=%.1f  %d ms%n", step.step() + 1, step.steps(), step.timestep(),
                        step.stepTime().toMillis());
                return true; // return false to cancel
            });
            result.warnings().forEach(w -> System.out.println("warning: " + w));
            return Mp4Writer.write(result.frames(), result.settings().fps(), out, 1).path();
        }
    }
}

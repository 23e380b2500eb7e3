package dev.kino.demo;

import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;

import java.nio.file.Path;

/**
 * The built-in demo model: a tiny text-to-video model of coloured shapes moving (circle, square or triangle in
 * six colours, left/right/up/down, slowly or quickly; 64x64, 16 frames), shipped in this jar so Kino can be tried
 * with nothing to download. {@code models/demo/README.md} says how it was trained and scored.
 */
public final class DemoModel {
    private DemoModel() {
    }

    /** The demo package's folder, unpacked once into {@link EmbeddedModel#cacheRoot()}. */
    public static Path folder() {
        return EmbeddedModel.extract(EmbeddedModel.DEMO);
    }

    /** Loads the demo model for {@code device}. */
    public static TextToVideoPipeline load(Device device) {
        return TextToVideoPipeline.load(folder(), device);
    }
}

package dev.kino.pipeline;

import dev.kino.model.ModelPackage;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.text.PromptTokenizer;
import dev.kino.video.Mp4Writer;
import dev.kino.video.VideoFrames;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Child-JVM program for {@link MemoryPlanRssTest}: prints its peak resident set ({@code VmHWM}) after either
 * loading what every generation loads besides the model (ONNX Runtime, a tokenizer, FFmpeg writing a tiny MP4:
 * the baseline) or generating a video with a package and writing its MP4.
 *
 * <p>Arguments: {@code baseline TOKENIZER_JSON OUT.mp4} or {@code generate MODEL W H FRAMES OUT.mp4}.
 */
public final class RssProbe {
    private RssProbe() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[args[0].equals("baseline") ? 2 : 5]);
        if (args[0].equals("baseline")) {
            OnnxRuntime.create(Device.CPU);
            PromptTokenizer.load(Path.of(args[1]), 512, "max_length").close();
            Mp4Writer.write(new VideoFrames(16, 16, List.of(new byte[16 * 16 * 3])), 8, out, 1);
        } else {
            GenerationRequest request = GenerationRequest.builder("a red fox runs through fresh snow").seed(1L).steps(2)
                    .width(Integer.parseInt(args[2])).height(Integer.parseInt(args[3]))
                    .frames(Integer.parseInt(args[4])).build();
            ModelPackage pkg = ModelPackage.open(Path.of(args[1]));
            try (TextToVideoPipeline p = TextToVideoPipeline.load(pkg, OnnxRuntime.create(Device.CPU))) {
                GenerationResult r = p.generate(request, e -> true);
                Mp4Writer.write(r.frames(), 8, out, 1);
            }
        }
        printPeak();
    }

    private static void printPeak() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                System.out.println("peak " + line.replaceAll("\\D", "") + " kB");
            }
        }
    }
}

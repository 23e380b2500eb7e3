package dev.kino.spark;

import dev.kino.denoise.StepListener;
import dev.kino.model.ModelPackage;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxRuntime;
import dev.kino.shots.TakeVideo;
import dev.kino.video.Mp4Writer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A precision mode is a package: one Spark job whose shots each name the committed tiny Wan package of one mode
 * (int8, w8, w4, fp16, bf16) renders, per row, the MP4 the library writes for that package at a Spark task's one
 * ONNX Runtime thread, and not the fp32 package's. One job for all modes, so the test starts Spark's work once.
 */
class PrecisionPackagesSparkTest {
    private static final Path WAN = Path.of("../core/src/test/resources/wan").toAbsolutePath().normalize();
    private static final List<String> MODES = List.of("int8", "w8", "w4", "fp16", "bf16");

    @TempDir
    Path tmp;

    @Test
    void eachModesPackageRendersAsASparkRowAsKinoGenerateRendersIt() throws IOException {
        List<String> shotList = new ArrayList<>();
        for (String m : MODES) {
            shotList.add("{\"name\": \"%s\", \"prompt\": \"a red fox in the snow\", \"model\": \"%s\"}"
                    .formatted(m, json(overlay(m))));
        }
        String shots = String.join(",\n", shotList);
        Path list = Files.writeString(tmp.resolve("shots.json"), """
                {"project": "modes", "seed": 5, "defaults": {"steps": 2},
                 "shots": [%s]}
                """.formatted(shots));
        Path out = tmp.resolve("out");
        RenderJob.Summary s = RenderJobTest.render(null, "--shots", list.toString(), "--out", out.toString());
        assertEquals(MODES.size(), s.count(RenderOutcome.RENDERED), s.outcomes().toString());

        byte[] fp32 = generate(WAN.resolve("tiny-wan21"), s.outcomes().get(0), "fp32");
        for (RenderOutcome o : s.outcomes()) {
            byte[] row = Files.readAllBytes(Path.of(java.net.URI.create(o.output())));
            byte[] single = generate(tmp.resolve("tiny-wan21-" + o.shot()), o, o.shot());
            assertArrayEquals(single, row, o.shot() + ": the Spark row is the library's render of its package");
            assertFalse(Arrays.equals(fp32, row), o.shot() + ": the row rendered the fp32 package");
        }
    }

    /** tiny-wan21's files with the mode's denoiser and manifest over them (the fixture is an overlay). */
    private Path overlay(String mode) throws IOException {
        Path pkg = Files.createDirectories(tmp.resolve("tiny-wan21-" + mode));
        for (Path from : new Path[] {WAN.resolve("tiny-wan21"), WAN.resolve("tiny-wan21-" + mode)}) {
            try (Stream<Path> files = Files.list(from)) {
                for (Path f : files.filter(f -> !f.getFileName().toString().equals("OVERLAY")).toList()) {
                    Files.copy(f, pkg.resolve(f.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return pkg;
    }

    /**
     * The library's MP4 of the row's request on {@code pkg} at one ONNX Runtime thread, as a Spark task renders it
     * (spark.task.cpus=1; the quantized kernels' sums differ in the last bit between thread counts, so an all-core
     * kino generate can differ by a few bytes: PrecisionPackagesServerTest and the cli's GenerateCommandTest check
     * those surfaces against the library at their own thread count).
     */
    private byte[] generate(Path pkg, RenderOutcome o, String name) throws IOException {
        GenerationResult r;
        try (TextToVideoPipeline single = TextToVideoPipeline.load(ModelPackage.open(pkg), OnnxRuntime.create(Device.CPU, 1))) {
            r = single.generate(GenerationRequest.builder(o.prompt()).steps(2).seed(o.seed()).build(), StepListener.NONE);
        }
        Path mp4 = tmp.resolve("library-" + name + ".mp4");
        Mp4Writer.write(r.frames(), r.settings().fps(), mp4, TakeVideo.viewingScale(r.frames().width(), r.frames().height()));
        return Files.readAllBytes(mp4);
    }

    private static String json(Path p) {
        return p.toString().replace("\\", "\\\\");
    }
}

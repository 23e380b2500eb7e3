package dev.kino.sweep;

import dev.kino.KinoException;
import dev.kino.denoise.StepListener;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.StageTimings;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.sweep.measure.GpuMemory;
import dev.kino.sweep.measure.HostMemory;
import dev.kino.video.Mp4Writer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One cell's generation as the sweep measures it: the engine's own stage timings, MP4 encoding timed the way
 * {@code kino generate} times it, the process's peak host memory over all of it, and the GPU memory afterwards.
 *
 * <p>With {@code repeats} above 1 the same generation runs that many times and the run with the median
 * generation time is kept whole (its frames, latents and every stage), which steadies the timings on a busy
 * machine; the runs' outputs are the same on the CPU, so the quality figures do not depend on which is kept.
 */
record MeasuredRun(GenerationResult result, HostMemory.Reading host, GpuMemory.Reading gpu) {

    static MeasuredRun of(TextToVideoPipeline pipeline, GenerationRequest request, StepListener listener, Path mp4,
                          int repeats) {
        try {
            Files.createDirectories(mp4.getParent());
        } catch (IOException e) {
            throw new KinoException("Could not create the folder " + mp4.getParent() + ": " + e.getMessage()
                    + "; check that --out is writable.", e);
        }
        HostMemory.Watch memory = HostMemory.start();
        List<GenerationResult> runs = new ArrayList<>();
        for (int i = 0; i < repeats; i++) {
            GenerationResult result = pipeline.generate(request, listener);
            long encodeStart = System.nanoTime();
            // Native size (no upscaling): the encode time then reflects the video itself.
            Mp4Writer.write(result.frames(), result.settings().fps(), mp4, 1);
            runs.add(result.withStage(StageTimings.ENCODE_MP4, Duration.ofNanos(System.nanoTime() - encodeStart)));
        }
        HostMemory.Reading host = memory.stop();
        runs.sort(Comparator.comparing(r -> r.timings().total().minus(r.timings().wall().get(StageTimings.ENCODE_MP4))));
        return new MeasuredRun(runs.get(runs.size() / 2), host, GpuMemory.sample(pipeline.provider()));
    }
}

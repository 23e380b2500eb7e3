package dev.kino.bench.sweep;

import dev.kino.KinoException;
import dev.kino.bench.measure.GpuMemory;
import dev.kino.bench.measure.HostMemory;
import dev.kino.denoise.StepListener;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.StageTimings;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.video.Mp4Writer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One generation as the sweep measures it: the engine's own stage timings, MP4 encoding timed the way
 * {@code kino generate} times it, the process's peak host memory over both, and the GPU memory afterwards.
 */
record MeasuredRun(GenerationResult result, HostMemory.Reading host, GpuMemory.Reading gpu) {

    static MeasuredRun of(TextToVideoPipeline pipeline, GenerationRequest request, StepListener listener, Path mp4) {
        try {
            Files.createDirectories(mp4.getParent());
        } catch (IOException e) {
            throw new KinoException("Could not create the folder " + mp4.getParent() + ": " + e.getMessage()
                    + "; check that --out is writable.", e);
        }
        HostMemory.Watch memory = HostMemory.start();
        GenerationResult result = pipeline.generate(request, listener);
        long encodeStart = System.nanoTime();
        // Native size (no upscaling): the encode time then reflects the video itself.
        Mp4Writer.write(result.frames(), result.settings().fps(), mp4, 1);
        result.timings().record(StageTimings.ENCODE_MP4, Duration.ofNanos(System.nanoTime() - encodeStart),
                Duration.ZERO);
        HostMemory.Reading host = memory.stop();
        return new MeasuredRun(result, host, GpuMemory.sample(pipeline.provider()));
    }
}

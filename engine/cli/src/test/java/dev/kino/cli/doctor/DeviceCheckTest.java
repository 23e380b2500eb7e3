package dev.kino.cli.doctor;

import dev.kino.pipeline.GenerationResult;
import dev.kino.tensor.FloatTensor;
import dev.kino.video.VideoFrames;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceCheckTest {

    private static GenerationResult result(float[] latents, byte[]... frames) {
        return new GenerationResult(new VideoFrames(1, 2, List.of(frames)), new FloatTensor(new long[] {latents.length}, latents),
                null, null, List.of());
    }

    @Test
    void comparesLatentsRelativelyAndFramesInLevels() {
        GenerationResult cpu = result(new float[] {3, 4}, new byte[] {0, 10, 20, 30, 40, (byte) 250});
        GenerationResult gpu = result(new float[] {3, 4.04f}, new byte[] {0, 12, 20, 30, 40, (byte) 255});
        DeviceCheck.Difference d = DeviceCheck.compare(gpu, cpu);
        assertEquals(0.04 / 5, d.latentRelL2(), 1e-6);      // |(0, 0.04)| / |(3, 4)|
        assertEquals(5, d.maxFrameDiff());                   // 255 vs 250, read as unsigned bytes
        assertEquals(7.0 / 6, d.meanFrameDiff(), 1e-12);
        assertTrue(d.withinTolerance());
        assertFalse(DeviceCheck.compare(result(new float[] {3, 4.2f}, new byte[6]), cpu).withinTolerance());
        assertEquals(0.0, DeviceCheck.compare(cpu, cpu).latentRelL2());
    }

    @Test
    void medianStep() {
        assertEquals(20.0, DeviceCheck.medianMs(List.of(Duration.ofMillis(30), Duration.ofMillis(10), Duration.ofMillis(20))));
    }
}

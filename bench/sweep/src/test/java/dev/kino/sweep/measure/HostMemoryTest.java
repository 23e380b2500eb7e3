package dev.kino.sweep.measure;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class HostMemoryTest {
    private static volatile ByteBuffer sink;

    @Test
    void thePeakSeesMemoryTouchedDuringTheWatch() {
        assumeTrue(HostMemory.statusKb("VmRSS") > 0, "needs Linux /proc");
        long before = HostMemory.statusKb("VmRSS") * 1024;
        HostMemory.Watch watch = HostMemory.start();
        // Off the Java heap, so the pages are freshly mapped (heap pages may already be resident).
        ByteBuffer big = ByteBuffer.allocateDirect(256 << 20);
        for (int i = 0; i < big.capacity(); i += 4096) {
            big.put(i, (byte) 1); // touch every page so it becomes resident
        }
        sink = big;
        HostMemory.Reading r = watch.stop();
        sink = null;
        assertNotNull(r.peakBytes(), r.method());
        assertTrue(r.peakBytes() >= before + (200L << 20), "peak " + r.peakBytes() + " before " + before + " via " + r.method());
    }
}

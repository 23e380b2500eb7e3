package dev.kino.bench.measure;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class HostMemoryTest {
    private static volatile byte[] sink;

    @Test
    void thePeakSeesMemoryTouchedDuringTheWatch() {
        assumeTrue(HostMemory.statusKb("VmRSS") > 0, "needs Linux /proc");
        long before = HostMemory.statusKb("VmRSS") * 1024;
        HostMemory.Watch watch = HostMemory.start();
        byte[] big = new byte[256 << 20];
        for (int i = 0; i < big.length; i += 4096) {
            big[i] = 1; // touch every page so it becomes resident
        }
        sink = big;
        HostMemory.Reading r = watch.stop();
        sink = null;
        assertNotNull(r.peakBytes(), r.method());
        assertTrue(r.peakBytes() >= before + (200L << 20), "peak " + r.peakBytes() + " before " + before + " via " + r.method());
    }
}

package dev.kino.runtime;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GpusTest {

    @Test
    void parsesNvidiaSmiCsv() {
        Gpus.Listing l = Gpus.parse("0, NVIDIA H100 80GB HBM3, 81559, 3, 550.54.15\n1, NVIDIA L4, 23034, 0, 550.54.15\n");
        assertNull(l.problem());
        assertEquals(2, l.gpus().size());
        assertEquals(new Gpus.Gpu(0, "NVIDIA H100 80GB HBM3", 81559, 3, "550.54.15"), l.gpus().get(0));
        assertEquals(23034, l.gpus().get(1).totalMib());
    }

    @Test
    void noGpuOrOddOutputIsSaidNotThrown() {
        assertEquals("nvidia-smi lists no GPU", Gpus.parse("").problem());
        assertTrue(Gpus.parse("0, X, lots, 0, 1").problem().startsWith("unexpected nvidia-smi output"));
    }
}

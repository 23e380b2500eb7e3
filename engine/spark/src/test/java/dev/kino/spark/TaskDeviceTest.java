package dev.kino.spark;

import dev.kino.KinoException;
import dev.kino.runtime.Device;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The task's resource map, as Spark's GPU scheduling fills it, stubbed (local mode schedules no GPUs). */
class TaskDeviceTest {

    private static Map<String, ResourceInformation> gpus(String... addresses) {
        return Map.of(TaskDevice.GPU, new ResourceInformation(TaskDevice.GPU, addresses));
    }

    @Test
    void aTaskHoldingAGpuRendersOnThatCudaDevice() {
        assertEquals(Device.cuda(0), TaskDevice.choose(gpus("0")));
        assertEquals(Device.cuda(3), TaskDevice.choose(gpus("3")));
        assertEquals("cuda:5", TaskDevice.choose(gpus(" 5 ")).toString());
    }

    @Test
    void severalGpusUseTheFirst() {
        assertEquals(Device.cuda(2), TaskDevice.choose(gpus("2", "3")));
    }

    @Test
    void noGpuMeansTheCpu() {
        assertEquals(Device.CPU, TaskDevice.choose(Map.of()));
        assertEquals(Device.CPU, TaskDevice.choose(null));
        assertEquals(Device.CPU, TaskDevice.choose(gpus()));
        assertEquals(Device.CPU, TaskDevice.choose(Map.of("fpga", new ResourceInformation("fpga", new String[] {"0"}))));
    }

    @Test
    void aGpuThisBuildCannotUseNamesSparksOptionsNotKinosDeviceFlag() {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.kino.runtime.OnnxRuntime.cudaProblem(0) != null,
                "CUDA works here");
        KinoException e = assertThrows(KinoException.class,
                () -> ExecutorPipelines.borrow(ExecutorPipelines.DEMO, Device.cuda(0), 1));
        assertTrue(e.getMessage().startsWith("The GPU cuda:0 that Spark gave this task cannot be used: "), e.getMessage());
        assertTrue(e.getMessage().contains("submit without spark.task.resource.gpu.amount"), e.getMessage());
        assertTrue(!e.getMessage().contains("--device"), "RenderJob has no --device option: " + e.getMessage());
    }

    @Test
    void anAddressThatIsNoIndexIsOneSentence() {
        KinoException e = assertThrows(KinoException.class,
                () -> TaskDevice.choose(gpus("GPU-8f2e54a0-1c2b-4d5e")));
        assertTrue(e.getMessage().contains("\"GPU-8f2e54a0-1c2b-4d5e\"") && e.getMessage().contains("discovery script"),
                e.getMessage());
        assertThrows(KinoException.class, () -> TaskDevice.choose(gpus("-1")));
    }
}

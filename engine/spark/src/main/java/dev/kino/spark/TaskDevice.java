package dev.kino.spark;

import dev.kino.KinoException;
import dev.kino.runtime.Device;
import org.apache.spark.resource.ResourceInformation;

import java.util.Map;

/**
 * Which device a Spark task renders on: the GPU that Spark's scheduler gave the task
 * ({@code spark.task.resource.gpu.amount}, addresses from the executor's discovery script), else the CPU.
 */
public final class TaskDevice {
    /** Spark's resource name for GPUs. */
    public static final String GPU = "gpu";

    private TaskDevice() {
    }

    /**
     * The device for a task holding {@code resources} (as {@code TaskContext.resourcesJMap()} gives them):
     * {@code cuda:N} for the first GPU address N, the CPU when the task holds no GPU. A task given several GPUs
     * renders on the first; Kino runs one model on one GPU.
     *
     * @throws KinoException when a GPU address is not a device index (a discovery script printing UUIDs)
     */
    public static Device choose(Map<String, ResourceInformation> resources) {
        ResourceInformation gpu = resources == null ? null : resources.get(GPU);
        if (gpu == null || gpu.addresses().length == 0) {
            return Device.CPU;
        }
        String address = gpu.addresses()[0].trim();
        try {
            int index = Integer.parseInt(address);
            if (index >= 0) {
                return Device.cuda(index);
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new KinoException("Spark gave this task the GPU address \"" + address + "\", which is not a CUDA device"
                + " index; make the GPU discovery script print indices (0, 1, ...), as Spark's example"
                + " getGpusResources.sh does.");
    }
}

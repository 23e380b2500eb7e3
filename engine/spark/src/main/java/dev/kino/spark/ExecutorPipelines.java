package dev.kino.spark;

import dev.kino.demo.DemoModel;
import dev.kino.model.ModelPackage;
import dev.kino.pipeline.ExpertResidency;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import dev.kino.runtime.OnnxRuntime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The loaded pipelines of this executor JVM, shared by every task it runs: a model is loaded the first time a
 * task needs it on a device and stays open for every later task, until the JVM shuts down.
 *
 * <p>A pipeline runs one generation at a time, so a pipeline is lent to one task at a time. When several tasks
 * of one executor run at once on the same model and device (CPU executors with several task slots), each
 * concurrently running task gets its own pipeline, loaded once and then reused; with one GPU per task, as in
 * the documented GPU setups, that is exactly one pipeline per GPU.
 */
public final class ExecutorPipelines {
    /** The built-in demo model's reference: no {@code --model}, or {@code demo}. */
    public static final String DEMO = "demo";

    private record Key(String model, Device device, int threads, ExpertResidency experts) {
    }

    private static final Map<Key, Deque<TextToVideoPipeline>> IDLE = new ConcurrentHashMap<>();
    private static final List<TextToVideoPipeline> ALL = new ArrayList<>();

    static {
        Thread closer = new Thread(ExecutorPipelines::closeAll, "kino-close-pipelines");
        Runtime.getRuntime().addShutdownHook(closer);
    }

    private ExecutorPipelines() {
    }

    /** A pipeline on loan to one task; {@link #close()} gives it back for the next task. */
    public static final class Lease implements AutoCloseable {
        private final Key key;
        private final TextToVideoPipeline pipeline;
        private final long loadNanos;

        private Lease(Key key, TextToVideoPipeline pipeline, long loadNanos) {
            this.key = key;
            this.pipeline = pipeline;
            this.loadNanos = loadNanos;
        }

        public TextToVideoPipeline pipeline() {
            return pipeline;
        }

        /** Time this task spent loading the model: 0 when it reused one an earlier task loaded. */
        public long loadNanos() {
            return loadNanos;
        }

        @Override
        public void close() {
            IDLE.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>()).push(pipeline);
        }
    }

    /** {@link #borrow(String, Device, int, ExpertResidency)} with a mixture's experts resident as memory allows. */
    public static Lease borrow(String model, Device device, int threads) {
        return borrow(model, device, threads, ExpertResidency.AUTO);
    }

    /**
     * Lends a pipeline for {@code model} (a package folder on this machine, or {@link #DEMO}) on {@code device},
     * loading it when no idle one exists.
     *
     * @param threads ONNX Runtime's CPU threads (the task's {@code spark.task.cpus}); 0 for its default
     * @param experts how a mixture's experts stay in memory (the job's {@code --experts}); {@code auto} decides
     *                against the memory free on this executor's machine when the pipeline loads
     * @throws dev.kino.KinoException when the model cannot be loaded (the message says why)
     */
    public static Lease borrow(String model, Device device, int threads, ExpertResidency experts) {
        Key key = new Key(model == null ? DEMO : model, device, threads, experts);
        TextToVideoPipeline idle = IDLE.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>()).poll();
        if (idle != null) {
            return new Lease(key, idle, 0);
        }
        if (device.kind() == Device.Kind.CUDA) {
            String problem = OnnxRuntime.cudaProblem(device.index());
            if (problem != null) {
                throw new dev.kino.KinoException("The GPU " + device + " that Spark gave this task cannot be used: "
                        + problem + "; build kino-spark.jar with -Pcuda for executors with CUDA 12 and cuDNN 9, or"
                        + " submit without spark.task.resource.gpu.amount to render on the executors' CPUs.");
            }
        }
        long start = System.nanoTime();
        Path dir = key.model().equals(DEMO) ? DemoModel.folder() : Path.of(key.model());
        TextToVideoPipeline loaded = TextToVideoPipeline.load(ModelPackage.open(dir), OnnxRuntime.create(device, threads),
                experts);
        synchronized (ALL) {
            ALL.add(loaded);
        }
        return new Lease(key, loaded, System.nanoTime() - start);
    }

    /** How many pipelines this JVM has loaded so far. */
    public static int loaded() {
        synchronized (ALL) {
            return ALL.size();
        }
    }

    /**
     * Per pipeline this JVM loaded for {@code model}, in load order: the expert sessions it closed and opened lately
     * (empty with both experts resident), as the core reports them; what a local-mode test checks.
     */
    static List<List<String>> expertEvents(String model) {
        synchronized (ALL) {
            return ALL.stream().filter(p -> p.modelPackage().dir().normalize().equals(Path.of(model).toAbsolutePath().normalize()))
                    .map(TextToVideoPipeline::expertEvents).toList();
        }
    }

    private static void closeAll() {
        synchronized (ALL) {
            for (TextToVideoPipeline p : ALL) {
                try {
                    p.close();
                } catch (RuntimeException ignored) {
                    // the JVM is exiting; the next pipeline still gets closed
                }
            }
            ALL.clear();
        }
    }
}

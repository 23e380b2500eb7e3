import ai.onnxruntime.*;
import java.nio.*;
import java.util.*;

/**
 * The bare ONNX Runtime Java API on one denoiser graph, under several session settings in one process (interleaved),
 * reporting CPU and wall time per step: the Java side of cpu_per_step.py. Variants (comma-separated): a name
 * with "plain" feeds a fresh heap-backed tensor and lets ONNX Runtime allocate the output (what a naive Java
 * loop does), otherwise pinned direct buffers as Kino does; "nospin", "t2", "noarena", "nopattern", "seq" set
 * allow_spinning=0, 2 intra-op threads, no CPU arena, no memory pattern, sequential execution.
 *
 *   java -cp "bench/target/lib/*" bench/ort-parity/diagnose/OrtJavaVariants.java GRAPH STEPS C F H W L D pinned-nospin,plain-nospin
 */
public class OrtJavaVariants {
    public static void main(String[] a) throws Exception {
        String graph = a[0];
        int steps = Integer.parseInt(a[1]);
        long[] lat = {2, Long.parseLong(a[2]), Long.parseLong(a[3]), Long.parseLong(a[4]), Long.parseLong(a[5])};
        long[] txt = {2, Long.parseLong(a[6]), Long.parseLong(a[7])};
        String[] variants = a[8].split(",");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, OrtSession> sessions = new LinkedHashMap<>();
        for (String v : variants) {
            OrtSession.SessionOptions o = new OrtSession.SessionOptions();
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (v.contains("nospin")) o.addConfigEntry("session.intra_op.allow_spinning", "0");
            if (v.contains("t2")) o.setIntraOpNumThreads(2);
            if (v.contains("noarena")) o.setCPUArenaAllocator(false);
            if (v.contains("nopattern")) o.setMemoryPatternOptimization(false);
            if (v.contains("seq")) o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            sessions.put(v, env.createSession(graph, o));
        }
        OrtSession any = sessions.values().iterator().next();
        String[] names = new String[3];
        for (NodeInfo n : any.getInputInfo().values()) {
            int r = ((TensorInfo) n.getInfo()).getShape().length;
            names[r == 5 ? 0 : r == 1 ? 1 : 2] = n.getName();
        }
        String out = any.getOutputNames().iterator().next();
        // an image model's denoiser takes condition channels in and gives the latent channels out (the demo model)
        long outChannels = ((TensorInfo) any.getOutputInfo().get(out).getInfo()).getShape()[1];
        long[] outShape = {lat[0], outChannels > 0 ? outChannels : lat[1], lat[2], lat[3], lat[4]};
        Random rnd = new Random(0);
        int n = (int) (lat[0]*lat[1]*lat[2]*lat[3]*lat[4]);
        int nt = (int) (txt[0]*txt[1]*txt[2]);
        float[] x = new float[n]; for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        float[] e = new float[nt]; for (int i = 0; i < nt; i++) e[i] = (float) rnd.nextGaussian();
        FloatBuffer xd = ByteBuffer.allocateDirect(n*4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        FloatBuffer ed = ByteBuffer.allocateDirect(nt*4).order(ByteOrder.nativeOrder()).asFloatBuffer(); ed.put(e).rewind();
        FloatBuffer td = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).asFloatBuffer();
        FloatBuffer od = ByteBuffer.allocateDirect((int) (outShape[0]*outShape[1]*outShape[2]*outShape[3]*outShape[4])*4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        OnnxTensor xt = OnnxTensor.createTensor(env, xd, lat), et = OnnxTensor.createTensor(env, ed, txt),
                tt = OnnxTensor.createTensor(env, td, new long[]{2}), ot = OnnxTensor.createTensor(env, od, outShape);
        Map<String, List<Double>> times = new LinkedHashMap<>();
        Map<String, List<Double>> cpus = new LinkedHashMap<>();
        for (String v : variants) times.put(v, new ArrayList<>());
        for (int round = 0; round < steps + 2; round++) {
            for (String v : variants) {
                OrtSession s = sessions.get(v);
                td.put(0, 500f).put(1, 500f);
                long c0 = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
                long t0 = System.nanoTime();
                if (v.startsWith("plain")) {
                    try (OnnxTensor xi = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), lat);
                         OrtSession.Result r = s.run(Map.of(names[0], xi, names[1], tt, names[2], et))) {
                        ((OnnxTensor) r.get(0)).getFloatBuffer().get(x, 0, 0);
                    }
                } else {
                    xd.rewind(); xd.put(x);
                    try (OrtSession.Result r = s.run(Map.of(names[0], xt, names[1], tt, names[2], et), Map.of(out, ot))) { }
                }
                long dt = System.nanoTime() - t0;
                long dc = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() - c0;
                if (round >= 2) { times.get(v).add(dt / 1e6); cpus.computeIfAbsent(v, k -> new ArrayList<>()).add(dc / 1e6); }
            }
        }
        for (var en : times.entrySet()) {
            List<Double> l = new ArrayList<>(en.getValue()); Collections.sort(l);
            List<Double> c = new ArrayList<>(cpus.get(en.getKey())); Collections.sort(c);
            System.out.printf("%-22s cpu mean %8.2f ms, wall median %8.2f ms  min %8.2f%n", en.getKey(), c.stream().mapToDouble(Double::doubleValue).average().getAsDouble(), l.get(l.size()/2), l.get(0));
        }
    }
}

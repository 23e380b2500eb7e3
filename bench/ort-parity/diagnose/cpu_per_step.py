#!/usr/bin/env python3
"""CPU time per step of the bare Python onnxruntime loop (spinning off, so CPU time is work, not waiting).

    python cpu_per_step.py GRAPH C,F,H,W L,D STEPS [SPIN]     # SPIN 0 (default) or 1

On a shared machine wall time swings with the other jobs; the process's CPU time with the thread pool's
spinning off does not, so it says whether two runtimes do the same work. Compare with OrtJavaVariants.java.
"""
import statistics as st
import sys
import time

import numpy as np
import onnxruntime as ort

graph, lat, txt, steps = sys.argv[1], [int(v) for v in sys.argv[2].split(",")], [int(v) for v in sys.argv[3].split(",")], int(sys.argv[4])
spin = sys.argv[5] if len(sys.argv) > 5 else "0"
o = ort.SessionOptions()
o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
o.add_session_config_entry("session.intra_op.allow_spinning", spin)
s = ort.InferenceSession(graph, o, providers=["CPUExecutionProvider"])
by = {len(i.shape): i.name for i in s.get_inputs()}
out = s.get_outputs()[0].name
rng = np.random.default_rng(0)
x = rng.standard_normal((2, *lat), dtype=np.float32)
e = rng.standard_normal((2, *txt), dtype=np.float32)
cpu, wall = [], []
for i in range(steps + 2):
    t = np.full((2,), 500.0, dtype=np.float32)
    c0, w0 = time.process_time(), time.perf_counter()
    s.run([out], {by[5]: x, by[1]: t, by[3]: e})
    c1, w1 = time.process_time(), time.perf_counter()
    if i >= 2:
        cpu.append((c1 - c0) * 1e3)
        wall.append((w1 - w0) * 1e3)
print(f"python onnxruntime {ort.__version__} spin={spin}: CPU {st.mean(cpu):.2f} ms per step (mean), "
      f"wall median {st.median(wall):.2f} ms, min {min(wall):.2f}")

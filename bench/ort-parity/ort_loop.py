#!/usr/bin/env python3
"""The bare-runtime side of the parity bench: one denoiser graph in a plain onnxruntime loop.

    python ort_loop.py GRAPH --batch 2 --latent C,F,H,W --text L,D [--steps 5] [--warmup 2] [--threads 0]

Each step is what a diffusers-style loop does around the runtime and nothing more: the latents and the
timestep go in as NumPy arrays, ``session.run`` returns the prediction as a NumPy array. The session
options are ONNX Runtime's defaults but for what is set explicitly (graph optimisation level ALL, the
intra-op thread count when ``--threads`` is given), which is what Kino sets, so both sides run the same
graph under the same settings. Prints one JSON object: the version, the options and every step's
seconds.
"""
import argparse
import json
import time

import numpy as np
import onnxruntime as ort


def dims(text):
    return [int(v) for v in text.split(",")]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("graph")
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--latent", type=dims, required=True, help="C,F,H,W of one sample's latents")
    p.add_argument("--text", type=dims, required=True, help="L,D of one prompt's embeddings")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=0, help="intra-op threads (0: ONNX Runtime's default)")
    a = p.parse_args()

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if a.threads > 0:
        options.intra_op_num_threads = a.threads
    session = ort.InferenceSession(a.graph, options, providers=["CPUExecutionProvider"])
    by_rank = {len(i.shape): i.name for i in session.get_inputs()}   # latents 5-D, timestep 1-D, text 3-D
    output = session.get_outputs()[0].name

    rng = np.random.default_rng(0)
    latents = rng.standard_normal((a.batch, *a.latent), dtype=np.float32)
    text = rng.standard_normal((a.batch, *a.text), dtype=np.float32)
    # an image model's denoiser (more input than output channels): zero condition channels, as Kino feeds one
    # whose picture is optional when none is given (the demo model)
    cin = next(i.shape[1] for i in session.get_inputs() if len(i.shape) == 5)
    zeros = None if not isinstance(cin, int) or cin <= a.latent[0] else \
        np.zeros((a.batch, cin - a.latent[0], *a.latent[1:]), np.float32)
    times = []
    for i in range(a.warmup + a.steps):
        t = np.full((a.batch,), 1000.0 * (1 - i / (a.warmup + a.steps)), dtype=np.float32)
        start = time.perf_counter()
        sample = latents if zeros is None else np.concatenate([latents, zeros], axis=1)
        pred = session.run([output], {by_rank[5]: sample, by_rank[1]: t, by_rank[3]: text})[0]
        elapsed = time.perf_counter() - start
        if i >= a.warmup:
            times.append(elapsed)
        latents = (latents - 0.01 * pred).astype(np.float32, copy=False)   # a step's worth of change
    print(json.dumps({"runtime": "python onnxruntime " + ort.__version__, "threads": a.threads,
                      "step_seconds": times}))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Makes a large Kino package for the server memory bench: a copy of a package (default: the built-in demo model)
whose denoiser carries GIB gibibytes of extra float32 weights in external data (denoiser.onnx_data), which the
graph really reads: the sum of the padding times zero is added to the denoiser's output, so the package renders
what the original renders (x + 0) while ONNX Runtime must load every byte.

    python3 bench/serve-memory/pad_package.py models/demo/package WORK/models/big --gib 1.0

Needs numpy and onnx (bench/serve-memory/requirements.txt). Writes nothing into the source package.
"""
import argparse
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", help="a Kino package folder")
    ap.add_argument("dst", help="the padded copy (must not exist)")
    ap.add_argument("--gib", type=float, default=1.0, help="extra weights in GiB (default 1.0)")
    a = ap.parse_args()
    if os.path.exists(a.dst):
        sys.exit(f"{a.dst} exists; give a new folder")
    shutil.copytree(a.src, a.dst)
    path = os.path.join(a.dst, "denoiser.onnx")
    model = onnx.load(path)
    g = model.graph
    out = g.output[0].name
    producer = next(n for n in g.node if out in n.output)
    producer.output[list(producer.output).index(out)] = out + "_unpadded"
    count = int(a.gib * (1 << 30)) // 4
    padding = np.random.default_rng(0).standard_normal(count, dtype=np.float32)
    g.initializer.append(numpy_helper.from_array(padding, "kino_bench_padding"))
    g.initializer.append(numpy_helper.from_array(np.zeros((), np.float32), "kino_bench_zero"))
    g.node.extend([
        helper.make_node("ReduceSum", ["kino_bench_padding"], ["kino_bench_sum"], keepdims=0),
        helper.make_node("Mul", ["kino_bench_sum", "kino_bench_zero"], ["kino_bench_nothing"]),
        helper.make_node("Add", [out + "_unpadded", "kino_bench_nothing"], [out]),
    ])
    onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location="denoiser.onnx_data", size_threshold=1024)
    size = sum(os.path.getsize(os.path.join(a.dst, f)) for f in os.listdir(a.dst))
    print(f"{a.dst}: {size / (1 << 30):.2f} GiB ({size} bytes), padding {count} float32 in denoiser.onnx_data")


if __name__ == "__main__":
    main()

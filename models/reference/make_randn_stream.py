"""Writes golden/torch_randn_stream.json: successive torch.randn calls on ONE CPU generator.

The shared torch_randn.json uses a fresh generator per entry; this file records what PyTorch gives when
calls continue the stream (scalar-path calls below 16 elements cache their second Box-Muller value in the
generator, vector-path calls do not touch that cache). Project-generated (see README.md beside this script).

Usage:  ATEN_CPU_CAPABILITY=default models/.venv/bin/python models/reference/make_randn_stream.py OUT_DIR
(the default, non-vectorised kernels: the AVX2 Box-Muller differs from the scalar one by ~1e-6)
"""
import sys

import torch

from golden import f32, provenance, write

SEQUENCES = [
    (0, [[7], [1], [16]]),
    (42, [[3], [3], [17], [1], [5]]),
    (7, [[16], [1], [1], [2, 8], [33]]),
    (1234, [[1], [15], [40], [9], [9], [9]]),
    (2 ** 32 + 5, [[5], [20]]),
]


def main(out_dir):
    entries = []
    for seed, shapes in SEQUENCES:
        g = torch.Generator("cpu").manual_seed(seed)
        calls = []
        for shape in shapes:
            t = torch.randn(shape, generator=g, dtype=torch.float32).flatten()
            calls.append({"shape": shape, "values": [f32(v) for v in t.numpy()]})
        entries.append({"seed": seed, "calls": calls})
    doc = {"schema_version": 1, "kind": "torch_cpu_generator_stream",
           "provenance": provenance("make_randn_stream.py"),
           "call": "g = torch.Generator('cpu').manual_seed(seed); for shape in calls: torch.randn(shape, generator=g, "
                   "dtype=torch.float32).flatten()",
           "float_encoding": "shortest decimal that round-trips to the float32",
           "entries": entries}
    print("wrote", write(doc, out_dir, "torch_randn_stream.json"))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "engine/core/src/test/resources/golden")

#!/usr/bin/env python3
"""Converts one bare ONNX graph (no package around it) to a precision mode: what the parity bench needs.

    python models/quantize/quantize_graph.py IN.onnx OUT.onnx --mode int8|w8|w4|fp16|bf16 [--block-size 32]
        [--keep-all-quantizable] [--accuracy-level N]

Same conversion as quantize_package.py (precision_modes.py), same layers kept fp32; OUT.onnx_data is written
beside OUT.onnx for large graphs. Prints how many MatMuls were converted and the largest relative
difference from IN on one call with random inputs.
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import precision_modes as pm  # noqa: E402
from quantize_package import check_runs  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--mode", required=True, choices=pm.MODES)
    ap.add_argument("--block-size", type=int, default=32)
    ap.add_argument("--accuracy-level", type=int, default=None, help="MatMulNBits: 4 = int8 compute (w8/w4)")
    ap.add_argument("--keep-all-quantizable", action="store_true")
    ap.add_argument("--no-check", action="store_true", help="skip the run on random inputs (large graphs)")
    a = ap.parse_args()
    t0 = time.time()
    model = pm.fold_weight_transposes(pm.load(a.src))
    names = pm.weight_nodes(model)
    scope = names if a.mode != "bf16" else [n.name for n in model.graph.node]
    exclude = [] if a.keep_all_quantizable else pm.kept(scope)
    pm.save(pm.convert(model, a.mode, exclude, a.block_size, a.accuracy_level), a.dst)
    kept = sorted(set(exclude) & set(names))
    print(f"{a.dst}: {a.mode}, {len(names) - len(kept)} of {len(names)} MatMuls converted, {len(kept)} kept fp32 "
          f"({time.time() - t0:.0f} s)", flush=True)
    if not a.no_check:
        print(f"one call on random inputs: max rel diff {check_runs(a.src, a.dst):.2e}")


if __name__ == "__main__":
    main()

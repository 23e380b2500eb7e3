#!/usr/bin/env python3
"""Checks that the streamed w8/w4 conversion (streamed.py) writes what the whole-graph one (precision_modes.convert)
writes: the same nodes in the same order (op, name, inputs, outputs, attributes), the same initializers value for
value (dtype and shape included), and the same output when both run in ONNX Runtime; with and without ``--gemm``.
Exits 1 on any difference.

    python models/quantize/check_streamed.py [PACKAGE_DIR ...]     # default: the committed tiny Wan and Hunyuan

Offline tooling (CI has no Python): run it after changing streamed.py or precision_modes.py.
"""
import os
import sys
import tempfile

import logging

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import precision_modes as pm  # noqa: E402
import quantize_package as qp  # noqa: E402
import streamed  # noqa: E402

RES = os.path.join(HERE, "..", "..", "engine", "core", "src", "test", "resources")
PACKAGES = [os.path.join(RES, "wan", "tiny-wan21"), os.path.join(RES, "hunyuan", "tiny-hunyuan")]


def node_key(n):
    attrs = tuple(sorted((a.name, str(onnx.helper.get_attribute_value(a))) for a in n.attribute))
    return n.op_type, n.domain, n.name, tuple(n.input), tuple(n.output), attrs


def tensors(model):
    return {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}


def compare(path, mode, tmp, gemm=False):
    whole_model = pm.fold_weight_transposes(pm.load(path))
    if gemm:
        whole_model = pm.gemm_as_matmul(whole_model)
    names = pm.weight_nodes(whole_model)
    whole = pm.convert(whole_model, mode, pm.kept(names))
    whole_path = os.path.join(tmp, f"whole-{mode}.onnx")
    pm.save(whole, whole_path)
    stream_path = os.path.join(tmp, f"streamed-{mode}.onnx")
    info = streamed.convert_file(path, stream_path, mode, gemm=gemm)
    got = onnx.load(stream_path, load_external_data=True)
    problems = []
    a, b = [node_key(n) for n in whole.graph.node], [node_key(n) for n in got.graph.node]
    if a != b:
        first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        problems.append(f"nodes differ ({len(a)} vs {len(b)}; first at {first})")
    ta, tb = tensors(whole), tensors(got)
    if set(ta) != set(tb):
        problems.append(f"initializers differ: only whole {sorted(set(ta) - set(tb))[:3]}, "
                        f"only streamed {sorted(set(tb) - set(ta))[:3]}")
    differ = sorted(k for k in set(ta) & set(tb) if ta[k].dtype != tb[k].dtype or ta[k].shape != tb[k].shape
                    or not np.array_equal(ta[k], tb[k]))
    if differ:
        problems.append(f"{len(differ)} initializers differ, e.g. {differ[:2]}")
    if info["left_nd"]:
        problems.append(f"N-D weights left fp32: {info['left_nd']}")
    outputs = None
    if not problems:
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.log_severity_level = 3
        s1 = ort.InferenceSession(whole_path, so, providers=["CPUExecutionProvider"])
        s2 = ort.InferenceSession(stream_path, so, providers=["CPUExecutionProvider"])
        rng = np.random.default_rng(0)
        feed = {}
        for i in s1.get_inputs():
            shape = [d if isinstance(d, int) else (2 if k == 0 else 4) for k, d in enumerate(i.shape)]
            feed[i.name] = (np.ones(shape, np.int64) if i.type == "tensor(int64)"
                            else (rng.standard_normal(shape) * (500 if "time" in i.name else 1)).astype(np.float32))
        o1, o2 = s1.run(None, feed)[0], s2.run(None, feed)[0]
        outputs = float(np.abs(o1 - o2).max())
        if outputs != 0.0:
            problems.append(f"outputs differ by {outputs:g}")
    converted = sum(1 for n in got.graph.node if n.op_type == "MatMulNBits")
    print(f"{os.path.basename(os.path.normpath(os.path.dirname(path)))}/{os.path.basename(path)} {mode}"
          f"{' --gemm' if gemm else ''}: "
          f"{converted} MatMulNBits, {len(info['kept_fp32'])} kept fp32, {len(tb)} initializers, "
          f"{'identical' if not problems else '; '.join(problems)}"
          + ("" if outputs is None else f", outputs max |diff| {outputs:g}"), flush=True)
    return not problems


def main():
    logging.disable(logging.INFO)     # the ONNX Runtime quantizer logs every node it skips
    packages = sys.argv[1:] or PACKAGES
    ok = True
    for pkg in packages:
        m = qp.json.load(open(os.path.join(pkg, "kino.json")))
        for f in qp.graph_files(m, "denoiser"):
            for mode in ("w8", "w4"):
                for gemm in (False, True):
                    with tempfile.TemporaryDirectory() as tmp:
                        ok &= compare(os.path.join(pkg, f), mode, tmp, gemm)
    print("streamed == whole-graph" if ok else "DIFFERENCES FOUND")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

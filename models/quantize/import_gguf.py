#!/usr/bin/env python3
"""Imports a GGUF Wan checkpoint (the files ComfyUI users have: city96's Wan 2.1 / 2.2 GGUFs) into a Kino package.

    python models/quantize/import_gguf.py GGUF_FILE BASE_PACKAGE OUT_PACKAGE [--low-noise GGUF_FILE]

BASE_PACKAGE is an fp32 Kino Wan package of the same architecture (models/export/export_wan.py): its text
encoder, VAE, tokenizer and the denoiser's graph are kept, and every weight of the denoiser is replaced by the
GGUF file's. Q8_0 and Q4_0 tensors of a MatMul become MatMulNBits blocks (8 / 4 bits, 32 per fp16 scale)
holding exactly the file's values; every other tensor (F32, F16, BF16, the K-quants Q4_K / Q5_K / Q6_K ...,
and a quantized weight of a Gemm or Conv) is dequantized with gguf.quants.dequantize into the graph's float32.
A Wan 2.2 package's two experts take two files: GGUF_FILE for the high-noise expert, ``--low-noise`` for the
other. The manifest records the import (``weights`` + ``quantization``, models/quantize/README.md).

Checked before anything is kept: every GGUF tensor maps onto a weight of the graph (a tensor that does not is an
error naming it) and every weight of the graph gets a tensor; the written graph's weights, read back (the
MatMulNBits blocks decoded by ONNX Runtime's definition), equal gguf.quants.dequantize of the file's tensors
bit for bit; and the graph runs in ONNX Runtime, its output compared with the same graph holding the
dequantized weights as plain float MatMuls. A failure prints one sentence and leaves nothing behind.
"""
import argparse
import hashlib
import json
import os
import shutil
import sys
from collections import Counter

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import GGUFReader
from gguf.quants import dequantize
from onnx import helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import gguf_wan as gw  # noqa: E402
import kino_manifest  # noqa: E402
import precision_modes as pm  # noqa: E402
from quantize_package import check_runs  # noqa: E402


class ImportError_(Exception):
    """A problem with the inputs, said in one sentence."""


def read_gguf(path):
    """name (prefix stripped) -> (tensor, PyTorch shape) of a GGUF file."""
    try:
        reader = GGUFReader(path)
    except Exception as e:   # noqa: BLE001 - any parse failure is the same user problem
        raise ImportError_(f"{path} is not a readable GGUF file ({e}); give a .gguf checkpoint")
    orig = {}
    for key, field in reader.fields.items():
        if key.startswith("comfy.gguf.orig_shape."):
            orig[key[len("comfy.gguf.orig_shape."):]] = tuple(int(d) for d in field.contents())
    return {gw.strip_prefix(t.name): (t, gw.torch_shape(t, orig)) for t in reader.tensors}


def float_value(tensor, shape):
    """The tensor's values as gguf.quants.dequantize gives them, float32 in PyTorch shape."""
    return np.asarray(dequantize(tensor.data, tensor.tensor_type), np.float32).reshape(shape)


def plan(tensors, params, gguf_path):
    """graph parameter -> (GGUF name, tensor, PyTorch shape); refuses unmapped and missing tensors."""
    out = {}
    for name, (t, shape) in tensors.items():
        target = gw.to_diffusers(name)
        if target is None or target not in params:
            raise ImportError_(f"the GGUF tensor {name} in {gguf_path} has no weight of that name in the base "
                               f"package's denoiser; give the GGUF of the same Wan model as the base package")
        out[target] = (name, t, shape)
    missing = sorted(set(params) - set(out))
    if missing:
        raise ImportError_(f"{gguf_path} has no tensor for the denoiser weight {missing[0]} "
                           f"({len(missing)} missing); give the GGUF of the same Wan model as the base package")
    return out


def import_graph(graph_path, base_path, gguf_path):
    """Rewrites one denoiser graph (a copy of ``base_path``) with the GGUF's weights; returns its record and
    the path of its float twin: the base graph holding the same values as plain floats, for the run check.
    One graph is in memory at a time (about the fp32 denoiser's size at the peak)."""
    model = pm.load(graph_path)
    params = gw.graph_params(model)
    work = plan(read_gguf(gguf_path), params, gguf_path)
    inits = {i.name: i for i in model.graph.initializer}
    users = Counter(i for n in model.graph.node for i in n.input)
    matmul_of = {n.input[1]: n for n in model.graph.node if n.op_type == "MatMul" and len(n.input) > 1}
    types, blocks, kept = Counter(), {}, []
    for target, (name, t, shape) in sorted(work.items()):
        types[t.tensor_type.name] += 1
        value = None
        for init_name, layout in params[target]:
            _check_shape(name, t, shape, target, inits[init_name], layout)
            node = matmul_of.get(init_name)
            if t.tensor_type in gw.NBITS and layout == "transposed" and node is not None and users[init_name] == 1:
                raw = np.asarray(t.data).reshape(shape[0], -1)
                blocks[init_name] = (gw.nbits_blocks(raw, t.tensor_type), gw.NBITS[t.tensor_type], shape)
                continue
            value = float_value(t, shape) if value is None else value
            _set(inits[init_name], value, layout)
            if node is not None:
                kept.append(node.name)
    _to_nbits(model, blocks)
    pm.save(model, graph_path)
    del model, inits, matmul_of
    check_weights(graph_path, params, work)
    twin = pm.load(base_path)
    twin_inits = {i.name: i for i in twin.graph.initializer}
    for target, (name, t, shape) in work.items():
        value = float_value(t, shape)
        for init_name, layout in params[target]:
            _set(twin_inits[init_name], value, layout)
    twin_path = graph_path + ".float-twin.onnx"
    pm.save(twin, twin_path)
    bits = Counter(b[1] for b in blocks.values())
    return {"types": dict(types), "bits": dict(bits), "kept": sorted(kept),
            "sha256": _sha256(gguf_path), "file": os.path.basename(gguf_path)}, twin_path


def _check_shape(name, t, shape, target, init, layout):
    """The GGUF tensor fits the graph's weight: the same shape, or the same values with unit dimensions added
    (a folded Unsqueeze) or, for an unquantized tensor, stored flattened."""
    dims = tuple(init.dims)
    want = dims[::-1] if layout == "transposed" else dims
    same = tuple(shape) == want
    squeezed = tuple(d for d in shape if d != 1) == tuple(d for d in want if d != 1)
    flat = int(np.prod(shape)) == int(np.prod(want)) and t.tensor_type in (T.F32, T.F16, T.BF16)
    if not (same or (layout == "plain" and (squeezed or flat))):
        raise ImportError_(f"the GGUF tensor {name} is {list(shape)} but the base package's {target} is "
                           f"{list(want)}; give the GGUF of the same Wan model size as the base package")


def _set(init, value, layout):
    """An initializer's values replaced (a Linear weight stored [in, out] gets the transpose)."""
    stored = value.T if layout == "transposed" else value.reshape(tuple(init.dims))
    init.CopyFrom(numpy_helper.from_array(np.ascontiguousarray(stored, np.float32), init.name))


def _to_nbits(model, blocks):
    """Each MatMul named in ``blocks`` replaced by a MatMulNBits over the GGUF's own blocks."""
    g = model.graph
    drop = set(blocks)
    nodes = []
    for n in g.node:
        hit = blocks.get(n.input[1]) if n.op_type == "MatMul" and len(n.input) > 1 else None
        if hit is None:
            nodes.append(n)
            continue
        (b, scales), bits, shape = hit
        w, s = n.input[1] + f"_Q{bits}", n.input[1] + "_scales"
        g.initializer.extend([numpy_helper.from_array(b, w), numpy_helper.from_array(scales, s)])
        nodes.append(helper.make_node("MatMulNBits", [n.input[0], w, s], list(n.output), name=n.name + f"_Q{bits}",
                                      domain="com.microsoft", K=int(shape[1]), N=int(shape[0]), bits=bits,
                                      block_size=gw.BLOCK_SIZE))
    keep = [i for i in g.initializer if i.name not in drop]
    del g.initializer[:]
    g.initializer.extend(keep)
    del g.node[:]
    g.node.extend(nodes)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))


def check_weights(graph_path, params, work):
    """The written graph's weights, read back, equal gguf.quants.dequantize of the file, bit for bit."""
    model = pm.load(graph_path)
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    nbits = {n.input[1]: n for n in model.graph.node if n.op_type == "MatMulNBits"}
    for target, (name, t, shape) in work.items():
        want = float_value(t, shape)
        for init_name, layout in params[target]:
            if init_name + "_Q8" in inits or init_name + "_Q4" in inits:
                bits = 8 if init_name + "_Q8" in inits else 4
                got = gw.nbits_values(inits[f"{init_name}_Q{bits}"], inits[init_name + "_scales"], bits, shape[1])
                assert nbits[f"{init_name}_Q{bits}"].op_type == "MatMulNBits"
            else:
                got = inits[init_name].T if layout == "transposed" else inits[init_name]
            if got.size != want.size or not np.array_equal(got.ravel(), want.ravel()):
                raise AssertionError(f"{target}: the written weights differ from the GGUF tensor {name}")


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def record(infos):
    """The manifest's ``weights`` and ``quantization`` for the imported denoiser (None: all dequantized)."""
    bits, types = Counter(), Counter()
    for i in infos:
        bits.update(i["bits"])
        types.update(i["types"])
    if not bits:
        return "fp32", None
    fmt, mode = ("int4-weight-only", "w4") if 4 in bits else ("int8-weight-only", "w8")
    held = " and ".join(f"Q{b}_0 as {b}-bit" for b in sorted(bits, reverse=True))
    q = {"mode": mode,
         "method": f"GGUF import: {held} onnxruntime MatMulNBits blocks holding the file's values exactly, fp32 "
                   f"compute; the rest dequantized to fp32 (tensors: "
                   + ", ".join(f"{n} {t}" for t, n in sorted(types.items())) + ")",
         "tool": "models/quantize/import_gguf.py", "block_size": gw.BLOCK_SIZE,
         "kept_fp32": sorted({k for i in infos for k in i["kept"]}),
         "source": ", ".join(f"{i['file']} (sha256 {i['sha256']})" for i in infos)}
    return fmt, q


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gguf")
    ap.add_argument("base")
    ap.add_argument("out")
    ap.add_argument("--low-noise", help="a Wan 2.2 package's second expert: its GGUF file")
    a = ap.parse_args()
    try:
        run(a)
    except ImportError_ as e:
        sys.exit(str(e) + " (nothing was written)")


def run(a):
    manifest = os.path.join(a.base, "kino.json")
    if not os.path.isfile(manifest):
        raise ImportError_(f"{a.base} has no kino.json; give an exported Kino Wan package as the base")
    for f in [a.gguf] + ([a.low_noise] if a.low_noise else []):
        if not os.path.isfile(f):
            raise ImportError_(f"{f} does not exist; give the path of a .gguf file")
    with open(manifest) as f:
        m = json.load(f)
    if m["denoiser"].get("weights", "fp32") != "fp32":
        raise ImportError_(f"{a.base} is not an fp32 package; import into the fp32 export")
    files = [e["file"] for e in m["denoiser"].get("experts") or [{"file": m["denoiser"]["file"]}]]
    ggufs = [a.gguf] + ([a.low_noise] if a.low_noise else [])
    if len(files) != len(ggufs):
        raise ImportError_(f"{a.base}'s denoiser has {len(files)} expert graph(s) but {len(ggufs)} GGUF file(s) "
                           f"were given; a Wan 2.2 package takes the high-noise file and --low-noise FILE")
    if os.path.exists(a.out):
        raise ImportError_(f"{a.out} exists; give a new folder")
    shutil.copytree(a.base, a.out)
    try:
        infos = []
        for graph, gguf_path in zip(files, ggufs):
            path = os.path.join(a.out, graph)
            info, twin = import_graph(path, os.path.join(a.base, graph), gguf_path)
            try:
                err = check_runs(twin, path)
            finally:
                for p in (twin, twin + "_data"):
                    if os.path.exists(p):
                        os.remove(p)
            infos.append(info)
            print(f"{graph} <- {os.path.basename(gguf_path)}: tensors {info['types']}, MatMulNBits {info['bits']} "
                  f"(bits: count), {len(info['kept'])} MatMuls float; weights equal the GGUF's dequantized values; "
                  f"one call against the dequantized-float graph: max rel diff {err:.2e}", flush=True)
        fmt, q = record(infos)
        m["denoiser"]["weights"] = fmt
        m["denoiser"].pop("quantization", None)
        if q:
            m["denoiser"]["quantization"] = q
        m["name"] = f"{m['name']}-gguf"
        m["description"] = (m.get("description", "") + "; denoiser weights imported from "
                            + ", ".join(os.path.basename(g) for g in ggufs))
        kino_manifest.write(m, os.path.join(a.out, "kino.json"))
    except BaseException:
        shutil.rmtree(a.out, ignore_errors=True)   # nothing half-written is left behind
        raise
    print(f"wrote {a.out} (denoiser {fmt})")


if __name__ == "__main__":
    main()

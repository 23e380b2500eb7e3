"""Kino's precision modes: how one fp32 ONNX graph becomes an int8, 8-bit, 4-bit, fp16 or bf16 graph.

Shared by quantize_package.py (writes a package in one mode) and probe_layers.py (measures which layers
survive a mode). Every mode keeps the graph's inputs and outputs float32, so the engine feeds a quantized
graph exactly as it feeds the fp32 one; what changes is how the weights are stored and which kernels run.

| mode | what ONNX Runtime runs | weights |
|---|---|---|
| ``int8`` | ``quantize_dynamic``: MatMulInteger with activations quantized per call (DynamicQuantizeLinear) | int8 per column |
| ``w8`` / ``w4`` | ``MatMulNBits`` (com.microsoft), weight-only, blocks of ``block_size`` along K, fp32 compute | 8 / 4 bit |
| ``fp16`` | the weight MatMuls in fp16 (Cast in and out around each); everything else stays fp32 | fp16 |
| ``bf16`` | bf16 weights, cast to fp32 where used (ONNX Runtime's CPU provider has no bf16 MatMul): storage only | bf16 |

Layers that do not survive quantization stay fp32: they are matched by name (``KEEP``); probe_layers.py is
the measurement that chose the list (models/quantize/README.md).
"""
import os
import re

import numpy as np
import onnx
from google.protobuf.message import EncodeError
from onnx import TensorProto, helper, numpy_helper

MODES = ("int8", "w8", "w4", "fp16", "bf16")
# The default fast mode (``--mode fast``), chosen from the measurements in docs/precision.md.
FAST = "int8"
# What each mode stores, as the manifest's "weights" key spells it (models/README.md).
WEIGHTS = {"int8": "int8", "w8": "int8-weight-only", "w4": "int4-weight-only", "fp16": "fp16", "bf16": "bf16"}

# Layers kept in fp32 in every quantized mode, by node name (Wan, LTX-Video and the demo model's exports):
# the patch embedding / input projection, the time and text condition embedders, the output head.
# probe_layers.py measured each group's error quantized alone (models/quantize/README.md has the table).
KEEP = (r"patch_embedding", r"/proj_in/", r"/conv_in/", r"condition_embedder", r"time_embed", r"t_mlp",
        r"caption_projection", r"txt_mlp", r"/proj_out/", r"/conv_out/", r"norm_out", r"scale_shift")


def load(path):
    """The graph with its external data (``FILE.onnx_data`` beside it) read in. Read here, not by ``onnx.load``:
    onnx refuses an external file with several hard links (its "hardlink attack" check), and quantize_package.py
    hard-links the weight files it does not convert, so a package it wrote could not be converted again."""
    model = onnx.load(path, load_external_data=False)
    folder = os.path.dirname(os.path.abspath(path))
    for t in _tensors(model.graph):
        if t.data_location != TensorProto.EXTERNAL:
            continue
        info = {e.key: e.value for e in t.external_data}
        with open(os.path.join(folder, info["location"]), "rb") as f:
            f.seek(int(info.get("offset", 0)))
            data = f.read(int(info["length"])) if "length" in info else f.read()
        if "length" in info and len(data) != int(info["length"]):
            raise IOError(f"{t.name}: short read from {info['location']}")
        t.raw_data = data
        del t.external_data[:]
        t.data_location = TensorProto.DEFAULT
    return model


def _tensors(graph):
    """Every tensor a graph holds: initializers and Constant-style attributes, subgraphs included."""
    yield from graph.initializer
    for n in graph.node:
        for a in n.attribute:
            if a.HasField("t"):
                yield a.t
            yield from a.tensors
            if a.HasField("g"):
                yield from _tensors(a.g)
            for g in a.graphs:
                yield from _tensors(g)


def save(model, path):
    """Writes ``path`` and, when the weights are large (as the exporters do), ``path_data`` beside it."""
    big = model.ByteSize() > 1 << 30 if _fits_protobuf(model) else True
    data = os.path.basename(path) + "_data"
    if os.path.exists(path + "_data"):
        os.remove(path + "_data")
    if big:
        onnx.save(model, path, save_as_external_data=True, all_tensors_to_one_file=True, location=data,
                  size_threshold=1024)
    else:
        onnx.save(model, path)


def _fits_protobuf(model):
    try:
        model.ByteSize()
        return True
    except (ValueError, EncodeError):   # over protobuf's 2 GiB: which one depends on the protobuf build
        return False


def input_uses(graph):
    """How many node inputs name each tensor (a folded Transpose's weight must have no other reader)."""
    uses = {}
    for n in graph.node:
        for name in n.input:
            uses[name] = uses.get(name, 0) + 1
    return uses


def fold_weight_transposes(model):
    """The exporters write ``Linear`` as MatMul(x, Transpose(W)); the quantizers only see weights that are
    initializers. Folds each Transpose of an initializer into a transposed initializer (same arithmetic)."""
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    uses = input_uses(g)
    keep_nodes = []
    for n in g.node:
        if n.op_type == "Transpose" and n.input[0] in inits:
            w = numpy_helper.to_array(inits[n.input[0]])
            perm = next((list(a.ints) for a in n.attribute if a.name == "perm"), list(range(w.ndim))[::-1])
            g.initializer.append(numpy_helper.from_array(np.ascontiguousarray(w.transpose(perm)), n.output[0]))
            if uses[n.input[0]] == 1:
                g.initializer.remove(inits.pop(n.input[0]))
            continue
        keep_nodes.append(n)
    del g.node[:]
    g.node.extend(keep_nodes)
    return model


def plain_gemms(model):
    """The Gemm nodes that are a Linear layer on an initializer weight (alpha = beta = 1, A not transposed, 2-D B):
    what ``gemm_as_matmul`` rewrites. HunyuanVideo 1.5's modulation layers (``norm1.linear``, a third of its
    weights) export as Gemm, since their input is 2-D."""
    inits = {i.name: i for i in model.graph.initializer}
    out = []
    for n in model.graph.node:
        a = {x.name: helper.get_attribute_value(x) for x in n.attribute}
        if (n.op_type == "Gemm" and n.input[1] in inits and len(inits[n.input[1]].dims) == 2
                and a.get("alpha", 1.0) == 1.0 and a.get("beta", 1.0) == 1.0 and not a.get("transA", 0)):
            out.append(n)
    return out


def gemm_as_matmul_nodes(n):
    """One plain Gemm as MatMul (named as the Gemm, so ``KEEP`` still matches it) plus an Add of its bias; the
    weight is ``gemm_weight_name(n)``, B transposed when the Gemm has transB."""
    a = {x.name: helper.get_attribute_value(x) for x in n.attribute}
    if len(n.input) < 3 or not n.input[2]:
        return [helper.make_node("MatMul", [n.input[0], gemm_weight_name(n)], [n.output[0]], name=n.name)], a
    mm = n.output[0] + "_matmul"
    return [helper.make_node("MatMul", [n.input[0], gemm_weight_name(n)], [mm], name=n.name),
            helper.make_node("Add", [mm, n.input[2]], [n.output[0]], name=n.name + "_bias")], a


def gemm_weight_name(n):
    return n.input[1] + "_T" if any(x.name == "transB" and x.i for x in n.attribute) else n.input[1]


def gemm_as_matmul(model):
    """``--gemm``: every plain Gemm as MatMul + Add, so the weight-MatMul conversions reach them too."""
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    targets = {n.name for n in plain_gemms(model)}
    nodes, added = [], set()
    for n in g.node:
        if n.name not in targets:
            nodes.append(n)
            continue
        new, attrs = gemm_as_matmul_nodes(n)
        name = gemm_weight_name(n)
        if name != n.input[1] and name not in added:
            g.initializer.append(numpy_helper.from_array(
                np.ascontiguousarray(numpy_helper.to_array(inits[n.input[1]]).T), name))
            added.add(name)
        nodes.extend(new)
    used = {i for n in nodes for i in n.input}
    keep = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(keep)
    del g.node[:]
    g.node.extend(nodes)
    return model


def weight_nodes(model, op_types=("MatMul",)):
    """Names of the nodes of ``op_types`` with an initializer weight: what a quantizer can touch."""
    inits = {i.name for i in model.graph.initializer}
    return [n.name for n in model.graph.node if n.op_type in op_types and any(i in inits for i in n.input[1:2])]


def kept(names, patterns=KEEP):
    """The names among ``names`` that ``patterns`` keep in fp32."""
    rx = [re.compile(p) for p in patterns]
    return [n for n in names if any(r.search(n) for r in rx)]


def convert(model, mode, exclude, block_size=32, accuracy_level=None):
    """``model`` (fp32, transposes folded) in ``mode``; ``exclude``: node names left in fp32."""
    if mode == "int8":
        return _int8(model, exclude)
    if mode in ("w8", "w4"):
        from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer
        q = MatMulNBitsQuantizer(model, bits=8 if mode == "w8" else 4, block_size=block_size, is_symmetric=True,
                                 accuracy_level=accuracy_level, nodes_to_exclude=list(exclude))
        q.process()
        return q.model.model
    if mode == "fp16":
        return _fp16_matmuls(model, exclude)
    if mode == "bf16":
        return _bf16_storage(model, exclude)
    raise ValueError(f"unknown mode {mode} (one of {', '.join(MODES)})")


def _int8(model, exclude):
    import tempfile
    from onnxruntime.quantization import QuantType, quantize_dynamic
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in.onnx"), os.path.join(tmp, "out.onnx")
        onnx.save(model, src, save_as_external_data=True, location="in.onnx_data", size_threshold=1024)
        # MatMul only: the convolutions of the demo model's UNet lose more than they gain (probe_layers.py),
        # and a MatMul of two activations (attention scores) is left alone by naming the weight ones
        quantize_dynamic(src, dst, op_types_to_quantize=["MatMul"], weight_type=QuantType.QInt8, per_channel=True,
                         nodes_to_quantize=[n for n in weight_nodes(model) if n not in set(exclude)],
                         use_external_data_format=True, extra_options={"MatMulConstBOnly": True})
        return onnx.load(dst, load_external_data=True)


def _bf16_storage(model, exclude):
    """bf16 weights, cast back to fp32 where used: half the file, fp32 arithmetic (ONNX Runtime 1.29/1.30's
    CPU provider has no bf16 MatMul kernel, measured: the session refuses a bf16 MatMul)."""
    g = model.graph
    users = {}
    for n in g.node:
        for name in n.input:
            users.setdefault(name, []).append(n.name)
    excluded = set(exclude)
    out, casts = [], []
    for init in g.initializer:
        big_float = init.data_type == TensorProto.FLOAT and np.prod(init.dims) >= 1024
        if big_float and not any(u in excluded for u in users.get(init.name, [])):
            w = numpy_helper.to_array(init)
            bf = (w.view(np.uint32) + 0x7FFF + ((w.view(np.uint32) >> 16) & 1)) >> 16   # round to nearest even
            t = helper.make_tensor(init.name + "_bf16", TensorProto.BFLOAT16, list(init.dims),
                                   bf.astype(np.uint16).tobytes(), raw=True)
            out.append(t)
            casts.append(helper.make_node("Cast", [t.name], [init.name], to=TensorProto.FLOAT,
                                          name="bf16_to_fp32_" + init.name))
        else:
            out.append(init)
    del g.initializer[:]
    g.initializer.extend(out)
    nodes = list(g.node)
    del g.node[:]
    g.node.extend(casts + nodes)
    return model


def _fp16_matmuls(model, exclude):
    """Each weight MatMul in fp16: its weight stored fp16, its input cast to fp16 and its output back to
    fp32. Norms, softmax, embeddings and attention stay fp32 (onnxruntime.transformers' whole-graph fp16
    conversion leaves Gemm/Conv weights and inputs disagreeing on the demo graph, and the CPU provider lacks
    fp16 kernels for many of the other ops, measured)."""
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    targets = set(weight_nodes(model)) - set(exclude)
    nodes = []
    for n in g.node:
        if n.name not in targets:
            nodes.append(n)
            continue
        w = inits[n.input[1]]
        half = numpy_helper.from_array(numpy_helper.to_array(w).astype(np.float16), w.name + "_fp16")
        g.initializer.append(half)
        x16, y16 = n.input[0] + "_to_fp16_" + n.name, n.output[0] + "_fp16"
        nodes.append(helper.make_node("Cast", [n.input[0]], [x16], to=TensorProto.FLOAT16, name=n.name + "_in_fp16"))
        nodes.append(helper.make_node("MatMul", [x16, half.name], [y16], name=n.name))
        nodes.append(helper.make_node("Cast", [y16], [n.output[0]], to=TensorProto.FLOAT, name=n.name + "_out_fp32"))
    used = {i for n in nodes for i in n.input}
    keep = [i for i in g.initializer if i.name in used or i.name in {o.name for o in g.output}]
    del g.initializer[:]
    g.initializer.extend(keep)
    del g.node[:]
    g.node.extend(nodes)
    return model

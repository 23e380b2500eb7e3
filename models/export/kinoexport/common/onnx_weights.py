"""Graph-only ONNX export, then weights streamed into external data one tensor at a time.

Why: tracing a 1.3B/14B model with its weights in memory and letting the exporter serialise them needs
two to three copies of the weights in RAM. Here the module is built with *placeholder* parameters
(zero-stride views of one zero: no memory), traced with ``export_params=False`` so every weight becomes a
named graph input, and then :func:`attach_weights` turns those inputs into initializers whose bytes are
read from the source checkpoint (safetensors, tensor by tensor), converted, and appended to a single
``.onnx_data`` file. Peak memory is the graph plus the largest tensor.

Weight-only nodes the tracer leaves in the graph (``Transpose`` of a Linear weight, ``Cast`` of an fp32
table, ``Slice``/``Unsqueeze`` of a parameter, ...) are evaluated here with numpy and written in their
final form; any other weight-only node is simply left for ONNX Runtime's constant folding, so the
folding is an optimisation, never a requirement for correctness.
"""
import json
import os
import struct

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
ALIGN = 4096            # tensors of ALIGN_MIN bytes or more start on a page boundary (lets runtimes mmap)
ALIGN_MIN = 1 << 20


def to_placeholders_(module):
    """Replaces every parameter by a zero-stride placeholder of the same shape and dtype, in place."""
    for mod in module.modules():
        for name, p in list(mod._parameters.items()):
            if p is not None:
                mod._parameters[name] = torch.nn.Parameter(
                    torch.zeros((), dtype=p.dtype).expand(p.shape), requires_grad=False)
    return module


def export_graph(module, args, path, input_names, output_names, dynamic_axes):
    """Traces ``module`` into ``path`` with its parameters as graph inputs (no weights written)."""
    module.eval()
    with torch.no_grad():
        torch.onnx.export(module, args, path, export_params=False, do_constant_folding=False,
                          opset_version=OPSET, input_names=input_names, output_names=output_names,
                          dynamic_axes=dynamic_axes, custom_opsets={"com.microsoft": 1},
                          # True turns off the exporter's merging of parameters with equal values,
                          # which would merge all placeholders (and the all-ones norms of real weights)
                          keep_initializers_as_inputs=True)
    return onnx.load(path)


def _attr(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def _eval(node, xs):
    """numpy evaluation of the few shape/dtype ops that appear on weights."""
    op = node.op_type
    if op == "Identity":
        return xs[0]
    if op == "Transpose":
        perm = _attr(node, "perm")
        return np.ascontiguousarray(np.transpose(xs[0], perm))
    if op == "Cast":
        return xs[0].astype(helper.tensor_dtype_to_np_dtype(_attr(node, "to")))
    if op == "Unsqueeze":
        return np.expand_dims(xs[0], tuple(int(a) for a in xs[1]))
    if op == "Squeeze":
        return np.squeeze(xs[0], tuple(int(a) for a in xs[1])) if len(xs) > 1 else np.squeeze(xs[0])
    if op == "Reshape":
        shape = [int(s) for s in xs[1]]
        shape = [xs[0].shape[i] if s == 0 else s for i, s in enumerate(shape)]
        return xs[0].reshape(shape)
    if op == "Slice":
        data, starts, ends = xs[0], xs[1], xs[2]
        axes = xs[3] if len(xs) > 3 else range(len(starts))
        steps = xs[4] if len(xs) > 4 else [1] * len(starts)
        index = [slice(None)] * data.ndim
        for s, e, a, st in zip(starts, ends, axes, steps):
            n = data.shape[int(a)]
            e = max(min(int(e), n), -n - 1) if int(st) > 0 else int(e)
            index[int(a)] = slice(int(s), e, int(st))
        return np.ascontiguousarray(data[tuple(index)])
    if op == "Gather":
        return np.take(xs[0], xs[1], axis=_attr(node, "axis", 0))
    if op == "Concat":
        return np.concatenate(xs, axis=_attr(node, "axis"))
    raise KeyError(op)


FOLDABLE = {"Identity", "Transpose", "Cast", "Unsqueeze", "Squeeze", "Reshape", "Slice", "Gather", "Concat"}


class WeightFile:
    """One external-data file; a tensor is written once per distinct recipe (graphs can share it)."""

    def __init__(self, path):
        self.path = path
        self.location = os.path.basename(path)
        self.file = open(path, "wb")
        self.written = {}
        self.bytes = 0

    def put(self, key, array):
        if key not in self.written:
            array = np.ascontiguousarray(array)
            if array.nbytes >= ALIGN_MIN and self.bytes % ALIGN:
                pad = ALIGN - self.bytes % ALIGN
                self.file.write(b"\0" * pad)
                self.bytes += pad
            self.file.write(array.reshape(-1).view(np.uint8).data)
            self.written[key] = (self.bytes, array.nbytes)
            self.bytes += array.nbytes
        return self.written[key]

    def close(self):
        self.file.close()


def attach_weights(model, real_inputs, fetch, weights):
    """Makes every non-``real_inputs`` graph input an external initializer read through ``fetch``.

    ``fetch(name, dtype)`` returns the numpy array of the graph input ``name`` (converted to ``dtype``, the
    numpy dtype the graph declares). ``weights`` is a :class:`WeightFile`. Returns the model.
    """
    g = model.graph
    real_inputs = set(real_inputs)
    recipes, dtypes = {}, {}     # tensor name -> hashable recipe; recipe -> numpy dtype of the input
    for inp in g.input:
        if inp.name not in real_inputs:
            recipes[inp.name] = ("w", inp.name)
            dtypes[inp.name] = helper.tensor_dtype_to_np_dtype(inp.type.tensor_type.elem_type)
    consts = {}
    for node in g.node:
        if node.op_type == "Constant" and len(node.output) == 1:
            value = helper.get_attribute_value(node.attribute[0])
            if isinstance(value, TensorProto):
                consts[node.output[0]] = numpy_helper.to_array(value)
    nodes = list(g.node)            # one wrapper object per node (protobuf wrappers are not stable)
    folded = set()
    for index, node in enumerate(nodes):
        ins = [i for i in node.input if i]
        if (node.op_type in FOLDABLE and len(node.output) == 1 and ins
                and all(i in recipes or i in consts for i in ins) and any(i in recipes for i in ins)):
            attrs = tuple(sorted((a.name, str(helper.get_attribute_value(a))) for a in node.attribute))
            parts = tuple(recipes[i] if i in recipes else ("c", consts[i].tobytes(), consts[i].dtype.str,
                                                           consts[i].shape) for i in ins)
            recipes[node.output[0]] = (node.op_type, attrs, parts)
            folded.add(index)

    keep = [n for i, n in enumerate(nodes) if i not in folded]
    used = {i for n in keep for i in n.input} | {o.name for o in g.output}
    nodes_by_output = {nodes[i].output[0]: nodes[i] for i in folded}

    def evaluate(name):
        recipe = recipes[name]
        if recipe[0] == "w":
            return fetch(name, dtypes[name])
        node = nodes_by_output[name]
        xs = [evaluate(i) if i in recipes else consts[i] for i in node.input if i]
        return _eval(node, xs)

    inits = []
    for name in sorted(n for n in recipes if n in used):
        array = evaluate(name)
        offset, length = weights.put(recipes[name], array)
        t = TensorProto(name=name, data_type=helper.np_dtype_to_tensor_dtype(array.dtype),
                        dims=list(array.shape), data_location=TensorProto.EXTERNAL)
        for k, v in (("location", weights.location), ("offset", str(offset)), ("length", str(length))):
            t.external_data.add(key=k, value=v)
        inits.append(t)
        del array
    # drop folded nodes, Constant nodes nobody uses any more, and the weight inputs
    keep = [onnx.NodeProto.FromString(n.SerializeToString()) for n in keep
            if not (n.op_type == "Constant" and n.output[0] not in used)]
    del g.node[:]
    g.node.extend(keep)
    real = [onnx.ValueInfoProto.FromString(i.SerializeToString()) for i in g.input if i.name in real_inputs]
    del g.input[:]
    g.input.extend(real)
    g.initializer.extend(inits)
    return model


def save_graph(model, path):
    """Writes the graph (weights stay in their external file) and checks it."""
    onnx.save_model(model, path, save_as_external_data=False)
    onnx.checker.check_model(path)


SAFETENSORS_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "BF16": np.uint16,
                      "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8,
                      "BOOL": np.bool_}


class SafetensorsSource:
    """Reads single tensors out of a diffusers/transformers folder of (possibly sharded) safetensors.

    The format is an 8-byte little-endian header length, a JSON header ``{name: {dtype, shape,
    data_offsets}}`` and the raw data. Tensors are read with plain ``read`` calls rather than memory
    mapping, so pages of the checkpoint do not stay resident (mapped pages count as the process's RSS).
    """

    def __init__(self, folder):
        index = [f for f in os.listdir(folder) if f.endswith(".safetensors.index.json")]
        names = sorted(set(json.load(open(os.path.join(folder, index[0])))["weight_map"].values())) \
            if index else sorted(f for f in os.listdir(folder) if f.endswith(".safetensors"))
        self.where = {}
        for fname in names:
            path = os.path.join(folder, fname)
            with open(path, "rb") as f:
                size = struct.unpack("<Q", f.read(8))[0]
                header = json.loads(f.read(size))
            for key, entry in header.items():
                if key != "__metadata__":
                    self.where[key] = (path, 8 + size, entry)

    def keys(self):
        return self.where.keys()

    def __contains__(self, key):
        return key in self.where

    def get(self, key):
        """The tensor as a torch.Tensor in its stored dtype (bfloat16 included)."""
        path, base, entry = self.where[key]
        begin, end = entry["data_offsets"]
        array = np.empty(entry["shape"], dtype=SAFETENSORS_DTYPES[entry["dtype"]])
        with open(path, "rb") as f:
            f.seek(base + begin)
            if f.readinto(array.reshape(-1).view(np.uint8).data) != end - begin:
                raise IOError(f"{path}: short read for {key}")
        tensor = torch.from_numpy(array)
        return tensor.view(torch.bfloat16) if entry["dtype"] == "BF16" else tensor


def torch_to_numpy(t, dtype):
    """bf16-safe conversion of a torch tensor to a numpy array of ``dtype``."""
    if t.dtype == torch.bfloat16:
        t = t.float()
    return t.numpy().astype(dtype, copy=False)

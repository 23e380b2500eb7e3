"""w8 / w4 without loading the whole graph: one weight in memory at a time.

``precision_modes.convert`` needs the fp32 graph with every weight in memory (``onnx.load`` with its external
data: 33 GB for HunyuanVideo 1.5's denoiser, 57 GB for Wan 14B). Here the graph is read without its external
data, and each initializer is read from the ``.onnx_data`` file on its own (offset and length from its
``external_data`` record), converted if a weight MatMul uses it, and appended to the new external-data file.
Peak memory is the graph structure plus the largest weight and its blocks.

The result is the whole-graph conversion's, value for value: the same MatMuls converted (``precision_modes``'
``weight_nodes`` / ``kept`` rules on the same names), the blocks made by the same ONNX Runtime kernels
(``quantize_matmul_8bits`` / ``_4bits``, which ``MatMulNBitsQuantizer`` calls), the same tensor and node names
and attributes. ``check_streamed.py`` compares the two on the tiny Wan and HunyuanVideo packages.
Only 2-D weights are converted (every weight MatMul of Kino's exports); a MatMul with an N-D weight is left fp32
and reported, where the whole-graph tool would squeeze it.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import precision_modes as pm

ALIGN, ALIGN_MIN = 4096, 1 << 20       # as the exporters write: big tensors page-aligned (mmap-able)
INLINE_MAX = 1024                      # tensors up to this many bytes stay inside the .onnx (as pm.save does)


def external_bytes(path):
    """Bytes of the external data an ONNX file refers to (0 when its weights are inline)."""
    data = path + "_data"
    return os.path.getsize(data) if os.path.exists(data) else 0


def _read(init, folder, on_read=None):
    """One initializer as a numpy array, from its external file or inline; ``on_read(path, offset, length)`` is
    called after an external read."""
    if init.data_location != TensorProto.EXTERNAL:
        return numpy_helper.to_array(init)
    info = {e.key: e.value for e in init.external_data}
    dtype = helper.tensor_dtype_to_np_dtype(init.data_type)
    count = int(np.prod(init.dims)) if len(init.dims) else 1
    with open(os.path.join(folder, info["location"]), "rb") as f:
        f.seek(int(info.get("offset", 0)))
        a = np.fromfile(f, dtype=dtype, count=count)
    if "length" in info and a.nbytes != int(info["length"]):
        raise IOError(f"{init.name}: short read from {info['location']}")
    if on_read:
        on_read(os.path.join(folder, info["location"]), int(info.get("offset", 0)), a.nbytes)
    return a.reshape(list(init.dims))


class _Writer:
    """The new graph's external data: each tensor appended once, its TensorProto pointing at it."""

    def __init__(self, path):
        self.location = os.path.basename(path)
        self.file = open(path, "wb")
        self.bytes = 0

    def tensor(self, name, array):
        array = np.ascontiguousarray(array)
        if array.nbytes <= INLINE_MAX:
            return numpy_helper.from_array(array, name)
        if array.nbytes >= ALIGN_MIN and self.bytes % ALIGN:
            pad = ALIGN - self.bytes % ALIGN
            self.file.write(b"\0" * pad)
            self.bytes += pad
        self.file.write(array.reshape(-1).view(np.uint8).data)
        t = TensorProto(name=name, data_type=helper.np_dtype_to_tensor_dtype(array.dtype), dims=list(array.shape),
                        data_location=TensorProto.EXTERNAL)
        for k, v in (("location", self.location), ("offset", str(self.bytes)), ("length", str(array.nbytes))):
            t.external_data.add(key=k, value=v)
        self.bytes += array.nbytes
        return t

    def close(self):
        self.file.close()


def nbits_blocks(w, bits, block_size):
    """``w`` [K, N] float32 as MatMulNBits' packed blocks [N, K/block, block*bits/8] and scales [N, K/block], made
    by the ONNX Runtime kernels ``MatMulNBitsQuantizer`` uses (symmetric: no zero points)."""
    from onnxruntime.capi._pybind_state import quantize_matmul_4bits, quantize_matmul_8bits
    rows, cols = w.shape
    k_blocks = (rows + block_size - 1) // block_size
    if k_blocks * block_size != rows:
        w = np.pad(w, ((0, k_blocks * block_size - rows), (0, 0)), "constant")
    kpack = 8 // bits
    packed = np.zeros((cols, k_blocks, (block_size + kpack - 1) // kpack), dtype="uint8")
    zero_point = np.zeros((cols, (k_blocks + kpack - 1) // kpack), dtype="uint8")
    scales = np.zeros((cols, k_blocks), dtype=w.dtype)
    (quantize_matmul_8bits if bits == 8 else quantize_matmul_4bits)(
        packed, np.ascontiguousarray(w), scales, zero_point, block_size, cols, rows, True)
    return packed, scales


def convert_file(src, dst, mode, block_size=32, keep_all=False, accuracy_level=None, progress=None, on_read=None,
                 gemm=False):
    """Writes ``dst`` (+ ``dst_data``): ``src``'s graph with its weight MatMuls in ``mode`` (w8 or w4), streamed.
    ``on_read(path, offset, length)``: called once each source weight has been read (bench/hunyuan-real-size
    frees the scratch fp32 file's bytes there when the disk cannot hold both). Returns what quantize_package.py
    records: {quantizable, kept_fp32, left_nd}. ``gemm``: plain Gemm layers too (precision_modes.gemm_as_matmul)."""
    if mode not in ("w8", "w4"):
        raise ValueError(f"--streamed converts w8 and w4 only (asked: {mode})")
    bits = 8 if mode == "w8" else 4
    folder = os.path.dirname(os.path.abspath(src))
    model = onnx.load(src, load_external_data=False)
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    uses = pm.input_uses(g)
    # precision_modes.fold_weight_transposes, lazily: a Transpose of an initializer becomes an initializer named
    # for its output, read (and transposed) only when written
    recipes = {name: (init, None) for name, init in inits.items()}
    nodes = []
    gemms = {n.name for n in pm.plain_gemms(model)} if gemm else set()
    for n in g.node:
        if n.name in gemms:
            new, attrs = pm.gemm_as_matmul_nodes(n)
            if attrs.get("transB", 0):
                recipes[pm.gemm_weight_name(n)] = (inits[n.input[1]], [1, 0])
            nodes.extend(new)
            continue
        if n.op_type == "Transpose" and n.input[0] in inits:
            perm = next((list(a.ints) for a in n.attribute if a.name == "perm"), None)
            recipes[n.output[0]] = (inits[n.input[0]], perm or list(range(len(inits[n.input[0]].dims)))[::-1])
            uses[n.input[0]] -= 1
            continue
        nodes.append(n)
    weight = {n.name: n.input[1] for n in nodes if n.op_type == "MatMul" and n.input[1:2] and n.input[1] in recipes}
    names = list(weight)
    kept = [] if keep_all else pm.kept(names)
    targets, left_nd = set(names) - set(kept), []

    def load(name):
        init, perm = recipes[name]
        a = _read(init, folder, on_read)
        return np.ascontiguousarray(a.transpose(perm)) if perm is not None else a

    def dims(name):
        init, perm = recipes[name]
        return [init.dims[p] for p in perm] if perm is not None else list(init.dims)

    out_path = dst + "_data"
    writer = _Writer(out_path)
    new_inits, new_nodes, done = [], [], set()
    try:
        for n in nodes:
            if n.name not in targets:
                new_nodes.append(n)
                continue
            b = weight[n.name]
            if len(dims(b)) != 2:
                left_nd.append(n.name)
                new_nodes.append(n)
                continue
            k, cols = dims(b)
            if b not in done:            # a weight two MatMuls share is converted once
                packed, scales = nbits_blocks(load(b).astype(np.float32, copy=False), bits, block_size)
                new_inits += [writer.tensor(f"{b}_Q{bits}", packed), writer.tensor(f"{b}_scales", scales)]
                done.add(b)
                if progress:
                    progress(n.name)
            attrs = dict(K=k, N=cols, bits=bits, block_size=block_size)
            if accuracy_level:
                attrs["accuracy_level"] = accuracy_level
            new_nodes.append(helper.make_node("MatMulNBits", [n.input[0], f"{b}_Q{bits}", f"{b}_scales"],
                                              [n.output[0]], name=n.name + f"_Q{bits}", domain="com.microsoft",
                                              **attrs))
        used = {i for n in new_nodes for i in n.input} | {o.name for o in g.output}
        written = {i.name for i in new_inits}
        for name in recipes:             # everything still used, copied through one tensor at a time
            if name in used and name not in written:
                new_inits.append(writer.tensor(name, load(name)))
    finally:
        writer.close()
    del g.node[:]
    g.node.extend(new_nodes)
    del g.initializer[:]
    g.initializer.extend(new_inits)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    onnx.save_model(model, dst, save_as_external_data=False)
    if writer.bytes == 0:
        os.remove(out_path)
    return {"quantizable": len(names), "kept_fp32": sorted(kept), "left_nd": left_nd}

"""GGUF Wan checkpoints (city96 / ComfyUI files) against a Kino Wan denoiser graph: names and blocks.

import_gguf.py uses this to put a GGUF file's weights into an exported package, make_tiny_gguf.py to write
the test fixture from a package. Three things are here, in the order the import needs them:

* ``to_diffusers``: the original Wan repository's tensor names (what the GGUF files hold, e.g.
  ``blocks.0.self_attn.q.weight``) as diffusers' ``WanTransformer3DModel`` names them, which is how Kino's
  exported graphs name their weights. The table is the rename diffusers' convert_wan_to_diffusers.py and its
  single-file loader apply (norm2/norm3 swap included: the original model calls its cross-attention norm
  ``norm3``).
* ``graph_params``: where each diffusers parameter sits in the exported graph: an initializer as it is
  (``transformer.X``), a Linear weight the exporter stored transposed for its MatMul
  (``/blocks.0/attn1/to_q/Transpose_output_0``), a LayerNorm's affine pair and the attention's RMS norm
  weights, which the exporter folded into anonymous ``Cast`` outputs (found from the graph: the LayerNorm
  node's scope, and for a q/k norm the projection the multiplied tensor comes from).
* ``nbits_blocks`` / ``nbits_values``: a GGUF Q8_0 or Q4_0 tensor as ONNX Runtime's MatMulNBits stores it,
  exactly, and back. Both are blocks of 32 weights along the input dimension with one fp16 scale;
  MatMulNBits' default zero point (128 for 8 bits, 8 for 4) makes ``(q - zero) * scale`` the GGUF value.
"""
import re
from collections import deque

import numpy as np
from gguf import GGMLQuantizationType as T

PREFIXES = ("model.diffusion_model.", "diffusion_model.")
BLOCK = re.compile(r"blocks\.(\d+)\.(.+)")
IN_BLOCK = {
    "self_attn.q": "attn1.to_q", "self_attn.k": "attn1.to_k", "self_attn.v": "attn1.to_v",
    "self_attn.o": "attn1.to_out.0", "self_attn.norm_q": "attn1.norm_q", "self_attn.norm_k": "attn1.norm_k",
    "cross_attn.q": "attn2.to_q", "cross_attn.k": "attn2.to_k", "cross_attn.v": "attn2.to_v",
    "cross_attn.o": "attn2.to_out.0", "cross_attn.norm_q": "attn2.norm_q", "cross_attn.norm_k": "attn2.norm_k",
    "cross_attn.k_img": "attn2.add_k_proj", "cross_attn.v_img": "attn2.add_v_proj",
    "cross_attn.norm_k_img": "attn2.norm_added_k",
    "ffn.0": "ffn.net.0.proj", "ffn.2": "ffn.net.2", "norm3": "norm2", "modulation": "scale_shift_table",
}
TOP = {
    "patch_embedding": "patch_embedding", "head.head": "proj_out", "head.modulation": "scale_shift_table",
    "text_embedding.0": "condition_embedder.text_embedder.linear_1",
    "text_embedding.2": "condition_embedder.text_embedder.linear_2",
    "time_embedding.0": "condition_embedder.time_embedder.linear_1",
    "time_embedding.2": "condition_embedder.time_embedder.linear_2",
    "time_projection.1": "condition_embedder.time_proj",
    "img_emb.proj.0": "condition_embedder.image_embedder.norm1",
    "img_emb.proj.1": "condition_embedder.image_embedder.ff.net.0.proj",
    "img_emb.proj.3": "condition_embedder.image_embedder.ff.net.2",
    "img_emb.proj.4": "condition_embedder.image_embedder.norm2",
    "img_emb.emb_pos": "condition_embedder.image_embedder.pos_embed",
}
# the q/k norms multiply the output of their projection: which norm a projection feeds
UNSQUEEZED_TABLE = re.compile(r"(/blocks\.\d+)?/Unsqueeze(?:_\d+)?_output_0")
NORM_OF = {"to_q": "norm_q", "to_k": "norm_k", "add_k_proj": "norm_added_k"}
# the blocks a MatMulNBits holds exactly: GGUF type -> bits (both are 32 weights per fp16 scale)
NBITS = {T.Q8_0: 8, T.Q4_0: 4}
BLOCK_SIZE = 32


def strip_prefix(name):
    for p in PREFIXES:
        if name.startswith(p):
            return name[len(p):]
    return name


def to_diffusers(name):
    """diffusers' parameter name for an original Wan tensor name (prefix already stripped), or None."""
    module, dot, leaf = name.rpartition(".")
    if not dot:
        return None
    if leaf not in ("weight", "bias"):   # "blocks.0.modulation" / "head.modulation": a bare parameter
        module, leaf = name, ""
    m = BLOCK.fullmatch(module)
    mapped = ("blocks." + m.group(1) + "." + IN_BLOCK[m.group(2)]) if m and m.group(2) in IN_BLOCK else TOP.get(module)
    if mapped is None:
        return None
    return mapped + ("." + leaf if leaf else "")


def to_original(diffusers_name):
    """The inverse of ``to_diffusers`` (for writing fixtures)."""
    module, _, leaf = diffusers_name.rpartition(".")
    if leaf not in ("weight", "bias"):   # a bare parameter: scale_shift_table, pos_embed
        module, leaf = diffusers_name, ""
    m = BLOCK.fullmatch(module)
    if m:
        inner = {v: k for k, v in IN_BLOCK.items()}[m.group(2)]
        orig = "blocks." + m.group(1) + "." + inner
    else:
        orig = {v: k for k, v in TOP.items() if k != "head.modulation"}.get(module)
        orig = "head.modulation" if module == "scale_shift_table" else orig
    return orig + ("." + leaf if leaf else "")


def module(node_name):
    """The module a node belongs to, from its scope: ``/blocks.0/attn1/to_q/MatMul`` -> ``blocks.0.attn1.to_q``."""
    parts = [p for p in node_name.split("/") if p][:-1]
    out = []
    for p in parts:   # a Sequential's child is scoped under its parent's name: "ff" then "ff.0"
        if out and p.startswith(out[-1] + "."):
            out[-1] = p
        else:
            out.append(p)
    return ".".join(out)


def graph_params(model):
    """diffusers parameter name -> [(initializer name, layout), ...] for every weight of the exported denoiser
    graph; layout ``plain``: the values in PyTorch's order (reshaped to the initializer, which may hold extra
    unit dimensions), ``transposed``: a Linear weight stored [in, out] for a MatMul. A parameter the tracer
    folded more than once (the I2V cross-attention applies norm_q twice) has one entry per copy."""
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    producer = {o: n for n in g.node for o in n.output}
    params = {name[len("transformer."):]: [(name, "plain")] for name in inits if name.startswith("transformer.")}
    anonymous = {n for n in inits if not n.startswith("transformer.")}

    def add(key, init, layout):
        if (init, layout) not in params.setdefault(key, []):
            params[key].append((init, layout))

    for n in g.node:
        if n.op_type in ("MatMul", "Gemm") and len(n.input) > 1 and n.input[1] in anonymous:
            trans_b = next((a.i for a in n.attribute if a.name == "transB"), 0)
            add(module(n.name) + ".weight", n.input[1], "plain" if n.op_type == "Gemm" and trans_b else "transposed")
        elif n.op_type == "LayerNormalization":
            for k, leaf in ((1, "weight"), (2, "bias")):
                if len(n.input) > k and n.input[k] in anonymous:
                    add(module(n.name) + "." + leaf, n.input[k], "plain")
        elif n.op_type == "Mul":
            for w in n.input:
                if w in anonymous and len(inits[w].dims) == 1:
                    source = _upstream_linear(n, producer, inits)
                    leaf = source.rpartition(".")[2] if source else None
                    if leaf in NORM_OF:
                        add(source.rpartition(".")[0] + "." + NORM_OF[leaf] + ".weight", w, "plain")
    for name in anonymous:
        # Wan 2.2 TI2V (a timestep per token): the tracer folded each modulation table into an Unsqueeze
        m = UNSQUEEZED_TABLE.fullmatch(name)
        if m and len(inits[name].dims) == 4 and inits[name].dims[2] == (6 if m.group(1) else 2):
            add((m.group(1)[1:] + "." if m.group(1) else "") + "scale_shift_table", name, "plain")
    for k in [k for k in params if k.split(".")[0] in ("ff", "norm1", "norm2")]:
        # the exporter calls the image embedder from its wrapper, so the tracer scopes it as "/ff/", "/norm1/"
        params.setdefault("condition_embedder.image_embedder." + k, []).extend(params.pop(k))
    return params


def _upstream_linear(node, producer, inits, depth=10):
    """The module of the nearest weight MatMul/Gemm upstream of ``node``'s activation input, or None."""
    seen, todo = set(), deque((i, 0) for i in node.input if i not in inits)
    while todo:
        name, d = todo.popleft()
        p = producer.get(name)
        if p is None or p.name in seen or d > depth:
            continue
        seen.add(p.name)
        if p.op_type in ("MatMul", "Gemm") and len(p.input) > 1 and p.input[1] in inits:
            return module(p.name)
        todo.extend((i, d + 1) for i in p.input if i not in inits)
    return None


def torch_shape(tensor, orig_shapes):
    """A GGUF tensor's shape in PyTorch order (GGUF lists dimensions innermost first; ComfyUI's GGUF files
    record tensors of more than 4 dimensions flattened, with the true shape under ``comfy.gguf.orig_shape``)."""
    return tuple(orig_shapes.get(tensor.name, tuple(int(d) for d in reversed(tensor.shape))))


def nbits_blocks(raw, qtype):
    """A GGUF Q8_0 / Q4_0 tensor's raw rows (uint8, [N, bytes per row]) as MatMulNBits' (B, scales):
    B [N, blocks, 32 * bits / 8] uint8, scales [N, blocks] float32."""
    bits = NBITS[qtype]
    n = raw.shape[0]
    block_bytes = 2 + BLOCK_SIZE * bits // 8
    blocks = raw.reshape(n, -1, block_bytes)
    scales = blocks[:, :, :2].copy().view(np.float16)[:, :, 0].astype(np.float32)
    q = blocks[:, :, 2:]
    if bits == 8:   # int8 q -> q + 128 (MatMulNBits' default 8-bit zero point)
        b = (q.view(np.int8).astype(np.int16) + 128).astype(np.uint8)
    else:           # GGUF: byte j holds weight j (low nibble) and j + 16 (high); MatMulNBits: 2j and 2j + 1
        w = np.concatenate([q & 0x0F, q >> 4], axis=2)
        b = (w[:, :, 0::2] | (w[:, :, 1::2] << 4)).astype(np.uint8)
    return np.ascontiguousarray(b), np.ascontiguousarray(scales)


def nbits_values(b, scales, bits, k):
    """What a MatMulNBits node without zero points multiplies by, as a float [N, K] array: ONNX Runtime's
    contrib-op definition (low nibble first, zero point 2^(bits-1)), written independently of nbits_blocks."""
    if bits == 8:
        q = b.astype(np.float32)
    else:
        q = np.stack([b & 0x0F, b >> 4], axis=-1).reshape(b.shape[0], b.shape[1], -1).astype(np.float32)
    w = (q - 2 ** (bits - 1)) * scales[:, :, None]
    return w.reshape(b.shape[0], -1)[:, :k]

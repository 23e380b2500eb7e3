#!/usr/bin/env python3
"""Writes a GGUF Wan checkpoint from a Kino Wan package's denoiser, laid out as city96's ComfyUI files are.

    python models/quantize/make_tiny_gguf.py PACKAGE OUT.gguf --type Q8_0|Q4_0 [--mixed Q5_0] [--graph FILE]

For the import test fixtures (engine/core/src/test/resources/wan/gguf): original Wan tensor names
(``blocks.0.self_attn.q.weight``), 2-D weights quantized to ``--type`` with gguf.quants.quantize, 1-D tensors
and the modulation tables float32, the 5-D patch embedding float16 flattened to 2-D with its true shape under
``comfy.gguf.orig_shape.patch_embedding.weight`` (GGUF holds at most 4 dimensions). ``--mixed`` stores the last
block's FFN output weight in another type, as the mixed files people publish do, so the import meets a
quantized MatMul weight that MatMulNBits cannot hold as it is. Beside OUT.gguf it writes the file's own
dequantized weights (gguf.quants.dequantize), which the engine's tests compare the imported package with.
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
from gguf import GGMLQuantizationType as T
from gguf import GGUFReader, GGUFWriter
from gguf.quants import dequantize, quantize
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_wan as gw  # noqa: E402


def weights(package, graph=None):
    """Original Wan name -> float32 value in PyTorch's shape, for every weight of the package's denoiser
    (``graph``: another of its denoiser files, a Wan 2.2 package's low-noise expert)."""
    if graph is None:
        with open(os.path.join(package, "kino.json")) as f:
            graph = json.load(f)["denoiser"]["file"]
    model = onnx.load(os.path.join(package, graph), load_external_data=True)
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    out = {}
    for target, [(name, layout), *_] in gw.graph_params(model).items():
        value = inits[name].T if layout == "transposed" else inits[name]
        out[gw.to_original(target)] = np.ascontiguousarray(value, np.float32)
    return out


def write_reference(path):
    """OUT.dequantized.json + .bin: gguf.quants.dequantize of every 2-D weight of the file just written, float32
    little-endian in PyTorch's [out, in] layout, under the diffusers module name the import maps it to. The
    engine's test compares the imported package's weights with these (GgufImportWeightsTest)."""
    stem = path[:-len(".gguf")] if path.endswith(".gguf") else path
    index, offset = [], 0
    with open(stem + ".dequantized.bin", "wb") as f:
        for t in GGUFReader(path).tensors:
            target = gw.to_diffusers(gw.strip_prefix(t.name))
            if len(t.shape) != 2 or not target.endswith(".weight") or t.name == "patch_embedding.weight":
                continue
            value = np.asarray(dequantize(t.data, t.tensor_type), "<f4").reshape(int(t.shape[1]), int(t.shape[0]))
            f.write(value.tobytes())
            index.append({"module": target[:-len(".weight")], "gguf": t.name, "type": t.tensor_type.name,
                          "shape": list(value.shape), "offset": offset})
            offset += value.size
    with open(stem + ".dequantized.json", "w") as f:
        json.dump({"source": os.path.basename(path), "values": os.path.basename(stem) + ".dequantized.bin",
                   "tensors": index}, f, indent=1)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("package")
    ap.add_argument("out")
    ap.add_argument("--type", required=True, choices=("Q8_0", "Q4_0", "Q5_0", "Q4_1"))
    ap.add_argument("--mixed", choices=("Q8_0", "Q4_0", "Q5_0", "Q4_1"))
    ap.add_argument("--graph", help="another denoiser file of the package (default: the manifest's denoiser.file)")
    a = ap.parse_args()
    w = weights(a.package, a.graph)
    last_block = max(int(n.split(".")[1]) for n in w if n.startswith("blocks."))
    mixed = f"blocks.{last_block}.ffn.2.weight"
    writer = GGUFWriter(a.out, "wan")
    for name in sorted(w):
        value = w[name]
        if name == "patch_embedding.weight":
            writer.add_array("comfy.gguf.orig_shape." + name, list(value.shape))
            writer.add_tensor(name, value.reshape(value.shape[0], -1).astype(np.float16))
        elif value.ndim == 2 and value.shape[1] % 32 == 0:
            qtype = T[a.mixed] if a.mixed and name == mixed else T[a.type]
            writer.add_tensor(name, quantize(value, qtype), raw_dtype=qtype)
        else:
            writer.add_tensor(name, value)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    write_reference(a.out)
    print(f"wrote {a.out}: {len(w)} tensors, 2-D weights {a.type}" + (f", {mixed} {a.mixed}" if a.mixed else ""))


if __name__ == "__main__":
    main()

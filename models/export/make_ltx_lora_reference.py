#!/usr/bin/env python3
"""Two tiny LTX-Video LoRAs and what diffusers' own ``LTXPipeline`` makes with them, stacked.

    models/.venv/bin/python models/export/make_ltx_lora_reference.py      # from the repository root

1. Rebuilds the tiny diffusers folder of make_tiny_ltx.py (seeded; into models/export/work/tiny-src/ltx unless
   it is there) and checks that its transformer weights are the committed tiny-ltx package's, so the
   reference runs the same model.
2. Writes two small seeded LoRAs in the diffusers / PEFT layout (``transformer.transformer_blocks.N.attn1.to_q
   .lora_A.weight`` ...) to engine/core/src/test/resources/ltx/lora/: ``peft.safetensors`` (both blocks, every
   attention and feed-forward layer, rank 4) and ``peft_block1.safetensors`` (block 1 only, rank 2, with
   ``lora_B.bias`` deltas on every layer).
3. Runs ``LTXPipeline`` UNCHANGED (``load_lora_weights`` + ``set_adapters``, peft) on make_ltx_reference.py's
   ``fox`` case (guidance 3, the default negative prompt, 96x64, 17 frames, 4 steps, seed 42) with the LoRAs
   at 0.8 and -0.3, and records the latents after every step and the 8-bit frames into ltx/lora/reference/.
"""
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_ltx_reference as ltx  # noqa: E402
import make_tiny_ltx  # noqa: E402
from kinoexport.common.reference import Writer  # noqa: E402

OUT = os.path.join(ltx.OUT, "lora")
LAYERS = ["attn1.to_q", "attn1.to_k", "attn1.to_v", "attn1.to_out.0", "attn2.to_q", "attn2.to_k", "attn2.to_v",
          "attn2.to_out.0", "ff.net.0.proj", "ff.net.2"]
STACK = [("peft", 0.8), ("peft_block1", -0.3)]


def scope(module):
    """The tracer's scope of a module, as the exported graph names it: ff.net.0.proj -> /ff/net.0/proj."""
    return "".join(("." if part.isdigit() else "/") + part for part in module.split("."))


def check_same_weights(transformer):
    import onnx
    from onnx import numpy_helper
    graph = onnx.load(os.path.join(ltx.PKG, "denoiser.onnx"))
    inits = {i.name: numpy_helper.to_array(i) for i in graph.graph.initializer}
    checked = 0
    for b in range(2):
        for layer in LAYERS:
            module = f"transformer_blocks.{b}.{layer}"
            w = inits[scope(module) + "/Transpose_output_0"]
            assert np.array_equal(w.T, transformer.get_submodule(module).weight.detach().numpy()), module
            checked += 1
    print(f"rebuilt transformer = committed tiny-ltx ({checked} weights checked)")


def write_loras(transformer):
    from safetensors.torch import save_file
    g = torch.Generator().manual_seed(7)
    files = {}
    for name, blocks, rank, bias in (("peft", (0, 1), 4, False), ("peft_block1", (1,), 2, True)):
        sd = {}
        for b in blocks:
            for layer in LAYERS:
                mod = transformer.get_submodule(f"transformer_blocks.{b}.{layer}")
                key = f"transformer.transformer_blocks.{b}.{layer}"
                sd[f"{key}.lora_A.weight"] = torch.randn(rank, mod.in_features, generator=g) * 0.2
                sd[f"{key}.lora_B.weight"] = torch.randn(mod.out_features, rank, generator=g) * 0.2
                if bias:   # peft gives every layer of an adapter a bias once one has it
                    sd[f"{key}.lora_B.bias"] = torch.randn(mod.out_features, generator=g) * 0.1
        os.makedirs(OUT, exist_ok=True)
        files[name] = os.path.join(OUT, f"{name}.safetensors")
        save_file(sd, files[name], metadata={"format": "pt"})
    return files


def main():
    if not os.path.isdir(os.path.join(ltx.SRC, "transformer")):
        make_tiny_ltx.build_folder(ltx.SRC)
    pipe = ltx.load_pipeline()
    check_same_weights(pipe.transformer)
    files = write_loras(pipe.transformer)
    for name, _ in STACK:
        pipe.load_lora_weights(files[name], adapter_name=name)
    pipe.set_adapters([n for n, _ in STACK], [s for _, s in STACK])

    texts = dict(ltx.PROMPTS, default_negative=ltx.MANIFEST["defaults"]["negative_prompt"], empty="")
    ids, masks, embeds = ltx.encode(list(texts.values()))
    text = {name: (ids[i:i + 1], masks[i:i + 1], embeds[i:i + 1]) for i, name in enumerate(texts)}
    case = ("fox", "default_negative", *ltx.CASES["fox"][2:])
    w = Writer(os.path.join(OUT, "reference"))
    info, _, _ = ltx.reference(pipe, "stack", case, text, w)
    info["loras"] = [{"file": f"{n}.safetensors", "strength": s} for n, s in STACK]
    w.write_index({"format": "each tensor: raw little-endian, row-major; 'tensors' maps name -> {file, dtype, shape}",
                   "tolerances": {"latents": "every step: max abs diff <= 1e-4 * max|ref|",
                                  "frames_u8": "max abs diff <= 1 (of 255)"},
                   "cases": {"tiny-ltx/stack": info}})
    print(f"wrote {OUT}: timesteps {info['timesteps']}")


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()

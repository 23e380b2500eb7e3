#!/usr/bin/env python3
"""Tiny Wan LoRAs in every layout Kino reads, and what diffusers' own ``WanPipeline`` makes with them.

    models/.venv/bin/python models/export/make_wan_lora_reference.py      # from the repository root

1. Rebuilds the tiny diffusers folders of make_tiny_wan.py (seeded; into models/export/work/tiny-src unless
   they are there) and checks that their transformer weights are the ones in the committed ONNX packages
   (engine/core/src/test/resources/wan/tiny-wan21, tiny-wan22), so the reference runs the same model.
2. Writes three small seeded LoRAs to engine/core/src/test/resources/wan/lora/:
   ``peft.safetensors`` (diffusers/PEFT keys, both blocks, every attention and FFN layer),
   ``comfy.safetensors`` (original Wan / ComfyUI keys: lora_down/lora_up with .alpha, diff_b bias deltas, a
   zero norm diff as published LoRAs carry; block 1 only) and ``comfy_ab.safetensors`` (Wan keys with
   lora_A/lora_B and no alpha: block 0, the head, the text embedding and the time projection).
3. Exports tiny-wan21's denoiser and text encoder in fp16 (export_wan.py --fp16) and keeps those files and the
   manifest in wan/lora/tiny-wan21-fp16/ (the test lays them over a copy of tiny-wan21: the fp16 LoRA case).
4. Runs ``WanPipeline`` UNCHANGED (``load_lora_weights`` + ``set_adapters``, peft) on the reference prompt
   embeddings of the existing Wan reference (text/fox), seed 42, 4 steps, 48x32, 9 frames, and records the
   latents after every step (``callback_on_step_end``) and the 8-bit frames into wan/lora/reference/.
"""
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_tiny_wan  # noqa: E402
from kinoexport.common.reference import Writer  # noqa: E402

WAN = os.path.normpath(os.path.join(HERE, "..", "..", "engine", "core", "src", "test", "resources", "wan"))
OUT = os.path.join(WAN, "lora")
SEED, STEPS, WIDTH, HEIGHT, FRAMES = 42, 4, 48, 32, 9
LAYERS = {"self_attn.q": "attn1.to_q", "self_attn.k": "attn1.to_k", "self_attn.v": "attn1.to_v",
          "self_attn.o": "attn1.to_out.0", "cross_attn.q": "attn2.to_q", "cross_attn.k": "attn2.to_k",
          "cross_attn.v": "attn2.to_v", "cross_attn.o": "attn2.to_out.0", "ffn.0": "ffn.net.0.proj",
          "ffn.2": "ffn.net.2"}
# (case, package, [(lora file, strength, expert: None = the only/both, 0 = high noise, 1 = low noise)], guidance)
CASES = [("wan21-none", "tiny-wan21", [], [5.0]),     # the pipeline itself, for scale (and Kino without LoRAs)
         ("wan21-stack", "tiny-wan21", [("peft", 0.8, None), ("comfy", -0.3, None)], [5.0]),
         ("wan21-comfy-ab", "tiny-wan21", [("comfy_ab", 1.0, None)], [5.0]),
         ("wan22-experts", "tiny-wan22", [("peft", 0.8, 0), ("comfy", -0.3, 1)], [4.0, 3.0])]


def ensure_sources():
    for name, experts, extra in (("wan21", 1, {}), ("wan22", 2, {"num_res_blocks": 1})):
        folder = os.path.join(make_tiny_wan.SRC, name)
        if not os.path.isdir(os.path.join(folder, "vae")):
            make_tiny_wan.build_folder(folder, experts=experts, **extra)


def check_same_weights(folder, package):
    """The rebuilt transformer(s) against the committed package's initializers, weight by weight."""
    import onnx
    from onnx import numpy_helper
    from diffusers import WanTransformer3DModel
    pairs = [("transformer", "denoiser.onnx"), ("transformer_2", "denoiser_low_noise.onnx")]
    for sub, graph in pairs:
        if not os.path.isdir(os.path.join(folder, sub)):
            continue
        sd = WanTransformer3DModel.from_pretrained(os.path.join(folder, sub)).state_dict()
        model = onnx.load(os.path.join(WAN, package, graph))
        checked = 0
        for init in model.graph.initializer:
            value = numpy_helper.to_array(init, base_dir=os.path.join(WAN, package))
            name = init.name
            if name.startswith("transformer."):
                want = sd[name.removeprefix("transformer.")].numpy()
            elif name.endswith("/Transpose_output_0"):
                want = sd[name[1:].removesuffix("/Transpose_output_0").replace("/", ".") + ".weight"].numpy().T
            else:
                continue
            if not np.array_equal(value, want.reshape(value.shape)):
                sys.exit(f"{package}/{graph}: {name} differs from the rebuilt {sub}; rerun make_tiny_wan.py")
            checked += 1
        print(f"{package}/{graph}: {checked} weights equal to the rebuilt {sub}", flush=True)


def make_loras():
    from safetensors.torch import save_file
    g = torch.Generator().manual_seed(2026)
    cfg = make_tiny_wan.TRANSFORMER
    dim = cfg["num_attention_heads"] * cfg["attention_head_dim"]
    ffn = cfg["ffn_dim"]
    shapes = {k: (dim, dim) for k in LAYERS}
    shapes.update({"ffn.0": (ffn, dim), "ffn.2": (dim, ffn)})   # (out, in)

    def pair(out, inp, rank=4):
        return (torch.randn(rank, inp, generator=g) * 0.2, torch.randn(out, rank, generator=g) * 0.2)

    peft = {}
    for b in (0, 1):
        for wan, diff in LAYERS.items():
            a, up = pair(*shapes[wan])
            peft[f"transformer.blocks.{b}.{diff}.lora_A.weight"] = a
            peft[f"transformer.blocks.{b}.{diff}.lora_B.weight"] = up
    comfy = {}
    for wan in LAYERS:
        out, inp = shapes[wan]
        down, up = pair(out, inp)
        comfy[f"diffusion_model.blocks.1.{wan}.lora_down.weight"] = down
        comfy[f"diffusion_model.blocks.1.{wan}.lora_up.weight"] = up
        comfy[f"diffusion_model.blocks.1.{wan}.alpha"] = torch.tensor(8.0)
        comfy[f"diffusion_model.blocks.1.{wan}.diff_b"] = torch.randn(out, generator=g) * 0.05
    comfy["diffusion_model.blocks.1.self_attn.norm_q.diff"] = torch.zeros(dim)   # as published LoRAs carry
    ab = {}
    for wan in LAYERS:
        a, up = pair(*shapes[wan])
        ab[f"diffusion_model.blocks.0.{wan}.lora_A.weight"] = a
        ab[f"diffusion_model.blocks.0.{wan}.lora_B.weight"] = up
    out_dim = cfg["out_channels"] * int(np.prod(cfg["patch_size"]))
    for wan, (out, inp) in {"head.head": (out_dim, dim), "text_embedding.0": (dim, cfg["text_dim"]),
                            "text_embedding.2": (dim, dim), "time_projection.1": (6 * dim, dim)}.items():
        a, up = pair(out, inp)
        ab[f"diffusion_model.{wan}.lora_A.weight"] = a
        ab[f"diffusion_model.{wan}.lora_B.weight"] = up
    os.makedirs(OUT, exist_ok=True)
    for name, sd in (("peft", peft), ("comfy", comfy), ("comfy_ab", ab)):
        save_file({k: v.contiguous() for k, v in sd.items()}, os.path.join(OUT, name + ".safetensors"))
        os.chmod(os.path.join(OUT, name + ".safetensors"), 0o644)


def export_fp16():
    import shutil
    import subprocess
    work = os.path.join(HERE, "work", "tiny-wan21-fp16")
    shutil.rmtree(work, ignore_errors=True)
    subprocess.run([sys.executable, os.path.join(HERE, "export_wan.py"), os.path.join(make_tiny_wan.SRC, "wan21"), work,
                    "--fp16", "--name", "tiny-wan21-fp16", *make_tiny_wan.DEFAULTS, "--guidance", "5.0"], check=True)
    out = os.path.join(OUT, "tiny-wan21-fp16")
    os.makedirs(out, exist_ok=True)
    for f in ("denoiser.onnx", "denoiser.onnx_data", "text_encoder.onnx", "text_encoder.onnx_data", "kino.json"):
        shutil.copyfile(os.path.join(work, f), os.path.join(out, f))


def run_case(case, package, loras, guidance, writer, text):
    from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanPipeline, WanTransformer3DModel
    folder = os.path.join(make_tiny_wan.SRC, "wan21" if package == "tiny-wan21" else "wan22")
    two = os.path.isdir(os.path.join(folder, "transformer_2"))
    pipe = WanPipeline(tokenizer=None, text_encoder=None,
                       vae=AutoencoderKLWan.from_pretrained(os.path.join(folder, "vae")),
                       scheduler=UniPCMultistepScheduler.from_pretrained(os.path.join(folder, "scheduler")),
                       transformer=WanTransformer3DModel.from_pretrained(os.path.join(folder, "transformer")),
                       transformer_2=WanTransformer3DModel.from_pretrained(os.path.join(folder, "transformer_2"))
                       if two else None, boundary_ratio=0.875 if two else None)
    names, weights = [], []
    for i, (lora, strength, expert) in enumerate(loras):
        name = f"l{i}"
        path = os.path.join(OUT, lora + ".safetensors")
        pipe.load_lora_weights(path, adapter_name=name, load_into_transformer_2=expert == 1)
        names.append((name, strength, expert))
    if not names:
        pass
    elif two:
        for model, index in ((pipe.transformer, 0), (pipe.transformer_2, 1)):
            mine = [(n, s) for n, s, e in names if e == index]
            model.set_adapters([n for n, _ in mine], [s for _, s in mine])
    else:
        pipe.set_adapters([n for n, _, _ in names], [s for _, s, _ in names])
    steps = []

    def keep(pipeline, i, t, kwargs):
        steps.append(kwargs["latents"].detach().clone())
        return kwargs

    with torch.no_grad():
        video = pipe(prompt_embeds=text["fox"], negative_prompt_embeds=text["negative"], height=HEIGHT,
                     width=WIDTH, num_frames=FRAMES, num_inference_steps=STEPS, guidance_scale=guidance[0],
                     guidance_scale_2=guidance[1] if two else None,
                     generator=torch.Generator().manual_seed(SEED), output_type="np",
                     callback_on_step_end=keep).frames
    for i, lat in enumerate(steps):
        writer(f"{case}/latents_{i}", lat.float().numpy())
    writer(f"{case}/frames_u8", np.round(np.clip(video, 0, 1) * 255).astype(np.uint8))
    base = writer.index.get("wan21-none/latents_3")
    moved = "" if base is None or case == "wan21-none" else ", {:.3f} from the plain model's".format(float(np.abs(
        np.fromfile(os.path.join(OUT, "reference", base["file"]), dtype="<f4") - steps[-1].numpy().ravel()).max()))
    print(f"{case}: {len(steps)} steps, final latents max {steps[-1].abs().max():.3f}{moved}", flush=True)
    return {"package": package, "guidance": guidance,
            "loras": [{"file": f"{lora}.safetensors", "strength": s, "expert": e} for lora, s, e in loras]}


def main():
    torch.set_num_threads(2)
    ensure_sources()
    check_same_weights(os.path.join(make_tiny_wan.SRC, "wan21"), "tiny-wan21")
    check_same_weights(os.path.join(make_tiny_wan.SRC, "wan22"), "tiny-wan22")
    make_loras()
    export_fp16()
    ref = json.load(open(os.path.join(WAN, "reference", "reference.json")))

    def embeds(key):
        entry = ref["tensors"][f"text/{key}/prompt_embeds"]
        return torch.from_numpy(np.fromfile(os.path.join(WAN, "reference", entry["file"]), dtype="<f4")
                                .reshape(entry["shape"]))

    text = {"fox": embeds("fox"), "negative": embeds("negative")}
    writer = Writer(os.path.join(OUT, "reference"))
    cases = {c[0]: run_case(*c, writer, text) for c in CASES}
    index = {"format": "each tensor: raw little-endian, row-major; 'tensors' maps name -> {file, dtype, shape}",
             "made_by": "models/export/make_wan_lora_reference.py: diffusers WanPipeline + load_lora_weights"
                        " + set_adapters (peft), prompt embeddings of wan/reference text/fox and text/negative",
             "prompt": ref["prompts"]["fox"]["text"], "negative_prompt": ref["prompts"]["negative"]["text"],
             "seed": SEED, "steps": STEPS, "width": WIDTH, "height": HEIGHT, "frames": FRAMES,
             "tolerances": {"latents": "max abs diff <= 0.001 * max|ref| after every step",
                            "frames_u8": "max abs diff <= 1 (of 255)"},
             "cases": cases, "tensors": writer.index}
    json.dump(index, open(os.path.join(OUT, "reference", "reference.json"), "w"), indent=1)


if __name__ == "__main__":
    main()

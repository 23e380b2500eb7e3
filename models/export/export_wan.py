#!/usr/bin/env python3
"""Exports a diffusers-format Wan folder (text-to-video, image-to-video, first/last frame, TI2V) to a Kino package.

    python export_wan.py SRC OUT [--fp16] [--attention mha|sdpa] [--verify] [--only ...]

SRC is the HuggingFace diffusers layout (Wan-AI/Wan2.1-T2V-1.3B-Diffusers, ...-14B-Diffusers, or a
Wan 2.2 A14B folder with ``transformer_2/``): ``model_index.json``, ``tokenizer/``, ``text_encoder/``,
``transformer/``, ``vae/``, ``scheduler/``. OUT receives:

    kino.json                                   manifest (scheduler_config.json copied unchanged)
    tokenizer.json                              from tokenizer/ (copied, or converted from spiece.model)
    text_encoder.onnx      + .onnx_data         UMT5 encoder (Kino's own module, HF weights)
    denoiser.onnx          + .onnx_data         WanTransformer3DModel (2.2 A14B: the high-noise expert)
    denoiser_low_noise.onnx + .onnx_data        2.2 A14B only: transformer_2, the low-noise expert
    vae_decoder_first.onnx, vae_decoder_next.onnx + vae_decoder.onnx_data (shared weights)
    vae_encoder_first.onnx, vae_encoder_next.onnx + vae_encoder.onnx_data   VAE encoder step graphs (image
                                                models' conditioning; a text model's video-to-video source)
    image models (WanImageToVideoPipeline folders; Wan 2.2 TI2V-5B, ``expand_timesteps``):
    image_encoder.onnx     + .onnx_data         Wan 2.1 I2V/FLF2V only: the CLIP vision tower

Weights never pass through the ONNX exporter: graphs are traced with placeholder parameters and the
weights are streamed from the safetensors into the .onnx_data files, so RAM stays near the size of the
largest tensor (see kinoexport/common/onnx_weights.py). Before exporting, every rewritten module is compared with
the diffusers original on the checkpoint's real weights (the denoiser's first block, the whole VAE);
``--verify`` also runs each exported graph against the full PyTorch model (needs RAM for it in fp32).
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kinoexport.common import onnx_weights as ow, t5_export, umt5  # noqa: E402
from kinoexport.common.package import DTYPES, export_tokenizer, load_real  # noqa: E402
from kinoexport.common.report import fail_if_bad, finish, log, resume  # noqa: E402
from kinoexport.wan import clip, denoiser as dn, manifest, vace, vae as cvae, vae_encoder as venc, verify  # noqa: E402

def export_text_encoder(src, out, precision, do_verify):
    folder = os.path.join(src, "text_encoder")
    cfg = umt5.UMT5Config.from_folder(folder)
    path = os.path.join(out, "text_encoder.onnx")
    size = t5_export.export(folder, cfg, path, DTYPES[precision])
    log(f"text_encoder.onnx ({precision}, {size / 2**30:.2f} GiB of weights)")
    if do_verify:
        real = t5_export.load(folder, cfg)
        fail_if_bad("text_encoder onnx vs torch", verify.text_encoder(path, real, [(2, 24), (1, 9)],
                                                                       cfg.vocab_size),
                    1e-4 if precision == "fp32" else 3e-2)


def export_denoiser(folder, path, precision, attention, do_verify, check=True, per_frame=False, clip_tokens=None):
    """``per_frame``: expand_timesteps models (timestep [B, F]); ``clip_tokens``: one image's CLIP tokens."""
    from diffusers import WanTransformer3DModel
    if check:   # rewrites vs diffusers on the real weights of the first block (a 1-layer model)
        small = load_real(WanTransformer3DModel, folder, num_layers=1)
        fail_if_bad("denoiser rewrites (block 0, real weights)",
                    dn.check_rewrites(small, per_frame_timestep=per_frame, clip_tokens=clip_tokens), 1e-4)
    def describe(t):
        n_img = dn.image_tokens(t.config, clip_tokens)
        example = dn.example_inputs(t.config, per_frame_timestep=per_frame, image_tokens=n_img)
        return (dn.KinoWanDenoiser(t, attention, per_frame, n_img), example, *dn.io(t.config, per_frame))

    tcfg = dn.export_streamed(WanTransformer3DModel, folder, path, precision, describe)
    n_img = dn.image_tokens(tcfg, clip_tokens)
    if do_verify:
        real = load_real(WanTransformer3DModel, folder)
        fail_if_bad(f"{os.path.basename(path)} onnx vs diffusers",
                    verify.denoiser(path, real, [(2, 2, 4, 6, 16 if n_img is None else 512),   # diffusers splits
                                                 (1, 3, 6, 4, 7 if n_img is None else 512)],   # image at L - 512
                                    per_frame, n_img),
                    1e-4 if precision == "fp32" else 3e-2)
    return tcfg


def export_vae(src, out, do_verify):
    from diffusers import AutoencoderKLWan
    folder = os.path.join(src, "vae")
    real = load_real(AutoencoderKLWan, folder)
    fail_if_bad("vae rewrites (real weights)", cvae.check_rewrites(real), 1e-4)
    n = cvae.cache_count(real)
    with torch.device("meta"):
        v = AutoencoderKLWan.from_config(real.config)
    ow.to_placeholders_(v)
    source = ow.SafetensorsSource(folder)
    weights = ow.WeightFile(os.path.join(out, "vae_decoder.onnx_data"))
    caches_in, caches_out = cvae.io_names(n)
    z = torch.zeros(1, real.config.z_dim, 1, 4, 6)    # a latent frame; 2 x 2 x 2 frames for caches
    with torch.no_grad():
        example_caches = cvae.CausalDecoderStep(v, True)(z)[1:]
    for first, fname in ((True, "vae_decoder_first.onnx"), (False, "vae_decoder_next.onnx")):
        step = cvae.CausalDecoderStep(v, first)
        ins = ["latent"] + ([] if first else caches_in)
        args = (z,) if first else (z, *example_caches)
        axes = {k: a for k, a in cvae.dynamic_axes(n).items() if k in ins or k in caches_out or k == "frames"}
        path = os.path.join(out, fname)
        graph = ow.export_graph(step, args, path, ins, ["frames"] + caches_out, axes)
        ow.attach_weights(graph, ins, lambda name, dt: ow.torch_to_numpy(source.get(name), dt), weights)
        ow.save_graph(graph, path)
    weights.close()
    log(f"vae_decoder_first/next.onnx ({n} caches, {weights.bytes / 2**20:.1f} MiB of shared weights)")
    if do_verify:
        fail_if_bad("vae chunked onnx vs vae.decode",
                    verify.vae(os.path.join(out, "vae_decoder_first.onnx"),
                               os.path.join(out, "vae_decoder_next.onnx"), real, n, [(1, 3, 4, 6), (2, 2, 6, 4)]),
                    1e-4)
    return real.config, caches_in, caches_out


def export_vae_encoder(src, out, do_verify):
    """The VAE encoder as first/next step graphs sharing vae_encoder.onnx_data (image conditioning, and a text
    model's video-to-video source)."""
    from diffusers import AutoencoderKLWan
    folder = os.path.join(src, "vae")
    real = load_real(AutoencoderKLWan, folder)
    fail_if_bad("vae encoder rewrites (real weights)", venc.check_rewrites(real), 1e-4)
    n = venc.cache_count(real)
    with torch.device("meta"):
        v = AutoencoderKLWan.from_config(real.config)
    ow.to_placeholders_(v)
    source = ow.SafetensorsSource(folder)
    weights = ow.WeightFile(os.path.join(out, "vae_encoder.onnx_data"))
    caches_in, caches_out = venc.io_names(n)
    s = 2 * real.config.scale_factor_spatial
    video = torch.zeros(1, 3, 1, 2 * s, 3 * s)
    with torch.no_grad():
        example_caches = venc.CausalEncoderStep(real, True)(video)[1:]
    for first, fname in ((True, "vae_encoder_first.onnx"), (False, "vae_encoder_next.onnx")):
        step = venc.CausalEncoderStep(v, first)
        ins = ["video"] + ([] if first else caches_in)
        args = (video,) if first else (video.expand(1, 3, 4, -1, -1).contiguous(), *example_caches)
        axes = {k: a for k, a in venc.dynamic_axes(n).items() if k in ins or k in caches_out or k == "latent"}
        path = os.path.join(out, fname)
        graph = ow.export_graph(step, args, path, ins, ["latent"] + caches_out, axes)
        ow.attach_weights(graph, ins, lambda name, dt: ow.torch_to_numpy(source.get(name), dt), weights)
        ow.save_graph(graph, path)
    weights.close()
    log(f"vae_encoder_first/next.onnx ({n} caches, {weights.bytes / 2**20:.1f} MiB of shared weights)")
    if do_verify:
        fail_if_bad("vae encoder chunked onnx vs vae.encode mode",
                    verify.vae_encoder(os.path.join(out, "vae_encoder_first.onnx"),
                                       os.path.join(out, "vae_encoder_next.onnx"), real, n,
                                       [(1, 5, 2 * s, 3 * s), (2, 9, 3 * s, 2 * s), (1, 1, s, s)]), 1e-4)
    return caches_in, caches_out


def check_clip_reference(folder, tower):
    """Kino's tower vs transformers' CLIPVisionModel (hidden_states[-2]) on the checkpoint's weights, when
    transformers is installed (it is not needed otherwise)."""
    try:
        from transformers import CLIPVisionModel
    except ImportError:
        log("image encoder: transformers not installed, reference check skipped")
        return
    ref = CLIPVisionModel.from_pretrained(folder, torch_dtype=torch.float32).eval()
    x = torch.randn(2, 3, tower.config.image_size, tower.config.image_size, generator=torch.Generator().manual_seed(8))
    with torch.no_grad():
        want = ref(pixel_values=x, output_hidden_states=True).hidden_states[-2]
        fail_if_bad("image encoder vs transformers CLIPVisionModel (real weights)",
                    {"hidden_states[-2]": verify.rel(tower(x).numpy(), want.numpy())}, 1e-4)


def export_image_encoder(src, out, do_verify):
    """image_encoder/ (CLIPVisionModel weights) -> image_encoder.onnx; returns (config, processor config)."""
    folder = os.path.join(src, "image_encoder")
    cfg = clip.CLIPVisionConfig.from_folder(folder)
    source = ow.SafetensorsSource(folder)
    real = clip.CLIPVisionTower(cfg).eval()
    real.load_state_dict({k: source.get(k).float() for k in real.state_dict()})
    check_clip_reference(folder, real)
    path = os.path.join(out, "image_encoder.onnx")
    with torch.device("meta"):
        tower = clip.CLIPVisionTower(cfg)
    ow.to_placeholders_(tower)
    graph = ow.export_graph(tower, (torch.zeros(1, 3, cfg.image_size, cfg.image_size),), path, clip.IMAGE_INPUTS,
                            clip.IMAGE_OUTPUTS, clip.IMAGE_AXES)
    weights = ow.WeightFile(path + "_data")
    ow.attach_weights(graph, clip.IMAGE_INPUTS, lambda name, dt: ow.torch_to_numpy(source.get(name), dt), weights)
    weights.close()
    ow.save_graph(graph, path)
    log(f"image_encoder.onnx ({cfg.num_layers - 1} of {cfg.num_layers} layers, {weights.bytes / 2**20:.1f} MiB)")
    if do_verify:
        fail_if_bad("image_encoder onnx vs torch", verify.image_encoder(path, real, [1, 2]), 1e-4)
    del real
    return cfg


def vae_config_and_caches(src):
    """Manifest-only runs: the VAE config and cache names without loading weights."""
    from diffusers import AutoencoderKLWan
    with torch.device("meta"):
        v = AutoencoderKLWan.from_config(AutoencoderKLWan.load_config(os.path.join(src, "vae")))
    ow.to_placeholders_(v)
    return v.config, *cvae.io_names(cvae.cache_count(v)), *venc.io_names(venc.cache_count(v))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", help="diffusers Wan folder")
    ap.add_argument("out", help="package folder to write")
    ap.add_argument("--fp16", action="store_true", help="fp16 denoiser(s) and text encoder (VAE stays fp32)")
    ap.add_argument("--attention", choices=["mha", "sdpa"], default="mha",
                    help="mha: com.microsoft.MultiHeadAttention (ONNX Runtime, fused on GPU; default); "
                         "sdpa: plain ONNX ops (any runtime, S x S memory)")
    ap.add_argument("--only", default="tokenizer,text_encoder,image_encoder,denoiser,vae,vae_encoder,manifest",
                    help="comma-separated subset of tokenizer,text_encoder,image_encoder,denoiser,vae,vae_encoder,"
                         "manifest (image_encoder: image models only; vae_encoder: image models, and text models"
                         " for video-to-video)")
    ap.add_argument("--verify", action="store_true", help="also compare every graph with the full PyTorch model")
    ap.add_argument("--no-check", action="store_true", help="skip the rewrite checks on real weights")
    ap.add_argument("--name", help="package name (default: the folder name)")
    ap.add_argument("--max-length", type=int, default=512, help="text length (WanPipeline: 512)")
    ap.add_argument("--width", type=int, default=832)
    ap.add_argument("--height", type=int, default=480)
    ap.add_argument("--frames", type=int, default=81)
    ap.add_argument("--fps", type=int, default=16)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--guidance", type=float, help="default 5.0 (Wan 2.1), 4.0 (Wan 2.2 high-noise expert)")
    ap.add_argument("--guidance-2", type=float, default=3.0, help="Wan 2.2 low-noise expert (default 3.0)")
    args = ap.parse_args()
    only = set(args.only.split(","))
    os.makedirs(args.out, exist_ok=True)
    report_path = resume(args.out)
    precision = "fp16" if args.fp16 else "fp32"
    index = json.load(open(os.path.join(args.src, "model_index.json")))
    two_experts = os.path.isdir(os.path.join(args.src, "transformer_2")) and index.get("transformer_2", [None])[0]
    # image models: WanImageToVideoPipeline folders (2.1 I2V/FLF2V with a CLIP image encoder, 2.2 I2V-A14B
    # without) and expand_timesteps folders (2.2 TI2V-5B, which also runs text-only)
    expand = bool(index.get("expand_timesteps"))
    image_model = index.get("_class_name") == "WanImageToVideoPipeline" or expand
    has_clip = image_model and (index.get("image_encoder") or [None])[0] is not None \
        and os.path.isdir(os.path.join(args.src, "image_encoder"))
    started = time.time()

    if "tokenizer" in only:
        export_tokenizer(args.src, args.out)
    if "text_encoder" in only:
        export_text_encoder(args.src, args.out, precision, args.verify)
    denoisers = [("transformer", "denoiser.onnx")] + ([("transformer_2", "denoiser_low_noise.onnx")]
                                                       if two_experts else [])
    icfg = None
    if has_clip:
        icfg = export_image_encoder(args.src, args.out, args.verify) if "image_encoder" in only \
            else clip.CLIPVisionConfig.from_folder(os.path.join(args.src, "image_encoder"))
    tcfg = None
    is_vace = index.get("_class_name") == "WanVACEPipeline"    # Wan 2.1 VACE: control branch, extra inputs
    for sub, fname in denoisers:
        folder = os.path.join(args.src, sub)
        if "denoiser" in only and is_vace:
            tcfg = vace.export(folder, os.path.join(args.out, fname), precision, args.attention, args.verify,
                               not args.no_check, load_real)
        elif "denoiser" in only:
            tcfg = export_denoiser(folder, os.path.join(args.out, fname), precision, args.attention,
                                   args.verify, check=not args.no_check, per_frame=expand,
                                   clip_tokens=icfg.tokens if icfg else None)
        else:
            tcfg = json.load(open(os.path.join(folder, "config.json")))
    if "vae" in only:
        vcfg, caches_in, caches_out = export_vae(args.src, args.out, args.verify)
    if "vae_encoder" in only:   # image conditioning, or a text model's video-to-video source
        encoder_caches = export_vae_encoder(args.src, args.out, args.verify)
    if "manifest" in only:
        if "vae" not in only or "vae_encoder" not in only:
            vcfg, caches_in, caches_out, *encoder_caches = vae_config_and_caches(args.src)
        sched = json.load(open(os.path.join(args.src, "scheduler", "scheduler_config.json")))
        guidance = args.guidance if args.guidance is not None else (4.0 if two_experts else 5.0)
        experts = None
        if two_experts:
            experts = [{"file": "denoiser.onnx", "boundary_ratio": float(index["boundary_ratio"]),
                        "guidance": guidance},
                       {"file": "denoiser_low_noise.onnx", "boundary_ratio": 0.0, "guidance": args.guidance_2}]
        tcfg = dict(tcfg)
        control = vace.manifest_control(tcfg) if is_vace else None
        cond = None
        if image_model:
            if expand:
                last = "unsupported"            # the pipeline conditions on the first frame only
            elif tcfg.get("pos_embed_seq_len") is not None:
                last = "required"               # FLF2V: image embeddings of both frames, side by side
            else:                               # 2.1 I2V: one image's embeddings; 2.2 I2V-A14B: latents only
                last = "unsupported" if has_clip else "optional"
            proc_path = os.path.join(args.src, "image_processor", "preprocessor_config.json")
            proc = json.load(open(proc_path)) if os.path.isfile(proc_path) else {}
            cond = manifest.conditioning(
                mode="expand_timesteps" if expand else "concat", last_image=last, vae_config=dict(vcfg),
                encoder_caches=encoder_caches,
                image_encoder=(icfg, proc, 2 if last == "required" else 1) if has_clip else None)
        kind = "VACE" if is_vace else "image-to-video" if image_model and not expand else "text/image-to-video" if expand else "text-to-video"
        m = manifest.build(
            args.name or os.path.basename(os.path.normpath(args.src)),
            f"Wan {kind} exported by models/export/export_wan.py ({precision}, attention {args.attention})",
            scheduler_config=sched, vae_config=dict(vcfg), text_max_length=args.max_length,
            weights=precision, patch_size=tcfg["patch_size"], in_channels=tcfg["in_channels"], cache_inputs=caches_in,
            cache_outputs=caches_out, experts=experts, conditioning=cond, control=control,
            vae_encoder=manifest.vae_encoder(dict(vcfg), encoder_caches)
            if not image_model and os.path.isfile(os.path.join(args.out, "vae_encoder_first.onnx")) else None,
            defaults={"width": args.width, "height": args.height, "frames": args.frames, "fps": args.fps,
                      "steps": args.steps, "guidance": guidance, "negative_prompt": ""})
        manifest.write(m, os.path.join(args.out, "kino.json"))
        log("kino.json written")
    finish(report_path, args.out, started, precision, args.attention)


if __name__ == "__main__":
    main()

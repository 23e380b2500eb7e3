#!/usr/bin/env python3
"""Exports a diffusers-format LTX-Video text-to-video folder to a Kino model package.

    python export_ltx.py SRC OUT [--fp16] [--attention mha|sdpa] [--verify] [--only ...]

SRC is the HuggingFace diffusers layout of ``LTXPipeline`` (Lightricks/LTX-Video 0.9.x, 2B or 13B, dev or
distilled): ``model_index.json``, ``tokenizer/``, ``text_encoder/`` (T5 v1.1 XXL), ``transformer/``
(``LTXVideoTransformer3DModel``), ``vae/`` (``AutoencoderKLLTXVideo``), ``scheduler/``. OUT receives:

    kino.json                          manifest (scheduler_config.json copied unchanged)
    tokenizer.json                     from tokenizer/ (copied, or converted from spiece.model)
    text_encoder.onnx  + .onnx_data    T5 v1.1 encoder (Kino's own module, HF weights), ids only
    denoiser.onnx      + .onnx_data    LTXVideoTransformer3DModel with LTXPipeline's packing inside
    vae_decoder.onnx   + .onnx_data    AutoencoderKLLTXVideo decoder, whole clip, decode timestep input
    export_report.json                 every numeric check, file sizes, time, peak RSS

Weights are streamed from the safetensors into the .onnx_data files (see kinoexport/common/onnx_weights.py), so RAM
stays near the largest tensor. Before exporting, the rewritten transformer pieces are compared with
diffusers on the checkpoint's real weights (a 1-block model); ``--verify`` also runs each exported graph
against the full PyTorch model (needs RAM for it in fp32).
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kinoexport.common.package import DTYPES, export_tokenizer, load_real  # noqa: E402
from kinoexport.common.report import fail_if_bad, finish, log, resume  # noqa: E402
from kinoexport.ltx import denoiser as dn, manifest, vae as lvae  # noqa: E402
from kinoexport.common import checks as verify, onnx_weights as ow, t5_export, umt5  # noqa: E402

def export_text_encoder(src, out, precision, do_verify):
    folder = os.path.join(src, "text_encoder")
    cfg = umt5.UMT5Config.from_folder(folder)
    if not cfg.shared_bias:
        raise SystemExit(f"{folder}: expected a T5 v1.1 encoder (model_type t5), found {cfg.model_type}")
    path = os.path.join(out, "text_encoder.onnx")
    size = t5_export.export(folder, cfg, path, DTYPES[precision], with_mask=False)
    log(f"text_encoder.onnx ({precision}, {size / 2**30:.2f} GiB of weights)")
    if do_verify:
        real = t5_export.load(folder, cfg)
        fail_if_bad("text_encoder onnx vs torch", verify_text_encoder(path, real, [(2, 24), (1, 9)], cfg.vocab_size),
                    1e-4 if precision == "fp32" else 3e-2)


@torch.no_grad()
def verify_text_encoder(path, encoder, shapes, vocab):
    sess = verify.session(path)
    g = torch.Generator().manual_seed(3)
    out = {}
    for b, length in shapes:
        ids = torch.randint(3, vocab, (b, length), generator=g)
        ids[-1, length // 2:] = 0       # padding is encoded too (no mask)
        out[f"{b}x{length}"] = verify.rel(sess.run(None, {"input_ids": ids.numpy()})[0], encoder(ids).numpy())
    return out


@torch.no_grad()
def verify_denoiser(path, transformer, compression, shapes, causal_time=False):
    sess = verify.session(path)
    out = {}
    for shape in shapes:
        hs, ts, ctx, mask, fps = dn.example_inputs(transformer.config, *shape)
        ref = dn.reference_forward(transformer, hs, ts, ctx, mask, float(fps[0]), *compression,
                                   causal_time=causal_time).numpy()
        got = sess.run(None, {"hidden_states": hs.numpy(), "timestep": ts.numpy(), "encoder_hidden_states": ctx.numpy(),
                              "encoder_attention_mask": mask.numpy(), "frame_rate": fps.numpy()})[0]
        out["x".join(str(s) for s in shape)] = verify.rel(got, ref)
    return out


def compression(src):
    """(temporal, spatial) compression of the VAE: they scale the denoiser's rotary coordinates."""
    from diffusers import AutoencoderKLLTXVideo
    if not os.path.isfile(os.path.join(src, "vae", "config.json")):
        log("no vae/config.json: using LTX-Video's 8x temporal, 32x spatial compression for the rotary embedding")
        return 8, 32
    with torch.device("meta"):
        v = AutoencoderKLLTXVideo.from_config(AutoencoderKLLTXVideo.load_config(os.path.join(src, "vae")))
    return v.temporal_compression_ratio, v.spatial_compression_ratio


def export_denoiser(folder, path, precision, attention, do_verify, comp, check=True, causal_time=False):
    from diffusers import LTXVideoTransformer3DModel
    config = LTXVideoTransformer3DModel.load_config(folder)
    if check:
        small = load_real(LTXVideoTransformer3DModel, folder, num_layers=1)
        fail_if_bad("denoiser rewrites (block 0, real weights)", dn.check_rewrites(small, *comp), 1e-4)
        del small
    with torch.device("meta"):
        t = LTXVideoTransformer3DModel.from_config(config)
    t.to(DTYPES[precision])
    ow.to_placeholders_(t)
    wrapper = dn.KinoLtxDenoiser(t, *comp, attention_kind=attention, causal_time=causal_time)
    graph = ow.export_graph(wrapper, dn.example_inputs(t.config), path, dn.DENOISER_INPUTS, dn.DENOISER_OUTPUTS,
                            dn.DENOISER_AXES)
    log(f"{os.path.basename(path)}: graph traced for {'LTXConditionPipeline' if causal_time else 'LTXPipeline'}"
        f"'s rotary coordinates ({len(graph.graph.node)} nodes)")
    buffers = dict(wrapper.named_buffers())
    source = ow.SafetensorsSource(folder)

    def fetch(name, dt):
        if name in buffers:
            return buffers[name].numpy().astype(dt)
        return ow.torch_to_numpy(source.get(name.removeprefix("transformer.")), dt)

    weights = ow.WeightFile(path + "_data")
    ow.attach_weights(graph, dn.DENOISER_INPUTS, fetch, weights)
    weights.close()
    ow.save_graph(graph, path)
    log(f"{os.path.basename(path)} ({precision}, {weights.bytes / 2**30:.2f} GiB of weights)")
    if do_verify:
        real = load_real(LTXVideoTransformer3DModel, folder)
        fail_if_bad("denoiser onnx vs diffusers",
                    verify_denoiser(path, real, comp, [(2, 2, 3, 5, 16, 25.0), (1, 3, 2, 4, 7, 24.0)], causal_time),
                    1e-4 if precision == "fp32" else 3e-2)
    return dict(config)


def load_vae(src):
    from diffusers import AutoencoderKLLTXVideo
    return load_real(AutoencoderKLLTXVideo, os.path.join(src, "vae"))


def noise_scales(vae, src):
    """The scales of the decoder's injected noise planes in draw order ([] for decoders that inject none)."""
    try:
        return lvae.noise_planes(vae) if lvae.injects_noise(vae) else []
    except NotImplementedError as e:
        raise SystemExit(f"{os.path.join(src, 'vae')}: {e}, so this decoder cannot be exported")


def export_vae(src, out, do_verify):
    real = load_vae(src)
    from diffusers import AutoencoderKLLTXVideo
    with torch.device("meta"):
        v = AutoencoderKLLTXVideo.from_config(real.config)
    scales = noise_scales(real, src)
    if scales:
        log(f"the decoder injects {len(scales)} noise planes (scales {scales}): graph inputs injected_noise_*")
    ow.to_placeholders_(v)
    step = lvae.KinoLtxVaeDecoder(v)
    ins, outs, axes = lvae.io(v, scales)
    path = os.path.join(out, "vae_decoder.onnx")
    graph = ow.export_graph(step, lvae.example_inputs(real, scales=scales), path, ins, outs, axes)
    source = ow.SafetensorsSource(os.path.join(src, "vae"))
    weights = ow.WeightFile(path + "_data")
    ow.attach_weights(graph, ins, lambda name, dt: ow.torch_to_numpy(source.get(name), dt), weights)
    weights.close()
    ow.save_graph(graph, path)
    log(f"vae_decoder.onnx ({weights.bytes / 2**20:.1f} MiB of weights, timestep input: "
        f"{bool(real.config.timestep_conditioning)})")
    if do_verify:
        sess = verify.session(path)
        res = {}
        for b, f, h, w in ((1, 2, 2, 3), (2, 3, 3, 2)):
            # injected noise: vae.decode draws it from the global generator seeded with 11; the graph is fed
            # the planes drawn from a fresh torch.manual_seed(11) in the same order
            args = lvae.example_inputs(real, b, f, h, w, scales, planes_seed=11)
            torch.manual_seed(11)
            with torch.no_grad():
                ref = real.decode(*args[:len(ins) - len(scales)], return_dict=False)[0].numpy()
            got = sess.run(None, dict(zip(ins, (a.numpy() for a in args))))[0]
            res[f"{b}x{f}x{h}x{w}"] = verify.rel(got, ref)
        fail_if_bad("vae onnx vs vae.decode", res, 1e-4)
    return real, scales


# diffusers' documented sampling of the distilled LTX-Video models with LTXConditionPipeline (docs
# api/pipelines/ltx_video.md, 0.9.7 / 0.9.8 distilled: timesteps=[1000, 993, 987, 981, 975, 909, 725, 0.03],
# guidance_scale 1.0, decode_timestep 0.05, decode_noise_scale 0.025)
DISTILLED_TIMESTEPS = [1000.0, 993.0, 987.0, 981.0, 975.0, 909.0, 725.0, 0.03]


def pipeline_of(src, asked):
    """LTXPipeline or LTXConditionPipeline: as asked, else the folder's model_index.json _class_name."""
    if asked != "auto":
        return asked
    index = os.path.join(src, "model_index.json")
    name = json.load(open(index)).get("_class_name") if os.path.isfile(index) else None
    return name if name in ("LTXPipeline", "LTXConditionPipeline") else "LTXPipeline"


def timesteps_of(src, asked, pipeline):
    """The model's own timestep list: none, diffusers' distilled list, or a comma-separated one."""
    if asked == "auto":
        distilled = "distilled" in os.path.basename(os.path.normpath(src)).lower()
        asked = "distilled" if distilled and pipeline == "LTXConditionPipeline" else "none"
    if asked == "none":
        return None
    if pipeline != "LTXConditionPipeline":
        raise SystemExit("a timestep list is LTXConditionPipeline's (LTXPipeline refuses custom timesteps); "
                         "add --pipeline LTXConditionPipeline")
    if asked == "distilled":
        return list(DISTILLED_TIMESTEPS)
    try:
        values = [float(v) for v in asked.split(",")]
    except ValueError:
        raise SystemExit(f"--timesteps {asked!r}: give auto, none, distilled or numbers like 1000,909,725,0.03")
    if any(b >= a for a, b in zip(values, values[1:])) or not all(0 <= v <= 1000 for v in values):
        raise SystemExit(f"--timesteps {asked!r}: the list must fall from high noise to low, within 0..1000")
    return values


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", help="diffusers LTX-Video folder")
    ap.add_argument("out", help="package folder to write")
    ap.add_argument("--fp16", action="store_true", help="fp16 denoiser and text encoder (VAE stays fp32)")
    ap.add_argument("--attention", choices=["mha", "sdpa"], default="mha",
                    help="self-attention as com.microsoft.MultiHeadAttention (default) or plain ONNX ops")
    ap.add_argument("--only", default="tokenizer,text_encoder,denoiser,vae,manifest",
                    help="comma-separated subset of tokenizer,text_encoder,denoiser,vae,manifest")
    ap.add_argument("--verify", action="store_true", help="also compare every graph with the full PyTorch model")
    ap.add_argument("--no-check", action="store_true", help="skip the rewrite checks on real weights")
    ap.add_argument("--name", help="package name (default: the folder name)")
    ap.add_argument("--pipeline", choices=["auto", "LTXPipeline", "LTXConditionPipeline"], default="auto",
                    help="the diffusers pipeline Kino reproduces (default: model_index.json's _class_name); "
                         "LTXConditionPipeline: its rotary time coordinates and timestep handling")
    ap.add_argument("--timesteps", default="auto",
                    help="the model's own timestep list (LTXConditionPipeline): distilled (diffusers' list for the "
                         "distilled models), none, or comma-separated numbers; auto: distilled when the folder "
                         "name says distilled")
    ap.add_argument("--max-length", type=int, help="text length (LTXPipeline: 128, LTXConditionPipeline: 256)")
    for key in ("width", "height", "frames", "fps"):
        ap.add_argument(f"--{key}", type=int, default=manifest.DEFAULTS[key])
    ap.add_argument("--steps", type=int, help="default 50, or the length of the model's timestep list")
    ap.add_argument("--guidance", type=float,
                    help="default 3.0 (LTXPipeline); 1.0 with a distilled timestep list")
    ap.add_argument("--negative-prompt", default=manifest.DEFAULTS["negative_prompt"])
    ap.add_argument("--decode-timestep", type=float, default=0.05,
                    help="timestep-conditioned VAEs (0.9.1+): decode_timestep (model cards: 0.03-0.05)")
    ap.add_argument("--decode-noise-scale", type=float, default=0.025,
                    help="timestep-conditioned VAEs: decode_noise_scale (model cards: 0.025)")
    args = ap.parse_args()
    only = set(args.only.split(","))
    os.makedirs(args.out, exist_ok=True)
    report_path = resume(args.out)
    precision = "fp16" if args.fp16 else "fp32"
    pipeline = pipeline_of(args.src, args.pipeline)
    timesteps = timesteps_of(args.src, args.timesteps, pipeline)
    condition = pipeline == "LTXConditionPipeline"
    args.max_length = args.max_length or (256 if condition else 128)
    args.steps = args.steps or (len(timesteps) if timesteps else manifest.DEFAULTS["steps"])
    if args.guidance is None:
        args.guidance = 1.0 if timesteps else manifest.DEFAULTS["guidance"]
    log(f"pipeline {pipeline}" + (f", timesteps {timesteps}" if timesteps else "")
        + f", {args.steps} steps, guidance {args.guidance}, text length {args.max_length}")
    if condition:
        sched_cfg = json.load(open(os.path.join(args.src, "scheduler", "scheduler_config.json")))
        if sched_cfg.get("use_dynamic_shifting"):
            raise SystemExit("scheduler/scheduler_config.json sets use_dynamic_shifting, which LTXConditionPipeline "
                             "cannot sample with (it passes no mu); export with --pipeline LTXPipeline")
    started = time.time()
    comp = compression(args.src)

    if "tokenizer" in only:
        export_tokenizer(args.src, args.out)
    if "text_encoder" in only:
        export_text_encoder(args.src, args.out, precision, args.verify)
    folder = os.path.join(args.src, "transformer")
    if "denoiser" in only:
        tcfg = export_denoiser(folder, os.path.join(args.out, "denoiser.onnx"), precision, args.attention,
                               args.verify, comp, check=not args.no_check, causal_time=condition)
    else:
        tcfg = json.load(open(os.path.join(folder, "config.json")))
    vae, scales = export_vae(args.src, args.out, args.verify) if "vae" in only else (None, None)
    if "manifest" in only:
        if vae is None:
            vae = load_vae(args.src)
            scales = noise_scales(vae, args.src)
        sched = json.load(open(os.path.join(args.src, "scheduler", "scheduler_config.json")))
        defaults = {k: getattr(args, k) for k in ("width", "height", "frames", "fps", "steps", "guidance")}
        defaults["negative_prompt"] = args.negative_prompt
        m = manifest.build(
            args.name or os.path.basename(os.path.normpath(args.src)),
            f"LTX-Video text-to-video exported by models/export/export_ltx.py ({precision}, attention {args.attention})",
            scheduler_config=sched, vae_config=dict(vae.config), latents_mean=vae.latents_mean.tolist(),
            latents_std=vae.latents_std.tolist(), text_max_length=args.max_length, weights=precision,
            in_channels=tcfg["in_channels"], defaults=defaults, decode_timestep=args.decode_timestep,
            decode_noise_scale=args.decode_noise_scale, injected_noise=scales,
            sampling={"pipeline": pipeline, **({"timesteps": timesteps} if timesteps else {})} if condition else None)
        manifest.write(m, os.path.join(args.out, "kino.json"))
        log("kino.json written")
    finish(report_path, args.out, started, precision, args.attention)


if __name__ == "__main__":
    main()

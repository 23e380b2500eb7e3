#!/usr/bin/env python3
"""Exports a diffusers HunyuanVideo 1.5 folder (``HunyuanVideo15Pipeline`` or ``HunyuanVideo15ImageToVideoPipeline``)
to a Kino package.

Folder: ``model_index.json``, ``tokenizer/`` + ``text_encoder/`` (Qwen2.5-VL), ``tokenizer_2/`` + ``text_encoder_2/``
(ByT5), ``transformer/``, ``vae/``, ``scheduler/``, ``guider/``. Package:

    kino.json                                   manifest: two text encoders, the denoiser's inputs for each
    tokenizer.json, tokenizer_2.json            Qwen2 tokenizer (pad token set), ByT5's byte rule as tokenizers JSON
    text_encoder.onnx   + .onnx_data            Qwen2.5-VL text stack up to hidden state -3 (kinoexport/hunyuan/qwen.py)
    text_encoder_2.onnx + .onnx_data            ByT5 encoder (kinoexport/common/umt5.py, model_type t5), ids + mask
    denoiser.onnx       + .onnx_data            HunyuanVideo15Transformer3DModel, text-to-video (kinoexport/hunyuan/denoiser.py)
    vae_decoder.onnx    + .onnx_data            AutoencoderKLHunyuanVideo15 decoder, whole clip (kinoexport/hunyuan/vae.py)
    image-to-video only:
    image_encoder.onnx  + .onnx_data            SigLIP vision tower, last_hidden_state (kinoexport/hunyuan/siglip.py)
    vae_encoder.onnx    + .onnx_data            the VAE encoder's mean (posterior mode), for the picture
    export_report.json                          every check, file sizes, time, peak RSS

Weights are streamed tensor by tensor into the external data (kinoexport/common/onnx_weights.py); transformers is
not imported. Before export the rewrites are compared with diffusers on the folder's own weights (the transformer
with one block, the VAE whole) and the run stops above 1e-4; ``--verify`` also runs every exported graph against
its PyTorch module. fp32 only for now (the precision modes of the other families are not wired here yet).

    python models/export/export_hunyuan.py HunyuanVideo-1.5-480p_t2v models/hunyuan15-480p [--verify]
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kinoexport.common import checks as verify, onnx_weights as ow, t5_export, umt5  # noqa: E402
from kinoexport.common.package import load_real  # noqa: E402
from kinoexport.common.report import fail_if_bad, finish, log  # noqa: E402
from kinoexport.hunyuan import denoiser as dn, manifest, qwen, siglip, text, vae as hvae  # noqa: E402


def export_qwen(src, out, do_verify):
    folder = os.path.join(src, "text_encoder")
    cfg = qwen.QwenTextConfig.from_folder(folder)
    path = os.path.join(out, "text_encoder.onnx")
    with torch.device("meta"):
        enc = qwen.QwenTextEncoder(cfg, text.SKIP_LAYERS)
    ow.to_placeholders_(enc)
    ids, mask = torch.ones(2, 16, dtype=torch.int64), torch.ones(2, 16, dtype=torch.int64)
    graph = ow.export_graph(enc, (ids, mask), path, qwen.TEXT_INPUTS, qwen.TEXT_OUTPUTS, qwen.TEXT_AXES)
    source = ow.SafetensorsSource(folder)
    buffers = dict(enc.named_buffers())

    def fetch(name, dt):
        if name in buffers:           # the rotary frequencies: computed, not in the checkpoint
            return buffers[name].numpy().astype(dt)
        return ow.torch_to_numpy(source.get(qwen.QwenTextEncoder.source_key(name, source)), dt)

    weights = ow.WeightFile(path + "_data")
    ow.attach_weights(graph, qwen.TEXT_INPUTS, fetch, weights)
    weights.close()
    ow.save_graph(graph, path)
    log(f"text_encoder.onnx (Qwen2.5-VL text, {cfg.num_layers - text.SKIP_LAYERS} of {cfg.num_layers} layers, "
        f"{weights.bytes / 2**30:.2f} GiB of weights)")
    if do_verify:
        real = qwen.QwenTextEncoder(cfg, text.SKIP_LAYERS).eval()
        real.load_state_dict({k: source.get(qwen.QwenTextEncoder.source_key(k, source)).float()
                              for k in real.state_dict()})
        fail_if_bad("text_encoder onnx vs torch", verify_text(path, real, cfg.vocab_size), 1e-4)


def export_byt5(src, out, do_verify):
    folder = os.path.join(src, "text_encoder_2")
    cfg = umt5.UMT5Config.from_folder(folder)
    if not cfg.shared_bias:
        raise SystemExit(f"{folder}: expected a T5 encoder (ByT5, model_type t5), found {cfg.model_type}")
    path = os.path.join(out, "text_encoder_2.onnx")
    size = t5_export.export(folder, cfg, path)
    log(f"text_encoder_2.onnx (ByT5, {size / 2**20:.1f} MiB of weights)")
    if do_verify:
        fail_if_bad("text_encoder_2 onnx vs torch", verify_text(path, t5_export.load(folder, cfg), 259), 1e-4)


@torch.no_grad()
def verify_text(path, encoder, vocab, shapes=((2, 24), (1, 9))):
    sess = verify.session(path)
    g = torch.Generator().manual_seed(3)
    out = {}
    for b, length in shapes:
        ids = torch.randint(3, vocab, (b, length), generator=g)
        mask = torch.ones(b, length, dtype=torch.int64)
        mask[-1, length // 2:] = 0
        ids[-1, length // 2:] = 0
        got = sess.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0]
        out[f"{b}x{length}"] = verify.rel(got, encoder(ids, mask).numpy())
    return out


def export_denoiser(folder, path, do_verify, check=True, image_tokens=0, attention="sdpa"):
    """``image_tokens``: the image encoder's token count for an image-to-video transformer (0: text-to-video)."""
    from diffusers import HunyuanVideo15Transformer3DModel
    config = HunyuanVideo15Transformer3DModel.load_config(folder)
    if config.get("use_meanflow"):
        raise SystemExit(f"{folder}: use_meanflow (the step-distilled/super-resolution transformers take a second "
                         "timestep) is not exported yet; use a folder without it")
    inputs = dn.inputs(image_tokens > 0)
    if check:
        small = load_real(HunyuanVideo15Transformer3DModel, folder, num_layers=1)
        fail_if_bad("denoiser rewrites (block 0, real weights)", dn.check_rewrites(small, image_tokens=image_tokens,
                                                                           attention_kind=attention),
                    1e-4)
        del small
    with torch.device("meta"):
        t = HunyuanVideo15Transformer3DModel.from_config(config)
    ow.to_placeholders_(t)
    wrapper = dn.KinoHunyuan(t, image=image_tokens > 0, attention_kind=attention)
    example = dn.example_inputs(t.config, 2, 2, 3, 4, 12, 8, image_tokens=min(image_tokens, 5))
    graph = ow.export_graph(wrapper, example, path, inputs, dn.OUTPUTS, dn.AXES)
    log(f"{os.path.basename(path)}: graph traced ({len(graph.graph.node)} nodes)")
    source = ow.SafetensorsSource(folder)
    weights = ow.WeightFile(path + "_data")
    ow.attach_weights(graph, inputs, lambda name, dt: ow.torch_to_numpy(source.get(name.removeprefix("t.")), dt),
                      weights)
    weights.close()
    ow.save_graph(graph, path)
    log(f"{os.path.basename(path)} (fp32, {weights.bytes / 2**30:.2f} GiB of weights)")
    if do_verify:
        real = load_real(HunyuanVideo15Transformer3DModel, folder)
        sess = verify.session(path)
        res = {}
        for shape in ((2, 2, 3, 4, 12, 8), (1, 1, 2, 3, 7, 5)):
            x = dn.example_inputs(real.config, *shape, image_tokens=image_tokens)
            got = sess.run(None, dict(zip(inputs, (a.numpy() for a in x))))[0]
            res["x".join(map(str, shape))] = verify.rel(got, dn.reference_forward(real, *x).numpy())
        fail_if_bad("denoiser onnx vs diffusers", res, 1e-4)
    return dict(config)


def export_vae(src, out, do_verify):
    from diffusers import AutoencoderKLHunyuanVideo15
    real = load_real(AutoencoderKLHunyuanVideo15, os.path.join(src, "vae"))
    fail_if_bad("vae rewrites (whole decoder, real weights)", hvae.check_rewrites(real), 1e-4)
    with torch.device("meta"):
        v = AutoencoderKLHunyuanVideo15.from_config(real.config)
    ow.to_placeholders_(v)
    path = os.path.join(out, "vae_decoder.onnx")
    z = torch.zeros(1, real.config.latent_channels, 2, 2, 3)
    graph = ow.export_graph(hvae.Decoder(v), (z,), path, hvae.INPUTS, hvae.OUTPUTS, hvae.AXES)
    source = ow.SafetensorsSource(os.path.join(src, "vae"))
    weights = ow.WeightFile(path + "_data")
    ow.attach_weights(graph, hvae.INPUTS, lambda name, dt: ow.torch_to_numpy(source.get(name), dt), weights)
    weights.close()
    ow.save_graph(graph, path)
    log(f"vae_decoder.onnx ({weights.bytes / 2**20:.1f} MiB of weights)")
    if do_verify:
        sess = verify.session(path)
        res = {}
        g = torch.Generator().manual_seed(7)
        for f, h, w in ((2, 2, 3), (3, 3, 2)):
            z = torch.randn(1, real.config.latent_channels, f, h, w, generator=g)
            with torch.no_grad():
                ref = real.decode(z, return_dict=False)[0].numpy()
            res[f"1x{f}x{h}x{w}"] = verify.rel(sess.run(None, {"latent": z.numpy()})[0], ref)
        fail_if_bad("vae_decoder onnx vs diffusers", res, 1e-4)
    return real


def export_image_encoder(src, out, do_verify):
    """image_encoder/ (SiglipVisionModel weights) -> image_encoder.onnx; returns the tower's config."""
    folder = os.path.join(src, "image_encoder")
    cfg = siglip.SiglipVisionConfig.from_folder(folder)
    path = os.path.join(out, "image_encoder.onnx")
    with torch.device("meta"):
        tower = siglip.SiglipVisionTower(cfg)
    ow.to_placeholders_(tower)
    graph = ow.export_graph(tower, (torch.zeros(1, 3, cfg.image_size, cfg.image_size),), path, siglip.INPUTS,
                            siglip.OUTPUTS, siglip.AXES)
    source = ow.SafetensorsSource(folder)
    keys = set(source.keys())
    weights = ow.WeightFile(path + "_data")
    ow.attach_weights(graph, siglip.INPUTS, lambda name, dt: ow.torch_to_numpy(
        source.get(siglip.SiglipVisionTower.source_key(name, keys)), dt), weights)
    weights.close()
    ow.save_graph(graph, path)
    log(f"image_encoder.onnx (SigLIP, {cfg.num_layers} layers, {cfg.tokens} tokens, "
        f"{weights.bytes / 2**20:.1f} MiB of weights)")
    if do_verify:
        real = siglip.load(folder)
        sess = verify.session(path)
        g = torch.Generator().manual_seed(4)
        res = {}
        for b in (1, 2):
            x = torch.rand(b, 3, cfg.image_size, cfg.image_size, generator=g) * 2 - 1
            with torch.no_grad():
                res[f"batch {b}"] = verify.rel(sess.run(None, {"pixel_values": x.numpy()})[0], real(x).numpy())
        fail_if_bad("image_encoder onnx vs torch", res, 1e-4)
    return cfg


def export_vae_encoder(src, out, real, do_verify):
    """The VAE encoder's mean as vae_encoder.onnx (the picture's latents, before scaling)."""
    from diffusers import AutoencoderKLHunyuanVideo15
    fail_if_bad("vae encoder rewrites (real weights)", hvae.check_encoder(real), 1e-4)
    with torch.device("meta"):
        v = AutoencoderKLHunyuanVideo15.from_config(real.config)
    ow.to_placeholders_(v)
    path = os.path.join(out, "vae_encoder.onnx")
    x = torch.zeros(1, 3, 1, 32, 48)    # one frame: the trace of the temporal downsamplers holds for that count only
    graph = ow.export_graph(hvae.Encoder(v), (x,), path, hvae.ENCODER_INPUTS, hvae.ENCODER_OUTPUTS,
                            hvae.ENCODER_AXES)
    source = ow.SafetensorsSource(os.path.join(src, "vae"))
    weights = ow.WeightFile(path + "_data")
    ow.attach_weights(graph, hvae.ENCODER_INPUTS, lambda name, dt: ow.torch_to_numpy(source.get(name), dt),
                      weights)
    weights.close()
    ow.save_graph(graph, path)
    log(f"vae_encoder.onnx ({weights.bytes / 2**20:.1f} MiB of weights)")
    if do_verify:
        sess = verify.session(path)
        res = {}
        g = torch.Generator().manual_seed(8)
        for f, h, w in ((1, 64, 48), (1, 32, 32)):
            x = torch.rand(1, 3, f, h, w, generator=g) * 2 - 1
            with torch.no_grad():
                ref = real.encode(x).latent_dist.mode().numpy()
            res[f"1x{f}x{h}x{w}"] = verify.rel(sess.run(None, {"sample": x.numpy()})[0], ref)
        fail_if_bad("vae_encoder onnx vs diffusers", res, 1e-4)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", help="diffusers HunyuanVideo 1.5 folder")
    ap.add_argument("out", help="package folder to write")
    ap.add_argument("--only", default="tokenizer,text_encoder,image_encoder,denoiser,vae,manifest",
                    help="comma-separated subset of tokenizer,text_encoder,image_encoder,denoiser,vae,manifest "
                         "(image_encoder, and the VAE encoder with vae: image-to-video folders only)")
    ap.add_argument("--verify", action="store_true", help="also compare every graph with its PyTorch module")
    ap.add_argument("--attention", choices=["sdpa", "mha"], default="sdpa",
                    help="the transformer blocks' attention: MatMul/Softmax/MatMul with an additive key mask (sdpa, "
                         "any runtime) or ONNX Runtime's fused com.microsoft.MultiHeadAttention with "
                         "key_padding_mask (mha)")
    ap.add_argument("--no-check", action="store_true", help="skip the transformer's rewrite check on real weights")
    ap.add_argument("--name", help="package name (default: the folder name)")
    for key in ("width", "height", "frames", "fps", "steps"):
        ap.add_argument(f"--{key}", type=int, default=manifest.DEFAULTS[key])
    ap.add_argument("--guidance", type=float, help="default: the folder's guider (guidance_scale)")
    args = ap.parse_args()
    only = set(args.only.split(","))
    os.makedirs(args.out, exist_ok=True)
    started = time.time()
    tok = os.path.join(args.src, "tokenizer")
    index = json.load(open(os.path.join(args.src, "model_index.json")))
    image_model = index.get("_class_name") == "HunyuanVideo15ImageToVideoPipeline"
    icfg = siglip.SiglipVisionConfig.from_folder(os.path.join(args.src, "image_encoder")) if image_model else None
    if image_model and "image_encoder" in only:
        export_image_encoder(args.src, args.out, args.verify)
    if "tokenizer" in only:
        text.export_qwen_tokenizer(tok, args.out)
        with open(os.path.join(args.out, "tokenizer_2.json"), "w") as f:
            json.dump(text.byt5_tokenizer_json(), f, ensure_ascii=False)
        text.check_byt5_tokenizer(os.path.join(args.out, "tokenizer_2.json"))
    if "text_encoder" in only:
        export_qwen(args.src, args.out, args.verify)
        export_byt5(args.src, args.out, args.verify)
    if "denoiser" in only:
        export_denoiser(os.path.join(args.src, "transformer"), os.path.join(args.out, "denoiser.onnx"), args.verify,
                        check=not args.no_check, image_tokens=icfg.tokens if icfg else 0, attention=args.attention)
    if "vae" in only:
        real_vae = export_vae(args.src, args.out, args.verify)
        if image_model:
            export_vae_encoder(args.src, args.out, real_vae, args.verify)
    if "manifest" in only:
        guider = json.load(open(os.path.join(args.src, "guider", "guider_config.json")))
        guidance = args.guidance if args.guidance is not None else float(guider.get("guidance_scale", 6.0))
        if guider.get("use_original_formulation") or guider.get("guidance_rescale", 0.0):
            raise SystemExit("guider: use_original_formulation / guidance_rescale are not what Kino's guidance does")
        image = None
        if image_model:
            fe = os.path.join(args.src, "feature_extractor", "preprocessor_config.json")
            image = manifest.conditioning(icfg, json.load(open(fe)) if os.path.exists(fe) else {})
        tcfg = json.load(open(os.path.join(args.src, "transformer", "config.json")))
        m = manifest.build(
            args.name or os.path.basename(os.path.normpath(args.src)),
            f"HunyuanVideo 1.5 {'image' if image_model else 'text'}-to-video exported by "
            "models/export/export_hunyuan.py (fp32)", image=image, in_channels=tcfg["in_channels"],
            template=text.render_template(tok),
            scheduler_config=json.load(open(os.path.join(args.src, "scheduler", "scheduler_config.json"))),
            vae_config=json.load(open(os.path.join(args.src, "vae", "config.json"))), guidance=guidance,
            defaults={k: getattr(args, k) for k in ("width", "height", "frames", "fps", "steps")}
            | {"negative_prompt": manifest.DEFAULTS["negative_prompt"]}, weights="fp32")
        manifest.write(m, os.path.join(args.out, "kino.json"))
        log("kino.json written")
    finish(os.path.join(args.out, "export_report.json"), args.out, started, attention=args.attention)


if __name__ == "__main__":
    main()

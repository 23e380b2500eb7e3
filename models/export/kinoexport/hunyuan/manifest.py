"""The ``kino.json`` of a HunyuanVideo 1.5 text-to-video package (format: models/README.md), written by
models/kino_manifest.py. Two text encoders: the Qwen2.5-VL one feeds the denoiser's ``encoder_hidden_states``,
the ByT5 one (quoted text only) its ``encoder_hidden_states_2``."""
import os
import sys

from . import text

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
import kino_manifest  # noqa: E402

# HunyuanVideo15Pipeline.__call__'s defaults: 121 frames, 50 steps; 480p 16:9 (its target_size 640 rounded to the
# VAE's 16 px); 24 fps as the model card's examples write the video. Guidance: the folder's guider.
DEFAULTS = {"width": 848, "height": 480, "frames": 121, "fps": 24, "steps": 50, "negative_prompt": ""}


def conditioning(siglip_config, processor):
    """Image-to-video (``HunyuanVideo15ImageToVideoPipeline``): the picture, crop-resized (lanczos) to the video's
    size, is encoded alone (``encode: first_picture``) into latent frame 0 of 32 condition channels that come
    before the one mask channel (``layout: latents_mask``), scaled by ``vae.scaling_factor``; SigLIP's tokens of
    the picture at the video's size (``picture: resized``), resized straight to SigLIP's square (no
    ``shortest_edge``: no centre crop), feed ``image_embeds``."""
    size = processor.get("size", {})
    return {
        "mode": "concat", "image": "required", "last_image": "unsupported", "resize": "lanczos",
        "mask_channels": 1, "layout": "latents_mask", "encode": "first_picture",
        "vae_encoder": {"kind": "3d", "file": "vae_encoder.onnx", "input": "sample", "output": "latent"},
        "image_encoder": {
            "file": "image_encoder.onnx", "input": "pixel_values", "output": "image_embeds",
            "denoiser_input": "image_embeds", "images": 1, "tokens": siglip_config.tokens, "picture": "resized",
            "crop_height": int(size.get("height", siglip_config.image_size)),
            "crop_width": int(size.get("width", siglip_config.image_size)),
            "resample": {2: "bilinear", 3: "bicubic", 1: "lanczos"}[int(processor.get("resample", 3))],
            "mean": [float(v) for v in processor.get("image_mean", [0.5] * 3)],
            "std": [float(v) for v in processor.get("image_std", [0.5] * 3)]},
    }


def build(name, description, *, template, scheduler_config, vae_config, guidance, defaults, weights,
          image=None, in_channels=None):
    """``image``: :func:`conditioning`'s section for an image-to-video package (then ``in_channels``: the
    denoiser's, 65)."""
    spatial, temporal = vae_config["spatial_compression_ratio"], vae_config["temporal_compression_ratio"]
    text_encoder = {
        "file": "text_encoder.onnx", "precision": "fp32", "weights": weights, "max_length": text.MAX_LENGTH,
        "padding": "max_length", "input_ids": "input_ids", "attention_mask": "attention_mask",
        "output": "hidden_states", "dynamic_batch": True, "zero_padding": False, "clean_prompt": False,
        "template": template, "empty_prompt": " ", "crop_start": text.CROP_START, "layer": -(text.SKIP_LAYERS + 1),
    }
    glyphs = {
        "tokenizer": "tokenizer_2.json", "file": "text_encoder_2.onnx", "precision": "fp32", "weights": weights,
        "max_length": text.MAX_LENGTH_2, "padding": "max_length", "input_ids": "input_ids",
        "attention_mask": "attention_mask", "output": "last_hidden_state", "dynamic_batch": True,
        "quoted": dict(text.QUOTED), "denoiser_input": "encoder_hidden_states_2",
        "denoiser_mask": "encoder_attention_mask_2",
    }
    denoiser = {
        "file": "denoiser.onnx", "precision": "fp32", "weights": weights, "dynamic_batch": True,
        "sample": "hidden_states", "timestep": "timestep", "text_embeddings": "encoder_hidden_states",
        "text_mask": "encoder_attention_mask", "output": "noise_pred", "prediction_type": "flow",
        "timestep_dtype": "float32", "timestep_scale": 1.0, "patch_size": [1, 1, 1],
    }
    if image:
        denoiser["in_channels"] = in_channels
        denoiser["image_embeddings"] = image["image_encoder"]["denoiser_input"]
    vae = {"kind": "3d", "file": "vae_decoder.onnx", "precision": "fp32", "dynamic_batch": True, "input": "latent",
           "output": "frames", "scaling_factor": float(vae_config["scaling_factor"]), "shift_factor": 0.0}
    latent = {"channels": vae_config["latent_channels"], "spatial_compression": spatial,
              "temporal_compression": temporal, "causal": True, "size_multiple": spatial}
    m = kino_manifest.manifest(name, description, text_encoder=text_encoder, latent=latent,
                               defaults=dict(defaults, guidance=guidance), denoiser=denoiser,
                               scheduler=dict(scheduler_config), vae=vae, extra_text_encoders=[glyphs],
                               sampling={"sigmas": "linspace"}, conditioning=image)
    return m


def write(m, path):
    kino_manifest.write(m, path)

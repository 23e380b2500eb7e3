"""The ``kino.json`` of an LTX-Video package (format: models/README.md; LTX keys: models/export/README.md),
built and written by models/kino_manifest.py, the writer every package maker shares."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
import kino_manifest  # noqa: E402

# LTXPipeline's defaults (pipeline_ltx.py __call__) and the negative prompt of LTX-Video's own inference
# script and diffusers' LTX examples (LTXPipeline itself defaults to "").
DEFAULT_NEGATIVE_PROMPT = "worst quality, inconsistent motion, blurry, jittery, distorted"
DEFAULTS = {"width": 704, "height": 480, "frames": 161, "fps": 25, "steps": 50, "guidance": 3.0,
            "negative_prompt": DEFAULT_NEGATIVE_PROMPT}


def build(name, description, *, scheduler_config, vae_config, latents_mean, latents_std, text_max_length, weights,
          in_channels, defaults, decode_timestep=None, decode_noise_scale=None, injected_noise=(), sampling=None):
    """Graph inputs/outputs are float32 (int64 ids and mask) whatever the weights; ``weights`` says how the
    text encoder's and denoiser's weights are stored (the VAE's are always fp32). ``injected_noise``: the
    scales of a 0.9.1 decoder's noise planes, in draw order; ``sampling``: LTXConditionPipeline's section."""
    spatial = vae_config.get("spatial_compression_ratio") or \
        vae_config["patch_size"] * 2 ** sum(vae_config["spatio_temporal_scaling"])
    temporal = vae_config.get("temporal_compression_ratio") or \
        vae_config["patch_size_t"] * 2 ** sum(vae_config["spatio_temporal_scaling"])
    denoiser = {
        "file": "denoiser.onnx", "precision": "fp32", "weights": weights, "dynamic_batch": True,
        "sample": "hidden_states", "timestep": "timestep", "text_embeddings": "encoder_hidden_states",
        "text_mask": "encoder_attention_mask", "frame_rate": "frame_rate",
        "output": "noise_pred", "prediction_type": "flow", "timestep_dtype": "float32",
        "timestep_scale": 1.0, "patch_size": [1, 1, 1],
    }
    vae = {
        "kind": "3d", "file": "vae_decoder.onnx", "precision": "fp32", "dynamic_batch": True,
        "input": "latent", "output": "frames",
        "denormalize": "multiply_std", "scaling_factor": float(vae_config.get("scaling_factor", 1.0)),
        "latents_mean": [float(v) for v in latents_mean], "latents_std": [float(v) for v in latents_std],
    }
    if vae_config.get("timestep_conditioning"):
        vae.update({"timestep": "timestep", "decode_timestep": float(decode_timestep),
                    "decode_noise_scale": float(decode_noise_scale if decode_noise_scale is not None
                                                else decode_timestep)})
    if injected_noise:
        vae["injected_noise"] = [{"input": f"injected_noise_{i}", "scale": int(s)} for i, s in enumerate(injected_noise)]
    text_encoder = {
        # LTXPipeline calls the T5 encoder with the ids alone: padded positions are encoded and then
        # masked in the denoiser's cross-attention (denoiser.text_mask), not zeroed
        "file": "text_encoder.onnx", "precision": "fp32", "weights": weights, "max_length": text_max_length,
        "padding": "max_length", "input_ids": "input_ids", "output": "last_hidden_state",
        "dynamic_batch": True, "zero_padding": False, "clean_prompt": False,
    }
    latent = {"channels": in_channels, "spatial_compression": spatial, "temporal_compression": temporal,
              "causal": True, "size_multiple": spatial}
    m = kino_manifest.manifest(name, description, text_encoder=text_encoder, latent=latent, defaults=defaults,
                               denoiser=denoiser, scheduler=dict(scheduler_config), vae=vae)
    if sampling:
        m["sampling"] = sampling
    return m


def write(manifest, path):
    """Checks and writes MANIFEST to PATH through the one manifest writer every package maker shares."""
    kino_manifest.write(manifest, path)

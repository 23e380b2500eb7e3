"""The ``kino.json`` of a Wan package (format described in models/README.md and models/export/README.md),
built and written by models/kino_manifest.py, the writer every package maker shares."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
import kino_manifest  # noqa: E402

# The scheduler a Wan 2.1 T2V diffusers folder ships (scheduler/scheduler_config.json): diffusers'
# convert_wan_to_diffusers.py builds UniPCMultistepScheduler(prediction_type="flow_prediction",
# use_flow_sigmas=True, num_train_timesteps=1000, flow_shift=3.0); the folder stores its full config.
WAN21_SCHEDULER_ARGS = dict(prediction_type="flow_prediction", use_flow_sigmas=True, num_train_timesteps=1000,
                            flow_shift=3.0)


def build(name, description, *, scheduler_config, vae_config, text_max_length, weights, patch_size, in_channels,
          cache_inputs, cache_outputs, defaults, experts=None, denoiser_file="denoiser.onnx", conditioning=None,
          vae_encoder=None, control=None):
    """``experts``: None (Wan 2.1: one denoiser) or [{"file", "boundary_ratio", "guidance"}, ...] ordered
    from high noise to low noise (Wan 2.2 A14B).

    ``precision`` is what the graphs take and return, and Kino checks it against their signatures: every
    Wan graph has float32 inputs/outputs (fp16 exports cast inside), so it is always ``fp32``.
    ``weights`` (informational, ``fp32`` or ``fp16``) is how the text encoder's and denoiser's weights
    are stored; the VAE's are always fp32."""
    denoiser = {
        "file": denoiser_file, "precision": "fp32", "weights": weights, "dynamic_batch": True,
        "sample": "hidden_states", "timestep": "timestep", "text_embeddings": "encoder_hidden_states",
        "output": "noise_pred", "prediction_type": "flow", "timestep_dtype": "float32",
        "timestep_scale": 1.0, "patch_size": list(patch_size),
    }
    if experts:
        denoiser["experts"] = experts
    if control:     # Wan VACE: the control latents and per-layer scales (models/README.md)
        denoiser["control"] = control
    for key in ("latents_mean", "latents_std"):
        if len(vae_config[key]) != vae_config["z_dim"]:
            raise ValueError(f"vae config: {len(vae_config[key])} {key} values for {vae_config['z_dim']} channels")
    if in_channels != vae_config["z_dim"]:
        denoiser["in_channels"] = in_channels
    if conditioning and conditioning["mode"] == "expand_timesteps":
        denoiser["timestep_per_frame"] = True
    if conditioning and "image_encoder" in conditioning:
        denoiser["image_embeddings"] = conditioning["image_encoder"]["denoiser_input"]
    return kino_manifest.manifest(
        name, description,
        text_encoder={
            "file": "text_encoder.onnx", "precision": "fp32", "weights": weights, "max_length": text_max_length,
            "padding": "max_length", "input_ids": "input_ids", "attention_mask": "attention_mask",
            "output": "last_hidden_state", "dynamic_batch": True, "zero_padding": True,
            "clean_prompt": True,
        },
        latent={
            "channels": vae_config["z_dim"], "spatial_compression": vae_config.get("scale_factor_spatial", 8),
            "temporal_compression": vae_config.get("scale_factor_temporal", 4), "causal": True,
            "size_multiple": vae_config.get("scale_factor_spatial", 8) * patch_size[1],
        },
        defaults=defaults,
        denoiser=denoiser,
        scheduler=scheduler_config,
        vae={
            "kind": "causal", "file": "vae_decoder_first.onnx", "next_file": "vae_decoder_next.onnx",
            "precision": "fp32", "dynamic_batch": True, "input": "latent", "output": "frames",
            "cache_inputs": cache_inputs, "cache_outputs": cache_outputs,
            "frames_first": 1, "frames_next": vae_config.get("scale_factor_temporal", 4),
            "latents_mean": [float(v) for v in vae_config["latents_mean"]],
            "latents_std": [float(v) for v in vae_config["latents_std"]],
        },
        conditioning=conditioning, vae_encoder=vae_encoder)


def vae_encoder(vae_config, encoder_caches):
    """The causal VAE encoder's two step graphs: under ``conditioning`` for image models, at the top of a
    text model's manifest (video-to-video: the source video is encoded)."""
    caches_in, caches_out = encoder_caches
    return {"file": "vae_encoder_first.onnx", "next_file": "vae_encoder_next.onnx", "input": "video",
            "output": "latent", "cache_inputs": caches_in, "cache_outputs": caches_out, "frames_first": 1,
            "frames_next": vae_config.get("scale_factor_temporal", 4)}


def conditioning(*, mode, last_image, vae_config, encoder_caches, image_encoder=None):
    """What an image model takes (models/export/README.md, "Image conditioning").

    ``mode``: ``concat`` (Wan 2.1 I2V/FLF2V, Wan 2.2 I2V-A14B: mask and condition latents concatenated
    to the noise) or ``expand_timesteps`` (Wan 2.2 TI2V-5B: the first latent frame is the clean image
    latent, timestep 0). ``last_image``: ``required`` (FLF2V), ``optional`` or ``unsupported``.
    ``image_encoder``: (CLIPVisionConfig, preprocessor config dict, images per prompt) or None."""
    c = {
        "mode": mode,
        "image": "optional" if mode == "expand_timesteps" else "required",
        "last_image": last_image,
        # diffusers' VideoProcessor.preprocess: PIL resize to (width, height), then 2 * x / 255 - 1
        "resize": "lanczos",
        "vae_encoder": vae_encoder(vae_config, encoder_caches),
    }
    if mode == "concat":
        c["mask_channels"] = vae_config.get("scale_factor_temporal", 4)
    if image_encoder is not None:
        cfg, proc, images = image_encoder
        size = proc.get("size", {})
        crop = proc.get("crop_size", {})
        c["image_encoder"] = {
            "file": "image_encoder.onnx", "input": "pixel_values", "output": "image_embeds",
            "denoiser_input": "encoder_hidden_states_image", "images": images, "tokens": cfg.tokens,
            # CLIPImageProcessor: shortest edge -> size (PIL bicubic), centre crop, x / 255, (x - mean) / std
            "shortest_edge": size.get("shortest_edge", cfg.image_size) if isinstance(size, dict) else size,
            "crop_height": crop.get("height", cfg.image_size) if isinstance(crop, dict) else crop,
            "crop_width": crop.get("width", cfg.image_size) if isinstance(crop, dict) else crop,
            "resample": {2: "bilinear", 3: "bicubic", 1: "lanczos"}.get(proc.get("resample", 3), "bicubic"),
            "mean": [float(v) for v in proc.get("image_mean", [0.48145466, 0.4578275, 0.40821073])],
            "std": [float(v) for v in proc.get("image_std", [0.26862954, 0.26130258, 0.27577711])],
        }
    return c


def write(manifest, path):
    kino_manifest.write(manifest, path)

"""The ``kino.json`` of a Wan package (format described in models/README.md and models/export/README.md),
built and written by models/kino_manifest.py, the writer every package maker shares."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
import kino_manifest  # noqa: E402

# The scheduler a Wan 2.1 T2V diffusers folder ships (scheduler/scheduler_config.json): diffusers'
# convert_wan_to_diffusers.py builds UniPCMultistepScheduler(prediction_type="flow_prediction",
# use_flow_sigmas=True, num_train_timesteps=1000, flow_shift=3.0); the folder stores its full config.
WAN21_SCHEDULER_ARGS = dict(prediction_type="flow_prediction", use_flow_sigmas=True, num_train_timesteps=1000,
                            flow_shift=3.0)


def build(name, description, *, scheduler_config, vae_config, text_max_length, weights, patch_size, in_channels,
          cache_inputs, cache_outputs, defaults, experts=None, denoiser_file="denoiser.onnx"):
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
    return kino_manifest.manifest(
        name, description,
        text_encoder={
            "file": "text_encoder.onnx", "precision": "fp32", "weights": weights, "max_length": text_max_length,
            "padding": "max_length", "input_ids": "input_ids", "attention_mask": "attention_mask",
            "output": "last_hidden_state", "dynamic_batch": True, "zero_padding": True,
            "clean_prompt": True,
        },
        latent={
            "channels": in_channels, "spatial_compression": vae_config.get("scale_factor_spatial", 8),
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
        })


def write(manifest, path):
    kino_manifest.write(manifest, path)

"""The LTX-Video VAE decoder (diffusers ``AutoencoderKLLTXVideo``) as one ONNX graph for the whole clip.

``AutoencoderKLLTXVideo.decode(z, temb)`` without tiling runs ``decoder(z, temb)`` on the whole clip at
once; the 0.9.1+ decoders are not causal (``decoder_causal`` false: each convolution pads in time by
repeating the first and last frames), so the clip cannot be cut into independent chunks, and their latent
is 32x smaller per side and 8x shorter than the video: the whole-clip graph is what diffusers computes.

The graph is the original decoder module, traced as it is, with one export fix: the decoder's
``x.movedim(1, -1)`` around its norms traces to an ONNX Transpose with a negative axis (invalid), so
during the trace ``movedim`` gets its axes as non-negative numbers (same permutation). Inputs ``latent``
[B, 128, F, h, w] (already denormalised and mixed with the decode noise, see models/export/README.md) and,
for timestep-conditioned decoders, ``timestep`` [B] (``decode_timestep``; the decoder multiplies it by its
``timestep_scale_multiplier``); output ``frames`` [B, 3, 8(F-1)+1, 32h, 32w], not clamped (the engine's
8-bit conversion clamps, as diffusers' VideoProcessor does).
"""
import contextlib

import torch
import torch.nn as nn


class KinoLtxVaeDecoder(nn.Module):
    def __init__(self, vae):
        super().__init__()
        if any(vae.config.get("decoder_inject_noise", ()) or ()):
            raise NotImplementedError("decoders that inject noise (decoder_inject_noise) draw from torch's global "
                                      "generator and cannot be reproduced; LTX-Video 0.9.x decoders do not")
        self.decoder = vae.decoder
        self.timestep_conditioning = bool(vae.config.timestep_conditioning)

    def forward(self, latent, timestep=None):
        with positive_movedim():
            return self.decoder(latent, timestep if self.timestep_conditioning else None)


@contextlib.contextmanager
def positive_movedim():
    original = torch.Tensor.movedim

    def movedim(self, source, destination):
        n = self.dim()
        return original(self, source % n, destination % n)

    torch.Tensor.movedim = movedim
    try:
        yield
    finally:
        torch.Tensor.movedim = original


def io(vae):
    inputs = ["latent"] + (["timestep"] if vae.config.timestep_conditioning else [])
    axes = {"latent": {0: "batch", 2: "frames", 3: "height", 4: "width"},
            "frames": {0: "batch", 2: "out_frames", 3: "out_height", 4: "out_width"}}
    if vae.config.timestep_conditioning:
        axes["timestep"] = {0: "batch"}
    return inputs, ["frames"], axes


def example_inputs(vae, batch=1, frames=2, height=2, width=3):
    g = torch.Generator().manual_seed(5)
    z = torch.randn(batch, vae.config.latent_channels, frames, height, width, generator=g)
    return (z, torch.full((batch,), 0.05)) if vae.config.timestep_conditioning else (z,)

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

Decoders that inject noise (``decoder_inject_noise``, the LTX-Video 0.9.1 VAE): every ResNet block of a
block flagged so adds ``torch.randn(H, W)[None] * per_channel_scale`` after each of its two convolutions
(``LTXVideoResnetBlock3d.forward``). The decoder never passes a generator down (``LTXVideoDecoder3d.forward``
calls its blocks without one), so those planes come from torch's global generator. In the graph each plane
is an input, ``injected_noise_<i>`` [H_i, W_i] = [h x scale_i, w x scale_i], in the order diffusers draws them
(:func:`noise_planes` finds order and scales by running the decoder); the engine draws them from its seeded
generator (models/export/README.md).
"""
import contextlib

import torch
import torch.nn as nn


class KinoLtxVaeDecoder(nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.decoder = vae.decoder
        self.timestep_conditioning = bool(vae.config.timestep_conditioning)

    def forward(self, latent, *rest):
        timestep = rest[0] if self.timestep_conditioning else None
        planes = rest[1:] if self.timestep_conditioning else rest
        with positive_movedim(), fed_randn(planes):
            return self.decoder(latent, timestep)


def injects_noise(vae):
    return any(vae.config.get("decoder_inject_noise", ()) or ())


@contextlib.contextmanager
def fed_randn(planes):
    """``torch.randn`` returns the given planes in turn (shapes checked); with no planes it is untouched."""
    if not planes:
        yield
        return
    original, queue = torch.randn, list(planes)

    def randn(*size, generator=None, device=None, dtype=None, **kwargs):
        shape = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], int) else tuple(size)
        plane = queue.pop(0)
        if tuple(plane.shape) != tuple(int(s) for s in shape):
            raise RuntimeError(f"injected noise plane {tuple(plane.shape)} where the decoder draws {shape}")
        return plane.to(dtype or plane.dtype)

    torch.randn = randn
    try:
        yield
    finally:
        torch.randn = original
    if queue:
        raise RuntimeError(f"{len(queue)} injected noise planes were not used")


@torch.no_grad()
def noise_planes(vae, height=2, width=3):
    """The decoder's ``torch.randn`` calls in order, as scales of the latent size (checked at two sizes)."""
    found = []
    for h, w in ((height, width), (height + 1, width + 2)):
        shapes, original = [], torch.randn

        def randn(*size, **kwargs):
            shape = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], int) else tuple(size)
            shapes.append(shape)
            return original(*size, **kwargs)

        z = torch.zeros(1, vae.config.latent_channels, 2, h, w)
        t = torch.full((1,), 0.05) if vae.config.timestep_conditioning else None
        torch.randn = randn
        try:
            with positive_movedim():
                vae.decoder(z, t)
        finally:
            torch.randn = original
        scales = []
        for shape in shapes:
            if len(shape) != 2 or shape[0] % h or shape[1] % w or shape[0] // h != shape[1] // w:
                raise NotImplementedError(f"the decoder draws noise of shape {shape} for a {h}x{w} latent; "
                                          "only spatial planes [h*s, w*s] are exported")
            scales.append(shape[0] // h)
        found.append(scales)
    if found[0] != found[1]:
        raise NotImplementedError(f"the decoder's noise draws depend on the latent size: {found}")
    return found[0]


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


def io(vae, scales=()):
    inputs = ["latent"] + (["timestep"] if vae.config.timestep_conditioning else [])
    axes = {"latent": {0: "batch", 2: "frames", 3: "height", 4: "width"},
            "frames": {0: "batch", 2: "out_frames", 3: "out_height", 4: "out_width"}}
    if vae.config.timestep_conditioning:
        axes["timestep"] = {0: "batch"}
    for i, _ in enumerate(scales):
        inputs.append(f"injected_noise_{i}")
        axes[f"injected_noise_{i}"] = {0: f"noise_{i}_height", 1: f"noise_{i}_width"}
    return inputs, ["frames"], axes


def example_inputs(vae, batch=1, frames=2, height=2, width=3, scales=(), planes_seed=None):
    """Latent (+ timestep) (+ noise planes: from a generator, or, with ``planes_seed``, drawn after
    ``torch.manual_seed(planes_seed)`` as diffusers' decoder would draw them)."""
    g = torch.Generator().manual_seed(5)
    z = torch.randn(batch, vae.config.latent_channels, frames, height, width, generator=g)
    args = (z, torch.full((batch,), 0.05)) if vae.config.timestep_conditioning else (z,)
    if planes_seed is not None:
        torch.manual_seed(planes_seed)
    planes = tuple(torch.randn(height * s, width * s, generator=None if planes_seed is not None else g)
                   for s in scales)
    return args + planes

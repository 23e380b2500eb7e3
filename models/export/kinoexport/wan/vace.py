"""diffusers' ``WanVACETransformer3DModel`` (Wan 2.1 VACE 1.3B/14B) made exportable to ONNX, and its export.

The Wan transformer of :mod:`.denoiser` plus VACE's control branch: ``vace_patch_embedding`` turns the
control latents (``control_hidden_states`` [B, 96, F, H, W]: inactive latents 16, reactive latents 16, the
mask folded to 64 channels; reference images prepended as latent frames) into tokens, the VACE blocks run on
them beside the main blocks, and block ``vace_layers[k]``'s output gets hint k times
``control_hidden_states_scale[k]`` (diffusers' ``conditioning_scale``, one per VACE layer) added. The control
tokens are as many as the latent tokens (the pipeline makes them so; diffusers' zero padding of a shorter
control is not exported). Attention processors are Kino's (KinoAttnProcessor), checked against diffusers'
forward by :func:`check` on the real weights before anything is written.
"""
import os

import numpy as np
import torch

from ..common.checks import rel, session
from ..common.report import fail_if_bad
from .denoiser import KinoAttnProcessor, KinoWanDenoiser, export_streamed

CONTROL_INPUT, SCALE_INPUT = "control_hidden_states", "control_hidden_states_scale"
INPUTS = ["hidden_states", "timestep", "encoder_hidden_states", CONTROL_INPUT, SCALE_INPUT]
AXES = {"hidden_states": {0: "batch", 2: "frames", 3: "height", 4: "width"}, "timestep": {0: "batch"},
        "encoder_hidden_states": {0: "batch", 1: "text_length"},
        CONTROL_INPUT: {0: "batch", 2: "frames", 3: "height", 4: "width"},
        "noise_pred": {0: "batch", 2: "frames", 3: "height", 4: "width"}}


class KinoWanVaceDenoiser(KinoWanDenoiser):
    """WanVACETransformer3DModel.forward: (latents, timestep, text, control latents, per-layer scales) -> flow
    prediction, float32 in and out."""

    def __init__(self, transformer, attention_kind="mha"):
        super().__init__(transformer, attention_kind)
        for block in transformer.vace_blocks:
            block.attn1.set_processor(KinoAttnProcessor(attention_kind))
            block.attn2.set_processor(KinoAttnProcessor(attention_kind))
        self.vace_layers = list(transformer.config.vace_layers)

    def forward(self, hidden_states, timestep, encoder_hidden_states, control_hidden_states,
                control_hidden_states_scale):
        t = self.transformer
        dtype = t.proj_out.weight.dtype
        b, _, frames, height, width = hidden_states.shape
        pt, ph, pw = self.patch_size
        f, h, w = frames // pt, height // ph, width // pw
        rotary = self.rope(f, h, w)
        x = t.patch_embedding(hidden_states.to(t.patch_embedding.weight.dtype)).flatten(2).transpose(1, 2).to(dtype)
        c = t.vace_patch_embedding(control_hidden_states.to(t.vace_patch_embedding.weight.dtype))
        c = c.flatten(2).transpose(1, 2).to(dtype)
        temb, timestep_proj, context, _ = t.condition_embedder(timestep, encoder_hidden_states.to(dtype))
        timestep_proj = timestep_proj.unflatten(1, (6, -1))
        scales = control_hidden_states_scale.to(dtype)
        hints = []
        for k, block in enumerate(t.vace_blocks):
            hint, c = block(x, context, c, timestep_proj, rotary)
            hints.append((hint, scales[k]))
        for i, block in enumerate(t.blocks):
            x = block(x, context, timestep_proj, rotary)
            if i in self.vace_layers:
                hint, scale = hints[self.vace_layers.index(i)]
                x = x + hint * scale
        shift, scale = (t.scale_shift_table + temb.unsqueeze(1)).chunk(2, dim=1)
        x = (t.norm_out(x.float()) * (1 + scale) + shift).type_as(x)
        x = t.proj_out(x)
        x = x.reshape(b, f, h, w, pt, ph, pw, -1).permute(0, 7, 1, 4, 2, 5, 3, 6)
        return x.reshape(b, -1, f * pt, h * ph, w * pw).float()


def example_inputs(cfg, batch=2, frames=2, height=4, width=6, text_length=8):
    g = torch.Generator().manual_seed(0)
    return (torch.randn(batch, cfg.in_channels, frames, height, width, generator=g),
            torch.rand(batch, generator=g) * 1000, torch.randn(batch, text_length, cfg.text_dim, generator=g),
            torch.randn(batch, cfg.vace_in_channels, frames, height, width, generator=g),
            0.5 + torch.rand(len(cfg.vace_layers), generator=g))


def reference_forward(transformer, hs, ts, ctx, control, scale):
    return transformer(hs, ts, ctx, control_hidden_states=control, control_hidden_states_scale=scale,
                       return_dict=False)[0]


@torch.no_grad()
def check(transformer, shapes=((2, 2, 4, 6, 8), (1, 3, 6, 4, 5)), kind="sdpa"):
    """Kino's forward against diffusers' on the same module (float32 weights); {name: worst relative error}."""
    originals = [(blk.attn1.processor, blk.attn2.processor) for blk in list(transformer.blocks)
                 + list(transformer.vace_blocks)]
    worst = 0.0
    for shape in shapes:
        inputs = example_inputs(transformer.config, *shape)
        ref = reference_forward(transformer, *inputs)
        out = KinoWanVaceDenoiser(transformer, kind)(*inputs)
        for blk, (p1, p2) in zip(list(transformer.blocks) + list(transformer.vace_blocks), originals):
            blk.attn1.set_processor(p1)
            blk.attn2.set_processor(p2)
        worst = max(worst, rel(out.numpy(), ref.numpy()))
    return {"vace_forward": worst}


@torch.no_grad()
def verify(path, transformer, shapes):
    sess = session(path)
    out = {}
    for shape in shapes:
        inputs = example_inputs(transformer.config, *shape)
        ref = reference_forward(transformer, *inputs).numpy()
        got = sess.run(None, {n: x.numpy() for n, x in zip(INPUTS, inputs)})[0]
        out["x".join(map(str, shape))] = rel(got, ref)
    return out


def export(folder, path, precision, attention, do_verify, check_rewrites, load_real):
    """transformer/ (WanVACETransformer3DModel) -> denoiser.onnx + .onnx_data, weights streamed; returns its config."""
    from diffusers import WanVACETransformer3DModel
    if check_rewrites:   # the whole forward on the real weights, cut to the first main and VACE block
        small = load_real(WanVACETransformer3DModel, folder, num_layers=1, vace_layers=[0])
        fail_if_bad("VACE denoiser rewrites (block 0, real weights)", check(small), 1e-4)

    def describe(t):
        t.vace_patch_embedding.float()   # as the main patch embedding: float32 in every precision
        return KinoWanVaceDenoiser(t, attention), example_inputs(t.config), INPUTS, AXES

    config = export_streamed(WanVACETransformer3DModel, folder, path, precision, describe, "VACE graph")
    if do_verify:
        real = load_real(WanVACETransformer3DModel, folder)
        fail_if_bad(f"{os.path.basename(path)} onnx vs diffusers", verify(path, real, [(2, 2, 4, 6, 16),
                                                                                       (1, 3, 6, 4, 7)]),
                    1e-4 if precision == "fp32" else 3e-2)
    return config


def manifest_control(cfg):
    """The manifest's ``denoiser.control`` (models/README.md): the VACE inputs and their sizes."""
    return {"input": CONTROL_INPUT, "scale_input": SCALE_INPUT, "channels": int(cfg["vace_in_channels"]),
            "layers": len(cfg["vace_layers"])}


_ = np  # numpy arrays come back from the sessions

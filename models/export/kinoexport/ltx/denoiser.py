"""diffusers' ``LTXVideoTransformer3DModel`` (LTX-Video 0.9.x, 2B and 13B) made exportable to ONNX.

The real diffusers modules and weights are used; what ONNX cannot express (or expresses badly) is
rewritten, and every rewrite is compared with the original by :func:`check_rewrites`:

* ``LTXVideoAttnProcessor``: ``torch.nn.RMSNorm`` q/k norms (no ONNX op before opset 23) and diffusers'
  attention dispatcher. :class:`KinoLtxAttnProcessor` does the same math with plain ops: explicit RMS
  norms, the rotation on (even, odd) pairs, self-attention as ONNX Runtime's
  ``com.microsoft.MultiHeadAttention`` (``mha``) or MatMul/Softmax/MatMul (``sdpa``), and the masked
  cross-attention (128 text tokens) always with plain ops and the additive ``-10000`` mask.
* ``LTXVideoRotaryPosEmbed``: :class:`KinoLtxRope` computes the same float32 coordinates and angles, one
  per rotated pair, from the dynamic frames/height/width and the ``frame_rate`` input. ``causal_time``
  gives ``LTXConditionPipeline``'s coordinates instead of ``LTXPipeline``'s (see :class:`KinoLtxRope`).
* ``LTXPipeline._pack_latents`` / ``_unpack_latents`` (patch size 1: ``[B, C, F, H, W]`` <-> ``[B, F*H*W, C]``)
  are inside the graph, so the engine keeps latents as ``[B, C, F, H, W]``; the Euler step is element-wise,
  so the packed and unpacked loops are the same numbers in another order.
"""
import math

import torch
import torch.nn as nn

from ..common.layers import attention, rms_norm


def rotate_pairs(x, cos, sin):
    """diffusers' LTX ``apply_rotary_emb``: pairs (x[2i], x[2i+1]) -> (x0 c - x1 s, x1 c + x0 s), in float32.
    cos/sin are one value per pair [B, S, C/2] (diffusers repeat-interleaves them to [B, S, C])."""
    xf = x.float().unflatten(2, (-1, 2))
    x0, x1 = xf[..., 0], xf[..., 1]
    out = torch.stack([x0 * cos - x1 * sin, x1 * cos + x0 * sin], dim=-1)
    return out.flatten(2).to(x.dtype)


class KinoLtxAttnProcessor:
    """Drop-in for diffusers' LTXVideoAttnProcessor (text-to-video)."""

    def __init__(self, kind="mha"):
        self.kind = kind

    def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None, image_rotary_emb=None):
        context = hidden_states if encoder_hidden_states is None else encoder_hidden_states
        q = rms_norm(attn.to_q(hidden_states), attn.norm_q.weight, attn.norm_q.eps)
        k = rms_norm(attn.to_k(context), attn.norm_k.weight, attn.norm_k.eps)
        v = attn.to_v(context)
        if image_rotary_emb is not None:
            q = rotate_pairs(q, *image_rotary_emb)
            k = rotate_pairs(k, *image_rotary_emb)
        if attention_mask is None:
            out = attention(q, k, v, attn.heads, self.kind).type_as(q)
        else:
            out = masked_attention(q, k, v, attn.heads, attention_mask)
        return attn.to_out[0](out)


def masked_attention(q, k, v, heads, mask_bias):
    """Softmax attention with an additive [B, 1, L] bias (scores in float32; scale 1/sqrt(head_dim))."""
    qh, kh, vh = (t.unflatten(2, (heads, -1)).transpose(1, 2) for t in (q, k, v))
    scores = (qh.float() @ kh.float().transpose(-1, -2)) * (qh.shape[-1] ** -0.5) + mask_bias.float()[:, None]
    out = torch.softmax(scores, dim=-1).to(vh.dtype) @ vh
    return out.transpose(1, 2).flatten(2)


class KinoLtxRope(nn.Module):
    """LTX-Video's rotary tables as float32 [B, S, C/2] cos and sin (C = heads x head_dim), one per pair.

    diffusers: grid (f, y, x) scaled by (temporal_compression / frame_rate, spatial, spatial) x patch /
    (20, 2048, 2048); angle = freq_k x pi/2 x (2 grid - 1) with freq_k = theta^linspace(0, 1, C/6); the
    angles are ordered (freq, axis) and the first C % 6 channels are left unrotated (cos 1, sin 0).

    ``causal_time``: the time coordinate of ``LTXConditionPipeline`` (``_prepare_video_ids`` +
    ``_scale_video_ids`` handed to the transformer as ``video_coords``): latent frame f sits at the video
    frame ``max(8f + 1 - 8, 0)`` (the causal VAE's first latent frame is one video frame, the others 8),
    times ``1 / frame_rate``, over 20; ``LTXPipeline`` puts it at ``f x 8 / frame_rate / 20``."""

    def __init__(self, dim, temporal_compression, spatial_compression, patch_size=1, patch_size_t=1,
                 theta=10000.0, base=(20, 2048, 2048), causal_time=False):
        super().__init__()
        self.causal_time = causal_time
        freqs = theta ** torch.linspace(math.log(1.0, theta), math.log(theta, theta), dim // 6, dtype=torch.float32)
        self.register_buffer("freqs", freqs * math.pi / 2.0, persistent=False)
        self.pad = (dim % 6) // 2
        self.temporal_compression = float(temporal_compression)
        self.spatial_scale = float(spatial_compression)
        self.patch, self.patch_t, self.base = patch_size, patch_size_t, base

    def forward(self, batch, f, h, w, frame_rate):
        # the same float32 operations, in the same order, as LTXVideoRotaryPosEmbed._prepare_video_coords
        if self.causal_time:
            tc = int(self.temporal_compression)
            frame = (torch.arange(f, dtype=torch.int64) * tc + 1 - tc).clamp(min=0)
            gf = frame.float() * (1.0 / frame_rate.float().reshape(1)) / self.base[0]
        else:
            scale_t = self.temporal_compression / frame_rate.float().reshape(1)
            gf = torch.arange(f, dtype=torch.float32) * scale_t * self.patch_t / self.base[0]
        gh = torch.arange(h, dtype=torch.float32) * self.spatial_scale * self.patch / self.base[1]
        gw = torch.arange(w, dtype=torch.float32) * self.spatial_scale * self.patch / self.base[2]
        grid = torch.stack([gf.view(-1, 1, 1).expand(f, h, w), gh.view(1, -1, 1).expand(f, h, w),
                            gw.view(1, 1, -1).expand(f, h, w)], dim=-1).reshape(1, f * h * w, 3)
        angles = self.freqs * (grid.unsqueeze(-1) * 2 - 1)          # [1, S, 3, C/6]
        angles = angles.transpose(-1, -2).flatten(2)                # [1, S, C/6 * 3] ordered (freq, axis)
        cos, sin = angles.cos(), angles.sin()
        if self.pad:
            cos = torch.cat([torch.ones_like(cos[:, :, :self.pad]), cos], dim=-1)
            sin = torch.cat([torch.zeros_like(sin[:, :, :self.pad]), sin], dim=-1)
        return cos.expand(batch, -1, -1), sin.expand(batch, -1, -1)


class KinoLtxDenoiser(nn.Module):
    """LTXVideoTransformer3DModel.forward for text-to-video with the packing around it.

    Inputs (float32 whatever the weights): ``hidden_states`` [B, 128, F, H, W] latents, ``timestep`` [B]
    (the scheduler's timestep, sigma x 1000), ``encoder_hidden_states`` [B, L, 4096] (T5 output),
    ``encoder_attention_mask`` [B, L] int64 (1 = token, 0 = padding), ``frame_rate`` [1] (the video's fps:
    it scales the time axis of the rotary embedding). Output ``noise_pred`` [B, 128, F, H, W] float32.
    """

    def __init__(self, transformer, temporal_compression=8, spatial_compression=32, attention_kind="mha",
                 causal_time=False):
        super().__init__()
        cfg = transformer.config
        if cfg.patch_size != 1 or cfg.patch_size_t != 1:
            raise NotImplementedError("LTX transformers with patch sizes other than 1 are not exported")
        self.transformer = transformer
        inner = cfg.num_attention_heads * cfg.attention_head_dim
        self.rope = KinoLtxRope(inner, temporal_compression, spatial_compression, causal_time=causal_time)
        for block in transformer.transformer_blocks:
            block.attn1.set_processor(KinoLtxAttnProcessor(attention_kind))
            block.attn2.set_processor(KinoLtxAttnProcessor(attention_kind))

    def forward(self, hidden_states, timestep, encoder_hidden_states, encoder_attention_mask, frame_rate):
        t = self.transformer
        dtype = t.proj_out.weight.dtype
        b, c, f, h, w = hidden_states.shape
        rotary = self.rope(b, f, h, w, frame_rate)
        x = hidden_states.permute(0, 2, 3, 4, 1).reshape(b, f * h * w, c).to(dtype)      # _pack_latents
        mask = ((1 - encoder_attention_mask.to(dtype)) * -10000.0).unsqueeze(1)
        x = t.proj_in(x)
        temb, embedded = t.time_embed(timestep.flatten(), batch_size=b, hidden_dtype=dtype)
        temb = temb.view(b, -1, temb.size(-1))
        embedded = embedded.view(b, -1, embedded.size(-1))
        context = t.caption_projection(encoder_hidden_states.to(dtype)).view(b, -1, x.size(-1))
        for block in t.transformer_blocks:
            x = block(hidden_states=x, encoder_hidden_states=context, temb=temb, image_rotary_emb=rotary,
                      encoder_attention_mask=mask)
        ss = t.scale_shift_table[None, None] + embedded[:, :, None]
        x = t.norm_out(x) * (1 + ss[:, :, 1]) + ss[:, :, 0]
        x = t.proj_out(x)
        return x.reshape(b, f, h, w, -1).permute(0, 4, 1, 2, 3).float()               # _unpack_latents


DENOISER_INPUTS = ["hidden_states", "timestep", "encoder_hidden_states", "encoder_attention_mask", "frame_rate"]
DENOISER_OUTPUTS = ["noise_pred"]
DENOISER_AXES = {"hidden_states": {0: "batch", 2: "frames", 3: "height", 4: "width"},
                 "timestep": {0: "batch"},
                 "encoder_hidden_states": {0: "batch", 1: "text_length"},
                 "encoder_attention_mask": {0: "batch", 1: "text_length"},
                 "noise_pred": {0: "batch", 2: "frames", 3: "height", 4: "width"}}


def example_inputs(cfg, batch=2, frames=2, height=3, width=5, text_length=8, fps=25.0):
    g = torch.Generator().manual_seed(0)
    mask = torch.ones(batch, text_length, dtype=torch.int64)
    mask[-1, text_length // 2:] = 0
    return (torch.randn(batch, cfg.in_channels, frames, height, width, generator=g),
            torch.rand(batch, generator=g) * 1000,
            torch.randn(batch, text_length, cfg.caption_channels, generator=g),
            mask, torch.tensor([fps], dtype=torch.float32))


def condition_video_coords(b, f, h, w, fps, temporal_compression=8, spatial_compression=32):
    """LTXConditionPipeline's ``video_coords`` for a text-only run (its own static methods)."""
    from .pipelines import ltx_condition_module
    plc = ltx_condition_module()
    ids = plc.LTXConditionPipeline._prepare_video_ids(b, f, h, w)
    coords = plc.LTXConditionPipeline._scale_video_ids(ids, spatial_compression, temporal_compression).float()
    coords[:, 0] = coords[:, 0] * (1.0 / fps)
    return coords


def reference_forward(transformer, hs, ts, ctx, mask, fps, temporal_compression=8, spatial_compression=32,
                      causal_time=False):
    """What LTXPipeline (or, ``causal_time``, LTXConditionPipeline) does around the transformer: pack, call,
    unpack (patch size 1)."""
    b, c, f, h, w = hs.shape
    packed = hs.permute(0, 2, 3, 4, 1).reshape(b, f * h * w, c)
    coords = dict(video_coords=condition_video_coords(b, f, h, w, fps, temporal_compression, spatial_compression)) \
        if causal_time else {}
    out = transformer(hidden_states=packed, encoder_hidden_states=ctx, timestep=ts, encoder_attention_mask=mask,
                      num_frames=f, height=h, width=w,
                      rope_interpolation_scale=(temporal_compression / fps, spatial_compression, spatial_compression),
                      return_dict=False, **coords)[0]
    return out.reshape(b, f, h, w, -1).permute(0, 4, 1, 2, 3)


def _rel(a, b):
    return float((a.double() - b.double()).abs().max() / b.double().abs().max().clamp_min(1e-30))


@torch.no_grad()
def check_rewrites(transformer, temporal_compression=8, spatial_compression=32,
                   shapes=((2, 2, 3, 5, 8, 25.0), (1, 3, 4, 2, 5, 24.0)), kind="sdpa"):
    """Every rewritten piece vs the diffusers original on random inputs (float32 weights).

    Returns {check: worst relative error max|a-b|/max|b|}; shapes are (batch, frames, height, width,
    text length, fps). ``transformer`` keeps its original processors."""
    cfg = transformer.config
    res = {}
    originals = [(blk.attn1.processor, blk.attn2.processor) for blk in transformer.transformer_blocks]
    inner = cfg.num_attention_heads * cfg.attention_head_dim
    ropes = {False: KinoLtxRope(inner, temporal_compression, spatial_compression),
             True: KinoLtxRope(inner, temporal_compression, spatial_compression, causal_time=True)}

    def worst(key, value):
        res[key] = max(res.get(key, 0.0), value)

    for shape in shapes:
        hs, ts, ctx, mask, fps = example_inputs(cfg, *shape)
        b, _, f, h, w = hs.shape
        for causal, rope in ropes.items():
            coords = condition_video_coords(b, f, h, w, shape[5], temporal_compression, spatial_compression) \
                if causal else None
            ref_cos, ref_sin = transformer.rope(hs.new_zeros(b, 1), f, h, w, (temporal_compression / shape[5],
                                                spatial_compression, spatial_compression), coords)
            cos, sin = rope(b, f, h, w, fps)
            name = "_condition_pipeline" if causal else ""
            worst("rope_cos" + name, _rel(cos, ref_cos[..., 0::2]))
            worst("rope_sin" + name, _rel(sin, ref_sin[..., 0::2]))
        cos, sin = ropes[False](b, f, h, w, fps)
        ref_cos, ref_sin = transformer.rope(hs.new_zeros(b, 1), f, h, w,
                                            (temporal_compression / shape[5], spatial_compression, spatial_compression))
        x = torch.randn(b, f * h * w, inner)
        context = torch.randn(b, shape[4], inner)
        bias = ((1 - mask.float()) * -10000.0).unsqueeze(1)
        mine = KinoLtxAttnProcessor(kind)
        for blk in transformer.transformer_blocks:
            worst("attn1_processor", _rel(mine(blk.attn1, x, None, None, (cos, sin)),
                                          blk.attn1(x, None, None, (ref_cos, ref_sin))))
            worst("attn2_processor_masked", _rel(mine(blk.attn2, x, context, bias), blk.attn2(x, context, bias)))
        for causal in (False, True):
            ref = reference_forward(transformer, hs, ts, ctx, mask, shape[5], temporal_compression,
                                    spatial_compression, causal)
            out = KinoLtxDenoiser(transformer, temporal_compression, spatial_compression, kind,
                                  causal)(hs, ts, ctx, mask, fps)
            for blk, (p1, p2) in zip(transformer.transformer_blocks, originals):
                blk.attn1.set_processor(p1)
                blk.attn2.set_processor(p2)
            worst("forward_condition_pipeline" if causal else "forward", _rel(out, ref))
    return res

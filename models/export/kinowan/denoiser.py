"""diffusers' ``WanTransformer3DModel`` (Wan 2.1 T2V, Wan 2.2 A14B experts) made exportable to ONNX.

The real diffusers modules and weights are used; only what ONNX cannot express (or expresses badly) is
rewritten, and every rewrite is compared with the original module by :func:`check_rewrites`:

* ``WanAttnProcessor``: its rotary embedding writes into strided slices of an ``empty_like`` buffer,
  its q/k norm is ``torch.nn.RMSNorm`` (no ONNX op before opset 23) and attention goes through
  diffusers' dispatcher. :class:`KinoAttnProcessor` does the same math with plain ops: an explicit
  RMSNorm, the rotation as two products stacked on a new last axis, and attention either as ONNX
  Runtime's ``com.microsoft.MultiHeadAttention`` (``mha``: fused, flash/memory-efficient kernels on
  GPU, memory linear in sequence length) or as MatMul/Softmax/MatMul (``sdpa``: any runtime).
* ``WanRotaryPosEmbed``: returns [1, S, 1, D] tables built from repeat-interleaved buffers;
  :class:`KinoRope` keeps the same float32 angles, one per rotated pair, sliced to the dynamic frames,
  height and width.
* ``WanTransformer3DModel.forward``: re-stated in :class:`KinoWanDenoiser` for the T2V path only, with
  float32 inputs/outputs and casts into the compute dtype (the fp16 export).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

# diffusers' WanTransformer3DModel._keep_in_fp32_modules ("rope" is replaced by KinoRope, float32)
KEEP_FP32 = ("time_embedder", "scale_shift_table", "norm1", "norm2", "norm3")


def rms_norm(x, weight, eps):
    """torch.nn.RMSNorm's math: computed in float32, returned in x's dtype."""
    xf = x.float()
    y = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
    return (y * weight.float()).to(x.dtype)


def rotate(x, cos, sin, heads):
    """Wan's rotary embedding on interleaved pairs (x[2i], x[2i+1]); x [B, S, H*D], cos/sin [1, S, 1, D/2]."""
    xf = x.float().unflatten(2, (heads, -1)).unflatten(3, (-1, 2))
    x1, x2 = xf[..., 0], xf[..., 1]
    out = torch.stack([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)
    return out.flatten(2).to(x.dtype)


class _MultiHeadAttention(torch.autograd.Function):
    """Exports as com.microsoft.MultiHeadAttention (scale 1/sqrt(head_dim), no mask)."""

    @staticmethod
    def forward(ctx, q, k, v, heads):
        return _sdpa(q, k, v, heads)

    @staticmethod
    def symbolic(g, q, k, v, heads):
        out = g.op("com.microsoft::MultiHeadAttention", q, k, v, num_heads_i=heads)
        out.setType(q.type())
        return out


def _sdpa(q, k, v, heads):
    qh, kh, vh = (t.unflatten(2, (heads, -1)).transpose(1, 2) for t in (q, k, v))
    return F.scaled_dot_product_attention(qh, kh, vh).transpose(1, 2).flatten(2)


def attention(q, k, v, heads, kind):
    return _MultiHeadAttention.apply(q, k, v, heads) if kind == "mha" else _sdpa(q, k, v, heads)


class KinoAttnProcessor:
    """Drop-in for diffusers' WanAttnProcessor (text-to-video: no image context)."""

    def __init__(self, kind="mha"):
        self.kind = kind

    def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None, rotary_emb=None):
        if getattr(attn, "add_k_proj", None) is not None:
            raise NotImplementedError("image-to-video attention (added K/V) is not exported")
        if attention_mask is not None:
            raise NotImplementedError("attention masks are not used by Wan text-to-video")
        context = hidden_states if encoder_hidden_states is None else encoder_hidden_states
        q = attn.to_q(hidden_states)
        k = attn.to_k(context)
        v = attn.to_v(context)
        q = rms_norm(q, attn.norm_q.weight, attn.norm_q.eps)
        k = rms_norm(k, attn.norm_k.weight, attn.norm_k.eps)
        if rotary_emb is not None:
            q = rotate(q, *rotary_emb, attn.heads)
            k = rotate(k, *rotary_emb, attn.heads)
        out = attention(q, k, v, attn.heads, self.kind).type_as(q)
        return attn.to_out[0](out)


class KinoRope(nn.Module):
    """Wan's 3-axis rotary tables (frames, height, width) as float32 [1, S, 1, D/2] cos and sin."""

    def __init__(self, head_dim, max_seq_len=1024, theta=10000.0):
        super().__init__()
        h_dim = w_dim = 2 * (head_dim // 6)
        t_dim = head_dim - h_dim - w_dim
        for axis, dim in (("t", t_dim), ("h", h_dim), ("w", w_dim)):
            # get_1d_rotary_pos_embed(dim, max_seq_len, theta, use_real=True, repeat_interleave_real=True,
            # freqs_dtype=float64): angles in float64, tables rounded to float32; one column per pair here.
            freqs = 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim))
            angles = torch.outer(torch.arange(max_seq_len, dtype=torch.float64), freqs)
            self.register_buffer(f"cos_{axis}", angles.cos().float(), persistent=False)
            self.register_buffer(f"sin_{axis}", angles.sin().float(), persistent=False)

    def _grid(self, tables, f, h, w):
        t, hh, ww = tables
        parts = [t[:f].view(-1, 1, 1, t.shape[1]).expand(f, h, w, -1),
                 hh[:h].view(1, -1, 1, hh.shape[1]).expand(f, h, w, -1),
                 ww[:w].view(1, 1, -1, ww.shape[1]).expand(f, h, w, -1)]
        return torch.cat(parts, dim=-1).reshape(1, f * h * w, 1, -1)

    def forward(self, f, h, w):
        return (self._grid((self.cos_t, self.cos_h, self.cos_w), f, h, w),
                self._grid((self.sin_t, self.sin_h, self.sin_w), f, h, w))


class KinoWanDenoiser(nn.Module):
    """WanTransformer3DModel.forward for text-to-video: (latents, timestep, text) -> flow prediction.

    Inputs are float32 whatever the weights: ``hidden_states`` [B, 16, F, H, W] (latent frames, height,
    width), ``timestep`` [B] (the scheduler's timestep, 0..1000, as float32), ``encoder_hidden_states``
    [B, L, text_dim]. Output ``noise_pred`` [B, 16, F, H, W] float32.
    """

    def __init__(self, transformer, attention_kind="mha"):
        super().__init__()
        cfg = transformer.config
        if cfg.image_dim is not None or cfg.added_kv_proj_dim is not None:
            raise NotImplementedError("image-to-video Wan transformers are not supported")
        self.transformer = transformer
        self.rope = KinoRope(cfg.attention_head_dim, cfg.rope_max_seq_len)
        self.patch_size = tuple(cfg.patch_size)
        for block in transformer.blocks:
            block.attn1.set_processor(KinoAttnProcessor(attention_kind))
            block.attn2.set_processor(KinoAttnProcessor(attention_kind))

    def forward(self, hidden_states, timestep, encoder_hidden_states):
        t = self.transformer
        dtype = t.proj_out.weight.dtype
        b, _, frames, height, width = hidden_states.shape
        pt, ph, pw = self.patch_size
        f, h, w = frames // pt, height // ph, width // pw
        rotary = self.rope(f, h, w)

        x = t.patch_embedding(hidden_states.to(t.patch_embedding.weight.dtype))
        x = x.flatten(2).transpose(1, 2).to(dtype)
        temb, timestep_proj, context, _ = t.condition_embedder(timestep, encoder_hidden_states.to(dtype))
        timestep_proj = timestep_proj.unflatten(1, (6, -1))
        for block in t.blocks:
            x = block(x, context, timestep_proj, rotary)

        shift, scale = (t.scale_shift_table + temb.unsqueeze(1)).chunk(2, dim=1)
        x = (t.norm_out(x.float()) * (1 + scale) + shift).type_as(x)
        x = t.proj_out(x)
        x = x.reshape(b, f, h, w, pt, ph, pw, -1).permute(0, 7, 1, 4, 2, 5, 3, 6)
        return x.reshape(b, -1, f * pt, h * ph, w * pw).float()


def to_export_dtype_(transformer, dtype):
    """Casts like diffusers' ``from_pretrained(torch_dtype=dtype)``: KEEP_FP32 modules stay float32. The
    patch embedding also stays float32 (PyTorch has no fp16 Conv3d on CPU; 0.01% of the weights)."""
    from diffusers.utils import logging as dlogging
    verbosity = dlogging.get_verbosity()
    dlogging.set_verbosity_error()      # diffusers warns about .to(fp16); the fp32 modules are restored below
    transformer.to(dtype)
    dlogging.set_verbosity(verbosity)
    if dtype != torch.float32:
        for name, module in transformer.named_modules():
            if set(name.split(".")) & set(KEEP_FP32):
                module.float()
        for name, p in transformer.named_parameters():
            if set(name.split(".")) & set(KEEP_FP32):
                p.data = p.data.float()
        transformer.patch_embedding.float()
    return transformer


DENOISER_INPUTS = ["hidden_states", "timestep", "encoder_hidden_states"]
DENOISER_OUTPUTS = ["noise_pred"]
DENOISER_AXES = {"hidden_states": {0: "batch", 2: "frames", 3: "height", 4: "width"},
                 "timestep": {0: "batch"},
                 "encoder_hidden_states": {0: "batch", 1: "text_length"},
                 "noise_pred": {0: "batch", 2: "frames", 3: "height", 4: "width"}}


def example_inputs(cfg, batch=2, frames=2, height=4, width=6, text_length=8):
    g = torch.Generator().manual_seed(0)
    return (torch.randn(batch, cfg.in_channels, frames, height, width, generator=g),
            torch.rand(batch, generator=g) * 1000,
            torch.randn(batch, text_length, cfg.text_dim, generator=g))


def _rel(a, b):
    return float((a.double() - b.double()).abs().max() / b.double().abs().max().clamp_min(1e-30))


@torch.no_grad()
def check_rewrites(transformer, shapes=((2, 2, 4, 6, 8), (1, 3, 6, 4, 5)), kind="sdpa"):
    """Compares every rewritten piece with the diffusers original on random inputs (float32 weights).

    Returns {check name: worst relative error max|a-b|/max|b|} over ``shapes`` (batch, frames, height,
    width, text length). ``transformer`` keeps its original processors.
    """
    cfg = transformer.config
    results = {}
    kino_rope = KinoRope(cfg.attention_head_dim, cfg.rope_max_seq_len)
    originals = [(blk.attn1.processor, blk.attn2.processor) for blk in transformer.blocks]
    mine = KinoAttnProcessor(kind)
    for shape in shapes:
        hs, ts, ctx = example_inputs(cfg, *shape)
        b, _, fr, he, wi = hs.shape
        pt, ph, pw = cfg.patch_size
        f, h, w = fr // pt, he // ph, wi // pw
        # rope + attention, block by block, on the block's real inputs
        ref_rope = transformer.rope(hs)
        cos, sin = kino_rope(f, h, w)
        results["rope_cos_table"] = max(results.get("rope_cos_table", 0), _rel(cos, ref_rope[0][..., 0::2]))
        results["rope_sin_table"] = max(results.get("rope_sin_table", 0), _rel(sin, ref_rope[1][..., 1::2]))
        x = torch.randn(b, f * h * w, cfg.num_attention_heads * cfg.attention_head_dim)
        context = transformer.condition_embedder.text_embedder(ctx)
        for i, blk in enumerate(transformer.blocks):
            for name, attn, enc, rot_ref, rot_mine in (("attn1", blk.attn1, None, ref_rope, (cos, sin)),
                                                      ("attn2", blk.attn2, context, None, None)):
                ref = attn(x, enc, None, rot_ref)
                out = mine(attn, x, enc, None, rot_mine)
                key = f"{name}_processor"
                results[key] = max(results.get(key, 0), _rel(out, ref))
            nq = blk.attn1.norm_q
            results["rms_norm"] = max(results.get("rms_norm", 0), _rel(rms_norm(x, nq.weight, nq.eps), nq(x)))
        # the whole forward
        ref = transformer(hs, ts, ctx, return_dict=False)[0]
        wrapped = KinoWanDenoiser(transformer, kind)
        out = wrapped(hs, ts, ctx)
        for blk, (p1, p2) in zip(transformer.blocks, originals):
            blk.attn1.set_processor(p1)
            blk.attn2.set_processor(p2)
        results["forward"] = max(results.get("forward", 0), _rel(out, ref))
    return results

"""diffusers' ``WanTransformer3DModel`` (Wan 2.1 T2V/I2V/FLF2V, Wan 2.2 A14B experts and TI2V-5B) made exportable
to ONNX.

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
* ``WanTransformer3DModel.forward``: re-stated in :class:`KinoWanDenoiser` with float32 inputs/outputs
  and casts into the compute dtype (the fp16 export). Image-to-video (Wan 2.1 I2V/FLF2V): the image
  embeddings are a graph input of their own (diffusers concatenates them in front of the text and splits
  them off again at ``length - 512``: here the split is at the model's fixed image token count, so the
  text length stays free); FLF2V's two images arrive already side by side ([B, 2 x 257, 1280]) and
  get ``pos_embed`` added without diffusers' reshape. Wan 2.2 TI2V-5B (``expand_timesteps``): the
  timestep is one value per latent frame ([B, F]; the pipeline gives 0 to the clean first frame) and
  the per-token time embedding diffusers builds from a [B, F*H*W/4] timestep is built per frame and
  repeated over the frame's tokens, which is the same numbers at a fraction of the memory.
"""
import os

import torch
import torch.nn as nn

from ..common import onnx_weights as ow
from ..common.layers import attention, rms_norm
from ..common.package import DTYPES
from ..common.report import log

# diffusers' WanTransformer3DModel._keep_in_fp32_modules ("rope" is replaced by KinoRope, float32)
KEEP_FP32 = ("time_embedder", "scale_shift_table", "norm1", "norm2", "norm3")


def rotate(x, cos, sin, heads):
    """Wan's rotary embedding on interleaved pairs (x[2i], x[2i+1]); x [B, S, H*D], cos/sin [1, S, 1, D/2]."""
    xf = x.float().unflatten(2, (heads, -1)).unflatten(3, (-1, 2))
    x1, x2 = xf[..., 0], xf[..., 1]
    out = torch.stack([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)
    return out.flatten(2).to(x.dtype)


class KinoAttnProcessor:
    """Drop-in for diffusers' WanAttnProcessor. ``image_tokens``: the image context in front of the text
    (I2V cross-attention with added K/V); None splits like diffusers (everything before the last 512)."""

    def __init__(self, kind="mha", image_tokens=None):
        self.kind = kind
        self.image_tokens = image_tokens

    def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None, rotary_emb=None):
        if attention_mask is not None:
            raise NotImplementedError("attention masks are not used by Wan")
        context = hidden_states if encoder_hidden_states is None else encoder_hidden_states
        image_out = None
        if getattr(attn, "add_k_proj", None) is not None:
            n = self.image_tokens if self.image_tokens is not None else context.shape[1] - 512
            image, context = context[:, :n], context[:, n:]
            q = rms_norm(attn.to_q(hidden_states), attn.norm_q.weight, attn.norm_q.eps)
            k_img = rms_norm(attn.add_k_proj(image), attn.norm_added_k.weight, attn.norm_added_k.eps)
            image_out = attention(q, k_img, attn.add_v_proj(image), attn.heads, self.kind).type_as(q)
        q = attn.to_q(hidden_states)
        k = attn.to_k(context)
        v = attn.to_v(context)
        q = rms_norm(q, attn.norm_q.weight, attn.norm_q.eps)
        k = rms_norm(k, attn.norm_k.weight, attn.norm_k.eps)
        if rotary_emb is not None:
            q = rotate(q, *rotary_emb, attn.heads)
            k = rotate(k, *rotary_emb, attn.heads)
        out = attention(q, k, v, attn.heads, self.kind).type_as(q)
        if image_out is not None:
            out = out + image_out
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
    """WanTransformer3DModel.forward: (latents [+ condition], timestep, text [, image]) -> flow prediction.

    Inputs are float32 whatever the weights: ``hidden_states`` [B, C_in, F, H, W] (latent frames, height,
    width; C_in = 16, 36 for Wan 2.1 I2V: noise + mask + condition latents, 48 for TI2V-5B),
    ``timestep`` [B] (the scheduler's timestep, 0..1000, as float32; [B, F] for ``expand_timesteps``
    models), ``encoder_hidden_states`` [B, L, text_dim], and for image models
    ``encoder_hidden_states_image`` [B, image_tokens, image_dim]. Output ``noise_pred`` [B, C_out, F, H, W].
    """

    def __init__(self, transformer, attention_kind="mha", per_frame_timestep=False, image_tokens=None):
        super().__init__()
        cfg = transformer.config
        self.transformer = transformer
        self.rope = KinoRope(cfg.attention_head_dim, cfg.rope_max_seq_len)
        self.patch_size = tuple(cfg.patch_size)
        self.per_frame_timestep = per_frame_timestep
        self.has_image = cfg.image_dim is not None
        if self.has_image and image_tokens is None:
            raise ValueError("an image-to-video transformer needs its image token count")
        for block in transformer.blocks:
            block.attn1.set_processor(KinoAttnProcessor(attention_kind))
            block.attn2.set_processor(KinoAttnProcessor(attention_kind, image_tokens))

    def _image(self, image):
        """WanImageEmbedding, with FLF2V's two images already concatenated along the tokens."""
        emb = self.transformer.condition_embedder.image_embedder
        if emb.pos_embed is not None:
            image = image + emb.pos_embed
        return emb.norm2(emb.ff(emb.norm1(image)))

    def forward(self, hidden_states, timestep, encoder_hidden_states, encoder_hidden_states_image=None):
        t = self.transformer
        dtype = t.proj_out.weight.dtype
        b, _, frames, height, width = hidden_states.shape
        pt, ph, pw = self.patch_size
        f, h, w = frames // pt, height // ph, width // pw
        rotary = self.rope(f, h, w)

        x = t.patch_embedding(hidden_states.to(t.patch_embedding.weight.dtype))
        x = x.flatten(2).transpose(1, 2).to(dtype)
        if self.per_frame_timestep:
            # [B, F] -> per-frame embeddings -> repeated over each frame's h*w tokens (token order f, h, w)
            temb, timestep_proj, context, _ = t.condition_embedder(timestep.flatten(), encoder_hidden_states.to(dtype),
                                                                   timestep_seq_len=f)
            temb = temb.unsqueeze(2).expand(-1, -1, h * w, -1).flatten(1, 2)
            timestep_proj = timestep_proj.unsqueeze(2).expand(-1, -1, h * w, -1).flatten(1, 2).unflatten(2, (6, -1))
        else:
            temb, timestep_proj, context, _ = t.condition_embedder(timestep, encoder_hidden_states.to(dtype))
            timestep_proj = timestep_proj.unflatten(1, (6, -1))
        if self.has_image:
            context = torch.cat([self._image(encoder_hidden_states_image.to(dtype)), context], dim=1)
        for block in t.blocks:
            x = block(x, context, timestep_proj, rotary)

        if self.per_frame_timestep:
            shift, scale = (t.scale_shift_table.unsqueeze(0) + temb.unsqueeze(2)).chunk(2, dim=2)
            shift, scale = shift.squeeze(2), scale.squeeze(2)
        else:
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
IMAGE_INPUT = "encoder_hidden_states_image"
DENOISER_OUTPUTS = ["noise_pred"]


def io(cfg, per_frame_timestep=False):
    """(input names, dynamic axes) of the denoiser graph for this transformer config."""
    inputs = DENOISER_INPUTS + ([IMAGE_INPUT] if cfg.image_dim is not None else [])
    axes = {"hidden_states": {0: "batch", 2: "frames", 3: "height", 4: "width"},
            "timestep": {0: "batch", 1: "frames"} if per_frame_timestep else {0: "batch"},
            "encoder_hidden_states": {0: "batch", 1: "text_length"},
            "noise_pred": {0: "batch", 2: "frames", 3: "height", 4: "width"}}
    if cfg.image_dim is not None:
        axes[IMAGE_INPUT] = {0: "batch"}
    return inputs, axes


def image_tokens(cfg, clip_tokens):
    """Image context length: FLF2V's pos_embed covers both images; otherwise one image's CLIP tokens."""
    if cfg.image_dim is None:
        return None
    return cfg.pos_embed_seq_len if cfg.pos_embed_seq_len is not None else clip_tokens


def example_inputs(cfg, batch=2, frames=2, height=4, width=6, text_length=8, per_frame_timestep=False,
                   image_tokens=None):
    g = torch.Generator().manual_seed(0)
    ts = torch.rand(batch, frames, generator=g) if per_frame_timestep else torch.rand(batch, generator=g)
    if per_frame_timestep:
        ts[:, 0] = 0        # what the pipeline gives the clean first frame
    out = [torch.randn(batch, cfg.in_channels, frames, height, width, generator=g), ts * 1000,
           torch.randn(batch, text_length, cfg.text_dim, generator=g)]
    if cfg.image_dim is not None:
        out.append(torch.randn(batch, image_tokens, cfg.image_dim, generator=g))
    return tuple(out)


def reference_forward(transformer, hs, ts, ctx, img=None):
    """diffusers' forward on example_inputs: per-frame timesteps become per-token, FLF2V's side-by-side
    images become the [2B, 257, D] batch the pipeline passes."""
    cfg = transformer.config
    if ts.dim() == 2:
        pt, ph, pw = cfg.patch_size
        ts = ts.repeat_interleave((hs.shape[3] // ph) * (hs.shape[4] // pw), dim=1)
    if img is not None and cfg.pos_embed_seq_len is not None:
        img = img.reshape(img.shape[0] * 2, img.shape[1] // 2, img.shape[2])
    return transformer(hs, ts, ctx, encoder_hidden_states_image=img, return_dict=False)[0]


def _rel(a, b):
    return float((a.double() - b.double()).abs().max() / b.double().abs().max().clamp_min(1e-30))


@torch.no_grad()
def check_rewrites(transformer, shapes=((2, 2, 4, 6, 8), (1, 3, 6, 4, 5)), kind="sdpa", per_frame_timestep=False,
                   clip_tokens=None):
    """Compares every rewritten piece with the diffusers original on random inputs (float32 weights).

    Returns {check name: worst relative error max|a-b|/max|b|} over ``shapes`` (batch, frames, height,
    width, text length; image models use 512 text tokens, where diffusers splits image from text).
    ``transformer`` keeps its original processors.
    """
    cfg = transformer.config
    n_img = image_tokens(cfg, clip_tokens)
    results = {}
    kino_rope = KinoRope(cfg.attention_head_dim, cfg.rope_max_seq_len)
    originals = [(blk.attn1.processor, blk.attn2.processor) for blk in transformer.blocks]
    mine = KinoAttnProcessor(kind)
    mine_cross = KinoAttnProcessor(kind, n_img)
    for shape in shapes:
        if n_img is not None:
            shape = (*shape[:4], 512)
        inputs = example_inputs(cfg, *shape, per_frame_timestep=per_frame_timestep, image_tokens=n_img)
        hs, ts, ctx = inputs[:3]
        b, _, fr, he, wi = hs.shape
        pt, ph, pw = cfg.patch_size
        f, h, w = fr // pt, he // ph, wi // pw
        # rope + attention, block by block, on the block's real inputs
        ref_rope = transformer.rope(hs)
        cos, sin = kino_rope(f, h, w)
        results["rope_cos_table"] = max(results.get("rope_cos_table", 0), _rel(cos, ref_rope[0][..., 0::2]))
        results["rope_sin_table"] = max(results.get("rope_sin_table", 0), _rel(sin, ref_rope[1][..., 1::2]))
        inner = cfg.num_attention_heads * cfg.attention_head_dim
        x = torch.randn(b, f * h * w, inner)
        context = transformer.condition_embedder.text_embedder(ctx)
        if n_img is not None:
            context = torch.cat([torch.randn(b, n_img, inner), context], dim=1)
        for i, blk in enumerate(transformer.blocks):
            for name, attn, enc, rot_ref, rot_mine, proc in (
                    ("attn1", blk.attn1, None, ref_rope, (cos, sin), mine),
                    ("attn2", blk.attn2, context, None, None, mine_cross)):
                ref = attn(x, enc, None, rot_ref)
                out = proc(attn, x, enc, None, rot_mine)
                key = f"{name}_processor"
                results[key] = max(results.get(key, 0), _rel(out, ref))
            nq = blk.attn1.norm_q
            results["rms_norm"] = max(results.get("rms_norm", 0), _rel(rms_norm(x, nq.weight, nq.eps), nq(x)))
        # the whole forward
        ref = reference_forward(transformer, *inputs)
        wrapped = KinoWanDenoiser(transformer, kind, per_frame_timestep, n_img)
        out = wrapped(*inputs)
        for blk, (p1, p2) in zip(transformer.blocks, originals):
            blk.attn1.set_processor(p1)
            blk.attn2.set_processor(p2)
        results["forward"] = max(results.get("forward", 0), _rel(out, ref))
    return results


def export_streamed(cls, folder, path, precision, describe, label="graph"):
    """A Wan transformer class (``WanTransformer3DModel``, ``WanVACETransformer3DModel``) built on the meta device
    from FOLDER's config and traced into PATH with placeholder weights; the weights are then streamed from
    FOLDER's safetensors into PATH_data one tensor at a time (RAM stays near the largest tensor).
    ``describe(transformer)`` gives (export wrapper, example inputs, input names, dynamic axes). Returns the
    transformer's config."""
    with torch.device("meta"):
        t = cls.from_config(cls.load_config(folder))
    t.rope = None   # replaced by KinoRope (its float64-derived tables are rebuilt on the CPU)
    ow.to_placeholders_(to_export_dtype_(t, DTYPES[precision]))
    wrapper, example, inputs, axes = describe(t)
    graph = ow.export_graph(wrapper, example, path, inputs, DENOISER_OUTPUTS, axes)
    log(f"{os.path.basename(path)}: {label} traced ({len(graph.graph.node)} nodes)")
    buffers = dict(wrapper.named_buffers())
    source = ow.SafetensorsSource(folder)

    def fetch(name, dt):
        if name in buffers:
            return buffers[name].numpy().astype(dt)
        return ow.torch_to_numpy(source.get(name.removeprefix("transformer.")), dt)

    weights = ow.WeightFile(path + "_data")
    ow.attach_weights(graph, inputs, fetch, weights)
    weights.close()
    ow.save_graph(graph, path)
    log(f"{os.path.basename(path)} ({precision}, {weights.bytes / 2**30:.2f} GiB of weights)")
    return t.config

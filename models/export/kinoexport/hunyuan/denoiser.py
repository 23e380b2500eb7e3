"""``HunyuanVideo15Transformer3DModel`` for export, text-to-video: Kino's forward around diffusers' own modules.

What diffusers' forward does that an ONNX graph cannot, and what the export does instead (same result on every
output the model makes; checked by :func:`check_rewrites` against ``transformer.forward``):

* **token reordering**: per sample, diffusers moves the valid image, ByT5 and Qwen tokens to the front and the
  padding behind (boolean indexing, data-dependent shapes). No position encoding touches the text stream and
  masked keys get exactly zero attention weight, so the order of text tokens changes nothing the video tokens
  see: the graph concatenates ``[ByT5, Qwen]`` (padding zeroed, as diffusers zeroes it) with their masks.
* **image tokens**: text-to-video passes all-zero ``image_embeds``; diffusers then masks all 729 image tokens
  (``is_t2v``), so no valid token attends to them: the graph leaves them out.
* **masks**: diffusers' boolean ``mask_i & mask_j`` makes padded query rows fully masked (their outputs are
  never used). Kino masks keys only, with an additive ``finfo.min`` bias, so every row stays finite; valid rows
  are unchanged.
* **condition channels**: text-to-video feeds ``cat([latents, zeros(32), zeros(1)])``; the graph takes the 32
  latent channels and adds the zero channels itself.

Image-to-video (:class:`KinoHunyuan` with ``image=True``, ``HunyuanVideo15ImageToVideoPipeline``): the graph takes
all ``in_channels`` (``[latents, image latents, mask]``, built by Kino) and ``image_embeds [B, N, 1152]`` (the
SigLIP tokens); the projected image tokens are all valid and go in front of the text, as diffusers puts them.

Graph: ``hidden_states [B, 32, F, H, W]``, ``timestep [B]`` (float, 0..1000), ``encoder_hidden_states [B, L, D]``
+ ``encoder_attention_mask [B, L]`` (Qwen), ``encoder_hidden_states_2 [B, L2, D2]`` + ``encoder_attention_mask_2
[B, L2]`` (ByT5) -> ``noise_pred [B, 32, F, H, W]``.
"""
import torch
import torch.nn as nn

INPUTS = ["hidden_states", "timestep", "encoder_hidden_states", "encoder_attention_mask", "encoder_hidden_states_2",
          "encoder_attention_mask_2"]
IMAGE_INPUT = "image_embeds"
OUTPUTS = ["noise_pred"]
AXES = {"hidden_states": {0: "batch", 2: "frames", 3: "height", 4: "width"}, "timestep": {0: "batch"},
        "encoder_hidden_states": {0: "batch", 1: "length"}, "encoder_attention_mask": {0: "batch", 1: "length"},
        "encoder_hidden_states_2": {0: "batch", 1: "length_2"}, "encoder_attention_mask_2": {0: "batch", 1: "length_2"},
        "noise_pred": {0: "batch", 2: "frames", 3: "height", 4: "width"}, IMAGE_INPUT: {0: "batch", 1: "image_tokens"}}


def inputs(image):
    return INPUTS + [IMAGE_INPUT] if image else INPUTS


def key_bias(mask, dtype):
    """[B, S] (1 = attend) -> additive [B, 1, 1, S]: 0 or the dtype's lowest value (finite: no NaN rows)."""
    keep = mask.bool()[:, None, None, :]
    return torch.zeros(keep.shape, dtype=dtype).masked_fill(~keep, torch.finfo(dtype).min)


def attention(q, k, v, bias):
    """q, k, v [B, H, S, D]; plain MatMul/Softmax/MatMul with scale 1/sqrt(D) and an additive bias."""
    scores = torch.matmul(q, k.transpose(2, 3)) * (q.shape[-1] ** -0.5) + bias
    return torch.matmul(torch.softmax(scores.float(), dim=-1).to(q.dtype), v)


class RefinerAttention:
    """The token refiner's self-attention (diffusers' ``AttnProcessor2_0`` path) with its boolean
    ``[B, 1, L, L]`` mask as an additive bias."""

    def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None, **_):
        b, s, _ = hidden_states.shape
        split = lambda x: x.view(b, s, attn.heads, -1).transpose(1, 2)  # noqa: E731
        q, k, v = split(attn.to_q(hidden_states)), split(attn.to_k(hidden_states)), split(attn.to_v(hidden_states))
        bias = torch.zeros(attention_mask.shape, dtype=q.dtype).masked_fill(~attention_mask, torch.finfo(q.dtype).min)
        out = attention(q, k, v, bias).transpose(1, 2).reshape(b, s, -1)
        return attn.to_out[1](attn.to_out[0](out))


class _MaskedMultiHeadAttention(torch.autograd.Function):
    """q, k, v ``[B, S, H*D]`` and a key mask ``[B, T]`` (1 = attend): exports as ONNX Runtime's fused
    ``com.microsoft.MultiHeadAttention`` with ``key_padding_mask`` (scale 1/sqrt(D)); runs as :func:`attention`."""

    @staticmethod
    def forward(ctx, q, k, v, mask, heads):
        split = lambda x: x.unflatten(2, (heads, -1)).transpose(1, 2)  # noqa: E731
        return attention(split(q), split(k), split(v), key_bias(mask, q.dtype)).transpose(1, 2).flatten(2)

    @staticmethod
    def symbolic(g, q, k, v, mask, heads):
        from torch.onnx import symbolic_helper
        no_bias = symbolic_helper._optional_input_placeholder_tensor(g)
        out = g.op("com.microsoft::MultiHeadAttention", q, k, v, no_bias, g.op("Cast", mask, to_i=6),
                   num_heads_i=heads)
        out.setType(q.type())
        return out


class JointAttention:
    """``HunyuanVideo15AttnProcessor2_0`` with the text mask applied to keys only (video tokens always attend);
    ``mha``: the attention itself as ONNX Runtime's fused MultiHeadAttention (else MatMul/Softmax/MatMul)."""

    def __init__(self, mha=False):
        self.mha = mha

    def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None, image_rotary_emb=None):
        b, head_dim = hidden_states.shape[0], attn.inner_dim // attn.heads
        unflat = lambda x: x.reshape(b, -1, attn.heads, head_dim)  # noqa: E731
        q, k, v = unflat(attn.to_q(hidden_states)), unflat(attn.to_k(hidden_states)), unflat(attn.to_v(hidden_states))
        q, k = attn.norm_q(q), attn.norm_k(k)
        q, k = rotate(q, image_rotary_emb), rotate(k, image_rotary_emb)
        eq = unflat(attn.add_q_proj(encoder_hidden_states))
        ek = unflat(attn.add_k_proj(encoder_hidden_states))
        ev = unflat(attn.add_v_proj(encoder_hidden_states))
        if attn.norm_added_q is not None:
            eq = attn.norm_added_q(eq)
        if attn.norm_added_k is not None:
            ek = attn.norm_added_k(ek)
        video = hidden_states.shape[1]
        mask = torch.cat([torch.ones_like(attention_mask[:, :1]).expand(-1, video), attention_mask], dim=1)
        if self.mha:
            q, k, v = (torch.cat([a, e], dim=1).flatten(2) for a, e in ((q, eq), (k, ek), (v, ev)))
            out = _MaskedMultiHeadAttention.apply(q, k, v, mask, attn.heads)
        else:
            q, k, v = (torch.cat([a, e], dim=1).transpose(1, 2) for a, e in ((q, eq), (k, ek), (v, ev)))
            out = attention(q, k, v, key_bias(mask, q.dtype)).transpose(1, 2).flatten(2, 3)
        hs, ehs = out[:, :video], out[:, video:]
        return attn.to_out[1](attn.to_out[0](hs)), attn.to_add_out(ehs)


def rotate(x, rope):
    """diffusers' ``apply_rotary_emb(x, (cos, sin), sequence_dim=1)`` (pairs interleaved) with explicit shapes:
    x [B, S, H, D], cos/sin [S, D]."""
    cos, sin = rope[0][None, :, None, :], rope[1][None, :, None, :]
    pairs = x.reshape(x.shape[0], x.shape[1], x.shape[2], -1, 2)
    rotated = torch.stack([-pairs[..., 1], pairs[..., 0]], dim=-1).reshape(x.shape)
    return (x.float() * cos + rotated.float() * sin).to(x.dtype)


class KinoHunyuan(nn.Module):
    """The transformer's forward as an exportable module (see the module docstring); ``image``: image-to-video."""

    def __init__(self, transformer, image=False, attention_kind="sdpa"):
        super().__init__()
        self.t = transformer
        self.image = image
        for block in transformer.context_embedder.token_refiner.refiner_blocks:
            block.attn.set_processor(RefinerAttention())
        for block in transformer.transformer_blocks:
            block.attn.set_processor(JointAttention(mha=attention_kind == "mha"))

    def forward(self, hidden_states, timestep, encoder_hidden_states, encoder_attention_mask,
                encoder_hidden_states_2, encoder_attention_mask_2, image_embeds=None):
        t = self.t
        b, c, f, h, w = hidden_states.shape
        x = hidden_states
        if not self.image:                         # the condition latents and mask channel: zeros without a picture
            extra = t.config.in_channels - c
            x = torch.cat([hidden_states, (hidden_states[:, :1] * 0).expand(-1, extra, -1, -1, -1)], dim=1)
        rope = t.rope(x)
        temb = t.time_embed(timestep)
        x = t.x_embedder(x)
        mask, mask2 = encoder_attention_mask, encoder_attention_mask_2
        text = t.context_embedder(encoder_hidden_states, timestep, mask)
        text = text + t.cond_type_embed.weight[0]
        text2 = t.context_embedder_2(encoder_hidden_states_2) + t.cond_type_embed.weight[1]
        ctx = torch.cat([text2 * mask2[..., None].to(text2.dtype), text * mask[..., None].to(text.dtype)], dim=1)
        ctx_mask = torch.cat([mask2, mask], dim=1)
        if self.image:
            img = t.image_embedder(image_embeds) + t.cond_type_embed.weight[2]
            ctx = torch.cat([img, ctx], dim=1)
            ctx_mask = torch.cat([torch.ones_like(mask[:, :1]).expand(-1, img.shape[1]), ctx_mask], dim=1)
        for block in t.transformer_blocks:
            x, ctx = block(x, ctx, temb, ctx_mask, rope)
        x = t.proj_out(t.norm_out(x, temb))
        pt, p = t.config.patch_size_t, t.config.patch_size
        x = x.reshape(b, f // pt, h // p, w // p, -1, pt, p, p).permute(0, 4, 1, 5, 2, 6, 3, 7)
        return x.flatten(6, 7).flatten(4, 5).flatten(2, 3)


def example_inputs(config, batch, frames, height, width, length, length_2, seed=0, image_tokens=0):
    """``image_tokens`` > 0: image-to-video inputs (all channels, and image embeddings last)."""
    g = torch.Generator().manual_seed(seed)
    channels = config.in_channels if image_tokens else config.out_channels
    hs = torch.randn(batch, channels, frames, height, width, generator=g)
    ts = torch.tensor([917.0, 250.0][:batch] + [500.0] * max(0, batch - 2))
    ehs = torch.randn(batch, length, config.text_embed_dim, generator=g)
    ehs2 = torch.randn(batch, length_2, config.text_embed_2_dim, generator=g)
    mask = torch.zeros(batch, length, dtype=torch.int64)
    mask2 = torch.zeros(batch, length_2, dtype=torch.int64)
    for i in range(batch):
        mask[i, : max(1, length - 3 - 2 * i)] = 1
        mask2[i, : (length_2 // 2 if i == 0 else 0)] = 1       # sample 1: no quoted text (all padding)
    if image_tokens:
        return hs, ts, ehs, mask, ehs2, mask2, torch.randn(batch, image_tokens, config.image_embed_dim, generator=g)
    return hs, ts, ehs, mask, ehs2, mask2


@torch.no_grad()
def reference_forward(transformer, hs, ts, ehs, mask, ehs2, mask2, image=None):
    """diffusers' own forward, fed as HunyuanVideo15Pipeline feeds it for text-to-video (``image`` None) or as
    the image-to-video pipeline does (all channels given, image embeddings)."""
    b = hs.shape[0]
    if image is None:
        cond = torch.zeros(b, transformer.config.in_channels - hs.shape[1], *hs.shape[2:])
        hs = torch.cat([hs, cond], 1)
        image = torch.zeros(b, 729, transformer.config.image_embed_dim)
    return transformer(hidden_states=hs, timestep=ts, encoder_hidden_states=ehs,
                       encoder_attention_mask=mask.float(), encoder_hidden_states_2=ehs2,
                       encoder_attention_mask_2=mask2.float(), image_embeds=image, return_dict=False)[0]


@torch.no_grad()
def check_rewrites(transformer, shapes=((2, 2, 4, 6, 12, 8), (1, 1, 3, 2, 7, 5)), image_tokens=0,
                   attention_kind="sdpa"):
    """Kino's forward vs diffusers' on a fresh copy's processors; ``max|a-b|/max|b|`` per shape."""
    import copy
    ref = transformer
    kino = KinoHunyuan(copy.deepcopy(transformer), image=image_tokens > 0, attention_kind=attention_kind).eval()
    out = {}
    for shape in shapes:
        x = example_inputs(ref.config, *shape, image_tokens=image_tokens)
        a, b = kino(*x), reference_forward(ref, *x)
        out["x".join(map(str, shape))] = float((a - b).abs().max() / b.abs().max())
    return out

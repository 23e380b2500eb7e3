"""The Wan VAE decoder (diffusers ``AutoencoderKLWan``: Wan 2.1's, and Wan 2.2's residual 48-channel one) as two
ONNX step graphs with explicit caches. The encoder's step graphs (``vae_encoder.py``) share the blocks here.

diffusers decodes one latent frame at a time: ``_decode`` runs ``post_quant_conv`` and then the decoder
on frame 0 with ``first_chunk=True`` and on each later frame with the feature cache ``feat_cache`` that
every causal 3D convolution fills with the last ``CACHE_T = 2`` frames of its input. Here the same walk
is written with the caches as tensors:

* every cache is always 2 frames ``[B, C, 2, H, W]``. diffusers starts a convolution's cache with one
  frame and zero-pads the missing one; a 2-frame cache whose first frame is zero gives the same input
  ``[0, x0, x1]``, so one "next" graph serves every later frame;
* ``first`` graph: input ``latent`` (frame 0), outputs ``frames`` [B, 3, 1, 8H, 8W] and every
  ``cache_out_i``. Its convolutions pad with zeros as diffusers' first chunk does. The temporal
  upsamplers skip their time convolution on the first chunk ("Rep" in diffusers) and output a zero cache;
* ``next`` graph: inputs ``latent`` (frame i >= 1) and ``cache_in_i``; outputs ``frames``
  [B, 3, 4, 8H, 8W] and ``cache_out_i`` (the last 2 frames of ``cat(cache_in_i, conv input)``).

Wan 2.2's VAE (``is_residual``, ``patch_size`` 2) adds to each up block a parameter-free ``DupUp3D``
shortcut (which drops its first frame on the first chunk) and unpatchifies the 12 output channels into
RGB at twice the size; both are called as the original modules.

Both graphs include ``post_quant_conv`` (1x1x1, per frame) and the final clamp to [-1, 1]; the latent
they take is already denormalised (``latents / (1/std) + mean``). Rewrites, each checked by
:func:`check_rewrites`: ``WanRMS_norm``'s ``F.normalize`` as explicit ops, ``nearest-exact`` 2x upsampling
as an exact repeat, the mid-block attention with plain ops.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


def rms_norm(norm, x):
    """WanRMS_norm: F.normalize over channels (dim 1) * sqrt(C) * gamma + bias."""
    denom = torch.sqrt((x * x).sum(dim=1, keepdim=True)).clamp_min(1e-12)
    return x / denom * norm.scale * norm.gamma + norm.bias


def upsample2x(x):
    """nn.Upsample(scale_factor=2, mode='nearest-exact') on [N, C, H, W]: each pixel repeated 2x2."""
    n, c, h, w = x.shape
    return x.reshape(n, c, h, 1, w, 1).expand(n, c, h, 2, w, 2).reshape(n, c, 2 * h, 2 * w)


class CausalStep(nn.Module):
    """The blocks shared by the decoder and encoder steps; ``first`` selects the first-chunk behaviour."""

    def __init__(self, first):
        super().__init__()
        self.first = first

    # -- building blocks: each consumes (next) or creates (first) one cache ---------------------------
    def _conv(self, conv, x, caches, out):
        pw, _, ph, _, pt, _ = conv._padding
        assert pt == 2, "causal convolutions with a temporal kernel of 3 cache 2 frames"
        if self.first:
            x = F.pad(x, (0, 0, 0, 0, 2, 0))
        else:
            x = torch.cat([caches.pop(0), x], dim=2)
        out.append(x[:, :, -2:])
        x = F.pad(x, (pw, pw, ph, ph, 0, 0))
        return F.conv3d(x, conv.weight, conv.bias, conv.stride, 0, conv.dilation)

    def _resnet(self, block, x, caches, out):
        h = F.conv3d(x, block.conv_shortcut.weight, block.conv_shortcut.bias) \
            if isinstance(block.conv_shortcut, nn.Conv3d) else x
        x = F.silu(rms_norm(block.norm1, x))
        x = self._conv(block.conv1, x, caches, out)
        x = F.silu(rms_norm(block.norm2, x))
        x = self._conv(block.conv2, x, caches, out)
        return x + h

    def _attention(self, block, x):
        identity = x
        b, c, t, h, w = x.shape
        x = x.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w)
        x = rms_norm(block.norm, x)
        q, k, v = block.to_qkv(x).reshape(b * t, 3 * c, h * w).transpose(1, 2).chunk(3, dim=-1)
        attn = torch.softmax(q @ k.transpose(1, 2) * (c ** -0.5), dim=-1)
        x = (attn @ v).transpose(1, 2).reshape(b * t, c, h, w)
        x = block.proj(x)
        return x.view(b, t, c, h, w).permute(0, 2, 1, 3, 4) + identity

    def _mid(self, mid, x, caches, out):
        x = self._resnet(mid.resnets[0], x, caches, out)
        for attn, resnet in zip(mid.attentions, mid.resnets[1:]):
            x = self._attention(attn, x)
            x = self._resnet(resnet, x, caches, out)
        return x


class CausalDecoderStep(CausalStep):
    """One latent frame of AutoencoderKLWan.decode; ``first`` selects the first-chunk behaviour."""

    def __init__(self, vae, first):
        super().__init__(first)
        self.post_quant_conv = vae.post_quant_conv
        self.decoder = vae.decoder
        self.patch_size = vae.config.patch_size

    def _resample(self, block, x, caches, out):
        b, c, t, h, w = x.shape
        if block.mode == "upsample3d":
            if self.first:
                out.append(torch.zeros_like(F.pad(x[:, :, :1], (0, 0, 0, 0, 1, 0))))
            else:
                x = self._conv(block.time_conv, x, caches, out)
                x = x.reshape(b, 2, c, t, h, w)
                x = torch.stack((x[:, 0], x[:, 1]), 3).reshape(b, c, t * 2, h, w)
        elif block.mode != "upsample2d":
            raise NotImplementedError(block.mode)
        t = x.shape[2]
        x = x.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w)
        x = block.resample[1](upsample2x(x))
        return x.view(b, t, x.size(1), x.size(2), x.size(3)).permute(0, 2, 1, 3, 4)

    def forward(self, latent, *cache_in):
        from diffusers.models.autoencoders.autoencoder_kl_wan import unpatchify
        caches, out = list(cache_in), []
        dec = self.decoder
        x = F.conv3d(latent, self.post_quant_conv.weight, self.post_quant_conv.bias)
        x = self._conv(dec.conv_in, x, caches, out)
        x = self._mid(dec.mid_block, x, caches, out)
        for up in dec.up_blocks:
            shortcut = x
            for resnet in up.resnets:
                x = self._resnet(resnet, x, caches, out)
            upsampler = up.upsamplers[0] if getattr(up, "upsamplers", None) is not None \
                else getattr(up, "upsampler", None)
            if upsampler is not None:
                x = self._resample(upsampler, x, caches, out)
            if getattr(up, "avg_shortcut", None) is not None:      # Wan 2.2: DupUp3D, parameter-free
                x = x + up.avg_shortcut(shortcut, first_chunk=self.first)
        x = F.silu(rms_norm(dec.norm_out, x))
        x = self._conv(dec.conv_out, x, caches, out)
        assert not caches
        if self.patch_size is not None:
            x = unpatchify(x, self.patch_size)
        return (torch.clamp(x, -1.0, 1.0), *out)


def cache_count(vae):
    """Number of cache tensors the step graphs carry (2 per resnet, 1 per temporal upsampler, in/out)."""
    step = CausalDecoderStep(vae, first=True)
    z = torch.zeros(1, vae.config.z_dim, 1, 2, 2)
    with torch.no_grad():
        return len(step(z)) - 1


def io_names(n_caches):
    caches_in = [f"cache_in_{i}" for i in range(n_caches)]
    caches_out = [f"cache_out_{i}" for i in range(n_caches)]
    return caches_in, caches_out


def dynamic_axes(n_caches):
    axes = {"latent": {0: "batch", 3: "height", 4: "width"}, "frames": {0: "batch", 3: "out_height",
                                                                     4: "out_width"}}
    for i in range(n_caches):
        axes[f"cache_in_{i}"] = {0: "batch", 3: f"cache_{i}_height", 4: f"cache_{i}_width"}
        axes[f"cache_out_{i}"] = {0: "batch", 3: f"cache_{i}_height", 4: f"cache_{i}_width"}
    return axes


@torch.no_grad()
def decode_chunked(vae, z):
    """Runs the two step modules in PyTorch the way the engine runs the graphs (for checks)."""
    first, nxt = CausalDecoderStep(vae, True), CausalDecoderStep(vae, False)
    frames, *caches = first(z[:, :, :1])
    video = [frames]
    for i in range(1, z.shape[2]):
        frames, *caches = nxt(z[:, :, i:i + 1], *caches)
        video.append(frames)
    return torch.cat(video, dim=2)


def _rel(a, b):
    return float((a.double() - b.double()).abs().max() / b.double().abs().max().clamp_min(1e-30))


@torch.no_grad()
def check_rewrites(vae, shapes=((1, 3, 4, 6), (2, 4, 6, 4))):
    """Each rewrite against the original module, and the chunked walk against ``vae.decode``."""
    g = torch.Generator().manual_seed(1)
    dec = vae.decoder
    res = {}
    x = torch.randn(2, dec.norm_out.gamma.shape[0], 3, 5, 7, generator=g)
    res["rms_norm"] = _rel(rms_norm(dec.norm_out, x), dec.norm_out(x))
    y = torch.randn(3, 4, 5, 7, generator=g)
    ups = [m for m in vae.decoder.modules() if type(m).__name__ == "WanUpsample"]
    res["upsample_nearest_exact"] = _rel(upsample2x(y), ups[0](y))
    attn = dec.mid_block.attentions[0]
    a = torch.randn(2, attn.dim, 2, 3, 5, generator=g)
    res["mid_attention"] = _rel(CausalDecoderStep(vae, True)._attention(attn, a), attn(a))
    worst = 0.0
    for b, t, h, w in shapes:
        z = torch.randn(b, vae.config.z_dim, t, h, w, generator=g)
        worst = max(worst, _rel(decode_chunked(vae, z), vae.decode(z).sample))
    res["chunked_decode_vs_vae.decode"] = worst
    return res

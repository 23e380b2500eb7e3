"""The Wan VAE encoder (diffusers ``AutoencoderKLWan``, 2.1 and 2.2) as two ONNX step graphs with explicit caches.

Image-to-video encodes a conditioning video (first frame, zeros, [last frame]; Wan 2.2 TI2V: the first
frame alone) and takes the posterior's mode (``sample_mode="argmax"``: the mean, the first ``z_dim``
channels of ``quant_conv``'s output). ``AutoencoderKLWan._encode`` walks the video in chunks of 1, 4, 4,
… frames with a feature cache, like the decoder; here the walk is written with the caches as tensors:

* ``first`` graph: input ``video`` [B, 3, 1, H, W] (pixels in [-1, 1]), outputs ``latent``
  [B, z, 1, H/s, W/s] and every ``cache_out_i``;
* ``next`` graph: inputs ``video`` [B, 3, 4, H, W] and ``cache_in_i``, outputs the next latent frame and
  ``cache_out_i``.

Causal convolutions carry 2-frame caches exactly as in the decoder (``vae.py``: a first-chunk cache is
``[0, x0]``, which gives diffusers' zero padding). The temporal downsamplers (``downsample3d``) differ:
on the first chunk diffusers runs no time convolution and keeps the whole (1-frame) input; later chunks
run their stride-2 time convolution on ``[last cached frame, x]`` and keep the last frame. Their caches
are 1 frame: ``[B, C, 1, h, w]``. Wan 2.2's residual down blocks add a parameter-free ``AvgDown3D``
shortcut (called as the original module) and the input is patchified (2x2 pixels -> 12 channels) first.
"""
import torch
import torch.nn.functional as F

from .vae import CausalStep, _rel, rms_norm


class CausalEncoderStep(CausalStep):
    """One chunk (1 frame first, then 4) of AutoencoderKLWan.encode, returning the posterior's mode."""

    def __init__(self, vae, first):
        super().__init__(first)
        self.encoder = vae.encoder
        self.quant_conv = vae.quant_conv
        self.z_dim = vae.config.z_dim
        self.patch_size = vae.config.patch_size

    def _downsample(self, block, x, caches, out):
        b, c, t, h, w = x.shape
        x = x.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w)
        x = block.resample(x)                                   # ZeroPad2d((0, 1, 0, 1)) + Conv2d stride 2
        x = x.view(b, t, x.size(1), x.size(2), x.size(3)).permute(0, 2, 1, 3, 4)
        if block.mode == "downsample3d":
            if self.first:
                out.append(x)
            else:
                conv = block.time_conv
                cached = caches.pop(0)
                out.append(x[:, :, -1:])
                x = F.conv3d(torch.cat([cached, x], dim=2), conv.weight, conv.bias, conv.stride)
        elif block.mode != "downsample2d":
            raise NotImplementedError(block.mode)
        return x

    def forward(self, video, *cache_in):
        from diffusers.models.autoencoders.autoencoder_kl_wan import (WanAttentionBlock, WanResample,
                                                                      WanResidualBlock, patchify)
        caches, out = list(cache_in), []
        enc = self.encoder
        x = patchify(video, self.patch_size) if self.patch_size is not None else video
        x = self._conv(enc.conv_in, x, caches, out)
        for layer in enc.down_blocks:
            if isinstance(layer, WanResidualBlock):
                x = self._resnet(layer, x, caches, out)
            elif isinstance(layer, WanAttentionBlock):
                x = self._attention(layer, x)
            elif isinstance(layer, WanResample):
                x = self._downsample(layer, x, caches, out)
            else:                                               # Wan 2.2: WanResidualDownBlock
                shortcut = x
                for resnet in layer.resnets:
                    x = self._resnet(resnet, x, caches, out)
                if layer.downsampler is not None:
                    x = self._downsample(layer.downsampler, x, caches, out)
                x = x + layer.avg_shortcut(shortcut)
        x = self._mid(enc.mid_block, x, caches, out)
        x = F.silu(rms_norm(enc.norm_out, x))
        x = self._conv(enc.conv_out, x, caches, out)
        assert not caches
        x = F.conv3d(x, self.quant_conv.weight, self.quant_conv.bias)
        return (x[:, :self.z_dim], *out)


def cache_count(vae):
    step = CausalEncoderStep(vae, first=True)
    s = 2 * vae.config.scale_factor_spatial
    with torch.no_grad():
        return len(step(torch.zeros(1, 3, 1, s, s))) - 1


def io_names(n_caches):
    return [f"cache_in_{i}" for i in range(n_caches)], [f"cache_out_{i}" for i in range(n_caches)]


def dynamic_axes(n_caches):
    axes = {"video": {0: "batch", 3: "height", 4: "width"},
            "latent": {0: "batch", 3: "latent_height", 4: "latent_width"}}
    for i in range(n_caches):
        axes[f"cache_in_{i}"] = {0: "batch", 3: f"cache_{i}_height", 4: f"cache_{i}_width"}
        axes[f"cache_out_{i}"] = {0: "batch", 3: f"cache_{i}_height", 4: f"cache_{i}_width"}
    return axes


@torch.no_grad()
def encode_chunked(vae, video):
    """The engine's walk in PyTorch: first step on frame 0, next step on each group of 4 frames."""
    first, nxt = CausalEncoderStep(vae, True), CausalEncoderStep(vae, False)
    latent, *caches = first(video[:, :, :1])
    latents = [latent]
    for i in range(1, video.shape[2], 4):
        latent, *caches = nxt(video[:, :, i:i + 4], *caches)
        latents.append(latent)
    return torch.cat(latents, dim=2)


@torch.no_grad()
def check_rewrites(vae, shapes=((1, 5, 32, 48), (2, 9, 48, 32), (1, 1, 32, 32))):
    """The chunked walk against ``vae.encode(video).latent_dist.mode()``; shapes (b, frames, h, w)."""
    g = torch.Generator().manual_seed(5)
    worst = 0.0
    for b, t, h, w in shapes:
        video = torch.rand(b, 3, t, h, w, generator=g) * 2 - 1
        ref = vae.encode(video).latent_dist.mode()
        worst = max(worst, _rel(encode_chunked(vae, video), ref))
    return {"chunked_encode_vs_vae.encode_mode": worst}

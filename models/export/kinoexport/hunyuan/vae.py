"""``AutoencoderKLHunyuanVideo15``'s decoder for export: the whole clip in one graph (diffusers decodes it so when
tiling is off), ``latent [B, 32, F, h, w] -> frames [B, 3, 4(F-1)+1, 16h, 16w]`` (not clamped).

One rewrite: the mid-block attention's causal mask (``prepare_causal_attention_mask``) is built by a Python loop
over every token, which a trace would freeze at the example's size; :func:`causal_frame_mask` computes the same
mask (0 where the key's frame is not after the query's, -inf elsewhere) from the dynamic sizes.
Checked by :func:`check_rewrites` against ``vae.decode``.
"""
import torch
import torch.nn as nn

ENCODER_INPUTS = ["sample"]
ENCODER_OUTPUTS = ["latent"]
ENCODER_AXES = {"sample": {0: "batch", 3: "video_height", 4: "video_width"},
                "latent": {0: "batch", 3: "height", 4: "width"}}   # one frame (the picture): see export_hunyuan.py
INPUTS = ["latent"]
OUTPUTS = ["frames"]
AXES = {"latent": {0: "batch", 2: "frames", 3: "height", 4: "width"},
        "frames": {0: "batch", 2: "video_frames", 3: "video_height", 4: "video_width"}}


def causal_frame_mask(n_frame, n_hw, dtype, device, batch_size=None):
    frame = torch.arange(n_frame * n_hw, device=device) // n_hw
    mask = torch.zeros((), dtype=dtype).expand(frame.shape[0], frame.shape[0]).masked_fill(
        frame[None, :] > frame[:, None], float("-inf"))
    return mask   # [S, S]: diffusers' [B, S, S] broadcasts against [B, 1, S, S] scores only for B = 1


def use_frame_mask_(vae):
    """Swaps the loop-built mask for :func:`causal_frame_mask` in every attention block of ``vae``."""
    from diffusers.models.autoencoders.autoencoder_kl_hunyuanvideo15 import HunyuanVideo15AttnBlock
    for m in vae.modules():
        if isinstance(m, HunyuanVideo15AttnBlock):
            m.prepare_causal_attention_mask = causal_frame_mask
    return vae


class Decoder(nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.decoder = use_frame_mask_(vae).decoder

    def forward(self, latent):
        return self.decoder(latent)


def one_frame_downsample(self, x):
    """``HunyuanVideo15Downsample.forward`` for a one-frame input: only its first-frame branch (the other one is
    empty, and an empty branch's reshapes trace to sizes that break at other heights and widths)."""
    if not self.add_temporal_downsample:
        return type(self).forward(self, x)
    h = self._dcae_downsample_rearrange(self.conv(x), r1=1, r2=2, r3=2)
    h = torch.cat([h, h], dim=1)
    s = self._dcae_downsample_rearrange(x, r1=1, r2=2, r3=2)
    b, _, t, hh, ww = s.shape
    return h + s.view(b, h.shape[1], self.group_size // 2, t, hh, ww).mean(dim=2)


class Encoder(nn.Module):
    """``vae.encode(x).latent_dist.mode()``: the encoder's mean half, ``sample [B, 3, F, H, W]`` in [-1, 1] ->
    ``latent [B, z, 1 + (F - 1) / 4, H / 16, W / 16]`` (unscaled). Exported for one frame, the picture that
    image-to-video encodes: traced at one frame, the temporal downsamplers' reshapes hold for that count only."""

    def __init__(self, vae):
        super().__init__()
        from diffusers.models.autoencoders.autoencoder_kl_hunyuanvideo15 import HunyuanVideo15Downsample
        self.encoder = use_frame_mask_(vae).encoder
        self.z = vae.config.latent_channels
        for m in self.encoder.modules():
            if isinstance(m, HunyuanVideo15Downsample):
                m.forward = one_frame_downsample.__get__(m)

    def forward(self, sample):
        return self.encoder(sample)[:, : self.z]


@torch.no_grad()
def check_encoder(vae, shapes=((1, 1, 32, 48), (1, 1, 64, 16))):
    """The rewritten encoder vs ``vae.encode(x).latent_dist.mode()`` at ``(batch, frames, height, width)``."""
    import copy
    kino = Encoder(copy.deepcopy(vae)).eval()
    out = {}
    g = torch.Generator().manual_seed(6)
    for b, f, h, w in shapes:
        x = torch.rand(b, 3, f, h, w, generator=g) * 2 - 1
        ref = vae.encode(x).latent_dist.mode()
        out[f"{b}x{f}x{h}x{w}"] = float((kino(x) - ref).abs().max() / ref.abs().max())
    return out


@torch.no_grad()
def check_rewrites(vae, shapes=((1, 2, 2, 3), (1, 3, 3, 2))):
    """The rewritten decoder vs ``vae.decode`` (the original mask) at ``(batch, frames, height, width)`` latents
    (batch 1: the original mask fails for more, see :func:`causal_frame_mask`)."""
    import copy
    kino = Decoder(copy.deepcopy(vae)).eval()
    out = {}
    g = torch.Generator().manual_seed(5)
    for b, f, h, w in shapes:
        z = torch.randn(b, vae.config.latent_channels, f, h, w, generator=g)
        ref = vae.decode(z, return_dict=False)[0]
        out[f"{b}x{f}x{h}x{w}"] = float((kino(z) - ref).abs().max() / ref.abs().max())
    return out

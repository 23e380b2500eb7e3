"""``AutoencoderKLHunyuanVideo15``'s decoder for export: the whole clip in one graph (diffusers decodes it so when
tiling is off), ``latent [B, 32, F, h, w] -> frames [B, 3, 4(F-1)+1, 16h, 16w]`` (not clamped).

One rewrite: the mid-block attention's causal mask (``prepare_causal_attention_mask``) is built by a Python loop
over every token, which a trace would freeze at the example's size; :func:`causal_frame_mask` computes the same
mask (0 where the key's frame is not after the query's, -inf elsewhere) from the dynamic sizes.
Checked by :func:`check_rewrites` against ``vae.decode``.
"""
import torch
import torch.nn as nn

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

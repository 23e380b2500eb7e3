"""The three networks of the demo model (PyTorch), shared by the trainers and the exporter.

- VAE: a frame-pair autoencoder, 8x spatial and 2x temporal compression: a clip [B,3,16,64,64] in [-1,1]
  <-> latents [B,8,8,8,8]. Like LTX-Video's VAE it first patchifies 4x4 pixels (space-to-depth); each latent
  frame encodes two consecutive video frames (frames 2k, 2k+1), independently of the others.
- TextEncoder: a 2-layer transformer over word tokens; outputs are zeroed past the prompt's length (Wan's rule).
- Denoiser: a 3D-convolution UNet on latents (two levels: 8x8x8 and 4x4x4), res-blocks with FiLM from the
  timestep and the pooled text, space-time self-attention and cross-attention to the text at 4x4x4.
  Predicts the flow-matching velocity (noise - x0) given x_t and timestep = sigma*1000. With image
  conditioning (cond_channels = MASK_C + LATENT_C) its input is x_t followed by the conditioning channels, as
  Wan's image-to-video transformer takes them: the mask (which video frames are given) and the latents of the
  conditioning video [first frame, grey...]; all zeros when no picture is given.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

LATENT_C = 8
MASK_C = 2  # conditioning mask channels: one per video frame folded into a latent frame
TEXT_DIM = 64


def gn(c):
    return nn.GroupNorm(8, c)


# ----------------------------------------------------------------------------------------------- VAE
class Res2d(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.n1, self.c1 = gn(cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.n2, self.c2 = gn(cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x):
        h = self.c1(F.silu(self.n1(x)))
        return self.skip(x) + self.c2(F.silu(self.n2(h)))


def space_to_depth(x, r):  # [N,C,H,W] -> [N,C*r*r,H/r,W/r]
    n, c, h, w = x.shape
    x = x.reshape(n, c, h // r, r, w // r, r).permute(0, 1, 3, 5, 2, 4)
    return x.reshape(n, c * r * r, h // r, w // r)


def depth_to_space(x, r):  # inverse of space_to_depth
    n, c, h, w = x.shape
    x = x.reshape(n, c // (r * r), r, r, h, w).permute(0, 1, 4, 2, 5, 3)
    return x.reshape(n, c // (r * r), h * r, w * r)


class VAE(nn.Module):
    def __init__(self, c=LATENT_C):
        super().__init__()
        self.enc = nn.Sequential(
            nn.Conv2d(96, 64, 3, padding=1), Res2d(64, 64),
            nn.Conv2d(64, 128, 3, stride=2, padding=1), Res2d(128, 128), Res2d(128, 128),
            gn(128), nn.SiLU(), nn.Conv2d(128, 2 * c, 3, padding=1))
        self.dec = nn.Sequential(
            nn.Conv2d(c, 128, 3, padding=1), Res2d(128, 128), Res2d(128, 128),
            nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(128, 64, 3, padding=1),
            Res2d(64, 64), Res2d(64, 64), gn(64), nn.SiLU(), nn.Conv2d(64, 96, 3, padding=1))
        self.refine = nn.Sequential(nn.Conv2d(6, 32, 3, padding=1), nn.SiLU(), nn.Conv2d(32, 6, 3, padding=1))

    def encode_pairs(self, x):  # [N,3,2,64,64] -> mean, logvar [N,C,8,8]
        n = x.shape[0]
        h = self.enc(space_to_depth(x.reshape(n, 6, 64, 64), 4))
        mean, logvar = h.chunk(2, dim=1)
        return mean, logvar.clamp(-20, 4)

    def decode_pairs(self, z):  # [N,C,8,8] -> [N,3,2,64,64]
        h = depth_to_space(self.dec(z), 4)
        h = h + self.refine(h)
        return h.reshape(z.shape[0], 3, 2, 64, 64)

    def encode_video(self, x):  # [B,3,2F,64,64] -> mean [B,C,F,8,8]
        b, _, t, hh, ww = x.shape
        pairs = x.reshape(b, 3, t // 2, 2, hh, ww).permute(0, 2, 1, 3, 4, 5).reshape(b * t // 2, 3, 2, hh, ww)
        mean, _ = self.encode_pairs(pairs)
        return mean.reshape(b, t // 2, -1, 8, 8).permute(0, 2, 1, 3, 4)

    def decode_video(self, z):  # [B,C,F,8,8] -> [B,3,2F,64,64]
        b, c, f, h, w = z.shape
        x = self.decode_pairs(z.permute(0, 2, 1, 3, 4).reshape(b * f, c, h, w))
        return x.reshape(b, f, 3, 2, 64, 64).permute(0, 2, 1, 3, 4, 5).reshape(b, 3, 2 * f, 64, 64)


# ---------------------------------------------------------------------------------------- text encoder
class TextEncoder(nn.Module):
    def __init__(self, vocab, dim=TEXT_DIM, layers=2, heads=4, max_len=16):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Parameter(torch.randn(max_len, dim) * 0.02)
        self.layers = nn.ModuleList([TransformerLayer(dim, heads) for _ in range(layers)])
        self.norm = nn.LayerNorm(dim)

    def forward(self, input_ids, attention_mask):
        m = attention_mask.to(torch.float32)
        h = self.tok(input_ids) + self.pos[None, : input_ids.shape[1]]
        bias = (1.0 - m)[:, None, None, :] * -10000.0  # [B,1,1,L] additive key mask
        for layer in self.layers:
            h = layer(h, bias)
        return self.norm(h) * m[:, :, None]  # zero past the prompt's length


class TransformerLayer(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.n1, self.attn = nn.LayerNorm(dim), Attention(dim, dim, heads)
        self.n2, self.ff = nn.LayerNorm(dim), nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, h, bias=None):
        x = self.n1(h)
        h = h + self.attn(x, x, bias)
        return h + self.ff(self.n2(h))


class Attention(nn.Module):
    def __init__(self, dim, ctx_dim, heads):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v = nn.Linear(dim, dim), nn.Linear(ctx_dim, dim), nn.Linear(ctx_dim, dim)
        self.o = nn.Linear(dim, dim)

    def forward(self, x, ctx, bias=None):
        b, n, d = x.shape
        hd = d // self.heads
        q = self.q(x).reshape(b, n, self.heads, hd).transpose(1, 2)
        k = self.k(ctx).reshape(b, -1, self.heads, hd).transpose(1, 2)
        v = self.v(ctx).reshape(b, -1, self.heads, hd).transpose(1, 2)
        a = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(hd))
        if bias is not None:
            a = a + bias
        y = torch.matmul(a.softmax(-1), v).transpose(1, 2).reshape(b, n, d)
        return self.o(y)


# ------------------------------------------------------------------------------------------- denoiser
def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(torch.arange(half, dtype=torch.float32) * (-math.log(10000.0) / half))
    args = t.to(torch.float32)[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class Res3d(nn.Module):
    def __init__(self, cin, cout, emb):
        super().__init__()
        self.n1, self.c1 = gn(cin), nn.Conv3d(cin, cout, 3, padding=1)
        self.film = nn.Linear(emb, 2 * cout)
        self.n2, self.c2 = gn(cout), nn.Conv3d(cout, cout, 3, padding=1)
        nn.init.zeros_(self.c2.weight), nn.init.zeros_(self.c2.bias)
        self.skip = nn.Conv3d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, emb):
        h = self.c1(F.silu(self.n1(x)))
        scale, shift = self.film(emb)[:, :, None, None, None].chunk(2, dim=1)
        h = self.n2(h) * (1 + scale) + shift
        return self.skip(x) + self.c2(F.silu(h))


class SpaceTimeAttn(nn.Module):
    """Self-attention over all latent cells of the clip, cross-attention to the text, feed-forward."""

    def __init__(self, ch, heads=4, size=(4, 4, 4)):
        super().__init__()
        self.pf = nn.Parameter(torch.randn(size[0], ch) * 0.02)
        self.ph = nn.Parameter(torch.randn(size[1], ch) * 0.02)
        self.pw = nn.Parameter(torch.randn(size[2], ch) * 0.02)
        self.n1, self.self_attn = nn.LayerNorm(ch), Attention(ch, ch, heads)
        self.n2, self.cross_attn = nn.LayerNorm(ch), Attention(ch, TEXT_DIM, heads)
        self.n3, self.ff = nn.LayerNorm(ch), nn.Sequential(nn.Linear(ch, 4 * ch), nn.GELU(), nn.Linear(4 * ch, ch))

    def forward(self, x, text):
        b, c, f, hh, ww = x.shape
        pos = self.pf[:f, None, None] + self.ph[None, :hh, None] + self.pw[None, None, :ww]
        h = x.permute(0, 2, 3, 4, 1) + pos[None]
        h = h.reshape(b, f * hh * ww, c)
        y = self.n1(h)
        h = h + self.self_attn(y, y)
        h = h + self.cross_attn(self.n2(h), text)
        h = h + self.ff(self.n3(h))
        return h.reshape(b, f, hh, ww, c).permute(0, 4, 1, 2, 3)


def upsample2(x):  # nearest x2 in F, H, W with Reshape/Expand only (portable ONNX)
    b, c, f, h, w = x.shape
    x = x[:, :, :, None, :, None, :, None].expand(b, c, f, 2, h, 2, w, 2)
    return x.reshape(b, c, 2 * f, 2 * h, 2 * w)


class Denoiser(nn.Module):
    def __init__(self, c=LATENT_C, ch=(32, 64), emb=128, cond_channels=0):
        super().__init__()
        c1, c2 = ch
        self.t_mlp = nn.Sequential(nn.Linear(64, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.txt_mlp = nn.Sequential(nn.Linear(TEXT_DIM, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.conv_in = nn.Conv3d(c + cond_channels, c1, 3, padding=1)
        self.d1 = nn.ModuleList([Res3d(c1, c1, emb), Res3d(c1, c1, emb)])
        self.down = nn.Conv3d(c1, c2, 3, stride=2, padding=1)
        self.d2 = nn.ModuleList([Res3d(c2, c2, emb), Res3d(c2, c2, emb)])
        self.d2a = nn.ModuleList([SpaceTimeAttn(c2), SpaceTimeAttn(c2)])
        self.mid = nn.ModuleList([Res3d(c2, c2, emb), Res3d(c2, c2, emb)])
        self.mida = SpaceTimeAttn(c2)
        self.u2 = nn.ModuleList([Res3d(2 * c2, c2, emb), Res3d(2 * c2, c2, emb)])
        self.u2a = nn.ModuleList([SpaceTimeAttn(c2), SpaceTimeAttn(c2)])
        self.up = nn.Conv3d(c2, c1, 3, padding=1)
        self.u1 = nn.ModuleList([Res3d(2 * c1, c1, emb), Res3d(2 * c1, c1, emb)])
        self.n_out, self.conv_out = gn(c1), nn.Conv3d(c1, c, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight), nn.init.zeros_(self.conv_out.bias)
        self.out_channels = c

    def forward(self, sample, timestep, encoder_hidden_states):
        text = encoder_hidden_states
        e = self.t_mlp(timestep_embedding(timestep, 64)) + self.txt_mlp(text.mean(dim=1))
        h = self.conv_in(sample)
        skips1 = []
        for r in self.d1:
            h = r(h, e)
            skips1.append(h)
        h = self.down(h)
        skips2 = []
        for r, a in zip(self.d2, self.d2a):
            h = a(r(h, e), text)
            skips2.append(h)
        h = self.mida(self.mid[0](h, e), text)
        h = self.mid[1](h, e)
        for r, a in zip(self.u2, self.u2a):
            h = a(r(torch.cat([h, skips2.pop()], 1), e), text)
        h = self.up(upsample2(h))
        for r in self.u1:
            h = r(torch.cat([h, skips1.pop()], 1), e)
        return self.conv_out(F.silu(self.n_out(h)))

    def widen_input(self, cond_channels):
        """Add zero-initialised input channels: the widened network computes exactly what it did before
        whatever they hold, and fine-tuning teaches it to use them."""
        old = self.conv_in
        new = nn.Conv3d(self.out_channels + cond_channels, old.out_channels, 3, padding=1)
        with torch.no_grad():
            new.weight.zero_()
            new.weight[:, : old.in_channels] = old.weight
            new.bias.copy_(old.bias)
        self.conv_in = new


def condition(vae, first, lat_mean, lat_std, latent_frames):
    """The conditioning channels for first frames [B,3,64,64] in [-1,1] (None rows: no picture), as the engine
    builds them (ImageCondition): the video [first, grey, ..., grey] encoded pair by pair, normalised with the
    package's latents_mean/std, behind the mask: channel c of latent frame f is video frame 2f + c, 1 = given."""
    b = first.shape[0]
    pairs = torch.stack([first, torch.zeros_like(first)], dim=2)  # latent frame 0: (picture, grey)
    grey = torch.zeros(1, 3, 2, first.shape[-2], first.shape[-1])  # every later latent frame: (grey, grey)
    m0, _ = vae.encode_pairs(torch.cat([pairs, grey]))
    m0 = (m0 - lat_mean.view(1, -1, 1, 1)) / lat_std.view(1, -1, 1, 1)
    lat = m0[-1:, :, None].expand(b, -1, latent_frames, -1, -1).clone()
    lat[:, :, 0] = m0[:b]
    mask = torch.zeros(b, MASK_C, latent_frames, lat.shape[-2], lat.shape[-1])
    mask[:, 0, 0] = 1
    return torch.cat([mask, lat], dim=1)


def n_params(m):
    return sum(p.numel() for p in m.parameters())

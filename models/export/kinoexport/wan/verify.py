"""Exported graphs vs the original PyTorch modules, run with ONNX Runtime (CPU).

Error measure everywhere: ``max|onnx - torch| / max|torch|`` over the whole output (relative to the
output's largest magnitude; an element-wise relative error is meaningless near zero).
"""
import numpy as np
import torch

from ..common.checks import rel, session  # noqa: F401  (callers use verify.rel/session)
from .denoiser import IMAGE_INPUT, example_inputs, reference_forward
from .vae import io_names


@torch.no_grad()
def denoiser(path, transformer, shapes, per_frame_timestep=False, image_tokens=None):
    """``transformer``: the diffusers module with float32 weights and its original processors.
    ``shapes``: (batch, latent frames, latent height, latent width, text length) tuples."""
    sess = session(path)
    out = {}
    for shape in shapes:
        inputs = example_inputs(transformer.config, *shape, per_frame_timestep=per_frame_timestep,
                                image_tokens=image_tokens)
        ref = reference_forward(transformer, *inputs).numpy()
        names = ["hidden_states", "timestep", "encoder_hidden_states", IMAGE_INPUT][:len(inputs)]
        got = sess.run(None, {n: x.numpy() for n, x in zip(names, inputs)})[0]
        out["x".join(map(str, shape))] = rel(got, ref)
    return out


@torch.no_grad()
def image_encoder(path, tower, batches):
    """``tower``: kinoexport.wan.clip.CLIPVisionTower with the real weights."""
    sess = session(path)
    g = torch.Generator().manual_seed(6)
    out = {}
    for b in batches:
        size = tower.config.image_size
        x = torch.randn(b, 3, size, size, generator=g)
        out[f"batch {b}"] = rel(sess.run(None, {"pixel_values": x.numpy()})[0], tower(x).numpy())
    return out


@torch.no_grad()
def text_encoder(path, encoder, shapes, vocab):
    """``encoder``: kinoexport.common.umt5.UMT5Encoder with the real weights; ``shapes``: (batch, length)."""
    sess = session(path)
    g = torch.Generator().manual_seed(3)
    out = {}
    for b, length in shapes:
        ids = torch.randint(3, vocab, (b, length), generator=g)
        mask = torch.ones(b, length, dtype=torch.int64)
        mask[-1, length // 2:] = 0
        ids[-1, length // 2:] = 0
        ref = encoder(ids, mask).numpy()
        got = sess.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0]
        out[f"{b}x{length}"] = rel(got, ref)
    return out


def run_vae_graphs(first, nxt, z, n_caches):
    """The engine's loop: first graph on latent frame 0, next graph on every later frame."""
    caches_in, caches_out = io_names(n_caches)
    res = first.run(["frames"] + caches_out, {"latent": z[:, :, :1]})
    video, caches = [res[0]], res[1:]
    for i in range(1, z.shape[2]):
        feed = {"latent": z[:, :, i:i + 1]}
        feed.update(dict(zip(caches_in, caches)))
        res = nxt.run(["frames"] + caches_out, feed)
        video.append(res[0])
        caches = res[1:]
    return np.concatenate(video, axis=2)


@torch.no_grad()
def vae(first_path, next_path, vae_module, n_caches, shapes):
    """Chunked ONNX decode vs diffusers' ``vae.decode`` of the whole clip; shapes (b, t, h, w)."""
    first, nxt = session(first_path), session(next_path)
    g = torch.Generator().manual_seed(4)
    out = {}
    for b, t, h, w in shapes:
        z = torch.randn(b, vae_module.config.z_dim, t, h, w, generator=g)
        ref = vae_module.decode(z).sample.numpy()
        got = run_vae_graphs(first, nxt, z.numpy(), n_caches)
        assert got.shape == ref.shape, (got.shape, ref.shape)
        out[f"{b}x{t}x{h}x{w}"] = rel(got, ref)
    return out


def run_vae_encoder_graphs(first, nxt, video, n_caches):
    """The engine's encoder walk: first graph on frame 0, next graph on each later group of 4 frames."""
    caches_in, caches_out = io_names(n_caches)
    res = first.run(["latent"] + caches_out, {"video": video[:, :, :1]})
    latents, caches = [res[0]], res[1:]
    for i in range(1, video.shape[2], 4):
        feed = {"video": video[:, :, i:i + 4]}
        feed.update(dict(zip(caches_in, caches)))
        res = nxt.run(["latent"] + caches_out, feed)
        latents.append(res[0])
        caches = res[1:]
    return np.concatenate(latents, axis=2)


@torch.no_grad()
def vae_encoder(first_path, next_path, vae_module, n_caches, shapes):
    """Chunked ONNX encode vs diffusers' ``vae.encode(video).latent_dist.mode()``; shapes (b, t, h, w)."""
    first, nxt = session(first_path), session(next_path)
    g = torch.Generator().manual_seed(7)
    out = {}
    for b, t, h, w in shapes:
        video = torch.rand(b, 3, t, h, w, generator=g) * 2 - 1
        ref = vae_module.encode(video).latent_dist.mode().numpy()
        got = run_vae_encoder_graphs(first, nxt, video.numpy(), n_caches)
        assert got.shape == ref.shape, (got.shape, ref.shape)
        out[f"{b}x{t}x{h}x{w}"] = rel(got, ref)
    return out

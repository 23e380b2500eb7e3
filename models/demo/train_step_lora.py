"""Train a step-distillation LoRA for the demo model: 4 steps that land where 100 steps land.

    /usr/bin/python3 recover_weights.py        # once: the package's PyTorch weights -> work/recovered.pt
    /usr/bin/python3 train_step_lora.py        # -> loras/demo-4step.safetensors (about 27 min, one thread)

How (the lightx2v / CausVid idea at demo scale): the plain model is the teacher. For each training noise and
prompt (128 of them, over the training triples), the teacher integrates the flow-matching ODE at the demo's
defaults (guidance 3, shift 3) with 60 Euler evaluations, split into 4 stretches that end exactly at the
sigmas of a 4-step schedule; it records the 5 states (cached in work/, the slow part). The student is the same model with a rank-8 LoRA on every Linear layer of the denoiser (attention
q/k/v/o, feed-forwards, FiLM projections, timestep and text MLPs; the convolutions stay as they are, since
Kino merges linear LoRAs only). One student Euler step from the teacher's state at sigma_i, with the same
classifier-free guidance, must reach the teacher's state at sigma_i+1: the loss is the squared error of the
guided velocity. Only the LoRA trains (Adam, one-cycle lr 2e-3, 350 batches of 16); the base weights are
frozen. The printed check at the end is on fresh noises and prompts; the measurement that counts is Kino's
own (`kino bench sweep --lora`, models/demo/README.md).

The file is in the diffusers / PEFT layout Kino reads (docs/lora.md): transformer.<module>.lora_A.weight
[rank, in] and lora_B.weight [out, rank], scale 1 (alpha folded into lora_B), module names as the denoiser's
PyTorch module names (d2a.0.self_attn.q, d1.0.film, t_mlp.0, ...). Kino finds each module's weight in the
exported graph by name or, for MatMul weights the exporter left unnamed, by the scope of the node that uses it.
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # a shared machine: sleep, don't spin
import argparse
import json
import struct
import time

import numpy as np
import torch
import torch.nn as nn

import data
import models
import sample

COND_C = models.MASK_C + models.LATENT_C  # the image-conditioning channels, all zero for text-to-video
LATENT = (models.LATENT_C, data.FRAMES // 2, 8, 8)


class LoraLinear(nn.Module):
    """y = base(x) + B(A(x)); B starts at zero, so the student starts as the teacher."""

    def __init__(self, base, rank):
        super().__init__()
        self.base = base
        self.a = nn.Parameter(torch.randn(rank, base.in_features) / base.in_features ** 0.5)
        self.b = nn.Parameter(torch.zeros(base.out_features, rank))

    def forward(self, x):
        return self.base(x) + (x @ self.a.t()) @ self.b.t()


def add_loras(dn, rank):
    """Wraps every nn.Linear of dn; returns {module name: LoraLinear}."""
    wrapped = {}
    for name, mod in list(dn.named_modules()):
        for child_name, child in list(mod.named_children()):
            if isinstance(child, nn.Linear):
                full = f"{name}.{child_name}" if name else child_name
                lora = LoraLinear(child, rank)
                setattr(mod, child_name, lora)
                wrapped[full] = lora
    return wrapped


def guided(dn, x, sigma, cond, uncond, guidance):
    """The engine's classifier-free guidance in one batch: uncond + g * (cond - uncond)."""
    n = x.shape[0]
    xin = torch.cat([x, torch.zeros(n, COND_C, *LATENT[1:])], 1)
    t = torch.full((2 * n,), float(sigma) * 1000.0)
    v = dn(torch.cat([xin, xin]), t, torch.cat([cond, uncond]))
    vc, vu = v[:n], v[n:]
    return vu + guidance * (vc - vu)


def teacher_states(dn, noise, cond, uncond, coarse, evals, guidance):
    """States at the coarse sigmas, each stretch integrated with evals/len(stretches) Euler steps."""
    per = evals // (len(coarse) - 1)
    states = [noise]
    x = noise
    with torch.no_grad():
        for i in range(len(coarse) - 1):
            fine = np.linspace(coarse[i], coarse[i + 1], per + 1)
            for j in range(per):
                x = x + float(fine[j + 1] - fine[j]) * guided(dn, x, fine[j], cond, uncond, guidance)
            states.append(x)
    return torch.stack(states, 1)  # [N, steps + 1, C, F, H, W]


def sample_steps(dn, noise, cond, uncond, sigmas, guidance):
    x = noise
    with torch.no_grad():
        for i in range(len(sigmas) - 1):
            x = x + float(sigmas[i + 1] - sigmas[i]) * guided(dn, x, sigmas[i], cond, uncond, guidance)
    return x


def write_safetensors(path, tensors, metadata):
    """The safetensors format (8-byte header length, JSON header, raw little-endian data), float32."""
    header, blobs, at = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [at, at + len(b)]}
        blobs.append(b)
        at += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path + ".tmp", "wb") as fh:
        fh.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", default="work/recovered.pt")
    ap.add_argument("--out", default="loras/demo-4step.safetensors")
    ap.add_argument("--steps", type=int, default=4, help="the student's steps")
    ap.add_argument("--teacher-evals", type=int, default=60)
    ap.add_argument("--guidance", type=float, default=sample.DEFAULT_GUIDANCE)
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--samples", type=int, default=128, help="training noises (one prompt each)")
    ap.add_argument("--iters", type=int, default=350)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    ck = torch.load(a.weights)
    te, dn = models.TextEncoder(len(data.VOCAB)), models.Denoiser(cond_channels=COND_C)
    te.load_state_dict(ck["te"]), dn.load_state_dict(ck["dn"])
    te.eval(), dn.eval()
    for p in list(te.parameters()) + list(dn.parameters()):
        p.requires_grad_(False)

    def encode(prompts):
        ids, mask = zip(*[data.tokenize(p) for p in prompts])
        with torch.no_grad():
            return te(torch.tensor(ids), torch.tensor(mask))

    coarse = sample.flow_sigmas(a.steps)
    # training set: prompts over the training triples and speed words, each with its own noise
    params = [data.TRAIN_TRIPLES[i] for i in rng.integers(0, len(data.TRAIN_TRIPLES), a.samples)]
    prompts = [data.canonical_prompt(c, s, d, data.SPEEDS[rng.integers(0, 3)]) for c, s, d in params]
    cond, uncond = encode(prompts), encode([""] * a.samples)
    noise = torch.randn(a.samples, *LATENT)
    t0 = time.time()
    cache = f"work/step_lora_teacher_{a.steps}_{a.teacher_evals}_{a.guidance}_{a.samples}.pt"
    if os.path.exists(cache):  # the teacher's part is the slow one: kept for re-runs of the student's
        states = torch.load(cache)
    else:
        states = torch.cat([teacher_states(dn, noise[i:i + 32], cond[i:i + 32], uncond[i:i + 32], coarse,
                                           a.teacher_evals, a.guidance) for i in range(0, a.samples, 32)])
        torch.save(states, cache)
    print(f"teacher: {a.samples} trajectories x {a.teacher_evals} evaluations in {time.time() - t0:.0f} s",
          flush=True)

    loras = add_loras(dn, a.rank)
    params_l = [p for l in loras.values() for p in (l.a, l.b)]
    print(f"LoRA rank {a.rank} on {len(loras)} Linear layers, {sum(p.numel() for p in params_l)} parameters")
    opt = torch.optim.Adam(params_l, lr=a.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, a.lr, total_steps=a.iters, pct_start=0.1)
    ds = torch.tensor(np.diff(coarse), dtype=torch.float32)
    for it in range(a.iters):
        idx = torch.from_numpy(rng.integers(0, a.samples, a.batch))
        step = int(rng.integers(0, a.steps))  # one stretch per batch: one timestep per forward
        x, target = states[idx, step], states[idx, step + 1]
        v_target = (target - x) / ds[step]
        v = guided(dn, x, coarse[step], cond[idx], uncond[idx], a.guidance)
        loss = (v - v_target).square().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if it % 50 == 0 or it == a.iters - 1:
            print(f"iter {it} step {step} loss {loss.item():.5f} {time.time() - t0:.0f} s", flush=True)

    # check on fresh noises and prompts: distance of the final latents from the teacher's
    n = 16
    test = [data.canonical_prompt(*data.ALL_TRIPLES[i]) for i in rng.integers(0, len(data.ALL_TRIPLES), n)]
    c, u, z = encode(test), encode([""] * n), torch.randn(n, *LATENT)
    ref = teacher_states(dn_plain(ck), z, c, u, coarse, a.teacher_evals, a.guidance)[:, -1]
    lora_x = sample_steps(dn, z, c, u, coarse, a.guidance)
    plain = dn_plain(ck)
    for name, x in (("LoRA 4 steps", lora_x), ("plain 4 steps", sample_steps(plain, z, c, u, coarse, a.guidance)),
                    ("plain 20 steps", sample_steps(plain, z, c, u, sample.flow_sigmas(20), a.guidance))):
        print(f"{name}: latent RMS distance from the teacher {(x - ref).square().mean().sqrt().item():.4f}")

    tensors = {}
    for name, l in loras.items():
        tensors[f"transformer.{name}.lora_A.weight"] = l.a
        tensors[f"transformer.{name}.lora_B.weight"] = l.b
    write_safetensors(a.out, tensors, {"format": "pt", "kino_model": "kino-demo",
                                       "kino_trained": f"{a.steps}-step distillation, guidance {a.guidance}, "
                                                       f"rank {a.rank}, {a.iters} iterations"})
    print(f"wrote {a.out} ({os.path.getsize(a.out)} bytes) in {time.time() - t0:.0f} s")


def dn_plain(ck):
    dn = models.Denoiser(cond_channels=COND_C)
    dn.load_state_dict(ck["dn"])
    return dn.eval()


if __name__ == "__main__":
    main()

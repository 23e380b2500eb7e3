"""Train the text encoder and the 3D-UNet denoiser together (flow matching, CFG dropout), on VAE latents.

    /usr/bin/python3 train_denoiser.py      # needs work/vae.pt; -> work/denoiser.pt (resumes from work/den_ckpt.pt)

1. Renders --clips training clips (held-out triples excluded) and encodes them once with the VAE encoder
   (posterior means) into work/latents.pt, with the per-channel latent mean/std used to normalise them.
2. Flow matching as Wan/LTX and diffusers' FlowMatchEulerDiscreteScheduler: sigma = shift*u/(1+(shift-1)*u),
   u ~ U(0,1), shift 3 (the scheduler's shift, so training sees the noise levels sampling visits);
   x_t = (1-sigma)*x0 + sigma*noise; the denoiser gets timestep = sigma*1000 and predicts noise - x0.
3. Prompts are drawn per step from templates (data.sample_prompt); 10% are replaced by the empty prompt (its
   embeddings are all zeros), which is what classifier-free guidance uses as the unconditional branch.
4. AdamW, lr 1e-3 (200 warm-up steps, then constant), batch 32, EMA 0.999 of both networks; every
   --eval-every steps the EMA model samples one clip per triple and the scorer reports its accuracy.
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # 2 threads on a shared 2-core box: sleep, don't spin
import argparse
import copy
import time

import numpy as np
import torch

import data
import models
import sample
import scorer

SHIFT = sample.SHIFT


def build_latents(work, n_clips, seed=2):
    path = os.path.join(work, "latents.pt")
    if os.path.exists(path):
        return torch.load(path)
    vae = models.VAE()
    vae.load_state_dict(torch.load(os.path.join(work, "vae.pt")))
    vae.eval()
    rng = np.random.default_rng(seed)
    params = data.sample_params(rng, n_clips, data.TRAIN_TRIPLES)
    lat = torch.empty(n_clips, models.LATENT_C, data.FRAMES // 2, 8, 8)
    t0 = time.time()
    with torch.no_grad():
        for i in range(0, n_clips, 128):
            x, _ = data.render(params[i: i + 128], np.arange(data.FRAMES))
            lat[i: i + 128] = vae.encode_video(x)
            if i % 2048 == 0:
                print(f"encoded {i}/{n_clips} clips, {time.time() - t0:.0f}s", flush=True)
    attrs = torch.tensor([[data.COLORS.index(p["color"]), data.SHAPES.index(p["shape"]),
                           data.DIRECTIONS.index(p["direction"]), data.SPEEDS.index(p["speed"])] for p in params])
    mean, std = lat.mean(dim=(0, 2, 3, 4)), lat.std(dim=(0, 2, 3, 4))
    out = dict(latents=lat, attrs=attrs, mean=mean, std=std)
    torch.save(out, path)
    print(f"latents {tuple(lat.shape)} mean {mean.numpy().round(3)} std {std.numpy().round(3)}")
    return out


def quick_eval(te, dn, vae, mean, std, steps=sample.DEFAULT_STEPS, guidance=sample.DEFAULT_GUIDANCE):
    rows = [dict(color=c, shape=s, direction=d, speed=data.SPEEDS[k % 3], heldout=(c, s, d) in data.HELDOUT,
                 prompt=data.canonical_prompt(c, s, d, data.SPEEDS[k % 3]), seed=k)
            for k, (c, s, d) in enumerate(data.ALL_TRIPLES)]
    m = sample.TorchModel(te, dn, vae, mean.numpy(), std.numpy())
    clips = sample.generate(m, [r["prompt"] for r in rows], [r["seed"] for r in rows], steps, guidance)
    return scorer.score(clips, rows)[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--clips", type=int, default=10000)
    ap.add_argument("--p-uncond", type=float, default=0.1)
    ap.add_argument("--eval-every", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--work", default="work")
    a = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(a.seed)
    ds = build_latents(a.work, a.clips)
    x_all = (ds["latents"] - ds["mean"].view(1, -1, 1, 1, 1)) / ds["std"].view(1, -1, 1, 1, 1)
    attrs = ds["attrs"].numpy()
    te, dn = models.TextEncoder(len(data.VOCAB)), models.Denoiser()
    ema_te, ema_dn = copy.deepcopy(te), copy.deepcopy(dn)
    params = list(te.parameters()) + list(dn.parameters())
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=0.01)
    ckpt_path = os.path.join(a.work, "den_ckpt.pt")
    start, elapsed = 0, 0.0
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        for mod, k in ((te, "te"), (dn, "dn"), (ema_te, "ema_te"), (ema_dn, "ema_dn"), (opt, "opt")):
            mod.load_state_dict(ck[k])
        start, elapsed = ck["it"], ck["elapsed"]
        print(f"resumed at iteration {start}")
    print(f"text encoder {models.n_params(te)} params, denoiser {models.n_params(dn)} params")
    vae = models.VAE()
    vae.load_state_dict(torch.load(os.path.join(a.work, "vae.pt")))
    vae.eval()
    t0, loss_avg = time.time() - elapsed, None
    for it in range(start, a.iters):
        lr = a.lr * min(1.0, (it + 1) / 200)  # constant after warm-up: --iters can be raised and resumed
        for g in opt.param_groups:
            g["lr"] = lr
        rng = np.random.default_rng([a.seed, it])
        idx = rng.integers(0, len(x_all), a.batch)
        prompts = []
        for i in idx:
            c, s, d, sp = attrs[i]
            prompts.append("" if rng.random() < a.p_uncond else
                           data.sample_prompt(rng, data.COLORS[c], data.SHAPES[s], data.DIRECTIONS[d], data.SPEEDS[sp]))
        ids, mask = zip(*[data.tokenize(p) for p in prompts])
        x0 = x_all[torch.from_numpy(idx)]
        g = torch.Generator().manual_seed(a.seed * 1000003 + it)
        noise = torch.randn(x0.shape, generator=g)
        u = torch.rand(a.batch, generator=g)
        sigma = SHIFT * u / (1 + (SHIFT - 1) * u)
        s5 = sigma.view(-1, 1, 1, 1, 1)
        xt = (1 - s5) * x0 + s5 * noise
        text = te(torch.tensor(ids), torch.tensor(mask))
        pred = dn(xt, sigma * 1000, text)
        loss = ((pred - (noise - x0)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        decay = min(0.999, (1 + it) / (10 + it))
        with torch.no_grad():
            for m, e in ((te, ema_te), (dn, ema_dn)):
                for p, q in zip(m.parameters(), e.parameters()):
                    q.mul_(decay).add_(p.detach(), alpha=1 - decay)
        loss_avg = loss.item() if loss_avg is None else 0.98 * loss_avg + 0.02 * loss.item()
        if it % 100 == 0:
            print(f"it {it} loss {loss_avg:.4f} lr {lr:.2e} t {time.time() - t0:.0f}s", flush=True)
        last = it == a.iters - 1
        if (it + 1) % 250 == 0 or last:
            ck = dict(te=te.state_dict(), dn=dn.state_dict(), ema_te=ema_te.state_dict(),
                      ema_dn=ema_dn.state_dict(), opt=opt.state_dict(), it=it + 1, elapsed=time.time() - t0)
            torch.save(ck, ckpt_path + ".tmp")
            os.replace(ckpt_path + ".tmp", ckpt_path)
            torch.save(dict(te=ema_te.state_dict(), dn=ema_dn.state_dict(), lat_mean=ds["mean"],
                            lat_std=ds["std"], it=it + 1), os.path.join(a.work, "denoiser.pt"))
        if (it + 1) % a.eval_every == 0 or last:
            ema_te.eval(), ema_dn.eval()
            te_e = time.time()
            summ = quick_eval(ema_te, ema_dn, vae, ds["mean"], ds["std"])
            print(f"eval it {it + 1}: train {summ['train']} heldout {summ['heldout']} "
                  f"dist slow/def/quick {summ['distance_slowly']:.1f}/{summ['distance_default']:.1f}/"
                  f"{summ['distance_quickly']:.1f} ({time.time() - te_e:.0f}s)", flush=True)
            t0 += time.time() - te_e  # evaluation time is not training time
    print(f"done: {a.iters} iterations, {time.time() - t0:.0f}s of training")


if __name__ == "__main__":
    main()

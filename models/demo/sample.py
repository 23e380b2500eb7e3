"""Sample the demo model and score the samples: through PyTorch (during training) or the exported ONNX files.

    ../.venv/bin/python sample.py --onnx package --out work/eval_onnx        # onnxruntime, the engine's arithmetic
    /usr/bin/python3 sample.py --torch work --out work/eval_torch  # PyTorch EMA weights from work/denoiser.pt

The evaluation grid: every one of the 72 color/shape/direction triples (12 held out of training) with each
speed word, several seeds; accuracies per attribute on train and held-out triples, mean distance per speed
word. Writes summary.json, and contact_sheet.png (one row per prompt of package/heldout.json's test grid).

Scheduler: diffusers' FlowMatchEulerDiscreteScheduler (num_train_timesteps=1000, shift from kino.json),
reproduced step by step below (set_timesteps's double shift included); CFG: uncond + g * (cond - uncond),
uncond = the empty prompt; the denoiser sees timestep = sigma * 1000.
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # 2 threads on a shared 2-core box: sleep, don't spin
import argparse
import json
import time

import numpy as np

import data
import scorer

DEFAULT_STEPS, DEFAULT_GUIDANCE, SHIFT = 20, 3.0, 3.0


def flow_sigmas(steps, shift=SHIFT, n_train=1000):
    """sigmas (steps + 1, last 0) exactly as FlowMatchEulerDiscreteScheduler.set_timesteps computes them."""
    import torch
    ts = torch.linspace(1, n_train, n_train, dtype=torch.float32).flip(0) / n_train  # __init__
    ts = shift * ts / (1 + (shift - 1) * ts)
    sigma_max, sigma_min = ts[0].item(), ts[-1].item()
    s = np.linspace(sigma_max * n_train, sigma_min * n_train, steps) / n_train  # set_timesteps (float64)
    s = shift * s / (1 + (shift - 1) * s)
    s = torch.from_numpy(s).to(torch.float32)
    return torch.cat([s, torch.zeros(1)]).numpy()


def initial_noise(seed, shape):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def diffusers_scheduler(shift):
    """diffusers' own FlowMatchEulerDiscreteScheduler when diffusers is importable (models/.venv), else None."""
    try:
        from diffusers import FlowMatchEulerDiscreteScheduler
    except ImportError:
        return None
    return FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=shift)


def denoise(predict, text_cond, text_uncond, noise, steps, guidance, shift=SHIFT):
    """predict(x [B,C,F,H,W], t [B], text [B,L,D]) -> velocity. Batch of cond+uncond as the engine does."""
    sig = flow_sigmas(steps, shift)
    x = noise.astype(np.float32)
    n = x.shape[0]
    sched = diffusers_scheduler(shift)
    if sched is not None:
        import torch
        sched.set_timesteps(steps)
        assert np.array_equal(sched.sigmas.numpy(), sig), (sched.sigmas, sig)
    for i in range(steps):
        t = np.full((2 * n,), sig[i] * 1000.0, dtype=np.float32)
        if sched is not None:
            assert t[0] == sched.timesteps[i].item()
        v = predict(np.concatenate([x, x]), t, np.concatenate([text_cond, text_uncond]))
        vc, vu = v[:n], v[n:]
        v = vu + guidance * (vc - vu) if guidance > 1 else vc
        if sched is not None:
            x = sched.step(torch.from_numpy(v), sched.timesteps[i], torch.from_numpy(x)).prev_sample.numpy()
        else:
            x = (x + (sig[i + 1] - sig[i]) * v).astype(np.float32)
    return x


def eval_grid(seeds=(0, 1)):
    rows = []
    for k, (c, s, d) in enumerate(data.ALL_TRIPLES):
        for sp in data.SPEEDS:
            for seed in seeds:
                rows.append(dict(color=c, shape=s, direction=d, speed=sp, heldout=(c, s, d) in data.HELDOUT,
                                 prompt=data.canonical_prompt(c, s, d, sp), seed=1000 * seed + k))
    return rows


class TorchModel:
    def __init__(self, text_encoder, denoiser, vae, lat_mean, lat_std):
        import torch
        self.torch, self.te, self.dn, self.vae = torch, text_encoder, denoiser, vae
        self.mean, self.std = lat_mean.reshape(1, -1, 1, 1, 1), lat_std.reshape(1, -1, 1, 1, 1)

    @classmethod
    def load(cls, work):
        """The trained weights in WORK (vae.pt, denoiser.pt with its EMA text encoder and denoiser)."""
        import torch
        import models
        vae = models.VAE()
        vae.load_state_dict(torch.load(os.path.join(work, "vae.pt")))
        ck = torch.load(os.path.join(work, "denoiser.pt"))
        te, dn = models.TextEncoder(len(data.VOCAB)), models.Denoiser()
        te.load_state_dict(ck["te"]), dn.load_state_dict(ck["dn"])
        for m in (vae, te, dn):
            m.eval()
        return cls(te, dn, vae, ck["lat_mean"].numpy(), ck["lat_std"].numpy())

    def encode(self, prompts):
        ids, mask = zip(*[data.tokenize(p) for p in prompts])
        with self.torch.no_grad():
            return self.te(self.torch.tensor(ids), self.torch.tensor(mask)).numpy()

    def predict(self, x, t, text):
        with self.torch.no_grad():
            return self.dn(self.torch.from_numpy(x), self.torch.from_numpy(t), self.torch.from_numpy(text)).numpy()

    def decode(self, z):
        with self.torch.no_grad():
            return self.vae.decode_video(self.torch.from_numpy(z * self.std + self.mean)).clamp(-1, 1).numpy()


def load_tokenizer(path):
    """prompt -> token ids from tokenizer.json: HF tokenizers if installed, else this file's own reading of
    the same JSON (Lowercase + Replace normalizers, WhitespaceSplit, WordLevel), which is all the demo uses."""
    try:
        from tokenizers import Tokenizer
        tok = Tokenizer.from_file(path)
        return lambda p: tok.encode(p).ids
    except ImportError:
        import re
        with open(path) as fh:
            j = json.load(fh)
        vocab, unk = j["model"]["vocab"], j["model"]["vocab"][j["model"]["unk_token"]]
        norms = j["normalizer"]["normalizers"]
        assert [n["type"] for n in norms] == ["Lowercase", "Replace"] and j["pre_tokenizer"]["type"] == "WhitespaceSplit"
        pat, rep = norms[1]["pattern"]["Regex"], norms[1]["content"]
        return lambda p: [vocab.get(w, unk) for w in re.sub(pat, rep, p.lower()).split()]


class OnnxModel:
    def __init__(self, package, threads=2):
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads, so.inter_op_num_threads = threads, 1
        with open(os.path.join(package, "kino.json")) as fh:
            self.m = json.load(fh)
        sess = lambda k: ort.InferenceSession(os.path.join(package, self.m[k]["file"]), so,
                                              providers=["CPUExecutionProvider"])
        self.te, self.dn, self.vae = sess("text_encoder"), sess("denoiser"), sess("vae")
        self.tok = load_tokenizer(os.path.join(package, self.m["tokenizer"]))
        self.L = self.m["text_encoder"]["max_length"]
        v = self.m["vae"]
        self.mean = np.array(v["latents_mean"], np.float32).reshape(1, -1, 1, 1, 1)
        self.std = np.array(v["latents_std"], np.float32).reshape(1, -1, 1, 1, 1)

    def encode(self, prompts):
        ids = np.zeros((len(prompts), self.L), np.int64)
        mask = np.zeros_like(ids)
        for i, p in enumerate(prompts):
            e = self.tok(p)[: self.L]
            ids[i, : len(e)], mask[i, : len(e)] = e, 1
        out = self.te.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return (out * mask[:, :, None]).astype(np.float32)  # zero_padding

    def predict(self, x, t, text):
        extra = self.m["denoiser"].get("in_channels", x.shape[1]) - x.shape[1]
        if extra:  # an image-conditioned package run from text alone: all-zero condition channels, as Kino does
            x = np.concatenate([x, np.zeros((x.shape[0], extra) + x.shape[2:], np.float32)], axis=1)
        return self.dn.run(None, {"sample": x, "timestep": t, "encoder_hidden_states": text})[0]

    def decode(self, z):
        z = z / (np.float32(1) / self.std) + self.mean  # the engine's LatentDenormalizer, in float32
        return np.clip(self.vae.run(None, {"latent_sample": z.astype(np.float32)})[0], -1, 1)


def generate(model, prompts, seeds, steps, guidance, shift=SHIFT, batch=16):
    """-> uint8 [N,F,H,W,3] clips (16 frames of 64x64)."""
    out = []
    for i in range(0, len(prompts), batch):
        pr, sd = prompts[i: i + batch], seeds[i: i + batch]
        noise = np.concatenate([initial_noise(s, (1, 8, 8, 8, 8)) for s in sd])
        cond, uncond = model.encode(pr), model.encode([""] * len(pr))
        z = denoise(model.predict, cond, uncond, noise, steps, guidance, shift)
        v = model.decode(z)  # [B,3,F,H,W]
        out.append(((np.transpose(v, (0, 2, 3, 4, 1)) + 1) * 127.5).round().clip(0, 255).astype(np.uint8))
    return np.concatenate(out)


def contact_sheet(clips, labels, path, frames=(0, 5, 10, 15), scale=2, columns=2):
    """Rows of frames (one row per clip, label on the left), in `columns` side-by-side panels."""
    from PIL import Image, ImageDraw
    n, cell, lw = len(clips), 64 * scale, 260
    rows = (n + columns - 1) // columns
    pw = lw + len(frames) * (cell + 2) + 12
    sheet = Image.new("RGB", (columns * pw, rows * (cell + 2)), (40, 40, 40))
    draw = ImageDraw.Draw(sheet)
    for i, (v, lab) in enumerate(zip(clips, labels)):
        x0, y0 = (i // rows) * pw, (i % rows) * (cell + 2)
        draw.text((x0 + 6, y0 + cell // 2 - 6), lab, fill=(230, 230, 230))
        for j, f in enumerate(frames):
            im = Image.fromarray(v[f]).resize((cell, cell), Image.NEAREST)
            sheet.paste(im, (x0 + lw + j * (cell + 2), y0))
    sheet.quantize(colors=64, method=Image.MEDIANCUT).save(path, optimize=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--onnx", help="package folder (kino.json + ONNX files); needs onnxruntime + tokenizers")
    ap.add_argument("--torch", help="work folder with vae.pt, denoiser.pt")
    ap.add_argument("--out", default="work/eval")
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--guidance", type=float, default=None)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--sheet", action="store_true", help="also write contact_sheet.png for the test grid")
    ap.add_argument("--sheet-only", action="store_true", help="only the test grid and its contact sheet")
    ap.add_argument("--limit", type=int, default=0, help="score only every k-th clip of the grid (quick check)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    shift = SHIFT
    if a.onnx:
        model = OnnxModel(a.onnx)
        d = model.m["defaults"]
        steps, guidance, shift = d["steps"], d["guidance"], model.m["scheduler"]["shift"]
    else:
        import torch
        torch.set_num_threads(2)
        model = TorchModel.load(a.torch)
        steps, guidance = DEFAULT_STEPS, DEFAULT_GUIDANCE
    steps = a.steps or steps
    guidance = a.guidance if a.guidance is not None else guidance
    rows = eval_grid(range(a.seeds))
    if a.limit:
        rows = rows[:: a.limit]
    if a.sheet_only:
        rows, a.sheet = [], True
    t0 = time.time()
    if rows:
        clips = generate(model, [r["prompt"] for r in rows], [r["seed"] for r in rows], steps, guidance, shift)
    dt = time.time() - t0
    if rows:
        np.save(os.path.join(a.out, "clips.npy"), clips)
        res, summary = scorer.score(clips, rows)
        summary.update(steps=steps, guidance=guidance, shift=shift, seconds_per_clip=dt / len(rows))
        print(json.dumps(summary, indent=1))
        with open(os.path.join(a.out, "summary.json"), "w") as fh:
            json.dump(dict(summary=summary, rows=res), fh, indent=1)
    if a.sheet:
        grid = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "package", "heldout.json")))
        tests = grid["test_grid"]
        clips = generate(model, [t["prompt"] for t in tests], [t["seed"] for t in tests], steps, guidance, shift)
        _, s2 = scorer.score(clips, tests)
        print("test grid:", json.dumps(s2))
        labels = [t["prompt"] + (" (held out)" if t["heldout"] else "") for t in tests]
        np.save(os.path.join(a.out, "test_grid_clips.npy"), clips)
        with open(os.path.join(a.out, "test_grid.json"), "w") as fh:
            json.dump(s2, fh, indent=1)
        # sheet: the first 12 held-out prompts (one per held-out triple) and the first 12 training prompts
        pick = [i for i, t in enumerate(tests) if t["heldout"]][::2] + [i for i, t in enumerate(tests)
                                                                        if not t["heldout"]][:12]
        contact_sheet(clips[pick], [labels[i] for i in pick], os.path.join(a.out, "contact_sheet.png"))


if __name__ == "__main__":
    main()

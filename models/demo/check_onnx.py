"""Check the exported ONNX graphs against PyTorch and time them with onnxruntime (2 threads).

    ../.venv/bin/python check_onnx.py [package]   # work/vae_i2v.pt + denoiser_i2v.pt (else vae.pt + denoiser.pt)
"""
import os
import sys
import time

import numpy as np
import onnxruntime as ort
import torch

import data
import models


def main():
    pkg = sys.argv[1] if len(sys.argv) > 1 else "package"
    torch.set_num_threads(2)
    so = ort.SessionOptions()
    so.intra_op_num_threads, so.inter_op_num_threads = 2, 1
    sess = lambda f: ort.InferenceSession(os.path.join(pkg, f), so, providers=["CPUExecutionProvider"])
    te_o, dn_o, vae_o = sess("text_encoder.onnx"), sess("denoiser.onnx"), sess("vae_decoder.onnx")
    image = os.path.exists("work/denoiser_i2v.pt")
    vae = models.VAE()
    vae.load_state_dict(torch.load("work/vae_i2v.pt" if image else "work/vae.pt"))
    ck = torch.load("work/denoiser_i2v.pt" if image else "work/denoiser.pt")
    te = models.TextEncoder(len(data.VOCAB))
    dn = models.Denoiser(cond_channels=models.MASK_C + models.LATENT_C if image else 0)
    te.load_state_dict(ck["te"]), dn.load_state_dict(ck["dn"])
    prompts = ["a red circle moving left", "", "the blue triangle moving up quickly", "zebra"]
    ids, mask = (np.array(v, np.int64) for v in zip(*[data.tokenize(p) for p in prompts]))
    x = np.random.default_rng(0).standard_normal((4, dn.conv_in.in_channels, 8, 8, 8)).astype(np.float32)
    t = np.array([1000, 700, 300, 8.9], np.float32)
    with torch.no_grad():
        a = te_o.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        b = te(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
        print(f"text encoder: max |onnx - torch| {np.abs(a - b).max():.2e}; empty prompt all zeros: {not a[1].any()}")
        a2 = dn_o.run(None, {"sample": x, "timestep": t, "encoder_hidden_states": a})[0]
        b2 = dn(torch.from_numpy(x), torch.from_numpy(t), torch.from_numpy(a)).numpy()
        print(f"denoiser: max |onnx - torch| {np.abs(a2 - b2).max():.2e} (output scale {np.abs(b2).max():.1f})")
        a3 = vae_o.run(None, {"latent_sample": x[:2, :8]})[0]
        b3 = vae.decode_video(torch.from_numpy(x[:2, :8])).clamp(-1, 1).numpy()
        print(f"vae decoder: max |onnx - torch| {np.abs(a3 - b3).max():.2e}, output {a3.shape}")
        if image:
            a4 = sess("vae_encoder.onnx").run(None, {"sample": a3})[0]
            b4 = vae.encode_video(torch.from_numpy(a3)).numpy()
            print(f"vae encoder: max |onnx - torch| {np.abs(a4 - b4).max():.2e} (output scale {np.abs(b4).max():.1f})")
    for bs in (1, 2):
        feed = {"sample": x[:bs], "timestep": t[:bs], "encoder_hidden_states": a[:bs]}
        dn_o.run(None, feed)
        t0 = time.time()
        for _ in range(20):
            dn_o.run(None, feed)
        print(f"denoiser batch {bs}: {(time.time() - t0) / 20 * 1000:.1f} ms per step")
    t0 = time.time()
    vae_o.run(None, {"latent_sample": x[:1, :8]})
    print(f"vae decoder: {(time.time() - t0) * 1000:.0f} ms per clip")


if __name__ == "__main__":
    main()

"""Recover the PyTorch weights of the shipped demo model from its ONNX files (package/ -> work/recovered.pt).

    /usr/bin/python3 recover_weights.py

Only needed because the training checkpoints of the first run (models/demo/work, never committed) were lost:
the image-conditioning fine-tune (train_encoder.py, train_i2v.py) starts from the shipped text encoder,
denoiser and VAE decoder. A from-scratch run of train_all.sh has its checkpoints and skips this step.

How: the same modules (models.py) with random weights, every value distinct, are exported by the same code and
the same PyTorch as the package was (export_onnx.py, torch 1.13); each initializer of that export is then a
permutation of one parameter's values (transposed MatMul weights, GroupNorm scales reshaped to [C,1,1], ...).
Matching the values finds the permutation; the
shipped initializer of the same name, permuted back, is the trained parameter. The check: the recovered
modules exported again give initializers identical to the shipped ones, bit for bit.
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import argparse
import io
import json

import numpy as np
import onnx
import torch
from onnx import numpy_helper

import data
import models


def export_bytes(module, args, inputs, outputs, dynamic):
    f = io.BytesIO()
    torch.onnx.export(module, args, f, opset_version=17, input_names=inputs, output_names=outputs,
                      dynamic_axes=dynamic, do_constant_folding=True)
    return onnx.load_from_string(f.getvalue())


def inits(model):
    return {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}


class VaeDecoder(torch.nn.Module):  # the decoder half exactly as export_onnx.py wraps it
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, latent_sample):
        return self.vae.decode_video(latent_sample).clamp(-1, 1)


def graphs(te, dn, vae):
    """The three exports of export_onnx.py (same arguments, same names)."""
    L, C, F, S = data.MAX_LEN, models.LATENT_C, data.FRAMES // 2, data.H // 8
    ids = torch.tensor([data.tokenize("a red circle moving right")[0], data.tokenize("")[0]])
    mask = torch.tensor([data.tokenize("a red circle moving right")[1], data.tokenize("")[1]])
    with torch.no_grad():
        g_te = export_bytes(te, (ids, mask), ["input_ids", "attention_mask"], ["last_hidden_state"],
                            {"input_ids": {0: "batch"}, "attention_mask": {0: "batch"},
                             "last_hidden_state": {0: "batch"}})
        cin = dn.conv_in.in_channels  # 8, or 18 for the image-conditioned denoiser the package ships now
        x, t, txt = torch.randn(2, cin, F, S, S), torch.tensor([1000.0, 500.0]), te(ids, mask)
        g_dn = export_bytes(dn, (x, t, txt), ["sample", "timestep", "encoder_hidden_states"], ["out_sample"],
                            {"sample": {0: "batch"}, "timestep": {0: "batch"},
                             "encoder_hidden_states": {0: "batch"}, "out_sample": {0: "batch"}})
        g_vae = export_bytes(VaeDecoder(vae), (torch.randn(1, C, F, S, S),), ["latent_sample"], ["sample"],
                             {"latent_sample": {0: "batch"}, "sample": {0: "batch"}})
    return g_te, g_dn, g_vae


def distinct(module, seed):
    """Give every parameter element a distinct value, so values identify (parameter, index)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        n = models.n_params(module)
        vals = (1 + torch.randperm(n, generator=g).to(torch.float64) / n).to(torch.float32)  # 1/n apart: > 1 ulp
        k = 0
        for p in module.parameters():
            p.copy_(vals[k: k + p.numel()].reshape(p.shape))
            k += p.numel()


def recover(module, probe_graph, shipped):
    """Write into module's parameters the shipped values, located through the probe export."""
    probe = inits(probe_graph)
    where = {}  # value -> (initializer name, flat index) over the probe's initializers
    for name, arr in probe.items():
        if arr.dtype != np.float32:
            continue
        for i, v in enumerate(arr.ravel()):
            where.setdefault(float(v), []).append((name, i))
    folded = []
    with torch.no_grad():
        for pname, p in module.named_parameters():
            flat = p.detach().reshape(-1).numpy()
            hits = [where.get(float(v)) for v in flat]
            if all(h is not None and len(h) == 1 for h in hits) and len({h[0][0] for h in hits}) == 1:
                name = hits[0][0][0]
                src = shipped[name].ravel()
                p.copy_(torch.from_numpy(np.array([src[h[0][1]] for h in hits], dtype=np.float32)).reshape(p.shape))
            else:
                folded.append(pname)
    return folded


def same_inits(a, b):
    ia, ib = inits(a), inits(b)
    assert ia.keys() == ib.keys(), "different graphs"
    assert [(n.op_type, list(n.input)) for n in a.graph.node] == [(n.op_type, list(n.input)) for n in b.graph.node]
    return max(float(np.abs(ia[k].astype(np.float64) - ib[k]).max()) if ia[k].size else 0.0 for k in ia)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--package", default="package")
    ap.add_argument("--out", default="work/recovered.pt")
    a = ap.parse_args()
    torch.set_num_threads(2)
    shipped = [onnx.load(os.path.join(a.package, f)) for f in ("text_encoder.onnx", "denoiser.onnx",
                                                                 "vae_decoder.onnx")]
    cin = [i for i in shipped[1].graph.initializer if i.name == "conv_in.weight"][0].dims[1]
    te, dn, vae = models.TextEncoder(len(data.VOCAB)), models.Denoiser(cond_channels=cin - models.LATENT_C), models.VAE()
    for i, m in enumerate((te, dn, vae)):
        distinct(m, 11 + i)
        m.eval()
    probes = graphs(te, dn, vae)
    left = {}
    for key, m, probe, ship in (("te", te, probes[0], shipped[0]), ("dn", dn, probes[1], shipped[1]),
                                ("vae", vae, probes[2], shipped[2])):
        left[key] = recover(m, probe, inits(ship))
    assert not left["te"] and not left["dn"], left  # every parameter found
    assert all(n.startswith("enc.") for n in left["vae"]), left["vae"]  # the package has no VAE encoder
    again = graphs(te, dn, vae)
    for name, g, ship in zip(("text encoder", "denoiser", "VAE decoder"), again, shipped):
        print(f"{name}: re-exported initializers vs shipped, max abs difference {same_inits(g, ship):.3g}")
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(os.path.join(a.package, "kino.json")) as fh:
        vae_cfg = json.load(fh)["vae"]
    ck = dict(te=te.state_dict(), dn=dn.state_dict(), vae=vae.state_dict(),  # vae: decoder only, encoder random
              lat_mean=torch.tensor(vae_cfg["latents_mean"]), lat_std=torch.tensor(vae_cfg["latents_std"]))
    torch.save(ck, a.out)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()

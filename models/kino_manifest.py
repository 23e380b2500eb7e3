"""The one writer of Kino's package manifest, ``kino.json`` (format: models/README.md).

The test fixtures (models/fixtures), the demo model (models/demo) and the Wan exporter (models/export) build
their manifests with :func:`manifest` and write them with :func:`write`, so every package gets the same key
order, the same layout (2-space JSON, final newline) and the same checks before anything is written: the
sections the engine requires, a scheduler ``_class_name``, experts ordered from high noise to low noise and
ending at boundary 0, and, given the package folder, every file the manifest names (experts included; the
list mirrors the engine's ``Manifest.files()``).

Used as a module (``import kino_manifest`` with models/ on ``sys.path``); ``python3 models/kino_manifest.py
PACKAGE...`` rewrites and checks existing packages' manifests in place.
"""
import json
import os
import sys

VERSION = 1
SECTIONS = ("text_encoder", "latent", "defaults", "denoiser", "scheduler", "vae")


def manifest(name, description, *, text_encoder, latent, defaults, denoiser, scheduler, vae,
             tokenizer="tokenizer.json", conditioning=None, extra_text_encoders=None, sampling=None):
    """A manifest dict in the key order the engine documents; the sections are taken as given.
    ``conditioning``: image models only (models/export/image-to-video.md); ``extra_text_encoders``: models with
    more than one text encoder, each entry naming its tokenizer and denoiser inputs (models/README.md)."""
    m = {
        "kino": VERSION, "name": name, "description": description, "tokenizer": tokenizer,
        "text_encoder": text_encoder, "latent": latent, "defaults": defaults, "denoiser": denoiser,
        "scheduler": scheduler, "vae": vae,
    }
    if conditioning is not None:
        m["conditioning"] = conditioning
    if sampling is not None:
        m["sampling"] = sampling
    if extra_text_encoders:
        m["extra_text_encoders"] = list(extra_text_encoders)
    return m


def files(m):
    """Every file the manifest names, by role, in the engine's order (Manifest.files())."""
    out = {"tokenizer": m["tokenizer"], "text encoder": m["text_encoder"]["file"]}
    for i, t in enumerate(m.get("extra_text_encoders") or []):
        out[f"tokenizer {i + 2}"] = t["tokenizer"]
        out[f"text encoder {i + 2}"] = t["file"]
    experts = m["denoiser"].get("experts") or [{"file": m["denoiser"]["file"]}]
    for i, e in enumerate(experts):
        out["denoiser" if len(experts) == 1 else f"denoiser expert {i + 1}"] = e["file"]
    out["VAE decoder"] = m["vae"]["file"]
    if m["vae"].get("next_file"):
        out["VAE next-frame decoder"] = m["vae"]["next_file"]
    c = m.get("conditioning")
    if c:
        out["VAE encoder"] = c["vae_encoder"]["file"]
        if c["vae_encoder"].get("next_file"):  # causal encoders only
            out["VAE next-frames encoder"] = c["vae_encoder"]["next_file"]
        if c.get("image_encoder"):
            out["image encoder"] = c["image_encoder"]["file"]
    return out


def overlay_base(package_dir):
    """A test fixture that holds only what differs from another package (the LTX variants) names that package's
    folder, a sibling, in a file ``OVERLAY``; the tests lay the fixture over a copy of it. [] for packages."""
    marker = os.path.join(package_dir, "OVERLAY")
    if not os.path.isfile(marker):
        return []
    with open(marker) as f:
        return [os.path.join(os.path.dirname(os.path.abspath(package_dir)), f.read().strip())]


def check(m, package_dir=None):
    """Raises ValueError listing every problem; with ``package_dir``, also every named file that is missing."""
    problems = []
    if m.get("kino") != VERSION:
        problems.append(f"kino must be {VERSION}")
    for key in ("name", "tokenizer") + SECTIONS:
        if key not in m:
            problems.append(f"{key} is missing")
    if problems:
        raise ValueError("; ".join(problems))
    if "_class_name" not in m["scheduler"]:
        problems.append("scheduler._class_name is missing (copy diffusers' scheduler_config.json)")
    experts = m["denoiser"].get("experts")
    if experts:
        ratios = [e["boundary_ratio"] for e in experts]
        if ratios != sorted(ratios, reverse=True) or ratios[-1] != 0.0:
            problems.append("denoiser.experts must run from high noise to low noise and end at boundary_ratio 0")
        if experts[0]["file"] != m["denoiser"]["file"]:
            problems.append("denoiser.file must name the first (high-noise) expert")
    if package_dir is not None:
        dirs = [package_dir] + overlay_base(package_dir)
        for role, f in files(m).items():
            if not any(os.path.isfile(os.path.join(d, f)) for d in dirs):
                problems.append(f"the {role} file {f} is not in {package_dir}")
    if problems:
        raise ValueError("; ".join(problems))


def dumps(m):
    """The manifest's text: 2-space JSON and a final newline."""
    return json.dumps(m, indent=2) + "\n"


def write(m, path, check_files=True):
    """Checks the manifest (and, by default, that the files it names are beside it), then writes it."""
    check(m, os.path.dirname(os.path.abspath(path)) if check_files else None)
    with open(path, "w") as f:
        f.write(dumps(m))


def main(packages):
    for pkg in packages:
        path = os.path.join(pkg, "kino.json")
        with open(path) as f:
            m = json.load(f)
        write(m, path)
        print("checked and wrote", path)


if __name__ == "__main__":
    main(sys.argv[1:])

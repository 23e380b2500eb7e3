"""Reading a diffusers model folder for export: its weights in float32 without accelerate, and its tokenizer
as the ``tokenizer.json`` a Kino package carries."""
import json
import os
import shutil

import torch

from . import onnx_weights as ow
from .report import log
from .tokenizer import spiece_to_tokenizer_json, write_tokenizer_json

DTYPES = {"fp32": torch.float32, "fp16": torch.float16}


def load_real(cls, folder, **overrides):
    """A diffusers model in float32 with its checkpoint weights (no accelerate needed)."""
    config = dict(cls.load_config(folder))
    config.update(overrides)
    model = cls.from_config(config).eval()
    source = ow.SafetensorsSource(folder)
    model.load_state_dict({k: source.get(k).float() for k in model.state_dict()})
    return model


def export_tokenizer(src, out):
    folder = os.path.join(src, "tokenizer")
    if os.path.isfile(os.path.join(folder, "tokenizer.json")):
        shutil.copyfile(os.path.join(folder, "tokenizer.json"), os.path.join(out, "tokenizer.json"))
        log("tokenizer.json copied")
    elif os.path.isfile(os.path.join(folder, "spiece.model")):
        cfg_path = os.path.join(folder, "tokenizer_config.json")
        extra = json.load(open(cfg_path)).get("extra_ids", 0) if os.path.isfile(cfg_path) else 0
        write_tokenizer_json(spiece_to_tokenizer_json(os.path.join(folder, "spiece.model"), extra),
                             os.path.join(out, "tokenizer.json"))
        log("tokenizer.json converted from spiece.model (see README: prefer transformers' own tokenizer.json)")
    else:
        raise SystemExit(f"{folder} has neither tokenizer.json nor spiece.model")

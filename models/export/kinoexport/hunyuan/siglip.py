"""The SigLIP vision tower of HunyuanVideo 1.5 image-to-video (``image_encoder/``, HuggingFace's
``SiglipVisionModel`` layout) as a small PyTorch module of Kino's own, so neither the export nor Kino needs
transformers.

``HunyuanVideo15ImageToVideoPipeline._get_image_embeds`` runs ``image_encoder(pixel_values).last_hidden_state``:
patches (Conv2d with bias, stride = patch) plus learned position embeddings (no class token, no pre-norm), N
pre-norm layers as CLIP's (the same :class:`kinoexport.wan.clip._Layer`, GELU with the tanh approximation), then
``post_layernorm``. The pooling head is never used. Input ``pixel_values`` [B, 3, S, S] (SiglipImageProcessor:
resized to S x S bicubic, ``(x / 255 - 0.5) / 0.5``); output ``image_embeds`` [B, (S / patch)^2, hidden]
(729 x 1152 for the real so400m tower). Always float32.
"""
import json
import os

import torch
import torch.nn as nn

from ..wan import clip

INPUTS = ["pixel_values"]
OUTPUTS = ["image_embeds"]
AXES = {"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}}


class SiglipVisionConfig:
    def __init__(self, **kw):
        self.hidden_size = kw["hidden_size"]
        self.intermediate_size = kw["intermediate_size"]
        self.num_heads = kw["num_attention_heads"]
        self.num_layers = kw["num_hidden_layers"]
        self.image_size = kw["image_size"]
        self.patch_size = kw["patch_size"]
        self.num_channels = kw.get("num_channels", 3)
        self.eps = kw.get("layer_norm_eps", 1e-6)
        self.act = kw.get("hidden_act", "gelu_pytorch_tanh")
        if self.act not in clip.ACTIVATIONS:
            raise NotImplementedError(f"SigLIP activation {self.act}")

    @classmethod
    def from_folder(cls, folder):
        cfg = json.load(open(os.path.join(folder, "config.json")))
        return cls(**cfg.get("vision_config", cfg))

    @property
    def tokens(self):
        return (self.image_size // self.patch_size) ** 2


class _Embeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.patch_embedding = nn.Conv2d(cfg.num_channels, cfg.hidden_size, cfg.patch_size, cfg.patch_size)
        self.position_embedding = nn.Embedding(cfg.tokens, cfg.hidden_size)

    def forward(self, pixels):
        return self.patch_embedding(pixels).flatten(2).transpose(1, 2) + self.position_embedding.weight.unsqueeze(0)


class _Encoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layers = nn.ModuleList(clip._Layer(cfg) for _ in range(cfg.num_layers))


class SiglipVisionTower(nn.Module):
    """pixel_values [B, 3, S, S] -> last_hidden_state [B, tokens, hidden] (float32)."""

    def __init__(self, cfg):
        super().__init__()
        self.config = cfg
        self.embeddings = _Embeddings(cfg)
        self.encoder = _Encoder(cfg)
        self.post_layernorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.eps)

    def forward(self, pixel_values):
        x = self.embeddings(pixel_values)
        for layer in self.encoder.layers:
            x = layer(x)
        return self.post_layernorm(x)

    @staticmethod
    def source_key(name, keys):
        """The checkpoint's name for parameter ``name``: with or without the ``vision_model.`` prefix."""
        return name if name in keys else "vision_model." + name


@torch.no_grad()
def load(folder):
    """The tower with the folder's weights (``image_encoder/``, safetensors)."""
    from ..common import onnx_weights as ow
    cfg = SiglipVisionConfig.from_folder(folder)
    tower = SiglipVisionTower(cfg).eval()
    source = ow.SafetensorsSource(folder)
    keys = set(source.keys())
    tower.load_state_dict({k: source.get(SiglipVisionTower.source_key(k, keys)).float()
                           for k in tower.state_dict()})
    return tower

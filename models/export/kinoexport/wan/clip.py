"""The CLIP vision tower of Wan 2.1 I2V / FLF2V (``image_encoder/``, open-clip ViT-H/14 in HuggingFace's
``CLIPVisionModel`` layout) as a small PyTorch module of Kino's own.

diffusers' ``WanImageToVideoPipeline.encode_image`` runs ``image_encoder(pixel_values,
output_hidden_states=True).hidden_states[-2]``: the output of the second-to-last encoder layer (the
last layer and ``post_layernorm`` are never used). :class:`CLIPVisionTower` computes exactly that, with
the checkpoint's own weight names (``vision_model.…``), so transformers is needed neither to export nor
to run it; ``check_clip.py`` compares it with transformers' ``CLIPVisionModel``.

Math: patches (Conv2d, stride = patch, no bias) with the class token in front, plus learned position
embeddings, ``pre_layrnorm``; then N - 1 pre-norm layers ``x += out(softmax(q k^T / sqrt(d)) v)`` on
``ln1(x)``, ``x += fc2(act(fc1(ln2(x))))``. Input ``pixel_values`` [B, 3, S, S] (CLIPImageProcessor's
output: resized, centre-cropped, normalised); output ``image_embeds`` [B, 1 + (S/patch)^2, hidden].
Always float32 (632M parameters for ViT-H; LayerNorm statistics stay exact).
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

ACTIVATIONS = {"gelu": F.gelu, "quick_gelu": lambda x: x * torch.sigmoid(1.702 * x),
               "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh")}   # SigLIP (kinoexport/hunyuan)

# CLIPImageProcessor of the Wan I2V folders (image_processor/preprocessor_config.json): OpenAI CLIP's
IMAGE_MEAN = [0.48145466, 0.4578275, 0.40821073]
IMAGE_STD = [0.26862954, 0.26130258, 0.27577711]


class CLIPVisionConfig:
    def __init__(self, **kw):
        self.hidden_size = kw["hidden_size"]
        self.intermediate_size = kw["intermediate_size"]
        self.num_heads = kw["num_attention_heads"]
        self.num_layers = kw["num_hidden_layers"]
        self.image_size = kw["image_size"]
        self.patch_size = kw["patch_size"]
        self.num_channels = kw.get("num_channels", 3)
        self.eps = kw.get("layer_norm_eps", 1e-5)
        self.act = kw.get("hidden_act", "quick_gelu")
        if self.act not in ACTIVATIONS:
            raise NotImplementedError(f"CLIP activation {self.act}")

    @classmethod
    def from_folder(cls, folder):
        cfg = json.load(open(os.path.join(folder, "config.json")))
        return cls(**cfg.get("vision_config", cfg))

    @property
    def tokens(self):
        return 1 + (self.image_size // self.patch_size) ** 2

    def to_hf_dict(self):
        return {"architectures": ["CLIPVisionModel"], "model_type": "clip_vision_model",
                "hidden_size": self.hidden_size, "intermediate_size": self.intermediate_size,
                "num_attention_heads": self.num_heads, "num_hidden_layers": self.num_layers,
                "image_size": self.image_size, "patch_size": self.patch_size, "num_channels": self.num_channels,
                "layer_norm_eps": self.eps, "hidden_act": self.act, "projection_dim": self.hidden_size}


class _Embeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.class_embedding = nn.Parameter(torch.zeros(cfg.hidden_size))
        self.patch_embedding = nn.Conv2d(cfg.num_channels, cfg.hidden_size, cfg.patch_size, cfg.patch_size,
                                         bias=False)
        self.position_embedding = nn.Embedding(cfg.tokens, cfg.hidden_size)

    def forward(self, pixels):
        x = self.patch_embedding(pixels).flatten(2).transpose(1, 2)
        cls = self.class_embedding.view(1, 1, -1).expand(x.shape[0], 1, -1)
        return torch.cat([cls, x], dim=1) + self.position_embedding.weight.unsqueeze(0)


class _Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg.hidden_size
        self.heads = cfg.num_heads
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x):
        b, s, d = x.shape
        q, k, v = (p(x).view(b, s, self.heads, -1).transpose(1, 2) for p in (self.q_proj, self.k_proj, self.v_proj))
        scores = (q @ k.transpose(2, 3)) * (1.0 / math.sqrt(d // self.heads))
        out = torch.softmax(scores, dim=-1) @ v
        return self.out_proj(out.transpose(1, 2).reshape(b, s, d))


class _MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.fc1 = nn.Linear(cfg.hidden_size, cfg.intermediate_size)
        self.fc2 = nn.Linear(cfg.intermediate_size, cfg.hidden_size)
        self.act = ACTIVATIONS[cfg.act]

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class _Layer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layer_norm1 = nn.LayerNorm(cfg.hidden_size, eps=cfg.eps)
        self.self_attn = _Attention(cfg)
        self.layer_norm2 = nn.LayerNorm(cfg.hidden_size, eps=cfg.eps)
        self.mlp = _MLP(cfg)

    def forward(self, x):
        x = x + self.self_attn(self.layer_norm1(x))
        return x + self.mlp(self.layer_norm2(x))


class _Encoder(nn.Module):
    def __init__(self, cfg, layers):
        super().__init__()
        self.layers = nn.ModuleList(_Layer(cfg) for _ in range(layers))


class _VisionModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embeddings = _Embeddings(cfg)
        self.pre_layrnorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.eps)
        # only the layers hidden_states[-2] depends on: the last one is never run
        self.encoder = _Encoder(cfg, cfg.num_layers - 1)


class CLIPVisionTower(nn.Module):
    """pixel_values [B, 3, S, S] -> penultimate hidden states [B, tokens, hidden] (float32)."""

    def __init__(self, cfg):
        super().__init__()
        self.config = cfg
        self.vision_model = _VisionModel(cfg)

    def forward(self, pixel_values):
        vm = self.vision_model
        x = vm.pre_layrnorm(vm.embeddings(pixel_values))
        for layer in vm.encoder.layers:
            x = layer(x)
        return x


IMAGE_INPUTS = ["pixel_values"]
IMAGE_OUTPUTS = ["image_embeds"]
IMAGE_AXES = {"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}}

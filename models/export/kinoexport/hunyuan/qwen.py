"""The text stack of Qwen2.5-VL (HunyuanVideo 1.5's first text encoder) as a small PyTorch module of Kino's own.

``HunyuanVideo15Pipeline._get_mllm_prompt_embeds`` calls ``Qwen2_5_VLTextModel(input_ids, attention_mask,
output_hidden_states=True).hidden_states[-(skip + 1)]`` (skip = 2). ``hidden_states`` holds the embeddings, then
each decoder layer's output, the last one after the final norm; so index ``-(skip + 1)`` is the residual stream
after ``num_hidden_layers - skip`` layers (no final norm when skip > 0). This module runs exactly those layers:
the last ``skip`` layers are never exported.

Math, per layer (text only, so Qwen2.5-VL's multimodal RoPE has the same position on its three axes and is the
plain rotate-half RoPE): ``x += o(attn(rope(q(rms(x))), rope(k(rms(x))), v(rms(x))))`` with grouped-query
attention (``num_key_value_heads`` shared by ``num_attention_heads / num_key_value_heads`` query heads each),
causal and key-padding masked, scale ``1/sqrt(head_dim)``; ``x += down(silu(gate(rms(x))) * up(rms(x)))``.
RMS norms: ``w * x / sqrt(mean(x^2) + eps)`` in float32. Positions are 0..L-1 whatever the mask (what the text
model does when given no ``position_ids``). Parameter names are transformers' (``embed_tokens.weight``,
``layers.{i}.self_attn.q_proj.weight``, ...).
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F


class QwenTextConfig:
    def __init__(self, **kw):
        text = kw.get("text_config", kw)     # a full Qwen2.5-VL config nests the text model's
        self.vocab_size = text["vocab_size"]
        self.hidden_size = text["hidden_size"]
        self.intermediate_size = text["intermediate_size"]
        self.num_layers = text["num_hidden_layers"]
        self.heads = text["num_attention_heads"]
        self.kv_heads = text.get("num_key_value_heads", self.heads)
        self.head_dim = text.get("head_dim") or self.hidden_size // self.heads
        self.eps = text.get("rms_norm_eps", 1e-6)
        rope = text.get("rope_parameters") or text.get("rope_scaling") or {}
        self.theta = rope.get("rope_theta", text.get("rope_theta", 1000000.0))
        if text.get("hidden_act", "silu") != "silu":
            raise NotImplementedError(f"Qwen text model with hidden_act {text.get('hidden_act')}")
        if text.get("use_sliding_window"):
            raise NotImplementedError("Qwen text model with sliding-window layers")

    @classmethod
    def from_folder(cls, folder):
        return cls(**json.load(open(os.path.join(folder, "config.json"))))


def rms_norm(x, weight, eps):
    x32 = x.float()
    return weight * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps)).to(weight.dtype)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return rms_norm(x, self.weight, self.eps)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.q_proj = nn.Linear(cfg.hidden_size, cfg.heads * cfg.head_dim, bias=True)
        self.k_proj = nn.Linear(cfg.hidden_size, cfg.kv_heads * cfg.head_dim, bias=True)
        self.v_proj = nn.Linear(cfg.hidden_size, cfg.kv_heads * cfg.head_dim, bias=True)
        self.o_proj = nn.Linear(cfg.heads * cfg.head_dim, cfg.hidden_size, bias=False)

    def forward(self, x, cos, sin, bias):
        b, length, _ = x.shape
        c = self.cfg
        q = self.q_proj(x).view(b, length, c.heads, c.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, length, c.kv_heads, c.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, length, c.kv_heads, c.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        group = c.heads // c.kv_heads       # grouped-query attention: each key/value head serves `group` query heads
        k = k.repeat_interleave(group, dim=1)
        v = v.repeat_interleave(group, dim=1)
        scores = torch.matmul(q, k.transpose(2, 3)) * (c.head_dim ** -0.5) + bias
        out = torch.matmul(torch.softmax(scores.float(), dim=-1).to(q.dtype), v)
        return self.o_proj(out.transpose(1, 2).reshape(b, length, c.heads * c.head_dim))


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.gate_proj = nn.Linear(cfg.hidden_size, cfg.intermediate_size, bias=False)
        self.up_proj = nn.Linear(cfg.hidden_size, cfg.intermediate_size, bias=False)
        self.down_proj = nn.Linear(cfg.intermediate_size, cfg.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg.hidden_size, cfg.eps)
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg.hidden_size, cfg.eps)
        self.mlp = MLP(cfg)

    def forward(self, x, cos, sin, bias):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, bias)
        return x + self.mlp(self.post_attention_layernorm(x))


class QwenTextEncoder(nn.Module):
    """``forward(input_ids [B, L] int64, attention_mask [B, L] int64) -> hidden_states [B, L, D]``: diffusers'
    ``hidden_states[-(skip + 1)]`` of the text model."""

    def __init__(self, cfg, skip):
        super().__init__()
        self.config = cfg
        self.skip = skip
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.layers = nn.ModuleList([Layer(cfg) for _ in range(cfg.num_layers - skip)])
        self.norm = RMSNorm(cfg.hidden_size, cfg.eps) if skip == 0 else None
        # on the CPU even when the module is built on the meta device for export (the exporter writes it as is)
        inv = 1.0 / (cfg.theta ** (torch.arange(0, cfg.head_dim, 2, dtype=torch.int64, device="cpu").float()
                                   / cfg.head_dim))
        self.register_buffer("inv_freq", inv, persistent=False)

    def forward(self, input_ids, attention_mask):
        x = self.embed_tokens(input_ids)
        length = input_ids.shape[1]
        pos = torch.arange(length, device=input_ids.device).float()
        freqs = pos[:, None] * self.inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos().to(x.dtype)[None, None], emb.sin().to(x.dtype)[None, None]
        causal = torch.ones(length, length, dtype=torch.bool, device=input_ids.device).tril()
        allowed = causal[None, None] & attention_mask.bool()[:, None, None, :]
        bias = torch.zeros(allowed.shape, dtype=x.dtype).masked_fill(~allowed, torch.finfo(x.dtype).min)
        for layer in self.layers:
            x = layer(x, cos, sin, bias)
        return x if self.norm is None else self.norm(x)

    @staticmethod
    def source_key(name, keys):
        """The text model's weights under the names a checkpoint uses (bare, or inside a full Qwen2.5-VL)."""
        for prefix in ("", "model.", "language_model.", "model.language_model."):
            if prefix + name in keys:
                return prefix + name
        raise KeyError(f"{name} not in the text encoder's checkpoint")


TEXT_INPUTS = ["input_ids", "attention_mask"]
TEXT_OUTPUTS = ["hidden_states"]
TEXT_AXES = {"input_ids": {0: "batch", 1: "length"}, "attention_mask": {0: "batch", 1: "length"},
             "hidden_states": {0: "batch", 1: "length"}}

"""The T5-family encoders of the video models as a small PyTorch module of Kino's own: UMT5 (google/umt5-xxl,
Wan's text encoder) and T5 v1.1 (google/t5-v1_1-xxl, LTX-Video's).

It loads HuggingFace ``UMT5EncoderModel`` / ``T5EncoderModel`` weights by their own names
(``text_encoder/*.safetensors`` and ``config.json`` of a diffusers folder) and computes what
``...EncoderModel(input_ids, attention_mask).last_hidden_state`` computes, so neither transformers nor its
tokenizer code is needed to export or to run it. ``check_umt5_official.py`` compares both variants with the
official Wan 2.1 implementation (``wan/modules/t5.py``: ``shared_pos=False`` is UMT5, ``shared_pos=True``
is T5 v1.1).

Math: ``x += o(softmax(q k^T + bias(k - q) + mask) v)`` on ``rms(x)``, no 1/sqrt(d) scaling. UMT5: every
layer i has its own relative-position bias ``bias_i``; T5 v1.1 (``model_type`` ``t5``): only block 0 holds
``relative_attention_bias`` and its bias is shared by all layers;
``x += wo(gelu_tanh(wi_0 rms(x)) * wi_1 rms(x))``; output ``rms_final(x)``. RMS norms carry no mean
and no bias: ``w * x / sqrt(mean(x^2) + eps)`` in float32.

fp16 (``--fp16``): the big matrices (embedding, q/k/v/o, wi_0, wi_1) are stored and multiplied in
float16; their outputs, the residual stream, the norms, attention scores/softmax and the FFN product
run in float32, and ``wo`` stays float32 (what transformers does for T5 in fp16, whose FFN product
overflows float16). Inputs and output are int64 / float32 either way.
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F


class UMT5Config:
    def __init__(self, **kw):
        self.vocab_size = kw["vocab_size"]
        self.d_model = kw["d_model"]
        self.d_kv = kw["d_kv"]
        self.d_ff = kw["d_ff"]
        self.num_heads = kw["num_heads"]
        self.num_layers = kw["num_layers"]
        self.num_buckets = kw.get("relative_attention_num_buckets", 32)
        self.max_distance = kw.get("relative_attention_max_distance", 128)
        self.eps = kw.get("layer_norm_epsilon", 1e-6)
        # "t5": one relative-position bias (block 0's) shared by every layer; "umt5": one per layer
        self.model_type = kw.get("model_type", "umt5")
        if self.model_type not in ("t5", "umt5"):
            raise NotImplementedError(f"T5-family encoder of model_type {self.model_type!r}")
        act = kw.get("dense_act_fn", "gelu_new")
        proj = kw.get("feed_forward_proj", "gated-gelu")
        if act not in ("gelu_new", "gelu_pytorch_tanh") or not proj.startswith("gated"):
            raise NotImplementedError(f"UMT5 with {proj}/{act} (Wan uses gated-gelu / gelu_new)")

    @classmethod
    def from_folder(cls, folder):
        return cls(**json.load(open(os.path.join(folder, "config.json"))))

    @property
    def shared_bias(self):
        return self.model_type == "t5"

    def to_hf_dict(self):
        arch = "T5EncoderModel" if self.shared_bias else "UMT5EncoderModel"
        return {"architectures": [arch], "model_type": self.model_type, "vocab_size": self.vocab_size,
                "d_model": self.d_model, "d_kv": self.d_kv, "d_ff": self.d_ff, "num_heads": self.num_heads,
                "num_layers": self.num_layers, "relative_attention_num_buckets": self.num_buckets,
                "relative_attention_max_distance": self.max_distance, "layer_norm_epsilon": self.eps,
                "feed_forward_proj": "gated-gelu", "dense_act_fn": "gelu_new", "is_encoder_decoder": True,
                "pad_token_id": 0, "eos_token_id": 1, "decoder_start_token_id": 0,
                "tie_word_embeddings": False, **({} if self.shared_bias else {"scalable_attention": True})}


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        x = x.float()
        return self.weight.float() * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def linear(layer, x):
    """x (float32) through a bias-free Linear stored in any dtype; result float32."""
    return F.linear(x.to(layer.weight.dtype), layer.weight).float()


def relative_buckets(length, num_buckets, max_distance):
    """T5's bidirectional relative-position buckets for key - query, [L, L] int64."""
    pos = torch.arange(length)
    rel = pos[None, :] - pos[:, None]
    num_buckets //= 2
    buckets = (rel > 0).long() * num_buckets
    rel = rel.abs()
    max_exact = num_buckets // 2
    # log of 0 never reaches the result (those positions take the exact branch); clamp keeps it finite
    large = max_exact + (torch.log(rel.clamp(min=1).float() / max_exact)
                         / math.log(max_distance / max_exact) * (num_buckets - max_exact)).long()
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return buckets + torch.where(rel < max_exact, rel, large)


class SelfAttention(nn.Module):
    def __init__(self, cfg, has_bias=True):
        super().__init__()
        inner = cfg.num_heads * cfg.d_kv
        self.heads, self.d_kv = cfg.num_heads, cfg.d_kv
        self.num_buckets, self.max_distance = cfg.num_buckets, cfg.max_distance
        self.q = nn.Linear(cfg.d_model, inner, bias=False)
        self.k = nn.Linear(cfg.d_model, inner, bias=False)
        self.v = nn.Linear(cfg.d_model, inner, bias=False)
        self.o = nn.Linear(inner, cfg.d_model, bias=False)
        if has_bias:
            self.relative_attention_bias = nn.Embedding(cfg.num_buckets, cfg.num_heads)

    def position_bias(self, length):
        """[1, heads, L, L] float32 bias from this layer's bucket table."""
        buckets = relative_buckets(length, self.num_buckets, self.max_distance)
        return self.relative_attention_bias.weight.float()[buckets].permute(2, 0, 1).unsqueeze(0)

    def forward(self, x, mask_bias, shared_bias=None):
        b, length, _ = x.shape
        q, k, v = (linear(p, x).view(b, length, self.heads, self.d_kv).transpose(1, 2)
                   for p in (self.q, self.k, self.v))
        bias = shared_bias if shared_bias is not None else self.position_bias(length)
        scores = q @ k.transpose(-1, -2) + bias
        if mask_bias is not None:
            scores = scores + mask_bias
        out = torch.softmax(scores, dim=-1) @ v
        return linear(self.o, out.transpose(1, 2).reshape(b, length, -1))


class FeedForward(nn.Module):
    """HF's DenseReluDense of UMT5 (gated gelu)."""

    def __init__(self, cfg):
        super().__init__()
        self.wi_0 = nn.Linear(cfg.d_model, cfg.d_ff, bias=False)
        self.wi_1 = nn.Linear(cfg.d_model, cfg.d_ff, bias=False)
        self.wo = nn.Linear(cfg.d_ff, cfg.d_model, bias=False)

    def forward(self, x):
        return linear(self.wo, gelu_tanh(linear(self.wi_0, x)) * linear(self.wi_1, x))


class _Sub(nn.Module):
    """Holds one HF sub-layer: ``layer.{0,1}`` with ``layer_norm`` and SelfAttention/DenseReluDense."""

    def __init__(self, cfg, attention, has_bias=True):
        super().__init__()
        self.layer_norm = RMSNorm(cfg.d_model, cfg.eps)
        if attention:
            self.SelfAttention = SelfAttention(cfg, has_bias)
        else:
            self.DenseReluDense = FeedForward(cfg)


class Block(nn.Module):
    def __init__(self, cfg, has_bias=True):
        super().__init__()
        self.layer = nn.ModuleList([_Sub(cfg, True, has_bias), _Sub(cfg, False)])

    def forward(self, x, mask_bias, shared_bias=None):
        attn, ff = self.layer
        x = x + attn.SelfAttention(attn.layer_norm(x), mask_bias, shared_bias)
        return x + ff.DenseReluDense(ff.layer_norm(x))


class _Encoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.block = nn.ModuleList([Block(cfg, has_bias=(i == 0 or not cfg.shared_bias))
                                    for i in range(cfg.num_layers)])
        self.final_layer_norm = RMSNorm(cfg.d_model, cfg.eps)


class UMT5Encoder(nn.Module):
    """``forward(input_ids [B, L] int64, attention_mask [B, L] int64 or None) -> last_hidden_state [B, L, D]``.

    ``attention_mask`` None attends to every position, as ``T5EncoderModel(input_ids)`` does when called
    without a mask (LTXPipeline does so: its padded positions are encoded, and masked later in the denoiser).

    Parameter names are HuggingFace's (``shared.weight``, ``encoder.block.{i}.layer.0.SelfAttention.q.weight``,
    ..., ``encoder.final_layer_norm.weight``).
    """

    def __init__(self, cfg):
        super().__init__()
        self.config = cfg
        self.shared = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.encoder = _Encoder(cfg)

    def forward(self, input_ids, attention_mask=None):
        x = self.shared(input_ids).float()
        # HF: (1 - mask) * finfo(float32).min added to the scores of padded keys
        mask_bias = None if attention_mask is None else \
            (1.0 - attention_mask.float())[:, None, None, :] * torch.finfo(torch.float32).min
        shared = self.encoder.block[0].layer[0].SelfAttention.position_bias(input_ids.shape[1]) \
            if self.config.shared_bias else None
        for block in self.encoder.block:
            x = block(x, mask_bias, shared)
        return self.encoder.final_layer_norm(x)

    def to_export_dtype_(self, dtype):
        """fp16: the big matrices in float16 except ``wo`` (see module docstring)."""
        if dtype == torch.float32:
            return self
        self.shared.to(dtype)
        for block in self.encoder.block:
            for lin in (block.layer[0].SelfAttention.q, block.layer[0].SelfAttention.k,
                        block.layer[0].SelfAttention.v, block.layer[0].SelfAttention.o,
                        block.layer[1].DenseReluDense.wi_0, block.layer[1].DenseReluDense.wi_1):
                lin.to(dtype)
        return self

    @staticmethod
    def source_key(name, keys):
        """HF checkpoints store the tied embedding as ``shared.weight`` or ``encoder.embed_tokens.weight``."""
        if name == "shared.weight" and name not in keys:
            return "encoder.embed_tokens.weight"
        return name


TEXT_INPUTS = ["input_ids", "attention_mask"]
TEXT_OUTPUTS = ["last_hidden_state"]
TEXT_AXES = {"input_ids": {0: "batch", 1: "length"}, "attention_mask": {0: "batch", 1: "length"},
             "last_hidden_state": {0: "batch", 1: "length"}}

"""Building blocks every family's exported transformer shares: RMSNorm written with plain ops, and attention
exported either as ONNX Runtime's fused ``com.microsoft.MultiHeadAttention`` (``mha``) or as
MatMul/Softmax/MatMul (``sdpa``, any runtime)."""
import torch
import torch.nn.functional as F


def rms_norm(x, weight, eps):
    """torch.nn.RMSNorm's math: computed in float32, returned in x's dtype."""
    xf = x.float()
    y = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
    return (y * weight.float()).to(x.dtype)


class _MultiHeadAttention(torch.autograd.Function):
    """Exports as com.microsoft.MultiHeadAttention (scale 1/sqrt(head_dim), no mask)."""

    @staticmethod
    def forward(ctx, q, k, v, heads):
        return _sdpa(q, k, v, heads)

    @staticmethod
    def symbolic(g, q, k, v, heads):
        out = g.op("com.microsoft::MultiHeadAttention", q, k, v, num_heads_i=heads)
        out.setType(q.type())
        return out


def _sdpa(q, k, v, heads):
    qh, kh, vh = (t.unflatten(2, (heads, -1)).transpose(1, 2) for t in (q, k, v))
    return F.scaled_dot_product_attention(qh, kh, vh).transpose(1, 2).flatten(2)


def attention(q, k, v, heads, kind):
    return _MultiHeadAttention.apply(q, k, v, heads) if kind == "mha" else _sdpa(q, k, v, heads)

r"""Attention and the Transformer block (chapter 12).

Scaled dot-product attention: each query looks at every key, turns the
similarities into weights with a softmax, and takes the weighted average
of the values,

$$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\left(\frac{QK^\top}{\sqrt{d}} + M\right) V,$$

where the mask $M$ is $-\infty$ where a query may not look (the future, in
a language model; padding). Multi-head attention runs ``num_heads`` of
these side by side on slices of the embedding and mixes the results.
"""
import math

import numpy as np

from nnkit import ops
from nnkit.nn import functional as F
from nnkit.nn import init
from nnkit.nn.layers import Dropout, Linear, _positive_int
from nnkit.nn.module import Module, Parameter, match_dtype
from nnkit.nn.normalization import LayerNorm
from nnkit.tensor import Tensor


def causal_mask(size):
    """(size, size) booleans, True above the diagonal: position t may not see t+1, t+2, ..."""
    return np.triu(np.ones((size, size), dtype=bool), k=1)


def _mask_as_bias(mask, name, shape, dtype):
    """A PyTorch MultiheadAttention mask as an additive array: booleans are True where a
    query may NOT look (-inf there, 0 elsewhere); float masks are added as they are."""
    mask = np.asarray(getattr(mask, "data", mask))
    if mask.shape != shape:
        raise ValueError(f"MultiheadAttention: expected {name} of shape {shape}. "
                         f"Received {mask.shape}")
    if mask.dtype == bool:
        return np.where(mask, -np.inf, 0.0)
    if mask.dtype.kind != "f":
        raise TypeError(f"MultiheadAttention: expected a boolean {name} (True = may not look) "
                        f"or a float one (added to the scores). Received dtype {mask.dtype}")
    return mask


def _additive_mask(attn_mask, key_padding_mask, batch, target_len, source_len, dtype):
    """Both masks as one additive array, shaped to broadcast over (N, heads, L, S)."""
    bias = np.zeros((1, 1, target_len, source_len), dtype=dtype)
    if attn_mask is not None:
        bias = bias + _mask_as_bias(attn_mask, "attn_mask", (target_len, source_len), dtype)
    if key_padding_mask is not None:
        padding = _mask_as_bias(key_padding_mask, "key_padding_mask", (batch, source_len), dtype)
        bias = bias + padding[:, None, None, :]
    return bias.astype(dtype)


def _attention_with_weights(q, k, v, bias=None, dropout_p=0.0):
    """q (..., L, d), k and v (..., S, d), additive ``bias`` -> (output, weights (..., L, S))."""
    scores = q @ k.transpose(-1, -2) * (1.0 / math.sqrt(q.shape[-1]))
    if bias is not None:
        scores = scores + Tensor(bias, dtype=scores.dtype)
    weights = F.softmax(scores, dim=-1)
    return F.dropout(weights, dropout_p) @ v, weights


class MultiheadAttention(Module):
    r"""Multi-head attention with PyTorch's parameters, arguments and defaults.

    Args:
        embed_dim: size of each token's vector; num_heads: how many heads
            (embed_dim must divide evenly); dropout: on the attention weights.
        bias: learn the projections' biases.
        batch_first: inputs and output are (N, L, E) instead of PyTorch's
            default (L, N, E), length first.

    ``forward(query, key, value, key_padding_mask=None, need_weights=True,
    attn_mask=None, average_attn_weights=True)`` returns ``(output, weights)``:
    output shaped as the query; weights (N, L, S) averaged over heads, or
    (N, heads, L, S), in both layouts.
    To see the weights inside a model that calls it with ``need_weights=False``
    (the heatmap widget), register a forward pre-hook with ``with_kwargs=True``
    that asks for them and a forward hook that keeps them, as in PyTorch.

    With ``need_weights=False`` (as TransformerBlock calls it) the attention is
    one fused node, ``nnkit.ops.Attention``; otherwise it runs the attention
    step by step, so that the weights it returns carry gradients.

    Masks follow PyTorch's MultiheadAttention: a boolean ``attn_mask`` (L, S)
    or ``key_padding_mask`` (N, S) is True where a query may **not** look (for
    example :func:`causal_mask`); a float mask is added to the scores. Note
    that ``F.scaled_dot_product_attention`` reads a boolean mask the other way
    round (True = may look), as PyTorch's does.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, batch_first=False):
        super().__init__()
        self.embed_dim = _positive_int(embed_dim, "embed_dim", "MultiheadAttention")
        self.num_heads = _positive_int(num_heads, "num_heads", "MultiheadAttention")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim must be divisible by num_heads. "
                             f"Received embed_dim={embed_dim}, num_heads={num_heads}")
        self.dropout, self.batch_first = dropout, batch_first
        self.in_proj_weight = Parameter(np.empty((3 * embed_dim, embed_dim), np.float32))
        init.xavier_uniform_(self.in_proj_weight)
        self.in_proj_bias = Parameter(np.zeros(3 * embed_dim, np.float32)) if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias)
        if bias:
            init.zeros_(self.out_proj.bias)

    def _project(self, x, part):
        """Q, K or V (part 0, 1, 2): the input projection's rows for that part."""
        e = self.embed_dim
        weight = self.in_proj_weight[part * e:(part + 1) * e]
        bias = None if self.in_proj_bias is None else self.in_proj_bias[part * e:(part + 1) * e]
        return F.linear(x, weight, bias)

    def _split_heads(self, x):
        n, length, _ = x.shape
        heads = x.reshape(n, length, self.num_heads, self.embed_dim // self.num_heads)
        return heads.transpose(0, 2, 1, 3)  # (N, heads, length, head_dim)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True):
        same = query is key and key is value  # self-attention: one projection (fused path)
        query, key, value = (match_dtype(x, self.in_proj_weight.dtype) for x in (query, key, value))
        layout = "(N, length, E)" if self.batch_first else \
            "(length, N, E); pass batch_first=True for (N, length, E)"
        for name, x in (("query", query), ("key", key), ("value", value)):
            if x.ndim != 3 or x.shape[-1] != self.embed_dim:
                raise ValueError(f"MultiheadAttention: expected {name} of shape {layout} with "
                                 f"E={self.embed_dim}. Received {tuple(x.shape)}")
        if not self.batch_first:  # the work below is batch first
            query, key, value = (x.transpose(1, 0, 2) for x in (query, key, value))
        if same:
            key = value = query
        out, weights = self._attend(query, key, value, key_padding_mask, need_weights, attn_mask,
                                    average_attn_weights)
        return (out if self.batch_first else out.transpose(1, 0, 2)), weights

    def _attend(self, query, key, value, key_padding_mask, need_weights, attn_mask,
                average_attn_weights):
        n, target_len, source_len = query.shape[0], query.shape[1], key.shape[1]
        mask = None
        if attn_mask is not None or key_padding_mask is not None:
            mask = _additive_mask(attn_mask, key_padding_mask, n, target_len, source_len,
                                  query.dtype)
        if not need_weights:  # the fast path: one fused node, no weights to hand back
            return self._fused_attention(query, key, value, mask), None
        q, k, v = (self._split_heads(self._project(x, part))
                   for part, x in enumerate((query, key, value)))
        out, weights = _attention_with_weights(q, k, v, mask,
                                               self.dropout if self.training else 0.0)
        out = out.transpose(0, 2, 1, 3).reshape(n, target_len, self.embed_dim)
        out = self.out_proj(out)
        return out, (weights.mean(axis=1) if average_attn_weights else weights)

    def _fused_attention(self, query, key, value, mask):
        """One ops.Attention node; self-attention projects Q, K and V in one product."""
        if query is key and key is value:
            projections = (F.linear(query, self.in_proj_weight, self.in_proj_bias),)
        else:
            projections = tuple(self._project(x, part) for part, x in enumerate((query, key, value)))
        out = ops.Attention.apply(*projections, num_heads=self.num_heads, mask=mask,
                                  dropout=self.dropout, training=self.training)
        return self.out_proj(out)

    def extra_repr(self):
        text = f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}"
        return text + (", batch_first=True" if self.batch_first else "")


class SinusoidalPositionalEncoding(Module):
    r"""Adds $PE_{t,2i} = \sin(t / 10000^{2i/d})$, $PE_{t,2i+1} = \cos(\cdot)$ to (N, T, d) inputs.

    Fixed, not learned: nearby positions get similar codes, and any offset is
    a linear function of the code, which makes relative positions easy to use.
    """

    def __init__(self, d_model, max_len=5000):
        super().__init__()
        self.d_model = _positive_int(d_model, "d_model", "SinusoidalPositionalEncoding")
        self.max_len = _positive_int(max_len, "max_len", "SinusoidalPositionalEncoding")
        position = np.arange(max_len)[:, None]
        frequency = np.exp(np.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        table = np.zeros((max_len, d_model), np.float32)
        table[:, 0::2] = np.sin(position * frequency)
        table[:, 1::2] = np.cos(position * frequency)[:, :d_model // 2]
        self.table = table  # not a parameter and not saved: it is a formula

    def forward(self, x):
        if x.ndim != 3 or x.shape[1] > self.max_len or x.shape[2] != self.d_model:
            raise ValueError(f"SinusoidalPositionalEncoding: expected (N, T <= {self.max_len}, "
                             f"{self.d_model}). Received {tuple(x.shape)}")
        return x + Tensor(self.table[:x.shape[1]], dtype=x.dtype)


class LearnedPositionalEncoding(Module):
    """Adds a learned vector per position (as GPT-2): ``weight`` is (max_len, d_model)."""

    def __init__(self, max_len, d_model):
        super().__init__()
        self.max_len = _positive_int(max_len, "max_len", "LearnedPositionalEncoding")
        self.weight = Parameter(np.empty((max_len, d_model), np.float32))
        init.normal_(self.weight, 0.0, 0.02)

    def forward(self, x):
        x = match_dtype(x, self.weight.dtype)
        if x.ndim != 3 or x.shape[1] > self.max_len:
            raise ValueError(f"LearnedPositionalEncoding: expected (N, T <= {self.max_len}, d)."
                             f" Received {tuple(x.shape)}")
        return x + self.weight[:x.shape[1]]


class TransformerBlock(Module):
    r"""A pre-LayerNorm Transformer block: attention, then a GELU MLP, each with a residual.

    $$h = x + \mathrm{Dropout}(\mathrm{MHA}(\mathrm{LN}_1(x))),\qquad
      y = h + \mathrm{Dropout}(W_2\,\mathrm{GELU}(W_1 \mathrm{LN}_2(h))).$$

    Parameter names are those of PyTorch's ``TransformerEncoderLayer(d_model,
    nhead, dim_feedforward, dropout, activation="gelu", batch_first=True,
    norm_first=True)``, so weights move between the two.
    """

    def __init__(self, d_model, num_heads, dim_feedforward=None, dropout=0.0, causal=False):
        super().__init__()
        dim_feedforward = dim_feedforward or 4 * d_model
        self.causal = causal
        self.self_attn = MultiheadAttention(d_model, num_heads, dropout=dropout, batch_first=True)
        self.linear1 = Linear(d_model, dim_feedforward)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model)
        self.norm1, self.norm2 = LayerNorm(d_model), LayerNorm(d_model)
        self.dropout1, self.dropout2 = Dropout(dropout), Dropout(dropout)

    def forward(self, x, attn_mask=None, key_padding_mask=None):
        x = match_dtype(x, self.linear1.weight.dtype)  # the residual keeps x's dtype
        if attn_mask is None and self.causal:
            attn_mask = causal_mask(x.shape[1])
        h = self.norm1(x)
        attended, _ = self.self_attn(h, h, h, key_padding_mask=key_padding_mask,
                                     need_weights=False, attn_mask=attn_mask)
        x = x + self.dropout1(attended)
        mlp = self.linear2(self.dropout(F.gelu(self.linear1(self.norm2(x)))))
        return x + self.dropout2(mlp)

    def extra_repr(self):
        return "causal=True" if self.causal else ""

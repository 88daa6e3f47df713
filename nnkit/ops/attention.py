r"""The Transformer's fused operations: multi-head attention and LayerNorm (chapter 12).

Written with Tensor operators, one attention layer is a dozen graph nodes
(projections, reshapes, transposes, matmul, scale, mask, softmax, matmul)
and LayerNorm eight more, each with its temporary arrays. Here each is one
node: the matrix products go to BLAS, everything between them to one fused
kernel (nnkit/kernels/transformer.py). ``F.scaled_dot_product_attention``
is the same maths written out step by step.
"""
import math

import numpy as np

from nnkit.autograd import Function
from nnkit.kernels import KERNELS
from nnkit.kernels import transformer as kernels
from nnkit.random import generator


def _kernel(name, dtype):
    """The fused kernel for float32 data; otherwise its exact NumPy reference (the
    kernel's polynomial exp is accurate to float32, not to float64: gradcheck)."""
    fast, exact = KERNELS[name]
    return fast if dtype == np.float32 else exact


def _heads(x, num_heads):
    """(N, T, E) -> (N, heads, T, E/heads): a view, no copy (BLAS reads the strides)."""
    n, length, e = x.shape
    return x.reshape(n, length, num_heads, e // num_heads).transpose(0, 2, 1, 3)


def _products_into_tokens(pairs, n, length, e, dtype):
    """Each (a, b) of `pairs` is a per-head product, written straight into its block of
    columns of one (N, T, len(pairs) * E) array: no transposed copies, no concatenation."""
    out = np.empty((n, length, len(pairs) * e), dtype)
    for part, (a, b) in enumerate(pairs):
        np.matmul(a, b, out=_heads(out[..., part * e:(part + 1) * e], a.shape[1]))
    return out


class Attention(Function):
    r"""Multi-head $\mathrm{softmax}(QK^\top/\sqrt d + M)\,V$ on projected tokens (N, T, E).

    Pass one array (N, T, 3E) holding Q, K and V side by side (self-attention:
    one matrix product made all three), or three arrays Q (N, L, E), K and
    V (N, S, E). ``mask`` is additive, (1 or N, 1, L, S) with -inf where a
    query may not look. Returns the heads' outputs side by side, (N, L, E).

    Inside, scores are *key-major*, (N, heads, S, L): see the kernels.
    """

    @staticmethod
    def forward(ctx, *projections, num_heads, mask=None, dropout=0.0, training=False):
        ctx.packed = len(projections) == 1
        q, k, v = np.split(projections[0], 3, axis=-1) if ctx.packed else projections
        n, length, e = q.shape
        q, k, v = (_heads(a, num_heads) for a in (q, k, v))
        keys = k.shape[2]
        if mask is None:
            mask = np.zeros((1, keys, length), q.dtype)
        elif mask.ndim != 4 or mask.shape[0] not in (1, n) or mask.shape[1:] != (1, length, keys):
            # the kernel does not check its indices: a wrong shape must stop here
            raise ValueError(f"Attention: expected an additive mask of shape (1 or {n}, 1, "
                             f"{length}, {keys}). Received {mask.shape}")
        else:  # (1 or N, 1, L, S) -> key-major (1 or N, S, L)
            mask = np.ascontiguousarray(mask[:, 0].swapaxes(-1, -2), dtype=q.dtype)
        scale = q.dtype.type(1.0 / math.sqrt(q.shape[-1]))
        probs = _kernel("attention_softmax", q.dtype)(k @ q.swapaxes(-1, -2), mask, scale)
        keep = None
        if training and dropout > 0:  # drop attention weights, as F.dropout would
            keep = ((generator().random(probs.shape) >= dropout) / (1 - dropout))
            keep = keep.astype(probs.dtype)
        ctx.save_for_backward(q, k, v, probs, keep)
        ctx.scale = scale
        used = probs if keep is None else probs * keep
        return _products_into_tokens([(used.swapaxes(-1, -2), v)], n, length, e, q.dtype)

    @staticmethod
    def backward(ctx, grad):
        q, k, v, probs, keep = ctx.saved
        n, length, e = grad.shape
        grad = _heads(grad, q.shape[1])
        used = probs if keep is None else probs * keep
        d_probs = v @ grad.swapaxes(-1, -2)  # key-major, like the scores
        if keep is not None:
            d_probs *= keep
        d_scores = _kernel("attention_softmax_backward", q.dtype)(probs, d_probs, ctx.scale)
        pairs = [(d_scores.swapaxes(-1, -2), k), (d_scores, q), (used, grad)]  # dQ, dK, dV
        if ctx.packed:
            return _products_into_tokens(pairs, n, length, e, grad.dtype)
        keys = k.shape[2]
        return tuple(_products_into_tokens([pair], n, rows, e, grad.dtype)
                     for pair, rows in zip(pairs, (length, keys, keys)))


class LayerNorm(Function):
    r"""$y = \gamma \hat x + \beta$, $\hat x = (x - \mu)/\sqrt{\sigma^2 + \epsilon}$ over the
    last dimensions of x, ``normalized_shape`` (chapters 08 and 12).

    ``weight`` and ``bias`` (of that shape) may be None: no affine part.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, normalized_shape, eps=1e-5):
        width = math.prod(normalized_shape)
        ctx.weight_shape = tuple(normalized_shape)
        weight = np.ones(width, x.dtype) if weight is None else weight.reshape(-1)
        bias = np.zeros(width, x.dtype) if bias is None else bias.reshape(-1)
        rows = np.ascontiguousarray(x).reshape(-1, width)
        out, mean, rstd = kernels.layer_norm_forward(rows, weight, bias, eps)
        ctx.save_for_backward(rows, mean, rstd, weight)
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        rows, mean, rstd, weight = ctx.saved
        d_x, d_weight, d_bias = kernels.layer_norm_backward(
            rows, mean, rstd, weight, np.ascontiguousarray(grad).reshape(rows.shape))
        shape = ctx.weight_shape
        return d_x.reshape(grad.shape), d_weight.reshape(shape), d_bias.reshape(shape)

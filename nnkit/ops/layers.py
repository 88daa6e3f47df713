r"""Fused layer operations: one graph node instead of several (chapters 03-04).

``x @ W.T + b`` written with Tensor operators makes three nodes (transpose,
matmul, add) and three temporary arrays; a learner's MLP spends much of its
time on such bookkeeping. ``Affine`` is the same maths in one node.
"""
import numpy as np

from nnkit.autograd import Function
from nnkit.kernels import linear as kernels


def _rows(a):
    """(..., features) as a matrix (rows, features): a view when the layout allows."""
    return a.reshape(-1, a.shape[-1])


def _outer_sum(rows, x):
    """rows.T @ x: the sum over samples of outer products, (out, in)."""
    if len(rows) == 1 and rows.dtype == x.dtype:
        # NOTE: one sample makes an inner dimension of 1, which NumPy's matmul does
        # outside BLAS, far slower than a plain outer-product loop (see the kernel)
        return kernels.outer(np.ascontiguousarray(rows[0]), np.ascontiguousarray(x[0]))
    return rows.T @ x


class Affine(Function):
    r"""$Y = X W^\top + b$ for $X$ of shape (..., in), $W$ (out, in), $b$ (out,).

    Backward: $\partial L/\partial X = G W$, $\partial L/\partial W = G^\top X$,
    $\partial L/\partial b = \sum_{\text{rows}} G$.
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        ctx.save_for_backward(x, weight)
        ctx.has_bias = bias is not None
        # fold any leading axes into rows: NumPy would multiply an (N, T, in) input
        # one (T, in) matrix at a time, one small BLAS call per sample
        out = _rows(x) @ weight.T
        if bias is not None:
            out += bias
        return out.reshape(x.shape[:-1] + out.shape[-1:])

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved
        rows = _rows(grad)
        grad_x = (rows @ weight).reshape(x.shape) if ctx.needs_input_grad[0] else None
        grad_w = _outer_sum(rows, _rows(x)) if ctx.needs_input_grad[1] else None
        # np.add.reduce is rows.sum(axis=0) without NumPy's Python-level wrapper (2 us
        # a call: at batch 1 that is as long as the whole layer's arithmetic)
        grad_b = np.add.reduce(rows) if ctx.has_bias and ctx.needs_input_grad[2] else None
        return grad_x, grad_w, grad_b


class BinaryCrossEntropyWithLogits(Function):
    r"""Elementwise $\ell = \max(z,0) - z y + \log(1 + e^{-|z|})$, the stable form of
    $-[y \log\sigma(z) + (1-y)\log(1-\sigma(z))]$; $\partial\ell/\partial z = \sigma(z) - y$.
    """

    @staticmethod
    def forward(ctx, logits, target):
        ctx.save_for_backward(logits, target)
        loss = np.maximum(logits, 0) - logits * target + np.log1p(np.exp(-np.abs(logits)))
        return loss.astype(logits.dtype)

    @staticmethod
    def backward(ctx, grad):
        logits, target = ctx.saved
        prob = np.exp(-np.logaddexp(0, -logits))  # sigmoid without overflow
        return (grad * (prob - target)).astype(grad.dtype), None


class BinaryCrossEntropy(Function):
    r"""Elementwise $-[y \log p + (1-y)\log(1-p)]$ from probabilities $p$.

    As in PyTorch each log is clamped at -100, so p = 0 or 1 gives a large
    but finite loss; the gradient $(p - y) / (p(1-p))$ has its denominator
    kept away from 0 the same way.
    """

    @staticmethod
    def forward(ctx, p, target):
        ctx.save_for_backward(p, target)
        with np.errstate(divide="ignore"):  # log(0) = -inf, then clamped
            log_p = np.maximum(np.log(p), -100)
            log_not_p = np.maximum(np.log1p(-p), -100)
        return (-(target * log_p + (1 - target) * log_not_p)).astype(p.dtype)

    @staticmethod
    def backward(ctx, grad):
        p, target = ctx.saved
        return (grad * (p - target) / np.maximum(p * (1 - p), 1e-12)).astype(grad.dtype), None

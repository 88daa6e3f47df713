r"""Fused layer operations: one graph node instead of several (chapters 03-04).

``x @ W.T + b`` written with Tensor operators makes three nodes (transpose,
matmul, add) and three temporary arrays; a learner's MLP spends much of its
time on such bookkeeping. ``Affine`` is the same maths in one node.
"""
import numpy as np

from nnkit.autograd import Function


def _outer_sum(rows, x):
    """rows.T @ x: the sum over samples of outer products, (out, in)."""
    if len(rows) == 1:
        # NOTE: one sample makes an inner dimension of 1, which NumPy's matmul does
        # outside BLAS, 4x slower than this broadcast product (measured, batch 1)
        return np.multiply(rows.T, x)
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
        out = x @ weight.T
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved
        rows = grad.reshape(-1, grad.shape[-1])  # fold any leading axes into rows
        grad_x = grad @ weight if ctx.needs_input_grad[0] else None
        grad_w = _outer_sum(rows, x.reshape(-1, x.shape[-1])) if ctx.needs_input_grad[1] else None
        grad_b = rows.sum(axis=0) if ctx.has_bias and ctx.needs_input_grad[2] else None
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

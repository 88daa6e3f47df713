r"""Reductions: sum, mean, max, min, and softmax along an axis.

A reduction's backward has to *un-reduce*: put back the axes that were
removed and copy (broadcast) the gradient along them.
"""
import numpy as np

from nnkit.autograd import Function


def _expand(grad, shape, axis, keepdims):
    """Undo a reduction's shape: re-insert the reduced axes, then broadcast."""
    if axis is not None and not keepdims:
        grad = np.expand_dims(grad, axis)
    return np.broadcast_to(grad, shape)


def _count(shape, axis):
    if axis is None:
        return int(np.prod(shape))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return int(np.prod([shape[a] for a in axes]))


class Sum(Function):
    r"""$y = \sum_i x_i$; every $x_i$ gets the gradient of $y$ unchanged."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axis, ctx.keepdims = x.shape, axis, keepdims
        return np.asarray(x.sum(axis=axis, keepdims=keepdims))

    @staticmethod
    def backward(ctx, grad):
        return _expand(grad, ctx.shape, ctx.axis, ctx.keepdims)


class Mean(Function):
    r"""$y = \frac1n\sum_i x_i$; every $x_i$ gets $1/n$ of the gradient."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axis, ctx.keepdims = x.shape, axis, keepdims
        # the mean of bools or ints (an accuracy) is a fraction: float32, not truncated
        dtype = x.dtype if x.dtype.kind == "f" else np.float32
        return np.asarray(x.mean(axis=axis, keepdims=keepdims), dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        n = _count(ctx.shape, ctx.axis)
        return _expand(grad / n, ctx.shape, ctx.axis, ctx.keepdims)


class Max(Function):
    """The largest value; the gradient flows to it (split evenly among ties)."""

    pick = staticmethod(np.max)

    @classmethod
    def forward(cls, ctx, x, axis=None, keepdims=False):
        out = cls.pick(x, axis=axis, keepdims=True)
        chosen = x == out
        ctx.save_for_backward(chosen / chosen.sum(axis=axis, keepdims=True))
        ctx.shape, ctx.axis, ctx.keepdims = x.shape, axis, keepdims
        return out if keepdims else np.squeeze(out, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        (share,) = ctx.saved
        return (share * _expand(grad, ctx.shape, ctx.axis, ctx.keepdims)).astype(grad.dtype)


class Min(Max):
    """The smallest value; the gradient flows to it (split evenly among ties)."""

    pick = staticmethod(np.min)


class Softmax(Function):
    r"""$p_i = e^{x_i} / \sum_j e^{x_j}$; $\partial L/\partial x = p \odot (g - \sum_j g_j p_j)$.

    The maximum is subtracted first: it cancels in the ratio and keeps
    $e^x$ from overflowing (chapter 04).
    """

    @staticmethod
    def forward(ctx, x, axis=-1):
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        out = e / e.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        (p,) = ctx.saved
        return p * (grad - (grad * p).sum(axis=ctx.axis, keepdims=True))


class LogSoftmax(Function):
    r"""$\log p_i = x_i - \log\sum_j e^{x_j}$ (log-sum-exp, shifted by the max).

    Backward: $\partial L/\partial x = g - p \sum_j g_j$.
    """

    @staticmethod
    def forward(ctx, x, axis=-1):
        shifted = x - x.max(axis=axis, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad - np.exp(out) * grad.sum(axis=ctx.axis, keepdims=True)

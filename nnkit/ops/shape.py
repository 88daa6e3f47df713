"""Shape operations: nothing is computed, values only move.

So each backward moves the gradient back to where the value came from.
"""
import numpy as np

from nnkit.autograd import Function


class Reshape(Function):
    """Same values, new shape; the gradient is reshaped back."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape {x.shape} ({x.size} elements) into "
                             f"{tuple(shape)}") from None

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape)


class Clone(Function):
    """A copy of the values; the gradient passes through unchanged."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


class Pad(Function):
    r"""Constant padding: ``widths`` is NumPy's ((before, after), ...) per axis.

    The gradient is the padded gradient with the border cut off again.
    """

    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.inside = tuple(slice(before, before + n) for (before, _), n in zip(widths, x.shape))
        return np.pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.inside]


class Transpose(Function):
    """Permute the axes (reverse them when `axes` is None); backward undoes the permutation."""

    @staticmethod
    def forward(ctx, x, axes=None):
        ctx.axes = axes
        return np.transpose(x, axes)

    @staticmethod
    def backward(ctx, grad):
        return np.transpose(grad, None if ctx.axes is None else np.argsort(ctx.axes))


def _is_basic(index):
    """Slices, integers, None and ... select each element at most once."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer))
               for p in parts)


class GetItem(Function):
    """``x[index]``: the gradient goes back to the selected positions.

    An index array may pick the same row twice (an embedding lookup of a
    repeated word): ``np.add.at`` adds both contributions instead of
    keeping only the last.
    """

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.dtype, ctx.index = x.shape, x.dtype, index
        return x[index]

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        if _is_basic(ctx.index):
            out[ctx.index] = grad
        else:
            np.add.at(out, ctx.index, grad)
        return out


class Concatenate(Function):
    """Join along an existing axis; backward splits the gradient at the seams."""

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        ctx.seams = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.split(grad, ctx.seams, axis=ctx.axis))


class Stack(Function):
    """Join along a new axis; backward takes each slice back out."""

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis, ctx.count = axis, len(arrays)
        return np.stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.take(grad, i, axis=ctx.axis) for i in range(ctx.count))


class Where(Function):
    """``x`` where the condition holds, else ``y``; each gets the gradient where chosen."""

    @staticmethod
    def forward(ctx, x, y, condition):
        ctx.condition = condition
        return np.where(condition, x, y)

    @staticmethod
    def backward(ctx, grad):
        zero = np.zeros((), dtype=grad.dtype)
        return np.where(ctx.condition, grad, zero), np.where(ctx.condition, zero, grad)

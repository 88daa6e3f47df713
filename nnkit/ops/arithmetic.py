r"""Arithmetic: + - * / ** @ and dtype casts.

Each backward returns the gradient for each input as if no broadcasting
had happened; ``Function.apply``'s caller (``autograd.backward``) sums it
back to the input's shape.
"""
import numpy as np

from nnkit.autograd import Function


class Add(Function):
    r"""$z = a + b$; $\partial z/\partial a = \partial z/\partial b = 1$."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    r"""$z = a - b$; the gradient reaches $b$ with its sign flipped."""

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad


class Neg(Function):
    r"""$z = -a$."""

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Mul(Function):
    r"""$z = a b$; each input's gradient is the other input times the upstream gradient."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        return grad * b, grad * a


class Div(Function):
    r"""$z = a / b$; $\partial z/\partial a = 1/b$, $\partial z/\partial b = -a/b^2$."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        return grad / b, -grad * a / (b * b)


class Pow(Function):
    r"""$z = a^b$; $\partial z/\partial a = b a^{b-1}$, $\partial z/\partial b = a^b \ln a$."""

    @staticmethod
    def forward(ctx, a, b):
        out = a ** b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved
        grad_a = grad * b * a ** (b - 1)
        grad_b = None
        if ctx.needs_input_grad[1]:  # rare: only when the exponent is learned
            with np.errstate(divide="ignore", invalid="ignore"):
                grad_b = grad * out * np.log(a)
        return grad_a, grad_b


class MatMul(Function):
    r"""$Z = A B$; $\partial L/\partial A = G B^\top$, $\partial L/\partial B = A^\top G$.

    1-D operands work as in NumPy: a vector on the left is a row, on the
    right a column; leading (batch) dimensions broadcast.
    """

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul: both operands need at least one dimension. "
                             f"Received shapes {a.shape} @ {b.shape}; use * for scalars")
        if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            inner_b = b.shape[-2 if b.ndim > 1 else 0]
            raise ValueError(f"matmul: {a.shape} @ {b.shape}: inner dimensions "
                             f"{a.shape[-1]} and {inner_b} differ")
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        if a.ndim == 1 and b.ndim == 1:  # a dot product: the output is a scalar
            return grad * b, grad * a
        # view vectors as matrices (row on the left, column on the right)
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if a.ndim == 1:
            grad = np.expand_dims(grad, -2)
        if b.ndim == 1:
            grad = np.expand_dims(grad, -1)
        grad_a = grad @ np.swapaxes(b2, -1, -2) if ctx.needs_input_grad[0] else None
        grad_b = np.swapaxes(a2, -1, -2) @ grad if ctx.needs_input_grad[1] else None
        if a.ndim == 1 and grad_a is not None:
            grad_a = grad_a.squeeze(-2)
        if b.ndim == 1 and grad_b is not None:
            grad_b = grad_b.squeeze(-1)
        return grad_a, grad_b


class Cast(Function):
    """Change the dtype; the gradient goes back in the input's dtype."""

    @staticmethod
    def forward(ctx, a, dtype):
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad

r"""Smooth activations learners meet after ReLU (chapter 02): SiLU, ELU, Softplus.

Each is as PyTorch defines it; each backward is the derivative written
under its formula, evaluated from what the forward saved.
"""
import numpy as np

from nnkit.autograd import Function


def _sigmoid(x):
    """$1/(1+e^{-x})$ without overflow for large negative x."""
    return np.exp(-np.logaddexp(0, -x)).astype(x.dtype, copy=False)


class SiLU(Function):
    r"""$\mathrm{SiLU}(x) = x\,\sigma(x)$ (also "swish");
    $\mathrm{SiLU}'(x) = \sigma(x)\,(1 + x(1 - \sigma(x)))$."""

    @staticmethod
    def forward(ctx, x):
        s = _sigmoid(x)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad):
        x, s = ctx.saved
        return grad * s * (1 + x * (1 - s))


class ELU(Function):
    r"""$x$ for $x > 0$, else $\alpha(e^x - 1)$; derivative 1, else $\alpha e^x = y + \alpha$."""

    @staticmethod
    def forward(ctx, x, alpha=1.0):
        out = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))).astype(x.dtype)
        ctx.save_for_backward(x, out)
        ctx.alpha = alpha
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved
        return np.where(x > 0, grad, grad * (out + ctx.alpha)).astype(grad.dtype)


class Softplus(Function):
    r"""$\frac1\beta \log(1 + e^{\beta x})$, a smooth ReLU; derivative $\sigma(\beta x)$.

    Where $\beta x$ > ``threshold`` it is $x$ itself (derivative 1), as PyTorch.
    """

    @staticmethod
    def forward(ctx, x, beta=1.0, threshold=20.0):
        scaled = beta * x
        linear = scaled > threshold
        ctx.save_for_backward(scaled, linear)
        return np.where(linear, x, np.logaddexp(0, scaled) / beta).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        scaled, linear = ctx.saved
        return np.where(linear, grad, grad * _sigmoid(scaled)).astype(grad.dtype)

r"""Elementwise functions and activations (chapter 02).

Each backward multiplies the upstream gradient by the local derivative,
evaluated at the saved input or output.
"""
import numpy as np

from nnkit.autograd import Function
from nnkit.kernels import elementwise as kernels
from nnkit.kernels import transformer
from nnkit.kernels.elementwise import flat


class Exp(Function):
    r"""$y = e^x$; $dy/dx = e^x = y$ (so the output is what we save)."""

    @staticmethod
    def forward(ctx, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad * out


class Log(Function):
    r"""$y = \ln x$; $dy/dx = 1/x$."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad / x


class Sqrt(Function):
    r"""$y = \sqrt{x}$; $dy/dx = 1 / (2\sqrt{x})$."""

    @staticmethod
    def forward(ctx, x):
        out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad / (2 * out)


class Abs(Function):
    r"""$y = |x|$; $dy/dx = \mathrm{sign}(x)$.

    NOTE: at $x = 0$ the derivative is taken as 0, as PyTorch does.
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * np.sign(x)


class Clip(Function):
    """Limit values to [low, high]; the gradient passes only where nothing was cut."""

    @staticmethod
    def forward(ctx, x, low=None, high=None):
        if low is None and high is None:
            raise ValueError("clip: expected at least one of min and max. Received neither")
        ctx.save_for_backward(x)
        ctx.low, ctx.high = low, high
        return np.clip(x, low, high)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        inside = np.ones(x.shape, dtype=bool)
        if ctx.low is not None:
            inside &= x >= ctx.low
        if ctx.high is not None:
            inside &= x <= ctx.high
        return grad * inside


# ---------------------------------------------------------------- activations

class ReLU(Function):
    r"""$\mathrm{ReLU}(x) = \max(0, x)$; derivative 1 for $x > 0$, else 0.

    NOTE: ReLU has no derivative at exactly 0; like PyTorch we use 0 there.
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return flat(kernels.relu_forward, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return flat(kernels.relu_backward, x, grad)


class LeakyReLU(Function):
    r"""$x$ for $x > 0$, else $\alpha x$: a small slope keeps negative units learning."""

    @staticmethod
    def forward(ctx, x, negative_slope=0.01):
        ctx.save_for_backward(x)
        ctx.negative_slope = negative_slope
        return np.where(x > 0, x, x * negative_slope).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return np.where(x > 0, grad, grad * ctx.negative_slope).astype(grad.dtype)


class Sigmoid(Function):
    r"""$\sigma(x) = 1/(1+e^{-x})$; $\sigma'(x) = \sigma(x)(1-\sigma(x))$."""

    @staticmethod
    def forward(ctx, x):
        out = flat(kernels.sigmoid_forward, x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad * out * (1 - out)


class Tanh(Function):
    r"""$\tanh(x)$; $\tanh'(x) = 1 - \tanh^2(x)$."""

    @staticmethod
    def forward(ctx, x):
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad * (1 - out * out)


class GELU(Function):
    r"""$\mathrm{GELU}(x) = x\,\Phi(x)$, $\Phi$ the standard normal CDF (exact, with erf).

    float32 uses a polynomial erf (error < 5e-7, below float32's resolution
    near 1) that vectorises, 30x faster than the library's scalar erf, which
    float64 keeps (nnkit/kernels/transformer.py).
    """

    @staticmethod
    def forward(ctx, x):
        if x.dtype != np.float32:
            ctx.save_for_backward(x, None)
            return flat(kernels.gelu_forward, x)
        out = flat(transformer.gelu_forward_f32, x)
        ctx.save_for_backward(x, out)  # the float32 backward reads Phi(x) = out / x
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved
        if out is None or grad.dtype != np.float32:
            return flat(kernels.gelu_backward, x, grad)
        return flat(transformer.gelu_backward_f32, x, out, grad)

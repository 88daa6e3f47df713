"""Activation functions as modules, for use inside ``Sequential`` (chapter 02)."""
from nnkit.nn import functional as F
from nnkit.nn.module import Module


class ReLU(Module):
    r"""$\max(0, x)$."""

    def forward(self, x):
        return F.relu(x)


class LeakyReLU(Module):
    r"""$x$ if $x > 0$ else $\alpha x$."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    r"""$1 / (1 + e^{-x})$."""

    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    r"""$\tanh x$."""

    def forward(self, x):
        return F.tanh(x)


class GELU(Module):
    r"""$x\,\Phi(x)$ (exact, with erf), as PyTorch's default."""

    def forward(self, x):
        return F.gelu(x)


class Softmax(Module):
    r"""$e^{x_i} / \sum_j e^{x_j}$ along `dim`."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    r"""$x_i - \log\sum_j e^{x_j}$ along `dim`."""

    def forward(self, x):
        return F.log_softmax(x, self.dim)


class SiLU(Module):
    r"""$x\,\sigma(x)$, also called swish: a smooth ReLU that lets small negatives through.

    Shape: any input; the output has its shape.

    Example::

        >>> nn.SiLU()(nnkit.tensor([-1.0, 0.0, 2.0]))
        tensor([-0.2689,  0.    ,  1.7616])
    """

    def forward(self, x):
        return F.silu(x)


class ELU(Module):
    r"""$x$ for $x > 0$, else $\alpha(e^x - 1)$: negative outputs push mean activations to 0.

    Args:
        alpha: the value approached for very negative inputs is $-\alpha$.

    Shape: any input; the output has its shape.
    """

    def __init__(self, alpha=1.0):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        return F.elu(x, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class Softplus(Module):
    r"""$\frac1\beta\log(1 + e^{\beta x})$: a smooth ReLU, always positive.

    Args:
        beta: sharpness (large beta is close to ReLU). threshold: where
            $\beta x$ exceeds it, the output is $x$ itself (no overflow).

    Shape: any input; the output has its shape.
    """

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        if beta <= 0:
            raise ValueError(f"Softplus: expected beta > 0. Received beta={beta}")
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"

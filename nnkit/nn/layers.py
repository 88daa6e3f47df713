"""The basic layers: Linear, Flatten, Dropout, Embedding (chapter 03)."""
import math

import numpy as np

from nnkit.nn import functional as F
from nnkit.nn import init
from nnkit.nn.module import Module, Parameter, match_dtype


def _positive_int(value, name, layer):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{layer}: expected {name} to be a positive integer. "
                         f"Received {name}={value!r}")
    return int(value)


class Linear(Module):
    r"""A fully connected layer: $y = x W^\top + b$ (chapter 03).

    Args:
        in_features: size of each input sample. out_features: size of each output.
        bias: learn an additive bias.

    Shape: input (..., in_features) -> output (..., out_features).
    ``weight`` is (out_features, in_features) as in PyTorch, initialised
    uniformly in $\pm 1/\sqrt{\text{in\_features}}$ (PyTorch's default), as is ``bias``.

    Example::

        >>> layer = nn.Linear(784, 10)
        >>> layer(nnkit.zeros(32, 784)).shape
        (32, 10)
    """

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features = _positive_int(in_features, "in_features", "Linear")
        self.out_features = _positive_int(out_features, "out_features", "Linear")
        self.weight = Parameter(np.empty((self.out_features, self.in_features), np.float32))
        self.bias = Parameter(np.empty(self.out_features, np.float32)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        x = match_dtype(x, self.weight.dtype)
        if getattr(x, "ndim", 1) == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"{self!r} expected input with {self.in_features} features in its "
                             f"last dimension. Received shape {tuple(x.shape)}")
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Identity(Module):
    def forward(self, x):
        return x


class Flatten(Module):
    """Merge dimensions start_dim..end_dim into one (images to vectors)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        end = self.end_dim % x.ndim
        return x.reshape(x.shape[:self.start_dim] + (-1,) + x.shape[end + 1:])

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    r"""Zero each element with probability p while training, scaling the rest by $1/(1-p)$."""

    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"Dropout: expected a probability 0 <= p < 1. Received p={p}")
        self.p = p

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"


class Embedding(Module):
    """A lookup table: row i of ``weight`` (num_embeddings, embedding_dim) represents token i.

    Initialised from N(0, 1) as in PyTorch.
    """

    def __init__(self, num_embeddings, embedding_dim):
        super().__init__()
        self.num_embeddings = _positive_int(num_embeddings, "num_embeddings", "Embedding")
        self.embedding_dim = _positive_int(embedding_dim, "embedding_dim", "Embedding")
        self.weight = Parameter(np.empty((self.num_embeddings, self.embedding_dim), np.float32))
        init.normal_(self.weight)

    def forward(self, indices):
        return F.embedding(indices, self.weight)

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}"

"""PyTorch's top-level functions: ``nnkit.exp(x)`` is ``x.exp()``, ``nnkit.sum(x, dim=1)``
is ``x.sum(dim=1)``, and so on, plus the constructors a torch user reaches for
(``eye``, ``linspace``, ``randint``, ``from_numpy``).

Each function converts numbers and arrays to tensors, then calls the method,
so there is one implementation of every operation (in ``nnkit/tensor.py``).
"""
import numpy as np

from nnkit.random import generator
from nnkit.tensor import DEFAULT_DTYPE, Tensor, tensor


def _as_tensor(x):
    return x if isinstance(x, Tensor) else tensor(x)


def exp(x):
    return _as_tensor(x).exp()


def log(x):
    return _as_tensor(x).log()


def sqrt(x):
    return _as_tensor(x).sqrt()


def matmul(a, b):
    return _as_tensor(a) @ b


def sum(x, dim=None, keepdim=False, **aliases):
    return _as_tensor(x).sum(dim, keepdim, **aliases)


def mean(x, dim=None, keepdim=False, **aliases):
    return _as_tensor(x).mean(dim, keepdim, **aliases)


def max(x, dim=None, keepdim=False, **aliases):
    return _as_tensor(x).max(dim, keepdim, **aliases)


def min(x, dim=None, keepdim=False, **aliases):
    return _as_tensor(x).min(dim, keepdim, **aliases)


def argmax(x, dim=None, keepdim=False, **aliases):
    return _as_tensor(x).argmax(dim, keepdim, **aliases)


def argmin(x, dim=None, keepdim=False, **aliases):
    return _as_tensor(x).argmin(dim, keepdim, **aliases)


def var(x, dim=None, **options):
    return _as_tensor(x).var(dim, **options)


def std(x, dim=None, **options):
    return _as_tensor(x).std(dim, **options)


def permute(x, dims):
    return _as_tensor(x).permute(dims)


def flatten(x, start_dim=0, end_dim=-1):
    return _as_tensor(x).flatten(start_dim, end_dim)


# ---------------------------------------------------------------- constructors

def eye(n, m=None, requires_grad=False, dtype=DEFAULT_DTYPE):
    """The identity matrix of shape (n, m or n)."""
    return Tensor(np.eye(n, m, dtype=dtype), requires_grad, dtype)


def linspace(start, end, steps, requires_grad=False, dtype=DEFAULT_DTYPE):
    """``steps`` evenly spaced values from ``start`` to ``end``, both included (torch's order)."""
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"linspace: expected steps a non-negative integer. Received: "
                         f"steps={steps!r}")
    return Tensor(np.linspace(start, end, steps, dtype=dtype), requires_grad, dtype)


def randint(low, high=None, size=(), dtype=np.int64):
    """Random integers in [low, high) from nnkit's generator; ``randint(high, size)`` as torch."""
    if high is None or isinstance(high, (tuple, list)):  # randint(10, (3,)): low is 0
        low, high, size = 0, low, size if high is None else high
    return Tensor(generator().integers(low, high, size=size).astype(dtype))


def from_numpy(array):
    """A tensor that shares ``array``'s memory (no copy, dtype kept), as ``torch.from_numpy``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a NumPy array. Received "
                        f"{type(array).__name__}; use nnkit.tensor(...) for lists and numbers")
    return Tensor(array, dtype=array.dtype)

"""nnkit: a small, fast, readable neural-network library, built chapter by chapter.

    >>> import nnkit
    >>> from nnkit import nn, optim
    >>> model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))

Names follow PyTorch, so what you learn here carries over.
"""
from nnkit import threads  # noqa: I001  (first: thread limits before NumPy/Numba start pools)
_THREADS = threads.limit_before_import()
from nnkit import kernels  # noqa: I001  (before the rest: it points Numba at a writable cache)
from nnkit import memory
from nnkit.memory import keep_freed_memory
from nnkit.threads import get_num_threads, set_num_threads
from nnkit import data, datasets, models, nn, optim
from nnkit.autograd import Function, enable_grad, is_grad_enabled, no_grad
from nnkit.gradcheck import gradcheck
from nnkit.random import manual_seed
from nnkit.serialization import load, save
from nnkit.tensor import (Tensor, arange, cat, concatenate, full, ones, ones_like, rand, randn,
                          stack, tensor, where, zeros, zeros_like)
from nnkit.value import Value

__version__ = "0.1.0"

threads.apply_default(_THREADS)  # one CPU given means one thread: nnkit/threads.py
if memory.requested():  # opt-in only: the setting is process-wide (nnkit/memory.py)
    keep_freed_memory()

__all__ = [
    "Tensor", "tensor", "zeros", "ones", "zeros_like", "ones_like", "full", "randn", "rand",
    "arange", "concatenate", "cat", "stack", "where", "no_grad", "enable_grad",
    "is_grad_enabled", "manual_seed", "set_num_threads", "get_num_threads",
    "keep_freed_memory", "gradcheck", "Function", "Value", "save", "load",
    "data", "datasets", "kernels", "models", "nn", "optim",
]

"""nnkit: a small, fast, readable neural-network library, built chapter by chapter.

    >>> import nnkit
    >>> from nnkit import nn, optim
    >>> model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))

Names follow PyTorch, so what you learn here carries over.
"""
from nnkit import kernels  # noqa: I001  (first: it points Numba at a writable cache)
from nnkit import memory
from nnkit.memory import keep_freed_memory
from nnkit.threads import get_num_threads, respect_cpu_limit, set_num_threads
from nnkit import data, datasets, models, nn, optim
from nnkit.autograd import Function, enable_grad, is_grad_enabled, no_grad
from nnkit.gradcheck import gradcheck
from nnkit.random import manual_seed
from nnkit.serialization import load, save
from nnkit.tensor import (Tensor, arange, cat, concatenate, full, ones, ones_like, rand, randn,
                          stack, tensor, where, zeros, zeros_like)
from nnkit.functions import (argmax, argmin, exp, eye, flatten, from_numpy, linspace, log,
                             matmul, max, mean, min, permute, randint, sqrt, std, sum, var)
from nnkit.value import Value

__version__ = "0.1.0"

memory.apply_environment()  # malloc untouched unless NNKIT_KEEP_FREED_MEMORY=1: nnkit/memory.py
respect_cpu_limit()  # one CPU given (taskset, a container quota): one thread, not one per core

__all__ = [
    "Tensor", "tensor", "zeros", "ones", "zeros_like", "ones_like", "full", "randn", "rand",
    "arange", "concatenate", "cat", "stack", "where", "eye", "linspace", "randint",
    "from_numpy", "exp", "log", "sqrt", "matmul", "sum", "mean", "max", "min", "argmax",
    "argmin", "var", "std", "permute", "flatten", "no_grad", "enable_grad",
    "is_grad_enabled", "set_num_threads", "get_num_threads", "keep_freed_memory",
    "manual_seed", "gradcheck", "Function", "Value", "save", "load",
    "data", "datasets", "kernels", "models", "nn", "optim",
]

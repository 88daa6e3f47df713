"""The parts of chapter 06's small tensor engine that the course gives; the learner writes the rest.

``TensorOps`` holds an array (``.data``), a gradient (``.grad``) and the operations. Each
operation makes a new tensor that remembers its ``parents`` and a ``grad_fn``: given the
gradient of the loss with respect to the new tensor, ``grad_fn`` returns one gradient per
parent, in the shape the parent had *after* broadcasting. What is left to write, in the
learner's ``class Tensor(TensorOps)``, is the engine itself: ``backward()``, which visits the
graph in reverse topological order, applies each ``grad_fn``, undoes broadcasting and adds up
the gradients of tensors used more than once; and two operations, ``__mul__`` and ``relu``.

The operations build results with ``type(self)``, so results are the learner's ``Tensor``.
"""
import numpy as np


class TensorOps:
    __array_ufunc__ = None  # `ndarray @ tensor` hands over to the tensor's __rmatmul__

    def __init__(self, data, requires_grad=False, parents=(), grad_fn=None):
        self.data = np.asarray(data, dtype=np.float64)
        self.grad = None
        self.requires_grad = requires_grad or grad_fn is not None
        self.parents, self.grad_fn = parents, grad_fn

    def __repr__(self):
        return f"Tensor({self.data}, requires_grad={self.requires_grad})"

    @property
    def shape(self):
        return self.data.shape

    def _wrap(self, other):
        return other if isinstance(other, TensorOps) else type(self)(other)

    def _make(self, data, parents, grad_fn):
        """The result of an operation: linked to its parents when one of them needs a gradient."""
        if not any(p.requires_grad for p in parents):
            return type(self)(data)
        return type(self)(data, parents=parents, grad_fn=grad_fn)

    def __add__(self, other):
        other = self._wrap(other)
        return self._make(self.data + other.data, (self, other), lambda g: (g, g))

    __radd__ = __add__

    def __neg__(self):
        return self._make(-self.data, (self,), lambda g: (-g,))

    def __sub__(self, other):
        return self + (-self._wrap(other))

    def __rsub__(self, other):
        return self._wrap(other) - self

    def __matmul__(self, other):
        other = self._wrap(other)
        a, b = self.data, other.data  # 2-D: (N, K) @ (K, M)
        return self._make(a @ b, (self, other), lambda g: (g @ b.T, a.T @ g))

    def __rmatmul__(self, other):
        return self._wrap(other) @ self

    @property
    def T(self):
        return self._make(self.data.T, (self,), lambda g: (g.T,))

    def sum(self):
        shape = self.data.shape
        return self._make(self.data.sum(), (self,), lambda g: (np.broadcast_to(g, shape),))

    def mean(self):
        shape, n = self.data.shape, self.data.size
        return self._make(self.data.mean(), (self,), lambda g: (np.broadcast_to(g / n, shape),))

    def __pow__(self, k):
        x = self.data
        return self._make(x**k, (self,), lambda g: (g * k * x ** (k - 1),))


def cross_entropy(logits, targets):
    """Mean cross-entropy of (N, C) logits and N integer targets, stable (chapter 04)."""
    z = logits.data
    shifted = z - z.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(targets)
    loss = -log_probs[np.arange(n), targets].mean()

    def grad_fn(g):  # softmax minus one-hot, over N
        probs = np.exp(log_probs)
        probs[np.arange(n), targets] -= 1
        return (g * probs / n,)
    return logits._make(loss, (logits,), grad_fn)


def learnable(model, Tensor):
    """Swap every ``weight`` and ``bias`` array of a chapter-03 model for a ``Tensor`` that
    learns, so ``model.parameters()`` returns tensors whose ``.grad`` backward() fills."""
    for layer in getattr(model, "layers", [model]):
        if hasattr(layer, "layers"):
            learnable(layer, Tensor)
        for name in ("weight", "bias"):
            if isinstance(getattr(layer, name, None), np.ndarray):
                setattr(layer, name, Tensor(getattr(layer, name), requires_grad=True))
    return model

"""Chapter 06's build exercise, the course's answer: the engine of a small ``Tensor``.

The operations come from :class:`nnkit.exercises.engine_parts.TensorOps`; this is the part
the learner writes: ``unbroadcast``, ``backward`` and two operations.
"""
import numpy as np

from nnkit.exercises.engine_parts import TensorOps


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes broadcasting added or stretched, back to ``shape``."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class Tensor(TensorOps):
    def backward(self):
        if self.data.size != 1:
            raise ValueError("backward() starts from a single number (the loss). "
                             f"Received a tensor of shape {self.data.shape}")
        order, seen = [], set()

        def visit(tensor):  # every tensor after the ones it was made from
            if id(tensor) not in seen:
                seen.add(id(tensor))
                for parent in tensor.parents:
                    visit(parent)
                order.append(tensor)
        visit(self)
        grads = {id(self): np.ones_like(self.data)}  # dL/dL = 1
        for tensor in reversed(order):
            grad = grads.pop(id(tensor), None)
            if grad is None:
                continue
            if tensor.grad_fn is None:  # a leaf: keep (add to) its gradient
                if tensor.requires_grad:
                    tensor.grad = grad if tensor.grad is None else tensor.grad + grad
                continue
            for parent, parent_grad in zip(tensor.parents, tensor.grad_fn(grad)):
                if parent.requires_grad:
                    parent_grad = unbroadcast(parent_grad, parent.data.shape)
                    grads[id(parent)] = grads.get(id(parent), 0) + parent_grad

    def __mul__(self, other):
        other = self._wrap(other)
        a, b = self.data, other.data
        return self._make(a * b, (self, other), lambda g: (g * b, g * a))

    __rmul__ = __mul__

    def relu(self):
        x = self.data
        return self._make(np.maximum(x, 0), (self,), lambda g: (g * (x > 0),))

r"""Reverse-mode automatic differentiation: the engine behind ``Tensor`` (chapter 06).

Every differentiable operation is a small :class:`Function` with a
``forward`` and a ``backward`` on plain NumPy arrays. :meth:`Function.apply`
is the only code that links the graph: it runs ``forward``, wraps the
result in a Tensor and, when gradients are wanted, records which function
made it from which inputs. :func:`backward` then visits the graph in
reverse topological order and applies the chain rule,

$$\frac{\partial L}{\partial x} = \sum_{y \,\text{uses}\, x}
  \frac{\partial L}{\partial y}\,\frac{\partial y}{\partial x},$$

adding up the contributions of every place a tensor was used. Gradients
of broadcast inputs are summed back to the input's shape in one place,
:func:`unbroadcast`, so no operation has to think about broadcasting.
"""
import contextlib

import numpy as np

_grad_enabled = True


@contextlib.contextmanager
def no_grad():
    """Within this block operations record no graph (evaluation, weight updates)."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


@contextlib.contextmanager
def enable_grad():
    """Turn graph recording back on inside a ``no_grad`` block."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, True
    try:
        yield
    finally:
        _grad_enabled = previous


def is_grad_enabled():
    return _grad_enabled


class Context:
    """What a forward pass leaves for its backward pass."""

    # class-level defaults instead of an __init__: one is made for every operation
    saved = ()
    needs_input_grad = ()

    def save_for_backward(self, *arrays):
        self.saved = arrays


# ``nnkit.tensor.Tensor``, set by tensor.py once it is defined (tensor.py imports
# this module first, so it cannot be imported here)
_Tensor = None


class Function:
    """One differentiable operation: subclasses define ``forward`` and ``backward``.

    ``forward(ctx, *args, **options)`` receives NumPy arrays where the caller
    passed Tensors and returns an array. ``backward(ctx, grad)`` receives the
    gradient of the loss with respect to that output and returns one gradient
    per positional argument (``None`` where there is none), each in the
    shape the argument had *after* broadcasting: a new array, `grad` itself
    or a view of it, never an array the function keeps for later.
    """

    @classmethod
    def apply(cls, *args, **options):
        # NOTE: this runs for every operation, so it is written for speed: list
        # comprehensions rather than generators, module globals rather than imports
        Tensor = _Tensor
        ctx = Context()
        out = Tensor._make(cls.forward(
            ctx, *[a.data if isinstance(a, Tensor) else a for a in args], **options))
        if _grad_enabled:
            needs = tuple([isinstance(a, Tensor) and a._requires_grad for a in args])
            # integer results (x.long(), argmax-like casts) carry no gradient, as in PyTorch
            if True in needs and out.data.dtype.kind == "f":
                ctx.needs_input_grad = needs
                out._requires_grad = True
                out._node = (cls, ctx, args)
        return out

    @staticmethod
    def forward(ctx, *args, **options):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError


def unbroadcast(grad, shape):
    """Sum `grad` over the axes that broadcasting added or stretched, to get `shape`."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad.reshape(shape)


def topological_order(root):
    """Tensors of the graph ending at `root`, each after all the tensors it was made from.

    An explicit stack instead of recursion: a recurrent network unrolled over
    a long sequence would exceed Python's recursion limit. Inputs that need no
    gradient (the data, the targets) are left out: nothing flows to them.
    Tensors hash by identity, so the set holds them directly.
    """
    Tensor = _Tensor
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        tensor, expanded = stack.pop()
        if expanded:
            order.append(tensor)
            continue
        if tensor in visited:
            continue
        visited.add(tensor)
        stack.append((tensor, True))
        if tensor._node is not None:
            for parent in reversed(tensor._node[2]):
                if isinstance(parent, Tensor) and parent not in visited \
                        and (parent._requires_grad or parent._node is not None):
                    stack.append((parent, False))
    return order


def backward(root, grad, retain_graph=False):
    """Propagate `grad` (dL/droot) to every tensor `root` was computed from."""
    grads = {root: grad}  # tensor -> the gradient summed so far
    for tensor in reversed(topological_order(root)):
        grad = grads.pop(tensor, None)
        if grad is None:
            continue
        if tensor._node is None or tensor._retains_grad:
            # A leaf keeps the array itself: nothing else holds it (Function.backward
            # returns new arrays or views of the gradient it was given, and an array
            # handed to two inputs is copied below). Copying a weight gradient would
            # cost as much as computing it at batch 1. Read-only arrays (the views of
            # np.broadcast_to) are copied, and so is what flows on past a retained tensor.
            keep = grad if tensor._node is None and grad.flags.writeable else grad.copy()
            tensor.grad = keep if tensor.grad is None else tensor.grad + grad
        if tensor._node is None:
            continue
        function, ctx, inputs = tensor._node
        if ctx.saved is None:
            raise RuntimeError(
                "backward through a graph a second time: the first backward() freed the "
                "values it needed. Recompute the forward pass, or call "
                "backward(retain_graph=True) the first time.")
        input_grads = function.backward(ctx, grad)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        handed_out = []  # ids of the arrays given to parents: `a + a` gets (grad, grad)
        for parent, needed, parent_grad in zip(inputs, ctx.needs_input_grad, input_grads):
            if not needed or parent_grad is None:
                continue
            if id(parent_grad) in handed_out:
                parent_grad = parent_grad.copy()
            handed_out.append(id(parent_grad))
            # the checks first: most gradients already have the right shape and dtype
            if type(parent_grad) is not np.ndarray:  # numpy scalars from 0-d arithmetic
                parent_grad = np.asarray(parent_grad)
            if parent_grad.shape != parent.data.shape:
                parent_grad = unbroadcast(parent_grad, parent.data.shape)
            if parent_grad.dtype != parent.data.dtype:
                parent_grad = parent_grad.astype(parent.data.dtype)
            previous = grads.get(parent)
            grads[parent] = parent_grad if previous is None else previous + parent_grad
        if not retain_graph:
            ctx.saved = None

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


class Node:
    """The link from a computed tensor back to what made it: ``tensor.grad_fn``.

    ``function`` is the :class:`Function` subclass that ran, ``ctx`` what its forward saved
    for the backward, ``inputs`` the arguments it was called with (tensors and plain
    values). Leaves (data, parameters) have ``grad_fn = None``.
    """

    __slots__ = ("ctx", "function", "inputs")

    def __init__(self, function, ctx, inputs):
        self.function, self.ctx, self.inputs = function, ctx, inputs

    def name(self):
        return f"{self.function.__name__}Backward"  # PyTorch's grad_fn.name(): "MulBackward0"

    def __repr__(self):
        return f"<{self.name()}>"


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
        # comprehensions rather than generators, one attribute lookup for the class
        Tensor = _tensor.Tensor
        ctx = Context()
        out = Tensor._make(cls.forward(
            ctx, *[a.data if isinstance(a, Tensor) else a for a in args], **options))
        if _grad_enabled:
            needs = tuple([isinstance(a, Tensor) and a._requires_grad for a in args])
            # integer results (x.long(), argmax-like casts) carry no gradient, as in PyTorch
            if True in needs and out.data.dtype.kind == "f":
                ctx.needs_input_grad = needs
                out._requires_grad = True
                out.grad_fn = Node(cls, ctx, args)
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
    Tensor = _tensor.Tensor
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
        if tensor.grad_fn is not None:
            for parent in reversed(tensor.grad_fn.inputs):
                if isinstance(parent, Tensor) and parent not in visited \
                        and (parent._requires_grad or parent.grad_fn is not None):
                    stack.append((parent, False))
    return order


def backward(root, grad, retain_graph=False):
    """Propagate `grad` (dL/droot) to every tensor `root` was computed from.

    The loop of chapter 06: visit the graph in reverse topological order, keep each leaf's
    gradient, and hand each input of a computed tensor its share, summed over every use.
    What a learner's loop does not need is in the helpers, each one a speed-up or a
    PyTorch rule: :func:`_keep_leaf_grad` (no copy of a weight gradient),
    :func:`_input_grads` (freed graphs, tuples), :func:`_fit` (shapes and dtypes).
    """
    grads = {root: grad}  # tensor -> the gradient summed so far
    for tensor in reversed(topological_order(root)):
        grad = grads.pop(tensor, None)
        if grad is None:
            continue
        if tensor.grad_fn is None or tensor._retains_grad:
            _keep_leaf_grad(tensor, grad)
        if tensor.grad_fn is None:
            continue
        node = tensor.grad_fn
        handed_out = []  # ids of the arrays given to inputs: `a + a` gets (grad, grad)
        for parent, needed, parent_grad in zip(node.inputs, node.ctx.needs_input_grad,
                                               _input_grads(node, grad)):
            if not needed or parent_grad is None:
                continue
            parent_grad = _fit(parent_grad, parent, handed_out)
            previous = grads.get(parent)
            grads[parent] = parent_grad if previous is None else previous + parent_grad
        if not retain_graph:
            node.ctx.saved = None  # free what forward saved: memory goes back as we go


def _keep_leaf_grad(tensor, grad):
    """``tensor.grad += grad``, without copying when it is safe.

    A leaf keeps the array itself: nothing else holds it (Function.backward returns new
    arrays or views of the gradient it was given, and an array handed to two inputs is
    copied in :func:`_fit`). Copying a weight gradient would cost as much as computing it
    at batch 1. Read-only arrays (the views of np.broadcast_to) are copied, and so is what
    flows on past a retained tensor.
    """
    keep = grad if tensor.grad_fn is None and grad.flags.writeable else grad.copy()
    tensor.grad = keep if tensor.grad is None else tensor.grad + grad


def _input_grads(node, grad):
    """The function's backward: one gradient per input, as a tuple."""
    if node.ctx.saved is None:
        raise RuntimeError(
            "backward through a graph a second time: the first backward() freed the "
            "values it needed. Recompute the forward pass, or call "
            "backward(retain_graph=True) the first time.")
    input_grads = node.function.backward(node.ctx, grad)
    return input_grads if isinstance(input_grads, tuple) else (input_grads,)


def _fit(parent_grad, parent, handed_out):
    """The gradient as the input's own: a fresh array, its shape, its dtype.

    The checks come first: most gradients already have the right shape and dtype.
    """
    if id(parent_grad) in handed_out:
        parent_grad = parent_grad.copy()
    handed_out.append(id(parent_grad))
    if type(parent_grad) is not np.ndarray:  # numpy scalars from 0-d arithmetic
        parent_grad = np.asarray(parent_grad)
    if parent_grad.shape != parent.data.shape:
        parent_grad = unbroadcast(parent_grad, parent.data.shape)
    if parent_grad.dtype != parent.data.dtype:
        parent_grad = parent_grad.astype(parent.data.dtype)
    return parent_grad


# Last: tensor.py imports this module first, so the Tensor class that results are wrapped
# in is looked up through the module (`_tensor.Tensor`), which exists by the time any
# operation runs, whichever of the two modules Python loads first.
from nnkit import tensor as _tensor

r"""Checkers for chapter 06 (tensors and autograd).

    from nnkit.exercises import ch06 as check
    check.add_backward(my_add_backward)

Backward functions are compared with nnkit's own gradients and, for a new
``Function``, with finite differences (``nnkit.gradcheck``). Shapes come
first: a gradient always has the shape of the input it belongs to.
"""
import numpy as np

import nnkit
from nnkit import mine
from nnkit.autograd import Context, Function
from nnkit.exercises.checking import NOT_IMPLEMENTED, Case, CheckResult, Exercise, Slip, attempt

__all__ = ["add_backward", "matmul_backward", "mean_backward", "sum_backward", "swish"]

_rng = np.random.default_rng(6)  # fixed hidden inputs, the same on every run


def _array(*shape):
    return np.round(_rng.standard_normal(shape), 2)


def _pairwise(name, fn, reference, cases, mistakes, labels):
    """A function returning two gradients: the one engine with two named parts."""
    slips = [Slip(hint, wrong=wrong) for wrong, hint in mistakes]
    return Exercise(name, reference, cases, slips, parts=tuple(labels)).check(fn)


def _diagnosed(name, fn, reference, cases, mistakes=()):
    return Exercise(name, reference, cases, [Slip(hint, wrong=w) for w, hint in mistakes],
                    rtol=1e-6, atol=1e-9).check(fn)


def _call(fn, args):
    """(result, None), or (None, what went wrong in a sentence) for the swish checker."""
    result = attempt(fn, args)
    if isinstance(result, NotImplementedError):
        return None, NOT_IMPLEMENTED
    if isinstance(result, Exception):
        return None, f"your code raised {type(result).__name__}: {result}"
    return result, None


# ---------------------------------------------------------------- exercise 1: broadcast add

def _unbroadcast(grad, shape):
    return nnkit.autograd.unbroadcast(grad, shape)


def _add(grad, a_shape, b_shape):
    return _unbroadcast(grad, a_shape), _unbroadcast(grad, b_shape)


def add_backward(fn):
    r"""Exercise 1: ``fn(grad, a_shape, b_shape)`` returns (grad_a, grad_b) for $z = a + b$.

    ``grad`` has the broadcast shape of $z$; each returned gradient has its input's shape.
    """
    hint = ("broadcasting copied b along some axes; its gradient SUMS over those axes: first "
            "the leading axes b did not have, then (with keepdims=True) the axes where b had 1.")
    cases = [
        Case((_array(3), (3,), (3,)), "same shapes (3,) + (3,)", "nothing was broadcast: "
             "the gradient passes unchanged to both."),
        Case((_array(4, 3), (4, 3), (3,)), "a bias: (4, 3) + (3,)",
             "b was copied to every one of the 4 rows: sum grad over axis 0."),
        Case((_array(4, 3), (4, 3), (4, 1)), "a column: (4, 3) + (4, 1)",
             "b was copied along axis 1: grad.sum(axis=1, keepdims=True) keeps the shape (4, 1)."),
        Case((_array(2, 3, 4), (2, 3, 4), (1, 3, 1)), "(2, 3, 4) + (1, 3, 1)", hint),
        Case((_array(2, 3), (2, 3), ()), "a scalar: (2, 3) + ()", "a scalar was used "
             "everywhere: its gradient is the sum of all of grad, shape ()."),
    ]
    mistakes = [(lambda g, a, b: (g, g), hint)]
    return _pairwise("add_backward", fn, _add, cases, mistakes, ("grad_a", "grad_b"))


# ---------------------------------------------------------------- exercise 2: matmul

def _matmul(grad, A, B):
    return grad @ B.T, A.T @ grad


def matmul_backward(fn):
    r"""Exercise 2: ``fn(grad, A, B)`` returns (grad_A, grad_B) for $Z = A B$ (2-D arrays)."""
    shape_hint = ("shapes decide it: grad_A must have A's shape (N, K) = grad (N, M) @ B.T "
                  "(M, K); grad_B must have B's shape (K, M) = A.T (K, N) @ grad (N, M).")
    cases = [
        Case((_array(2, 4), _array(2, 3), _array(3, 4)), "A (2, 3) @ B (3, 4)", shape_hint),
        Case((_array(5, 2), _array(5, 3), _array(3, 2)), "A (5, 3) @ B (3, 2)", shape_hint),
        Case((_array(1, 1), _array(1, 6), _array(6, 1)), "a dot product as matrices: (1, 6) @ (6, 1)",
             shape_hint),
        Case((_array(3, 3), _array(3, 3), _array(3, 3)), "square matrices (3, 3)",
             "with square matrices every shape fits, so only the values tell: grad_A = grad @ "
             "B.T (not B), grad_B = A.T @ grad (not grad @ A)."),
    ]
    mistakes = [
        (lambda g, A, B: (g @ B, A.T @ g), "grad_A = grad @ B.T: you forgot the transpose."),
        (lambda g, A, B: (g @ B.T, g.T @ A), "grad_B = A.T @ grad; grad.T @ A is its transpose."),
        (lambda g, A, B: (g @ B.T, A @ g), "grad_B = A.T @ grad: transpose A."),
    ]
    return _pairwise("matmul_backward", fn, _matmul, cases, mistakes, ("grad_A", "grad_B"))


# ---------------------------------------------------------------- exercise 3: a new Function

def _swish(x):
    return x / (1 + np.exp(-x))


def swish(cls):
    r"""Exercise 3: ``cls`` is an ``nnkit.Function`` for swish $x\,\sigma(x)$ with a backward.

    The forward is compared with the formula; the backward with finite differences
    (``nnkit.gradcheck``), with an upstream gradient that is not all ones.
    """
    name = "swish"
    if not (isinstance(cls, type) and issubclass(cls, Function)):
        return CheckResult(name, False, f"expected a subclass of nnkit.Function, received {cls!r}")
    x = np.array([-3.0, -0.5, 0.0, 0.7, 2.5])
    _out, raised = _call(lambda a: cls.apply(nnkit.tensor(a, dtype=np.float64)), (x,))
    if raised:
        return CheckResult(name, False, raised if raised == NOT_IMPLEMENTED else f"forward: {raised}")
    result = _diagnosed(f"{name} forward", lambda a: cls.apply(nnkit.tensor(a, dtype=np.float64)).data,
                       _swish, [Case((x,), "forward at five points", "swish(x) = x * sigmoid(x).")])
    if not result:
        return result
    report, raised = _call(lambda a: nnkit.gradcheck(cls.apply, a), (x,))
    if raised:
        return CheckResult(name, False, raised if raised == NOT_IMPLEMENTED else f"backward: {raised}")
    if not report:
        return CheckResult(name, False, f"backward disagrees with finite differences.\n{report}"
                           f"\nhint: {_swish_hint(cls, x)}")
    return CheckResult(name, True, f"forward matches the formula; backward passes gradcheck.\n{report}")


def _swish_hint(cls, x):
    ctx = Context()
    cls.forward(ctx, x.copy())
    s = 1 / (1 + np.exp(-x))
    local = s + x * s * (1 - s)
    upstream = np.linspace(0.5, 2.0, x.size)
    received, _ = _call(cls.backward, (ctx, upstream))
    received = received[0] if isinstance(received, tuple) else received
    if received is not None and np.allclose(received, local):
        return ("you returned the local derivative only: multiply it by grad, the upstream "
                "gradient (the chain rule: dL/dx = dL/dy * dy/dx).")
    if received is not None and np.allclose(received, upstream * s):
        return ("the product rule: d(x s)/dx = s + x s (1 - s); you kept only the first term.")
    return "d swish/dx = s + x s (1 - s) with s = sigmoid(x), times grad (the upstream gradient)."


# ---------------------------------------------------------------- exercise 4: sum and mean

def _sum(grad, shape, axis):
    return np.broadcast_to(np.expand_dims(grad, axis), shape).copy()


def _mean(grad, shape, axis):
    return _sum(grad, shape, axis) / shape[axis]


_REDUCE_CASES = [
    Case((_array(4), (3, 4), 0), "x (3, 4) reduced over axis 0",
         "the gradient of a sum reaches every element it summed: put the axis back "
         "(np.expand_dims(grad, axis)) and copy along it (np.broadcast_to(..., shape))."),
    Case((_array(3), (3, 4), 1), "x (3, 4) reduced over axis 1",
         "grad has shape (3,): put the reduced axis back at position 1, shape (3, 1), then "
         "broadcast to (3, 4)."),
    Case((_array(2, 4), (2, 5, 4), 1), "x (2, 5, 4) reduced over axis 1", None),
]


def sum_backward(fn):
    r"""Exercise 4a: ``fn(grad, shape, axis)`` is the gradient of ``x.sum(axis)`` w.r.t. ``x``."""
    return _diagnosed("sum_backward", fn, _sum, _REDUCE_CASES)


def mean_backward(fn):
    r"""Exercise 4b: ``fn(grad, shape, axis)`` is the gradient of ``x.mean(axis)`` w.r.t. ``x``."""
    n_hint = "a mean divides by n = shape[axis]: so does its gradient."
    mistakes = [(_sum, n_hint),
                (lambda g, s, a: _sum(g, s, a) / np.prod(s), ("divide by the number of elements "
                 "that were averaged, shape[axis], not by the size of the whole array."))]
    return _diagnosed("mean_backward", fn, _mean, _REDUCE_CASES, mistakes)


# ---------------------------------------------------------------- exercise 5: your own engine

def _leaf(Tensor, *shape):
    return Tensor(_engine_rng.standard_normal(shape).round(2), requires_grad=True)


_engine_rng = None  # reset before each case: the learner's and the course's see the same leaves


def _seeded(scenario, Tensor):
    global _engine_rng
    _engine_rng = np.random.default_rng(60)
    return scenario(Tensor)


def _grads(*leaves):
    """The leaves' gradients side by side, for one comparison."""
    for i, leaf in enumerate(leaves):
        if leaf.grad is None:
            raise RuntimeError(f"input {i}'s .grad is still None after backward(): the gradient "
                               "never reached this leaf")
    return np.concatenate([np.ravel(leaf.grad) for leaf in leaves])


def _used_twice(Tensor):
    a = _leaf(Tensor, 3)
    (a * a + a).sum().backward()  # d/da = 2a + 1: three uses add up
    return _grads(a)


def _broadcast_bias(Tensor):
    X, W, b = Tensor(_ENGINE_X), _leaf(Tensor, 3, 2), _leaf(Tensor, 2)
    ((X @ W + b).relu() * 2.0).sum().backward()
    return _grads(W, b)


def _two_layers(Tensor):
    from nnkit.exercises.engine_parts import cross_entropy
    X, W1, b1, W2, b2 = (Tensor(_ENGINE_X), _leaf(Tensor, 4, 3), _leaf(Tensor, 4),
                         _leaf(Tensor, 2, 4), _leaf(Tensor, 2))
    hidden = (X @ W1.T + b1).relu()
    cross_entropy(hidden @ W2.T + b2, np.array([0, 1, 1, 0, 1])).backward()
    return _grads(W1, b1, W2, b2)


def _twice(Tensor):
    a, b = _leaf(Tensor, 2), _leaf(Tensor, 2)
    loss = ((a * b) * a).sum()
    loss.backward()
    loss.backward()  # gradients add up in the leaves, as in PyTorch: exactly twice the first
    return _grads(a, b)


def _preset(Tensor):
    a = _leaf(Tensor, 2)
    a.grad = np.array([10.0, -10.0])  # left from an earlier backward: added to, not replaced
    (a * 3.0).sum().backward()
    return _grads(a)


_ENGINE_X = np.round(np.random.default_rng(61).standard_normal((5, 3)), 2)
_SCENARIOS = [(_used_twice, "a tensor used three times: (a*a + a).sum()"),
              (_broadcast_bias, "a bias broadcast over 5 rows: (X @ W + b).relu()"),
              (_two_layers, "two layers and a cross-entropy loss"),
              (_twice, "backward() called twice on one loss"),
              (_preset, "a leaf whose .grad was already set")]


def _slip_class(base, **methods):
    return type("Slip", (base,), methods)


def _order(root):
    """Every tensor of the graph, each after its parents (for the slips below)."""
    order, seen = [], set()

    def visit(t):
        if id(t) not in seen:
            seen.add(id(t))
            for p in t.parents:
                visit(p)
            order.append(t)
    visit(root)
    return order


def _assigning(self):
    """`=` instead of `+=`: only the last use of a tensor counts."""
    from nnkit.exercises.solutions.ch06 import unbroadcast
    grads = {id(self): np.ones_like(self.data)}
    for t in reversed(_order(self)):
        g = grads.get(id(t))
        if g is None:
            continue
        if t.grad_fn is None:
            t.grad = g
            continue
        for p, pg in zip(t.parents, t.grad_fn(g)):
            if p.requires_grad:
                grads[id(p)] = unbroadcast(pg, p.data.shape)


def _on_every_node(self):
    """micrograd's way, gradients stored on every tensor: a second backward adds too much."""
    from nnkit.exercises.solutions.ch06 import unbroadcast
    self.grad = np.ones_like(self.data)
    for t in reversed(_order(self)):
        if t.grad_fn is None or t.grad is None:
            continue
        for p, pg in zip(t.parents, t.grad_fn(t.grad)):
            if p.requires_grad:
                pg = unbroadcast(pg, p.data.shape)
                p.grad = pg if p.grad is None else p.grad + pg


def _replacing(self):
    """A leaf's gradient replaced instead of added to: backward twice gives the first result."""
    from nnkit.exercises.solutions.ch06 import Tensor
    for t in _order(self):
        if t.grad_fn is None:
            t.grad = None
    Tensor.backward(self)


_ENGINE_SLIPS = [
    (_assigning, ("a tensor used more than once gets one gradient per use: ADD them "
                 "(grads[parent] = grads.get(parent, 0) + g), do not replace.")),
    (_on_every_node, ("gradients stored on every tensor (micrograd's way) pile up when "
                     "backward() runs twice: the intermediate tensors still hold the first "
                     "call's gradients. Collect gradients in a dict local to backward() and "
                     "store .grad only on the leaves.")),
    (_replacing, ("a leaf's .grad should be ADDED to, as in PyTorch (that is why training "
                 "loops call zero_grad()): start from the .grad already there.")),
]


def _show_graph(value):
    from nnkit.exercises.checking import _show
    return "the graph of this case" if callable(value) else _show(value)


def engine(Tensor):
    """Exercise 5: the learner's ``class Tensor(TensorOps)`` with ``backward``, ``__mul__``, ``relu``.

    Each hidden case builds a small graph with the learner's Tensor and compares the leaves'
    gradients with the course's engine: accumulation over uses, broadcasting undone, a
    two-layer network with a cross-entropy loss, backward twice (leaves add up, exactly
    twice), a pre-set gradient, and a clear ValueError for a root that is not one number.
    Passing keeps ``unbroadcast`` and ``Tensor`` in ``mine/ch06.py``.
    """
    from nnkit.exercises.checking import Exercise, Slip, attempt, passed
    from nnkit.exercises.engine_parts import TensorOps
    from nnkit.exercises.solutions.ch06 import Tensor as Course
    name = "your tensor engine"
    if not (isinstance(Tensor, type) and issubclass(Tensor, TensorOps)):
        return CheckResult(name, False, "expected your class: class Tensor(TensorOps): ... "
                           f"Received {Tensor!r}")
    cases = [Case((scenario,), label) for scenario, label in _SCENARIOS]
    slips = [Slip(hint, wrong=lambda s, m=method: _seeded(s, _slip_class(Course, backward=m)))
             for method, hint in _ENGINE_SLIPS]
    slips.append(Slip("the bias has shape (2,) but was used on 5 rows: its gradient arrives "
                      "with shape (5, 2). unbroadcast(grad, parent.data.shape) sums it back.",
                      diagnose=lambda args, got: args[0] is _broadcast_bias
                      and isinstance(got, np.ndarray) and got.size != 8))
    result = Exercise(name, lambda s: _seeded(s, Course), cases, slips, rtol=1e-6, atol=1e-9,
                      hint="go through the loop in the text: order, seed, grad_fn, "
                           "unbroadcast, add.", show=_show_graph).check(
        lambda s: _seeded(s, Tensor))
    if not result:
        return result
    wide = Tensor(np.ones((2, 2)), requires_grad=True) * 2.0
    raised = attempt(lambda t: t.backward(), (wide,))
    if not isinstance(raised, ValueError) or "(2, 2)" not in str(raised):
        said = f"It raised {type(raised).__name__}: {raised}" \
            if isinstance(raised, BaseException) else "Nothing was raised."
        return CheckResult(name, False, "case 'backward() on a (2, 2) tensor': backward starts "
                           "from one number, the loss; raise ValueError saying so and naming "
                           f"the shape received, (2, 2). {said}")
    cases.append(Case((), "a clear error for a root that is not one number"))
    verdict = passed(name, Tensor, cases)
    helper = getattr(__import__("sys").modules.get(Tensor.__module__), "unbroadcast", None)
    kept = [mine.keep(obj, 6, "5") for obj in (helper, Tensor) if obj is not None]
    if kept and all(kept):
        verdict.message += f" Kept in your library: {kept[-1]}"
    return verdict

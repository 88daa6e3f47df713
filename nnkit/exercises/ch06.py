r"""Checkers for chapter 06 (tensors and autograd).

    from nnkit.exercises import ch06 as check
    check.add_backward(my_add_backward)

Backward functions are compared with nnkit's own gradients and, for a new
``Function``, with finite differences (``nnkit.gradcheck``). Shapes come
first: a gradient always has the shape of the input it belongs to.
"""
import numpy as np

import nnkit
from nnkit.autograd import Context, Function
from nnkit.exercises.ch05 import NOT_IMPLEMENTED, _call, diagnosed
from nnkit.exercises.checking import Case, CheckResult, _failure, compare

__all__ = ["add_backward", "matmul_backward", "mean_backward", "sum_backward", "swish"]

_rng = np.random.default_rng(6)  # fixed hidden inputs, the same on every run


def _array(*shape):
    return np.round(_rng.standard_normal(shape), 2)


def _pairwise(name, fn, reference, cases, mistakes, labels):
    """Check a function returning two gradients; say which one is wrong, shapes first."""
    if not callable(fn):
        return CheckResult(name, False, f"expected a function, received {fn!r}")
    for case in cases:
        received, raised = _call(fn, case.args)
        if raised:
            return CheckResult(name, False, raised if raised == NOT_IMPLEMENTED else
                               _failure(case, raised, None, None, None))
        if not isinstance(received, tuple) or len(received) != 2:
            return CheckResult(name, False, f"case '{case.label}': expected a tuple of two "
                               f"arrays ({labels[0]}, {labels[1]}), received {received!r:.80}")
        expected = reference(*case.args)
        for which in (0, 1):
            problem = compare(expected[which], received[which])
            if problem:
                hint = next((hint for wrong, hint in mistakes
                             if _matches(wrong, case.args, which, received[which])), None)
                shown = Case(case.args, f"{case.label}, {labels[which]}", case.hint,
                             diagnosis=hint)
                return CheckResult(name, False, _failure(shown, problem, expected[which],
                                                         received[which], None))
    return CheckResult(name, True, f"all {len(cases)} cases passed "
                       f"({', '.join(case.label for case in cases)}).")


def _matches(wrong, args, which, received):
    try:
        return compare(wrong(*args)[which], received) is None
    except Exception:  # noqa: BLE001 - a wrong formula may not even fit these shapes
        return False


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
    result = diagnosed(f"{name} forward", lambda a: cls.apply(nnkit.tensor(a, dtype=np.float64)).data,
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
    return diagnosed("sum_backward", fn, _sum, _REDUCE_CASES)


def mean_backward(fn):
    r"""Exercise 4b: ``fn(grad, shape, axis)`` is the gradient of ``x.mean(axis)`` w.r.t. ``x``."""
    n_hint = "a mean divides by n = shape[axis]: so does its gradient."
    mistakes = [(_sum, n_hint),
                (lambda g, s, a: _sum(g, s, a) / np.prod(s), ("divide by the number of elements "
                 "that were averaged, shape[axis], not by the size of the whole array."))]
    return diagnosed("mean_backward", fn, _mean, _REDUCE_CASES, mistakes)

r"""Checkers for chapter 02 (activation functions).

    from nnkit.exercises import ch02 as check
    check.sigmoid(my_sigmoid)

One checker per exercise. The learner's function runs with NumPy's
floating-point warnings turned into errors, so an ``exp`` that overflows
(``np.exp(1000)`` is ``inf``) is reported on the spot instead of slipping
through as a warning: numerically stable code never overflows.
"""
import math

import numpy as np

from nnkit.exercises.checking import Case, CheckResult, check_function

__all__ = [
    "relu",
    "relu_derivative",
    "sigmoid",
    "sigmoid_derivative",
    "softmax",
    "tanh_from_sigmoid",
]

LARGE = np.array([-1000.0, -30.0, 30.0, 1000.0])
OVERFLOW_HINT = ("np.exp of a large number overflows to inf. Compute e = np.exp(-np.abs(z)), "
                 "which is never above 1, and build both sides of the sigmoid from it "
                 "(np.where evaluates both branches for every element, so it does not help "
                 "on its own).")


def _strict(name, fn, reference, cases, **options):
    # overflow and 0/0 raise FloatingPointError inside the learner's code, reported with its line
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        return check_function(name, fn, reference, cases, **options)


# ---------------------------------------------------------------- references

def _sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=np.float64)))


def _sigmoid_slope_by_finite_differences(z, h=1e-5):
    # a gradient check: the slope measured on the curve, not the formula
    z = np.asarray(z, dtype=np.float64)
    return (_sigmoid(z + h) - _sigmoid(z - h)) / (2 * h)


def _relu(x):
    return np.maximum(x, 0.0)


def _relu_derivative(x):
    # NOTE: at exactly 0 the derivative is taken as 0, as nnkit and PyTorch do
    return (np.asarray(x) > 0).astype(np.float64)


def _softmax(z):
    shifted = z - z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


# ---------------------------------------------------------------- checkers

def sigmoid(fn):
    r"""Exercise 1: ``fn(z)`` returns $\sigma(z) = 1/(1+e^{-z})$ elementwise, without overflow."""
    cases = [
        Case((np.array([0.0]),), "z = 0", "sigma(0) = 1/2."),
        Case((np.array([-2.0, -1.0, 0.5, 3.0]),), "small inputs",
             "sigma(z) = 1 / (1 + exp(-z)): mind the minus sign in the exponent."),
        Case((np.array([[0.0, 1.0, -1.0], [2.0, -2.0, 4.0]]),), "a 2-D array (shape (2, 3))",
             "work elementwise with NumPy operations; the output has the input's shape."),
        Case((LARGE,), "large inputs (-1000 and 1000)", OVERFLOW_HINT),
    ]
    return _strict("sigmoid", fn, _sigmoid, cases, keep=(2, 1))


def sigmoid_derivative(fn):
    r"""Exercise 2: ``fn(z)`` returns $\sigma'(z) = \sigma(z)(1 - \sigma(z))$.

    Checked against the slope measured by finite differences (a gradient check).
    """
    cases = [
        Case((np.array([0.0]),), "z = 0",
             "sigma'(0) = 1/4. The formula is sigma(z) * (1 - sigma(z)): sigma(z) in both "
             "factors, not z."),
        Case((np.array([-3.0, -1.0, 1.0, 2.5]),), "small inputs",
             "sigma'(z) is positive everywhere: sigma(z) * (1 - sigma(z))."),
        Case((np.array([[0.5, -0.5], [4.0, -4.0]]),), "a 2-D array (shape (2, 2))",
             "work elementwise; the output has the input's shape."),
        Case((LARGE,), "large inputs (saturation)",
             "far from 0 the curve is flat, so the slope is almost 0. If this overflows, "
             "use your stable sigmoid."),
    ]
    return _strict("sigmoid_derivative", fn, _sigmoid_slope_by_finite_differences, cases,
                   rtol=1e-5, atol=1e-8)


def relu(fn):
    r"""Exercise 3a: ``fn(x)`` returns $\max(0, x)$ elementwise, same shape as ``x``."""
    cases = [
        Case((np.array([-2.0, -0.5, 0.0, 0.5, 2.0]),), "mixed signs",
             "negative inputs become 0, positive ones pass unchanged, element by element, so "
             "the output has the input's shape. np.max(x, 0) reduces the array to its largest "
             "values; np.maximum(x, 0) compares elementwise."),
        Case((np.array([[1.0, -1.0, 3.0], [-2.0, 5.0, -4.0]]),), "a 2-D array (shape (2, 3))",
             "np.max(x, 0) reduces along axis 0; np.maximum(x, 0) compares elementwise."),
        Case((np.array([1e6, -1e6]),), "large inputs"),
    ]
    return check_function("relu", fn, _relu, cases, keep=(2, 3))


def relu_derivative(fn):
    r"""Exercise 3b: ``fn(x)`` returns 1 where $x > 0$, else 0 (0 at $x = 0$, by convention)."""
    cases = [
        Case((np.array([-2.0, -0.5, 0.5, 2.0]),), "mixed signs",
             "the slope of max(0, x) is 1 on the right, 0 on the left."),
        Case((np.array([0.0]),), "x = 0 exactly",
             "ReLU has a kink at 0; nnkit and PyTorch use the derivative 0 there: x > 0, "
             "not x >= 0."),
        Case((np.array([[3.0, -3.0], [-1e-8, 1e-8]]),), "a 2-D array (shape (2, 2))",
             "work elementwise; the output has the input's shape, as floats 0.0 and 1.0."),
    ]
    return check_function("relu_derivative", fn, _relu_derivative, cases)


def tanh_from_sigmoid(fn):
    r"""Exercise 4: ``fn(z)`` returns $\tanh z$ computed as $2\sigma(2z) - 1$.

    The point is the identity, so an answer that calls a ready-made tanh
    (``np.tanh``, ``math.tanh``) is sent back even though its numbers are right.
    """
    cases = [
        Case((np.array([0.0]),), "z = 0", "tanh(0) = 0: 2 * sigma(0) - 1."),
        Case((np.array([1.0]),), "z = 1",
             "tanh(1) = 0.7616. The identity is tanh(z) = 2 sigma(2z) - 1: the 2 appears "
             "twice, inside and outside."),
        Case((np.array([[-2.0, -0.5], [0.5, 2.0]]),), "a 2-D array (shape (2, 2))",
             "tanh is odd: tanh(-z) = -tanh(z)."),
        Case((LARGE,), "large inputs (-1000 and 1000)",
             "use a stable sigmoid (exercise 1): sigma(2000) must not overflow."),
    ]
    used = _ready_made_tanh(fn)
    if used:
        return CheckResult("tanh_from_sigmoid", False,
                           f"your function calls {used}: the numbers would be right, but the "
                           "exercise is to build tanh from the sigmoid.\nhint: return "
                           "2 * my_sigmoid(2 * z) - 1, with your stable sigmoid of exercise 1.")
    return _strict("tanh_from_sigmoid", fn, np.tanh, cases)


def _ready_made_tanh(fn):
    """The ready-made tanh that ``fn`` calls (np.tanh, math.tanh, t.tanh(), ...), or None.

    Read from the names its compiled code uses, nested functions included, so
    no source file is needed and nothing is patched while it runs.
    """
    if isinstance(fn, np.ufunc) or fn is math.tanh:
        return f"{'np' if isinstance(fn, np.ufunc) else 'math'}.{fn.__name__}"
    codes = [getattr(fn, "__code__", None)]
    while codes:
        code = codes.pop()
        if code is None:
            continue
        if "tanh" in code.co_names:
            return "a ready-made tanh (np.tanh, math.tanh or .tanh())"
        codes.extend(c for c in code.co_consts if hasattr(c, "co_names"))
    return None


def softmax(fn):
    r"""Exercise 5: ``fn(z)`` returns $e^{z_i} / \sum_j e^{z_j}$ along the last axis, stably.

    Only the row's own maximum keeps every exponent at or below 0 for every row:
    the cases defeat the other shifts a learner might try (the minimum, the
    mean, the first score, the maximum of the whole batch).
    """
    shift_hint = ("subtract each row's own maximum, z - z.max(axis=-1, keepdims=True): then "
                  "every exponent is <= 0 and the largest is exactly 0. Shifting by the "
                  "minimum, the mean or the first score still leaves large positive exponents.")
    cases = [
        Case((np.array([1.0, 2.0, 3.0]),), "a vector of 3 scores",
             "exponentiate, then divide by the sum of the exponentials."),
        Case((np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]),), "a batch of 2 rows (shape (2, 3))",
             "each row is one example: sum over the last axis (axis=-1, keepdims=True) so "
             "that every row sums to 1; axis=0 mixes different examples."),
        Case((np.array([1000.0, 1001.0]),), "large scores [1000, 1001]",
             "np.exp(1000) overflows. Subtract the max score first (z - z.max(axis=-1, "
             "keepdims=True)): it cancels in the ratio and keeps every exponent <= 0."),
        Case((np.array([-1000.0, -1000.0]),), "very negative scores [-1000, -1000]",
             "every exp(-1000) underflows to 0 and 0/0 is nan: subtract the max score first."),
        Case((np.array([-1000.0, 0.0, 1000.0]),), "scores spread from -1000 to 1000",
             shift_hint),
        Case((np.array([[1000.0, 1001.0], [-1000.0, -999.0]]),),
             "rows on very different scales (shape (2, 2))",
             "subtract each row's OWN maximum (axis=-1, keepdims=True), not the maximum of the "
             "whole batch: measured from 1001, the second row's exponents underflow to 0 and "
             "0/0 is nan."),
        Case((np.array([[0.0, 2.0, 1.0], [3.0, -1.0, 0.0], [1.0, 1.0, 5.0]]),),
             "a square batch (shape (3, 3))",
             "rows are examples: reduce with axis=-1 and keepdims=True."),
    ]
    # a build exercise: once it passes, the learner's softmax is kept in mine/ch02.py
    return _strict("softmax", fn, _softmax, cases, keep=(2, 5))

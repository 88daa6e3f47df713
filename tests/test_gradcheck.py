"""nnkit.gradcheck: passes on right gradients, fails loudly and readably on wrong ones."""
import numpy as np
import pytest

import nnkit
from nnkit import Function


class SquareWrongSign(Function):
    """y = x^2 with a backward that forgot nothing but the sign: -2x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return -2 * x * grad


class MulMissingFactor(Function):
    """z = a * b^2 whose b-gradient forgot the factor 2 (a * b instead of 2 a b)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        return grad * b * b, grad * a * b


def test_passes_on_correct_functions():
    x = np.array([[0.5, -1.2], [2.0, 0.3]])
    w = np.array([[1.0, 2.0, -0.5], [0.1, -0.7, 0.4]])
    report = nnkit.gradcheck(lambda x, w: (x @ w).tanh().sum(axis=0), x, w)
    assert report, str(report)
    assert str(report).startswith("gradcheck passed")
    assert str(report).count("ok    input") == 2


def test_fails_on_a_backward_with_the_wrong_sign():
    x = np.array([1.0, -2.0, 3.0])
    report = nnkit.gradcheck(SquareWrongSign.apply, x)
    assert not report
    text = str(report)
    assert text.startswith("gradcheck FAILED")
    assert "WRONG input 0 (3,)" in text
    worst = report.worst
    # the largest error is at |x| = 3 where the two values are -6 * w and 6 * w
    assert worst["input"] == 0 and worst["index"] == (2,)
    assert worst["analytic"] == pytest.approx(-worst["numeric"], rel=1e-6)
    assert f"backward {worst['analytic']:.6g}" in text
    assert f"finite differences {worst['numeric']:.6g}" in text


def test_report_names_the_input_with_the_missing_factor():
    a, b = np.array([1.5, -0.5]), np.array([[2.0, 1.0], [-1.0, 0.5]])
    report = nnkit.gradcheck(MulMissingFactor.apply, a, b)
    assert not report
    lines = str(report).splitlines()
    assert lines[1].startswith("ok    input 0 (2,)")      # a's gradient is right
    assert lines[2].startswith("WRONG input 1 (2, 2)")    # b's is half what it should be
    assert report.worst["input"] == 1
    assert report.worst["analytic"] == pytest.approx(report.worst["numeric"] / 2, rel=1e-6)
    assert report.worst["relative_error"] == pytest.approx(0.5, rel=1e-6)


def test_integer_inputs_are_passed_through_not_checked():
    logits = np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 0.3]])
    target = np.array([2, 0])
    report = nnkit.gradcheck(lambda z, t: nnkit.ops.CrossEntropy.apply(z, t), logits, target)
    assert report and "input 1" not in str(report)


def test_checks_in_float64_even_for_float32_inputs():
    seen = []

    def fn(x):
        seen.append(x.dtype)
        return x.exp()

    assert nnkit.gradcheck(fn, nnkit.tensor([0.5, 1.0]))
    assert set(seen) == {np.dtype(np.float64)}


def test_does_not_change_the_callers_arrays():
    x = np.array([1.0, 2.0])
    nnkit.gradcheck(lambda x: x * x, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_errors_when_no_input_is_floating_point():
    with pytest.raises(ValueError, match=r"at least one floating-point input.*int64"):
        nnkit.gradcheck(lambda i: i, np.array([1, 2]))


def test_errors_when_fn_does_not_return_a_tensor_of_its_inputs():
    with pytest.raises(TypeError, match="must return a Tensor.*ndarray"):
        nnkit.gradcheck(lambda x: x.data * 2, np.array([1.0]))


def test_an_empty_input_is_reported_not_crashed_on():
    report = nnkit.gradcheck(lambda x, y: x.sum() + (y * y).sum(), np.zeros((0, 3)), np.ones(2))
    assert report, str(report)
    assert "input 0 (0, 3): empty, nothing to check" in str(report)
    assert report.worst["input"] == 1

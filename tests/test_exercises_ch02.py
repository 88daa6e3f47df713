"""Chapter 02's checkers accept right answers (ours and nnkit's) and reject typical wrong ones."""
import warnings

import numpy as np
import pytest

import nnkit
from nnkit.exercises import ch02 as check
from nnkit.nn import functional as F


def stable_sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def nnkit_derivative(fn):
    """The elementwise derivative of an nnkit activation, from backward()."""
    def derivative(x):
        t = nnkit.tensor(x, dtype=np.float64, requires_grad=True)
        fn(t).sum().backward()
        return t.grad
    return derivative


@pytest.fixture(autouse=True)
def no_warnings_leak():
    # the checkers turn overflow into errors; nothing should leak out as a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ---------------------------------------------------------------- sigmoid

def test_sigmoid_accepts_stable_versions_and_nnkit():
    assert check.sigmoid(stable_sigmoid)
    assert check.sigmoid(lambda z: nnkit.tensor(z).sigmoid().numpy())


def test_sigmoid_rejects_the_naive_formula_that_overflows():
    result = check.sigmoid(lambda z: 1 / (1 + np.exp(-z)))
    assert not result and "large inputs" in result.message
    assert "overflow" in result.message and "np.exp(-np.abs(z))" in result.message


def test_sigmoid_rejects_a_where_that_still_evaluates_both_branches():
    result = check.sigmoid(lambda z: np.where(z >= 0, 1 / (1 + np.exp(-z)),
                                              np.exp(z) / (1 + np.exp(z))))
    assert not result and "overflow" in result.message and "both branches" in result.message


def test_sigmoid_rejects_the_wrong_sign():
    result = check.sigmoid(lambda z: stable_sigmoid(-z))
    assert not result and "small inputs" in result.message and "minus sign" in result.message


def test_sigmoid_rejects_scalar_only_code_with_its_line():
    import math

    result = check.sigmoid(lambda z: 1 / (1 + math.exp(-z)))
    assert not result and "raised TypeError" in result.message and "line" in result.message


# ---------------------------------------------------------------- sigmoid derivative

def test_sigmoid_derivative_accepts_the_formula_and_nnkit_backward():
    assert check.sigmoid_derivative(lambda z: stable_sigmoid(z) * (1 - stable_sigmoid(z)))
    assert check.sigmoid_derivative(nnkit_derivative(F.sigmoid))


def test_sigmoid_derivative_rejects_the_formula_applied_to_z():
    result = check.sigmoid_derivative(lambda z: stable_sigmoid(z) * (1 - z))
    assert not result and "z = 0" in result.message and "not z" in result.message
    assert "expected: [0.25]" in result.message and "received: [0.5]" in result.message


def test_sigmoid_derivative_rejects_a_missing_factor_and_a_wrong_sign():
    assert not check.sigmoid_derivative(stable_sigmoid)
    result = check.sigmoid_derivative(lambda z: -stable_sigmoid(z) * (1 - stable_sigmoid(z)))
    assert not result and "expected: [0.25]" in result.message


def test_sigmoid_derivative_rejects_overflow_at_saturation():
    naive = lambda z: 1 / (1 + np.exp(-z))
    result = check.sigmoid_derivative(lambda z: naive(z) * (1 - naive(z)))
    assert not result and "saturation" in result.message and "overflow" in result.message


# ---------------------------------------------------------------- relu

def test_relu_and_its_derivative_accept_the_reference_and_nnkit():
    assert check.relu(lambda x: np.maximum(x, 0))
    assert check.relu(lambda x: nnkit.tensor(x, dtype=np.float64).relu().numpy())
    assert check.relu_derivative(lambda x: (x > 0).astype(float))
    assert check.relu_derivative(nnkit_derivative(F.relu))


def test_relu_rejects_np_max_which_reduces():
    result = check.relu(lambda x: np.max(x, 0))
    assert not result and "np.maximum(x, 0) compares elementwise" in result.message


def test_relu_rejects_abs():
    result = check.relu(np.abs)
    assert not result and "negative inputs become 0" in result.message


def test_relu_derivative_rejects_one_at_zero():
    result = check.relu_derivative(lambda x: (x >= 0).astype(float))
    assert not result and "x = 0 exactly" in result.message and "not x >= 0" in result.message


def test_relu_derivative_rejects_the_value_instead_of_the_slope():
    assert not check.relu_derivative(lambda x: np.maximum(x, 0))


# ---------------------------------------------------------------- tanh from sigmoid

def test_tanh_from_sigmoid_accepts_the_identity_and_nnkit():
    assert check.tanh_from_sigmoid(lambda z: 2 * stable_sigmoid(2 * z) - 1)
    assert check.tanh_from_sigmoid(
        lambda z: (2 * F.sigmoid(nnkit.tensor(2 * z, dtype=np.float64)) - 1).numpy())


@pytest.mark.parametrize("ready_made", [
    np.tanh,
    lambda z: np.tanh(z),
    lambda z: nnkit.tensor(z, dtype=np.float64).tanh().numpy(),
    lambda z: np.vectorize(lambda v: __import__("math").tanh(v))(z),
], ids=["np.tanh itself", "a lambda calling np.tanh", "Tensor.tanh", "math.tanh in a nested lambda"])
def test_tanh_from_sigmoid_sends_back_a_ready_made_tanh(ready_made):
    # the numbers are right, but the exercise is the identity 2 sigma(2z) - 1
    result = check.tanh_from_sigmoid(ready_made)
    assert not result and "tanh" in result.message and "2 * my_sigmoid(2 * z) - 1" in result.message


def test_tanh_from_sigmoid_rejects_a_missing_inner_factor():
    result = check.tanh_from_sigmoid(lambda z: 2 * stable_sigmoid(z) - 1)
    assert not result and "z = 1" in result.message and "inside and outside" in result.message


def test_tanh_from_sigmoid_rejects_a_naive_sigmoid():
    result = check.tanh_from_sigmoid(lambda z: 2 / (1 + np.exp(-2 * z)) - 1)
    assert not result and "overflow" in result.message and "stable sigmoid" in result.message


# ---------------------------------------------------------------- softmax

def reference_softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_softmax_accepts_the_stable_version_and_nnkit():
    assert check.softmax(reference_softmax)
    assert check.softmax(lambda z: F.softmax(nnkit.tensor(z, dtype=np.float64), dim=-1).numpy())


def test_softmax_rejects_the_unstable_version():
    result = check.softmax(lambda z: np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True))
    assert not result and "[1000, 1001]" in result.message
    assert "overflow" in result.message and "Subtract the max" in result.message


@pytest.mark.parametrize("shift, where", [
    (lambda z: z.min(axis=-1, keepdims=True), "spread from -1000 to 1000"),
    (lambda z: z.mean(axis=-1, keepdims=True), "spread from -1000 to 1000"),
    (lambda z: z[..., :1], "spread from -1000 to 1000"),
    (lambda z: z.max(), "very different scales"),
], ids=["the minimum", "the mean", "the first score", "the whole batch's maximum"])
def test_softmax_rejects_every_shift_but_the_rows_own_maximum(shift, where):
    # each of these cancels in the ratio too, but leaves exponents that overflow or underflow
    def shifted_softmax(z):
        e = np.exp(z - shift(z))
        return e / e.sum(axis=-1, keepdims=True)
    result = check.softmax(shifted_softmax)
    assert not result and where in result.message
    assert "maximum" in result.message and "keepdims=True" in result.message


def test_softmax_rejects_the_wrong_axis():
    result = check.softmax(lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(axis=0))
    assert not result and "batch of 2 rows" in result.message and "axis=-1" in result.message


def test_softmax_rejects_a_sum_over_everything():
    result = check.softmax(lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum())
    assert not result and "every row sums to 1" in result.message


def test_softmax_rejects_a_forgotten_keepdims():
    result = check.softmax(lambda z: np.exp(z - z.max(axis=-1)) / np.exp(z - z.max(axis=-1)).sum())
    assert not result and "keepdims=True" in result.message

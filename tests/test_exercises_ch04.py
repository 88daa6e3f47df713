"""Chapter 04 checkers: the worked solutions pass, typical wrong answers are rejected
with a message that names the mistake."""
import numpy as np
import pytest

import nnkit
from nnkit.exercises import ch04 as check
from nnkit.nn import functional as F


def message(result):
    assert not result, f"a wrong answer passed: {result}"
    return result.message


# ---------------------------------------------------------------- solutions

def solution_mse(y_hat, y):
    return np.mean((y_hat - y) ** 2)


def solution_bce(p, y):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def solution_lse(z):
    m = np.max(z, axis=-1, keepdims=True)
    return np.squeeze(m, -1) + np.log(np.sum(np.exp(z - m), axis=-1))


def solution_ce(logits, targets):
    log_p = logits - solution_lse(logits)[:, None]
    return -np.mean(log_p[np.arange(len(targets)), targets])


def solution_grad(logits, targets):
    p = np.exp(logits - solution_lse(logits)[:, None])
    p[np.arange(len(targets)), targets] -= 1
    return p / len(targets)


def test_solutions_pass():
    assert check.mse(solution_mse)
    assert check.binary_cross_entropy(solution_bce)
    assert check.log_sum_exp(solution_lse)
    assert check.cross_entropy(solution_ce)
    result = check.cross_entropy_grad(solution_grad)
    assert result and "finite differences of the loss (a gradient check)" in result.message


def test_solutions_agree_with_nnkit_functional():
    rng = np.random.default_rng(0)
    logits, targets = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    z = nnkit.tensor(logits, requires_grad=True, dtype=np.float64)
    loss = F.cross_entropy(z, targets)
    loss.backward()
    assert np.isclose(loss.item(), solution_ce(logits, targets))
    np.testing.assert_allclose(z.grad, solution_grad(logits, targets), rtol=1e-6, atol=1e-9)
    p, y = rng.uniform(0.01, 0.99, 5), rng.integers(0, 2, 5).astype(float)
    assert np.isclose(F.binary_cross_entropy(nnkit.tensor(p, dtype=np.float64),
                                             nnkit.tensor(y, dtype=np.float64)).item(),
                      solution_bce(p, y))
    assert np.isclose(F.mse_loss(nnkit.tensor(p, dtype=np.float64),
                                 nnkit.tensor(y, dtype=np.float64)).item(), solution_mse(p, y))


def test_stubs_are_reported_gently():
    def stub(*args):
        raise NotImplementedError
    for checker in (check.mse, check.binary_cross_entropy, check.log_sum_exp,
                    check.cross_entropy, check.cross_entropy_grad):
        assert "not implemented yet" in message(checker(stub))


# ---------------------------------------------------------------- mse

def test_mse_rejects_sum():
    assert "forgot the mean" in message(check.mse(lambda y_hat, y: np.sum((y_hat - y) ** 2)))


def test_mse_rejects_rmse_mae_and_plain_difference():
    assert "square root" in message(check.mse(lambda a, b: np.sqrt(np.mean((a - b) ** 2))))
    assert "mean absolute error" in message(check.mse(lambda a, b: np.mean(np.abs(a - b))))
    assert "cancel" in message(check.mse(lambda a, b: np.mean(a - b)))


# ---------------------------------------------------------------- binary cross-entropy

def test_bce_rejects_missing_clip():
    def unclipped(p, y):
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    with np.errstate(divide="ignore", invalid="ignore"):
        text = message(check.binary_cross_entropy(unclipped))
    assert "log(0)" in text and "np.clip" in text and "certain and right" in text


def test_bce_rejects_wrong_sign():
    def positive(p, y):
        p = np.clip(p, 1e-7, 1 - 1e-7)
        return np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert "wrong sign" in message(check.binary_cross_entropy(positive))


def test_bce_rejects_forgotten_negative_term():
    def half(p, y):
        return -np.mean(y * np.log(np.clip(p, 1e-7, 1 - 1e-7)))
    assert "(1 - y) log(1 - p)" in message(check.binary_cross_entropy(half))


def test_bce_rejects_sum():
    def summed(p, y):
        p = np.clip(p, 1e-7, 1 - 1e-7)
        return -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert "forgot the mean" in message(check.binary_cross_entropy(summed))


# ---------------------------------------------------------------- log-sum-exp

def test_lse_rejects_naive_version():
    with np.errstate(over="ignore", divide="ignore"):
        text = message(check.log_sum_exp(lambda z: np.log(np.sum(np.exp(z), axis=-1))))
    assert "overflows" in text and "a large logit (1000)" in text and "subtract the maximum" in text


def test_lse_rejects_max_not_added_back():
    def forgot(z):
        m = np.max(z, axis=-1, keepdims=True)
        return np.log(np.sum(np.exp(z - m), axis=-1))
    assert "add it back" in message(check.log_sum_exp(forgot))


def test_lse_rejects_wrong_axis():
    def over_everything(z):
        m = np.max(z)
        return m + np.log(np.sum(np.exp(z - m)))
    text = message(check.log_sum_exp(over_everything))
    assert "wrong axis" in text and "shape (2,)" in text


# ---------------------------------------------------------------- cross-entropy

def test_ce_rejects_unstable_softmax():
    def naive(logits, targets):
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return -np.mean(np.log(p[np.arange(len(targets)), targets]))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        text = message(check.cross_entropy(naive))
    assert "unstable softmax" in text and "[1000, 0]" in text


def test_ce_rejects_wrong_axis():
    def axis0(logits, targets):
        m = logits.max(axis=0, keepdims=True)
        log_p = logits - m - np.log(np.exp(logits - m).sum(axis=0, keepdims=True))
        return -np.mean(log_p[np.arange(len(targets)), targets])
    assert "wrong axis" in message(check.cross_entropy(axis0))


def test_ce_rejects_forgotten_mean():
    def summed(logits, targets):
        return solution_ce(logits, targets) * len(targets)
    assert "forgot the mean" in message(check.cross_entropy(summed))


def test_ce_rejects_wrong_sign():
    assert "wrong sign" in message(check.cross_entropy(lambda z, t: -solution_ce(z, t)))


# ---------------------------------------------------------------- gradient

def test_grad_rejects_missing_one_over_n():
    text = message(check.cross_entropy_grad(lambda z, t: solution_grad(z, t) * len(t)))
    assert "factor 1/N" in text


def test_grad_rejects_wrong_sign():
    assert "wrong sign" in message(check.cross_entropy_grad(lambda z, t: -solution_grad(z, t)))


def test_grad_rejects_missing_one_hot():
    def softmax_only(z, t):
        p = np.exp(z - solution_lse(z)[:, None])
        return p / len(t)
    assert "one-hot" in message(check.cross_entropy_grad(softmax_only))


def test_grad_rejects_a_softmax_without_the_max_shift():
    # the chapter promises logits of 1000: exp(1000) is inf, and inf / inf is nan
    def unshifted(z, t):
        with np.errstate(over="ignore", invalid="ignore"):
            p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        p[np.arange(len(t)), t] -= 1
        return p / len(t)
    text = message(check.cross_entropy_grad(unshifted))
    assert "huge logits" in text and "subtract the row maximum" in text


def test_grad_is_compared_with_finite_differences_not_a_formula():
    # a gradient off by a little in one entry fails: the expected values are numeric
    def slightly_off(z, t):
        g = solution_grad(z, t)
        g[0, 0] += 1e-3
        return g
    text = message(check.cross_entropy_grad(slightly_off))
    assert "the values differ" in text and "hint" in text


@pytest.mark.parametrize("checker", [check.mse, check.binary_cross_entropy, check.log_sum_exp,
                                     check.cross_entropy, check.cross_entropy_grad])
def test_checkers_reject_none(checker):
    assert "forget `return`" in message(checker(lambda *args: None))

r"""Checkers for chapter 04, loss functions.

    from nnkit.exercises import ch04 as check
    check.cross_entropy(my_cross_entropy)

Losses return one number: the mean over the samples. Cross-entropy takes
logits of shape (N, C) and integer class indices of shape (N,).
"""
import numpy as np

from nnkit.exercises.checking import Case, check_with_diagnoses, close_to

EPS = 1e-7  # the clipping of exercise 2: probabilities live in [EPS, 1 - EPS]


def _finite(received):
    try:
        return bool(np.all(np.isfinite(np.asarray(getattr(received, "data", received), float))))
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------- exercise 1: MSE

def _mse_reference(y_hat, y):
    return np.mean((y_hat - y) ** 2)


def _mse_diagnosis(args, received):
    y_hat, y = args
    if close_to(received, np.sum((y_hat - y) ** 2)) and y.size > 1:
        return "you forgot the mean: divide the sum of squares by the number of elements."
    if close_to(received, np.sqrt(np.mean((y_hat - y) ** 2))):
        return "that is the root of the MSE (RMSE): leave out the square root."
    if close_to(received, np.mean(np.abs(y_hat - y))):
        return "that is the mean absolute error: square the differences instead."
    if close_to(received, np.mean(y_hat - y)):
        return "square each difference before averaging, or + and - errors cancel."
    return None


def mse(fn):
    r"""Exercise 1: ``fn(y_hat, y)`` = $\frac1n\sum_i (\hat y_i - y_i)^2$ over all elements."""
    rng = np.random.default_rng(40)
    cases = [Case((np.array([2.5, 0.0, 2.0, 8.0]), np.array([3.0, -0.5, 2.0, 7.0])), "4 predictions"),
             Case((np.array([1.0, 2.0]), np.array([1.0, 2.0])), "a perfect prediction"),
             Case((rng.standard_normal((5, 3)), rng.standard_normal((5, 3))), "a (5, 3) batch"),
             Case((np.array([1e4, -1e4]), np.array([0.0, 0.0])), "large errors"),
             Case((np.array([-3.0, 1.0, 4.0]), np.array([3.0, -1.0, -2.0])), "errors of both signs")]
    return check_with_diagnoses("mse", fn, _mse_reference, cases, [_mse_diagnosis],
                                hint="subtract, square, then average: np.mean((y_hat - y) ** 2).", keep=(4, 1))


# ---------------------------------------------------------------- exercise 2: BCE from probabilities

def _bce_reference(p, y):
    p = np.clip(p, EPS, 1 - EPS)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def _bce_diagnosis(args, received):
    p, y = args
    if not _finite(received) and not isinstance(received, BaseException):
        return (f"log(0) is -inf: a probability of exactly 0 or 1 breaks the log. Clip p into "
                f"[{EPS}, 1 - {EPS}] first: p = np.clip(p, {EPS}, 1 - {EPS}).")
    clipped = np.clip(p, EPS, 1 - EPS)
    if close_to(received, np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))):
        return "wrong sign: the log of a probability is negative, so the loss needs a minus."
    if close_to(received, -np.mean(y * np.log(clipped))):
        return "you forgot the (1 - y) log(1 - p) term: it is what punishes false positives."
    if close_to(received, -np.sum(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))):
        return "you forgot the mean: divide by the number of samples."
    return None


def binary_cross_entropy(fn):
    r"""Exercise 2: ``fn(p, y)`` = $-\frac1n\sum [y\log p + (1-y)\log(1-p)]$, p clipped to [1e-7, 1-1e-7]."""
    cases = [Case((np.array([0.9, 0.2, 0.6]), np.array([1.0, 0.0, 1.0])), "three predictions"),
             Case((np.array([0.5, 0.5]), np.array([1.0, 0.0])), "undecided (p = 0.5)"),
             Case((np.array([0.1, 0.3, 0.8, 0.7]), np.array([0.0, 0.0, 0.0, 1.0])),
                  "mostly negatives (y = 0)"),
             Case((np.array([1.0, 0.0]), np.array([1.0, 0.0])), "certain and right (p exactly 1 and 0)"),
             Case((np.array([0.0, 1.0]), np.array([1.0, 0.0])), "certain and wrong (log(0))")]
    return check_with_diagnoses("binary_cross_entropy", fn, _bce_reference, cases,
                                [_bce_diagnosis],
                                hint="-mean(y log p + (1 - y) log(1 - p)) with p clipped first.", keep=(4, 2))


# ---------------------------------------------------------------- exercise 3: log-sum-exp

def _lse_reference(z):
    top = np.max(z, axis=-1, keepdims=True)
    return np.squeeze(top, -1) + np.log(np.sum(np.exp(z - top), axis=-1))


def _lse_diagnosis(args, received):
    (z,) = args
    if isinstance(received, BaseException):
        return None
    if not _finite(received):
        return ("exp(1000) overflows to inf (and exp(-1000) underflows to 0, whose log is -inf): "
                "subtract the maximum m first, log-sum-exp(z) = m + log(sum(exp(z - m))).")
    top = np.max(z, axis=-1, keepdims=True)
    if close_to(received, np.log(np.sum(np.exp(z - top), axis=-1))):
        return "you subtracted the maximum but forgot to add it back: m + log(sum(exp(z - m)))."
    shape = np.shape(getattr(received, "data", received))
    if z.ndim == 2 and shape != z.shape[:-1]:
        return (f"wrong axis: for z of shape {z.shape} the result has one value per row, shape "
                f"{z.shape[:-1]}. Reduce over the last axis (axis=-1) and keep it for the "
                "subtraction (keepdims=True).")
    return None


def log_sum_exp(fn):
    r"""Exercise 3: ``fn(z)`` = $\log\sum_j e^{z_j}$ over the last axis, stable for any z."""
    cases = [Case((np.array([1.0, 2.0, 3.0]),), "small logits"),
             Case((np.array([1000.0, 0.0]),), "a large logit (1000)"),
             Case((np.array([-1000.0, -1000.0]),), "very negative logits"),
             Case((np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 0.0]]),), "a batch of 2 rows (2, 3)"),
             Case((np.array([[0.5, -0.5], [2.0, 1.0], [0.0, 0.0], [3.0, 3.0]]),), "4 rows of 2")]
    return check_with_diagnoses("log_sum_exp", fn, _lse_reference, cases, [_lse_diagnosis],
                                hint="m = max over the last axis; m + log(sum(exp(z - m))).", keep=(4, 3))


# ---------------------------------------------------------------- exercise 4: cross-entropy from logits

def _log_softmax(z, axis=-1):
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _ce_reference(logits, targets):
    return -np.mean(_log_softmax(logits)[np.arange(len(targets)), targets])


def _ce_diagnosis(args, received):
    logits, targets = args
    if isinstance(received, BaseException):
        return None
    if not _finite(received):
        return ("unstable softmax: exp(1000) overflows. Use log-softmax = z - log-sum-exp(z), "
                "subtracting the row maximum before exp.")
    rows = np.arange(len(targets))
    picked = _log_softmax(logits)[rows, targets]
    if close_to(received, -np.sum(picked)) and len(targets) > 1:
        return "you forgot the mean: divide the summed loss by the number of samples N."
    if close_to(received, -np.mean(_log_softmax(logits, axis=0)[rows, targets])):
        return ("wrong axis: the softmax runs over the classes of each sample (axis=1, along a "
                "row), not over the samples (axis=0).")
    if close_to(received, np.mean(picked)):
        return "wrong sign: log-probabilities are negative; the loss is MINUS the mean."
    return None


def cross_entropy(fn):
    r"""Exercise 4: ``fn(logits, targets)`` = $-\frac1N\sum_n \log \mathrm{softmax}(z_n)_{t_n}$, stable."""
    rng = np.random.default_rng(41)
    cases = [Case((np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]]), np.array([0, 1])),
                  "2 samples, 3 classes"),
             Case((rng.standard_normal((4, 3)), np.array([2, 0, 1, 1])), "4 samples, 3 classes"),
             Case((np.array([[1000.0, 0.0], [0.0, 1000.0], [500.0, 0.0]]), np.array([0, 0, 1])),
                  "huge logits like [1000, 0]"),
             Case((np.array([[0.0, 0.0, 0.0, 0.0]]), np.array([3])), "one sample, all logits equal"),
             Case((rng.standard_normal((5, 2)) * 3, np.array([1, 0, 0, 1, 1])), "5 samples, 2 classes")]
    return check_with_diagnoses("cross_entropy", fn, _ce_reference, cases, [_ce_diagnosis],
                                hint="log_softmax(z) = z - logsumexp(z) per row; pick the target's "
                                     "entry in each row; minus the mean.", keep=(4, 4))


# ---------------------------------------------------------------- exercise 5: its gradient

def _numeric_ce_grad(logits, targets, eps=1e-6):
    """Central finite differences of the mean cross-entropy: the gradient check."""
    grad = np.zeros_like(logits, dtype=np.float64)
    for index in np.ndindex(logits.shape):
        plus, minus = logits.astype(np.float64), logits.astype(np.float64)
        plus[index] += eps
        minus[index] -= eps
        grad[index] = (_ce_reference(plus, targets) - _ce_reference(minus, targets)) / (2 * eps)
    return grad


def _grad_diagnosis(args, received):
    logits, targets = args
    if isinstance(received, (FloatingPointError, RuntimeWarning)):
        return "the softmax overflowed: subtract the row maximum before exp."
    if isinstance(received, BaseException):
        return None
    n = len(targets)
    p = np.exp(_log_softmax(logits))
    onehot = np.eye(logits.shape[1])[targets]
    if close_to(received, p - onehot) and n > 1:
        return "missing the factor 1/N: the loss is a mean, so each sample's gradient is (p - y) / N."
    if close_to(received, (onehot - p) / n) or close_to(received, onehot - p):
        return "wrong sign: the gradient is p - y (the loss falls as the target's logit rises)."
    if close_to(received, p / n) or close_to(received, p):
        return "you forgot to subtract the one-hot target y: the gradient is (p - y) / N."
    if not _finite(received):
        return "the softmax overflowed: subtract the row maximum before exp."
    return None


def cross_entropy_grad(fn):
    r"""Exercise 5: ``fn(logits, targets)`` = $\partial L/\partial z = (p - y)/N$, checked by finite differences."""
    rng = np.random.default_rng(42)
    cases = [Case((np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]]), np.array([0, 1])),
                  "2 samples, 3 classes"),
             Case((rng.standard_normal((4, 5)), np.array([4, 0, 2, 2])), "4 samples, 5 classes"),
             Case((np.array([[0.3, -0.2]]), np.array([1])), "one sample"),
             Case((np.array([[30.0, 0.0, -30.0], [0.0, 30.0, 0.0]]), np.array([2, 1])),
                  "confident logits (one right, one badly wrong)"),
             Case((np.array([[1000.0, 0.0, -5.0], [0.0, 2.0, 1000.0]]), np.array([0, 1])),
                  "huge logits like [1000, 0] (the softmax needs its max shift)")]
    result = check_with_diagnoses("cross_entropy_grad", fn, _numeric_ce_grad, cases,
                                  [_grad_diagnosis], hint="the gradient of the mean loss is (p - y) / N.")
    if result.passed:
        result.message += " Each was compared with finite differences of the loss (a gradient check)."
    return result

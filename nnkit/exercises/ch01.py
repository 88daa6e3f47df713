r"""Checkers for chapter 01 (the neuron).

    from nnkit.exercises import ch01 as check
    check.weighted_sum(my_weighted_sum)

One checker per exercise. The hidden cases are chosen so that each typical
mistake (a forgotten bias, the wrong sign, probabilities instead of labels,
``>=`` instead of ``>``, a count instead of a fraction) fails a case whose
hint names it.
"""
import numpy as np

from nnkit.exercises.checking import Case, CheckResult, check_function

__all__ = ["accuracy", "and_gate", "neuron", "or_gate", "predict", "weighted_sum"]

GATE_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)


# ---------------------------------------------------------------- references

def _weighted_sum(x, w):
    return float(np.dot(x, w))


def _sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))  # stable for large |z|


def _neuron(x, w, b):
    return float(_sigmoid(np.dot(x, w) + b))


def _predict(X, w, b):
    return (X @ w + b > 0).astype(np.int64)


def _accuracy(y_hat, y):
    return float(np.mean(y_hat == y))


# ---------------------------------------------------------------- checkers

def weighted_sum(fn):
    r"""Exercise 1: ``fn(x, w)`` returns $z = \sum_i w_i x_i$ for 1-D arrays ``x``, ``w``."""
    cases = [
        Case((np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.0])), "three inputs",
             "multiply each input by its own weight, then add the products up."),
        Case((np.array([2.0, 3.0]), np.array([-1.0, -1.0])), "inhibitory weights",
             "negative weights pull the sum down: keep their sign."),
        Case((np.array([4.0]), np.array([0.25])), "a single input"),
        Case((np.zeros(5), np.arange(5.0)), "all inputs zero"),
        Case((np.linspace(-1, 1, 100), np.linspace(1, -1, 100)), "100 inputs",
             "the result is one number: sum the products over all inputs."),
    ]
    return check_function("weighted_sum", fn, _weighted_sum, cases)


def neuron(fn):
    r"""Exercise 2: ``fn(x, w, b)`` returns $\sigma(w^\top x + b)$, one number."""
    cases = [
        Case((np.array([1.0, 2.0]), np.array([0.5, 0.25]), 0.0), "no bias",
             "z = w . x + b, then sigma(z) = 1 / (1 + exp(-z)): check the sign in the exponent."),
        Case((np.array([1.0, 1.0]), np.array([0.0, 0.0]), 2.0), "zero weights, bias 2",
             "with all weights 0 the output is sigma(b) = 0.8808: did you forget the bias?"),
        Case((np.array([3.0, -1.0]), np.array([-1.0, 0.5]), 0.5), "a negative weighted sum",
             "sigma(z) = 1 / (1 + exp(-z)): check the sign in the exponent."),
        Case((np.array([1.0, 2.0, 3.0]), np.array([0.2, -0.4, 0.1]), -0.3), "three inputs and a bias",
             "z = w . x + b, then the activation sigma(z)."),
        Case((np.array([2.0, 2.0]), np.array([-5.0, -5.0]), 0.0), "a very negative sum (z = -20)",
             "the output is tiny but positive, about 2e-9: apply sigma to z itself."),
    ]
    return check_function("neuron", fn, _neuron, cases, rtol=1e-5, atol=1e-12, keep=(1, 2))


def predict(fn):
    r"""Exercise 3: ``fn(X, w, b)`` returns labels, 1 where $Xw + b > 0$ else 0, shape (N,)."""
    X = np.array([[2.0, 1.0], [-1.0, -3.0], [0.5, -1.0], [-2.0, 4.0]])
    cases = [
        Case((X, np.array([1.0, 1.0]), 0.0), "four points, no bias",
             "each row of X is a point: X @ w gives one z per point."),
        Case((X, np.array([1.0, -1.0]), -1.2), "a bias that shifts the line",
             "z = X @ w + b: the bias is added to every point's z."),
        Case((np.array([[1.0, 1.0], [3.0, 0.0]]), np.array([1.0, 0.0]), -1.0), "a point exactly on the line",
             "a point with z = 0 exactly is class 0: use z > 0, not z >= 0."),
        Case((np.array([[0.3, 0.7]]), np.array([2.0, 2.0]), 0.5), "one point (shape (1, 2))",
             "return labels of shape (N,), one per row of X, even when N = 1."),
    ]
    not_labels = _not_labels(fn, cases[0])
    if not_labels:
        return CheckResult("predict", False, not_labels)
    return check_function("predict", fn, _predict, cases)


def _not_labels(fn, case):
    """A message when `fn` returns something other than 0/1 labels on `case`, else None."""
    try:
        out = np.asarray(fn(*case.args), dtype=np.float64)
    except Exception:  # noqa: BLE001 - check_function reports the error with its line
        return None
    if out.size and not np.isin(out, (0.0, 1.0)).all():
        return (f"case '{case.label}': your function returned values other than 0 and 1: "
                f"{np.array2string(out, precision=4)}.\nhint: predict returns class labels, "
                "not probabilities: 1 where z > 0, else 0, e.g. (z > 0).astype(int).")
    return None


def accuracy(fn):
    """Exercise 4: ``fn(y_hat, y)`` returns the fraction of labels that agree (0 to 1)."""
    cases = [
        Case((np.array([1, 0, 1, 1]), np.array([1, 0, 0, 1])), "three of four right",
             "accuracy is a fraction between 0 and 1: divide the count by the number of labels."),
        Case((np.array([0, 0, 0]), np.array([1, 1, 1])), "all wrong"),
        Case((np.array([1, 0]), np.array([1, 0])), "all right", "all right means 1.0, not 100."),
        Case((np.arange(10) % 3, np.arange(10) % 2), "ten labels, several classes",
             "compare labels with ==, then take the mean."),
    ]
    return check_function("accuracy", fn, _accuracy, cases)


def _gate(name, truth, weights, bias):
    """Run a step neuron on the four inputs of a logic gate and explain the first wrong row."""
    try:
        w = np.asarray(weights, dtype=np.float64).reshape(-1)
        b = float(bias)
    except (TypeError, ValueError):
        return CheckResult(name, False, f"expected two numbers for the weights and one for the "
                           f"bias. Received: weights={weights!r}, bias={bias!r}")
    if w.shape != (2,):
        return CheckResult(name, False, f"expected 2 weights (one per input). Received "
                           f"weights of shape {w.shape}")
    outputs = (GATE_INPUTS @ w + b > 0).astype(int)
    table = "\n".join(f"  x = ({int(x1)}, {int(x2)}): z = {z:+.2f}, output {o}, expected {t}"
                      for (x1, x2), z, o, t in zip(GATE_INPUTS, GATE_INPUTS @ w + b, outputs, truth))
    for (x1, x2), out, want in zip(GATE_INPUTS, outputs, truth):
        if out != want:
            side = "above 0" if want else "0 or below"
            return CheckResult(name, False, (
                f"for inputs ({int(x1)}, {int(x2)}) the neuron outputs {out}, expected {want}.\n"
                f"{table}\nhint: the neuron fires when z = w1 x1 + w2 x2 + b > 0; move the bias "
                f"so that z is {side} for this row."))
    return CheckResult(name, True, f"w = ({w[0]:g}, {w[1]:g}), b = {b:g} computes {name}:\n{table}")


def and_gate(weights, bias):
    """Exercise 5a: weights and a bias making a step neuron compute AND (1 only for (1, 1))."""
    return _gate("and_gate", [0, 0, 0, 1], weights, bias)


def or_gate(weights, bias):
    """Exercise 5b: weights and a bias making a step neuron compute OR (1 unless (0, 0))."""
    return _gate("or_gate", [0, 1, 1, 1], weights, bias)

r"""Gradient checking: compare backward() with finite differences (chapter 06).

For each input element $x_i$ the central difference

$$\frac{\partial L}{\partial x_i} \approx \frac{L(x + \epsilon e_i) - L(x - \epsilon e_i)}{2\epsilon}$$

has error $O(\epsilon^2)$. We compute it in float64 and compare it with
what ``backward()`` says. To check every output at once the output is
reduced to a scalar by a fixed random weighting, $L = \sum_k w_k y_k$.
"""
import numpy as np

from nnkit.autograd import no_grad
from nnkit.tensor import Tensor


class GradcheckReport:
    """The outcome of :func:`gradcheck`: truthy when every gradient matched."""

    def __init__(self, ok, lines, worst):
        self.ok, self.lines, self.worst = ok, lines, worst

    def __bool__(self):
        return self.ok

    def __str__(self):
        return "\n".join(self.lines)

    __repr__ = __str__


def _numeric_grad(fn, inputs, weights, which, eps):
    x = inputs[which].data
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + eps
        with no_grad():
            plus = float((_as_array(fn(*inputs)) * weights).sum())
        x[i] = original - eps
        with no_grad():
            minus = float((_as_array(fn(*inputs)) * weights).sum())
        x[i] = original
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def _as_array(out):
    return out.data if isinstance(out, Tensor) else np.asarray(out)


def gradcheck(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check ``fn``'s gradients with respect to each floating-point input.

    Args:
        fn: takes Tensors (as many as ``inputs``), returns a Tensor.
        inputs: Tensors or arrays; floating ones are checked, copied to float64.
        eps: finite-difference step. atol, rtol: allowed error,
            |analytic - numeric| <= atol + rtol * |numeric|.

    Returns:
        a :class:`GradcheckReport`; ``bool(report)`` tells whether all matched,
        ``print(report)`` names each input and its worst element.
    """
    arrays = [np.array(_as_array(x)) for x in inputs]
    tensors = [Tensor(a, dtype=np.float64 if a.dtype.kind == "f" else a.dtype) for a in arrays]
    checked = [i for i, t in enumerate(tensors) if t.dtype.kind == "f"]
    if not checked:
        raise ValueError("gradcheck: expected at least one floating-point input. Received "
                         f"dtypes {[t.dtype.name for t in tensors]}")
    for i in checked:
        tensors[i].requires_grad = True
    out = fn(*tensors)
    if not isinstance(out, Tensor) or not out.requires_grad:
        raise TypeError("gradcheck: fn must return a Tensor computed from its inputs. "
                        f"Received {type(out).__name__}")
    weights = np.random.default_rng(seed).standard_normal(out.shape)
    (out * Tensor(weights, dtype=np.float64)).sum().backward()

    ok, lines, worst = True, [], None
    for i in checked:
        if tensors[i].numel() == 0:  # an empty input has no element to compare
            lines.append(f"ok    input {i} {tuple(tensors[i].shape)}: empty, nothing to check")
            continue
        analytic = tensors[i].grad if tensors[i].grad is not None else np.zeros(tensors[i].shape)
        numeric = _numeric_grad(fn, tensors, weights, i, eps)
        error = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
        at = np.unravel_index(np.argmax(error), error.shape) if error.size else ()
        passed = error.size == 0 or error[at] <= 0
        ok &= bool(passed)
        relative = abs(analytic[at] - numeric[at]) / max(abs(numeric[at]), 1e-12) if error.size else 0.0
        detail = (f"input {i} {tuple(tensors[i].shape)}: worst element {tuple(int(j) for j in at)}: "
                  f"backward {analytic[at]:.6g}, finite differences {numeric[at]:.6g}, "
                  f"relative error {relative:.2e}")
        lines.append(("ok    " if passed else "WRONG ") + detail)
        if worst is None or not passed:
            worst = {"input": i, "index": tuple(int(j) for j in at), "analytic": float(analytic[at]) if error.size else 0.0,
                     "numeric": float(numeric[at]) if error.size else 0.0,
                     "relative_error": float(relative)}
    lines.insert(0, "gradcheck passed" if ok else "gradcheck FAILED: backward disagrees with "
                 "finite differences")
    return GradcheckReport(ok, lines, worst)

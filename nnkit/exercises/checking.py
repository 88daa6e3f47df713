"""The machinery every exercise checker shares: cases, comparison, the verdict."""
import html
import os
import traceback

import numpy as np

from nnkit import mine
from nnkit.tensor import Tensor


class Case:
    """One hidden test: positional `args` for the learner's function.

    Args:
        args: a tuple of inputs (arrays are copied before each call).
        label: what the case is about, in plain words ("large negative inputs").
        hint: what usually goes wrong when this case fails.
    """

    def __init__(self, args, label, hint=None, kwargs=None, diagnosis=None):
        self.args, self.label, self.hint, self.kwargs = tuple(args), label, hint, kwargs or {}
        # a hint recognised from the learner's own result; shown even for a shape problem
        self.diagnosis = diagnosis


class CheckResult:
    """The verdict of a checker: truthy when passed; shows green or red in Jupyter."""

    def __init__(self, name, passed, message):
        self.name, self.passed, self.message = name, passed, message

    def __bool__(self):
        return self.passed

    def grade(self):
        """The graded cell of an exercise (nbgrader): fail the grade when not passed.

        Under ``nbgrader autograde`` (or its validator), which set NBGRADER_EXECUTION, a
        failing check raises AssertionError with the checker's message, so nbgrader gives no
        points. Elsewhere it does nothing: the learner has already seen the verdict.
        """
        if not self.passed and os.environ.get("NBGRADER_EXECUTION"):
            raise AssertionError(f"{self.name}: {self.message}")

    def __repr__(self):
        mark = "PASSED" if self.passed else "NOT YET"
        return f"[{mark}] {self.name}: {self.message}"

    def _repr_html_(self):
        colour, mark = ("#1a7f37", "&#10004;") if self.passed else ("#cf222e", "&#10008;")
        body = html.escape(self.message).replace("\n", "<br>")
        return (f'<div style="border-left:4px solid {colour};padding:4px 10px;'
                f'color:{colour}"><b>{mark} {html.escape(self.name)}</b><br>{body}</div>')


def _show(value):
    """A short, readable rendering of an input or output for a message."""
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, np.generic):  # np.int64(3) reads as 3
        value = value.item()
    if isinstance(value, (tuple, list)):
        inner = ", ".join(_show(v) for v in value)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=4, threshold=12, edgeitems=3,
                               separator=", ").replace("\n", "")
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value)


def _as_array(value):
    if isinstance(value, Tensor):
        return value.data
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None


def compare(expected, received, rtol=1e-5, atol=1e-6):
    """None when `received` matches `expected`, else a sentence saying how it differs."""
    if received is None:
        return "your function returned None: did you forget `return`?"
    got, want = _as_array(received), _as_array(expected)
    if got is None:
        return f"expected numbers, received a {type(received).__name__}"
    if got.shape != want.shape:
        return f"expected shape {want.shape}, received shape {got.shape}"
    if np.isnan(got).any() and not np.isnan(want).any():
        return "your result contains nan (not a number): an overflow or 0/0 somewhere"
    if np.isinf(got).any() and not np.isinf(want).any():
        return "your result contains inf: something overflowed"
    if not np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True):
        return "the values differ"
    return None


def check_function(name, fn, reference, cases, rtol=1e-5, atol=1e-6, hint=None, keep=None):
    """Run `fn` and `reference` on every case; stop at the first disagreement.

    ``keep=(chapter, exercise)`` marks a build exercise: once `fn` passes, its source is kept
    in the learner's library, ``mine/`` (see :mod:`nnkit.mine`).
    """
    if not callable(fn):
        return CheckResult(name, False, f"expected a function, received {_show(fn)}")
    for case in cases:
        expected = reference(*_copies(case.args), **case.kwargs)
        try:
            received = fn(*_copies(case.args), **case.kwargs)
        except NotImplementedError:
            return CheckResult(name, False, "not implemented yet: replace the "
                               "`raise NotImplementedError` with your code.")
        except Exception as error:  # noqa: BLE001  (the learner's bug: report it, do not crash)
            where = traceback.extract_tb(error.__traceback__)[-1]
            return CheckResult(name, False, _failure(
                case, f"your function raised {type(error).__name__}: {error} "
                      f"(line {where.lineno}{': ' + where.line if where.line else ''})", None, None, hint))
        problem = compare(expected, received, rtol, atol)
        if problem:
            return CheckResult(name, False, _failure(case, problem, expected, received, hint))
    return passed(name, fn, cases, keep)


def passed(name, fn, cases, keep=None):
    """The verdict when every case passed; a build exercise (``keep``) is kept in ``mine/``."""
    labels = ", ".join(case.label for case in cases)
    message = f"all {len(cases)} cases passed ({labels})."
    kept = mine.keep(fn, *keep, name=name) if keep is not None else None
    if kept is not None:
        message += f" Kept in your library: {kept}"
    return CheckResult(name, True, message)


def _copies(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def _failure(case, problem, expected, received, hint):
    inputs = ", ".join(_show(a) for a in case.args)
    end = "" if problem.endswith((".", "?", "!")) else "."
    lines = [f"case '{case.label}': {problem}{end}", f"input: {inputs}"]
    if expected is not None:
        lines.append(f"expected: {_show(expected)}")
        lines.append(f"received: {_show(received)}")
    # a slip recognised in the learner's own result beats the case's general advice
    advice = case.diagnosis or case.hint or hint
    if advice:
        lines.append(f"hint: {advice}")
    return "\n".join(lines)

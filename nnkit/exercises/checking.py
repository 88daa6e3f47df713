"""The machinery every exercise checker shares: cases, comparison, the verdict."""
import copy
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
    if isinstance(value, np.ndarray) and value.ndim > 2:  # a batch of images: its shape, a few numbers
        first = np.array2string(value.ravel()[:6], precision=4, separator=", ")
        return f"an array of shape {value.shape}, starting {first[:-1]}, ...]"
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


class Slip:
    """A usual mistake and the hint that names it.

    Give either ``wrong``, a function that makes the mistake (the learner's answer is
    compared with what it returns on the same case), or ``diagnose``, a function
    ``(args, received)`` that recognises it (``received`` may be the exception the learner's
    code raised) and returns True, or a hint of its own that can quote the answer (a
    string). Only the slip that matches is ever shown.
    """

    def __init__(self, hint, wrong=None, diagnose=None):
        if (wrong is None) == (diagnose is None):
            raise ValueError("Slip: give exactly one of wrong= (a wrong implementation) or "
                             f"diagnose= (a test of the answer). Received wrong={wrong!r}, "
                             f"diagnose={diagnose!r}")
        self.hint, self.wrong, self.diagnose = hint, wrong, diagnose

    def hint_for(self, case, received, parts, rtol, atol):
        """This slip's hint when the answer shows it, else None."""
        if self.diagnose is not None:
            found = self.diagnose(case.args, received)
            return found if isinstance(found, str) else (self.hint if found else None)
        if received is None or isinstance(received, BaseException):
            return None
        try:
            with np.errstate(all="ignore"):
                wrong = self.wrong(*_copies(case.args), **case.kwargs)
        except Exception:  # noqa: BLE001 - a wrong formula may not even fit these inputs
            return None
        wrong, received = _parts(wrong, parts), _parts(received, parts)
        same = wrong is not None and received is not None and len(wrong) == len(received) \
            and all(compare(w, r, rtol, atol) is None for w, r in zip(wrong, received))
        return self.hint if same else None


class Problem(Exception):
    """Raised by a checker's own code that drives the learner's (a training loop, a shape
    test): its message is the problem, said as it is, not "your function raised"."""


class Exercise:
    """One exercise: hidden cases, the reference, the usual slips, and whether it is kept.

    ``Exercise(name, reference, cases, slips=[...], keep=(chapter, "2")).check(fn)`` runs
    ``fn`` and ``reference`` on every case and stops at the first disagreement, saying which
    case, the input, what was expected and what was received. A hint is shown only when it
    belongs to the mistake found: the hint of the slip that reproduces the answer, else,
    the case's own hint (or ``hint``). ``parts`` names the elements of a
    tuple answer (``("param", "velocity")``). ``keep`` marks a build exercise: a passing
    answer is kept in the learner's library, ``mine/`` (see :mod:`nnkit.mine`).
    """

    def __init__(self, name, reference, cases, slips=(), parts=None, rtol=1e-5, atol=1e-6,
                 hint=None, keep=None, show=None, part_prefix=""):
        self.name, self.reference, self.cases = name, reference, list(cases)
        self.slips, self.parts, self.rtol, self.atol = list(slips), parts, rtol, atol
        self.hint, self.keep, self.show = hint, keep, show or _show
        self.part_prefix = part_prefix  # "new " for a step that returns new values
        self._passed = []  # (case, expected) of the cases the answer being checked has passed

    def check(self, fn, kept=None):
        """The verdict on ``fn``; ``kept`` is what to keep in ``mine/`` when it is not ``fn``
        itself (the learner's class, when ``fn`` is a small function that drives it)."""
        if not callable(fn):
            return CheckResult(self.name, False, f"expected a function, received {_show(fn)}")
        self._passed = []
        for case in self.cases:
            expected = self.reference(*_copies(case.args), **case.kwargs)
            received = _run(fn, case)
            if isinstance(received, NotImplementedError):
                return CheckResult(self.name, False, NOT_IMPLEMENTED)
            message = self._problem(case, expected, received)
            if message:
                return CheckResult(self.name, False, message)
            self._passed.append((case, expected))
        return passed(self.name, kept or fn, self.cases, self.keep)

    def _slip(self, case, received):
        hints = (slip.hint_for(case, received, self.parts, self.rtol, self.atol)
                 for slip in self.slips if not self._ruled_out(slip))
        return next((hint for hint in hints if hint), None) or case.diagnosis

    def _ruled_out(self, slip):
        """True when the slip would have failed a case the learner's answer passed: then it
        is not the learner's mistake, even if it gives the same wrong answer here."""
        if slip.wrong is None:
            return False
        for case, expected in self._passed:
            try:
                with np.errstate(all="ignore"):
                    wrong = slip.wrong(*_copies(case.args), **case.kwargs)
            except Exception:  # noqa: BLE001, S112 - a model of a slip may not fit every case
                continue
            wrong, want = _parts(wrong, self.parts), _parts(expected, self.parts)
            if wrong is not None and want is not None and len(wrong) == len(want) and any(
                    compare(w, r, self.rtol, self.atol) is not None for w, r in zip(want, wrong)):
                return True
        return False

    def _problem(self, case, expected, received):
        """None when ``received`` is right for ``case``, else the message to show."""
        slip = self._slip(case, received)
        if isinstance(received, Problem):  # found by the checker's own driver code
            return _failure(case, str(received), None, None, slip or "", self.show)
        if isinstance(received, BaseException):
            where = traceback.extract_tb(received.__traceback__)[-1]
            code = f": {where.line}" if where.line else ""
            problem = (f"your function raised {type(received).__name__}: {received} "
                       f"(line {where.lineno}{code})")
            return _failure(case, problem, None, None, slip or _case_hint(case, self.hint),
                            self.show)
        if self.parts is None:
            problem = compare(expected, received, self.rtol, self.atol)
            return problem and _failure(case, problem, expected, received,
                                        slip or _case_hint(case, self.hint), self.show)
        got = _parts(received, self.parts)
        if got is None:
            wanted = ", ".join(self.parts)
            return _failure(case, f"expected a tuple ({wanted}), received {_show(received)}",
                            None, None, slip or f"end with `return {wanted}`.", self.show)
        for part, want, have in zip(self.parts, _parts(expected, self.parts), got):
            problem = compare(want, have, self.rtol, self.atol)
            if problem:
                said = self.part_prefix + part
                return _failure(case, f"{said} is wrong: {problem}", want, have,
                                slip or _case_hint(case, self.hint), self.show, said)
        return None


NOT_IMPLEMENTED = "not implemented yet: replace the `raise NotImplementedError` with your code."


def attempt(fn, args, kwargs=None):
    """What the learner's ``fn`` returns for copies of ``args``, or the exception it raised."""
    try:
        return fn(*_copies(args), **(kwargs or {}))
    except Exception as error:  # noqa: BLE001 - the learner's bug: reported, never raised
        return error


def _run(fn, case):
    return attempt(fn, case.args, case.kwargs)


def _parts(value, parts):
    """The answer as a tuple of its parts (None when it is not such a tuple)."""
    if parts is None:
        return (value,)
    if isinstance(value, tuple) and len(value) == len(parts):
        return value
    if len(parts) == 1:
        return (value,)
    if isinstance(value, list) and len(value) == len(parts):
        return tuple(value)
    return None


def _case_hint(case, hint):
    """No slip recognised: the advice written for this case, else the exercise's own."""
    return case.hint or hint or ""


def check_function(name, fn, reference, cases, rtol=1e-5, atol=1e-6, hint=None, keep=None,
                   slips=()):
    """Run `fn` and `reference` on every case; stop at the first disagreement.

    The short form of :class:`Exercise`. ``keep=(chapter, exercise)`` marks a build
    exercise: once `fn` passes, its source is kept in the learner's library, ``mine/``.
    """
    return Exercise(name, reference, cases, slips, rtol=rtol, atol=atol, hint=hint,
                    keep=keep).check(fn)


def check_with_diagnoses(name, fn, reference, cases, diagnoses, hint, keep=None):
    """Like ``check_function``; each diagnosis ``(args, received) -> hint or None`` names a
    slip (``received`` may be the exception the learner's code raised)."""
    return Exercise(name, reference, cases, [Slip(None, diagnose=d) for d in diagnoses],
                    hint=hint, keep=keep).check(fn)


def close_to(received, expected):
    """True when `received` is an array-like of the same shape and values as `expected`."""
    if isinstance(received, BaseException) or received is None:
        return False
    try:
        got = np.asarray(getattr(received, "data", received), dtype=float)
    except (TypeError, ValueError):
        return False
    expected = np.asarray(expected, dtype=float)
    return got.shape == expected.shape and np.allclose(got, expected, rtol=1e-5, atol=1e-6)


def passed(name, fn, cases, keep=None):
    """The verdict when every case passed; a build exercise (``keep``) is kept in ``mine/``."""
    labels = ", ".join(case.label for case in cases)
    message = f"all {len(cases)} cases passed ({labels})."
    kept = mine.keep(fn, *keep, name=name) if keep is not None else None
    if kept is not None:
        message += f" Kept in your library: {kept}"
    return CheckResult(name, True, message)


def _copies(args):
    """Fresh copies of the inputs: a learner's in-place edit must not leak into the next run."""
    return copy.deepcopy(list(args))


def _failure(case, problem, expected, received, hint, show=_show, part=None):
    inputs = ", ".join(show(a) for a in case.args)
    end = "" if problem.endswith((".", "?", "!")) else "."
    lines = [f"case '{case.label}': {problem}{end}", f"input: {inputs}"]
    if expected is not None:
        lines.append(f"expected{' ' + part if part else ''}: {show(expected)}")
        lines.append(f"received{' ' + part if part else ''}: {show(received)}")
    if hint is None:  # callers outside Exercise: the diagnosis, else the case's own hint
        hint = case.diagnosis or case.hint
    if hint:
        lines.append(f"hint: {hint}")
    return "\n".join(lines)

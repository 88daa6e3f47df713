"""Exercises checked on the spot.

Each chapter has a module here (``nnkit.exercises.ch02`` ...) with one
checker per exercise. A learner writes a function and passes it in::

    from nnkit.exercises import ch02 as check
    check.sigmoid(my_sigmoid)

The checker runs hidden cases (typical, edge, large, shapes), compares with
a reference and answers in plain words: which case failed, the input, the
expected and the received value, and a hint. The result shows green when
right, red when not; ``bool(result)`` says whether it passed.
"""
from nnkit.exercises.checking import Case, CheckResult, check_function, compare

__all__ = ["Case", "CheckResult", "check_function", "compare"]

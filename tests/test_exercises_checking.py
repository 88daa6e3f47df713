"""The shared checker machinery: how a verdict reads."""
import numpy as np

from nnkit.exercises.checking import Case, check_function


def test_numpy_scalars_read_as_plain_numbers_in_a_message():
    result = check_function("count", lambda n: np.int64(n + 1), lambda n: n,
                            [Case((np.int64(3),), "three")])
    assert not result
    assert "input: 3" in result.message and "received: 4" in result.message
    assert "np.int64" not in result.message


def test_a_wrong_value_still_gets_the_cases_hint():
    case = Case((np.array([-1.0, 2.0]),), "mixed signs", hint="negative inputs become 0")
    result = check_function("relu", np.abs, lambda x: np.maximum(x, 0), [case])
    assert not result and "hint: negative inputs become 0" in result.message


def test_a_diagnosed_slip_replaces_the_cases_general_hint():
    case = Case((np.array([1.0, 2.0]),), "two", hint="unrelated", diagnosis="reduce over axis -1")
    result = check_function("f", lambda x: x[None], lambda x: x, [case])
    assert not result and "hint: reduce over axis -1" in result.message

"""The shared checker machinery: how a verdict reads."""
import numpy as np

from nnkit.exercises.checking import Case, Exercise, Slip, check_function


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


def _relu(x):
    return np.maximum(x, 0)


def _exercise(**options):
    from nnkit.exercises.checking import Exercise, Slip
    cases = [Case((np.array([-2.0, 3.0]),), "mixed signs", hint="advice for this case")]
    slips = [Slip("you returned the absolute value: negatives become 0, not positive",
                  wrong=np.abs),
             Slip("you clipped at the wrong place", diagnose=lambda args, got: np.any(
                 np.asarray(got) == 1.0))]
    return Exercise("relu", _relu, cases, slips, **options)


def test_only_the_slip_that_matches_gives_its_hint():
    result = _exercise().check(np.abs)
    assert not result and "absolute value" in result.message
    assert "wrong place" not in result.message and "advice for this case" not in result.message
    result = _exercise().check(lambda x: np.minimum(np.maximum(x, 0), 1))
    assert "wrong place" in result.message and "absolute value" not in result.message
    result = _exercise().check(lambda x: x * 2)
    assert "advice for this case" in result.message
    assert "absolute value" not in result.message and "wrong place" not in result.message


def test_an_exercise_reports_raising_not_implemented_and_non_functions():
    def boom(x):
        raise KeyError("k")

    def stub(x):
        raise NotImplementedError
    assert "raised KeyError" in _exercise().check(boom).message
    assert "not implemented yet" in _exercise().check(stub).message
    assert "expected a function" in _exercise().check(3).message


def test_a_tuple_answer_is_checked_part_by_part():
    from nnkit.exercises.checking import Exercise
    exercise = Exercise("step", lambda p, g: (p - g, g), [Case((1.0, 0.5), "one step")],
                        parts=("param", "velocity"))
    assert exercise.check(lambda p, g: (p - g, g))
    wrong = exercise.check(lambda p, g: (p - g, 2 * g)).message
    assert "velocity is wrong" in wrong and "expected velocity: 0.5" in wrong
    assert "expected a tuple (param, velocity)" in exercise.check(lambda p, g: p - g).message


def test_a_slip_needs_exactly_one_test():
    import pytest

    from nnkit.exercises.checking import Slip
    with pytest.raises(ValueError, match="exactly one"):
        Slip("hint")
    with pytest.raises(ValueError, match="exactly one"):
        Slip("hint", wrong=abs, diagnose=lambda a, r: True)


def test_inputs_are_copied_deeply_for_each_run():
    layers = [(np.ones(2), np.zeros(2))]

    def spoils(layers):
        layers[0][0][:] = 5.0
        return layers[0][0].sum()
    result = check_function("f", spoils, lambda layers: 10.0, [Case((layers,), "one")])
    assert result and layers[0][0].tolist() == [1.0, 1.0]


def test_a_slip_that_would_have_failed_a_passed_case_is_not_named():
    cases = [Case((1.0,), "one"), Case((2.0,), "two")]

    def answer(x):  # right for 1, returns 0 for 2
        return 2.0 if x == 1.0 else 0.0

    always_zero = Slip("always zero", wrong=lambda x: 0.0)       # would have failed case 'one'
    zero_when_big = Slip("zero when big", wrong=lambda x: 2.0 if x < 1.5 else 0.0)
    result = Exercise("double", lambda x: 2 * x, cases, [always_zero]).check(answer)
    assert not result and "case 'two'" in result.message and "always zero" not in result.message
    result = Exercise("double", lambda x: 2 * x, cases, [always_zero, zero_when_big]).check(answer)
    assert "zero when big" in result.message and "always zero" not in result.message

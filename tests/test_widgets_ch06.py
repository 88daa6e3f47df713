"""Chapter 06's gradient check report, without a browser: the V curve, the verdicts, the controls."""
import numpy as np
import pytest
from nnkit_widgets.gradcheck_report import (
    EPSILONS,
    FUNCTIONS,
    GradcheckReport,
    gradient_report,
    numeric_gradients,
    sample_input,
)

import nnkit

CORRECT = [name for name in FUNCTIONS if not name.startswith("BUGGY")]
BUGGY = [name for name in FUNCTIONS if name.startswith("BUGGY")]


@pytest.mark.parametrize("name", CORRECT)
def test_correct_backwards_pass_and_agree_with_nnkit_gradcheck(name):
    report = gradient_report(name, 1e-6)
    assert report["passed"] and report["error"] < 1e-6
    assert nnkit.gradcheck(FUNCTIONS[name], sample_input())  # the library agrees
    np.testing.assert_allclose(report["analytic"], report["numeric"], rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("name", BUGGY)
def test_buggy_backwards_fail_at_every_eps(name):
    report = gradient_report(name, 1e-6)
    assert not report["passed"] and report["errors"].min() > 1e-2
    assert not nnkit.gradcheck(FUNCTIONS[name], sample_input())


def test_the_error_curve_is_a_v_for_a_smooth_function():
    errors = gradient_report("tanh(x)", 1e-6)["errors"]
    best = int(np.argmin(errors))
    assert 1e-8 < EPSILONS[best] < 1e-3  # the bottom of the V sits in between
    assert errors[0] > 100 * errors[best]  # round-off on the left
    assert errors[-1] > 100 * errors[best]  # truncation on the right
    # truncation error grows like eps**2: a 10x larger eps, about 100x the error
    ratio = errors[-1] / errors[-5]  # EPSILONS[-5] is 10x smaller than EPSILONS[-1]
    assert 30 < ratio < 300


def test_float32_moves_the_bottom_of_the_v_to_a_larger_eps():
    best64 = gradient_report("sigmoid(x)", 1e-6)["best_eps"]
    report32 = gradient_report("sigmoid(x)", 1e-6, dtype="float32")
    assert report32["best_eps"] > 100 * best64
    assert not report32["passed"]  # eps = 1e-6 is far too small for float32
    assert gradient_report("sigmoid(x)", 1e-2, dtype="float32")["passed"]


def test_numeric_gradients_match_a_hand_derivative():
    x = sample_input()
    weights = np.ones(8)
    numeric = numeric_gradients(FUNCTIONS["tanh(x)"], x, weights, [1e-5])[0]
    np.testing.assert_allclose(numeric, 1 - np.tanh(x) ** 2, rtol=1e-7)


def test_an_eps_below_the_precision_of_x_gives_nan_not_a_fake_zero():
    numeric = numeric_gradients(FUNCTIONS["tanh(x)"], sample_input(), np.ones(8), [1e-20])[0]
    assert np.isnan(numeric).all()


@pytest.mark.parametrize("kwargs, words", [({"function": "cosh"}, "function='cosh'"),
                                           ({"eps": 0.0}, "eps=0.0"),
                                           ({"dtype": "float16"}, "dtype='float16'")])
def test_bad_arguments_are_named(kwargs, words):
    arguments = {"function": "tanh(x)", "eps": 1e-6, "dtype": "float64", **kwargs}
    with pytest.raises(ValueError, match="Received") as error:
        gradient_report(**arguments)
    assert words in str(error.value)


def test_every_control_changes_the_result_and_the_picture():
    widget = GradcheckReport()
    for name, value in [("function", BUGGY[0]), ("eps", 1e-3), ("dtype", "float32")]:
        before_png, before = widget.png, widget.result
        widget.set(**{name: value})
        assert widget.error is None
        assert widget.png != before_png, f"changing {name} did not change the picture"
        assert widget.result[name] == value and widget.result is not before
    assert "FAILED" in widget.verdict.get_text()

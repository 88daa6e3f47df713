"""Chapter 02's activation explorer, without a browser: autograd derivatives, saturation, controls."""
import math

import numpy as np
import pytest
from nnkit_widgets.activations import FUNCTIONS, ActivationExplorer, value_and_derivative

X = np.linspace(-5, 5, 41) + 0.013  # avoid the kinks at exactly 0


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


FORMULAS = {  # the textbook derivatives, written independently of nnkit
    "step": lambda x: np.zeros_like(x),
    "sigmoid": lambda x: sigmoid(x) * (1 - sigmoid(x)),
    "tanh": lambda x: 1 - np.tanh(x) ** 2,
    "relu": lambda x: (x > 0).astype(float),
    "leaky_relu": lambda x: np.where(x > 0, 1.0, 0.1),
    "gelu": lambda x: np.array([0.5 * (1 + math.erf(v / math.sqrt(2)))
                                + v * math.exp(-v * v / 2) / math.sqrt(2 * math.pi) for v in x]),
}


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_autograd_derivatives_match_the_formulas(name):
    _, slope = value_and_derivative(name, X)
    np.testing.assert_allclose(slope, FORMULAS[name](X), atol=1e-6)


def test_an_unknown_function_is_named_in_the_error():
    with pytest.raises(ValueError, match="Received: name='swish'"):
        value_and_derivative("swish", X)


def test_saturation_shows_in_the_slopes_at_the_edges():
    widget = ActivationExplorer(x_max=10.0)
    sigmoid_left, sigmoid_right = widget.result["edge_slopes"]["sigmoid"]
    assert sigmoid_left == pytest.approx(4.54e-5, rel=1e-2) and sigmoid_right == pytest.approx(sigmoid_left)
    assert widget.result["edge_slopes"]["relu"] == (0.0, 1.0)  # flat on the left, never saturates right
    narrow = widget.set(x_max=1.0)["edge_slopes"]["sigmoid"][1]
    assert narrow == pytest.approx(0.1966, abs=1e-4)


def test_unticked_functions_are_not_computed_or_drawn():
    widget = ActivationExplorer(sigmoid=True, tanh=False, relu=False)
    assert set(widget.result["curves"]) == {"sigmoid"}
    value_line, slope_line = widget.lines["tanh"]
    assert not value_line.get_visible() and not slope_line.get_visible()
    widget.set(gelu=True)
    assert set(widget.result["curves"]) == {"sigmoid", "gelu"}
    assert widget.lines["gelu"][0].get_visible()


def test_every_control_changes_the_result_and_the_picture():
    widget = ActivationExplorer()
    changes = [(name, not widget.controls[name].value) for name in FUNCTIONS] + [("x_max", 12.0)]
    for name, value in changes:
        before_png, before = widget.png, widget.result
        widget.set(**{name: value})
        assert widget.error is None
        assert widget.png != before_png, f"changing {name} did not change the picture"
        assert widget.result is not before


def test_nothing_ticked_still_draws_and_says_what_to_do():
    widget = ActivationExplorer(sigmoid=False, tanh=False, relu=False)
    assert widget.result["curves"] == {} and widget.error is None
    assert "tick a function" in widget.note.get_text()


def test_a_bad_range_is_reported():
    with pytest.raises(ValueError, match="Received: x_max=0"):
        ActivationExplorer().compute(x_max=0, sigmoid=True)

"""Chapter 03's forward-pass widget, without a browser: its numbers and its picture."""
import numpy as np
import pytest
from nnkit_widgets.forward_pass import LAYER_SIZES, ForwardPassWidget, circles_data, trained_network

import nnkit


@pytest.fixture(scope="module")
def widget():
    return ForwardPassWidget()


def test_the_network_has_learned_the_circles():
    X, y = circles_data()
    with nnkit.no_grad():
        predicted = trained_network()(nnkit.tensor(X)).numpy().argmax(axis=1)
    assert (predicted == y).mean() > 0.95


def test_building_the_widget_leaves_the_global_generator_alone():
    nnkit.manual_seed(7)
    expected = nnkit.randn(3).numpy().copy()
    nnkit.manual_seed(7)
    trained_network()
    ForwardPassWidget()
    np.testing.assert_array_equal(nnkit.randn(3).numpy(), expected)


def test_activations_are_the_layer_by_layer_forward_pass(widget):
    result = widget.compute(x1=0.4, x2=-0.7, show_signal=False)
    values = result["activations"]
    assert [v.shape for v in values] == [(n,) for n in LAYER_SIZES]
    weights = [(m.weight.numpy(), m.bias.numpy()) for m in widget.model if hasattr(m, "weight")]
    a = np.array([0.4, -0.7])
    for i, (W, b) in enumerate(weights):  # the chapter's equation, by hand
        z = W @ a + b
        a = np.tanh(z) if i < len(weights) - 1 else z
        np.testing.assert_allclose(values[i + 1], a, rtol=1e-5, atol=1e-6)
    p = result["probabilities"]
    np.testing.assert_allclose(p, np.exp(a) / np.exp(a).sum(), rtol=1e-5)
    assert result["predicted"] == int(np.argmax(a))


def test_the_centre_is_inner_circle_and_far_out_is_outer_circle(widget):
    assert widget.compute(x1=0.0, x2=0.0, show_signal=False)["predicted"] == 1
    assert widget.compute(x1=1.4, x2=0.0, show_signal=False)["predicted"] == 0
    assert widget.compute(x1=0.0, x2=-1.4, show_signal=False)["predicted"] == 0


def test_lines_show_weights_or_the_signal_they_carry(widget):
    plain = widget.compute(x1=0.5, x2=0.5, show_signal=False)["edges"]
    signal = widget.compute(x1=0.5, x2=0.5, show_signal=True)
    for W, edge in zip(widget.weights, plain):
        np.testing.assert_array_equal(edge, W)
    first = signal["edges"][0]
    np.testing.assert_allclose(first, widget.weights[0] * np.array([0.5, 0.5]))
    np.testing.assert_allclose(signal["edges"][1], widget.weights[1] * signal["activations"][1])


def test_moving_a_slider_changes_numbers_and_picture():
    w = ForwardPassWidget(x1=0.0, x2=0.0)
    before_png, before = w.png, w.result
    w.set(x1=1.2)
    assert w.error is None
    assert not np.allclose(w.result["activations"][1], before["activations"][1])
    assert w.result["predicted"] != before["predicted"]
    assert w.png != before_png
    png = w.png
    w.set(x2=-0.5)
    assert w.png != png


def test_the_signal_checkbox_changes_the_picture():
    w = ForwardPassWidget(x1=0.7, x2=0.2)
    png = w.png
    w.set(show_signal=True)
    assert w.error is None and w.png != png

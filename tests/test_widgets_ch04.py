"""Chapter 04's loss explorer, without a browser: its numbers and its picture."""
import numpy as np
import pytest
from nnkit_widgets.loss_explorer import (
    LossExplorerWidget,
    landscape_data,
    losses_and_gradients,
    weight_landscape,
)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


@pytest.mark.parametrize("y", [0, 1])
def test_losses_and_gradients_match_the_formulas(y):
    z = np.linspace(-8, 8, 33)
    p = sigmoid(z)
    out = losses_and_gradients(z, y)
    np.testing.assert_allclose(out["mse"], (p - y) ** 2, rtol=1e-9)
    np.testing.assert_allclose(out["bce"], -(y * np.log(p) + (1 - y) * np.log(1 - p)), rtol=1e-9)
    np.testing.assert_allclose(out["bce_grad"], p - y, atol=1e-12)
    np.testing.assert_allclose(out["mse_grad"], 2 * (p - y) * p * (1 - p), atol=1e-12)


def test_gradients_agree_with_finite_differences():
    z, eps = np.array([-5.0, -0.3, 0.0, 2.2]), 1e-6
    for y in (0, 1):
        out = losses_and_gradients(z, y)
        plus, minus = losses_and_gradients(z + eps, y), losses_and_gradients(z - eps, y)
        for name in ("mse", "bce"):
            numeric = (plus[name] - minus[name]) / (2 * eps)
            np.testing.assert_allclose(out[f"{name}_grad"], numeric, rtol=1e-5, atol=1e-9)


def test_confidently_wrong_bce_pushes_hard_and_mse_barely():
    point = LossExplorerWidget(logit=-6.0, target=1).result["point"]
    assert point["bce_grad"] < -0.99 and abs(point["mse_grad"]) < 0.01
    assert point["bce"] > 5.9 and point["mse"] < 1.0


def test_weight_landscape_is_the_mean_loss_of_sigmoid_w_x():
    x, y = landscape_data()
    for w in (-2.0, 0.0, 1.5):
        p = sigmoid(w * x)
        got = weight_landscape(np.array(w))
        assert np.isclose(got["mse"], np.mean((p - y) ** 2))
        assert np.isclose(got["bce"], np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))
    curve = weight_landscape(np.linspace(-4, 4, 161))
    best = np.linspace(-4, 4, 161)[curve["bce"].argmin()]
    assert 0 < best < 4  # class 1 lies right of 0: the best weight is positive


def test_every_control_changes_the_result_and_the_picture():
    w = LossExplorerWidget(logit=2.0, target=1, weight=1.0)
    for name, value, key in [("logit", -3.0, "point"), ("target", 0, "point"),
                             ("weight", -2.0, "at_weight")]:
        before_png, before = w.png, dict(w.result[key])
        w.set(**{name: value})
        assert w.error is None
        assert w.result[key] != before, name
        assert w.png != before_png, name


def test_the_displayed_numbers_follow_the_dot():
    w = LossExplorerWidget(logit=1.0, target=0)
    assert w.loss_title.get_text() == f"y = 0,  p = sigmoid(z) = {sigmoid(1.0):.3f}"
    texts = [t.get_text() for t in w.legends[w.loss_ax].get_texts()]
    assert texts == [f"MSE {sigmoid(1.0) ** 2:.3f}", f"BCE {-np.log(1 - sigmoid(1.0)):.3f}"]

"""Chapter 01's neuron explorer, without a browser: compute is right, controls change the picture."""
import numpy as np
import pytest
from nnkit_widgets.neuron import ACTIVATIONS, NeuronExplorer, decision_line


@pytest.fixture(scope="module")
def explorer():
    return NeuronExplorer()


def test_predictions_follow_the_sign_of_the_weighted_sum(explorer):
    result = explorer.compute(w1=-1.2, w2=0.4, bias=0.3, activation="sigmoid", data="two blobs")
    X, y_hat = result["X"], result["y_hat"]
    z = -1.2 * X[:, 0] + 0.4 * X[:, 1] + 0.3
    np.testing.assert_array_equal(y_hat, (z > 0).astype(int))
    assert result["accuracy"] == pytest.approx(np.mean(y_hat == result["y"]))


def test_the_decision_line_is_where_the_weighted_sum_is_zero():
    w1, w2, b = 0.7, -1.3, 0.9
    xs, ys = decision_line(w1, w2, b)
    np.testing.assert_allclose(w1 * xs + w2 * ys + b, 0.0, atol=1e-9)
    # its ends lie on the border of the square shown
    assert np.all(np.isclose(np.maximum(np.abs(xs), np.abs(ys)), 4.0, atol=0.05))


def test_no_line_without_weights_or_outside_the_plane():
    assert decision_line(0.0, 0.0, 1.0) is None
    assert decision_line(1.0, 0.0, -10.0) is None  # x1 = 10 lies outside [-4, 4]


def test_a_good_line_separates_the_blobs_and_flipping_it_flips_the_classes(explorer):
    good = explorer.compute(w1=-1.5, w2=0.0, bias=0.0, activation="step", data="two blobs")
    flipped = explorer.compute(w1=1.5, w2=0.0, bias=0.0, activation="step", data="two blobs")
    assert good["accuracy"] >= 0.95
    assert flipped["accuracy"] == pytest.approx(1 - good["accuracy"])


def test_no_line_solves_xor(explorer):
    best = max(
        explorer.compute(w1=np.cos(a), w2=np.sin(a), bias=b, activation="step", data="xor")["accuracy"]
        for a in np.linspace(0, 2 * np.pi, 24, endpoint=False) for b in (-1.0, 0.0, 1.0)
    )
    assert 0.5 <= best <= 0.8


def test_the_activation_changes_the_surface_but_not_the_decisions(explorer):
    results = {name: explorer.compute(w1=1.0, w2=1.0, bias=-0.5, activation=name, data="two blobs")
               for name in ACTIVATIONS}
    for name, result in results.items():
        fn = ACTIVATIONS[name][0]
        # the surface is the activation of the weighted sum at every grid point
        assert result["surface"][0, 0] == pytest.approx(float(fn(np.array(-4.0 - 4.0 - 0.5))))
        np.testing.assert_array_equal(result["y_hat"], results["sigmoid"]["y_hat"])
    assert not np.allclose(results["sigmoid"]["surface"], results["tanh"]["surface"])


def test_every_control_changes_the_result_and_the_picture():
    widget = NeuronExplorer()
    for name, value in [("w1", -1.0), ("w2", 0.3), ("bias", 1.0), ("activation", "relu"),
                        ("data", "xor")]:
        before_png, before = widget.png, widget.result
        widget.set(**{name: value})
        assert widget.error is None
        assert widget.png != before_png, f"moving {name} did not change the picture"
        assert widget.result is not before


def test_an_unknown_activation_is_named_in_the_error(explorer):
    with pytest.raises(ValueError, match="Received: activation='softplus'"):
        explorer.compute(w1=1.0, w2=1.0, bias=0.0, activation="softplus", data="xor")

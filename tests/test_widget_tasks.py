"""The "Try:" and "Things to try" tasks the chapters suggest, done through the widgets' own
compute(): each task runs, and what the chapter says the learner will see is what happens.

Tasks that need a chapter's trained model (chapters 11 and 12) run in the chapter itself, in a
checked cell after the widget; the others are here. Each test names its chapter and task.
"""
import numpy as np
import pytest

from nnkit_widgets.backprop import stepper_state
from nnkit_widgets.forward_pass import ForwardPassWidget
from nnkit_widgets.loss_explorer import LossExplorerWidget
from nnkit_widgets.playground import Playground


def test_ch03_dragging_x1_right_from_the_centre_crosses_the_boundary_and_flips_hidden_neurons():
    widget = ForwardPassWidget()
    path = [widget.compute(x1=x1, x2=0.0, show_signal=False) for x1 in np.linspace(0, 1.5, 31)]
    classes = [step["predicted"] for step in path]
    assert classes[0] == 1 and classes[-1] == 0  # inner circle at the centre, outer far right
    # some hidden neurons change sign on the way: those are the ones that "draw" the boundary
    hidden = np.array([step["activations"][1] for step in path])
    flipped = np.flatnonzero(np.sign(hidden[0]) != np.sign(hidden[-1]))
    assert len(flipped) >= 1


def test_ch04_target_1_dragging_z_from_6_to_minus_8():
    widget = LossExplorerWidget(logit=6.0, target=1)
    points = [widget.compute(logit=z, target=1, weight=widget.result["weight"])["point"]
              for z in np.linspace(6, -8, 57)]
    bce = np.array([p["bce_grad"] for p in points])
    mse = np.array([p["mse_grad"] for p in points])
    assert bce[-1] == pytest.approx(-1, abs=1e-3)  # BCE's gradient settles at -1
    assert np.all(np.diff(bce) <= 1e-12)  # ...falling all the way
    # MSE's gradient grows to a bump, then falls back towards 0 (the plateau)
    peak = np.argmax(np.abs(mse))
    assert 0 < peak < len(mse) - 1 and abs(mse[-1]) < 0.01 < abs(mse[peak])


@pytest.mark.parametrize("x, vanishes", [(0.5, False), (-0.5, True)])
def test_ch05_relu_inside_a_sigmoid_passes_or_blocks_the_gradient(x, vanishes):
    state = stepper_state("sigmoid(relu(x) - 1) / y", f"x={x}, y=2", step=10**6)
    grads = {n["name"]: state["grads"][n["id"]] for n in state["graph"]["nodes"]
             if n["op"] == "" and n["label"]}
    s = 1 / (1 + np.exp(-(max(x, 0) - 1)))
    assert grads["y"] == pytest.approx(-s / 4)  # d(s/y)/dy = -s / y^2, whatever x is
    if vanishes:
        assert grads["x"] == 0.0  # ReLU's local derivative is 0 for a negative input
    else:
        assert grads["x"] == pytest.approx(s * (1 - s) / 2)


@pytest.fixture(scope="module")
def playground():
    return Playground()


def _run(playground, steps, **changes):
    return playground.compute(steps=steps, running=False, **{**playground.settings, **changes})


def test_ch08_task1_circles_need_a_hidden_layer_and_three_relu_units_draw_a_triangle(playground):
    line = _run(playground, 300, dataset="circles", hidden="")
    three = _run(playground, 300, dataset="circles", hidden="3", activation="ReLU")
    assert line["train_accuracy"] < 0.7 and three["train_accuracy"] > 0.9
    assert len(three["units"]) == 1 and len(three["units"][0]) == 3  # the three small pictures


def test_ch08_task2_spirals_train_with_both_depths_and_activations(playground):
    accuracy = {(hidden, activation): _run(playground, 600, dataset="spirals", noise=0.0,
                                           hidden=hidden, activation=activation)["train_accuracy"]
                for hidden in ("8,8", "16,16,16") for activation in ("tanh", "ReLU")}
    assert all(a > 0.6 for a in accuracy.values())  # every combination learns something
    assert accuracy[("16,16,16", "ReLU")] > accuracy[("8,8", "ReLU")]  # depth helps ReLU here


def test_ch08_task3_moons_overfit_and_l2_or_dropout_help(playground):
    settings = {"dataset": "moons", "noise": 0.5, "train_fraction": 0.1, "hidden": "32,32"}
    plain = _run(playground, 600, **settings)
    test_loss = np.array(plain["history"]["test_loss"])
    assert test_loss[-1] > 2 * test_loss.min()  # the test loss turns up: overfitting
    assert plain["train_loss"] < 0.05
    for remedy in ({"l2": 0.01}, {"dropout": 0.3}):
        helped = _run(playground, 600, **settings, **remedy)
        assert helped["history"]["test_loss"][-1] < test_loss[-1], remedy


def test_ch08_task4_xor_with_sgd_jumps_at_lr_3_and_settles_at_0_3(playground):
    def jumpiness(lr):
        loss = np.array(_run(playground, 300, dataset="xor", optimizer="SGD", lr=lr)
                        ["history"]["train_loss"])
        second_half = loss[len(loss) // 2:]
        return np.abs(np.diff(second_half)).mean(), second_half[-1]
    (jumps_fast, final_fast), (jumps_slow, final_slow) = jumpiness(3.0), jumpiness(0.3)
    assert jumps_fast > 2 * jumps_slow and final_slow < final_fast

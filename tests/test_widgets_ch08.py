"""Chapter 08's playground, without a browser: training, purity, controls and pictures."""

import itertools
import time

import numpy as np
import pytest
from nnkit_widgets.playground import Playground
from nnkit_widgets.playground.training import Run, parse_hidden
from nnkit_widgets.playground.widget import STEPS_PER_TICK, boundary_image, unit_mosaic

import nnkit


@pytest.fixture
def playground():
    return Playground()


def test_parse_hidden_reads_unit_counts_and_rejects_typos():
    assert parse_hidden("8,8") == (8, 8)
    assert parse_hidden(" 4 ") == (4,)
    assert parse_hidden("") == ()
    for bad in ("8,a", "0", "8,,8", "100"):
        with pytest.raises(ValueError, match="such as 8,8"):
            parse_hidden(bad)


def test_training_learns_moons_and_the_boundary_agrees_with_the_points(playground):
    result = playground.compute(steps=300, running=False, **playground.settings)
    assert result["train_accuracy"] > 0.95 and result["test_accuracy"] > 0.9
    assert result["history"]["train_loss"][-1] < 0.5 * result["history"]["train_loss"][0]
    # the colour under each test point is its predicted class: it matches the label mostly
    probs, (x0, x1, y0, y1) = result["probs"], result["extent"]
    X, y = result["X"][result["test_index"]], result["y"][result["test_index"]]
    size = probs.shape[0]
    cols = np.clip(np.round((X[:, 0] - x0) / (x1 - x0) * (size - 1)).astype(int), 0, size - 1)
    rows = np.clip(np.round((X[:, 1] - y0) / (y1 - y0) * (size - 1)).astype(int), 0, size - 1)
    assert (probs[rows, cols].argmax(-1) == y).mean() > 0.85


def test_continuing_a_run_equals_a_fresh_run(playground):
    settings = {**playground.settings, "dropout": 0.2}
    fresh = Run(settings).train(40)
    chunked = Run(settings)
    for _ in range(4):
        chunked.train(10)
    for a, b in zip(fresh.model.parameters(), chunked.model.parameters()):
        np.testing.assert_array_equal(a.data, b.data)
    assert fresh.history["train_loss"] == chunked.history["train_loss"]


def test_a_run_leaves_the_notebooks_random_numbers_alone():
    nnkit.manual_seed(5)
    expected = nnkit.random.generator().random(3)
    nnkit.manual_seed(5)
    Playground().click("step")
    np.testing.assert_array_equal(nnkit.random.generator().random(3), expected)


def test_step_start_pause_reset_change_the_state_and_the_picture(playground):
    pictures = [playground.png]
    playground.click("step")
    assert playground.result["steps"] == STEPS_PER_TICK
    pictures.append(playground.png)
    playground.interval = 60_000  # the live thread waits a minute: nothing moves by itself
    playground.click("start")
    assert playground.running and playground.result["running"]
    assert playground.result["steps"] == 2 * STEPS_PER_TICK
    pictures.append(playground.png)
    playground.click("pause")
    assert not playground.running and not playground.result["running"]
    playground._thread.join(timeout=5)
    assert not playground._thread.is_alive()
    pictures.append(playground.png)
    playground.click("reset")
    assert playground.result["steps"] == 0
    pictures.append(playground.png)
    assert all(a != b for a, b in itertools.pairwise(pictures))


def test_live_training_trains_in_the_background_until_paused(playground):
    playground.interval = 20
    playground.click("start")
    deadline = time.monotonic() + 60
    while playground.steps < 4 * STEPS_PER_TICK and time.monotonic() < deadline:
        time.sleep(0.05)
    playground.click("pause")
    playground._thread.join(timeout=10)
    steps = playground.result["steps"]
    assert steps >= 4 * STEPS_PER_TICK and not playground.result["running"]
    time.sleep(0.2)
    assert playground.steps == steps  # nothing trains after a pause


@pytest.mark.parametrize("name, value", [
    ("dataset", "circles"), ("noise", 0.3), ("train_fraction", 0.7), ("batch_size", 32),
    ("hidden", "4"), ("activation", "tanh"), ("optimizer", "SGD"), ("lr", 0.1),
    ("l2", 0.01), ("dropout", 0.2)])
def test_every_setting_restarts_training_and_changes_the_picture(playground, name, value):
    playground.click("step")
    before = playground.png
    playground.set(**{name: value})
    assert playground.error is None
    assert playground.result["steps"] == 0 and playground.result["settings"][name] == value
    assert playground.png != before


def test_settings_change_what_is_learned():
    base = Playground()
    linear = base.compute(steps=200, running=False, **{**base.settings, "hidden": ""})
    deep = base.compute(steps=200, running=False, **base.settings)
    assert linear["units"] == [] and len(deep["units"]) == 2
    assert deep["train_accuracy"] > linear["train_accuracy"] + 0.05
    diverged = base.compute(steps=100, running=False, **{**base.settings, "optimizer": "SGD",
                                                         "lr": 3.0, "activation": "sigmoid"})
    assert diverged["train_loss"] > deep["train_loss"]


def test_a_typo_in_hidden_shows_a_red_error_and_recovers(playground):
    playground.set(hidden="8,x")
    assert "such as 8,8" in playground.error
    playground.set(hidden="8")
    assert playground.error is None and playground.result["layer_sizes"] == (2, 8, 2)


def test_the_learners_own_arrays_with_three_classes():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 30)
    X = rng.normal(size=(90, 2)) * 0.3 + np.array([[0, 0], [3, 0], [0, 3]])[y]
    playground = Playground(X, y)
    assert playground.controls["dataset"].value == "your data"
    result = playground.compute(steps=150, running=False, **playground.settings)
    assert result["probs"].shape[-1] == 3 and result["train_accuracy"] > 0.9
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        Playground(X[:, :1], y)
    with pytest.raises(ValueError, match="class labels"):
        Playground(X, y.astype(float))


def test_pictures_helpers():
    probs = np.array([[[1.0, 0.0], [0.5, 0.5]]])
    image = boundary_image(probs)
    assert image.shape == (1, 2, 3)
    assert image[0, 0].min() < image[0, 1].min()  # sure is more saturated than unsure
    units = [np.ones((3, 60, 60)), -np.ones((8, 60, 60))]
    mosaic = unit_mosaic(units)
    assert np.nanmax(mosaic) == 1 and np.nanmin(mosaic) == -1
    assert np.isnan(mosaic).any()  # layer 1 has 3 units: 5 blank slots

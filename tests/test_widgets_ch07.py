"""Chapter 07's optimizer race: the paths are the optimizers' real paths, and every control redraws."""
import numpy as np
import pytest
from nnkit_widgets.optimizer_race import (
    NUM_STEPS,
    OPTIMIZERS,
    SURFACES,
    OptimizerRace,
    checkbox_name,
    contour_lines,
    descend,
)

ALL = {checkbox_name(name): True for name in OPTIMIZERS}


@pytest.fixture(scope="module")
def race():
    return OptimizerRace(**ALL)


def by_hand(surface, lr, steps, update):
    """Iterate `update(point, grad, state)` from the surface's start; return the path."""
    point, state, path = np.array(surface.start), {}, [np.array(surface.start)]
    for t in range(1, steps + 1):
        point = update(point, surface.grad(*point), state, t)
        path.append(point)
    return np.array(path)


def gd(lr):
    return lambda p, g, state, t: p - lr * g


def heavy_ball(lr, mu, nesterov=False):
    def update(p, g, state, t):
        state["v"] = mu * state.get("v", 0.0) + g
        return p - lr * (g + mu * state["v"] if nesterov else state["v"])
    return update


def adam(lr, beta1, beta2=0.999, eps=1e-8):
    def update(p, g, state, t):
        state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * g
        state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * g * g
        m_hat, v_hat = state["m"] / (1 - beta1**t), state["v"] / (1 - beta2**t)
        return p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return update


def rmsprop(lr, alpha=0.99, eps=1e-8):
    def update(p, g, state, t):
        state["s"] = alpha * state.get("s", 0.0) + (1 - alpha) * g * g
        return p - lr * g / (np.sqrt(state["s"]) + eps)
    return update


@pytest.mark.parametrize("name, update", [
    ("GD", gd(0.1)), ("momentum", heavy_ball(0.1, 0.8)),
    ("Nesterov", heavy_ball(0.1, 0.8, nesterov=True)), ("RMSprop", rmsprop(0.1)),
    ("Adam", adam(0.1, 0.8)),
])
@pytest.mark.parametrize("surface", ["long valley", "saddle"])
def test_paths_are_the_update_rules_written_out(name, update, surface):
    # the widget runs nnkit.optim; these are the textbook formulas in plain NumPy
    path = descend(SURFACES[surface], name, lr=0.1, momentum=0.8, num_steps=60)
    expected = by_hand(SURFACES[surface], 0.1, 60, update)
    np.testing.assert_allclose(path, expected, rtol=1e-9, atol=1e-12)


def test_compute_cuts_paths_at_the_step_and_reports_where_each_racer_stands(race):
    result = race.compute("long valley", 0.1, 0.9, 25, **ALL)
    assert sorted(result["paths"]) == sorted(OPTIMIZERS)
    surface = SURFACES["long valley"]
    for name, path in result["paths"].items():
        assert path.shape == (26, 2)
        np.testing.assert_allclose(path[0], surface.start)
        x, y, loss = result["final"][name]
        assert (x, y) == tuple(path[-1])
        assert loss == pytest.approx(surface.loss(x, y) - surface.lowest)


def test_unchecked_optimizers_stay_out_of_the_race(race):
    result = race.compute("long valley", 0.1, 0.9, NUM_STEPS,
                          **{checkbox_name("GD"): True, checkbox_name("Adam"): True})
    assert sorted(result["paths"]) == ["Adam", "GD"]


def test_too_large_a_learning_rate_diverges_and_is_reported(race):
    # curvature 4 across the valley: GD is stable only for lr < 2 / 4
    result = race.compute("long valley", 0.6, 0.9, NUM_STEPS, **ALL)
    assert "GD" in result["diverged"]
    assert len(result["paths"]["GD"]) < NUM_STEPS + 1
    assert "Adam" not in result["diverged"]
    stable = race.compute("long valley", 0.4, 0.9, NUM_STEPS, **ALL)
    assert "GD" not in stable["diverged"]


def test_momentum_beats_gd_in_the_long_valley(race):
    final = race.compute("long valley", 0.1, 0.9, NUM_STEPS, **ALL)["final"]
    assert final["momentum"][2] < 1e-6 < final["GD"][2]


def test_adam_leaves_the_saddle_sooner_than_gd(race):
    paths = race.compute("saddle", 0.1, 0.9, NUM_STEPS, **ALL)["paths"]

    def escape_step(path):  # first step more than half way to a valley floor (|y| = 1)
        return int(np.argmax(np.abs(path[:, 1]) > 0.5))

    assert 0 < escape_step(paths["Adam"]) < escape_step(paths["GD"])


def test_noise_is_seeded_and_changes_the_path():
    clean = descend(SURFACES["long valley"], "GD", 0.1, 0.9)
    noisy = descend(SURFACES["noisy valley"], "GD", 0.1, 0.9)
    assert not np.allclose(clean, noisy)
    np.testing.assert_array_equal(noisy, descend(SURFACES["noisy valley"], "GD", 0.1, 0.9))


@pytest.mark.parametrize("surface", list(SURFACES))
def test_contour_lines_follow_level_sets(surface):
    segments, levels = contour_lines(surface)
    assert len(segments) == len(levels) > 10
    loss = SURFACES[surface].loss
    for segment in segments:
        values = loss(segment[:, 0], segment[:, 1])
        # linear interpolation on a grid: near-constant (Rosenbrock's floor is steep across)
        assert np.ptp(values) <= 0.2 * abs(values).max() + 1e-3


def test_every_control_changes_the_picture():
    race = OptimizerRace(**ALL)
    changes = {"surface": "Rosenbrock banana", "lr": 0.002, "momentum": 0.5, "step": 40,
               **{checkbox_name(name): False for name in OPTIMIZERS}}
    for name, value in changes.items():
        before_png, before = race.png, race.result
        race.set(**{name: value})
        assert race.error is None, race.error
        assert race.png != before_png, f"moving {name} did not change the picture"
        assert race.result is not before


def test_step_slider_replays_without_rerunning(race):
    race.set(surface="long valley", lr=0.1, momentum=0.9, step=NUM_STEPS, **ALL)
    full = race.result["paths"]["Adam"]
    race.set(step=10)
    np.testing.assert_array_equal(race.result["paths"]["Adam"], full[:11])


def test_play_button_drives_the_step_slider(race):
    assert race.play_link.source == (race.play, "value")
    assert race.play_link.target == (race.controls["step"], "value")
    assert race.play in race.box.children[2].children
    assert race.play.max == race.controls["step"].max == NUM_STEPS


def test_bad_optimizer_name_is_a_clear_error():
    with pytest.raises(ValueError, match="Received: name='Adamm'"):
        descend(SURFACES["round bowl"], "Adamm", 0.1, 0.9)

"""Chapter 14's CartPole drawing and episode stepper, without a browser."""
import numpy as np
import pytest
from matplotlib.figure import Figure

from nnkit.envs import CartPole
from nnkit_widgets.cartpole import CART_HEIGHT, POLE_DRAWN, CartPoleArtist, EpisodeStepper


def episode(length, seed):
    env, rng = CartPole(), np.random.default_rng(seed)
    observation, _ = env.reset(seed=seed)
    states, probabilities = [], []
    for _ in range(length):
        p = rng.dirichlet([1, 1])
        states.append(observation)
        probabilities.append(p)
        observation, _, terminated, _, _ = env.step(int(p[1] > 0.5))
        if terminated:
            break
    return np.array(states), np.array(probabilities)


@pytest.fixture(scope="module")
def stepper():
    return EpisodeStepper({"before training": episode(12, 0), "after training": episode(40, 1)})


def test_artist_puts_the_pole_on_the_cart_at_its_angle():
    ax = Figure().add_subplot()
    artist = CartPoleArtist(ax)
    artist.update(np.array([1.0, 0.0, 0.1, 0.0]))
    xs, ys = artist.pole.get_data()
    assert xs[0] == 1.0 and ys[0] == CART_HEIGHT
    assert np.arctan2(xs[1] - xs[0], ys[1] - ys[0]) == pytest.approx(0.1)
    assert np.hypot(xs[1] - xs[0], ys[1] - ys[0]) == pytest.approx(POLE_DRAWN)
    assert artist.cart.get_x() + artist.cart.get_width() / 2 == pytest.approx(1.0)


def test_compute_returns_the_recorded_state_and_probabilities(stepper):
    states, probabilities = stepper.episodes["after training"]
    result = stepper.compute(policy="after training", step=5)
    np.testing.assert_array_equal(result["state"], states[5])
    assert result["p_right"] == pytest.approx(probabilities[5, 1])
    assert result["p_left"] + result["p_right"] == pytest.approx(1.0)
    assert not result["ended"]


def test_steps_past_the_end_show_the_last_frame(stepper):
    states, _ = stepper.episodes["before training"]
    result = stepper.compute(policy="before training", step=len(states) + 10)
    assert result["shown"] == len(states) - 1 and result["ended"]
    np.testing.assert_array_equal(result["state"], states[-1])


def test_slider_reaches_the_longest_episode_and_both_controls_change_the_picture(stepper):
    assert stepper.controls["step"].max == max(len(s) for s, _ in stepper.episodes.values()) - 1
    stepper.set(policy="before training", step=0)
    before = stepper.png
    stepper.set(step=8)
    assert stepper.png != before
    before = stepper.png
    stepper.set(policy="after training")
    assert stepper.png != before and stepper.error is None

"""nnkit.envs.CartPole: Gymnasium's CartPole-v1 in NumPy, step for step."""
import numpy as np
import pytest

from nnkit.envs import THETA_LIMIT, CartPole, make_cartpole


def play(env, seed, actions):
    observation, _ = env.reset(seed=seed)
    trace = [observation]
    for action in actions:
        observation, reward, terminated, truncated, _ = env.step(action)
        trace.append(np.concatenate([observation, [reward, terminated, truncated]]))
        if terminated or truncated:
            break
    return trace


@pytest.mark.parametrize("seed", [0, 1, 42])
def test_same_episodes_as_gymnasium_step_for_step(seed):
    gymnasium = pytest.importorskip("gymnasium")
    theirs = gymnasium.make("CartPole-v1", render_mode=None)
    actions = np.random.default_rng(seed).integers(0, 2, 600)
    ours_trace, their_trace = play(CartPole(), seed, actions), play(theirs, seed, actions)
    assert len(ours_trace) == len(their_trace)
    for mine, reference in zip(ours_trace, their_trace):
        np.testing.assert_array_equal(mine, reference)


def test_a_balanced_pole_is_truncated_at_500_steps():
    gymnasium = pytest.importorskip("gymnasium")

    def balance(observation):  # a hand-written controller that keeps the pole up
        return int(observation[2] + 0.5 * observation[3] > 0)

    for env in (CartPole(), gymnasium.make("CartPole-v1", render_mode=None)):
        observation, _ = env.reset(seed=3)
        for step in range(1, 501):
            observation, _, terminated, truncated, _ = env.step(balance(observation))
            if terminated or truncated:
                break
        assert (step, terminated, truncated) == (500, False, True)


def test_always_pushing_right_drops_the_pole_to_the_left():
    env = CartPole()
    env.reset(seed=0)
    for _ in range(100):
        observation, _, terminated, _, _ = env.step(1)
        if terminated:
            break
    assert terminated and observation[2] < -THETA_LIMIT


def test_bad_actions_and_a_missing_reset_are_explained():
    env = CartPole()
    with pytest.raises(RuntimeError, match="call reset"):
        env.step(0)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="Received: action=2"):
        env.step(2)


def test_make_cartpole_falls_back_to_numpy_when_asked():
    env, source = make_cartpole(prefer_gymnasium=False)
    assert isinstance(env, CartPole) and "NumPy" in source

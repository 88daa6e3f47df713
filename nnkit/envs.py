r"""CartPole in NumPy (chapter 14): Gymnasium's equations, for where Gymnasium is not installed.

A pole is hinged on a cart that moves on a track. Each step the agent
pushes the cart left (action 0) or right (action 1) with a force of 10 N;
the reward is +1 for every step the pole stays up. The episode ends when
the pole leans more than 12 degrees, the cart leaves the track (|x| > 2.4),
or after 500 steps. The state is (x, x_dot, theta, theta_dot); the physics
is Barto, Sutton and Anderson's (1983), integrated with Euler steps of
0.02 s, exactly as ``gymnasium.envs.classic_control.CartPoleEnv``:

.. math::

    a = \frac{F + m_p l \dot\theta^2 \sin\theta}{m_c + m_p}, \quad
    \ddot\theta = \frac{g \sin\theta - a\cos\theta}
                       {l\,(4/3 - m_p \cos^2\theta / (m_c + m_p))}, \quad
    \ddot x = a - \frac{m_p l\, \ddot\theta \cos\theta}{m_c + m_p}.

``reset(seed)`` draws the start state uniformly in (-0.05, 0.05) from
``np.random.default_rng(seed)``, the generator Gymnasium uses, so both give
the same episodes step for step (tests/test_envs.py checks this when
Gymnasium is installed). :func:`make_cartpole` returns Gymnasium's
environment when it can be imported, else this one.
"""
import math

import numpy as np

GRAVITY, MASS_CART, MASS_POLE, HALF_LENGTH = 9.8, 1.0, 0.1, 0.5
FORCE, TAU = 10.0, 0.02
THETA_LIMIT, X_LIMIT = 12 * 2 * math.pi / 360, 2.4


class CartPole:
    """Gymnasium's ``CartPole-v1`` in NumPy: ``reset(seed)`` and ``step(action)`` with its API.

    Example::

        env = CartPole()
        observation, info = env.reset(seed=0)
        observation, reward, terminated, truncated, info = env.step(1)
    """

    max_episode_steps = 500

    def __init__(self):
        self.state, self.rng, self.steps = None, np.random.default_rng(), 0

    def reset(self, seed=None):
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self.state = self.rng.uniform(-0.05, 0.05, size=(4,))
        self.steps = 0
        return self.state.astype(np.float32), {}

    def step(self, action):
        if action not in (0, 1):
            raise ValueError(f"CartPole.step: expected action 0 (push left) or 1 (push right). "
                             f"Received: action={action!r}")
        if self.state is None:
            raise RuntimeError("CartPole.step: call reset() before the first step.")
        self.state = physics_step(self.state, action)
        self.steps += 1
        x, theta = self.state[0], self.state[2]
        terminated = bool(abs(x) > X_LIMIT or abs(theta) > THETA_LIMIT)
        truncated = self.steps >= self.max_episode_steps and not terminated
        return self.state.astype(np.float32), 1.0, terminated, truncated, {}

    def close(self):
        """Nothing to free; here for Gymnasium's API."""


def physics_step(state, action):
    """One Euler step of 0.02 s from ``state`` (x, x_dot, theta, theta_dot) under ``action``."""
    x, x_dot, theta, theta_dot = state
    force = FORCE if action == 1 else -FORCE
    total, pole_moment = MASS_CART + MASS_POLE, MASS_POLE * HALF_LENGTH
    cos, sin = np.cos(theta), np.sin(theta)
    temp = (force + pole_moment * theta_dot**2 * sin) / total
    theta_acc = (GRAVITY * sin - cos * temp) / (
        HALF_LENGTH * (4.0 / 3.0 - MASS_POLE * cos**2 / total))
    x_acc = temp - pole_moment * theta_acc * cos / total
    # Euler: positions move with the OLD velocities, as in Gymnasium
    return np.array([x + TAU * x_dot, x_dot + TAU * x_acc,
                     theta + TAU * theta_dot, theta_dot + TAU * theta_acc], dtype=np.float64)


def make_cartpole(prefer_gymnasium=True):
    """Gymnasium's ``CartPole-v1`` (no rendering, so no pygame needed) if installed, else :class:`CartPole`.

    Returns:
        ``(env, source)`` with ``source`` ``"gymnasium <version>"`` or ``"nnkit.envs (NumPy)"``.
    """
    if prefer_gymnasium:
        try:
            import gymnasium
        except ImportError:
            pass
        else:
            return gymnasium.make("CartPole-v1", render_mode=None), f"gymnasium {gymnasium.__version__}"
    return CartPole(), "nnkit.envs (NumPy)"

"""Chapter 14's CartPole pictures: a cart and pole drawn with matplotlib, and an episode stepper.

Gymnasium draws CartPole with pygame, which the course does not need: we
draw the state ourselves (a rectangle for the cart, a line for the pole),
headless, from the four numbers (x, x_dot, theta, theta_dot).
"""
import ipywidgets
import numpy as np
from matplotlib.patches import Rectangle

from nnkit.envs import HALF_LENGTH, THETA_LIMIT, X_LIMIT
from nnkit_widgets.base import Widget

CART_WIDTH, CART_HEIGHT = 0.5, 0.3
POLE_DRAWN = 2 * HALF_LENGTH * 1.6  # the pole drawn a little longer than scale, to be seen


class CartPoleArtist:
    """The track, cart and pole on ``ax``; ``update(state)`` moves them (no new artists)."""

    def __init__(self, ax):
        ax.set(xlim=(-X_LIMIT - 0.3, X_LIMIT + 0.3), ylim=(-0.4, POLE_DRAWN + 0.4), aspect="equal")
        ax.set_yticks([])
        ax.axhline(0, color="0.4", linewidth=1)
        for edge in (-X_LIMIT, X_LIMIT):
            ax.axvline(edge, color="tab:red", linewidth=0.8, linestyle=":")
        self.cart = ax.add_patch(Rectangle((0, 0), CART_WIDTH, CART_HEIGHT, color="0.25"))
        (self.pole,) = ax.plot([], [], color="tab:orange", linewidth=5, solid_capstyle="round")

    def update(self, state):
        x, theta = float(state[0]), float(state[2])
        self.cart.set_xy((x - CART_WIDTH / 2, 0.0))
        top = (x + POLE_DRAWN * np.sin(theta), CART_HEIGHT + POLE_DRAWN * np.cos(theta))
        self.pole.set_data([x, top[0]], [CART_HEIGHT, top[1]])
        # red once it leans past the limit where the episode ends
        self.pole.set_color("tab:red" if abs(theta) > THETA_LIMIT else "tab:orange")
        return self.cart, self.pole


class EpisodeStepper(Widget):
    """Step through recorded episodes frame by frame, with the policy's action probabilities.

    Args:
        episodes: dict name -> (states (T, 4), probabilities (T, 2)), for example one episode
            of the policy before training and one after, both from the same start.

    Example::

        w = EpisodeStepper({"before training": (s0, p0), "after training": (s1, p1)})
        w.set(policy="after training", step=100)["p_right"]
    """

    figsize = (10.0, 3.0)

    def __init__(self, episodes, **initial):
        self.episodes = {name: (np.asarray(s), np.asarray(p)) for name, (s, p) in episodes.items()}
        self.longest = max(len(states) for states, _ in self.episodes.values())
        super().__init__(**initial)

    def make_controls(self):
        return {
            "policy": ipywidgets.Dropdown(options=list(self.episodes), description="policy"),
            "step": ipywidgets.IntSlider(value=0, min=0, max=self.longest - 1, description="step"),
        }

    def compute(self, policy, step):
        """The state and action probabilities at ``step`` (the last frame once the episode ended)."""
        states, probabilities = self.episodes[policy]
        shown = min(step, len(states) - 1)
        return {"state": states[shown], "p_left": float(probabilities[shown, 0]),
                "p_right": float(probabilities[shown, 1]), "shown": shown,
                "length": len(states), "ended": step >= len(states) - 1,
                "p_right_path": probabilities[:, 1]}

    def setup(self, fig):
        grid = fig.add_gridspec(1, 3, width_ratios=[1.6, 0.6, 1.4])
        self.cart_ax, self.prob_ax, self.path_ax = (fig.add_subplot(grid[0, k]) for k in range(3))
        self.artist = CartPoleArtist(self.cart_ax)
        self.bars = self.prob_ax.bar(["left", "right"], [0, 0], color=["tab:blue", "tab:orange"])
        self.prob_ax.set(ylim=(0, 1), title="policy: P(push)")
        (self.path_line,) = self.path_ax.plot([], [], color="tab:orange", linewidth=0.8)
        (self.marker,) = self.path_ax.plot([], [], "o", color="k", markersize=5)
        self.path_ax.axhline(0.5, color="0.6", linewidth=0.8, linestyle="--")
        self.path_ax.set(xlim=(0, self.longest), ylim=(0, 1), xlabel="step",
                         ylabel="P(right)", title="the whole episode")
        self.title = self.cart_ax.set_title("", fontsize=10)

    def redraw(self, result):
        self.artist.update(result["state"])
        self.bars[0].set_height(result["p_left"])
        self.bars[1].set_height(result["p_right"])
        path = result["p_right_path"]
        self.path_line.set_data(np.arange(len(path)), path)
        self.marker.set_data([result["shown"]], [result["p_right"]])
        x, theta = result["state"][0], np.degrees(result["state"][2])
        end = f" (episode over after {result['length']} steps)" if result["ended"] else ""
        self.title.set_text(f"step {result['shown']}: x {x:+.2f} m, pole {theta:+.1f} deg{end}")

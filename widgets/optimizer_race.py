r"""Chapter 07's widget: optimizers racing down the same 2-D loss surface.

Each optimizer starts from the same point and walks downhill on a function
$f(x, y)$ whose contour lines are drawn underneath. The walkers are the real
thing: ``nnkit.optim`` classes updating an ``nnkit.nn.Parameter`` of shape
(2,), exactly as they update a network's weights. Only the gradient is
written by hand (each surface knows its own), so no autograd graph is built
for a two-number model.

Example::

    race = OptimizerRace(surface="Rosenbrock banana", lr=0.003)
    race                                     # shows it in a notebook
    race.set(step=200)["final"]["Adam"]      # where Adam is after 200 steps
"""

import functools

import contourpy
import ipywidgets
import numpy as np
from matplotlib.collections import LineCollection
from nnkit_widgets.base import Widget

from nnkit import optim
from nnkit.nn import Parameter

NUM_STEPS = 200
ESCAPED = 1e3  # a walker this far from the origin has diverged: stop drawing it


# ---------------------------------------------------------------- surfaces


class Surface:
    """A loss function of two numbers with its gradient, a start point and a view box."""

    def __init__(self, name, loss, grad, start, minima, extent, noise=0.0):
        self.name, self.loss, self.grad = name, loss, grad
        self.start, self.minima, self.extent, self.noise = start, minima, extent, noise
        self.lowest = float(loss(*minima[0]))  # the loss at the bottom

    def gap(self, x, y):
        """How far above the bottom: f(x, y) - f_min, what the loss plot shows (log scale)."""
        return self.loss(x, y) - self.lowest


def _valley_loss(x, y):
    return 0.05 * x**2 + 2.0 * y**2


def _valley_grad(x, y):
    return np.array([0.1 * x, 4.0 * y])


SURFACES = {
    surface.name: surface
    for surface in [
        Surface("round bowl", lambda x, y: 0.5 * (x**2 + y**2),
                lambda x, y: np.array([x, y]), (-4.0, 2.5), [(0.0, 0.0)], (-5, 5, -3.5, 3.5)),
        # curvatures 0.1 and 4: one direction 40 times steeper than the other
        Surface("long valley", _valley_loss, _valley_grad, (-4.5, 1.5), [(0.0, 0.0)],
                (-5, 5, -3.5, 3.5)),
        Surface("Rosenbrock banana", lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
                lambda x, y: np.array([-2 * (1 - x) - 400 * x * (y - x**2),
                                       200 * (y - x**2)]),
                (-1.2, 1.0), [(1.0, 1.0)], (-2, 2, -1, 3)),
        # a saddle at the origin between two valleys at y = -1 and y = +1
        Surface("saddle", lambda x, y: 0.5 * x**2 + 0.25 * y**4 - 0.5 * y**2,
                lambda x, y: np.array([x, y**3 - y]), (-4.0, 0.002),
                [(0.0, -1.0), (0.0, 1.0)], (-4.5, 4.5, -2, 2)),
        # the long valley again, but each gradient carries noise, as a mini-batch's does
        Surface("noisy valley", _valley_loss, _valley_grad, (-4.5, 1.5), [(0.0, 0.0)],
                (-5, 5, -3.5, 3.5), noise=0.5),
    ]
}


# ---------------------------------------------------------------- the racers

OPTIMIZERS = ("GD", "momentum", "Nesterov", "RMSprop", "Adam")
COLORS = {"GD": "tab:blue", "momentum": "tab:orange", "Nesterov": "tab:green",
          "RMSprop": "tab:purple", "Adam": "tab:red"}


def checkbox_name(name):
    """The control that enters optimizer `name` in the race: "show_GD", "show_Adam", ..."""
    return f"show_{name}"


def make_optimizer(name, params, lr, momentum):
    """The nnkit optimizer called `name`; `momentum` is mu for SGD and beta1 for Adam."""
    if name == "GD":
        return optim.SGD(params, lr=lr)
    if name == "momentum":
        return optim.SGD(params, lr=lr, momentum=momentum)
    if name == "Nesterov":
        return optim.SGD(params, lr=lr, momentum=momentum, nesterov=True)
    if name == "RMSprop":
        return optim.RMSprop(params, lr=lr)
    if name == "Adam":
        return optim.Adam(params, lr=lr, betas=(momentum, 0.999))
    raise ValueError(f"make_optimizer: expected one of {OPTIMIZERS}. Received: name={name!r}")


def descend(surface, name, lr, momentum, num_steps=NUM_STEPS):
    """Run optimizer `name` for `num_steps` steps; return the path, shape (steps + 1, 2).

    The path stops early (fewer rows) if the walker leaves the map for good.
    Noise, if the surface has some, is seeded: every racer meets the same noise.
    """
    point = Parameter(np.array(surface.start, dtype=np.float64))
    optimizer = make_optimizer(name, [point], lr, momentum)
    noise = np.random.default_rng(0)
    path = [point.data.copy()]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(num_steps):
            point.grad = surface.grad(*point.data) + surface.noise * noise.standard_normal(2)
            optimizer.step()
            if not np.all(np.isfinite(point.data)) or np.abs(point.data).max() > ESCAPED:
                break
            path.append(point.data.copy())
    return np.array(path)


@functools.lru_cache(maxsize=64)
def race(surface_name, names, lr, momentum, num_steps=NUM_STEPS):
    """Paths and losses of every racer in `names` (cached: the step slider only replays)."""
    surface = SURFACES[surface_name]
    paths = {name: descend(surface, name, lr, momentum, num_steps) for name in names}
    losses = {name: surface.gap(path[:, 0], path[:, 1]) for name, path in paths.items()}
    return paths, losses


@functools.lru_cache(maxsize=len(SURFACES))
def contour_lines(surface_name, num_levels=16, grid_size=241):
    """Contour lines of a surface as (segments, level of each segment), no drawing.

    Levels are spaced evenly in log(loss - lowest), so both the steep walls
    and the flat bottom get lines.
    """
    surface = SURFACES[surface_name]
    x0, x1, y0, y1 = surface.extent
    X, Y = np.meshgrid(np.linspace(x0, x1, grid_size), np.linspace(y0, y1, grid_size))
    Z = surface.loss(X, Y)
    low, high = Z.min(), Z.max()
    levels = low + np.geomspace(1e-3, 1.0, num_levels) * (high - low) ** 0.8
    generator = contourpy.contour_generator(X, Y, Z)
    segments, segment_levels = [], []
    for index, level in enumerate(levels):
        for line in generator.lines(level):
            segments.append(line)
            segment_levels.append(index)
    return segments, np.array(segment_levels, dtype=float)


# ---------------------------------------------------------------- the widget


class OptimizerRace(Widget):
    r"""Optimizers (GD, momentum, Nesterov, RMSprop, Adam) descending one 2-D surface.

    Left: the paths over the contour lines of $f(x, y)$, up to the chosen
    step. Right: $f - f_{\min}$ along each path against the step (log scale).
    ``result["final"][name]`` holds ``(x, y, f - f_min)`` at the shown step.
    """

    figsize = (9.5, 4.0)

    def make_controls(self):
        style = {"description_width": "initial"}
        controls = {
            "surface": ipywidgets.Dropdown(options=list(SURFACES), value="long valley",
                                           description="surface", style=style),
            "lr": ipywidgets.FloatLogSlider(value=0.1, base=10, min=-4, max=0.5, step=0.1,
                                            description="learning rate", style=style,
                                            readout_format=".4f"),
            "momentum": ipywidgets.FloatSlider(value=0.9, min=0.0, max=0.99, step=0.01,
                                               description="momentum μ (Adam β₁)",
                                               style=style),
            "step": ipywidgets.IntSlider(value=NUM_STEPS, min=0, max=NUM_STEPS,
                                         description="step", style=style),
        }
        for name in OPTIMIZERS:
            controls[checkbox_name(name)] = ipywidgets.Checkbox(
                value=name in ("GD", "momentum", "Adam"), description=name, indent=False,
                layout=ipywidgets.Layout(width="auto"))
        return controls

    def make_layout(self):
        c = self.controls
        # the play button drives the step slider in the browser (no kernel round trip needed)
        self.play = ipywidgets.Play(value=0, min=0, max=NUM_STEPS, step=2, interval=60)
        self.play_link = ipywidgets.jslink((self.play, "value"), (c["step"], "value"))
        rows = [
            ipywidgets.HBox([c["surface"], c["lr"], c["momentum"]]),
            ipywidgets.HBox([c[checkbox_name(name)] for name in OPTIMIZERS]),
            ipywidgets.HBox([self.play, c["step"]]),
        ]
        return ipywidgets.VBox(rows + [self.view, self.errors])

    def compute(self, surface, lr, momentum, step, **chosen):
        """Paths cut at `step`, their losses, and where each racer stands."""
        names = tuple(name for name in OPTIMIZERS if chosen.get(checkbox_name(name)))
        paths, losses = race(surface, names, float(lr), float(momentum))
        shown = {name: path[: step + 1] for name, path in paths.items()}
        final = {name: (*path[-1], float(losses[name][len(path) - 1]))
                 for name, path in shown.items()}
        diverged = [name for name, path in paths.items() if len(path) < NUM_STEPS + 1]
        segments, levels = contour_lines(surface)
        return {"surface": surface, "paths": shown, "losses": losses, "step": step,
                "final": final, "diverged": diverged, "segments": segments,
                "levels": levels, "lr": lr, "momentum": momentum}

    def setup(self, fig):
        # fixed margins: a layout engine would re-measure every frame of the animation
        fig.set_layout_engine("none")
        margins = {"left": 0.065, "right": 0.985, "bottom": 0.12, "top": 0.92, "wspace": 0.22}
        self.map_ax, self.loss_ax = fig.subplots(1, 2, width_ratios=[1.25, 1],
                                                 gridspec_kw=margins)
        self.contours = LineCollection([], cmap="Greys_r", linewidths=0.8, alpha=0.7)
        self.contours.set_clim(-4, 16)
        self.map_ax.add_collection(self.contours)
        (self.start,) = self.map_ax.plot([], [], "ko", markersize=6, zorder=4)
        (self.minima,) = self.map_ax.plot([], [], "*", color="gold", markeredgecolor="k",
                                          markersize=14, zorder=4)
        self.paths, self.heads, self.curves = {}, {}, {}
        for name in OPTIMIZERS:
            color = COLORS[name]
            (self.paths[name],) = self.map_ax.plot([], [], ".-", color=color, markersize=2.5,
                                                   linewidth=1.3, label=name, zorder=3)
            (self.heads[name],) = self.map_ax.plot([], [], "o", color=color, markersize=7,
                                                   markeredgecolor="k", zorder=5)
            (self.curves[name],) = self.loss_ax.plot([], [], color=color, label=name)
        self.now = self.loss_ax.axvline(0, color="0.6", linestyle=":")
        self.map_ax.set(xlabel="x", ylabel="y")
        self.legend = self.map_ax.legend(loc="upper right", fontsize=8)
        self.loss_ax.set(xlabel="step", ylabel="loss above the minimum", yscale="log",
                         xlim=(0, NUM_STEPS))
        self.title = self.map_ax.set_title("", fontsize=10)
        self.loss_title = self.loss_ax.set_title("", fontsize=10)

    def redraw(self, result):
        surface = SURFACES[result["surface"]]
        x0, x1, y0, y1 = surface.extent
        self.map_ax.set(xlim=(x0, x1), ylim=(y0, y1))
        self.contours.set_segments(result["segments"])
        self.contours.set_array(result["levels"])
        self.start.set_data([surface.start[0]], [surface.start[1]])
        self.minima.set_data(*zip(*surface.minima))
        self._redraw_racers(result)
        self.now.set_xdata([result["step"]])
        self.title.set_text(f"{result['surface']}: lr = {result['lr']:.4g}, "
                            f"μ = {result['momentum']:.2f}, step {result['step']}")
        gone = ", ".join(result["diverged"])
        self.loss_title.set_text(f"diverged: {gone}" if gone else "loss along each path")
        self.loss_title.set_color("#b00020" if gone else "black")

    def _redraw_racers(self, result):
        lows, highs = [], []
        for name, text in zip(OPTIMIZERS, self.legend.get_texts()):
            path = result["paths"].get(name)
            text.set_alpha(0.3 if path is None else 1.0)  # greyed out: not in the race
            if path is None:
                for artist in (self.paths[name], self.heads[name], self.curves[name]):
                    artist.set_data([], [])
                continue
            self.paths[name].set_data(path[:, 0], path[:, 1])
            self.heads[name].set_data(path[-1:, 0], path[-1:, 1])
            loss = result["losses"][name]
            self.curves[name].set_data(np.arange(len(loss)), loss)
            positive = loss[np.isfinite(loss) & (loss > 0)]
            if positive.size:
                lows.append(positive.min())
                highs.append(positive.max())
        if lows:
            low = max(min(lows), 1e-12)
            self.loss_ax.set_ylim(low / 2, max(highs) * 2)

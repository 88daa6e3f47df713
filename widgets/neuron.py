r"""Chapter 01's widget: the neuron explorer.

One neuron with two inputs computes

.. math:: z = w_1 x_1 + w_2 x_2 + b, \qquad \hat y = \phi(z),

and calls a point class 1 when :math:`z > 0`. The colour map shows
:math:`\hat y` over the plane, the black line is where :math:`z = 0` (the
decision line), the arrow is the weight vector :math:`(w_1, w_2)`, which
always points across the line towards class 1.
"""

import ipywidgets
import numpy as np
from nnkit_widgets.base import Widget

import nnkit
from nnkit import datasets
from nnkit.nn import functional as F

LIMIT = 4.0  # the plane shown is [-LIMIT, LIMIT]^2
GRID = 121  # points per side of the colour map
CLASS_COLOURS = (np.array([0.13, 0.40, 0.67, 1.0]), np.array([0.70, 0.09, 0.17, 1.0]))  # RdBu ends


def step(z):
    """Heaviside step: 1 where z > 0, else 0 (Rosenblatt's perceptron, 1958)."""
    return (np.asarray(z) > 0).astype(np.float64)


def _through_nnkit(fn):
    # the course's own activations, from nnkit (float64 so the picture is exact)
    return lambda z: fn(nnkit.tensor(z, dtype=np.float64)).numpy()


# name -> (function, value range of the output, the threshold that means z = 0)
ACTIVATIONS = {
    "step": (step, (0.0, 1.0), 0.5),
    "sigmoid": (_through_nnkit(F.sigmoid), (0.0, 1.0), 0.5),
    "tanh": (_through_nnkit(F.tanh), (-1.0, 1.0), 0.0),
    "relu": (_through_nnkit(F.relu), (0.0, 4.0), 0.0),
}

def _two_blobs():
    return datasets.gaussians(100, noise=0.8, seed=1)


def _xor():
    X, y = datasets.xor(100, noise=0.1, seed=1)
    return 3 * X, y  # stretched to fill the plane shown


# chapter 01: a set one line can separate, and the classic one it cannot
DATASETS = {"two blobs": _two_blobs, "xor": _xor}


def decision_line(w1, w2, bias, limit=LIMIT):
    r"""Two end points of the line :math:`w_1 x_1 + w_2 x_2 + b = 0` inside the square, or None.

    The line is clipped to :math:`[-\text{limit}, \text{limit}]^2`; with
    :math:`w = 0` there is no line (every point gets the same class).
    """
    if w1 == 0 and w2 == 0:
        return None
    # walk along the line: a point on it plus multiples of its direction (-w2, w1)
    norm2 = w1 * w1 + w2 * w2
    point = np.array([-bias * w1 / norm2, -bias * w2 / norm2])
    direction = np.array([-w2, w1]) / np.sqrt(norm2)
    t = np.linspace(-4 * limit, 4 * limit, 2001)
    points = point + t[:, None] * direction
    inside = np.all(np.abs(points) <= limit + 1e-9, axis=1)
    if not inside.any():
        return None
    ends = points[inside][[0, -1]]
    return ends[:, 0], ends[:, 1]


class NeuronExplorer(Widget):
    r"""Drag :math:`w_1, w_2, b`, pick an activation; see the output and the decision line.

    Example::

        explorer = NeuronExplorer(w1=1.0, w2=0.0, bias=0.0)
        explorer.result["accuracy"]      # fraction of points on their class's side
    """

    figsize = (5.2, 4.4)

    def make_controls(self):
        style = {"description_width": "48px"}
        slider = {"min": -3.0, "max": 3.0, "step": 0.1, "style": style,
                  "continuous_update": False, "layout": ipywidgets.Layout(width="230px")}
        return {
            "w1": ipywidgets.FloatSlider(value=0.0, description="w1", **slider),
            "w2": ipywidgets.FloatSlider(value=1.0, description="w2", **slider),
            "bias": ipywidgets.FloatSlider(value=0.0, description="bias b", **slider),
            "activation": ipywidgets.Dropdown(options=list(ACTIVATIONS), value="sigmoid",
                                              description="phi", style=style,
                                              layout=ipywidgets.Layout(width="160px")),
            "data": ipywidgets.Dropdown(options=list(DATASETS), value="two blobs",
                                        description="data", style=style,
                                        layout=ipywidgets.Layout(width="160px")),
        }

    def make_layout(self):
        c = self.controls
        sliders = ipywidgets.VBox([c["w1"], c["w2"], c["bias"]])
        choices = ipywidgets.VBox([c["activation"], c["data"]])
        return ipywidgets.VBox([ipywidgets.HBox([sliders, choices]), self.view, self.errors])

    def compute(self, w1, w2, bias, activation, data):
        """Output surface, decision line, predictions and accuracy for these settings."""
        if activation not in ACTIVATIONS:
            raise ValueError(f"NeuronExplorer: expected activation in {sorted(ACTIVATIONS)}. "
                             f"Received: activation={activation!r}")
        fn, value_range, _ = ACTIVATIONS[activation]
        axis = np.linspace(-LIMIT, LIMIT, GRID)
        grid_x1, grid_x2 = np.meshgrid(axis, axis)
        surface = fn(w1 * grid_x1 + w2 * grid_x2 + bias)
        X, y = DATASETS[data]()
        z = X.astype(np.float64) @ np.array([w1, w2]) + bias
        y_hat = (z > 0).astype(np.int64)  # class 1 on the side the weights point to
        return {"surface": surface, "value_range": value_range, "line": decision_line(w1, w2, bias),
                "X": X, "y": y, "y_hat": y_hat, "accuracy": float((y_hat == y).mean()),
                "weights": (w1, w2), "bias": bias, "activation": activation}

    def setup(self, fig):
        ax = self.ax = fig.add_subplot()
        extent = (-LIMIT, LIMIT, -LIMIT, LIMIT)
        self.image = ax.imshow(np.zeros((GRID, GRID)), origin="lower", extent=extent,
                               cmap="RdBu_r", alpha=0.55, interpolation="bilinear")
        self.colorbar = fig.colorbar(self.image, ax=ax, shrink=0.85, label=r"output $\hat y$")
        self.points = ax.scatter(np.zeros(0), np.zeros(0), s=24, edgecolors="white",
                                 linewidths=0.6)
        self.wrong = ax.scatter(np.zeros(0), np.zeros(0), s=70, facecolors="none",
                                edgecolors="black", linewidths=1.2, label="misclassified")
        (self.line,) = ax.plot([], [], color="black", linewidth=2, label=r"decision line $z=0$")
        self.arrow = ax.annotate("", xy=(0, 0), xytext=(0, 0),
                                 arrowprops={"arrowstyle": "->", "color": "black", "linewidth": 1.8})
        ax.set(xlim=(-LIMIT, LIMIT), ylim=(-LIMIT, LIMIT), xlabel=r"$x_1$", ylabel=r"$x_2$",
               aspect="equal")
        ax.legend(loc="lower left", fontsize=8, framealpha=0.8)
        self.title = ax.set_title("", fontsize=10)

    def redraw(self, result):
        low, high = result["value_range"]
        self.image.set_data(result["surface"])
        self.image.set_clim(low, high)
        X, y, y_hat = result["X"], result["y"], result["y_hat"]
        self.points.set_offsets(X)
        self.points.set_facecolor(np.where(y[:, None] == 1, CLASS_COLOURS[1], CLASS_COLOURS[0]))
        wrong = X[y_hat != y]
        self.wrong.set_offsets(wrong if len(wrong) else np.zeros((0, 2)))
        self.line.set_data(*(result["line"] or ([], [])))
        self._draw_weight_arrow(result)
        w1, w2 = result["weights"]
        self.title.set_text(
            rf"$\hat y = \mathrm{{{result['activation']}}}({w1:.1f}\,x_1 {w2:+.1f}\,x_2 "
            rf"{result['bias']:+.1f})$   accuracy {result['accuracy']:.0%}")

    def _draw_weight_arrow(self, result):
        # the arrow starts on the line (the point nearest the origin) and points to class 1
        w = np.array(result["weights"])
        norm = np.linalg.norm(w)
        if norm == 0 or result["line"] is None:
            self.arrow.set_visible(False)
            return
        start = -result["bias"] * w / norm**2
        self.arrow.set_visible(True)
        self.arrow.xy = tuple(start + 1.2 * w / norm)
        self.arrow.set_position(tuple(start))

r"""Chapter 03's widget: the forward pass, layer by layer.

A 2-4-3-2 network (tanh between layers, softmax at the end) trained for a
moment on two circles. Pick an input point :math:`(x_1, x_2)` and follow it
through the layers: each circle is one neuron, coloured by its activation,

.. math:: a^{(l)} = \tanh\big(W^{(l)} a^{(l-1)} + b^{(l)}\big),

and each line is one weight :math:`W^{(l)}_{ji}` (red positive, blue
negative, thicker when larger). With "show signal w·a" the lines show what
actually flows along them for this input: :math:`W_{ji} a_i`.
"""
import functools

import ipywidgets
import numpy as np
from matplotlib import cm, colors
from matplotlib.collections import LineCollection
from nnkit_widgets.base import Widget

import nnkit
from nnkit import datasets, nn
from nnkit.nn import functional as F

LAYER_SIZES = (2, 4, 3, 2)
LIMIT = 1.6  # the input plane shown is [-LIMIT, LIMIT]^2
HIDDEN_MAP = cm.RdBu_r  # red positive, blue negative: the same for weights and activations
OUTPUT_MAP = cm.Purples
CLASS_COLOURS = ("tab:blue", "tab:red")


def circles_data():
    """The two circles the network learns: class 0 outside, class 1 inside."""
    return datasets.circles(200, noise=0.08, factor=0.5, seed=0)


@functools.lru_cache(maxsize=1)
def _trained_state(steps=300, lr=0.1, momentum=0.9):
    """Train once per process (about a second) and keep the weights."""
    rng = np.random.default_rng(0)  # its own generator: nnkit's global one is left alone
    model = _network()
    for layer in model:
        if isinstance(layer, nn.Linear):
            bound = 2 / np.sqrt(layer.in_features)
            layer.weight.data[...] = rng.uniform(-bound, bound, layer.weight.shape)
            layer.bias.data[...] = rng.uniform(-bound, bound, layer.bias.shape)
    X, y = circles_data()
    X = nnkit.tensor(X)
    velocity = {id(p): np.zeros_like(p.data) for p in model.parameters()}
    for _ in range(steps):  # full-batch gradient descent with momentum (chapter 07)
        with nnkit.enable_grad():  # even if the first caller sits inside no_grad()
            loss = F.cross_entropy(model(X), y)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            velocity[id(p)] = momentum * velocity[id(p)] - lr * p.grad
            p.data += velocity[id(p)]
    return model.state_dict()


def _network():
    state = nnkit.random.generator().bit_generator.state  # Linear's init draws numbers:
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 3), nn.Tanh(),
                          nn.Linear(3, 2))
    nnkit.random.generator().bit_generator.state = state  # put them back
    return model


def trained_network():
    """A fresh copy of the trained 2-4-3-2 tanh network (an ``nn.Sequential``)."""
    model = _network()
    model.load_state_dict(_trained_state())
    return model


def forward_layers(model, x):
    """Every layer's values for input(s) ``x``: [input, hidden 1, hidden 2, logits]."""
    values = [np.asarray(x, dtype=np.float32)]
    with nnkit.no_grad():
        h = nnkit.tensor(values[0])
        for layer in model:
            h = layer(h)
            if not isinstance(layer, nn.Linear) or layer is model[len(model) - 1]:
                values.append(h.numpy().copy())
    return values


class ForwardPassWidget(Widget):
    r"""Drag the input point and watch every neuron of a 2-4-3-2 network respond.

    Example::

        w = ForwardPassWidget(x1=0.0, x2=0.0)
        w.result["probabilities"]          # softmax of the output layer
        w.set(x1=1.2)["predicted"]         # 0: far out, the outer circle's class
    """

    figsize = (9.0, 3.6)

    def __init__(self, **initial):
        self.model = trained_network()
        self.weights = [layer.weight.numpy() for layer in self.model if isinstance(layer, nn.Linear)]
        super().__init__(**initial)

    def make_controls(self):
        style = {"description_width": "40px"}
        slider = {"min": -LIMIT, "max": LIMIT, "step": 0.05, "style": style, "continuous_update": True}
        return {
            "x1": ipywidgets.FloatSlider(value=0.0, description="x1", **slider),
            "x2": ipywidgets.FloatSlider(value=0.0, description="x2", **slider),
            "show_signal": ipywidgets.Checkbox(value=False, description="show signal w·a",
                                               indent=False),
        }

    def compute(self, x1, x2, show_signal):
        """Activations of every layer, softmax probabilities and the value of every line."""
        values = forward_layers(self.model, [x1, x2])
        logits = values[-1].astype(np.float64)
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        # line value: the weight itself, or what flows along it for this input (w_ji * a_i)
        edges = [W * values[i][None, :] if show_signal else W for i, W in enumerate(self.weights)]
        return {"x": np.array([x1, x2]), "activations": values, "logits": logits,
                "probabilities": probabilities, "predicted": int(probabilities.argmax()),
                "edges": edges, "show_signal": show_signal}

    # ---- drawing ------------------------------------------------------------

    def setup(self, fig):
        grid = fig.add_gridspec(1, 2, width_ratios=(1.6, 1))
        self.net_ax, self.plane_ax = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
        self.positions = [np.column_stack([np.full(n, float(col)), np.linspace(1, -1, n) * n / 4])
                          for col, n in enumerate(LAYER_SIZES)]
        self.lines = []
        for left, right in zip(self.positions[:-1], self.positions[1:]):
            segments = [(left[i], right[j]) for j in range(len(right)) for i in range(len(left))]
            self.lines.append(self.net_ax.add_collection(LineCollection(segments, zorder=1)))
        self.nodes = [self.net_ax.scatter(*p.T, s=900, edgecolors="0.2", zorder=2)
                      for p in self.positions]
        self.labels = [[self.net_ax.text(px, py, "", ha="center", va="center", fontsize=8, zorder=3)
                        for px, py in p] for p in self.positions]
        for (px, py), name in zip(self.positions[0], ["x1", "x2"]):
            self.net_ax.text(px - 0.3, py, name, ha="right", va="center", fontsize=9)
        for (px, py), k in zip(self.positions[-1], (0, 1)):
            self.net_ax.text(px + 0.3, py, f"P(class {k})", ha="left", va="center", fontsize=8,
                             color=CLASS_COLOURS[k])
        for col, title in enumerate(["input x", "hidden 1\ntanh", "hidden 2\ntanh", "output\nsoftmax"]):
            self.net_ax.text(col, 1.45, title, ha="center", va="bottom", fontsize=9)
        self.net_ax.set(xlim=(-0.7, 4.1), ylim=(-1.3, 1.8), aspect="equal")
        self.net_ax.axis("off")
        self.net_title = self.net_ax.set_title("", fontsize=10)
        self._setup_plane(self.plane_ax)

    def _setup_plane(self, ax):
        grid = np.linspace(-LIMIT, LIMIT, 81)
        points = np.stack(np.meshgrid(grid, grid), axis=-1).reshape(-1, 2)
        logits = forward_layers(self.model, points)[-1]
        p_inner = 1 / (1 + np.exp(logits[:, 0] - logits[:, 1]))  # softmax of two classes
        ax.imshow(p_inner.reshape(81, 81), origin="lower", extent=(-LIMIT, LIMIT) * 2,
                  cmap="RdBu_r", vmin=-0.3, vmax=1.3, alpha=0.6)
        X, y = circles_data()
        for k in (0, 1):
            ax.scatter(*X[y == k].T, s=8, color=CLASS_COLOURS[k], label=f"class {k}")
        (self.marker,) = ax.plot([], [], "*", color="gold", markeredgecolor="k", markersize=16)
        ax.set(xlim=(-LIMIT, LIMIT), ylim=(-LIMIT, LIMIT), xlabel="x1", ylabel="x2", aspect="equal")
        ax.legend(loc="upper right", fontsize=7)
        self.plane_title = ax.set_title("", fontsize=10)

    def redraw(self, result):
        activations = result["activations"][:-1] + [result["probabilities"]]
        for col, (values, nodes) in enumerate(zip(activations, self.nodes)):
            last = col == len(activations) - 1
            shade = OUTPUT_MAP(values) if last else HIDDEN_MAP(colors.Normalize(-1.5, 1.5)(values))
            nodes.set_facecolor(shade)
            for text, value in zip(self.labels[col], values):
                text.set_text(f"{value:.2f}")
                text.set_color("white" if (value > 0.6 if last else abs(value) > 0.9) else "black")
        for lines, edge in zip(self.lines, result["edges"]):
            flat = edge.ravel()  # segment order: for each target j, each source i
            scale = max(np.abs(flat).max(), 1e-9)
            lines.set_color(HIDDEN_MAP(0.5 + 0.5 * np.clip(flat / scale, -1, 1)))
            lines.set_linewidth(0.3 + 3.5 * np.abs(flat) / scale)
        kind = "signal w·a" if result["show_signal"] else "weights"
        self.net_title.set_text(f"lines: {kind} (red +, blue -)   circles: activations")
        self.marker.set_data([result["x"][0]], [result["x"][1]])
        p = result["probabilities"]
        self.plane_title.set_text(f"class {result['predicted']} (p = {p.max():.2f})")

r"""Chapter 02's widget: the activation explorer.

Tick activation functions to see each one (left) beside its derivative
(right). Widen the input range to watch sigmoid and tanh *saturate*: far
from 0 their curves go flat, so their derivatives, and with them the
learning signal, shrink towards 0.

The derivatives are not typed in by hand: nnkit computes them with
``backward()``. Each output depends only on its own input, so the gradient
of ``y.sum()`` with respect to ``x`` is exactly the elementwise derivative.
"""

import ipywidgets
import numpy as np
from nnkit_widgets.base import Widget

import nnkit
from nnkit.nn import functional as F


def _step(x):
    # not differentiable in any useful way: 1 where x > 0, slope 0 everywhere else
    return nnkit.tensor((x.data > 0).astype(x.dtype))


# name -> (label for the legend, function on a Tensor, colour)
FUNCTIONS = {
    "step": ("step", _step, "0.35"),
    "sigmoid": (r"sigmoid $\sigma$", F.sigmoid, "tab:blue"),
    "tanh": ("tanh", F.tanh, "tab:orange"),
    "relu": ("ReLU", F.relu, "tab:green"),
    "leaky_relu": ("leaky ReLU (0.1)", lambda x: F.leaky_relu(x, 0.1), "tab:purple"),
    "gelu": ("GELU", F.gelu, "tab:red"),
}


def value_and_derivative(name, x):
    """Evaluate activation ``name`` on the NumPy array ``x``; return (y, dy/dx) from autograd."""
    if name not in FUNCTIONS:
        raise ValueError(f"value_and_derivative: expected one of {sorted(FUNCTIONS)}. "
                         f"Received: name={name!r}")
    inputs = nnkit.tensor(np.asarray(x, dtype=np.float64), dtype=np.float64, requires_grad=True)
    outputs = FUNCTIONS[name][1](inputs)
    if not outputs.requires_grad:  # the step function: flat wherever it is defined
        return outputs.numpy(), np.zeros_like(inputs.data)
    outputs.sum().backward()
    return outputs.numpy(), inputs.grad


class ActivationExplorer(Widget):
    r"""Activation functions beside their derivatives, over an input range you choose.

    Example::

        explorer = ActivationExplorer(x_max=10.0)
        explorer.result["edge_slopes"]["sigmoid"]   # sigma' at -10 and 10: about 4.5e-05
    """

    figsize = (9.6, 3.4)
    num_points = 801

    def make_controls(self):
        controls = {
            name: ipywidgets.Checkbox(value=name in ("sigmoid", "tanh", "relu"), description=name,
                                      indent=False, layout=ipywidgets.Layout(width="105px"))
            for name in FUNCTIONS
        }
        controls["x_max"] = ipywidgets.FloatSlider(
            value=4.0, min=1.0, max=20.0, step=0.5, description="input range ±",
            style={"description_width": "100px"}, continuous_update=False,
            layout=ipywidgets.Layout(width="420px"))
        return controls

    def make_layout(self):
        boxes = [self.controls[name] for name in FUNCTIONS]
        return ipywidgets.VBox([ipywidgets.HBox(boxes), self.controls["x_max"], self.view,
                                self.errors])

    def compute(self, x_max, **chosen):
        """Curves of the ticked functions over [-x_max, x_max] and their slopes at the edge."""
        if not x_max > 0:
            raise ValueError(f"ActivationExplorer: expected x_max > 0. Received: x_max={x_max!r}")
        x = np.linspace(-x_max, x_max, self.num_points)
        curves, edge_slopes = {}, {}
        for name in FUNCTIONS:
            if chosen.get(name):
                y, dy = value_and_derivative(name, x)
                curves[name] = (y, dy)
                # slopes at the two ends of the range: how saturated the function gets
                edge_slopes[name] = (float(dy[0]), float(dy[-1]))
        return {"x": x, "x_max": x_max, "curves": curves, "edge_slopes": edge_slopes}

    def setup(self, fig):
        self.ax_value, self.ax_slope, self.ax_note = fig.subplots(
            1, 3, gridspec_kw={"width_ratios": [1, 1, 0.62]})
        self.ax_note.axis("off")
        self.lines = {}
        for name, (label, _, colour) in FUNCTIONS.items():
            (value,) = self.ax_value.plot([], [], color=colour, linewidth=2, label=label)
            (slope,) = self.ax_slope.plot([], [], color=colour, linewidth=2)
            self.lines[name] = (value, slope)
        for ax, title in ((self.ax_value, r"$\phi(x)$"), (self.ax_slope, r"derivative $\phi'(x)$")):
            ax.axhline(0, color="0.85", linewidth=1, zorder=0)
            ax.axvline(0, color="0.85", linewidth=1, zorder=0)
            ax.set(title=title, xlabel="input x")
        self.ax_slope.set_ylim(-0.2, 1.2)
        self.legend = self.ax_value.legend(loc="upper left", fontsize=8)
        # a panel of its own for the numbers, so they never hide a curve
        self.note = self.ax_note.text(0.0, 0.95, "", transform=self.ax_note.transAxes,
                                      fontsize=8, va="top", family="monospace")

    def redraw(self, result):
        x, curves = result["x"], result["curves"]
        for name, (value, slope) in self.lines.items():
            shown = name in curves
            value.set_visible(shown)
            slope.set_visible(shown)
            value.set_label(FUNCTIONS[name][0] if shown else "_hidden")
            if shown:
                value.set_data(x, curves[name][0])
                slope.set_data(x, curves[name][1])
        low, high = -1.2, 1.2
        for y, _ in curves.values():
            low, high = min(low, y.min() - 0.1), max(high, y.max() + 0.1)
        self.ax_value.set(xlim=(-result["x_max"], result["x_max"]), ylim=(low, high))
        self.ax_slope.set_xlim(-result["x_max"], result["x_max"])
        # the legend lists only the ticked functions, so it is rebuilt (one artist, replaced)
        if self.legend is not None:
            self.legend.remove()
        self.legend = self.ax_value.legend(loc="upper left", fontsize=8) if curves else None
        x_max = result["x_max"]
        edge = [f"{name:<10} {left:8.1e} {right:8.1e}"
                for name, (left, right) in result["edge_slopes"].items()]
        header = f"slope at    x={-x_max:<6g} x={x_max:g}\n\n"
        self.note.set_text(header + "\n".join(edge) if edge else "tick a function above")

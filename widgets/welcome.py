r"""Chapter 00's widget: two sliders that bend a sigmoid curve.

It proves that widgets work in your Jupyter, and previews chapter 01:
the curve is a neuron with one input,

.. math:: y = \sigma(w x + b) = \frac{1}{1 + e^{-(w x + b)}},

which crosses :math:`y = 0.5` where :math:`w x + b = 0`, at :math:`x = -b / w`.
"""

import ipywidgets
import numpy as np
from nnkit_widgets.base import Widget

X_RANGE = (-6.0, 6.0)


def sigmoid(z):
    r"""Logistic function :math:`1 / (1 + e^{-z})`, written so large ``|z|`` never overflows."""
    z = np.asarray(z, dtype=np.float64)
    # exp of a non-positive number is at most 1: no overflow on either side
    exp_neg_abs = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + exp_neg_abs), exp_neg_abs / (1.0 + exp_neg_abs))


class WelcomeWidget(Widget):
    r"""A sigmoid curve :math:`\sigma(w x + b)` whose weight and bias you drag.

    Example::

        w = WelcomeWidget(weight=2.0)
        w                                   # shows it in a notebook
        w.set(bias=-2.0)["crossing"]        # 1.0: where the curve crosses 0.5
    """

    num_points = 241

    def make_controls(self):
        style = {"description_width": "60px"}
        return {
            "weight": ipywidgets.FloatSlider(
                value=1.0, min=-4.0, max=4.0, step=0.25, description="weight w", style=style
            ),
            "bias": ipywidgets.FloatSlider(
                value=0.0, min=-4.0, max=4.0, step=0.25, description="bias b", style=style
            ),
        }

    def compute(self, weight, bias):
        """Curve points and the x where the curve crosses 0.5 (None when w = 0: a flat line)."""
        x = np.linspace(*X_RANGE, self.num_points)
        y = sigmoid(weight * x + bias)
        # "+ 0.0" turns -0.0 (from bias = 0) into 0.0, so nobody reads "x = -0.00"
        crossing = None if weight == 0 else -bias / weight + 0.0
        return {"x": x, "y": y, "crossing": crossing, "weight": weight, "bias": bias}

    def setup(self, fig):
        ax = fig.add_subplot()
        ax.set(xlim=X_RANGE, ylim=(-0.05, 1.05), xlabel="input x", ylabel="output y")
        ax.axhline(0.5, color="0.8", linewidth=1, zorder=0)
        (self.curve,) = ax.plot([], [], color="tab:blue", linewidth=2.5)
        (self.marker,) = ax.plot([], [], "o", color="tab:orange", markersize=8)
        self.title = ax.set_title("")

    def redraw(self, result):
        self.curve.set_data(result["x"], result["y"])
        crossing = result["crossing"]
        inside = crossing is not None and X_RANGE[0] <= crossing <= X_RANGE[1]
        if inside:
            self.marker.set_data([crossing], [0.5])
        else:
            self.marker.set_data([], [])
        where = "never (w = 0)" if crossing is None else f"at x = {crossing:+.2f}"
        self.title.set_text(
            rf"$y = \sigma({result['weight']:.2f}\,x {result['bias']:+.2f})$"
            f"   crosses 0.5 {where}"
        )

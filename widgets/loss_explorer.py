r"""Chapter 04's widget: the loss explorer.

A binary classifier outputs a logit :math:`z`; its probability is
:math:`p = \sigma(z)`. Move the logit and pick the target :math:`y` to see two
losses and their gradients with respect to :math:`z`:

.. math::

    \text{MSE} = (p - y)^2, \qquad
    \text{BCE} = -[\,y \log p + (1 - y) \log (1 - p)\,],

    \frac{\partial\,\text{MSE}}{\partial z} = 2 (p - y)\, p (1 - p), \qquad
    \frac{\partial\,\text{BCE}}{\partial z} = p - y .

BCE is the two-class cross-entropy: softmax over the logits :math:`[z, 0]`
gives exactly :math:`\sigma(z)`. When the model is confidently wrong, the
MSE gradient vanishes (the :math:`p(1-p)` factor) while BCE's stays near 1.
The third panel is the loss landscape of one weight: the mean loss of the
model :math:`p = \sigma(w x)` on a small data set, as :math:`w` varies.
"""
import ipywidgets
import numpy as np
from nnkit_widgets.base import Widget

import nnkit
from nnkit.nn import functional as F

LOGIT_RANGE = (-8.0, 8.0)
WEIGHT_RANGE = (-4.0, 4.0)
COLOURS = {"mse": "tab:orange", "bce": "tab:blue"}


def landscape_data():
    """Twenty points on a line: class 1 mostly right of 0, with two mislabelled points."""
    rng = np.random.default_rng(4)
    x = np.sort(rng.uniform(-3, 3, 20))
    y = (x > 0).astype(np.float64)
    y[[4, 15]] = 1 - y[[4, 15]]  # label noise: no weight fits every point
    return x, y


def losses_and_gradients(z, y):
    """MSE on sigma(z) and BCE from logits, elementwise, with d loss / dz by nnkit's autograd."""
    logits = nnkit.tensor(z, requires_grad=True, dtype=np.float64)
    target = nnkit.tensor(np.broadcast_to(y, np.shape(z)), dtype=np.float64)
    out = {}
    for name, loss in [("mse", F.mse_loss(F.sigmoid(logits), target, reduction="none")),
                       ("bce", F.binary_cross_entropy_with_logits(logits, target, reduction="none"))]:
        logits.grad = None
        loss.sum().backward()  # elements are independent: the sum's gradient is each one's
        out[name], out[f"{name}_grad"] = loss.numpy().copy(), logits.grad.copy()
    return out


def weight_landscape(weights):
    """Mean MSE and mean BCE of the model sigma(w x) on ``landscape_data``, for each w."""
    x, y = landscape_data()
    z = np.asarray(weights, dtype=np.float64)[..., None] * x  # (..., 20): one row per weight
    with nnkit.no_grad():
        target = nnkit.tensor(np.broadcast_to(y, z.shape), dtype=np.float64)
        logits = nnkit.tensor(z, dtype=np.float64)
        mse = F.mse_loss(F.sigmoid(logits), target, reduction="none").numpy().mean(axis=-1)
        bce = F.binary_cross_entropy_with_logits(logits, target, reduction="none").numpy()
    return {"mse": mse, "bce": bce.mean(axis=-1)}


class LossExplorerWidget(Widget):
    r"""Drag a logit and a weight; see MSE and BCE and their gradients at that point.

    Example::

        w = LossExplorerWidget(logit=-6.0, target=1)    # confidently wrong
        w.result["point"]["bce_grad"]                    # about -1: a strong push
        w.result["point"]["mse_grad"]                    # about -0.005: almost nothing
    """

    figsize = (10.0, 3.4)
    num_points = 321

    def make_controls(self):
        style = {"description_width": "70px"}
        return {
            "logit": ipywidgets.FloatSlider(value=2.0, min=LOGIT_RANGE[0], max=LOGIT_RANGE[1],
                                            step=0.25, description="logit z", style=style),
            "target": ipywidgets.Dropdown(options=[("y = 1", 1), ("y = 0", 0)], value=1,
                                          description="target", style=style,
                                          layout={"width": "160px"}),
            "weight": ipywidgets.FloatSlider(value=1.0, min=WEIGHT_RANGE[0], max=WEIGHT_RANGE[1],
                                             step=0.1, description="weight w", style=style),
        }

    def compute(self, logit, target, weight):
        """Curves over z for this target, the values at ``logit``, and the weight landscape."""
        z = np.linspace(*LOGIT_RANGE, self.num_points)
        curves = losses_and_gradients(z, target)
        at = losses_and_gradients(np.array([logit]), target)
        point = {name: float(values[0]) for name, values in at.items()}
        point["p"] = float(1 / (1 + np.exp(-logit)))
        weights = np.linspace(*WEIGHT_RANGE, 161)
        return {"z": z, "curves": curves, "point": point, "logit": logit, "target": target,
                "weights": weights, "landscape": weight_landscape(weights), "weight": weight,
                "at_weight": {k: float(v) for k, v in weight_landscape(np.array(weight)).items()}}

    # ---- drawing ------------------------------------------------------------

    def setup(self, fig):
        self.loss_ax, self.grad_ax, self.weight_ax = fig.subplots(1, 3)
        self.lines, self.dots = {}, {}
        for ax, suffix in [(self.loss_ax, ""), (self.grad_ax, "_grad"), (self.weight_ax, "_w")]:
            ax.axhline(0, color="0.8", linewidth=1, zorder=0)
            for name, colour in COLOURS.items():
                (self.lines[name + suffix],) = ax.plot([], [], color=colour, linewidth=2)
                (self.dots[name + suffix],) = ax.plot([], [], "o", color=colour, markersize=7)
        self.loss_ax.set(xlim=LOGIT_RANGE, ylim=(-0.2, 8.5), xlabel="logit z", ylabel="loss")
        self.grad_ax.set(xlim=LOGIT_RANGE, ylim=(-1.1, 1.1), xlabel="logit z",
                         ylabel="gradient dL/dz")
        self.weight_ax.set(xlim=WEIGHT_RANGE, ylim=(0, 6.2), xlabel="weight w",
                           ylabel="mean loss over 20 points")
        self.weight_ax.set_title(r"landscape of one weight: $p = \sigma(w\,x)$", fontsize=10)
        self.loss_title = self.loss_ax.set_title("", fontsize=10)
        self.grad_title = self.grad_ax.set_title("", fontsize=10)
        # legends made once; redraw only changes their texts (the values at the dots)
        self.legends = {}
        for ax, suffix in [(self.loss_ax, ""), (self.grad_ax, "_grad"), (self.weight_ax, "_w")]:
            handles = [self.lines["mse" + suffix], self.lines["bce" + suffix]]
            where = "best" if ax is self.grad_ax else "upper center"  # curves move there
            self.legends[ax] = ax.legend(handles, ["MSE", "BCE"], loc=where, fontsize=8)

    def redraw(self, result):
        z, curves, point = result["z"], result["curves"], result["point"]
        for name in COLOURS:
            self.lines[name].set_data(z, curves[name])
            self.dots[name].set_data([result["logit"]], [point[name]])
            self.lines[name + "_grad"].set_data(z, curves[name + "_grad"])
            self.dots[name + "_grad"].set_data([result["logit"]], [point[name + "_grad"]])
            self.lines[name + "_w"].set_data(result["weights"], result["landscape"][name])
            self.dots[name + "_w"].set_data([result["weight"]], [result["at_weight"][name]])
        self.loss_title.set_text(f"y = {result['target']},  p = sigmoid(z) = {point['p']:.3f}")
        self.grad_title.set_text("gradients at z: "
                                 f"MSE {point['mse_grad']:+.3f}, BCE {point['bce_grad']:+.3f}")
        at_w = result["at_weight"]
        for ax, values in [(self.loss_ax, point), (self.weight_ax, at_w)]:
            mse_text, bce_text = self.legends[ax].get_texts()
            mse_text.set_text(f"MSE {values['mse']:.3f}")
            bce_text.set_text(f"BCE {values['bce']:.3f}")

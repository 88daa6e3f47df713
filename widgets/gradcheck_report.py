r"""Chapter 06's widget: a gradient check you can look at.

Pick a function and a finite-difference step $\epsilon$. Left: for each
input element, the gradient ``backward()`` gives (bars) and the one the
central difference measures (dots),

$$g_i \approx \frac{L(x + \epsilon e_i) - L(x - \epsilon e_i)}{2\epsilon}.$$

Right: the worst relative error over all elements as $\epsilon$ sweeps from
$10^{-13}$ to $10^{-1}$. For a correct backward it is the classic V:
truncation error ($\propto \epsilon^2$) on the right, round-off
($\propto 10^{-16}/\epsilon$ in float64, $10^{-7}/\epsilon$ in float32) on
the left. A wrong backward never gets close, whatever $\epsilon$.
"""
import ipywidgets
import numpy as np
from matplotlib.ticker import LogLocator, NullLocator
from nnkit_widgets.base import Widget

import nnkit
from nnkit.autograd import Function
from nnkit.nn import functional as F

EPSILONS = np.logspace(-13, -1, 49)
TOLERANCE = {"atol": 1e-5, "rtol": 1e-3}  # the same test as nnkit.gradcheck


class BuggySoftplus(Function):
    r"""softplus $\ln(1 + e^x)$ whose backward forgets the upstream gradient (on purpose)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.logaddexp(0.0, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return 1 / (1 + np.exp(-x))  # BUG: should be grad * sigmoid(x)


class BuggyTanh(Function):
    r"""tanh whose backward uses $1 - y$ instead of $1 - y^2$ (on purpose)."""

    @staticmethod
    def forward(ctx, x):
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad * (1 - out)  # BUG: the derivative of tanh is 1 - tanh**2


_MATRIX = np.random.default_rng(1).standard_normal((8, 3))

FUNCTIONS = {
    "tanh(x)": lambda x: x.tanh(),
    "sigmoid(x)": lambda x: x.sigmoid(),
    "x * exp(-x**2)": lambda x: x * (-(x ** 2)).exp(),
    "softmax(x)": lambda x: F.softmax(x, dim=-1),
    "x @ W (matmul)": lambda x: x @ nnkit.tensor(_MATRIX, dtype=x.dtype),
    "mean((x - 1)**2)": lambda x: ((x - 1) ** 2).mean(axis=-1),
    "BUGGY softplus (forgot upstream grad)": BuggySoftplus.apply,
    "BUGGY tanh (1 - y, not 1 - y**2)": BuggyTanh.apply,
}


def sample_input():
    """The fixed point where every function is checked: 8 numbers in [-2, 2]."""
    return np.random.default_rng(0).uniform(-2, 2, size=8)


def analytic_gradient(fn, x, weights, dtype=np.float64):
    """dL/dx from backward(), for L = sum(w * f(x))."""
    tensor = nnkit.tensor(x, dtype=dtype, requires_grad=True)
    out = fn(tensor)
    (out * nnkit.tensor(weights, dtype=dtype)).sum().backward()
    return tensor.grad.astype(np.float64)


def numeric_gradients(fn, x, weights, epsilons, dtype=np.float64):
    """dL/dx by central differences for every eps at once, each evaluation done in ``dtype``.

    Every function here works row by row on the last axis, so all the nudged copies of
    x (two per element per eps) go through ``fn`` as one batch: one call, not hundreds.
    Returns an array (len(epsilons), x.size); nan where eps is below the precision of x[i].
    """
    n = x.size
    eye = np.eye(n, dtype=dtype)
    steps = np.asarray(epsilons, dtype=dtype)[:, None, None] * eye  # (E, n, n)
    plus, minus = x.astype(dtype) + steps, x.astype(dtype) - steps
    with nnkit.no_grad():
        outputs = fn(nnkit.tensor(np.concatenate([plus, minus]).reshape(-1, n), dtype=dtype)).data
    losses = (outputs * weights.astype(dtype)).reshape(2, len(epsilons), n, -1).sum(axis=-1)
    taken = (np.diagonal(plus, axis1=1, axis2=2).astype(np.float64)
             - np.diagonal(minus, axis1=1, axis2=2))  # the step really taken, after rounding
    difference = losses[0].astype(np.float64) - losses[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(taken > 0, difference / taken, np.nan)


def relative_error(analytic, numeric):
    """The worst element's |analytic - numeric| / max(|analytic|, |numeric|); inf if all nan."""
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), 1e-12)
    errors = np.abs(analytic - numeric) / scale
    return float(np.nanmax(errors)) if not np.isnan(errors).all() else np.inf


def gradient_report(function, eps, dtype="float64"):
    """Pure: gradients at ``eps``, the error-vs-eps curve and a verdict for one function."""
    if function not in FUNCTIONS:
        raise ValueError(f"gradient_report: expected one of {sorted(FUNCTIONS)}. "
                         f"Received: function={function!r}")
    if not (isinstance(eps, float | int) and 0 < eps < 1):
        raise ValueError(f"gradient_report: expected 0 < eps < 1. Received: eps={eps!r}")
    if dtype not in ("float64", "float32"):
        raise ValueError(f"gradient_report: expected dtype 'float64' or 'float32'. "
                         f"Received: dtype={dtype!r}")
    fn, kind = FUNCTIONS[function], np.dtype(dtype).type
    x = sample_input()
    # random weights: an output left out by a buggy backward cannot hide in a plain sum
    with nnkit.no_grad():
        shape = fn(nnkit.tensor(x)).shape
    weights = np.random.default_rng(2).standard_normal(shape)
    analytic = analytic_gradient(fn, x, weights, kind)
    numerics = numeric_gradients(fn, x, weights, np.append(EPSILONS, eps), kind)
    numeric = numerics[-1]
    curve = np.array([relative_error(analytic, row) for row in numerics[:-1]])
    close = np.abs(analytic - numeric) <= TOLERANCE["atol"] + TOLERANCE["rtol"] * np.abs(numeric)
    worst = int(np.nanargmax(np.abs(analytic - numeric))) if not np.isnan(numeric).all() else 0
    return {"function": function, "eps": float(eps), "dtype": dtype, "x": x,
            "analytic": analytic, "numeric": numeric, "epsilons": EPSILONS, "errors": curve,
            "error": relative_error(analytic, numeric), "passed": bool(np.all(close)),
            "worst": worst, "best_eps": float(EPSILONS[np.nanargmin(curve)])}


class GradcheckReport(Widget):
    r"""Backward vs finite differences for a chosen function, and the error as eps varies.

    Example::

        report = GradcheckReport(function="BUGGY tanh (1 - y, not 1 - y**2)")
        report.result["passed"]      # False: no eps makes a wrong backward agree
    """

    figsize = (9.6, 3.6)

    def make_controls(self):
        return {
            "function": ipywidgets.Dropdown(options=list(FUNCTIONS), value="tanh(x)",
                                            description="function",
                                            layout=ipywidgets.Layout(width="360px")),
            "eps": ipywidgets.FloatLogSlider(value=1e-6, base=10, min=-13, max=-1, step=0.25,
                                             description="eps", readout_format=".0e",
                                             continuous_update=False),
            "dtype": ipywidgets.Dropdown(options=["float64", "float32"], value="float64",
                                         description="dtype",
                                         layout=ipywidgets.Layout(width="180px")),
        }

    def compute(self, function, eps, dtype):
        return gradient_report(function, eps, dtype)

    def setup(self, fig):
        self.ax_bars, self.ax_curve = fig.subplots(1, 2, width_ratios=[1, 1.15])
        index = np.arange(8)
        self.bars = self.ax_bars.bar(index, np.zeros(8), color="tab:blue", alpha=0.6,
                                     label="backward()")
        (self.dots,) = self.ax_bars.plot(index, np.zeros(8), "o", color="tab:red",
                                         label="finite differences")
        self.ax_bars.axhline(0, color="0.6", linewidth=0.8)
        self.ax_bars.set(xlabel="input element i", ylabel=r"$\partial L / \partial x_i$",
                         xticks=index)
        self.ax_bars.legend(fontsize=8, loc="upper left")
        (self.curve,) = self.ax_curve.loglog(EPSILONS, np.ones_like(EPSILONS), "-",
                                             color="tab:purple")
        (self.marker,) = self.ax_curve.loglog([1e-6], [1.0], "o", color="tab:red", markersize=8)
        self.ax_curve.axhline(TOLERANCE["rtol"], color="tab:green", linestyle="--", linewidth=1)
        self.ax_curve.text(2e-13, TOLERANCE["rtol"] * 1.5, "tolerance", color="tab:green",
                           fontsize=8)
        self.ax_curve.set(xlabel=r"finite-difference step $\epsilon$",
                          ylabel="worst relative error", ylim=(1e-12, 1e2))
        self.ax_curve.grid(True, which="major", alpha=0.3)
        for axis in (self.ax_curve.xaxis, self.ax_curve.yaxis):  # fewer ticks: a faster redraw
            axis.set_major_locator(LogLocator(base=10, numticks=8))
            axis.set_minor_locator(NullLocator())
        self.verdict = self.ax_bars.set_title("", fontsize=9)
        self.curve_title = self.ax_curve.set_title("", fontsize=9)

    def redraw(self, result):
        for bar, height in zip(self.bars, result["analytic"]):
            bar.set_height(height)
        self.dots.set_ydata(result["numeric"])
        values = np.concatenate([result["analytic"], np.nan_to_num(result["numeric"])])
        span = max(np.abs(values).max(), 1e-3) * 1.25
        self.ax_bars.set_ylim(-span, span)
        errors = np.clip(result["errors"], 1e-12, 1e2)  # an exact 0 has no place on a log axis
        self.curve.set_ydata(errors)
        self.marker.set_data([result["eps"]], [np.clip(result["error"], 1e-12, 1e2)])
        verdict = "PASSED" if result["passed"] else "FAILED"
        self.verdict.set_text(f"{result['function']}: {verdict} at eps={result['eps']:.0e}\n"
                              f"worst element {result['worst']}: relative error "
                              f"{result['error']:.1e}")
        self.verdict.set_color("tab:green" if result["passed"] else "tab:red")
        self.curve_title.set_text(f"error vs eps ({result['dtype']}); "
                                  f"best eps about {result['best_eps']:.0e}")

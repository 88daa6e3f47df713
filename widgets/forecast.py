r"""Chapter 11's forecast widget: a trained forecaster against the truth and persistence.

The forecaster reads a window of ``window`` past values and predicts the
next ``num_horizons`` values at once (a *direct* multi-horizon forecast).
For a horizon $h$, every point of the test period gets the forecast made
$h$ steps before it, and is compared with the truth and with the naive
*persistence* forecast "the same as the last value seen":

.. math::

    \hat x^{\text{model}}_{t} = f(x_{t-h-w+1}, \dots, x_{t-h})_h, \qquad
    \hat x^{\text{persistence}}_{t} = x_{t-h}.

A second slider picks one forecast origin and draws the whole path the
model predicts from there, month by month.
"""
import ipywidgets
import numpy as np
from nnkit_widgets.base import Widget

import nnkit


def forecast_windows(series, start, window, num_horizons):
    """Inputs (M, window, 1) and targets (M, num_horizons) for every origin from ``start`` on.

    Window i reads ``series[start - window + i : start + i]`` and its targets
    are the next ``num_horizons`` values, ``series[start + i : start + i + num_horizons]``.
    """
    count = len(series) - start - num_horizons + 1
    if start < window or count < 1:
        raise ValueError(f"forecast_windows: expected window <= start <= len(series) - "
                         f"num_horizons. Received start={start}, window={window}, "
                         f"num_horizons={num_horizons}, len(series)={len(series)}")
    X = np.stack([series[start - window + i:start + i] for i in range(count)])
    Y = np.stack([series[start + i:start + i + num_horizons] for i in range(count)])
    return X[..., None].astype(np.float32), Y.astype(np.float32)


def forecast_errors(predictions, targets, last_seen):
    """Mean squared error per horizon of the model and of persistence, both (num_horizons,)."""
    model = ((predictions - targets) ** 2).mean(axis=0)
    persistence = ((last_seen[:, None] - targets) ** 2).mean(axis=0)
    return model, persistence


class ForecastWidget(Widget):
    r"""Forecast vs truth over the test period, with a horizon and a start-point slider.

    Args:
        model: a callable (an nnkit Module in eval mode) mapping windows (M, window, 1) to forecasts
            (M, num_horizons).
        series: the (scaled) series, 1-D. ``dates``: matching datetime64 array.
        test_start: index of the first test value. ``window``: the model's input length.
        scale: multiply by this to show the series in its own units.
        label: the model's name in the legend and title.

    Example::

        w = ForecastWidget(model, series, dates, test_start=split, window=24, scale=scale)
        w.set(horizon=12)["mse"]   # model's and persistence's MSE 12 months ahead
    """

    figsize = (10.0, 3.6)

    def __init__(self, model, series, dates, test_start, window, scale=1.0, label="LSTM",
                 **initial):
        self.series, self.dates, self.scale = np.asarray(series, np.float32), dates, scale
        self.test_start, self.window, self.label = test_start, window, label
        with nnkit.no_grad():
            self.num_horizons = model(nnkit.tensor(self.series[None, :window, None])).shape[-1]
            self.inputs, self.targets = forecast_windows(self.series, test_start, window,
                                                         self.num_horizons)
            self.predictions = model(nnkit.tensor(self.inputs)).numpy()
        self.mse_model, self.mse_persistence = forecast_errors(
            self.predictions, self.targets, self.inputs[:, -1, 0])
        super().__init__(**initial)

    def make_controls(self):
        count = len(self.targets)
        return {
            "horizon": ipywidgets.IntSlider(value=1, min=1, max=self.num_horizons,
                                            description="horizon (months)",
                                            style={"description_width": "110px"}),
            "origin": ipywidgets.IntSlider(value=count // 2, min=0, max=count - 1,
                                           description="start point",
                                           style={"description_width": "80px"}),
        }

    def compute(self, horizon, origin):
        """The h-step-ahead forecasts over the test period and one path from ``origin``."""
        h = horizon - 1
        first = self.test_start + h  # the first month that has an h-step-ahead forecast
        times = self.dates[first:first + len(self.targets)]
        return {
            "horizon": horizon,
            "times": times,
            "truth": self.targets[:, h],
            "model": self.predictions[:, h],
            "persistence": self.inputs[:, -1, 0],  # the value h steps before each month
            "mse": {"model": float(self.mse_model[h]),
                    "persistence": float(self.mse_persistence[h])},
            "path_times": self.dates[self.test_start + origin:
                                     self.test_start + origin + self.num_horizons],
            "path": self.predictions[origin],
            "origin_time": self.dates[self.test_start + origin - 1],
            "origin_value": float(self.inputs[origin, -1, 0]),
        }

    # ---- drawing ------------------------------------------------------------

    def setup(self, fig):
        grid = fig.add_gridspec(1, 3)
        self.ax = fig.add_subplot(grid[0, :2])
        self.error_ax = fig.add_subplot(grid[0, 2])
        test = slice(self.test_start, None)
        self.ax.plot(self.dates[test], self.scale * self.series[test], color="0.2", linewidth=1,
                     label="truth")
        (self.persistence_line,) = self.ax.plot([], [], color="0.6", linestyle="--",
                                                linewidth=1, label="persistence")
        (self.model_line,) = self.ax.plot([], [], color="tab:orange", linewidth=1.3,
                                          label=f"{self.label}, h months ahead")
        (self.path_line,) = self.ax.plot([], [], ".-", color="tab:red", linewidth=2.2,
                                         markersize=4, zorder=5,
                                         label="path from the start point")
        (self.origin_dot,) = self.ax.plot([], [], "o", color="tab:red", markersize=7, zorder=5)
        self.ax.set(ylabel="sunspots per month")
        self.ax.legend(loc="upper left", fontsize=7, ncols=2)
        horizons = np.arange(1, self.num_horizons + 1)
        self.error_ax.plot(horizons, self.mse_persistence, "--", color="0.5", label="persistence")
        self.error_ax.plot(horizons, self.mse_model, color="tab:orange", label=self.label)
        (self.error_dots,) = self.error_ax.plot([], [], "o", color="k", markersize=5)
        self.error_ax.set(xlabel="horizon (months)", ylabel="test MSE (scaled)")
        self.error_ax.legend(fontsize=8, loc="upper left")
        self.title = self.ax.set_title("", fontsize=10)

    def redraw(self, result):
        s, h = self.scale, result["horizon"]
        self.model_line.set_data(result["times"], s * result["model"])
        self.persistence_line.set_data(result["times"], s * result["persistence"])
        self.path_line.set_data(result["path_times"], s * result["path"])
        self.origin_dot.set_data([result["origin_time"]], [s * result["origin_value"]])
        mse = result["mse"]
        self.error_dots.set_data([h, h], [mse["model"], mse["persistence"]])
        self.title.set_text(f"{h} month{'s' if h > 1 else ''} ahead: {self.label} MSE {mse['model']:.4f}"
                            f" vs persistence {mse['persistence']:.4f} "
                            f"({mse['model'] / mse['persistence']:.0%})")

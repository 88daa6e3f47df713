"""Live loss and metric curves for training loops (used from chapter 07 on).

``LivePlot`` shows curves that grow while a loop runs, plus a progress bar.
It redraws at most every ``every`` seconds, so logging each step of a fast
loop costs almost nothing. Like every course widget it renders to PNG in an
``ipywidgets.Image``, which updates in the browser while the kernel is busy
(an ipympl figure would stay blank until the cell finishes).

Example::

    live = LivePlot(["train_loss", "val_loss"], "accuracy", total=num_epochs)
    for epoch in range(num_epochs):
        ...
        live.log(train_loss=loss, val_loss=val_loss, accuracy=acc)
    live.close()
"""

import time

import ipywidgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from nnkit_widgets.base import image_view, render_png
from tqdm.auto import tqdm


def _panel_names(panel):
    names = [panel] if isinstance(panel, str) else list(panel)
    if not names or not all(isinstance(name, str) and name for name in names):
        raise ValueError(
            "LivePlot: each panel must be a metric name or a list of metric names. "
            f"Received: {panel!r}"
        )
    return names


class LivePlot:
    """Curves of logged metrics, one panel per positional argument.

    Args:
        *panels: a metric name (one curve) or a list of names (curves sharing axes).
        total: number of ``log`` calls expected, for the progress bar (None: unknown).
        every: seconds between redraws; the last values are always drawn by ``close``.
        xlabel: what one ``log`` call stands for ("epoch", "step", ...).
        show: display the plot and the progress bar right away (off in tests and scripts).
        clock: a function returning seconds, replaceable in tests.
    """

    def __init__(self, *panels, total=None, every=0.5, xlabel="epoch", show=True,
                 clock=time.monotonic):
        if not panels:
            raise ValueError("LivePlot needs at least one metric name. Received: no panels")
        if not every >= 0:
            raise ValueError(f"LivePlot: expected every >= 0 seconds. Received: every={every!r}")
        self.panels = [_panel_names(panel) for panel in panels]
        self.history = {name: ([], []) for names in self.panels for name in names}
        self.every, self.clock, self.steps, self.num_draws = every, clock, 0, 0
        self._last_draw = None
        self._setup_figure(xlabel)
        self.view = image_view(self.figure)
        self.box = ipywidgets.VBox([self.view])
        self.box.add_class("nnkit-live")
        if show:
            from IPython.display import display

            display(self.box)
        self.bar = tqdm(total=total, unit=xlabel, disable=not show)
        self.draw()

    def _setup_figure(self, xlabel):
        width = 4.0 * len(self.panels)
        self.figure = Figure(figsize=(width, 3.0), dpi=100, layout="constrained")
        FigureCanvasAgg(self.figure)
        self.axes, self.lines = [], {}
        for names in self.panels:
            ax = self.figure.add_subplot(1, len(self.panels), len(self.axes) + 1)
            ax.set_xlabel(xlabel)
            for name in names:
                (self.lines[name],) = ax.plot([], [], label=name)
            ax.legend(loc="upper right")
            self.axes.append(ax)

    def log(self, step=None, **metrics):
        """Record metrics for one step (default: count the calls) and redraw if it is time."""
        self.steps += 1
        step = self.steps if step is None else step
        for name, value in metrics.items():
            if name not in self.history:
                raise KeyError(
                    f"LivePlot.log: unknown metric {name!r}. "
                    f"Expected one of {sorted(self.history)}. Received: {name}={value!r}"
                )
            self.history[name][0].append(step)
            self.history[name][1].append(float(value))
        self.bar.update(1)
        if metrics and self.clock() - self._last_draw >= self.every:
            self.draw()

    def draw(self):
        """Redraw now: update the existing lines, rescale, render the PNG."""
        for name, (steps, values) in self.history.items():
            self.lines[name].set_data(steps, values)
        for ax in self.axes:
            ax.relim()
            ax.autoscale_view()
        self.view.value = render_png(self.figure)
        self.num_draws += 1
        self._last_draw = self.clock()

    def close(self):
        """Draw the final values and close the progress bar."""
        self.draw()
        self.bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _repr_mimebundle_(self, **kwargs):
        return self.box._repr_mimebundle_(**kwargs)

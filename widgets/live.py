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
from tqdm.auto import tqdm
from tqdm.notebook import tqdm as notebook_tqdm

from nnkit_widgets.base import image_view, render_png


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
        # in a notebook, tqdm's bar is a widget too: keep it in our box, so that one output
        # holds both, and close() can leave the final picture in it
        in_notebook = issubclass(tqdm, notebook_tqdm)  # tqdm.auto chose the widget bar
        extra = {"display": False} if in_notebook else {}
        self.bar = tqdm(total=total, unit=xlabel, disable=not show, **extra)
        if in_notebook and hasattr(self.bar, "container"):
            self.box.children = (self.view, self.bar.container)
        self._output = None
        if show:
            from IPython.display import display

            self._output = display(self, display_id=True)
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
        """Draw the final values, close the progress bar, and leave the final picture.

        A saved notebook (or the course website) keeps a widget's first state, an empty
        plot and a bar at 0%. So the output is replaced by one that also carries the final
        figure as a PNG and the bar's last line as text, shown where no widget runs.
        """
        self.draw()
        self.bar.close()
        self._closed = True
        if self._output is not None:
            self._output.update(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _repr_mimebundle_(self, **kwargs):
        bundle = dict(self.box._repr_mimebundle_(**kwargs) or {})
        if getattr(self, "_closed", False):
            bundle["image/png"] = bytes(self.view.value)
            bundle["text/plain"] = self.bar.format_meter(**self.bar.format_dict)
        return bundle

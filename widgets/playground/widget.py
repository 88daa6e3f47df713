r"""Chapter 08's playground: train a small network live and watch it learn.

In the spirit of the TensorFlow Playground, inside Jupyter and on nnkit.
Pick a data set (or pass your own ``X``, ``y``), noise, the train/test
split, hidden layers ("8,8"), activation, optimizer, learning rate, L2 and
dropout, then press Start. Three views update as it learns: the decision
boundary (colour = predicted class, paler = less sure) with training points
(white edge) and test points (black edge); what every unit of the first
two hidden layers computes over the plane; train and test loss curves.

Live training runs in a background thread of the kernel: every
``interval`` ms it trains ``STEPS_PER_TICK`` steps and redraws, so the
kernel stays free for other cells and for the buttons, and Pause always
gets through. (A browser-side ``ipywidgets.Play`` clock was tried first:
once the notebook had been saved, its ticks stopped reaching the picture.)
A lock keeps the thread and the controls from redrawing at the same time.
Changing any setting starts training afresh from step 0, as in the
TensorFlow Playground.

Example::

    playground = Playground(dataset="spirals", hidden="16,16")
    playground                                  # shows it; press Start
    result = playground.compute(steps=300, **playground.settings)
    result["test_accuracy"]
"""

import threading

import ipywidgets
import numpy as np
from matplotlib.colors import to_rgb
from nnkit_widgets.base import Widget
from nnkit_widgets.playground.training import (
    ACTIVATIONS,
    CUSTOM,
    DATASETS,
    OPTIMIZERS,
    Run,
    check_custom_data,
    parse_hidden,
)

STEPS_PER_TICK = 10
CLASS_COLOURS = np.array([to_rgb(c) for c in ("#f28e2b", "#4e79a7", "#59a14f", "#e15759",
                                              "#b07aa1", "#76b7b2", "#edc948", "#9c755f")])
UNITS_SHOWN = 8  # per hidden layer, in the small pictures
THUMB = 30  # pixels per small picture (the plane at half resolution)
LEARNING_RATES = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
L2_STRENGTHS = (0.0, 0.0001, 0.001, 0.01, 0.1)


def _slider(cls, description, **options):
    return cls(description=description, continuous_update=False, readout=True,
               style={"description_width": "initial"},
               layout=ipywidgets.Layout(width="210px"), **options)


def _dropdown(description, options, value, width="160px"):
    return ipywidgets.Dropdown(description=description, options=options, value=value,
                               style={"description_width": "initial"},
                               layout=ipywidgets.Layout(width=width))


def boundary_image(probs):
    """RGB picture of class probabilities: each class's colour, washed out where unsure."""
    colours = CLASS_COLOURS[np.arange(probs.shape[-1]) % len(CLASS_COLOURS)]
    mixed = probs @ colours
    certainty = (probs.max(-1, keepdims=True) - 1 / probs.shape[-1]) * probs.shape[-1] / (
        probs.shape[-1] - 1)
    return 1 - (1 - mixed) * (0.15 + 0.55 * certainty)  # pastel: points stay visible on top


def unit_mosaic(layers, units_shown=UNITS_SHOWN, columns=4, size=THUMB):
    """One image of small pictures: hidden layer 1 in the top rows, layer 2 below.

    Each layer gets ``units_shown / columns`` rows of ``columns`` pictures, one
    per unit; each unit is scaled by its own largest |output| to [-1, 1], so
    its shape shows whatever its range. Empty slots are nan (drawn blank).
    """
    rows_per_layer, cell = units_shown // columns, size + 2
    mosaic = np.full((2 * rows_per_layer * cell + 4, columns * cell), np.nan)
    for layer, units in enumerate(layers[:2]):
        for number, unit in enumerate(units[:units_shown]):
            small = unit[::2, ::2][:size, :size]
            scale = np.abs(small).max()
            row = layer * rows_per_layer + number // columns
            top = mosaic.shape[0] - (row + 1) * cell - 4 * layer  # origin is lower: count down
            left = (number % columns) * cell
            mosaic[top:top + small.shape[0], left:left + small.shape[1]] = \
                small / scale if scale > 0 else small
    return mosaic


class Playground(Widget):
    """Train a small nnkit network live on 2-D data (chapter 08).

    Args:
        X, y: optional points (n, 2) and integer labels (n,) of your own; they
            appear as the data set "your data".
        **initial: first values of the controls, e.g. ``dataset="spirals"``.
    """

    figsize = (10.0, 4.1)
    dpi = 90

    def __init__(self, X=None, y=None, interval=300, **initial):
        self.custom = None if X is None and y is None else check_custom_data(X, y)
        self.steps, self._settings, self._run = 0, None, None
        self.interval = interval
        self._lock = threading.RLock()  # one redraw at a time: thread or controls
        self._stop = threading.Event()
        self._thread = None
        super().__init__(**initial)

    # ---- controls and their meaning ------------------------------------------

    def make_controls(self):
        datasets = ((CUSTOM,) if self.custom is not None else ()) + DATASETS
        buttons = {name: ipywidgets.Button(description=label, tooltip=tip,
                                           layout=ipywidgets.Layout(width="90px"))
                   for name, label, tip in [
                       ("start", "▶ Start", "train live, a few steps per tick"),
                       ("pause", "Pause", "stop training (the picture stays)"),
                       ("step", "Step", f"train {STEPS_PER_TICK} steps"),
                       ("reset", "Reset", "back to step 0: new initial weights")]}
        return {
            **buttons,
            "dataset": _dropdown("data", datasets, datasets[0]),
            "noise": _slider(ipywidgets.FloatSlider, "noise", value=0.15, min=0.0, max=1.0,
                             step=0.05),
            "train_fraction": _slider(ipywidgets.FloatSlider, "train share", value=0.5,
                                      min=0.1, max=0.9, step=0.1),
            "batch_size": _dropdown("batch", (4, 8, 16, 32, 64, 128), 16, "110px"),
            "hidden": ipywidgets.Text(value="8,8", description="hidden units",
                                      continuous_update=False,
                                      style={"description_width": "initial"},
                                      layout=ipywidgets.Layout(width="170px")),
            "activation": _dropdown("activation", tuple(ACTIVATIONS), "ReLU"),
            "optimizer": _dropdown("optimizer", OPTIMIZERS, "Adam"),
            "lr": _dropdown("lr", LEARNING_RATES, 0.03, "120px"),
            "l2": _dropdown("L2", L2_STRENGTHS, 0.0, "120px"),
            "dropout": _slider(ipywidgets.FloatSlider, "dropout", value=0.0, min=0.0,
                               max=0.5, step=0.05),
        }

    def make_layout(self):
        c = self.controls
        rows = [["start", "pause", "step", "reset"],
                ["dataset", "noise", "train_fraction", "batch_size"],
                ["hidden", "activation", "optimizer", "lr", "l2", "dropout"]]
        boxes = [ipywidgets.HBox([c[name] for name in row]) for row in rows]
        return ipywidgets.VBox(boxes + [self.view, self.errors])

    @property
    def settings(self):
        """The values of the setting controls (everything but the buttons)."""
        return dict(super().state)

    @property
    def state(self):
        return {**self.settings, "steps": self.steps, "running": self.running}

    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def update(self):
        with self._lock:
            if self.settings != self._settings:  # a new setting: start training afresh
                self._settings, self.steps = self.settings, 0
            super().update()

    def on_click(self, name):
        if name in ("start", "step"):
            self.steps += STEPS_PER_TICK  # respond at once, before the first tick
        if name in ("pause", "reset"):
            self.pause()
        if name == "start" and not self.running:
            self._stop.clear()
            self._thread = threading.Thread(target=self._train_live, daemon=True)
            self._thread.start()
        if name == "reset":
            self.steps, self._run = 0, None

    def pause(self):
        """Stop live training (the thread ends after its current chunk)."""
        self._stop.set()

    def _train_live(self):
        while not self._stop.wait(self.interval / 1000):
            with self._lock:
                if self._stop.is_set():  # paused while we waited for the lock
                    return
                self.steps += STEPS_PER_TICK
                self.update()

    # ---- compute: settings and a step count in, arrays out ---------------------

    def compute(self, steps=0, running=False, **settings):
        """Train a run with these settings up to `steps` steps; return what is drawn.

        Pure in effect: the result depends only on the arguments (the run is
        kept between calls and continued when the settings are the same,
        which gives exactly the weights a fresh run would have).
        """
        parse_hidden(settings["hidden"])  # a clear message for a typo, before any work
        run = self._run
        if run is None or run.settings != settings or run.steps > steps:
            run = self._run = Run(settings, self.custom)
        run.train(steps - run.steps)
        probs, layers = run.plane()
        train_loss, train_accuracy = run.evaluate(run.train_index)
        test_loss, test_accuracy = run.evaluate(run.test_index)
        return {
            "steps": run.steps, "running": running, "settings": settings,
            "extent": run.extent(), "probs": probs, "units": layers,
            "X": run.X, "y": run.y, "train_index": run.train_index,
            "test_index": run.test_index,
            "history": {name: np.array(values) for name, values in run.history.items()},
            "train_loss": train_loss, "test_loss": test_loss,
            "train_accuracy": train_accuracy, "test_accuracy": test_accuracy,
            "layer_sizes": (2, *parse_hidden(settings["hidden"]), run.num_classes),
        }

    # ---- drawing ---------------------------------------------------------------

    def setup(self, fig):
        fig.set_layout_engine("none")  # fixed axes positions: cheaper than a layout per redraw
        self.boundary_ax = fig.add_axes([0.045, 0.1, 0.28, 0.68])
        self.boundary = self.boundary_ax.imshow(np.ones((2, 2, 3)), origin="lower",
                                                interpolation="bilinear")
        self.train_points = self.boundary_ax.scatter([], [], s=16, edgecolors="white",
                                                     linewidths=0.6, label="train")
        self.test_points = self.boundary_ax.scatter([], [], s=16, edgecolors="black",
                                                    linewidths=0.6, label="test")
        self.boundary_ax.set_title("decision boundary", fontsize=10)
        self.units_ax = fig.add_axes([0.37, 0.04, 0.34, 0.74])
        self.units = self.units_ax.imshow(np.zeros((2, 2)), cmap="PuOr", vmin=-1, vmax=1,
                                          origin="lower", interpolation="nearest")
        self.units_ax.set_xticks([])
        self.units_ax.set_yticks([])
        self.units_ax.set_title("hidden units: layer 1 (top), layer 2", fontsize=10)
        self.loss_ax = fig.add_axes([0.78, 0.14, 0.205, 0.6])
        (self.train_line,) = self.loss_ax.plot([], [], label="train", color="tab:blue")
        (self.test_line,) = self.loss_ax.plot([], [], "--", label="test", color="tab:red")
        self.loss_ax.set_xlabel("step")
        self.loss_ax.set_title("cross-entropy loss", fontsize=10)
        self.loss_ax.legend(loc="upper right", fontsize=8)
        self.status = fig.text(0.01, 0.97, "", va="top", fontsize=10, family="monospace")

    def redraw(self, r):
        self.boundary.set_data(boundary_image(r["probs"]))
        self.boundary.set_extent(r["extent"])
        self.boundary_ax.set_xlim(r["extent"][:2])
        self.boundary_ax.set_ylim(r["extent"][2:])
        for points, index in ((self.train_points, r["train_index"]),
                              (self.test_points, r["test_index"])):
            points.set_offsets(r["X"][index])
            points.set_facecolor(CLASS_COLOURS[r["y"][index] % len(CLASS_COLOURS)])
        mosaic = unit_mosaic(r["units"])
        self.units.set_data(mosaic)
        self.units.set_extent((0, mosaic.shape[1], 0, mosaic.shape[0]))
        history = r["history"]
        self.train_line.set_data(history["step"], history["train_loss"])
        self.test_line.set_data(history["step"], history["test_loss"])
        self.loss_ax.set_xlim(0, max(history["step"][-1], 10))
        losses = np.concatenate([history["train_loss"], history["test_loss"]])
        losses = losses[np.isfinite(losses)]
        # a diverged run can reach huge losses: clip the view so the start stays readable
        self.loss_ax.set_ylim(0, min(losses.max(), 5.0) * 1.05 if losses.size else 1.0)
        self.status.set_text(self.caption(r))

    @staticmethod
    def caption(r):
        s = r["settings"]
        shape = "-".join(map(str, r["layer_sizes"]))
        return (f"step {r['steps']:<5d} {'training' if r['running'] else 'paused':8s}  "
                f"train loss {r['train_loss']:.3f} acc {r['train_accuracy']:.0%}   "
                f"test loss {r['test_loss']:.3f} acc {r['test_accuracy']:.0%}\n"
                f"{s['dataset']} (noise {s['noise']:.2f}), {shape} {s['activation']}, "
                f"{s['optimizer']} lr {s['lr']:g}, batch {s['batch_size']}, "
                f"L2 {s['l2']:g}, dropout {s['dropout']:.2f}")

"""Chapter 09's draw-your-own-digit: draw with the mouse, watch the network guess.

The drawing surface is an ipympl canvas (matplotlib in the browser, with
mouse events); the prediction is a course-widget view (PNG) that updates
after each stroke. Before the network sees a drawing, it is prepared the
way MNIST's digits were (LeCun, Cortes and Burges):

1. cut out the bounding box of the ink;
2. scale it, keeping its aspect ratio, so that its longer side is 20 pixels
   (averaging areas, which also smooths the edges into grey);
3. paste it into a 28 x 28 field so that the centre of mass of the ink lands
   on the centre pixel (14, 14).

A network trained on MNIST has only ever seen digits prepared like this:
one drawn small in a corner would look to it like nothing it knows.
"""

import functools
import time
import traceback

import ipywidgets
import numpy as np
from matplotlib.figure import Figure

import nnkit
from nnkit.nn import functional as F
from nnkit_widgets.base import Widget, describe

SIZE = 28  # MNIST's field, in pixels
BOX = 20  # the longer side of the digit's box inside it
SCALE = 4  # drawing resolution: SCALE x SCALE drawing pixels per MNIST pixel


# ---------------------------------------------------------------- drawing strokes

def stamp_segment(raster, start, end, brush_width, scale=SCALE):
    """Ink the segment start-end (in MNIST pixels) into `raster`, antialiased, in place."""
    radius = brush_width / 2
    (x0, y0), (x1, y1) = start, end
    left = max(int((min(x0, x1) - radius) * scale) - 1, 0)
    right = min(int((max(x0, x1) + radius) * scale) + 2, raster.shape[1])
    top = max(int((min(y0, y1) - radius) * scale) - 1, 0)
    bottom = min(int((max(y0, y1) + radius) * scale) + 2, raster.shape[0])
    if left >= right or top >= bottom:
        return raster
    ys, xs = np.mgrid[top:bottom, left:right]
    px, py = (xs + 0.5) / scale, (ys + 0.5) / scale  # pixel centres, in MNIST pixels
    dx, dy = x1 - x0, y1 - y0
    # the closest point of the segment: project, then clamp to its two ends
    t = np.clip(((px - x0) * dx + (py - y0) * dy) / max(dx * dx + dy * dy, 1e-12), 0, 1)
    distance = np.hypot(px - (x0 + t * dx), py - (y0 + t * dy))
    ink = np.clip((radius - distance) * scale + 0.5, 0, 1)  # a one-pixel soft edge
    np.maximum(raster[top:bottom, left:right], ink, out=raster[top:bottom, left:right])
    return raster


def rasterize(strokes, brush_width, scale=SCALE):
    """A (28 scale, 28 scale) image of the strokes, each a list of (x, y) points."""
    raster = np.zeros((SIZE * scale, SIZE * scale))
    for points in strokes:
        for start, end in zip(points, points[1:] or points):
            stamp_segment(raster, start, end, brush_width, scale)
    return raster


# ---------------------------------------------------------------- MNIST-style preprocessing

def area_matrix(num_in, num_out):
    """(num_out, num_in) matrix that resizes a 1-D signal by averaging over areas.

    Output pixel i covers [i, i + 1) * num_in / num_out of the input; its value
    is the overlap-weighted mean of the input pixels under it.
    """
    step = num_in / num_out
    starts = np.arange(num_out)[:, None] * step
    pixels = np.arange(num_in)[None, :]
    overlap = np.minimum(starts + step, pixels + 1) - np.maximum(starts, pixels)
    return np.clip(overlap, 0, None) / step


def area_resize(image, height, width):
    """Resize a 2-D image to (height, width) by area averaging (works both ways)."""
    return area_matrix(image.shape[0], height) @ image @ area_matrix(image.shape[1], width).T


def mnist_preprocess(image, threshold=0.05):
    """Bounding box -> longer side 20 px -> centre of mass at (14, 14) in 28 x 28 (chapter 09)."""
    image = np.asarray(image, dtype=np.float64)
    rows, cols = np.flatnonzero(image.max(axis=1) > threshold), np.flatnonzero(image.max(axis=0) > threshold)
    if len(rows) == 0:
        return np.zeros((SIZE, SIZE), dtype=np.float32)  # nothing drawn
    crop = image[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    factor = BOX / max(crop.shape)
    height, width = (max(round(n * factor), 1) for n in crop.shape)
    digit = np.clip(area_resize(crop, height, width), 0, 1)
    mass = digit.sum()
    centre_y = (digit.sum(axis=1) @ np.arange(height)) / mass
    centre_x = (digit.sum(axis=0) @ np.arange(width)) / mass
    # whole-pixel shift that puts the centre of mass nearest to (14, 14), box kept inside
    top = int(np.clip(round(SIZE / 2 - centre_y), 0, SIZE - height))
    left = int(np.clip(round(SIZE / 2 - centre_x), 0, SIZE - width))
    field = np.zeros((SIZE, SIZE), dtype=np.float32)
    field[top:top + height, left:left + width] = digit
    return field


# what a model may take: chapter 09's MLP reads flat pixels, chapter 10's CNN an image
LAYOUTS = {"pixels (N, 784)": (1, SIZE * SIZE), "images (N, 1, 28, 28)": (1, 1, SIZE, SIZE)}


def predict_probabilities(model, image, layout=(1, SIZE * SIZE)):
    """The model's softmax over the 10 digits for one 28 x 28 image in [0, 1], given to the
    model with the shape ``layout`` (one of LAYOUTS)."""
    model.eval()
    with nnkit.no_grad():
        logits = model(nnkit.tensor(image.reshape(layout).astype(np.float32)))
        return F.softmax(logits, dim=1).numpy()[0]


def input_layout(model):
    """The input shape the model accepts, tried in LAYOUTS' order, with its guess on a blank."""
    failures = []
    for name, layout in LAYOUTS.items():
        try:
            return layout, predict_probabilities(model, np.zeros((SIZE, SIZE)), layout)
        except Exception as error:  # noqa: BLE001 - the learner's model: any failure, named
            failures.append(f"as {name}: {type(error).__name__}: {error}")
    raise ValueError("DrawDigit: expected a model taking (N, 784) pixels (an MLP) or (N, 1, 28, "
                     "28) images (a CNN). Calling it on one blank digit failed "
                     + "; ".join(failures))


# ---------------------------------------------------------------- the widget

def _shown_errors(handler):
    """Mouse handlers run inside ipympl: show their errors in the widget's red box."""
    @functools.wraps(handler)
    def wrapped(self, event):
        try:
            handler(self, event)
        except Exception:  # noqa: BLE001 - shown to the learner
            self._show_error(traceback.format_exc())
    return wrapped


class DrawDigit(Widget):
    """Draw a digit with the mouse; a trained MNIST model guesses it (chapter 09).

    Args:
        model: takes (N, 784) pixels (an MLP) or (N, 1, 28, 28) images (a CNN) in [0, 1],
            returns (N, 10) logits.
        images: (N, 28, 28) images in [0, 1] to start from (the slider picks one).
    """

    figsize = (6.4, 2.7)

    def __init__(self, model, images, **initial):
        if not isinstance(model, nnkit.nn.Module):
            raise TypeError(f"DrawDigit: expected a trained nnkit model (an nn.Module taking "
                            f"(N, 784) pixels or (N, 1, 28, 28) images, returning (N, 10) "
                            f"logits). Received: "
                            f"model={describe(model)}")
        self.model, self.images = model, np.asarray(images, dtype=np.float64)
        if self.images.ndim != 3 or self.images.shape[1:] != (SIZE, SIZE):
            raise ValueError("DrawDigit: expected images of shape (N, 28, 28). "
                             f"Received: images.shape={self.images.shape}")
        self.layout, guess = input_layout(model)
        if guess.shape != (10,):
            raise ValueError(f"DrawDigit: expected the model to return (N, 10) logits, one per "
                             f"digit. Received: {guess.shape[0]} numbers per image")
        self.strokes, self._last_live_update = [], 0.0
        self.background = self._upsampled(initial.get("digit", 0))
        self.canvas = self._make_canvas()
        super().__init__(**initial)

    def _upsampled(self, digit):
        return np.kron(self.images[digit], np.ones((SCALE, SCALE)))

    def make_controls(self):
        style = {"description_width": "initial"}
        digit = ipywidgets.IntSlider(value=0, min=0, max=len(self.images) - 1,
                                     description="start from test digit #", style=style)
        # registered before the base class's observer, so it runs first
        digit.observe(self._load_digit, names="value")
        return {
            "digit": digit,
            "brush_width": ipywidgets.FloatSlider(value=2.5, min=1.0, max=4.0, step=0.25,
                                                  description="brush width", style=style),
            "clear": ipywidgets.Button(description="Clear", icon="eraser"),
        }

    def _load_digit(self, change):
        self.background, self.strokes = self._upsampled(change["new"]), []

    def on_click(self, name):
        if name == "clear":
            self.background, self.strokes = np.zeros_like(self.background), []

    def drawing(self, brush_width):
        """What is on the canvas: the starting digit with the strokes on top."""
        return np.maximum(self.background, rasterize(self.strokes, brush_width))

    def compute(self, digit, brush_width):
        drawing = self.drawing(brush_width)
        network_input = mnist_preprocess(drawing)
        empty = not network_input.any()
        probabilities = np.zeros(10) if empty else predict_probabilities(self.model, network_input,
                                                                     self.layout)
        return {"drawing": drawing, "input": network_input, "probabilities": probabilities,
                "prediction": None if empty else int(probabilities.argmax()),
                "num_strokes": len(self.strokes), "brush_width": brush_width}

    # ---- the pictures ----------------------------------------------------------

    def _make_canvas(self):
        # imported here: ipympl is only needed once a drawing surface is made
        from ipympl.backend_nbagg import Canvas, FigureManager

        figure = Figure(figsize=(2.8, 2.8), dpi=100)
        canvas = Canvas(figure)
        FigureManager(canvas, num=id(self))  # ipympl needs a manager; pyplot never sees it
        canvas.toolbar_visible, canvas.header_visible, canvas.footer_visible = False, False, False
        canvas.resizable = False
        canvas.layout.border = "1px solid #9e9e9e"  # show where the paper is
        canvas.add_class("nnkit-passive")  # drawing on it is tested separately
        ax = figure.add_axes((0, 0, 1, 1))
        self.ink = ax.imshow(self.background, cmap="gray_r", vmin=0, vmax=1,
                             extent=(0, SIZE, SIZE, 0), interpolation="nearest")
        ax.set_axis_off()
        canvas.mpl_connect("button_press_event", self._press)
        canvas.mpl_connect("motion_notify_event", self._move)
        canvas.mpl_connect("button_release_event", self._release)
        self._drawing_now = False
        return canvas

    def setup(self, fig):
        input_ax, bars_ax = fig.subplots(1, 2, width_ratios=[1, 1.8])
        self.input_image = input_ax.imshow(np.zeros((SIZE, SIZE)), cmap="gray_r", vmin=0, vmax=1)
        input_ax.set_xticks([])
        input_ax.set_yticks([])
        input_ax.set_title("what the network sees", fontsize=9)
        self.status = input_ax.set_xlabel("", fontsize=8)
        self.bars = bars_ax.bar(np.arange(10), np.zeros(10), color="0.7")
        bars_ax.set(xticks=np.arange(10), ylim=(0, 1.05), xlabel="digit", ylabel="probability")
        self.guess = bars_ax.set_title("", fontsize=10)

    def redraw(self, result):
        self.input_image.set_data(result["input"])
        for bar, p in zip(self.bars, result["probabilities"]):
            bar.set_height(p)
            bar.set_color("0.7")
        if result["prediction"] is None:
            self.guess.set_text("draw a digit on the left")
        else:
            self.bars[result["prediction"]].set_color("tab:blue")
            p = result["probabilities"][result["prediction"]]
            self.guess.set_text(f"I think it is a {result['prediction']} ({p:.0%} sure)")
        self.status.set_text(f"strokes: {result['num_strokes']} · brush {result['brush_width']:.2f} px")
        self.ink.set_data(result["drawing"])
        self.canvas.draw_idle()

    def make_layout(self):
        controls = ipywidgets.VBox(list(self.controls.values()))
        right = ipywidgets.VBox([controls, self.view, self.errors])
        return ipywidgets.HBox([self.canvas, right])

    # ---- the mouse ---------------------------------------------------------------

    @_shown_errors
    def _press(self, event):
        if event.inaxes is not None and event.button == 1:
            self._drawing_now = True
            self.strokes.append([(event.xdata, event.ydata)])
            self._ink_last_segment()

    @_shown_errors
    def _move(self, event):
        if not self._drawing_now or event.inaxes is None:
            return
        self.strokes[-1].append((event.xdata, event.ydata))
        self._ink_last_segment()
        if time.monotonic() - self._last_live_update > 0.3:  # a live guess, not on every pixel
            self._last_live_update = time.monotonic()
            self.update()

    @_shown_errors
    def _release(self, event):
        if self._drawing_now:
            self._drawing_now = False
            self.update()  # the guess after each stroke

    def _ink_last_segment(self):
        # cheap feedback while drawing: ink only the newest segment, then show it
        points = self.strokes[-1]
        raster = self.ink.get_array().data
        stamp_segment(raster, points[-2] if len(points) > 1 else points[-1], points[-1],
                      self.controls["brush_width"].value)
        self.ink.set_data(raster)
        self.canvas.draw_idle()

r"""Chapter 10's widget: filters and feature maps on a handwritten digit.

Pick a test digit and a 3x3 filter (hand-made edge detectors and blurs, one
that the trained CNN learned in its first layer, or "custom": nine numbers you
type), a stride, a padding and a dilation. The widget shows the (padded) input
with the first two windows the filter visits (the dots are the pixels a dilated
filter reads), the filter's numbers, and the feature map

.. math:: y_{ij} = b + \sum_{u,v} w_{uv}\, x_{s i + d u,\ s j + d v}

of size :math:`\lfloor (28 + 2p - d(3 - 1) - 1)/s \rfloor + 1`. Tick "every layer" to
see instead what the whole trained CNN computes for that digit: every
feature map of every convolution (after ReLU) and pooling layer, and the
probabilities it ends with.
"""
import ipywidgets
import numpy as np
from matplotlib.patches import Rectangle

import nnkit
from nnkit import nn
from nnkit.nn import functional as F
from nnkit_widgets.base import Widget

SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
HAND_FILTERS = {
    "Sobel x (vertical edges)": SOBEL_X,
    "Sobel y (horizontal edges)": SOBEL_X.T.copy(),
    "blur": np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]) / 16,
    "sharpen": np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]]),
    "identity": np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]),
}
CUSTOM = "custom (type 9 numbers)"
LEARNED = "learned filter "  # dropdown entries "learned filter 1", "learned filter 2", ...
MAP_COLOURS = "RdBu_r"  # red positive, blue negative, white zero


def test_digits(count=1000):
    """The first ``count`` MNIST test images, float32 in [0, 1], shape (count, 28, 28)."""
    return nnkit.datasets.mnist("test", as_float=True)[0][:count]


def feature_stages(model, image):
    """Run ``model`` on one (H, W) image and keep what each stage of it computes.

    A stage is a layer with a 4-D output (a convolution is shown after the
    activation that follows it). Returns ``(stages, probabilities)`` with
    stages a list of ``(name, maps)``, maps of shape (channels, height, width).
    """
    layers, stages = list(model), []
    counts, name = {"conv": 0, "pool": 0}, "input"
    with nnkit.no_grad():
        h = nnkit.tensor(np.asarray(image, np.float32)[None, None])
        for index, layer in enumerate(layers):
            h = layer(h)
            kind = "conv" if isinstance(layer, nn.Conv2d) else "pool" if isinstance(
                layer, (nn.MaxPool2d, nn.AvgPool2d)) else None
            if kind:
                counts[kind] += 1
                name = f"conv {counts[kind]}" if kind == "conv" else f"pool {counts[kind]}"
            follows = index + 1 < len(layers) and isinstance(layers[index + 1], nn.ReLU)
            if h.ndim == 4 and kind == "conv" and follows:
                continue  # shown after its ReLU
            if h.ndim == 4 and (kind or isinstance(layer, nn.ReLU)):
                label = name + (" + ReLU" if isinstance(layer, nn.ReLU) else "")
                stages.append((label, h.numpy()[0].copy()))
        probabilities = F.softmax(h, dim=1).numpy()[0]
    return stages, probabilities


def parse_kernel(text):
    """Nine numbers (spaces, commas or new lines between them) -> a 3x3 kernel, row by row."""
    parts = str(text).replace(",", " ").replace(";", " ").split()
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        raise ValueError("FilterExplorer: expected the custom filter as 9 numbers, row by row, "
                         f"e.g. '-1 0 1  -2 0 2  -1 0 1'. Received: {text!r}") from None
    if len(numbers) != 9 or not np.all(np.isfinite(numbers)):
        raise ValueError("FilterExplorer: expected the custom filter as 9 finite numbers, row by "
                         f"row. Received {len(numbers)} number(s): {text!r}")
    return np.array(numbers).reshape(3, 3)


class FilterExplorer(Widget):
    r"""Apply a hand-made or learned 3x3 filter to a digit; or see every layer of a CNN.

    Args:
        model: a trained ``nn.Sequential`` CNN whose first layer is
            ``Conv2d(1, C, 3)`` (optional: without it only the hand-made
            filters are offered).
        images: (N, 28, 28) images to choose from (default: 1,000 MNIST test digits).

    Example::

        explorer = FilterExplorer(model=cnn, filter="Sobel x (vertical edges)")
        explorer.set(stride=2)["feature_map"].shape     # (13, 13)
    """

    figsize = (9.0, 4.0)

    def __init__(self, model=None, images=None, **initial):
        if model is not None:
            first = model[0] if isinstance(model, nn.Sequential) else None
            if not isinstance(first, nn.Conv2d) or first.in_channels != 1:
                raise ValueError("FilterExplorer: expected model to be an nn.Sequential "
                                 "starting with Conv2d(1, channels, kernel_size). Received: "
                                 f"model={type(model).__name__} starting with {first!r}")
        self.model = model
        self.images = test_digits() if images is None else np.asarray(images, np.float32)
        if self.images.ndim != 3:
            raise ValueError("FilterExplorer: expected images of shape (N, H, W). Received: "
                             f"images of shape {self.images.shape}")
        super().__init__(**initial)
        self.controls["every_layer"].observe(lambda _change: self._enable_filter_controls(),
                                             names="value")
        self._enable_filter_controls()

    # ---- controls and numbers -------------------------------------------------

    def make_controls(self):
        style = {"description_width": "initial"}
        filters = list(HAND_FILTERS) + [CUSTOM]
        if self.model is not None:
            filters += [f"{LEARNED}{k + 1}" for k in range(self.model[0].out_channels)]
        return {
            "digit": ipywidgets.IntSlider(0, 0, len(self.images) - 1, description="test digit",
                                          style=style),
            "filter": ipywidgets.Dropdown(options=filters, value=filters[0],
                                          description="filter", style=style),
            "stride": ipywidgets.IntSlider(1, 1, 3, description="stride", style=style),
            "padding": ipywidgets.IntSlider(0, 0, 2, description="padding", style=style),
            "dilation": ipywidgets.IntSlider(1, 1, 3, description="dilation", style=style),
            "custom": ipywidgets.Text("0 -1 0  -1 4 -1  0 -1 0", description="custom 3x3",
                                      continuous_update=False, style=style,
                                      layout={"width": "300px"}),
            "every_layer": ipywidgets.Checkbox(False, description="every layer of the CNN",
                                               disabled=self.model is None, style=style),
        }

    def kernel(self, name, custom=""):
        """The (kernel, bias) that the dropdown entry ``name`` stands for."""
        if name in HAND_FILTERS:
            return HAND_FILTERS[name], 0.0
        if name == CUSTOM:
            return parse_kernel(custom), 0.0
        if self.model is None or not name.startswith(LEARNED):
            raise ValueError(f"FilterExplorer: unknown filter. Expected one of "
                             f"{list(self.controls['filter'].options)}. Received: filter={name!r}")
        conv = self.model[0]
        k = int(name[len(LEARNED):]) - 1
        bias = 0.0 if conv.bias is None else float(conv.bias.data[k]) + 0.0  # no "-0.00"
        return conv.weight.data[k, 0].astype(np.float64), bias

    def compute(self, digit, filter, stride, padding, every_layer, dilation=1, custom=""):
        """Feature map of the chosen filter, and (with a model) every stage of the CNN."""
        image = self.images[digit]
        kernel, bias = self.kernel(filter, custom)
        x = nnkit.tensor(image[None, None])
        w = nnkit.tensor(kernel[None, None].astype(np.float32))
        b = nnkit.tensor(np.array([bias], np.float32))
        with nnkit.no_grad():
            feature_map = F.conv2d(x, w, b, stride=stride, padding=padding,
                                   dilation=dilation).numpy()[0, 0]
        result = {"image": image, "padded": np.pad(image, padding), "kernel": kernel, "bias": bias,
                  "feature_map": feature_map, "stride": stride, "padding": padding,
                  "dilation": dilation,
                  "filter": filter, "every_layer": bool(every_layer and self.model is not None)}
        if self.model is not None:
            result["stages"], result["probabilities"] = feature_stages(self.model, image)
            result["predicted"] = int(np.argmax(result["probabilities"]))
        return result

    def _enable_filter_controls(self):
        # in "every layer" mode the filter controls do nothing: grey them out, honestly
        off = self.controls["every_layer"].value
        for name in ("filter", "stride", "padding", "dilation", "custom"):
            self.controls[name].disabled = off

    def make_layout(self):
        c = self.controls
        rows = [ipywidgets.HBox([c["digit"], c["filter"], c["custom"]]),
                ipywidgets.HBox([c["stride"], c["padding"], c["dilation"], c["every_layer"]])]
        return ipywidgets.VBox(rows + [self.view, self.errors])

    # ---- drawing ----------------------------------------------------------------

    def setup(self, fig):
        fig.set_layout_engine("none")  # two fixed layouts, one shown at a time
        grid = fig.add_gridspec(1, 3, left=0.03, right=0.97, top=0.84, bottom=0.06,
                                width_ratios=[1, 0.75, 1], wspace=0.25)
        self.input_ax, self.kernel_ax, self.map_ax = (fig.add_subplot(grid[i]) for i in range(3))
        self.input_image = self.input_ax.imshow(np.zeros((28, 28)), cmap="gray_r", vmin=0, vmax=1)
        self.frame = self.input_ax.add_patch(Rectangle((0, 0), 1, 1, fill=False, color="0.6",
                                                       linestyle=":", linewidth=1))
        self.windows = [self.input_ax.add_patch(Rectangle((0, 0), 3, 3, fill=False, color=colour,
                                                          linewidth=2))
                        for colour in ("tab:orange", "tab:green")]
        # the pixels a (dilated) filter reads in each window
        self.taps = [self.input_ax.plot([], [], "o", color=colour, markersize=3)[0]
                     for colour in ("tab:orange", "tab:green")]
        self.kernel_image = self.kernel_ax.imshow(np.zeros((3, 3)), cmap=MAP_COLOURS)
        size = self._kernel_size()
        self.kernel_texts = [self.kernel_ax.text(j, i, "", ha="center", va="center", fontsize=9)
                             for i in range(size) for j in range(size)]
        self.map_image = self.map_ax.imshow(np.zeros((26, 26)), cmap=MAP_COLOURS)
        self.single = [self.input_ax, self.kernel_ax, self.map_ax]
        self.title = fig.suptitle("", fontsize=10)
        self._setup_layers(fig)
        for ax in self.single + self.layer_axes:
            ax.set_xticks([])
            ax.set_yticks([])

    def _kernel_size(self):
        return 3 if self.model is None else max(3, *self.model[0].kernel_size)

    def _setup_layers(self, fig):
        """Axes for every feature map of every stage, plus the input and the probabilities."""
        self.layer_axes, self.layer_images, self.row_axes = [], [], []
        if self.model is None:
            self.bars, self.digit_ax = None, None
            return
        stages, _ = feature_stages(self.model, self.images[0])
        columns = max(maps.shape[0] for _, maps in stages)
        left = fig.add_gridspec(2, 1, left=0.02, right=0.17, top=0.86, bottom=0.1, hspace=0.45)
        self.digit_ax = fig.add_subplot(left[0])
        self.digit_image = self.digit_ax.imshow(np.zeros((28, 28)), cmap="gray_r", vmin=0, vmax=1)
        self.prob_ax = fig.add_subplot(left[1])
        self.bars = self.prob_ax.bar(range(10), np.zeros(10), color="tab:blue")
        self.prob_ax.set(ylim=(0, 1), xticks=range(10), yticks=[0, 1])
        self.prob_ax.tick_params(labelsize=7)
        self.prob_ax.set_title("probabilities", fontsize=8)
        grid = fig.add_gridspec(len(stages), columns, left=0.27, right=0.99, top=0.86,
                                bottom=0.03, wspace=0.06, hspace=0.3)
        for row, (name, maps) in enumerate(stages):
            axes = [fig.add_subplot(grid[row, col]) for col in range(columns)]
            images = [ax.imshow(np.zeros(maps.shape[1:]), cmap="magma") for ax in axes]
            axes[0].set_ylabel(f"{name}\n{maps.shape[1]}x{maps.shape[2]}", fontsize=7,
                               rotation=0, ha="right", va="center")
            for ax in axes[maps.shape[0]:]:
                ax.set_visible(False)  # a stage with fewer channels than the widest one
            self.layer_axes += axes
            self.layer_images.append(images[:maps.shape[0]])
            self.row_axes.append(axes[:maps.shape[0]])
        self.layer_axes.append(self.digit_ax)

    def redraw(self, result):
        every = result["every_layer"]
        for ax in self.single:
            ax.set_visible(not every)
        if self.model is not None:
            for row in self.row_axes:
                for ax in row:
                    ax.set_visible(every)
            self.digit_ax.set_visible(every)
            self.prob_ax.set_visible(every)
        if every:
            self._redraw_layers(result)
        else:
            self._redraw_single(result)

    def _redraw_single(self, result):
        padded, p, s = result["padded"], result["padding"], result["stride"]
        self._show(self.input_image, padded)
        height, width = result["image"].shape
        self.frame.set_bounds(p - 0.5, p - 0.5, width, height)
        kernel, d = result["kernel"], result["dilation"]
        kh, kw = kernel.shape
        span_h, span_w = d * (kh - 1) + 1, d * (kw - 1) + 1  # what a dilated filter covers
        for window, taps, left in zip(self.windows, self.taps, (0, s)):
            window.set_bounds(left - 0.5, -0.5, span_w, span_h)
            rows, cols = np.meshgrid(np.arange(kh) * d, left + np.arange(kw) * d, indexing="ij")
            taps.set_data(cols.ravel(), rows.ravel())
        self.input_ax.set_title(f"input {height}x{width}, padded to {padded.shape[0]}x"
                                f"{padded.shape[1]}\nfirst two windows (stride {s}, "
                                f"dilation {d})", fontsize=9)
        limit = max(np.abs(kernel).max(), 1e-6)
        self._show(self.kernel_image, kernel, -limit, limit)
        for index, text in enumerate(self.kernel_texts):
            i, j = divmod(index, int(np.sqrt(len(self.kernel_texts))))
            inside = i < kh and j < kw
            text.set_text(f"{kernel[i, j]:.2f}" if inside else "")
            # white on the darkest cells, black elsewhere: readable on both ends of the map
            text.set_color("white" if inside and abs(kernel[i, j]) > 0.6 * limit else "black")
        bias = f", bias {result['bias']:+.2f}" if result["bias"] else ""
        self.kernel_ax.set_title(f"{result['filter']}\n{kh}x{kw} weights{bias}", fontsize=9)
        fmap = result["feature_map"]
        limit = max(np.abs(fmap).max(), 1e-6)
        self._show(self.map_image, fmap, -limit, limit)
        self.map_ax.set_title(f"feature map {fmap.shape[0]}x{fmap.shape[1]}\n"
                              f"range {fmap.min():.2f} to {fmap.max():.2f}", fontsize=9)
        self.title.set_text(rf"output size $\lfloor ({height} + 2\cdot{p} - {d}\cdot({kh} - 1)"
                            rf" - 1) / {s} \rfloor + 1 = {fmap.shape[0]}$")

    def _redraw_layers(self, result):
        self.digit_image.set_data(result["image"])
        self.digit_ax.set_title("input", fontsize=8)
        for images, (name, maps) in zip(self.layer_images, result["stages"]):
            top = max(maps.max(), 1e-6)  # one scale per layer: weak channels look dark
            for image, fmap in zip(images, maps):
                image.set_data(fmap)
                image.set_clim(min(maps.min(), 0), top)
        for bar, p in zip(self.bars, result["probabilities"]):
            bar.set_height(p)
            bar.set_color("tab:orange" if p == result["probabilities"].max() else "tab:blue")
        p = result["probabilities"][result["predicted"]]
        self.title.set_text(f"every feature map of the CNN for this digit: it says "
                            f"{result['predicted']} (p = {p:.2f})")

    @staticmethod
    def _show(image, values, vmin=None, vmax=None):
        """imshow's set_data for a new shape: the extent and limits follow the array."""
        h, w = values.shape
        image.set_data(values)
        image.set_extent((-0.5, w - 0.5, h - 0.5, -0.5))
        image.axes.set_xlim(-0.5, w - 0.5)
        image.axes.set_ylim(h - 0.5, -0.5)
        if vmin is not None:
            image.set_clim(vmin, vmax)

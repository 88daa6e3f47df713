r"""Diagrams drawn by code: the pictures a chapter explains, with the chapter's own symbols.

Each function returns a :class:`Diagram`: a plain ``matplotlib.figure.Figure``
(no pyplot) that a notebook shows as a picture when it is a cell's last value,
built from circles, boxes, arrows and LaTeX labels. Being code, they are tested and
redrawn with other numbers (``layer_diagram(num_inputs=4, num_outputs=2)``).

- :func:`neuron_diagram` (chapter 01): inputs, weights, the sum with the bias,
  the activation, the output.
- :func:`layer_diagram` (chapter 03): a fully connected layer, every input wired
  to every neuron, with the weight matrix's shape.
- :func:`conv_diagram` (chapter 10): a kernel sliding over an image, with padding
  and stride: the window under the kernel and the one output number it makes.
"""

from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle

from nnkit_widgets.base import render_png

INPUT_COLOUR, NEURON_COLOUR, OUTPUT_COLOUR = "#e8eefc", "#fff1d6", "#e3f4e3"


class Diagram:
    """A figure that Jupyter shows as a PNG (a bare Figure would print its repr)."""

    def __init__(self, figure):
        self.figure = figure

    def _repr_png_(self):
        return render_png(self.figure)

    def savefig(self, *args, **kwargs):
        self.figure.savefig(*args, **kwargs)


def _figure(width, height):
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def _node(ax, xy, text, colour, radius=0.32):
    ax.add_patch(Circle(xy, radius, facecolor=colour, edgecolor="0.25", linewidth=1.2, zorder=2))
    ax.text(*xy, text, ha="center", va="center", fontsize=11, zorder=3)


def _arrow(ax, start, end, shrink=15, **style):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=11,
                                 shrinkA=shrink, shrinkB=shrink, zorder=1,
                                 color=style.pop("color", "0.35"), **style))


def neuron_diagram(num_inputs=3):
    r"""One neuron: $z = \sum_i w_i x_i + b$, then $\hat y = \phi(z)$.

    Args:
        num_inputs: how many inputs $x_1 \dots x_n$ to draw (1 to 6).

    Example::

        neuron_diagram(num_inputs=3)   # the chapter 01 picture
    """
    if not (isinstance(num_inputs, int) and 1 <= num_inputs <= 6):
        raise ValueError(f"neuron_diagram: expected num_inputs an integer from 1 to 6. "
                         f"Received: num_inputs={num_inputs!r}")
    fig, ax = _figure(6.4, 3.2)
    top = (num_inputs - 1) / 2
    sum_at, phi_at, out_at = (3.0, 0.0), (4.6, 0.0), (6.0, 0.0)
    for i in range(num_inputs):
        y = top - i
        _node(ax, (0.0, y), rf"$x_{i + 1}$", INPUT_COLOUR)
        _arrow(ax, (0.0, y), sum_at)
        # the weight sits on its own wire, a third of the way along
        ax.text(1.0, y + (sum_at[1] - y) / 3 + 0.12, rf"$w_{i + 1}$", fontsize=11,
                color="#7a3e00", ha="center")
    _node(ax, sum_at, r"$\Sigma$", NEURON_COLOUR, radius=0.45)
    ax.text(sum_at[0], sum_at[1] - 0.8, r"$z = \sum_i w_i x_i + b$", ha="center", fontsize=10)
    _node(ax, (sum_at[0], top + 0.9), r"$1$", INPUT_COLOUR, radius=0.25)
    _arrow(ax, (sum_at[0], top + 0.9), sum_at, shrink=10)
    ax.text(sum_at[0] + 0.15, (top + 0.9 + sum_at[1]) / 2 + 0.2, r"$b$", fontsize=11,
            color="#7a3e00")
    ax.add_patch(FancyBboxPatch((phi_at[0] - 0.4, phi_at[1] - 0.3), 0.8, 0.6,
                                boxstyle="round,pad=0.05", facecolor=NEURON_COLOUR,
                                edgecolor="0.25", zorder=2))
    ax.text(*phi_at, r"$\phi$", ha="center", va="center", fontsize=13, zorder=3)
    _arrow(ax, sum_at, phi_at, shrink=22)
    ax.text((sum_at[0] + phi_at[0]) / 2, 0.15, r"$z$", ha="center", fontsize=11)
    _node(ax, out_at, r"$\hat y$", OUTPUT_COLOUR)
    _arrow(ax, phi_at, out_at, shrink=18)
    ax.text(out_at[0], out_at[1] - 0.8, r"$\hat y = \phi(z)$", ha="center", fontsize=10)
    ax.set(xlim=(-0.6, 6.6), ylim=(-max(top, 1.0) - 1.1, top + 1.4))
    ax.set_title("one neuron: inputs, weights, sum with bias, activation, output", fontsize=10)
    return Diagram(fig)


def layer_diagram(num_inputs=3, num_outputs=4):
    r"""A fully connected layer: $z = Wx + b$, $W$ of shape (num_outputs, num_inputs).

    Every input is wired to every neuron; the wire from input $i$ to neuron $j$
    carries the weight $W_{ji}$ (row $j$ of $W$ holds neuron $j$'s weights).

    Args:
        num_inputs: inputs drawn on the left (1 to 8).
        num_outputs: neurons drawn on the right (1 to 8).
    """
    for name, value in (("num_inputs", num_inputs), ("num_outputs", num_outputs)):
        if not (isinstance(value, int) and 1 <= value <= 8):
            raise ValueError(f"layer_diagram: expected {name} an integer from 1 to 8. "
                             f"Received: {name}={value!r}")
    fig, ax = _figure(5.6, 3.8)
    left = [(0.0, (num_inputs - 1) / 2 - i) for i in range(num_inputs)]
    right = [(3.2, (num_outputs - 1) / 2 - j) for j in range(num_outputs)]
    for i, start in enumerate(left):
        for j, end in enumerate(right):
            highlight = j == 0  # neuron 1's weights: row 1 of W
            _arrow(ax, start, end, color="#c77c00" if highlight else "0.7",
                   linewidth=1.6 if highlight else 0.8)
    for i, xy in enumerate(left):
        _node(ax, xy, rf"$x_{i + 1}$", INPUT_COLOUR)
    for j, xy in enumerate(right):
        _node(ax, xy, rf"$z_{j + 1}$", NEURON_COLOUR)
    middle = (left[0][1] + right[0][1]) / 2
    ax.text(1.6, middle + 0.35, r"row 1 of $W$: $W_{11} \dots W_{1n}$", ha="center",
            fontsize=9, color="#7a3e00")
    height = max(num_inputs, num_outputs)
    ax.text(1.6, -height / 2 - 0.45,
            rf"$z = Wx + b$,   $W$: ({num_outputs}, {num_inputs}),   $b$: ({num_outputs},)",
            ha="center", fontsize=10)
    ax.set(xlim=(-0.7, 3.9), ylim=(-height / 2 - 0.9, height / 2 + 0.3))
    ax.set_title(f"a layer: {num_inputs} inputs, {num_outputs} neurons, "
                 f"{num_inputs * num_outputs} weights", fontsize=10)
    return Diagram(fig)


def _grid(ax, left, top, rows, cols, colour, label, shaded=None):
    """Draw a rows x cols grid of unit squares with its top-left corner at (left, top)."""
    for r in range(rows):
        for c in range(cols):
            fill = "#eeeeee" if shaded and shaded(r, c) else colour
            ax.add_patch(Rectangle((left + c, top - r - 1), 1, 1, facecolor=fill,
                                   edgecolor="0.45", linewidth=0.8))
    ax.text(left + cols / 2, top + 0.35, label, ha="center", fontsize=10)


def conv_diagram(image_size=5, kernel_size=3, stride=1, padding=0, position=(0, 0)):
    r"""A kernel sliding over an image: the window at one position and the output it makes.

    The input is drawn with its zero padding (grey squares), the $k \times k$ window of
    output position $(i, j)$ is outlined on it, starting at row $i s$ and column $j s$ of
    the padded input, and that output square is outlined in the feature map, whose side
    is $\lfloor (n + 2p - k)/s \rfloor + 1$.

    Args:
        image_size: the side $n$ of the square input (2 to 9).
        kernel_size: the side $k$ of the square kernel (1 to 5, at most the padded input).
        stride: the step $s$ between windows (1 to 3).
        padding: zeros $p$ added on every side (0 to 2).
        position: the output square ``(i, j)`` whose window is drawn.

    Example::

        conv_diagram(image_size=5, kernel_size=3, stride=2, padding=1, position=(1, 2))
    """
    limits = {"image_size": (image_size, 2, 9), "kernel_size": (kernel_size, 1, 5),
              "stride": (stride, 1, 3), "padding": (padding, 0, 2)}
    for name, (value, low, high) in limits.items():
        if not (isinstance(value, int) and low <= value <= high):
            raise ValueError(f"conv_diagram: expected {name} an integer from {low} to {high}. "
                             f"Received: {name}={value!r}")
    padded = image_size + 2 * padding
    if kernel_size > padded:
        raise ValueError(f"conv_diagram: the kernel ({kernel_size}) must fit in the padded input "
                         f"({image_size} + 2*{padding} = {padded}). Received: "
                         f"kernel_size={kernel_size!r}")
    out = (padded - kernel_size) // stride + 1
    i, j = position if isinstance(position, tuple) and len(position) == 2 else (None, None)
    if not all(isinstance(v, int) and 0 <= v < out for v in (i, j)):
        raise ValueError(f"conv_diagram: expected position a pair (i, j) of integers from 0 to "
                         f"{out - 1} (the output is {out}x{out}). Received: position={position!r}")
    fig, ax = _figure(7.2, 3.6)
    is_pad = (lambda r, c: min(r, c) < padding or max(r, c) >= padding + image_size)
    _grid(ax, 0, padded, padded, padded, INPUT_COLOUR,
          f"input {image_size}x{image_size}" + (f", padding {padding}" if padding else ""),
          shaded=is_pad)
    window = (j * stride, padded - i * stride - kernel_size)
    ax.add_patch(Rectangle(window, kernel_size, kernel_size, fill=False, edgecolor="#c77c00",
                           linewidth=2.6, zorder=3))
    kernel_left = padded + 1.5
    kernel_top = padded / 2 + kernel_size / 2
    _grid(ax, kernel_left, kernel_top, kernel_size, kernel_size, NEURON_COLOUR,
          f"kernel {kernel_size}x{kernel_size}")
    for r in range(kernel_size):
        for c in range(kernel_size):
            ax.text(kernel_left + c + 0.5, kernel_top - r - 0.5, rf"$w_{{{r}{c}}}$",
                    ha="center", va="center", fontsize=8 if kernel_size > 3 else 9)
    out_left = kernel_left + kernel_size + 1.5
    out_top = padded / 2 + out / 2
    _grid(ax, out_left, out_top, out, out, OUTPUT_COLOUR, f"output {out}x{out}")
    ax.add_patch(Rectangle((out_left + j, out_top - i - 1), 1, 1, facecolor="#ffd79a",
                           edgecolor="#c77c00", linewidth=2.6, zorder=3))
    ax.text(out_left + j + 0.5, out_top - i - 0.5, rf"$y_{{{i}{j}}}$", ha="center",
            va="center", fontsize=9, zorder=4)
    # the window, weighted by the kernel, makes one output number: an arc over the kernel
    _arrow(ax, (window[0] + kernel_size / 2, window[1] + kernel_size),
           (out_left + j + 0.5, out_top - i), shrink=2, color="#c77c00",
           connectionstyle="arc3,rad=-0.3")
    ax.text((out_left + out) / 2, -0.9,
            rf"$y_{{ij}} = b + \sum_{{u,v}} w_{{uv}}\, x_{{is+u,\, js+v}}$,   "
            rf"output side $\lfloor ({image_size} + 2 \cdot {padding} - {kernel_size}) / "
            rf"{stride} \rfloor + 1 = {out}$", ha="center", fontsize=9.5)
    top = max(padded, out_top, kernel_top) + 0.6 + 0.25 * (out_left - window[0])
    ax.set(xlim=(-0.3, out_left + out + 0.3), ylim=(-1.4, top))
    ax.set_title(f"stride {stride}: output ({i}, {j}) reads the window at row {i * stride}, "
                 f"column {j * stride} of the {'padded ' if padding else ''}input", fontsize=10)
    return Diagram(fig)

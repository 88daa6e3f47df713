r"""Diagrams drawn by code: the pictures a chapter explains, with the chapter's own symbols.

Each function returns a :class:`Diagram`: a plain ``matplotlib.figure.Figure``
(no pyplot) that a notebook shows as a picture when it is a cell's last value,
built from circles, boxes, arrows and LaTeX labels. Being code, they are tested and
redrawn with other numbers (``layer_diagram(num_inputs=4, num_outputs=2)``).

- :func:`neuron_diagram` (chapter 01): inputs, weights, the sum with the bias,
  the activation, the output.
- :func:`layer_diagram` (chapter 03): a fully connected layer, every input wired
  to every neuron, with the weight matrix's shape.
"""

from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

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

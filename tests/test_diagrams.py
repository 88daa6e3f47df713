"""The diagrams drawn by code show the chapter's symbols and refuse bad sizes with a clear message."""
import pytest
from matplotlib.patches import Circle, FancyArrowPatch

from nnkit_widgets.diagrams import layer_diagram, neuron_diagram


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [fig.axes[0].get_title()]


def count(fig, kind):
    return sum(isinstance(p, kind) for p in fig.axes[0].patches)


@pytest.mark.parametrize("num_inputs", [1, 3, 6])
def test_a_neuron_has_one_weighted_wire_per_input_a_bias_and_an_activation(num_inputs):
    fig = neuron_diagram(num_inputs=num_inputs).figure
    labels = texts(fig)
    for i in range(1, num_inputs + 1):
        assert f"$x_{i}$" in labels and f"$w_{i}$" in labels
    assert "$b$" in labels and r"$\phi$" in labels and r"$\hat y$" in labels
    # inputs, the constant 1, the sum and the output are circles; one arrow per input,
    # one for the bias, one into and one out of the activation
    assert count(fig, Circle) == num_inputs + 3
    assert count(fig, FancyArrowPatch) == num_inputs + 3


@pytest.mark.parametrize("num_inputs, num_outputs", [(2, 3), (3, 4), (1, 1), (8, 2)])
def test_a_layer_wires_every_input_to_every_neuron_and_states_the_shape_of_w(num_inputs, num_outputs):
    diagram = layer_diagram(num_inputs=num_inputs, num_outputs=num_outputs)
    fig = diagram.figure
    assert count(fig, FancyArrowPatch) == num_inputs * num_outputs
    assert count(fig, Circle) == num_inputs + num_outputs
    assert any(f"({num_outputs}, {num_inputs})" in t for t in texts(fig))
    # a notebook shows it as a picture, not as "<Figure size ...>"
    assert diagram._repr_png_().startswith(b"\x89PNG")


@pytest.mark.parametrize("call, words", [
    (lambda: neuron_diagram(num_inputs=0), "num_inputs=0"),
    (lambda: neuron_diagram(num_inputs=2.5), "num_inputs=2.5"),
    (lambda: layer_diagram(num_inputs=3, num_outputs=20), "num_outputs=20"),
])
def test_sizes_outside_what_can_be_drawn_are_named(call, words):
    with pytest.raises(ValueError, match="Received") as error:
        call()
    assert words in str(error.value)


def _outlined(fig):
    """The outlined (unfilled) window on the input, and the highlighted output square."""
    from matplotlib.patches import Rectangle
    boxes = [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]
    window = next(p for p in boxes if not p.get_fill())
    highlighted = [p for p in boxes if p.get_fill() and p.get_linewidth() > 2]
    return window, highlighted


@pytest.mark.parametrize("n, k, s, p, position", [
    (5, 3, 1, 0, (0, 0)), (5, 3, 2, 1, (1, 2)), (6, 2, 2, 0, (2, 1)), (7, 5, 1, 2, (6, 0)),
])
def test_a_convolution_draws_the_padded_input_the_window_and_the_output_size(n, k, s, p, position):
    from matplotlib.patches import Rectangle

    from nnkit.ops.conv import output_size
    from nnkit_widgets.diagrams import conv_diagram
    diagram = conv_diagram(image_size=n, kernel_size=k, stride=s, padding=p, position=position)
    fig = diagram.figure
    out = output_size(n, k, s, p)
    squares = [q for q in fig.axes[0].patches if isinstance(q, Rectangle) and q.get_fill()]
    grey = [q for q in squares if q.get_facecolor()[:3] == (0xee / 255,) * 3]
    # padded input, kernel and output grids, plus the highlighted output square
    assert len(squares) == (n + 2 * p) ** 2 + k * k + out * out + 1
    assert len(grey) == (n + 2 * p) ** 2 - n * n  # the padding, drawn grey
    window, highlighted = _outlined(fig)
    i, j = position
    assert window.get_width() == window.get_height() == k
    assert window.get_x() == j * s and window.get_y() == (n + 2 * p) - i * s - k
    assert len(highlighted) == 1
    assert any(f"= {out}$" in t for t in texts(fig)) and f"$y_{{{i}{j}}}$" in texts(fig)
    assert diagram._repr_png_().startswith(b"\x89PNG")


@pytest.mark.parametrize("options, words", [
    ({"image_size": 1}, "image_size=1"),
    ({"kernel_size": 5, "image_size": 3, "padding": 0}, "must fit in the padded input"),
    ({"stride": 0}, "stride=0"),
    ({"position": (3, 0)}, "from 0 to 2"),
    ({"position": [0, 0]}, "position=[0, 0]"),
])
def test_a_convolution_that_cannot_be_drawn_is_named(options, words):
    from nnkit_widgets.diagrams import conv_diagram
    with pytest.raises(ValueError, match="Received") as error:
        conv_diagram(**options)
    assert words in str(error.value)

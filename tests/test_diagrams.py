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

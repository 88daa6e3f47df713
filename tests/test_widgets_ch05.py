"""Chapter 05's backprop stepper, without a browser: safe parsing, the timeline, the picture."""
import itertools
import math

import pytest

from nnkit import Value
from nnkit_widgets.backprop import (
    BackpropStepper,
    ExpressionError,
    build,
    parse_inputs,
    stepper_state,
)

NEURON = "tanh(x1*w1 + x2*w2 + b)"
NEURON_INPUTS = "x1=2, x2=0, w1=-3, w2=1, b=6.8814"


def final_grads(expression, inputs):
    state = stepper_state(expression, inputs, step=10**6)
    return {node["name"]: state["grads"][node["id"]] for node in state["graph"]["nodes"]
            if node["op"] == "" and node["label"]}


def test_the_neuron_gets_the_textbook_gradients():
    grads = final_grads(NEURON, NEURON_INPUTS)
    slope = 1 - math.tanh(0.8814) ** 2  # about 0.5
    assert grads["w1"] == pytest.approx(2 * slope) and grads["x1"] == pytest.approx(-3 * slope)
    assert grads["w2"] == pytest.approx(0.0) and grads["x2"] == pytest.approx(slope)
    assert grads["b"] == pytest.approx(slope)


def test_a_value_used_twice_accumulates_and_matches_finite_differences():
    grads = final_grads("a*b + a", "a=2, b=-3")
    assert grads == {"a": pytest.approx(-3 + 1), "b": pytest.approx(2.0)}
    h = 1e-6
    f = lambda a: (Value(a) * Value(-3.0) + Value(a)).data
    assert grads["a"] == pytest.approx((f(2 + h) - f(2 - h)) / (2 * h), rel=1e-6)


def test_the_timeline_fills_data_forward_then_grads_backward():
    start = stepper_state(NEURON, NEURON_INPUTS, 0)
    num_nodes = len(start["graph"]["nodes"])
    assert len(start["data"]) == 5 and start["grads"] == {} and start["current"] is None
    assert start["num_forward"] == num_nodes - 5 and start["total"] == 2 * start["num_forward"]
    previous = start
    for step in range(1, start["total"] + 1):
        state = stepper_state(NEURON, NEURON_INPUTS, step)
        if step <= start["num_forward"]:  # one new forward value per step, no grads yet
            assert len(state["data"]) == len(previous["data"]) + 1 and state["grads"] == {}
            assert state["phase"] == "forward" and "forward" in state["text"]
        else:  # every value known; grads grow, the output's first
            assert len(state["data"]) == num_nodes and state["phase"] == "backward"
            assert len(state["grads"]) > len(previous["grads"]) or step == start["total"]
            assert "upstream" in state["text"] and "+=" in state["text"]
        previous = state
    root = start["graph"]["nodes"][-1]["id"]
    assert previous["grads"][root] == 1.0


def test_the_step_is_clamped_to_the_timeline():
    state = stepper_state("x*x", "x=3", 99)
    assert state["step"] == state["total"] == 2
    assert stepper_state("x*x", "x=3", -5)["step"] == 0


@pytest.mark.parametrize("expression, words", [
    ("__import__('os').system('ls')", "is not allowed"),
    ("x.real", "is not allowed"),
    ("[x, x]", "is not allowed"),
    ("exp(x, 2)", "is not allowed"),
    ("open('f')", "is not allowed"),
    ("y + 1", "unknown name 'y'"),
    ("x +", "not valid Python syntax"),
    ("2 ** 3", "at least one input"),
    ("x" + " + x" * 150, "at most 200 characters"),
])
def test_anything_outside_the_small_language_is_refused_with_a_clear_message(expression, words):
    with pytest.raises(ExpressionError, match="expression") as error:
        build(expression, {"x": 1.0})
    assert words in str(error.value)


def test_allowed_language_evaluates_like_python():
    for expression, expected in [("x**2 + 2*x - 1", 3.0**2 + 6 - 1), ("-x / 4", -0.75),
                                 ("sigmoid(0*x)", 0.5), ("relu(-x) + exp(log(x))", 3.0),
                                 ("2**x", 8.0), ("+x", 3.0)]:
        assert build(expression, {"x": 3.0})[0].data == pytest.approx(expected)


@pytest.mark.parametrize("text, words", [("x1 2", "name = number"), ("x=abc", "needs a number"),
                                         ("exp=1", "name = number"), ("", "at least one")])
def test_bad_inputs_are_named(text, words):
    with pytest.raises(ExpressionError, match="inputs") as error:
        parse_inputs(text)
    assert words in str(error.value)


def test_buttons_walk_the_timeline_and_change_the_picture():
    widget = BackpropStepper()
    assert widget.controls["step"].max == widget.result["total"]
    pictures = [widget.png]
    widget.click("forward")
    assert widget.result["step"] == 1 and widget.result["phase"] == "forward"
    pictures.append(widget.png)
    widget.click("backward")  # jumps past the rest of the forward pass
    assert widget.result["step"] == widget.result["num_forward"] + 1
    assert widget.result["phase"] == "backward"
    pictures.append(widget.png)
    widget.click("reset")
    assert widget.result["step"] == 0
    pictures.append(widget.png)
    assert all(a != b for a, b in itertools.pairwise(pictures))
    assert widget.error is None


def test_forward_stops_at_the_end_of_the_forward_pass():
    widget = BackpropStepper(expression="x*x", inputs="x=3")
    for _ in range(5):
        widget.click("forward")
    assert widget.result["step"] == widget.result["num_forward"] == 1


def test_a_new_expression_redraws_resizes_the_slider_and_hides_spare_boxes():
    widget = BackpropStepper()
    widget.set(step=widget.result["total"])
    before = widget.png
    widget.set(expression="x*x", inputs="x=3")
    assert widget.error is None and widget.png != before
    assert widget.controls["step"].max == 2 and widget.result["step"] == 2
    shown = [box for box in widget.boxes if box.get_visible()]
    assert len(shown) == 2 and "grad 6" in shown[0].get_text()


def test_an_unsafe_expression_is_shown_as_an_error_and_the_old_picture_stays():
    widget = BackpropStepper()
    before = widget.png
    widget.set(expression="__import__('os')")
    assert widget.error is not None and "is not allowed" in widget.error
    assert widget.png == before
    widget.set(expression="x1 * w1")
    assert widget.error is None


# ---------------------------------------------------------------- edges: routing and highlighting

def _edges_of(stepper):
    graph = stepper.result["graph"]
    return graph["nodes"], graph["edges"]


def test_an_input_reused_layers_later_is_routed_around_the_boxes_in_between():
    import numpy as np

    from nnkit_widgets.backprop import CLEARANCE, curve_points, route_edges

    stepper = BackpropStepper(expression="a*b + a", inputs="a=2, b=-3")
    nodes, edges = _edges_of(stepper)
    to_screen = stepper.ax_graph.transData.transform
    routes = route_edges(nodes, edges, to_screen)
    half = np.abs(to_screen(np.array([CLEARANCE])) - to_screen(np.zeros((1, 2))))[0]
    for edge, (bend, _) in zip(edges, routes):
        start, end = (to_screen(np.array([[nodes[i]["x"], nodes[i]["y"]]]))[0]
                      for i in (edge["from"], edge["to"]))
        points = curve_points(start, end, bend)
        for other in nodes:
            if other["id"] in (edge["from"], edge["to"]):
                continue
            centre = to_screen(np.array([[other["x"], other["y"]]]))[0]
            assert not np.any(np.all(np.abs(points - centre) < half, axis=1)), (edge, other["name"])
    # the straight line from a to the sum would cross a*b's box: that edge is bent
    a_to_sum = next(i for i, e in enumerate(edges) if nodes[e["from"]]["name"] == "a"
                    and e["op"] == "+")
    assert routes[a_to_sum][0] != 0.0


def test_each_edge_label_sits_on_the_middle_of_its_own_curve():
    import numpy as np

    from nnkit_widgets.backprop import curve_points

    stepper = BackpropStepper(expression="x*x + x", inputs="x=3")  # two parallel edges and a long one
    nodes, edges = _edges_of(stepper)
    to_screen = stepper.ax_graph.transData.transform
    for arrow, label, edge in zip(stepper.arrows, stepper.edge_labels, edges):
        start, end = (to_screen(np.array([[nodes[i]["x"], nodes[i]["y"]]]))[0]
                      for i in (edge["from"], edge["to"]))
        bend = float(arrow.get_connectionstyle().rad)
        middle = curve_points(start, end, bend, num=3)[1]
        assert np.allclose(to_screen(np.array([label.get_position()]))[0], middle, atol=1.0)
    bends = sorted(float(a.get_connectionstyle().rad) for a in stepper.arrows[:len(edges)])
    assert len(set(bends)) >= 2  # x used twice in x*x: two distinct arcs, not one on top of the other


def test_the_edges_being_walked_are_highlighted_forward_and_backward():
    stepper = BackpropStepper(expression="a*b + a", inputs="a=2, b=-3")
    _, edges = _edges_of(stepper)
    for step in range(1, stepper.result["total"] + 1):
        stepper.controls["step"].value = step
        current = stepper.result["current"]
        for arrow, edge in zip(stepper.arrows, edges):
            walked = edge["to"] == current
            assert (arrow.get_linewidth() > 2) == walked, (step, edge)

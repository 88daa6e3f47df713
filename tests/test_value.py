"""nnkit.value.Value: the scalar autograd engine of chapter 05."""
import math

import pytest

from nnkit.value import Value
from nnkit.value_trace import backward_trace, forward_trace, layout


def numeric_grads(fn, *xs, h=1e-6):
    """Central differences of fn (floats in, float out) with respect to each argument."""
    grads = []
    for i in range(len(xs)):
        plus = list(xs)
        minus = list(xs)
        plus[i] += h
        minus[i] -= h
        grads.append((fn(*plus) - fn(*minus)) / (2 * h))
    return grads


def backward_grads(fn, *xs):
    values = [Value(x) for x in xs]
    out = fn(*values)
    out.backward()
    return [v.grad for v in values]


# every op, with inputs away from kinks; numbers mixed in through the reflected ops
OPS = {
    "add": (lambda a, b: a + b, (1.5, -0.7)),
    "sub": (lambda a, b: a - b, (1.5, -0.7)),
    "mul": (lambda a, b: a * b, (1.5, -0.7)),
    "div": (lambda a, b: a / b, (1.5, -0.7)),
    "neg": (lambda a: -a, (0.3,)),
    "pow_int": (lambda a: a**3, (-1.3,)),
    "pow_negative": (lambda a: a**-2, (0.8,)),
    "pow_fraction": (lambda a: a**0.5, (2.2,)),
    "pow_value_exponent": (lambda a, b: a**b, (1.7, -0.6)),
    "radd": (lambda a: 2 + a, (0.4,)),
    "rsub": (lambda a: 2 - a, (0.4,)),
    "rmul": (lambda a: 2 * a, (0.4,)),
    "rtruediv": (lambda a: 2 / a, (0.4,)),
    "rpow": (lambda a: 2**a, (0.4,)),
    "exp": (lambda a: a.exp(), (0.9,)),
    "log": (lambda a: a.log(), (0.9,)),
    "tanh": (lambda a: a.tanh(), (0.9,)),
    "sigmoid": (lambda a: a.sigmoid(), (-0.9,)),
    "relu_positive": (lambda a: a.relu(), (0.9,)),
    "relu_negative": (lambda a: a.relu(), (-0.9,)),
}


@pytest.mark.parametrize("name", OPS)
def test_each_op_matches_finite_differences(name):
    fn, xs = OPS[name]
    grads = backward_grads(fn, *xs)
    expected = numeric_grads(lambda *args: fn(*[Value(x) for x in args]).data, *xs)
    for grad, numeric in zip(grads, expected):
        assert grad == pytest.approx(numeric, rel=1e-6, abs=1e-8)


def test_forward_values_and_reflected_operand_order():
    a = Value(5.0)
    assert (2 - a).data == -3.0 and (a - 2).data == 3.0
    assert (2 / a).data == 0.4 and (a / 2).data == 2.5
    assert (2**Value(3.0)).data == 8.0 and (Value(3.0) ** 2).data == 9.0
    assert (-a).data == -5.0
    assert Value(-1000.0).sigmoid().data == 0.0 and Value(1000.0).sigmoid().data == 1.0
    # the number becomes a constant input on the side where it was written
    assert (2 - a).parents[0].data == 2.0 and (2 - a).parents[1] is a


def test_records_op_parents_and_local_derivatives():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    assert (c.op, c.parents, c.local_derivatives) == ("*", (a, b), (-3.0, 2.0))
    assert (a**2).op == "**2" and (a**0.5).op == "**0.5"
    for name in ("exp", "log", "tanh", "sigmoid", "relu"):
        assert getattr(Value(1.0), name)().op == name
    assert a.op == "" and a.parents == () and a.label == "a"


# ---- PyTorch as oracle ----

def sanity_check(x):
    """micrograd's test_sanity_check expression; works for Value and torch tensors."""
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    return h + q + q * x


def more_ops(a, b):
    """micrograd's test_more_ops expression."""
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    return g + 10.0 / f


def smooth_functions(a, b):
    """exp, log, tanh, sigmoid, a Value exponent and reflected ops together."""
    u = (a * b).tanh() + (a - b).sigmoid() * 3
    v = (a**2 + 1).log() - (b / 4).exp()
    return u * v + a ** (b * b) + 1 / (2 - b)


@pytest.mark.parametrize("fn, xs", [
    (sanity_check, (-4.0,)),
    (more_ops, (-4.0, 2.0)),
    (smooth_functions, (0.7, -1.2)),
    (smooth_functions, (1.9, 0.4)),
])
def test_matches_pytorch(fn, xs):
    torch = pytest.importorskip("torch")
    values = [Value(x) for x in xs]
    out = fn(*values)
    out.backward()
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    expected = fn(*tensors)
    expected.backward()
    assert out.data == pytest.approx(expected.item(), rel=1e-12)
    for value, tensor in zip(values, tensors):
        assert value.grad == pytest.approx(tensor.grad.item(), rel=1e-10, abs=1e-12)


# ---- accumulation ----

def test_value_used_twice_gets_both_contributions():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0  # d(a^2)/da = 2a
    b = Value(3.0)
    (b + b).backward()
    assert b.grad == 2.0
    c = Value(3.0)
    (c * 4 + c.exp()).backward()
    assert c.grad == pytest.approx(4 + math.exp(3.0))


def test_backward_twice_doubles_input_grads_and_zero_grad_resets():
    a, b = Value(2.0), Value(-3.0)
    middle = a * b
    out = (middle + a).tanh()
    out.backward()
    first = (a.grad, b.grad, middle.grad)
    out.backward()
    assert (a.grad, b.grad) == pytest.approx((2 * first[0], 2 * first[1]))
    assert middle.grad == pytest.approx(first[2])  # intermediates hold the latest pass only
    assert out.grad == 1.0
    out.zero_grad()
    assert [v.grad for v in (a, b, middle, out)] == [0.0] * 4
    out.backward()
    assert (a.grad, b.grad, middle.grad) == pytest.approx(first)


def test_two_losses_sharing_inputs_add_up():
    a, b = Value(1.5), Value(-0.5)
    (a * b).backward()
    (a + b.tanh()).backward()
    assert a.grad == pytest.approx(b.data + 1)
    assert b.grad == pytest.approx(a.data + 1 - math.tanh(b.data) ** 2)


def test_long_chain_needs_no_recursion():
    x = Value(1.0)
    total = x
    for _ in range(5000):
        total = total + x * 0.5
    total.backward()
    assert x.grad == pytest.approx(1 + 5000 * 0.5)


# ---- order, traces, layout ----

def example():
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    e = a * b
    d = e + c
    f = Value(-2.0, label="f")
    loss = (d * f + a.relu() + a**2).tanh()
    return (a, b, c, f), loss


def test_topological_order_puts_parents_first_and_is_deterministic():
    _, loss = example()
    order = loss.topological_order()
    position = {id(v): i for i, v in enumerate(order)}
    assert order[-1] is loss and len(position) == len(order)
    for node in order:
        assert all(position[id(p)] < position[id(node)] for p in node.parents)
    assert [(v.op, v.data) for v in order] == [(v.op, v.data) for v in example()[1].topological_order()]


def test_forward_trace_reads_like_the_code():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    out = (a * b + 1).relu()
    assert [step["text"] for step in forward_trace(out)] == [
        "a = 2", "b = -3", "v2 = a * b = -6", "1 = 1", "v4 = v2 + 1 = -5", "v5 = relu(v4) = 0"]
    assert forward_trace(out)[4]["parents"] == [2, 3]


def test_backward_trace_steps_sum_to_final_grads():
    inputs, loss = example()
    steps = backward_trace(loss)
    order = loss.topological_order()
    assert [s["node"] for s in steps] == [i for i in reversed(range(len(order))) if order[i].parents]
    assert steps[0]["upstream"] == 1.0 and steps[0]["node"] == len(order) - 1
    received = {}
    for step in steps:
        for parent in step["parents"]:
            assert parent["contribution"] == pytest.approx(parent["local"] * step["upstream"])
            received[parent["node"]] = received.get(parent["node"], 0.0) + parent["contribution"]
            assert parent["grad"] == pytest.approx(received[parent["node"]])
    for index, node in enumerate(order[:-1]):
        assert received[index] == pytest.approx(node.grad)
    # each step's upstream is everything its node received from later steps
    for step in steps[1:]:
        assert step["upstream"] == pytest.approx(received[step["node"]])
    # the trace is backward(): same grads as a plain backward on a fresh graph
    fresh_inputs, fresh_loss = example()
    fresh_loss.backward()
    assert [v.grad for v in inputs] == pytest.approx([v.grad for v in fresh_inputs])


def test_layout_is_layered_left_to_right_without_overlaps():
    inputs, loss = example()
    loss.backward()
    picture = layout(loss)
    nodes, edges = picture["nodes"], picture["edges"]
    order = loss.topological_order()
    assert [n["id"] for n in nodes] == list(range(len(order)))
    assert len({(n["x"], n["y"]) for n in nodes}) == len(nodes)
    by_id = {n["id"]: n for n in nodes}
    for edge in edges:
        assert by_id[edge["from"]]["x"] < by_id[edge["to"]]["x"]
    assert sorted(n["id"] for n in nodes if n["x"] == 0) == [
        i for i, v in enumerate(order) if not v.parents]
    rightmost = max(n["x"] for n in nodes)
    assert [n["id"] for n in nodes if n["x"] == rightmost] == [len(order) - 1]
    assert len(edges) == sum(len(v.parents) for v in order)
    a_node = next(n for n in nodes if n["label"] == "a")
    assert a_node["grad"] == inputs[0].grad and a_node["data"] == 2.0
    square = next(e for e in edges if e["op"] == "**2")
    assert square["local"] == 4.0  # d(a^2)/da at a = 2
    assert layout(example()[1]) == {**picture, "nodes": [
        {**n, "grad": 0.0} for n in nodes]}  # deterministic: same picture for a fresh graph


def test_layout_of_value_used_twice_has_two_edges():
    a = Value(3.0, label="a")
    picture = layout(a * a)
    assert [(e["from"], e["to"], e["local"]) for e in picture["edges"]] == [(0, 1, 3.0), (0, 1, 3.0)]


# ---- special points and errors ----

def test_derivatives_at_kinks_follow_pytorch():
    zero = Value(0.0)
    zero.relu().backward()
    assert zero.grad == 0.0
    assert (Value(0.0) ** 0.5).local_derivatives == (math.inf,)
    assert (Value(0.0) ** 0).local_derivatives == (0.0,)


@pytest.mark.parametrize("make, error, words", [
    (lambda: Value("a"), TypeError, ["real number", "data='a'", "str"]),
    (lambda: Value(True), TypeError, ["real number", "data=True"]),
    (lambda: Value(None), TypeError, ["data=None"]),
    (lambda: Value(1.0, label=3), TypeError, ["label", "label=3"]),
    (lambda: Value(1.0) + "a", TypeError, ["+", "'a'", "str"]),
    (lambda: "a" * Value(1.0), TypeError, ["*", "'a'"]),
    (lambda: Value(1.0) ** "2", TypeError, ["**", "'2'"]),
    (lambda: Value(0.0).log(), ValueError, ["positive", "log(0)"]),
    (lambda: Value(-2.0, label="x").log(), ValueError, ["log(-2)", "'x'"]),
    (lambda: Value(1.0) / Value(0.0, label="d"), ZeroDivisionError, ["1 / 0", "'d'"]),
    (lambda: 3 / Value(0.0), ZeroDivisionError, ["3 / 0"]),
    (lambda: Value(0.0) ** -1, ZeroDivisionError, ["0 ** -1"]),
    (lambda: Value(-8.0) ** (1 / 3), ValueError, ["-8 ** 0.333", "whole-number"]),
    (lambda: Value(-2.0) ** Value(2.0), ValueError, ["positive base", "-2 ** 2"]),
    (lambda: Value(1000.0).exp(), OverflowError, ["exp(1000)"]),
])
def test_errors_name_the_values(make, error, words):
    with pytest.raises(error) as info:
        make()
    for word in words:
        assert word in str(info.value)


def test_numpy_scalars_mix_in():
    np = pytest.importorskip("numpy")
    a = Value(np.float32(1.5))
    out = a * np.float64(2.0) + np.int64(1)
    assert type(out.data) is float and out.data == 4.0

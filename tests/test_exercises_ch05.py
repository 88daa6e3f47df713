"""Chapter 05's checkers accept right answers and reject typical wrong ones with a useful message."""
import math

import pytest

from nnkit.exercises import ch05 as check


def local_derivatives(op, a, b=None):
    if op == "+":
        return (1.0, 1.0)
    if op == "-":
        return (1.0, -1.0)
    if op == "*":
        return (b, a)
    if op == "/":
        return (1 / b, -a / b**2)
    if op == "tanh":
        return (1 - math.tanh(a) ** 2,)
    return (math.exp(a),)


def neuron_gradients(x1, w1, x2, w2, b):
    slope = 1 - math.tanh(x1 * w1 + x2 * w2 + b) ** 2
    return (slope * w1, slope * x1, slope * w2, slope * x2, slope)


def topological_order(root):  # recursive, as in micrograd: fine for these depths
    order, visited = [], set()

    def visit(node):
        if id(node) not in visited:
            visited.add(id(node))
            for parent in node.parents:
                visit(parent)
            order.append(node)
    visit(root)
    return order


def backward(root):
    root.grad = 1.0
    for node in reversed(root.topological_order()):
        for parent, local in zip(node.parents, node.local_derivatives):
            parent.grad += local * node.grad


def stub(*args):
    raise NotImplementedError


# ---------------------------------------------------------------- right answers

def test_right_answers_pass():
    assert check.local_derivatives(local_derivatives)
    assert check.neuron_gradients(neuron_gradients)
    assert check.topological_order(topological_order)
    assert check.topological_order(lambda root: root.topological_order())
    assert check.backward(backward)
    assert check.backward(lambda root: root.backward())


def test_stubs_say_not_implemented_yet():
    for checker in (check.local_derivatives, check.neuron_gradients, check.topological_order,
                    check.backward):
        result = checker(stub)
        assert not result and "not implemented yet" in result.message


# ---------------------------------------------------------------- local derivatives

def with_one_wrong(op_wrong, answer):
    return lambda op, a, b=None: answer(a, b) if op == op_wrong else local_derivatives(op, a, b)


def test_local_derivatives_rejects_typical_mistakes():
    cases = [
        (with_one_wrong("*", lambda a, b: (a, b)), "a * b", "OTHER input"),
        (with_one_wrong("-", lambda a, b: (1.0, 1.0)), "a - b", "d/db = -1"),
        (with_one_wrong("/", lambda a, b: (1 / b, a / b**2)), "a / b", "sign"),
        (with_one_wrong("tanh", lambda a, b: (1 - math.tanh(a),)), "tanh(a)", "squared"),
        (with_one_wrong("exp", lambda a, b: math.exp(a)), "exp(a)", "shape (1,)"),
    ]
    for fn, label, words in cases:
        result = check.local_derivatives(fn)
        assert not result and f"case '{label}'" in result.message, result.message
        assert words in result.message and "expected" in result.message, result.message


# ---------------------------------------------------------------- the neuron

def test_neuron_rejects_a_missing_chain_rule_factor():
    result = check.neuron_gradients(lambda x1, w1, x2, w2, b: (w1, x1, w2, x2, 1.0))
    assert not result and "forgot the chain-rule factor" in result.message
    assert "expected: [-1.4999" in result.message and "received: [-3." in result.message


def test_neuron_rejects_swapped_inputs_and_a_wrong_tanh_slope():
    def swapped(x1, w1, x2, w2, b):
        g = neuron_gradients(x1, w1, x2, w2, b)
        return (g[1], g[0], g[3], g[2], g[4])

    def one_minus_t(x1, w1, x2, w2, b):
        slope = 1 - math.tanh(x1 * w1 + x2 * w2 + b)
        return (slope * w1, slope * x1, slope * w2, slope * x2, slope)

    assert "swapped" in check.neuron_gradients(swapped).message
    assert "not 1 - tanh(n)" in check.neuron_gradients(one_minus_t).message


def test_neuron_rejects_a_wrong_sign_with_the_case_hint():
    result = check.neuron_gradients(lambda *args: tuple(-g for g in neuron_gradients(*args)))
    assert not result and "hint: n = x1*w1" in result.message


# ---------------------------------------------------------------- topological order

def test_topological_order_rejects_duplicates_from_a_missing_visited_set():
    def no_visited(root):
        order = []

        def visit(node):
            for parent in node.parents:
                visit(parent)
            order.append(node)
        visit(root)
        return order
    result = check.topological_order(no_visited)
    assert not result and "appears twice" in result.message and "visited" in result.message


def test_topological_order_rejects_the_reversed_order():
    result = check.topological_order(lambda root: topological_order(root)[::-1])
    assert not result and "comes before its input" in result.message


def test_topological_order_rejects_missing_inputs_and_none():
    only_computed = lambda root: [n for n in topological_order(root) if n.parents]
    result = check.topological_order(only_computed)
    assert not result and "missing" in result.message
    assert "forget `return`" in check.topological_order(lambda root: None).message


# ---------------------------------------------------------------- backward

def test_backward_rejects_assignment_instead_of_accumulation():
    def assigning(root):
        root.grad = 1.0
        for node in reversed(root.topological_order()):
            for parent, local in zip(node.parents, node.local_derivatives):
                parent.grad = local * node.grad
    result = check.backward(assigning)
    assert not result and "used twice" in result.message
    assert "expected a.grad: 4\nreceived a.grad: 2" in result.message and "+=" in result.message


def test_backward_rejects_a_missing_seed_and_the_wrong_order():
    def unseeded(root):
        for node in reversed(root.topological_order()):
            for parent, local in zip(node.parents, node.local_derivatives):
                parent.grad += local * node.grad

    def forward_order(root):
        root.grad = 1.0
        for node in root.topological_order():
            for parent, local in zip(node.parents, node.local_derivatives):
                parent.grad += local * node.grad
    assert "root.grad = 1" in check.backward(unseeded).message
    assert "REVERSE topological order" in check.backward(forward_order).message


def test_backward_rejects_a_missing_local_derivative_and_reports_a_crash():
    def no_local(root):
        root.grad = 1.0
        for node in reversed(root.topological_order()):
            for parent in node.parents:
                parent.grad += node.grad
    result = check.backward(no_local)
    assert not result and "expected a.grad: -3\nreceived a.grad: 1" in result.message
    assert "local derivative" in result.message and "chain rule" in result.message
    crashed = check.backward(lambda root: root.nonexistent)
    assert not crashed and "raised AttributeError" in crashed.message
    assert "hint" not in crashed.message  # no slip explains a crash: no hint is guessed


def test_backward_checks_the_values_in_between_too():
    def halved_in_between(root):  # right inputs, wrong grads on the values in between
        root.backward()
        for node in root.topological_order():
            if node.label not in ("a", "b", "c"):
                node.grad /= 2
    result = check.backward(halved_in_between)
    assert not result and "the grad of each value in between is wrong" in result.message


# ---------------------------------------------------------------- exercise 5: the learner's Value

def test_the_course_value_passes_and_is_kept_but_nnkits_own_is_not(tmp_path, monkeypatch):
    import nnkit
    from nnkit import mine
    from nnkit.exercises.solutions import ch05 as course
    monkeypatch.setenv("NNKIT_MINE", str(tmp_path))
    result = check.value_class(course.Value)
    assert result and "22 cases" in result.message, result
    Value = mine.use("Value", reference=None, quiet=True)
    assert Value is not course.Value and Value.__module__ == "mine.ch05"
    a = Value(3.0)
    (a * a + a).backward()
    assert a.grad == 7.0
    other = tmp_path / "other"
    monkeypatch.setenv("NNKIT_MINE", str(other))
    assert check.value_class(nnkit.Value)  # it is right, but it is the library's, not the learner's
    assert not other.exists() or "Value" not in mine.library()


@pytest.mark.parametrize("index", range(len(check._VALUE_CLASS_SLIPS)))
def test_each_value_class_slip_gets_its_own_hint(index):
    slip, hint = check._VALUE_CLASS_SLIPS[index]
    text = check.value_class(check._value_variant(**slip)).message
    assert hint in text
    assert not any(other in text for i, (_, other) in enumerate(check._VALUE_CLASS_SLIPS)
                   if i != index)


class ClosureValue:
    """micrograd's way to store the graph: a `_backward` function per value."""

    def __init__(self, data, children=()):
        self.data, self.grad, self._prev = data, 0.0, children
        self._backward = lambda: None

    def _new(self, data, children, slopes):
        out = type(self)(data, children)

        def _backward():
            for child, slope in zip(children, slopes):
                child.grad += slope * out.grad
        out._backward = _backward
        return out

    def __add__(self, other):
        other = other if hasattr(other, "data") else type(self)(other)
        return self._new(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = other if hasattr(other, "data") else type(self)(other)
        return self._new(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, n):
        return self._new(self.data ** n, (self,), (n * self.data ** (n - 1),))

    def tanh(self):
        t = math.tanh(self.data)
        return self._new(t, (self,), (1 - t * t,))

    def exp(self):
        return self._new(math.exp(self.data), (self,), (math.exp(self.data),))

    def relu(self):
        return self._new(max(self.data, 0.0), (self,), (float(self.data > 0),))

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * other ** -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return -self + other

    def __rtruediv__(self, other):
        return self ** -1 * other

    def backward(self, reset=True):
        topo, seen = [], set()

        def build(v):
            if v not in seen:
                seen.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)
        build(self)
        for v in topo:
            if reset and v._prev:
                v.grad = 0.0
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


def test_a_micrograd_style_value_passes_once_backward_resets_the_intermediates():
    assert check.value_class(ClosureValue)

    class NoReset(ClosureValue):
        def backward(self):
            super().backward(reset=False)
    result = check.value_class(NoReset)
    assert not result and "backward() twice" in result.message
    assert "expected a.grad: -4" in result.message and "received a.grad: -7" in result.message
    assert "intermediate values" in result.message


def test_the_value_class_checker_names_missing_number_handling_and_bad_returns():
    class Unwrapped(ClosureValue):
        def __add__(self, other):
            return self._new(self.data + other.data, (self, other), (1.0, 1.0))
    text = check.value_class(Unwrapped).message
    assert "a + 1.5" in text and "isinstance(other, Value) else Value(other)" in text

    reflected = ("__radd__", "__rmul__", "__rsub__", "__rtruediv__")
    NoReflected = type("NoReflected", (), {name: method for name, method in
                                           vars(ClosureValue).items() if name not in reflected})
    text = check.value_class(NoReflected).message
    assert "1.5 + a" in text and "__radd__" in text

    class Unlinked(ClosureValue):
        def __neg__(self):
            return type(self)(-self.data)  # the right number, but no link back to self
    text = check.value_class(Unlinked).message
    assert "case 'a - b'" in text and "no gradient reached b" in text
    assert "REVERSE" not in text  # that slip would have failed 'a * b + a', which passed

    class FloatTanh(ClosureValue):
        def tanh(self):
            return math.tanh(self.data)
    text = check.value_class(FloatTanh).message
    assert "not a Value" in text and "float" in text

    class Stub:
        def __init__(self, data):
            raise NotImplementedError
    assert "not implemented yet" in check.value_class(Stub).message
    assert "expected a class" in check.value_class(lambda x: x).message


# ---------------------------------------------------------------- exercise 6: Neuron, Layer, MLP

def test_the_course_value_network_passes_and_is_kept(tmp_path, monkeypatch):
    from nnkit import mine
    from nnkit.exercises.solutions import ch05 as course
    monkeypatch.setenv("NNKIT_MINE", str(tmp_path))
    result = check.value_mlp(course.Neuron, course.Layer, course.MLP)
    assert result, result
    text = (tmp_path / "ch05.py").read_text()
    assert "class Module:" in text and "(chapter 05, exercise 6)" in text
    MLP = mine.use("MLP", reference=None, quiet=True)
    assert len(MLP(2, [3, 1]).parameters()) == 13


@pytest.mark.parametrize("index", range(len(check._VALUE_SLIPS)))
def test_each_value_network_slip_gets_its_own_hint(index):
    from nnkit.exercises.solutions import ch05 as course
    changes, hint = check._VALUE_SLIPS[index]
    text = check.value_mlp(course.Neuron, course.Layer,
                           check._values_variant(**changes)["MLP"]).message
    assert hint in text
    assert not any(other in text for i, (_, other) in enumerate(check._VALUE_SLIPS) if i != index)


def test_the_value_network_checker_counts_parameters_and_reports_stubs():
    from nnkit.exercises.solutions import ch05 as course

    class NoBias(course.Neuron):
        def parameters(self):
            return self.w

    class Layer(course.Layer):
        def __init__(self, num_inputs, num_outputs, nonlin=True):
            self.neurons = [NoBias(num_inputs, nonlin) for _ in range(num_outputs)]

    class MLP(course.MLP):
        def __init__(self, num_inputs, layer_sizes):
            sizes = [num_inputs] + list(layer_sizes)
            self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i < len(layer_sizes) - 1)
                           for i in range(len(layer_sizes))]
    assert "should hold 41 Values" in check.value_mlp(NoBias, Layer, MLP).message

    class Stub:
        def __init__(self, *args):
            raise NotImplementedError
    assert "not implemented yet" in check.value_mlp(Stub, Stub, Stub).message

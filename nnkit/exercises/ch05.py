r"""Checkers for chapter 05 (backpropagation on a graph of scalars).

    from nnkit.exercises import ch05 as check
    check.local_derivatives(my_local_derivatives)

One checker per exercise. Besides comparing with the right answer, each
checker recognises the typical wrong answers (a swapped factor, a missing
chain-rule factor, ``=`` instead of ``+=``) and says which one it saw.
"""
import math
import traceback

import numpy as np

from nnkit import mine
from nnkit.exercises.checking import (
    Case,
    CheckResult,
    Exercise,
    Problem,
    Slip,
    _show,
    attempt,
)
from nnkit.exercises.solutions import ch05 as course
from nnkit.value import Value

NNKIT_VALUE = Value  # the reference for the learner's own Value (exercise 5's argument hides the name)

__all__ = ["backward", "local_derivatives", "neuron_gradients", "topological_order", "value_class",
           "value_mlp"]

NOT_IMPLEMENTED = "not implemented yet: replace the `raise NotImplementedError` with your code."


def _call(fn, args):
    """(result, None) or (None, a sentence about what the learner's code raised)."""
    try:
        return fn(*args), None
    except NotImplementedError:
        return None, NOT_IMPLEMENTED
    except Exception as error:  # noqa: BLE001 - the learner's bug: report it, do not crash the cell
        where = traceback.extract_tb(error.__traceback__)[-1]
        return None, (f"your function raised {type(error).__name__}: {error} "
                      f"(line {where.lineno}{': ' + where.line if where.line else ''})")


def diagnosed(name, fn, reference, cases, mistakes=(), rtol=1e-6, atol=1e-9):
    """``check_function`` whose slips are ``(wrong_function, hint)`` pairs (the one engine,
    :class:`~nnkit.exercises.checking.Exercise`); tuples of numbers print as arrays."""
    slips = [Slip(hint, wrong=wrong) for wrong, hint in mistakes]
    return Exercise(name, reference, cases, slips, rtol=rtol, atol=atol,
                    show=lambda value: _show(_readable(value))).check(fn)


def _readable(value):
    """Tuples of numbers print as rounded arrays: (0.99996, -1.49994) not 17 digits."""
    if isinstance(value, tuple):
        try:
            return np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return value
    return value


# ---------------------------------------------------------------- exercise 1

def _local(op, a, b=None):
    x = Value(a)
    out = {"+": lambda: x + b, "-": lambda: x - b, "*": lambda: x * b, "/": lambda: x / b,
           "tanh": x.tanh, "exp": x.exp}[op]()
    return out.local_derivatives  # a constant b is a Value too: (d/da, d/db)


def local_derivatives(fn):
    r"""Exercise 1: ``fn(op, a, b=None)`` returns the local derivatives of one operation.

    For a binary op (``"+", "-", "*", "/"``) a tuple $(\partial z/\partial a,
    \partial z/\partial b)$; for ``"tanh"`` and ``"exp"`` a 1-tuple $(dz/da,)$.
    """
    cases = [
        Case(("+", 2.0, -3.0), "a + b", "adding passes the gradient through: both are 1."),
        Case(("-", 2.0, -3.0), "a - b", "z = a - b goes down when b goes up: d/db = -1."),
        Case(("*", 2.0, -3.0), "a * b",
             "each input's derivative is the OTHER input: d(ab)/da = b, d(ab)/db = a."),
        Case(("/", 3.0, 2.0), "a / b", "d(a/b)/da = 1/b and d(a/b)/db = -a/b**2."),
        Case(("tanh", 0.5), "tanh(a)",
             "d tanh(a)/da = 1 - tanh(a)**2 (squared), returned as a 1-tuple (value,)."),
        Case(("exp", 1.5), "exp(a)", "exp is its own derivative; return a 1-tuple (value,)."),
    ]
    mistakes = [
        (lambda op, a, b=None: (a, b) if op == "*" else _local(op, a, b),
         "you returned (a, b): each input's slope is the OTHER input, (b, a)."),
        (lambda op, a, b=None: (1.0, 1.0) if op == "-" else _local(op, a, b),
         "subtracting b: z = a - b goes DOWN when b goes up, so d/db = -1."),
        (lambda op, a, b=None: (1 / b, a / b**2) if op == "/" else _local(op, a, b),
         "check the sign of d(a/b)/db: it is -a/b**2."),
        (lambda op, a, b=None: (1 - math.tanh(a),) if op == "tanh" else _local(op, a, b),
         "the derivative of tanh is 1 - tanh(a)**2: the tanh is squared."),
    ]
    return diagnosed("local_derivatives", fn, _local, cases, mistakes)


# ---------------------------------------------------------------- exercise 2

def _neuron(x1, w1, x2, w2, b):
    inputs = [Value(v) for v in (x1, w1, x2, w2, b)]
    (inputs[0] * inputs[1] + inputs[2] * inputs[3] + inputs[4]).tanh().backward()
    return tuple(v.grad for v in inputs)


def _neuron_without_tanh_slope(x1, w1, x2, w2, b):
    return (w1, x1, w2, x2, 1.0)


def _neuron_swapped(x1, w1, x2, w2, b):
    g = _neuron(x1, w1, x2, w2, b)
    return (g[1], g[0], g[3], g[2], g[4])


def _neuron_one_minus_t(x1, w1, x2, w2, b):
    slope = 1 - math.tanh(x1 * w1 + x2 * w2 + b)
    return (slope * w1, slope * x1, slope * w2, slope * x2, slope)


def neuron_gradients(fn):
    r"""Exercise 2: ``fn(x1, w1, x2, w2, b)`` returns the 5 gradients of $\tanh(x_1w_1+x_2w_2+b)$.

    In the order (dx1, dw1, dx2, dw2, db), worked out by hand (no Value).
    """
    cases = [
        Case((2.0, -3.0, 0.0, 1.0, 6.8814), "the chapter's neuron (x1=2, w1=-3, x2=0, w2=1, b=6.8814)",
             "n = x1*w1 + x2*w2 + b, out = tanh(n): every gradient is (1 - out**2) times dn/d(input)."),
        Case((1.0, 0.5, -2.0, 0.25, 0.1), "another neuron"),
        Case((3.0, 2.0, 1.0, -1.0, 0.5), "a saturated neuron (n = 5.5)",
             "far from 0, tanh is flat: every gradient is tiny, but not 0."),
    ]
    mistakes = [
        (_neuron_without_tanh_slope, ("you forgot the chain-rule factor of tanh: every gradient "
                                     "is multiplied by d tanh(n)/dn = 1 - tanh(n)**2.")),
        (_neuron_swapped, "x and w are swapped: d(x*w)/dw = x and d(x*w)/dx = w."),
        (_neuron_one_minus_t, "the derivative of tanh is 1 - tanh(n)**2, not 1 - tanh(n)."),
    ]
    return diagnosed("neuron_gradients", fn, _neuron, cases, mistakes)


# ---------------------------------------------------------------- graphs for exercises 3 and 4

_GRAPH_INPUTS = {"a": 2.0, "b": -3.0, "c": 0.5}


def _graphs():
    """Small graphs with the traps: a reused value, a diamond, a long chain, a constant."""
    a, b, c = (Value(data, label=name) for name, data in _GRAPH_INPUTS.items())
    chain = a
    for _ in range(200):
        chain = chain * 1.001 + c
    d = a * b
    return [("a * b + c", a * b + c), ("a used twice: a * a", a * a),
            ("a * b + a (a reused)", a * b + a),
            ("a diamond: (d + 1) * (d - 1) with d = a * b", ((d + 1) * (d - 1)).tanh()),
            ("a chain 400 nodes long", chain)]


def _graph_nodes(root):
    nodes, stack = {}, [root]
    while stack:
        node = stack.pop()
        if id(node) not in nodes:
            nodes[id(node)] = node
            stack.extend(node.parents)
    return nodes


def _order_problem(root, order):
    """None if ``order`` is a valid topological order of the graph ending at root."""
    if order is None:
        return "your function returned None: did you forget `return`?"
    if not isinstance(order, (list, tuple)):
        return f"expected a list of Values, received a {type(order).__name__}"
    nodes = _graph_nodes(root)
    listed = {id(node) for node in order}
    missing = [node for key, node in nodes.items() if key not in listed]
    if missing:
        return (f"{len(missing)} of the {len(nodes)} values are missing, e.g. {missing[0]!r}: "
                "visit every parent of every node, inputs included")
    seen = {}
    for position, node in enumerate(order):
        if not isinstance(node, Value):
            return f"expected a list of Values, position {position} holds {node!r:.60}"
        if id(node) in seen:
            return (f"{node!r} appears twice (positions {seen[id(node)]} and {position}). "
                    "A value used twice must still be listed once: keep a `visited` set")
        if id(node) not in nodes:
            return f"{node!r} is not part of this graph"
        for parent in node.parents:
            if id(parent) not in seen:
                return (f"{node!r} comes before its input {parent!r}. Every value must come "
                        "AFTER the values it was made from: add a node to the list only "
                        "once all its parents are in (depth-first, append after the visit)")
        seen[id(node)] = position
    return None


def topological_order(fn):
    """Exercise 3: ``fn(root)`` returns every Value of the graph, each after its parents."""
    for label, root in _graphs():
        order, raised = _call(fn, (root,))
        if raised == NOT_IMPLEMENTED:
            return CheckResult("topological_order", False, raised)
        problem = raised or _order_problem(root, order)
        if problem:
            return CheckResult("topological_order", False, f"graph '{label}': {problem}.")
    return CheckResult("topological_order", True, "valid orders on all 5 graphs (a reused "
                       "value, a diamond, a 400-node chain).")


# ---------------------------------------------------------------- exercise 4

def _assigning_backward(root):  # the classic bug: = instead of +=
    root.grad = 1.0
    for node in reversed(root.topological_order()):
        for parent, local in zip(node.parents, node.local_derivatives):
            parent.grad = local * node.grad


def _forward_order_backward(root):  # visits the output last: grads are not ready yet
    root.grad = 1.0
    for node in root.topological_order():
        for parent, local in zip(node.parents, node.local_derivatives):
            parent.grad += local * node.grad


def _unseeded_backward(root):  # forgets dL/dL = 1
    for node in reversed(root.topological_order()):
        for parent, local in zip(node.parents, node.local_derivatives):
            parent.grad += local * node.grad


def _no_local_backward(root):  # passes the grad on without the local derivative
    root.grad = 1.0
    for node in reversed(root.topological_order()):
        for parent in node.parents:
            parent.grad += node.grad


BACKWARD_MISTAKES = [
    (_assigning_backward, ("a value used twice gets a contribution from each use: ADD them "
                          "with parent.grad += local * node.grad; `=` keeps only the last one.")),
    (_unseeded_backward, "start from the output: root.grad = 1 (dL/dL), before the loop."),
    (_forward_order_backward, ("visit the nodes in REVERSE topological order, output first, so "
                              "a node's grad is complete before you pass it on.")),
    (_no_local_backward, ("multiply by the local derivative: each parent gets "
                          "local * node.grad (the chain rule), not node.grad itself.")),
]


_BACKWARD_PARTS = ("a.grad", "b.grad", "c.grad", "the grad of each value in between")


def _grads(run, label):
    """Run ``run(root)`` on a fresh copy of graph ``label``; the answer it leaves behind:
    the inputs' grads, then the other values' grads in topological order."""
    root = dict(_graphs())[label]
    run(root)
    order = root.topological_order()
    inputs = {node.label: node.grad for node in order if node.label in _GRAPH_INPUTS}
    between = np.array([node.grad for node in order if node.label not in _GRAPH_INPUTS])
    return (*(inputs.get(name, 0.0) for name in _GRAPH_INPUTS), between)


def _show_graph(value):
    """A case's input is the name of its graph: show the numbers it starts from instead."""
    if isinstance(value, str):
        return ", ".join(f"{name} = {data:g}" for name, data in _GRAPH_INPUTS.items()) + \
            ", every .grad 0"
    return _show(_readable(value))


def backward(fn):
    """Exercise 4: ``fn(root)`` fills ``.grad`` of every Value, as ``root.backward()`` does.

    Given fresh graphs (all grads 0). Graphs where a value is used twice expose
    ``parent.grad = ...`` where ``parent.grad += ...`` is needed.
    """
    if not callable(fn):
        return CheckResult("backward", False, f"expected a function, received {_show(fn)}")
    cases = [Case((label,), label) for label, _ in _graphs()]
    slips = [Slip(hint, wrong=lambda label, wrong=wrong: _grads(wrong, label))
             for wrong, hint in BACKWARD_MISTAKES]
    return Exercise("backward", lambda label: _grads(Value.backward, label), cases, slips,
                    parts=_BACKWARD_PARTS, rtol=1e-6, atol=1e-9,
                    show=_show_graph).check(lambda label: _grads(fn, label))


# ---------------------------------------------------------------- exercise 5: your own Value

# Each case builds one expression from a = Value(2.0) and b = Value(-3.0), calls backward()
# and reads (result, a.grad, b.grad). The numbers are those of nnkit's Value.
_TWICE = "backward() twice on a * b + a: inputs' grads double"
_EXPRESSIONS = {
    "a + b": lambda a, b: a + b,
    "a * b": lambda a, b: a * b,
    "a * b + a (a used twice)": lambda a, b: a * b + a,
    "a + 1.5 (a number on the right)": lambda a, b: a + 1.5,
    "1.5 + a (a number on the left)": lambda a, b: 1.5 + a,
    "2.5 * a": lambda a, b: 2.5 * a,
    "a - b": lambda a, b: a - b,
    "1.5 - a": lambda a, b: 1.5 - a,
    "-a": lambda a, b: -a,
    "a ** 3": lambda a, b: a ** 3,
    "b ** 2 (a negative base)": lambda a, b: b ** 2,
    "a ** 0.5": lambda a, b: a ** 0.5,
    "a / b": lambda a, b: a / b,
    "1.5 / a": lambda a, b: 1.5 / a,
    "(a * 0.25).tanh()": lambda a, b: (a * 0.25).tanh(),
    "(a * 0.5).exp()": lambda a, b: (a * 0.5).exp(),
    "a.relu() and b.relu()": lambda a, b: a.relu() + b.relu(),
    "sum([a, b, a]) (sum starts from the number 0)": lambda a, b: sum([a, b, a]),
    "a diamond: d = a * b, then (d + 1) * (d - 1) (d used twice)": lambda a, b: _diamond(a, b),
    "a chain 400 nodes long": lambda a, b: _chain(a, b),
    "the neuron of section 7: tanh(2a + b + 6.88)": lambda a, b: (a * 2.0 + b + 6.8814).tanh(),
    _TWICE: lambda a, b: a * b + a,
}


def _diamond(a, b):
    d = a * b  # one intermediate value, used by two operations
    return ((d + 1) * (d - 1) * 0.01).tanh()


def _chain(a, b):
    out = a
    for _ in range(200):
        out = out * 1.001 + b * 0.001
    return out


def _expression(ValueClass, key):
    """(result, d result/da, d result/db) of one expression, built and backpropagated with
    ``ValueClass``."""
    a, b = ValueClass(2.0), ValueClass(-3.0)
    out = _EXPRESSIONS[key](a, b)
    if not (hasattr(out, "data") and hasattr(out, "backward")):  # a float, a tuple, None
        raise Problem(f"`{key.split(' (')[0]}` gave {out!r:.80} (a {type(out).__name__}), not a "
                      "Value: every operation must return a new Value")
    out.backward()
    if key == _TWICE:
        out.backward()
    if not all(isinstance(v.grad, (int, float)) for v in (a, b)):
        raise Problem(f"after backward(), a.grad is {a.grad!r:.60} and b.grad {b.grad!r:.60}: "
                      "each grad should be a plain number")
    return (out.data, a.grad, b.grad)


def _value_variant(**slip):
    """The course's Value with one usual mistake in it (``slip`` names which)."""

    class Slipped(course.Value):
        def __add__(self, other):
            other = other if isinstance(other, Slipped) else Slipped(other)
            return Slipped(self.data + other.data, (self, other), (1.0, 1.0))

        def __mul__(self, other):
            other = other if isinstance(other, Slipped) else Slipped(other)
            local = (self.data, other.data) if slip.get("mul_same") else (other.data, self.data)
            return Slipped(self.data * other.data, (self, other), local)

        def __pow__(self, n):
            slope = n * self.data ** n if slip.get("pow_power") else n * self.data ** (n - 1)
            return Slipped(self.data ** n, (self,), (slope,))

        def tanh(self):
            t = math.tanh(self.data)
            return Slipped(t, (self,), (1 - t if slip.get("tanh_unsquared") else 1 - t * t,))

        def exp(self):
            e = math.exp(self.data)
            return Slipped(e, (self,), (self.data if slip.get("exp_slope_x") else e,))

        def relu(self):
            slope = max(self.data, 0.0) if slip.get("relu_slope_x") else float(self.data > 0)
            return Slipped(max(self.data, 0.0), (self,), (slope,))

        def __rsub__(self, other):
            return self - other if slip.get("rsub_reversed") else -self + other

        def __rtruediv__(self, other):
            return self / other if slip.get("rdiv_reversed") else self ** -1 * other

        def backward(self):
            order, visited = [], set()

            def visit(node):
                if id(node) not in visited or slip.get("no_visited"):
                    visited.add(id(node))
                    for parent in node.parents:
                        visit(parent)
                    order.append(node)
            visit(self)
            if not slip.get("no_reset"):
                for node in order:
                    if node.parents or slip.get("reset_all"):
                        node.grad = 0.0
            if not slip.get("unseeded"):
                self.grad = 1.0
            for node in order if slip.get("forward_order") else reversed(order):
                for parent, local in zip(node.parents, node.local_derivatives):
                    if slip.get("assign"):
                        parent.grad = local * node.grad
                    else:
                        parent.grad += local * node.grad
    return Slipped


_VALUE_CLASS_SLIPS = [
    ({"mul_same": True}, ("in __mul__ each input's local derivative is the OTHER input: "
                         "d(ab)/da = b, d(ab)/db = a.")),
    ({"pow_power": True}, "d(a**n)/da = n * a**(n - 1): the power goes down by one."),
    ({"tanh_unsquared": True}, "the derivative of tanh is 1 - tanh(a)**2: the tanh is squared."),
    ({"exp_slope_x": True}, "exp is its own derivative: d exp(a)/da = exp(a), not a."),
    ({"relu_slope_x": True}, ("relu's slope is 1 where the input is positive and 0 elsewhere, "
                             "not the output itself.")),
    ({"rsub_reversed": True}, ("1.5 - a calls a.__rsub__(1.5): it must compute other - self, "
                              "not self - other.")),
    ({"rdiv_reversed": True}, ("1.5 / a calls a.__rtruediv__(1.5): it must compute other / self, "
                              "not self / other.")),
    ({"assign": True}, ("a value used twice gets a contribution from each use: ADD them with "
                       "parent.grad += local * node.grad; `=` keeps only the last one.")),
    ({"no_reset": True}, ("a second backward() must only add to the INPUTS' grads: set the grads "
                         "of the intermediate values (those with parents) to 0 at the start of "
                         "backward(), as nnkit's Value does; otherwise last pass's grads flow "
                         "through them again.")),
    ({"reset_all": True}, ("backward() should not zero the INPUTS' grads: they accumulate on "
                          "purpose (section 6), and zeroing them is zero_grad()'s job. Reset "
                          "only the intermediate values, those with parents.")),
    ({"no_visited": True}, ("a value used twice (d in the diamond) appears twice in your "
                           "topological order, so it passes its gradient on twice: keep a "
                           "`visited` set and list each value once (exercise 3).")),
    ({"unseeded": True}, "start from the output: self.grad = 1 (dL/dL), before the loop."),
    ({"forward_order": True}, ("visit the nodes in REVERSE topological order, output first, so a "
                              "node's grad is complete before you pass it on.")),
]


def _not_linked(args, received):
    """The result is right but no gradient reached the inputs: the graph was not recorded."""
    if isinstance(received, BaseException) or not isinstance(received, tuple) or len(received) != 3:
        return None
    expected = _expression(NNKIT_VALUE, args[0])
    lost = [name for name, got, want in zip("ab", received[1:], expected[1:])
            if got == 0 and want != 0]
    if math.isclose(received[0], expected[0], rel_tol=1e-7, abs_tol=1e-10) and lost:
        return (f"the result is right but no gradient reached {' or '.join(lost)}: an operation "
                "on the way returns a Value that does not remember the values it was made from "
                "(and their local derivatives), so backward() cannot reach them.")
    return None


def _number_not_wrapped(args, received):
    """An AttributeError or TypeError where a plain number meets a Value."""
    if not isinstance(received, (AttributeError, TypeError)):
        return None
    text = str(received)
    if "'float' object has no attribute" in text or "'int' object has no attribute" in text:
        return ("a plain number has no .data: in every operation, turn a number into a Value "
                "first: `other = other if isinstance(other, Value) else Value(other)`.")
    if "unsupported operand" in text and ("'float' and" in text or "'int' and" in text):
        return ("with the number on the LEFT (1.5 + a, 2.5 * a, sum(...)), Python calls "
                "a.__radd__(1.5), a.__rmul__, a.__rsub__, a.__rtruediv__: define them.")
    if "unsupported operand" in text:
        return ("this operation is missing from your Value: define it (each one is a line or "
                "two on top of +, * and **).")
    return None


def value_class(Value):
    """Exercise 5: the learner's own ``Value`` class, a scalar autograd engine.

    ``Value(data)`` holds a float in ``.data`` and a gradient in ``.grad`` (0.0 at first). It
    supports ``+ - * / **`` (a number exponent) with numbers on either side, unary ``-``,
    ``tanh()``, ``exp()``, ``relu()`` and ``backward()``. The checker builds 22 expressions
    from ``a = Value(2.0)`` and ``b = Value(-3.0)`` and compares the result and both
    gradients with nnkit's Value; one calls ``backward()`` twice, where the inputs' grads must
    exactly double. How the graph is stored inside is the learner's choice. Passing keeps the
    class in ``mine/ch05.py``.
    """
    name = "Value"
    if not isinstance(Value, type):
        return CheckResult(name, False, f"expected a class, value_class(Value); received "
                           f"{Value!r:.80}")
    cases = [Case((key,), key) for key in _EXPRESSIONS]
    slips = [Slip(hint, wrong=lambda key, s=slip: _expression(_value_variant(**s), key))
             for slip, hint in _VALUE_CLASS_SLIPS] + [Slip(None, diagnose=_number_not_wrapped),
                                                     Slip(None, diagnose=_not_linked)]
    return Exercise(name, lambda key: _expression(NNKIT_VALUE, key), cases, slips,
                    parts=("result", "a.grad", "b.grad"), rtol=1e-7, atol=1e-10,
                    show=lambda v: v if isinstance(v, str) else _show(v),
                    keep=(5, "5")).check(lambda key: _expression(Value, key), kept=Value)


# ---------------------------------------------------------------- exercise 6: a network of Values

_XOR_X = [(2.0, 1.0, 0.5), (-1.5, -1.0, 0.0), (1.0, -2.0, -0.5), (-2.0, 1.5, 1.0),
          (0.5, 0.5, -1.0), (-0.5, -0.5, 0.5)]
_XOR_Y = [1.0, 1.0, -1.0, -1.0, 1.0, 1.0]


def _train_values(classes, kind):
    """The learner's MLP(3, [4, 4, 1]) with fixed weights: its outputs, or 12 steps' losses."""
    model = classes["MLP"](3, [4, 4, 1])
    params = model.parameters()
    if len(params) != 41:
        raise _Count(len(params))
    for i, p in enumerate(params):  # the same starting weights for everyone
        p.data = math.sin(1.7 * i + 0.3)
    if kind == "forward":
        return [model(x).data for x in _XOR_X]
    losses = []
    for _ in range(12):
        loss = sum((model(x) - t) ** 2 for x, t in zip(_XOR_X, _XOR_Y)) * (1 / len(_XOR_X))
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= 0.05 * p.grad
        losses.append(loss.data)
    return losses


class _Count(Exception):
    def __init__(self, count):
        super().__init__(f"MLP(3, [4, 4, 1]).parameters() should hold 41 Values (4 neurons of "
                         f"3 weights and a bias, 4 of 4 and a bias, 1 of 4 and a bias). "
                         f"Received {count}")


def _values_variant(**changes):

    class Neuron(course.Neuron):
        def __call__(self, x):
            z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
            if changes.get("relu"):
                return z.relu() if self.nonlin else z
            return z.tanh() if (self.nonlin or changes.get("tanh_out")) and not \
                changes.get("linear_hidden") else z

        def zero_grad(self):
            if not changes.get("no_zero"):
                super().zero_grad()

    class Layer(course.Layer):
        def __init__(self, num_inputs, num_outputs, nonlin=True):
            self.neurons = [Neuron(num_inputs, nonlin) for _ in range(num_outputs)]

    class MLP(course.MLP):
        def __init__(self, num_inputs, layer_sizes):
            sizes = [num_inputs] + list(layer_sizes)
            self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i < len(layer_sizes) - 1)
                           for i in range(len(layer_sizes))]

        def zero_grad(self):
            if not changes.get("no_zero"):
                super().zero_grad()
    return {"MLP": MLP}


_VALUE_SLIPS = [
    ({"tanh_out": True}, ("the last layer should be linear (nonlin=False): its output is a raw "
                         "score, not squashed into -1..1.")),
    ({"linear_hidden": True}, ("the hidden neurons need their tanh: without it the network is "
                              "one linear function, however many layers.")),
    ({"relu": True}, "this chapter's hidden neurons use tanh (Value.tanh), not ReLU."),
    ({"no_zero": True}, ("zero_grad() should set every parameter's grad to 0: the gradients "
                        "of earlier steps are piling up.")),
]


def value_mlp(Neuron, Layer, MLP):
    """Exercise 6: micrograd-style ``Neuron``, ``Layer``, ``MLP`` of Values that train.

    With the same starting weights as the course's network, the learner's
    ``MLP(3, [4, 4, 1])`` must give the same outputs and the same losses over 12 steps of
    gradient descent (the checker calls ``zero_grad()``, ``backward()`` and updates). Passing
    keeps the classes in ``mine/ch05.py``.
    """
    name = "Neuron, Layer, MLP"
    if not all(isinstance(c, type) for c in (Neuron, Layer, MLP)):
        return CheckResult(name, False, "expected three classes: value_mlp(Neuron, Layer, MLP).")
    classes = {"MLP": MLP}
    counted = attempt(lambda: _train_values(classes, "forward"), ())
    if isinstance(counted, _Count):
        return CheckResult(name, False, str(counted))
    cases = [Case(("forward",), "the outputs on six points, given the same weights"),
             Case(("training",), "12 steps of gradient descent: the losses")]
    slips = [Slip(hint, wrong=lambda kind, c=changes: _train_values(_values_variant(**c), kind))
             for changes, hint in _VALUE_SLIPS]
    result = Exercise(name, lambda kind: _train_values({"MLP": course.MLP}, kind), cases, slips,
                      rtol=1e-9, atol=1e-12, show=lambda v: "MLP(3, [4, 4, 1])"
                      if isinstance(v, str) else _readable_show(v)).check(
        lambda kind: _train_values(classes, kind))
    if not result:
        return result
    made_of = type(MLP(1, [1]).parameters()[0])  # the Value class the network is built from
    if made_of.__module__ != "nnkit.value" and not _kept_value(made_of):
        # the learner's file would name a Value it does not hold: keep both or neither
        return result
    base = next((b for b in MLP.__mro__[1:] if b is not object and b.__module__ == MLP.__module__
                 and b not in (Neuron, Layer)), None)
    # the base is kept as ValueModule: "Module" in the library is chapter 03's layer base
    kept = ([mine.keep(base, 5, "6", name="ValueModule")] if base else []) + \
        [mine.keep(cls, 5, "6") for cls in (Neuron, Layer, MLP)]
    if all(kept):
        result.message += f" Kept in your library: {kept[0]}"
    return result


def _kept_value(value_type):
    """True when ``value_type`` passes exercise 5 and is (now) kept in ``mine/ch05.py``."""
    return bool(value_class(value_type)) and "Value" in mine.library()


def _readable_show(value):
    return _show(_readable(value) if not isinstance(value, list) else np.asarray(value))

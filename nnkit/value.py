r"""A scalar autograd engine: backpropagation one number at a time (chapter 05).

A :class:`Value` holds one number and remembers the operation that made it
and the values it was made from, so every expression becomes a graph. Each
operation also records its *local derivatives*: how much its result moves
per unit move of each input, $\partial \text{out} / \partial \text{in}$,
evaluated at the forward values. :meth:`Value.backward` then applies the
chain rule from the output back to the inputs,

$$\frac{\partial L}{\partial x} = \sum_{y \,\text{uses}\, x}
  \frac{\partial L}{\partial y}\,\frac{\partial y}{\partial x},$$

visiting the graph in reverse topological order and adding (``+=``) one
contribution per use, so a value used twice gets both.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> loss = (a * b + a).tanh()
    >>> loss.backward()

Chapter 06 does the same with whole arrays (:mod:`nnkit.autograd`).
"""
import math
import numbers


class Value:
    """One number in a computation graph, with the gradient of the output with respect to it.

    Attributes:
        data: the number (a float).
        grad: d(output)/d(self) after ``backward()``; 0.0 before.
        label: a name for pictures and traces ("" if none).
        op: the operation that made this value ("+", "*", "**2", "tanh", ...; "" for an input).
        parents: the values it was made from, in argument order.
        local_derivatives: d(self)/d(parent) for each parent, at the forward values.
    """

    def __init__(self, data, label=""):
        if isinstance(data, bool) or not isinstance(data, numbers.Real):
            raise TypeError("Value expects a real number (int or float). "
                            f"Received: data={data!r} (type {type(data).__name__})")
        if not isinstance(label, str):
            raise TypeError(f"Value expects label to be a string. Received: label={label!r}")
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self.op = ""
        self.parents = ()
        self.local_derivatives = ()

    @classmethod
    def _from_op(cls, data, op, parents, local_derivatives):
        out = cls(data)
        out.op, out.parents = op, tuple(parents)
        out.local_derivatives = tuple(float(d) for d in local_derivatives)
        return out

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={_short(self.data)}, grad={_short(self.grad)}{label})"

    # ---- arithmetic: each result sits next to its local derivatives ----

    def __add__(self, other):  # self + other
        other = _as_value(other, "+")
        return Value._from_op(self.data + other.data, "+", (self, other), (1.0, 1.0))

    def __sub__(self, other):  # self - other
        other = _as_value(other, "-")
        return Value._from_op(self.data - other.data, "-", (self, other), (1.0, -1.0))

    def __mul__(self, other):  # self * other
        other = _as_value(other, "*")
        # d(ab)/da = b and d(ab)/db = a: each input's slope is the other input
        return Value._from_op(self.data * other.data, "*", (self, other), (other.data, self.data))

    def __truediv__(self, other):  # self / other
        other = _as_value(other, "/")
        a, b = self.data, other.data
        if b == 0:
            raise ZeroDivisionError(f"division by zero in Value: {a:g} / {b:g}{_named(other)}")
        return Value._from_op(a / b, "/", (self, other), (1 / b, -a / b**2))

    def __neg__(self):  # -self
        return Value._from_op(-self.data, "neg", (self,), (-1.0,))

    def __pow__(self, exponent):  # self ** exponent
        a = self.data
        if isinstance(exponent, Value):
            if a <= 0:
                raise ValueError("a ** b with a Value exponent b needs a positive base a, because "
                                 "d(a**b)/db = a**b * log(a). "
                                 f"Received: {a:g} ** {exponent.data:g}{_named(self)}")
            out = _power(a, exponent.data)
            slopes = (exponent.data * a ** (exponent.data - 1), out * math.log(a))
            return Value._from_op(out, "**", (self, exponent), slopes)
        _check_number(exponent, "**")
        out = _power(a, exponent)
        if a == 0 and exponent < 1:
            # NOTE: x**0 is flat (slope 0); x**0.5 is vertical at 0 (infinite slope)
            slope = 0.0 if exponent == 0 else math.inf
        else:
            slope = exponent * a ** (exponent - 1)
        return Value._from_op(out, f"**{exponent:g}", (self,), (slope,))

    def __radd__(self, other):  # other + self
        return _as_value(other, "+") + self

    def __rsub__(self, other):  # other - self
        return _as_value(other, "-") - self

    def __rmul__(self, other):  # other * self
        return _as_value(other, "*") * self

    def __rtruediv__(self, other):  # other / self
        return _as_value(other, "/") / self

    def __rpow__(self, other):  # other ** self
        return _as_value(other, "**") ** self

    # ---- functions of one value ----

    def exp(self):
        try:
            out = math.exp(self.data)
        except OverflowError:
            raise OverflowError(f"exp({self.data:g}) is too large for a float{_named(self)}") from None
        return Value._from_op(out, "exp", (self,), (out,))  # exp is its own derivative

    def log(self):
        if self.data <= 0:
            raise ValueError("log expects a positive number. "
                             f"Received: log({self.data:g}){_named(self)}")
        return Value._from_op(math.log(self.data), "log", (self,), (1 / self.data,))

    def tanh(self):
        t = math.tanh(self.data)
        return Value._from_op(t, "tanh", (self,), (1 - t * t,))

    def sigmoid(self):
        x = self.data
        # two forms, so that exp never overflows for large |x|
        s = 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
        return Value._from_op(s, "sigmoid", (self,), (s * (1 - s),))

    def relu(self):
        # NOTE: relu has no derivative at exactly 0; we use 0 there, as PyTorch does
        return Value._from_op(max(self.data, 0.0), "relu", (self,), (float(self.data > 0),))

    # ---- backward ----

    def topological_order(self):
        """Every value of the graph ending here, each after all the values it was made from.

        Parents are visited in argument order, so the order is the same on every run.
        An explicit stack instead of recursion: a long sum built in a loop would
        exceed Python's recursion limit.
        """
        order, visited, stack = [], set(), [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif id(node) not in visited:
                visited.add(id(node))
                stack.append((node, True))
                stack.extend((parent, False) for parent in reversed(node.parents)
                             if id(parent) not in visited)
        return order

    def backward(self):
        """Fill ``.grad`` of every value in the graph with d(self)/d(value).

        The output's grad is set to 1 (dL/dL). Inputs (values with no parents)
        *accumulate*: calling ``backward()`` twice without ``zero_grad()`` adds
        the gradients twice, so they double. That is deliberate (chapter 05):
        it is how the contributions of several losses add up, and why a
        training loop zeroes the gradients before each step. Intermediate
        values hold the gradient of the latest pass only.
        """
        order = self.topological_order()
        for node in order:
            if node.parents:
                node.grad = 0.0  # an intermediate's grad belongs to this pass only
        self.grad = 1.0
        for node in reversed(order):  # every node after all the nodes that use it
            for parent, local in zip(node.parents, node.local_derivatives):
                parent.grad += local * node.grad  # the chain rule, one edge at a time

    def zero_grad(self):
        """Set ``.grad`` to 0 for every value in the graph ending here."""
        for node in self.topological_order():
            node.grad = 0.0

# ---- helpers ----

def _check_number(x, op):
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"Value {op} expects a number or a Value. "
                        f"Received: {x!r} (type {type(x).__name__})")


def _as_value(x, op):
    """Python numbers mix in: they become input Values (constants) in the graph."""
    if isinstance(x, Value):
        return x
    _check_number(x, op)
    return Value(x)


def _short(x):
    return repr(float(f"{x:.6g}"))  # 6 significant digits, but 2.0 stays "2.0"


def _named(value):
    return f" (label {value.label!r})" if value.label else ""


def _power(base, exponent):
    if base < 0 and exponent != int(exponent):
        raise ValueError(f"{base:g} ** {exponent:g} is not a real number "
                         "(a negative base needs a whole-number exponent)")
    try:
        return float(base ** exponent)
    except ZeroDivisionError:
        raise ZeroDivisionError(f"division by zero in Value: {base:g} ** {exponent:g} "
                                "(zero to a negative power)") from None
    except OverflowError:
        raise OverflowError(f"{base:g} ** {exponent:g} is too large for a float") from None

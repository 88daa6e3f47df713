"""Chapter 05's build exercises, the course's answers.

Exercise 5: ``Value``, a scalar autograd engine in the fewest lines that still behave like
nnkit's :class:`nnkit.value.Value`: numbers mix in on either side, ``backward()`` visits the
graph in reverse topological order and adds (``+=``) one contribution per use, and only the
inputs keep their gradients from one ``backward()`` to the next (so a second call doubles them).

Exercise 6: micrograd-style ``Neuron``, ``Layer`` and ``MLP`` made of those ``Value``s, on a
``Module`` base with ``parameters()`` and ``zero_grad()``. Hidden layers use tanh; the last
layer is linear (a raw score), as in micrograd. The order of ``parameters()`` is layer by
layer, neuron by neuron, each neuron's weights then its bias.
"""
import math
import random


class Value:
    def __init__(self, data, parents=(), local_derivatives=()):
        self.data = float(data)
        self.grad = 0.0
        self.parents = parents                    # the values this one was made from
        self.local_derivatives = local_derivatives  # d(self)/d(parent), one per parent

    def __repr__(self):
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, n):  # n is a plain number
        return Value(self.data ** n, (self,), (n * self.data ** (n - 1),))

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), (1 - t * t,))

    def exp(self):
        e = math.exp(self.data)
        return Value(e, (self,), (e,))

    def relu(self):
        return Value(max(self.data, 0.0), (self,), (1.0 if self.data > 0 else 0.0,))

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * other ** -1

    def __radd__(self, other):  # 1 + v, and sum(), which starts from 0
        return self + other

    def __rmul__(self, other):  # 2 * v
        return self * other

    def __rsub__(self, other):  # 1 - v
        return -self + other

    def __rtruediv__(self, other):  # 1 / v
        return self ** -1 * other

    def backward(self):
        order, visited = [], set()

        def visit(node):
            if id(node) not in visited:
                visited.add(id(node))
                for parent in node.parents:
                    visit(parent)
                order.append(node)  # after everything it was made from
        visit(self)
        for node in order:
            if node.parents:
                node.grad = 0.0  # an intermediate's grad belongs to this pass only
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local_derivatives):
                parent.grad += local * node.grad


class Module:
    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0  # otherwise the gradients of all steps pile up

    def parameters(self):
        return []


class Neuron(Module):
    def __init__(self, num_inputs, nonlin=True):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(num_inputs)]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x):
        z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return z.tanh() if self.nonlin else z

    def parameters(self):
        return self.w + [self.b]


class Layer(Module):
    def __init__(self, num_inputs, num_outputs, nonlin=True):
        self.neurons = [Neuron(num_inputs, nonlin) for _ in range(num_outputs)]

    def __call__(self, x):
        out = [neuron(x) for neuron in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for neuron in self.neurons for p in neuron.parameters()]


class MLP(Module):
    def __init__(self, num_inputs, layer_sizes):
        sizes = [num_inputs] + list(layer_sizes)
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i < len(layer_sizes) - 1)
                       for i in range(len(layer_sizes))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
            x = x if isinstance(x, list) else [x]
        return x[0] if len(x) == 1 else x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

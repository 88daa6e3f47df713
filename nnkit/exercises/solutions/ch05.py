"""Chapter 05's build exercise, the course's answer: micrograd-style ``Neuron``, ``Layer`` and
``MLP`` made of ``Value``s, on a ``Module`` base with ``parameters()`` and ``zero_grad()``.

Hidden layers use tanh; the last layer is linear (a raw score), as in micrograd. The order of
``parameters()`` is layer by layer, neuron by neuron, each neuron's weights then its bias.
"""
import random

from nnkit.value import Value


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

"""Chapter 03's build exercise, the course's answer: ``Module``, ``Linear``, ``Sequential``.

NumPy only, PyTorch's names and conventions. ``parameters()`` returns the arrays themselves
(not copies), so code that updates them in place (an optimizer, chapter 07) changes the
model. Chapter 06 swaps the arrays for tensors that record gradients, and the same classes
learn.
"""
import numpy as np


class Module:
    """A piece of a network: calling it runs ``forward``; it lists its learnable arrays."""

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        raise NotImplementedError

    def parameters(self):
        return []


class Linear(Module):
    """``x @ weight.T + bias``; weight of shape (out_features, in_features)."""

    def __init__(self, in_features, out_features):
        self.in_features, self.out_features = in_features, out_features
        bound = 1 / np.sqrt(in_features)  # PyTorch's default: uniform in +-1/sqrt(fan_in)
        self.weight = np.random.uniform(-bound, bound, (out_features, in_features))
        self.bias = np.random.uniform(-bound, bound, out_features)

    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise ValueError(f"Linear expected {self.in_features} features in the last "
                             f"dimension. Received shape {x.shape}")
        return x @ self.weight.T + self.bias

    def parameters(self):
        return [self.weight, self.bias]


class Sequential(Module):
    """Call each layer on the output of the one before."""

    def __init__(self, *layers):
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

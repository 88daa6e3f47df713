r"""Initial weights (chapter 08): the scale at which a network starts matters.

With $n_{in}$ inputs per unit, weights of variance $1/n_{in}$ keep the
variance of activations roughly constant from layer to layer; Xavier/Glorot
uses $2/(n_{in}+n_{out})$ (for tanh, sigmoid), Kaiming/He $2/n_{in}$ (for
ReLU, which zeroes half its inputs). All functions fill a Tensor in place
from nnkit's generator and return it, as ``torch.nn.init`` does.
"""
import math

from nnkit.random import generator


def _fans(tensor):
    if tensor.ndim < 2:
        raise ValueError(f"init: fan in and fan out need a tensor with at least 2 dimensions. "
                         f"Received shape {tensor.shape}")
    receptive = math.prod(tensor.shape[2:])  # kernel size for convolutions, 1 otherwise
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def calculate_gain(nonlinearity, param=None):
    """The factor that keeps activations' scale, per nonlinearity (as PyTorch)."""
    gains = {"linear": 1.0, "conv2d": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": math.sqrt(2.0),
             "selu": 0.75}
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity not in gains:
        raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}. Expected one of "
                         f"{sorted(gains) + ['leaky_relu']}")
    return gains[nonlinearity]


def uniform_(tensor, a=0.0, b=1.0):
    tensor.data[...] = generator().uniform(a, b, tensor.shape)
    return tensor


def normal_(tensor, mean=0.0, std=1.0):
    tensor.data[...] = generator().normal(mean, std, tensor.shape)
    return tensor


def constant_(tensor, value):
    tensor.data[...] = value
    return tensor


def zeros_(tensor):
    return constant_(tensor, 0.0)


def ones_(tensor):
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor, gain=1.0):
    r"""Glorot: uniform in $\pm\, g\sqrt{6/(n_{in}+n_{out})}$."""
    fan_in, fan_out = _fans(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor, gain=1.0):
    r"""Glorot: normal with std $g\sqrt{2/(n_{in}+n_{out})}$."""
    fan_in, fan_out = _fans(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def _kaiming_std(tensor, a, mode, nonlinearity):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming: expected mode 'fan_in' or 'fan_out'. Received mode={mode!r}")
    fan_in, fan_out = _fans(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    r"""He: uniform in $\pm\sqrt{3}\,g/\sqrt{n}$ (PyTorch's Linear default uses $a=\sqrt5$)."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    r"""He: normal with std $g/\sqrt{n}$."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity))


# the names used in papers and other courses
glorot_uniform_, glorot_normal_ = xavier_uniform_, xavier_normal_
he_uniform_, he_normal_ = kaiming_uniform_, kaiming_normal_

r"""Convolutional layers (chapter 10): Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Dropout2d.

Layout NCHW (batch, channels, height, width) as PyTorch. A convolution
shares one small filter across every position of the image: a 3x3 filter
from 1 to 8 channels has 80 parameters however large the image, where a
dense layer from 28x28 to 8x26x26 would need over 4 million.
"""
import math

import numpy as np

from nnkit import ops
from nnkit.nn import init
from nnkit.nn.layers import _positive_int
from nnkit.nn.module import Module, Parameter, match_dtype
from nnkit.random import generator
from nnkit.tensor import Tensor


def _pair(value, name, layer, minimum=1):
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer))
                             or v < minimum for v in pair):
        raise ValueError(f"{layer}: expected {name} to be an integer >= {minimum} or a pair of "
                         f"them. Received {name}={value!r}")
    return tuple(int(v) for v in pair)


def _check_image(x, channels, layer):
    if x.ndim != 4 or (channels is not None and x.shape[1] != channels):
        expected = f"(N, {channels}, H, W)" if channels is not None else "(N, C, H, W)"
        raise ValueError(f"{layer}: expected input of shape {expected}. Received shape "
                         f"{tuple(x.shape)}")


def _check_fits(x, kernel, stride, padding, dilation, layer):
    for axis, name in ((0, "height"), (1, "width")):
        size = x.shape[2 + axis]
        if ops.conv.output_size(size, kernel[axis], stride[axis], padding[axis],
                                dilation[axis]) < 1:
            raise ValueError(f"{layer}: the kernel ({kernel[axis]} with dilation "
                             f"{dilation[axis]}) does not fit in an input of {name} {size} "
                             f"with padding {padding[axis]}. Received shape {tuple(x.shape)}")


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    stride, padding = _pair(stride, "stride", "conv2d"), _pair(padding, "padding", "conv2d", 0)
    dilation = _pair(dilation, "dilation", "conv2d")
    _check_image(x, weight.shape[1], "conv2d")
    _check_fits(x, weight.shape[2:], stride, padding, dilation, "conv2d")
    return ops.Conv2d.apply(x, weight, bias, stride=stride, padding=padding, dilation=dilation)


def max_pool2d(x, kernel_size, stride=None, padding=0):
    kernel = _pair(kernel_size, "kernel_size", "max_pool2d")
    stride = _pair(kernel_size if stride is None else stride, "stride", "max_pool2d")
    padding = _pair(padding, "padding", "max_pool2d", 0)
    _check_image(x, None, "max_pool2d")
    _check_fits(x, kernel, stride, padding, (1, 1), "max_pool2d")
    return ops.MaxPool2d.apply(x, kernel=kernel, stride=stride, padding=padding)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    kernel = _pair(kernel_size, "kernel_size", "avg_pool2d")
    stride = _pair(kernel_size if stride is None else stride, "stride", "avg_pool2d")
    padding = _pair(padding, "padding", "avg_pool2d", 0)
    _check_image(x, None, "avg_pool2d")
    _check_fits(x, kernel, stride, padding, (1, 1), "avg_pool2d")
    return ops.AvgPool2d.apply(x, kernel=kernel, stride=stride, padding=padding)


def adaptive_avg_pool2d(x, output_size):
    """Average over windows that tile the image into ``output_size`` (h, w) cells.

    An int means a square; None in a pair keeps that side's input size.
    """
    _check_image(x, None, "adaptive_avg_pool2d")
    sizes = _output_pair(output_size, "adaptive_avg_pool2d")
    sizes = tuple(x.shape[2 + a] if s is None else s for a, s in enumerate(sizes))
    return ops.AdaptiveAvgPool2d.apply(x, output_size=sizes)


def _output_pair(output_size, layer):
    """An int or an (h, w) pair of positive ints, where None means "keep the input's size"."""
    pair = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    _pair(tuple(1 if s is None else s for s in pair), "output_size", layer)
    return pair


def dropout2d(x, p=0.5, training=True):
    """Zero whole channels (feature maps) with probability p, scale the rest by 1/(1-p)."""
    if not 0 <= p < 1:
        raise ValueError(f"dropout2d: expected a probability 0 <= p < 1. Received p={p}")
    if not training or p == 0:
        return x
    keep = generator().random(x.shape[:2] + (1,) * (x.ndim - 2)) >= p
    return x * Tensor(keep.astype(x.dtype) / (1 - p), dtype=x.dtype)


class Conv2d(Module):
    r"""2-D convolution over NCHW images.

    Args:
        in_channels, out_channels: channels of input and output.
        kernel_size, stride, padding, dilation: an int or an (h, w) pair.
        bias: learn one bias per output channel.

    Shape: (N, C_in, H, W) -> (N, C_out, H_out, W_out) with
    $H_{out} = \lfloor (H + 2p - d(k-1) - 1)/s \rfloor + 1$.
    ``weight`` is (out_channels, in_channels, kh, kw), initialised as PyTorch's
    (uniform in $\pm 1/\sqrt{C_{in} k_h k_w}$).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 bias=True):
        super().__init__()
        self.in_channels = _positive_int(in_channels, "in_channels", "Conv2d")
        self.out_channels = _positive_int(out_channels, "out_channels", "Conv2d")
        self.kernel_size = _pair(kernel_size, "kernel_size", "Conv2d")
        self.stride = _pair(stride, "stride", "Conv2d")
        self.padding = _pair(padding, "padding", "Conv2d", minimum=0)
        self.dilation = _pair(dilation, "dilation", "Conv2d")
        shape = (self.out_channels, self.in_channels) + self.kernel_size
        self.weight = Parameter(np.empty(shape, np.float32))
        self.bias = Parameter(np.empty(self.out_channels, np.float32)) if bias else None
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_channels * math.prod(self.kernel_size))
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        x = match_dtype(x, self.weight.dtype)
        if x.ndim != 4 or x.shape[1] != self.in_channels:  # name the layer only on error
            _check_image(x, self.in_channels, repr(self))
        return conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)

    def extra_repr(self):
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        return text + ("" if self.bias is not None else ", bias=False")


class MaxPool2d(Module):
    """Keep the largest value of each kernel_size window (stride defaults to kernel_size)."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride or kernel_size, padding
        _pair(kernel_size, "kernel_size", "MaxPool2d")

    def forward(self, x):
        return max_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(MaxPool2d):
    """Average each kernel_size window."""

    def forward(self, x):
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class AdaptiveAvgPool2d(Module):
    """Average-pool any (N, C, H, W) to (N, C, *output_size): e.g. 1 for a global average.

    Args:
        output_size: an int (square) or an (h, w) pair; None keeps that side.

    Example::

        >>> nn.AdaptiveAvgPool2d(1)(nnkit.zeros(8, 16, 7, 7)).shape
        (8, 16, 1, 1)
    """

    def __init__(self, output_size):
        super().__init__()
        _output_pair(output_size, "AdaptiveAvgPool2d")
        self.output_size = output_size

    def forward(self, x):
        return adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class Dropout2d(Module):
    """Zero whole feature maps with probability p while training."""

    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"Dropout2d: expected a probability 0 <= p < 1. Received p={p}")
        self.p = p

    def forward(self, x):
        return dropout2d(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"

r"""Convolution and pooling on NCHW arrays (chapter 10).

Convolution is computed as one matrix product ("im2col"): every receptive
field of the input is unrolled into a row of a matrix, so that sliding the
filters over the image becomes ``patches @ weights.T``, handed to BLAS.
Why this and not direct loops: at course sizes (MNIST, 3x3 kernels, a few
to a few dozen channels) BLAS does the multiply-adds several times faster
than hand-written loops (see ../shared/PERF-NOTES.md: direct NCHW loops
ran at half PyTorch's speed, im2col + BLAS above it). Unrolling costs
memory (each input pixel is copied up to kh*kw times), which is small here.

Backward is the transpose of the same matrix products; the gradient of the
patches is folded back onto the image ("col2im") by adding, for each of
the kh*kw kernel offsets, a strided slice: kh*kw NumPy additions instead
of a Python loop over pixels.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from nnkit.autograd import Function


def output_size(size, kernel, stride, padding, dilation=1):
    """Positions a kernel fits in: floor((size + 2p - d(k-1) - 1)/s) + 1."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _pad(x, padding, value=0.0):
    if padding == (0, 0):
        return x
    ph, pw = padding
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _windows(xp, kernel, stride, dilation, out_hw):
    """A strided view (N, C, OH, OW, kh, kw) of every receptive field: no copy."""
    n, c = xp.shape[:2]
    sn, sc, sh, sw = xp.strides
    shape = (n, c, out_hw[0], out_hw[1], kernel[0], kernel[1])
    strides = (sn, sc, sh * stride[0], sw * stride[1], sh * dilation[0], sw * dilation[1])
    return as_strided(xp, shape=shape, strides=strides, writeable=False)


def _fold(patch_grad, padded_shape, kernel, stride, dilation, out_hw):
    """col2im: add each kernel offset's gradient slice back onto the padded image."""
    grad = np.zeros(padded_shape, dtype=patch_grad.dtype)
    oh, ow = out_hw
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            top, left = i * dilation[0], j * dilation[1]
            grad[:, :, top:top + stride[0] * oh:stride[0],
                 left:left + stride[1] * ow:stride[1]] += patch_grad[:, :, :, :, i, j]
    return grad


def _unpad(grad, padding):
    ph, pw = padding
    return grad[:, :, ph:grad.shape[2] - ph, pw:grad.shape[3] - pw]


class Conv2d(Function):
    r"""$y_{n,o} = b_o + \sum_{c} w_{o,c} \star x_{n,c}$ (cross-correlation, as in PyTorch).

    Shapes: x (N, C, H, W), weight (O, C, kh, kw), bias (O,) -> (N, O, OH, OW).
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
        n, c, h, w = x.shape
        o, _, kh, kw = weight.shape
        out_hw = (output_size(h, kh, stride[0], padding[0], dilation[0]),
                  output_size(w, kw, stride[1], padding[1], dilation[1]))
        xp = _pad(x, padding)
        # (N, OH, OW, C, kh, kw) rows: one receptive field per output position
        patches = _windows(xp, (kh, kw), stride, dilation, out_hw).transpose(0, 2, 3, 1, 4, 5)
        patches = patches.reshape(n * out_hw[0] * out_hw[1], c * kh * kw)
        out = patches @ weight.reshape(o, -1).T
        if bias is not None:
            out += bias
        ctx.save_for_backward(patches, weight)
        ctx.geometry = (x.shape, xp.shape, stride, padding, dilation, out_hw, bias is not None)
        return np.ascontiguousarray(out.reshape(n, out_hw[0], out_hw[1], o).transpose(0, 3, 1, 2))

    @staticmethod
    def backward(ctx, grad):
        patches, weight = ctx.saved
        x_shape, padded_shape, stride, padding, dilation, out_hw, has_bias = ctx.geometry
        o, c, kh, kw = weight.shape
        rows = grad.transpose(0, 2, 3, 1).reshape(-1, o)  # (N*OH*OW, O)
        grad_w = (rows.T @ patches).reshape(weight.shape) if ctx.needs_input_grad[1] else None
        grad_b = rows.sum(axis=0) if has_bias else None
        grad_x = None
        if ctx.needs_input_grad[0]:
            patch_grad = (rows @ weight.reshape(o, -1)).reshape(
                x_shape[0], out_hw[0], out_hw[1], c, kh, kw).transpose(0, 3, 1, 2, 4, 5)
            grad_x = _unpad(_fold(patch_grad, padded_shape, (kh, kw), stride, dilation, out_hw),
                            padding)
        return grad_x, grad_w, grad_b


class MaxPool2d(Function):
    """The largest value in each window; the gradient goes to where it was."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding):
        n, c, h, w = x.shape
        out_hw = (output_size(h, kernel[0], stride[0], padding[0]),
                  output_size(w, kernel[1], stride[1], padding[1]))
        xp = _pad(x, padding, value=-np.inf)
        windows = _windows(xp, kernel, stride, (1, 1), out_hw).reshape(n, c, *out_hw, -1)
        winner = windows.argmax(axis=-1)
        ctx.save_for_backward(winner)
        ctx.geometry = (xp.shape, kernel, stride, padding, out_hw)
        return np.take_along_axis(windows, winner[..., None], axis=-1)[..., 0]

    @staticmethod
    def backward(ctx, grad):
        (winner,) = ctx.saved
        padded_shape, kernel, stride, padding, out_hw = ctx.geometry
        offsets = np.arange(kernel[0] * kernel[1]).reshape(kernel)
        # (N, C, OH, OW, kh, kw): the gradient where each window's winner was, else 0
        patch_grad = np.where(winner[..., None, None] == offsets, grad[..., None, None], 0)
        return _unpad(_fold(patch_grad.astype(grad.dtype), padded_shape, kernel, stride, (1, 1),
                            out_hw), padding)


class AvgPool2d(Function):
    """The mean of each window (zero padding counted, as PyTorch's default)."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding):
        n, c, h, w = x.shape
        out_hw = (output_size(h, kernel[0], stride[0], padding[0]),
                  output_size(w, kernel[1], stride[1], padding[1]))
        xp = _pad(x, padding)
        ctx.geometry = (xp.shape, kernel, stride, padding, out_hw)
        return _windows(xp, kernel, stride, (1, 1), out_hw).mean(axis=(-2, -1)).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        padded_shape, kernel, stride, padding, out_hw = ctx.geometry
        share = grad / (kernel[0] * kernel[1])
        patch_grad = np.broadcast_to(share[..., None, None], share.shape + tuple(kernel))
        return _unpad(_fold(patch_grad, padded_shape, kernel, stride, (1, 1), out_hw), padding)

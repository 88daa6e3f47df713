r"""Convolution and pooling on NCHW arrays (chapter 10).

Convolution is computed as matrix products ("im2col"): every receptive
field of an image is unrolled into a column, so that sliding the filters
over the image becomes ``weight2d @ cols``, handed to BLAS. Why this and
not direct loops: at course sizes (MNIST, 3x3 kernels, a few to a few
dozen channels) BLAS does the multiply-adds several times faster than
hand-written loops (measured on a 2-core CPU: direct NCHW loops ran at half
PyTorch's speed, im2col + BLAS above it). Unrolling costs memory (each
input pixel is copied up to kh*kw times), which is small here.

The columns of each image are (C*kh*kw, OH*OW), so one product per image
gives its output already in NCHW order, with no transpose. Backward is the
transpose of the same products; the gradient of the columns is added back
onto the image by ``col2im``. The copying loops are Numba kernels
(nnkit/kernels/conv.py): NumPy's strided-view copies were most of the time.
"""
import numpy as np

from nnkit.autograd import Function
from nnkit.kernels import conv as kernels


def output_size(size, kernel, stride, padding, dilation=1):
    """Positions a kernel fits in: floor((size + 2p - d(k-1) - 1)/s) + 1."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _out_hw(x_shape, kernel, stride, padding, dilation=(1, 1)):
    return (output_size(x_shape[2], kernel[0], stride[0], padding[0], dilation[0]),
            output_size(x_shape[3], kernel[1], stride[1], padding[1], dilation[1]))


def _pad(x, padding):
    if padding == (0, 0):
        return np.ascontiguousarray(x)
    ph, pw = padding
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def _unpad(grad, padding):
    ph, pw = padding
    if padding == (0, 0):
        return grad
    return grad[:, :, ph:grad.shape[2] - ph, pw:grad.shape[3] - pw]


class Conv2d(Function):
    r"""$y_{n,o} = b_o + \sum_{c} w_{o,c} \star x_{n,c}$ (cross-correlation, as in PyTorch).

    Shapes: x (N, C, H, W), weight (O, C, kh, kw), bias (O,) -> (N, O, OH, OW).
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
        n = x.shape[0]
        o, _, kh, kw = weight.shape
        oh, ow = _out_hw(x.shape, (kh, kw), stride, padding, dilation)
        xp = _pad(x, padding)
        cols = kernels.im2col(xp, kh, kw, *stride, *dilation, oh, ow)  # (N, C*kh*kw, OH*OW)
        out = np.matmul(weight.reshape(o, -1), cols)  # one BLAS product per image
        if bias is not None:
            out += bias[:, None]
        ctx.save_for_backward(cols, weight)
        ctx.geometry = (xp.shape, stride, padding, dilation, (oh, ow), bias is not None)
        return out.reshape(n, o, oh, ow)

    @staticmethod
    def backward(ctx, grad):
        cols, weight = ctx.saved
        padded_shape, stride, padding, dilation, (oh, ow), has_bias = ctx.geometry
        o, c, kh, kw = weight.shape
        rows = np.ascontiguousarray(grad).reshape(grad.shape[0], o, oh * ow)  # (N, O, OH*OW)
        grad_w = grad_b = grad_x = None
        if ctx.needs_input_grad[1]:  # sum over images of rows @ cols.T
            grad_w = np.matmul(rows, cols.transpose(0, 2, 1)).sum(axis=0).reshape(weight.shape)
        if has_bias:
            grad_b = rows.sum(axis=(0, 2))
        if ctx.needs_input_grad[0]:
            grad_cols = np.matmul(weight.reshape(o, -1).T, rows)
            grad_x = _unpad(kernels.col2im(grad_cols, c, padded_shape[2], padded_shape[3],
                                           kh, kw, *stride, *dilation, oh, ow), padding)
        return grad_x, grad_w, grad_b


class MaxPool2d(Function):
    """The largest value in each window; the gradient goes to where it was."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding):
        x = np.ascontiguousarray(x)
        ctx.save_for_backward(x)
        ctx.geometry = (*kernel, *stride, *padding, *_out_hw(x.shape, kernel, stride, padding))
        if ctx.geometry[:6] == (2, 2, 2, 2, 0, 0):  # the common case has its own fast loop
            return kernels.max_pool2d_2x2_forward(x)
        return kernels.max_pool2d_forward(x, *ctx.geometry)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        grad = np.ascontiguousarray(grad)
        if ctx.geometry[:6] == (2, 2, 2, 2, 0, 0):
            return kernels.max_pool2d_2x2_backward(x, grad)
        return kernels.max_pool2d_backward(x, grad, *ctx.geometry)


class AvgPool2d(Function):
    """The mean of each window (zero padding counted, as PyTorch's default)."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding):
        n, c = x.shape[:2]
        oh, ow = _out_hw(x.shape, kernel, stride, padding)
        xp = _pad(x, padding)
        cols = kernels.im2col(xp, *kernel, *stride, 1, 1, oh, ow)
        ctx.geometry = (xp.shape, kernel, stride, padding, (oh, ow))
        windows = cols.reshape(n, c, kernel[0] * kernel[1], oh, ow)
        return windows.mean(axis=2, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        padded_shape, kernel, stride, padding, (oh, ow) = ctx.geometry
        n, c = grad.shape[:2]
        area = kernel[0] * kernel[1]
        share = (grad / area).reshape(n, c, 1, oh * ow)
        grad_cols = np.ascontiguousarray(np.broadcast_to(share, (n, c, area, oh * ow)))
        return _unpad(kernels.col2im(grad_cols.reshape(n, c * area, oh * ow), c,
                                     padded_shape[2], padded_shape[3], *kernel, *stride, 1, 1,
                                     oh, ow), padding)


# ---------------------------------------------------------------- adaptive pooling

def adaptive_bins(size, out):
    """PyTorch's windows: output i averages input [floor(i size/out), ceil((i+1) size/out))."""
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


class AdaptiveAvgPool2d(Function):
    """The mean of each of out_h x out_w windows that tile the image (they may overlap)."""

    @staticmethod
    def forward(ctx, x, output_size):
        rows, cols = (adaptive_bins(x.shape[2 + a], output_size[a]) for a in (0, 1))
        out = np.empty(x.shape[:2] + tuple(output_size), x.dtype)
        for i, (r0, r1) in enumerate(rows):
            for j, (c0, c1) in enumerate(cols):
                out[:, :, i, j] = x[:, :, r0:r1, c0:c1].mean(axis=(2, 3))
        ctx.geometry = (x.shape, rows, cols)
        return out

    @staticmethod
    def backward(ctx, grad):
        shape, rows, cols = ctx.geometry
        grad_x = np.zeros(shape, grad.dtype)
        for i, (r0, r1) in enumerate(rows):
            for j, (c0, c1) in enumerate(cols):
                area = (r1 - r0) * (c1 - c0)
                grad_x[:, :, r0:r1, c0:c1] += grad[:, :, i, j, None, None] / area
        return grad_x

r"""Convolution and max-pooling loops on NCHW arrays (chapter 10).

``im2col`` copies every receptive field of each image into a column, so
that a convolution becomes one matrix product per image, which BLAS does
far faster than any loop (``nnkit/ops/conv.py``); ``col2im`` adds columns
back onto the image, the transpose that backward needs. Why loops and not
NumPy's strided views: copying a 6-D strided view is NumPy's slowest path
(one element at a time through a generic iterator), while the loop below
copies whole rows of an image with unit stride.

Layout of the columns, per image ``b``:
``cols[b, (c * kh + i) * kw + j, y * ow + x] = xp[b, c, y*sh + i*dh, x*sw + j*dw]``
(the weight matrix ``weight.reshape(O, C*kh*kw)`` uses the same order), so
``weight2d @ cols[b]`` is already the output image ``b`` in NCHW order.
"""
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from nnkit.kernels import jit, kernel


def _windows(xp, kh, kw, sh, sw, dh, dw, oh, ow):
    """A strided view (N, C, kh, kw, OH, OW) of every receptive field: no copy."""
    sn, sc, sy, sx = xp.strides
    return as_strided(xp, shape=(xp.shape[0], xp.shape[1], kh, kw, oh, ow),
                      strides=(sn, sc, sy * dh, sx * dw, sy * sh, sx * sw), writeable=False)


# ---------------------------------------------------------------- im2col and col2im

def _im2col_reference(xp, kh, kw, sh, sw, dh, dw, oh, ow):
    n, c = xp.shape[:2]
    return _windows(xp, kh, kw, sh, sw, dh, dw, oh, ow).reshape(n, c * kh * kw, oh * ow)


@kernel(_im2col_reference)
def im2col(xp, kh, kw, sh, sw, dh, dw, oh, ow):
    """Receptive fields of padded images xp (N, C, H, W) as columns (N, C*kh*kw, OH*OW)."""
    n, c = xp.shape[0], xp.shape[1]
    cols = np.empty((n, c * kh * kw, oh * ow), dtype=xp.dtype)
    for b in range(n):
        for ch in range(c):
            for i in range(kh):
                for j in range(kw):
                    row = cols[b, (ch * kh + i) * kw + j]
                    for y in range(oh):
                        # 0-based views: no offset arithmetic in the innermost loop
                        source = xp[b, ch, y * sh + i * dh, j * dw:]
                        target = row[y * ow:(y + 1) * ow]
                        if sw == 1:  # the usual case, in its own loop: it vectorises (1.6x)
                            for x in range(ow):
                                target[x] = source[x]
                        else:
                            for x in range(ow):
                                target[x] = source[x * sw]
    return cols


def _col2im_reference(cols, c, hp, wp, kh, kw, sh, sw, dh, dw, oh, ow):
    n = cols.shape[0]
    grad = np.zeros((n, c, hp, wp), dtype=cols.dtype)
    patches = cols.reshape(n, c, kh, kw, oh, ow)
    for i in range(kh):  # kh*kw strided additions: overlapping windows add up
        for j in range(kw):
            grad[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                 j * dw:j * dw + sw * (ow - 1) + 1:sw] += patches[:, :, i, j]
    return grad


@kernel(_col2im_reference)
def col2im(cols, c, hp, wp, kh, kw, sh, sw, dh, dw, oh, ow):
    """Add columns (N, C*kh*kw, OH*OW) back onto zero images (N, C, hp, wp): im2col's transpose."""
    n = cols.shape[0]
    grad = np.zeros((n, c, hp, wp), dtype=cols.dtype)
    for b in range(n):
        for ch in range(c):
            for i in range(kh):
                for j in range(kw):
                    row = cols[b, (ch * kh + i) * kw + j]
                    for y in range(oh):
                        target = grad[b, ch, y * sh + i * dh, j * dw:]
                        source = row[y * ow:(y + 1) * ow]
                        if sw == 1:
                            for x in range(ow):
                                target[x] += source[x]
                        else:
                            for x in range(ow):
                                target[x * sw] += source[x]
    return grad


# ---------------------------------------------------------------- max-pooling

def _max_pool2d_forward_reference(x, kh, kw, sh, sw, ph, pw, oh, ow):
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    return _windows(xp, kh, kw, sh, sw, 1, 1, oh, ow).max(axis=(2, 3)).astype(x.dtype)


@jit
def _window_max(image, top, left, kh, kw):
    """(row, col) of the first largest value of one window, clipped to the image (-1: empty)."""
    h, w = image.shape
    i0, i1 = max(0, -top), min(kh, h - top)  # the window's rows and columns inside the image:
    j0, j1 = max(0, -left), min(kw, w - left)  # padding cells are never looked at
    if i0 >= i1 or j0 >= j1:
        return -1, -1
    best_row, best_col = top + i0, left + j0
    best = image[best_row, best_col]
    for row in range(top + i0, top + i1):
        for col in range(left + j0, left + j1):
            value = image[row, col]
            # NOTE: a nan wins (and a number never beats a nan afterwards),
            # so nan propagates as in np.max
            if value > best or math.isnan(value):
                best, best_row, best_col = value, row, col
    return best_row, best_col


@kernel(_max_pool2d_forward_reference)
def max_pool2d_forward(x, kh, kw, sh, sw, ph, pw, oh, ow):
    """The largest value of each window; cells in the padding never win."""
    n, c = x.shape[0], x.shape[1]
    out = np.empty((n, c, oh, ow), dtype=x.dtype)
    for b in range(n):
        for ch in range(c):
            image = x[b, ch]
            for y in range(oh):
                for xo in range(ow):
                    row, col = _window_max(image, y * sh - ph, xo * sw - pw, kh, kw)
                    out[b, ch, y, xo] = image[row, col] if row >= 0 else -np.inf
    return out


def _max_pool2d_backward_reference(x, grad, kh, kw, sh, sw, ph, pw, oh, ow):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    windows = _windows(xp, kh, kw, sh, sw, 1, 1, oh, ow).transpose(0, 1, 4, 5, 2, 3)
    winner = windows.reshape(n, c, oh, ow, kh * kw).argmax(axis=-1)  # the first of ties
    row = np.arange(oh)[:, None] * sh - ph + winner // kw
    col = np.arange(ow) * sw - pw + winner % kw
    grad_xp = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=grad.dtype)
    images = np.arange(n * c).reshape(n, c, 1, 1)
    np.add.at(grad_xp.reshape(n * c, h + 2 * ph, w + 2 * pw), (images, row + ph, col + pw), grad)
    return grad_xp[:, :, ph:ph + h, pw:pw + w].copy()


@kernel(_max_pool2d_backward_reference)
def max_pool2d_backward(x, grad, kh, kw, sh, sw, ph, pw, oh, ow):
    """Each window's gradient goes to its winner (the first of equal maxima), found again.

    Finding the winner again costs one more read of the input, and spares
    forward from storing an index array (half the memory of the input).
    """
    n, c = x.shape[0], x.shape[1]
    grad_x = np.zeros(x.shape, dtype=grad.dtype)
    for b in range(n):
        for ch in range(c):
            image, target = x[b, ch], grad_x[b, ch]
            for y in range(oh):
                for xo in range(ow):
                    row, col = _window_max(image, y * sh - ph, xo * sw - pw, kh, kw)
                    if row >= 0:
                        target[row, col] += grad[b, ch, y, xo]
    return grad_x


# ---------------------------------------------------------------- 2x2 max-pooling, stride 2
# The course's pooling (LeNet, chapter 10) in its own loops: with the window
# size known to the compiler the 2x2 loop is unrolled, about 15x faster than
# the general loops above with their run-time window size (measured).

def _max_pool2d_2x2_forward_reference(x):
    h, w = x.shape[2:]
    return _max_pool2d_forward_reference(x, 2, 2, 2, 2, 0, 0, h // 2, w // 2)


@kernel(_max_pool2d_2x2_forward_reference)
def max_pool2d_2x2_forward(x):
    n, c, h, w = x.shape
    out = np.empty((n, c, h // 2, w // 2), dtype=x.dtype)
    for b in range(n):
        for ch in range(c):
            for y in range(h // 2):
                top, bottom, row = x[b, ch, 2 * y], x[b, ch, 2 * y + 1], out[b, ch, y]
                for xo in range(w // 2):
                    best = top[2 * xo]
                    for value in (top[2 * xo + 1], bottom[2 * xo], bottom[2 * xo + 1]):
                        if value > best or math.isnan(value):  # NOTE: a nan wins, as in np.max
                            best = value
                    row[xo] = best
    return out


def _max_pool2d_2x2_backward_reference(x, grad):
    h, w = x.shape[2:]
    return _max_pool2d_backward_reference(x, grad, 2, 2, 2, 2, 0, 0, h // 2, w // 2)


@kernel(_max_pool2d_2x2_backward_reference)
def max_pool2d_2x2_backward(x, grad):
    n, c, h, w = x.shape
    grad_x = np.zeros(x.shape, dtype=grad.dtype)
    for b in range(n):
        for ch in range(c):
            for y in range(h // 2):
                top, bottom = x[b, ch, 2 * y], x[b, ch, 2 * y + 1]
                for xo in range(w // 2):
                    # NOTE: plain `>` so that the compiler makes selects, not branches (a
                    # nan test made this loop 4x slower). With a nan in the window the
                    # gradient goes to the largest number instead; the loss is nan then.
                    best, dy, dx = top[2 * xo], 0, 0
                    value = top[2 * xo + 1]
                    take = value > best
                    best, dx = (value, 1) if take else (best, dx)
                    value = bottom[2 * xo]
                    take = value > best
                    best, dy, dx = (value, 1, 0) if take else (best, dy, dx)
                    take = bottom[2 * xo + 1] > best
                    dy, dx = (1, 1) if take else (dy, dx)
                    grad_x[b, ch, 2 * y + dy, 2 * xo + dx] = grad[b, ch, y, xo]
    return grad_x

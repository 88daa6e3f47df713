"""Hand-written NumPy training steps (no autograd): the MLP and the CNN contenders.

What a careful NumPy programmer would write: matrix products through
NumPy's ``@`` (OpenBLAS), convolution as im2col + one matrix product,
2x2 max-pooling with a reshape, softmax cross-entropy by hand, SGD in place.
"""
import itertools

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _init(rng, fan_out, fan_in):
    bound = 1 / np.sqrt(fan_in)
    return (rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
            rng.uniform(-bound, bound, fan_out).astype(np.float32))


def _softmax_cross_entropy(logits, y):
    """Mean loss and d loss / d logits."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    probs = e / e.sum(axis=1, keepdims=True)
    n = len(y)
    loss = -np.log(probs[np.arange(n), y]).mean()
    probs[np.arange(n), y] -= 1
    return loss, probs / n


class MLP:
    def __init__(self, sizes, seed, lr):
        rng = np.random.default_rng(seed)
        self.params = [_init(rng, o, i) for i, o in itertools.pairwise(sizes)]
        self.lr = lr

    def step_on(self, x, y):
        def step():
            activations = [x]
            h = x
            for i, (w, b) in enumerate(self.params):
                h = h @ w.T + b
                if i < len(self.params) - 1:
                    np.maximum(h, 0, out=h)
                activations.append(h)
            loss, grad = _softmax_cross_entropy(h, y)
            for i in reversed(range(len(self.params))):
                w, b = self.params[i]
                inputs = activations[i]
                grad_w, grad_b = grad.T @ inputs, grad.sum(axis=0)
                if i > 0:
                    grad = grad @ w
                    grad *= inputs > 0
                w -= self.lr * grad_w
                b -= self.lr * grad_b
            return loss
        return step


def _conv_forward(x, w, b):
    """Valid 3x3 convolution as im2col (N*OH*OW, C*9) @ (C*9, O)."""
    n, c, height, width = x.shape
    o = w.shape[0]
    oh, ow = height - 2, width - 2
    cols = sliding_window_view(x, (3, 3), axis=(2, 3))  # (N, C, OH, OW, 3, 3)
    cols = cols.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * 9)
    out = cols @ w.reshape(o, -1).T + b
    return out.reshape(n, oh, ow, o).transpose(0, 3, 1, 2), cols


def _conv_backward(grad, cols, w, x_shape, need_input):
    n, c, height, width = x_shape
    o = w.shape[0]
    rows = grad.transpose(0, 2, 3, 1).reshape(-1, o)
    grad_w = (rows.T @ cols).reshape(w.shape)
    grad_b = rows.sum(axis=0)
    if not need_input:
        return None, grad_w, grad_b
    oh, ow = height - 2, width - 2
    patches = (rows @ w.reshape(o, -1)).reshape(n, oh, ow, c, 3, 3)
    grad_x = np.zeros(x_shape, dtype=grad.dtype)
    for i in range(3):
        for j in range(3):
            grad_x[:, :, i:i + oh, j:j + ow] += patches[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return grad_x, grad_w, grad_b


def _pool_forward(x):
    """2x2 max-pool (odd edges dropped) and the mask of the winners."""
    n, c, height, width = x.shape
    cropped = x[:, :, :height // 2 * 2, :width // 2 * 2]
    windows = cropped.reshape(n, c, height // 2, 2, width // 2, 2)
    out = windows.max(axis=(3, 5))
    mask = windows == out[:, :, :, None, :, None]
    return out, mask


def _pool_backward(grad, mask, x_shape):
    grad_x = np.zeros(x_shape, dtype=grad.dtype)
    n, c, oh, _, ow, _ = mask.shape
    spread = mask * grad[:, :, :, None, :, None]
    grad_x[:, :, :oh * 2, :ow * 2] = spread.reshape(n, c, oh * 2, ow * 2)
    return grad_x


class CNN:
    def __init__(self, seed, lr):
        rng = np.random.default_rng(seed)
        w1, b1 = _init(rng, 8, 9)
        w2, b2 = _init(rng, 16, 72)
        self.conv1 = (w1.reshape(8, 1, 3, 3), b1)
        self.conv2 = (w2.reshape(16, 8, 3, 3), b2)
        self.head = _init(rng, 10, 400)
        self.lr = lr

    def step_on(self, x, y):
        def step():
            (w1, b1), (w2, b2), (w3, b3) = self.conv1, self.conv2, self.head
            a1, cols1 = _conv_forward(x, w1, b1)
            r1 = np.maximum(a1, 0)
            p1, mask1 = _pool_forward(r1)
            a2, cols2 = _conv_forward(p1, w2, b2)
            r2 = np.maximum(a2, 0)
            p2, mask2 = _pool_forward(r2)
            flat = p2.reshape(len(x), -1)
            logits = flat @ w3.T + b3
            loss, grad = _softmax_cross_entropy(logits, y)
            grad_w3, grad_b3 = grad.T @ flat, grad.sum(axis=0)
            grad = (grad @ w3).reshape(p2.shape)
            grad = _pool_backward(grad, mask2, r2.shape) * (a2 > 0)
            grad, grad_w2, grad_b2 = _conv_backward(grad, cols2, w2, p1.shape, True)
            grad = _pool_backward(grad, mask1, r1.shape) * (a1 > 0)
            _, grad_w1, grad_b1 = _conv_backward(grad, cols1, w1, x.shape, False)
            for param, g in ((w1, grad_w1), (b1, grad_b1), (w2, grad_w2), (b2, grad_b2),
                             (w3, grad_w3), (b3, grad_b3)):
                param -= self.lr * g
            return loss
        return step

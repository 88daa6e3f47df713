r"""Fused LSTM and GRU cell kernels (chapter 11): one pass over the gates per time step.

The matrix products (inputs for all steps at once, the recurrent term per
step) go to BLAS; what is left per step is elementwise gate math on small
(batch, hidden) arrays, where NumPy would make a dozen passes and
temporaries. Each kernel does it in one loop. Layout: gate blocks in
PyTorch's order, LSTM (i, f, g, o) and GRU (r, z, n), each ``hidden`` wide.
"""
import math

import numpy as np

from nnkit.kernels import kernel


def _sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))


# ---------------------------------------------------------------- LSTM

def _lstm_forward_reference(pre, c_prev):
    h = c_prev.shape[1]
    i, f = _sigmoid(pre[:, :h]), _sigmoid(pre[:, h:2 * h])
    g, o = np.tanh(pre[:, 2 * h:3 * h]), _sigmoid(pre[:, 3 * h:])
    c = f * c_prev + i * g
    return (np.concatenate([i, f, g, o], axis=1).astype(pre.dtype), c.astype(pre.dtype),
            (o * np.tanh(c)).astype(pre.dtype))


@kernel(_lstm_forward_reference)
def lstm_cell_forward(pre, c_prev):
    r"""$c = f \odot c_{prev} + i \odot g$, $h = o \odot \tanh c$ from pre-activations (N, 4H)."""
    n, hidden = c_prev.shape
    gates = np.empty_like(pre)
    c = np.empty_like(c_prev)
    h = np.empty_like(c_prev)
    for b in range(n):
        for j in range(hidden):
            i = 1.0 / (1.0 + math.exp(-pre[b, j]))
            f = 1.0 / (1.0 + math.exp(-pre[b, hidden + j]))
            g = math.tanh(pre[b, 2 * hidden + j])
            o = 1.0 / (1.0 + math.exp(-pre[b, 3 * hidden + j]))
            gates[b, j], gates[b, hidden + j] = i, f
            gates[b, 2 * hidden + j], gates[b, 3 * hidden + j] = g, o
            c[b, j] = f * c_prev[b, j] + i * g
            h[b, j] = o * math.tanh(c[b, j])
    return gates, c, h


def _lstm_backward_reference(gates, c_prev, c, grad_h, grad_c):
    h = c.shape[1]
    i, f, g, o = gates[:, :h], gates[:, h:2 * h], gates[:, 2 * h:3 * h], gates[:, 3 * h:]
    tanh_c = np.tanh(c)
    dc = grad_c + grad_h * o * (1 - tanh_c ** 2)
    d_pre = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                            dc * i * (1 - g ** 2), grad_h * tanh_c * o * (1 - o)], axis=1)
    return d_pre.astype(gates.dtype), (dc * f).astype(gates.dtype)


@kernel(_lstm_backward_reference)
def lstm_cell_backward(gates, c_prev, c, grad_h, grad_c):
    """Gradients of the pre-activations (N, 4H) and of the previous cell state (N, H)."""
    n, hidden = c.shape
    d_pre = np.empty_like(gates)
    d_c_prev = np.empty_like(c)
    for b in range(n):
        for j in range(hidden):
            i, f = gates[b, j], gates[b, hidden + j]
            g, o = gates[b, 2 * hidden + j], gates[b, 3 * hidden + j]
            tanh_c = math.tanh(c[b, j])
            dc = grad_c[b, j] + grad_h[b, j] * o * (1.0 - tanh_c * tanh_c)
            d_pre[b, j] = dc * g * i * (1.0 - i)
            d_pre[b, hidden + j] = dc * c_prev[b, j] * f * (1.0 - f)
            d_pre[b, 2 * hidden + j] = dc * i * (1.0 - g * g)
            d_pre[b, 3 * hidden + j] = grad_h[b, j] * tanh_c * o * (1.0 - o)
            d_c_prev[b, j] = dc * f
    return d_pre, d_c_prev


# ---------------------------------------------------------------- GRU

def _gru_forward_reference(x_part, h_part, h_prev):
    h = h_prev.shape[1]
    r = _sigmoid(x_part[:, :h] + h_part[:, :h])
    z = _sigmoid(x_part[:, h:2 * h] + h_part[:, h:2 * h])
    n = np.tanh(x_part[:, 2 * h:] + r * h_part[:, 2 * h:])
    return (np.concatenate([r, z, n], axis=1).astype(h_prev.dtype),
            ((1 - z) * n + z * h_prev).astype(h_prev.dtype))


@kernel(_gru_forward_reference)
def gru_cell_forward(x_part, h_part, h_prev):
    r"""$r, z = \sigma(\cdot)$, $n = \tanh(x_n + r \odot h_n)$, $h = (1-z) \odot n + z \odot h_{prev}$.

    ``x_part`` = x W_ih^T + b_ih and ``h_part`` = h W_hh^T + b_hh, both (N, 3H).
    """
    batch, hidden = h_prev.shape
    gates = np.empty_like(x_part)
    h = np.empty_like(h_prev)
    for b in range(batch):
        for j in range(hidden):
            r = 1.0 / (1.0 + math.exp(-(x_part[b, j] + h_part[b, j])))
            z = 1.0 / (1.0 + math.exp(-(x_part[b, hidden + j] + h_part[b, hidden + j])))
            n = math.tanh(x_part[b, 2 * hidden + j] + r * h_part[b, 2 * hidden + j])
            gates[b, j], gates[b, hidden + j], gates[b, 2 * hidden + j] = r, z, n
            h[b, j] = (1.0 - z) * n + z * h_prev[b, j]
    return gates, h


def _gru_backward_reference(gates, h_part, h_prev, grad_h):
    h = h_prev.shape[1]
    r, z, n = gates[:, :h], gates[:, h:2 * h], gates[:, 2 * h:]
    dn = grad_h * (1 - z) * (1 - n ** 2)
    dr = dn * h_part[:, 2 * h:] * r * (1 - r)
    dz = grad_h * (h_prev - n) * z * (1 - z)
    d_x = np.concatenate([dr, dz, dn], axis=1).astype(gates.dtype)
    d_h = np.concatenate([dr, dz, dn * r], axis=1).astype(gates.dtype)
    return d_x, d_h, (grad_h * z).astype(gates.dtype)


@kernel(_gru_backward_reference)
def gru_cell_backward(gates, h_part, h_prev, grad_h):
    """Gradients of x_part, h_part (N, 3H) and the direct path to h_prev (N, H)."""
    batch, hidden = h_prev.shape
    d_x = np.empty_like(gates)
    d_h = np.empty_like(gates)
    d_h_prev = np.empty_like(h_prev)
    for b in range(batch):
        for j in range(hidden):
            r, z, n = gates[b, j], gates[b, hidden + j], gates[b, 2 * hidden + j]
            dn = grad_h[b, j] * (1.0 - z) * (1.0 - n * n)
            dr = dn * h_part[b, 2 * hidden + j] * r * (1.0 - r)
            dz = grad_h[b, j] * (h_prev[b, j] - n) * z * (1.0 - z)
            d_x[b, j], d_x[b, hidden + j], d_x[b, 2 * hidden + j] = dr, dz, dn
            d_h[b, j], d_h[b, hidden + j], d_h[b, 2 * hidden + j] = dr, dz, dn * r
            d_h_prev[b, j] = grad_h[b, j] * z
    return d_x, d_h, d_h_prev

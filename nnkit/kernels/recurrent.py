r"""Fused LSTM and GRU cell kernels (chapter 11): one pass over the gates per time step.

The matrix products (inputs for all steps at once, the recurrent term per
step) go to BLAS; what is left per step is elementwise gate math on small
(batch, hidden) arrays, where NumPy would make a dozen passes and
temporaries. Each kernel does it in one loop. Layout: gate blocks in
PyTorch's order, LSTM (i, f, g, o) and GRU (r, z, n), each ``hidden`` wide.

``tanh`` and ``sigmoid`` come from fastmath.py: for float32 they are
approximations the compiler can vectorise (libm's would take most of the
time here), for float64 the exact functions.
"""
import numpy as np

from nnkit.kernels import NUMBA_AVAILABLE, jit, kernel
from nnkit.kernels.fastmath import sigmoid, tanh


def _sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))


@jit
def _lstm_blocks(row, hidden):
    """The four gate blocks (i, f, g, o) of one row as 0-based views."""
    return row[:hidden], row[hidden:2 * hidden], row[2 * hidden:3 * hidden], row[3 * hidden:]


@jit
def _gru_blocks(row, hidden):
    """The three gate blocks (r, z, n) of one row as 0-based views."""
    return row[:hidden], row[hidden:2 * hidden], row[2 * hidden:]


# ---------------------------------------------------------------- LSTM

def _lstm_forward_reference(pre, c_prev):
    h = c_prev.shape[1]
    i, f = _sigmoid(pre[:, :h]), _sigmoid(pre[:, h:2 * h])
    g, o = np.tanh(pre[:, 2 * h:3 * h]), _sigmoid(pre[:, 3 * h:])
    c = f * c_prev + i * g
    return (np.concatenate([i, f, g, o], axis=1).astype(pre.dtype), c.astype(pre.dtype),
            (o * np.tanh(c)).astype(pre.dtype))


@jit
def lstm_cell_forward_into(pre, c_prev, gates, c, h):
    """The loop of :func:`lstm_cell_forward`, writing into given arrays.

    The LSTM layer passes slices of its (T, N, ...) arrays: no new arrays per step.
    """
    n, hidden = c_prev.shape
    for b in range(n):
        # one 0-based view per gate block: indexing them from 0 lets the loop vectorise
        pre_i, pre_f, pre_g, pre_o = _lstm_blocks(pre[b], hidden)
        gate_i, gate_f, gate_g, gate_o = _lstm_blocks(gates[b], hidden)
        c_prev_b, c_b, h_b = c_prev[b], c[b], h[b]
        for j in range(hidden):
            i, f, g, o = sigmoid(pre_i[j]), sigmoid(pre_f[j]), tanh(pre_g[j]), sigmoid(pre_o[j])
            gate_i[j], gate_f[j], gate_g[j], gate_o[j] = i, f, g, o
            c_b[j] = f * c_prev_b[j] + i * g
            h_b[j] = o * tanh(c_b[j])


@kernel(_lstm_forward_reference)
def lstm_cell_forward(pre, c_prev):
    r"""$c = f \odot c_{prev} + i \odot g$, $h = o \odot \tanh c$ from pre-activations (N, 4H)."""
    gates, c, h = np.empty_like(pre), np.empty_like(c_prev), np.empty_like(c_prev)
    lstm_cell_forward_into(pre, c_prev, gates, c, h)
    return gates, c, h


def _lstm_backward_reference(gates, c_prev, c, grad_out, grad_next, grad_c):
    grad_h = grad_out + grad_next  # h_t feeds the layer output and step t + 1
    h = c.shape[1]
    i, f, g, o = gates[:, :h], gates[:, h:2 * h], gates[:, 2 * h:3 * h], gates[:, 3 * h:]
    tanh_c = np.tanh(c)
    dc = grad_c + grad_h * o * (1 - tanh_c ** 2)
    d_pre = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                            dc * i * (1 - g ** 2), grad_h * tanh_c * o * (1 - o)], axis=1)
    return d_pre.astype(gates.dtype), (dc * f).astype(gates.dtype)


@jit
def lstm_cell_backward_into(gates, c_prev, c, grad_out, grad_next, grad_c, d_pre, d_c_prev):
    """The loop of :func:`lstm_cell_backward`, writing into given arrays."""
    n, hidden = c.shape
    one = gates.dtype.type(1)  # 1.0 would turn float32 arithmetic into float64
    for b in range(n):
        gate_i, gate_f, gate_g, gate_o = _lstm_blocks(gates[b], hidden)
        d_i, d_f, d_g, d_o = _lstm_blocks(d_pre[b], hidden)
        c_prev_b, c_b, grad_c_b, d_c_prev_b = c_prev[b], c[b], grad_c[b], d_c_prev[b]
        grad_out_b, grad_next_b = grad_out[b], grad_next[b]
        for j in range(hidden):
            i, f, g, o = gate_i[j], gate_f[j], gate_g[j], gate_o[j]
            tanh_c = tanh(c_b[j])
            grad_h = grad_out_b[j] + grad_next_b[j]
            dc = grad_c_b[j] + grad_h * o * (one - tanh_c * tanh_c)
            d_i[j] = dc * g * i * (one - i)
            d_f[j] = dc * c_prev_b[j] * f * (one - f)
            d_g[j] = dc * i * (one - g * g)
            d_o[j] = grad_h * tanh_c * o * (one - o)
            d_c_prev_b[j] = dc * f


@kernel(_lstm_backward_reference)
def lstm_cell_backward(gates, c_prev, c, grad_out, grad_next, grad_c):
    """Gradients of the pre-activations (N, 4H) and of the previous cell state (N, H).

    h_t gets gradient from the layer output (``grad_out``) and from step t + 1 (``grad_next``).
    """
    d_pre, d_c_prev = np.empty_like(gates), np.empty_like(c)
    lstm_cell_backward_into(gates, c_prev, c, grad_out, grad_next, grad_c, d_pre, d_c_prev)
    return d_pre, d_c_prev


if not NUMBA_AVAILABLE:  # pragma: no cover - without Numba the NumPy references fill the arrays
    def lstm_cell_forward_into(pre, c_prev, gates, c, h):
        gates[...], c[...], h[...] = _lstm_forward_reference(pre, c_prev)

    def lstm_cell_backward_into(gates, c_prev, c, grad_out, grad_next, grad_c, d_pre, d_c_prev):
        d_pre[...], d_c_prev[...] = _lstm_backward_reference(gates, c_prev, c, grad_out,
                                                             grad_next, grad_c)


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
        x_r, x_z, x_n = _gru_blocks(x_part[b], hidden)  # 0-based views: the loop vectorises
        h_r, h_z, h_n = _gru_blocks(h_part[b], hidden)
        gate_r, gate_z, gate_n = _gru_blocks(gates[b], hidden)
        h_prev_b, h_b = h_prev[b], h[b]
        for j in range(hidden):
            r = sigmoid(x_r[j] + h_r[j])
            z = sigmoid(x_z[j] + h_z[j])
            n = tanh(x_n[j] + r * h_n[j])
            gate_r[j], gate_z[j], gate_n[j] = r, z, n
            h_b[j] = n + z * (h_prev_b[j] - n)  # = (1 - z) n + z h_prev
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
    one = gates.dtype.type(1)  # 1.0 would turn float32 arithmetic into float64
    for b in range(batch):
        gate_r, gate_z, gate_n = _gru_blocks(gates[b], hidden)
        h_n = _gru_blocks(h_part[b], hidden)[2]
        d_x_r, d_x_z, d_x_n = _gru_blocks(d_x[b], hidden)
        d_h_r, d_h_z, d_h_n = _gru_blocks(d_h[b], hidden)
        h_prev_b, grad_h_b, d_h_prev_b = h_prev[b], grad_h[b], d_h_prev[b]
        for j in range(hidden):
            r, z, n = gate_r[j], gate_z[j], gate_n[j]
            dn = grad_h_b[j] * (one - z) * (one - n * n)
            dr = dn * h_n[j] * r * (one - r)
            dz = grad_h_b[j] * (h_prev_b[j] - n) * z * (one - z)
            d_x_r[j], d_x_z[j], d_x_n[j] = dr, dz, dn
            d_h_r[j], d_h_z[j], d_h_n[j] = dr, dz, dn * r
            d_h_prev_b[j] = grad_h_b[j] * z
    return d_x, d_h, d_h_prev

r"""Recurrent layers over a whole sequence, one graph node per layer (chapter 11).

Unrolling an LSTM op by op would put a dozen nodes per time step into the
graph. Here one Function runs the whole time loop: the input projection
of all steps is one matrix product up front, each step adds the recurrent
product $h_{t-1} W_{hh}^\top$ and calls a fused cell kernel
(nnkit/kernels/recurrent.py). Backward runs backpropagation through time,
step by step in reverse, then forms the weight gradients as single matrix
products over all steps.

Arrays are (N, T, features) outside, time-major (T, N, features) inside so
that each step's slice is contiguous.
"""
import numpy as np

from nnkit.autograd import Function
from nnkit.kernels import recurrent as kernels


def _record(record, **arrays):
    """Hand the per-step internals to a layer that asked for them (gate inspector)."""
    if record is not None:
        record.update({name: np.ascontiguousarray(a.swapaxes(0, 1)) for name, a in arrays.items()})


def _weight_grads(d_pre, inputs):
    """dW = sum over steps and batch of d_pre^T @ inputs, as one matrix product; and db."""
    rows = d_pre.reshape(-1, d_pre.shape[-1])
    return rows.T @ inputs.reshape(-1, inputs.shape[-1]), rows.sum(axis=0)


class RNN(Function):
    r"""$h_t = \tanh(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh})$ (or ReLU).

    Inputs x (N, T, I), h0 (N, H); returns all hidden states (N, T, H).
    """

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity="tanh", record=None):
        xs = np.ascontiguousarray(x.swapaxes(0, 1))  # (T, N, I)
        pre = xs @ w_ih.T + (b_ih + b_hh)
        hs = np.empty(pre.shape, dtype=pre.dtype)
        h = h0
        for t in range(len(xs)):
            a = pre[t] + h @ w_hh.T
            h = np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0)
            hs[t] = h
        ctx.save_for_backward(xs, h0, hs, w_ih, w_hh)
        ctx.nonlinearity = nonlinearity
        _record(record, hidden=hs)
        return hs.swapaxes(0, 1)

    @staticmethod
    def backward(ctx, grad):
        xs, h0, hs, w_ih, w_hh = ctx.saved
        grad = grad.swapaxes(0, 1)
        d_pre = np.empty_like(hs)
        d_h = np.zeros_like(h0)
        for t in reversed(range(len(hs))):
            d_out = grad[t] + d_h
            slope = 1 - hs[t] ** 2 if ctx.nonlinearity == "tanh" else (hs[t] > 0)
            d_pre[t] = d_out * slope
            d_h = d_pre[t] @ w_hh
        h_prev = np.concatenate([h0[None], hs[:-1]])
        d_w_ih, d_b = _weight_grads(d_pre, xs)
        d_w_hh, _ = _weight_grads(d_pre, h_prev)
        d_x = (d_pre @ w_ih).swapaxes(0, 1)
        return d_x, d_h, d_w_ih, d_w_hh, d_b, d_b


class LSTM(Function):
    r"""Long short-term memory, gates (i, f, g, o) as PyTorch:

    $$i, f, o = \sigma(\cdot),\; g = \tanh(\cdot),\; c_t = f \odot c_{t-1} + i \odot g,\;
    h_t = o \odot \tanh c_t .$$

    Returns (N, T+1, H): the hidden states of all steps, then the last cell
    state in position T (one output array; the layer splits it).
    """

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, record=None):
        xs = np.ascontiguousarray(x.swapaxes(0, 1))
        pre = xs @ w_ih.T + (b_ih + b_hh)  # (T, N, 4H): the input part of every step
        steps, hidden = len(xs), h0.shape[1]
        gates = np.empty_like(pre)
        cs = np.empty((steps,) + h0.shape, dtype=pre.dtype)
        hs = np.empty_like(cs)
        h, c = h0, c0
        for t in range(steps):
            gates[t], c, h = kernels.lstm_cell_forward(pre[t] + h @ w_hh.T, c)
            cs[t], hs[t] = c, h
        ctx.save_for_backward(xs, h0, c0, gates, cs, hs, w_ih, w_hh)
        _record(record, input_gate=gates[..., :hidden], forget_gate=gates[..., hidden:2 * hidden],
                cell_candidate=gates[..., 2 * hidden:3 * hidden],
                output_gate=gates[..., 3 * hidden:], cell=cs, hidden=hs)
        return np.concatenate([hs, cs[-1:]]).swapaxes(0, 1)

    @staticmethod
    def backward(ctx, grad):
        xs, h0, c0, gates, cs, hs, w_ih, w_hh = ctx.saved
        grad = grad.swapaxes(0, 1)
        grad_h, d_c = grad[:-1], np.ascontiguousarray(grad[-1])
        d_pre = np.empty_like(gates)
        d_h = np.zeros_like(h0)
        for t in reversed(range(len(xs))):
            c_prev = cs[t - 1] if t > 0 else c0
            d_pre[t], d_c = kernels.lstm_cell_backward(gates[t], c_prev, cs[t],
                                                       np.ascontiguousarray(grad_h[t] + d_h), d_c)
            d_h = d_pre[t] @ w_hh
        h_prev = np.concatenate([h0[None], hs[:-1]])
        d_w_ih, d_b = _weight_grads(d_pre, xs)
        d_w_hh, _ = _weight_grads(d_pre, h_prev)
        return (d_pre @ w_ih).swapaxes(0, 1), d_h, d_c, d_w_ih, d_w_hh, d_b, d_b


class GRU(Function):
    r"""Gated recurrent unit, gates (r, z, n) as PyTorch:

    $$r, z = \sigma(\cdot),\; n = \tanh(x W_{in}^\top + b_{in} + r \odot (h W_{hn}^\top + b_{hn})),
    \; h_t = (1 - z) \odot n + z \odot h_{t-1}.$$
    """

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, record=None):
        xs = np.ascontiguousarray(x.swapaxes(0, 1))
        x_part = xs @ w_ih.T + b_ih  # (T, N, 3H)
        gates = np.empty_like(x_part)
        h_parts = np.empty_like(x_part)
        hs = np.empty((len(xs),) + h0.shape, dtype=x_part.dtype)
        h = h0
        for t in range(len(xs)):
            h_parts[t] = h @ w_hh.T + b_hh
            gates[t], h = kernels.gru_cell_forward(x_part[t], h_parts[t], h)
            hs[t] = h
        ctx.save_for_backward(xs, h0, gates, h_parts, hs, w_ih, w_hh)
        hidden = h0.shape[1]
        _record(record, reset_gate=gates[..., :hidden], update_gate=gates[..., hidden:2 * hidden],
                candidate=gates[..., 2 * hidden:], hidden=hs)
        return hs.swapaxes(0, 1)

    @staticmethod
    def backward(ctx, grad):
        xs, h0, gates, h_parts, hs, w_ih, w_hh = ctx.saved
        grad = grad.swapaxes(0, 1)
        d_x_part = np.empty_like(gates)
        d_h_part = np.empty_like(gates)
        d_h = np.zeros_like(h0)
        for t in reversed(range(len(xs))):
            h_prev = hs[t - 1] if t > 0 else h0
            d_x_part[t], d_h_part[t], direct = kernels.gru_cell_backward(
                gates[t], h_parts[t], h_prev, np.ascontiguousarray(grad[t] + d_h))
            d_h = direct + d_h_part[t] @ w_hh
        h_prev_all = np.concatenate([h0[None], hs[:-1]])
        d_w_ih, d_b_ih = _weight_grads(d_x_part, xs)
        d_w_hh, d_b_hh = _weight_grads(d_h_part, h_prev_all)
        return (d_x_part @ w_ih).swapaxes(0, 1), d_h, d_w_ih, d_w_hh, d_b_ih, d_b_hh

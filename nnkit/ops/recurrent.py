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


def _rows(a):
    """(T, N, K) as one (T N, K) matrix: NumPy would do (T, N, K) @ W as T small products."""
    return a.reshape(-1, a.shape[-1])


def _time_major(x, dtype):
    """x (N, T, I) copied to a (T, N, I) work array: each step's slice is contiguous."""
    xs = np.empty((x.shape[1], x.shape[0]) + x.shape[2:], dtype)
    xs[...] = x.swapaxes(0, 1)
    return xs


def _project(xs, weight):
    """xs @ weight^T for all steps at once, (T, N, rows of weight): one matrix product."""
    out = np.empty(xs.shape[:2] + weight.shape[:1], xs.dtype)
    np.matmul(_rows(xs), weight.T, out=_rows(out))
    return out


def _weight_grads(d_pre, inputs, bias=True):
    """dW = sum over steps and batch of d_pre^T @ inputs, as one matrix product; and db."""
    rows = _rows(d_pre)
    return rows.T @ _rows(inputs), rows.sum(axis=0) if bias else None


def _input_grad(d_pre, w_ih):
    """dL/dx (N, T, I), one matrix product for all steps."""
    return (_rows(d_pre) @ w_ih).reshape(d_pre.shape[:2] + w_ih.shape[1:]).swapaxes(0, 1)


class RNN(Function):
    r"""$h_t = \tanh(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh})$ (or ReLU).

    Inputs x (N, T, I), h0 (N, H); returns all hidden states (N, T, H).
    """

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity="tanh"):
        xs = _time_major(x, np.result_type(x, w_ih))  # (T, N, I)
        pre = _project(xs, w_ih)  # the input part of all steps
        pre += b_ih + b_hh
        hs = np.empty((len(xs) + 1,) + h0.shape, pre.dtype)  # h0, h_1 ... h_T
        hs[0] = h0
        for t in range(len(xs)):
            a = pre[t] + hs[t] @ w_hh.T
            hs[t + 1] = np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0)
        ctx.save_for_backward(xs, hs, w_ih, w_hh)
        ctx.nonlinearity = nonlinearity
        return hs[1:].swapaxes(0, 1)

    @staticmethod
    def backward(ctx, grad):
        xs, hs, w_ih, w_hh = ctx.saved
        grad = grad.swapaxes(0, 1)
        d_pre = np.empty((len(xs),) + hs.shape[1:], hs.dtype)
        d_h = np.zeros_like(hs[0])
        for t in reversed(range(len(xs))):
            d_out = grad[t] + d_h
            h = hs[t + 1]  # h_t (hs[0] is h0)
            slope = 1 - h ** 2 if ctx.nonlinearity == "tanh" else (h > 0)
            d_pre[t] = d_out * slope
            d_h = d_pre[t] @ w_hh
        d_w_ih, d_b = _weight_grads(d_pre, xs)
        d_w_hh, _ = _weight_grads(d_pre, hs[:-1], bias=False)  # inputs h_0 ... h_{T-1}
        d_x = _input_grad(d_pre, w_ih) if ctx.needs_input_grad[0] else None
        return d_x, d_h, d_w_ih, d_w_hh, d_b, d_b


class LSTM(Function):
    r"""Long short-term memory, gates (i, f, g, o) as PyTorch:

    $$i, f, o = \sigma(\cdot),\; g = \tanh(\cdot),\; c_t = f \odot c_{t-1} + i \odot g,\;
    h_t = o \odot \tanh c_t .$$

    Returns (N, T+1, H): the hidden states of all steps, then the last cell
    state in position T (one output array; the layer splits it).
    """

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh):
        xs = _time_major(x, np.result_type(x, w_ih))
        (steps, n, _), hidden, dtype = xs.shape, h0.shape[1], xs.dtype
        gates = _project(xs, w_ih)  # the input part of every step, (T, N, 4H)
        bias = b_ih + b_hh  # added per step, to the slice that is in the cache then
        w_hh_t = np.ascontiguousarray(w_hh.T)  # BLAS is a little faster on a contiguous operand
        # hs holds h0, h_1 ... h_T and then c_T: the output is a view of it, no copy
        hs = np.empty((steps + 2, n, hidden), dtype)
        cs = np.empty((steps + 1, n, hidden), dtype)  # c0, c_1 ... c_T
        hs[0], cs[0] = h0, c0
        step = np.empty((n, 4 * hidden), dtype)  # one buffer, reused every step
        for t in range(steps):
            np.matmul(hs[t], w_hh_t, out=step)
            step += gates[t]
            step += bias
            # gates[t] (input part, used above) is overwritten by the gate values
            kernels.lstm_cell_forward_into(step, cs[t], gates[t], cs[t + 1], hs[t + 1])
        hs[-1] = cs[-1]
        ctx.save_for_backward(xs, gates, cs, hs, w_ih, w_hh)
        return hs[1:].swapaxes(0, 1)

    @staticmethod
    def backward(ctx, grad):
        xs, gates, cs, hs, w_ih, w_hh = ctx.saved
        grad = _time_major(grad, grad.dtype)  # (T + 1, N, H): d h_1 ... d h_T, then d c_T
        steps = len(xs)
        d_c, d_c_prev = grad[-1].copy(), np.empty_like(grad[-1])
        d_pre = np.empty(gates.shape, gates.dtype)
        d_h = np.zeros_like(d_c)  # what h_t gets through the recurrence, from step t + 1
        for t in reversed(range(steps)):
            kernels.lstm_cell_backward_into(gates[t], cs[t], cs[t + 1], grad[t], d_h, d_c,
                                            d_pre[t], d_c_prev)
            d_c, d_c_prev = d_c_prev, d_c  # two buffers, used in turn
            np.matmul(d_pre[t], w_hh, out=d_h)
        d_w_ih, d_b = _weight_grads(d_pre, xs)
        d_w_hh, _ = _weight_grads(d_pre, hs[:steps], bias=False)  # inputs h_0 ... h_{T-1}
        d_x = _input_grad(d_pre, w_ih) if ctx.needs_input_grad[0] else None
        return d_x, d_h, d_c, d_w_ih, d_w_hh, d_b, d_b


class GRU(Function):
    r"""Gated recurrent unit, gates (r, z, n) as PyTorch:

    $$r, z = \sigma(\cdot),\; n = \tanh(x W_{in}^\top + b_{in} + r \odot (h W_{hn}^\top + b_{hn})),
    \; h_t = (1 - z) \odot n + z \odot h_{t-1}.$$
    """

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh):
        xs = _time_major(x, np.result_type(x, w_ih))
        x_part = _project(xs, w_ih)  # (T, N, 3H)
        x_part += b_ih
        w_hh_t = np.ascontiguousarray(w_hh.T)
        gates = np.empty(x_part.shape, x_part.dtype)
        h_parts = np.empty(x_part.shape, x_part.dtype)
        hs = np.empty((len(xs) + 1,) + h0.shape, x_part.dtype)  # h0, h_1 ... h_T
        hs[0] = h0
        for t in range(len(xs)):
            np.matmul(hs[t], w_hh_t, out=h_parts[t])
            h_parts[t] += b_hh
            gates[t], hs[t + 1] = kernels.gru_cell_forward(x_part[t], h_parts[t], hs[t])
        ctx.save_for_backward(xs, gates, h_parts, hs, w_ih, w_hh)
        return hs[1:].swapaxes(0, 1)

    @staticmethod
    def backward(ctx, grad):
        xs, gates, h_parts, hs, w_ih, w_hh = ctx.saved
        grad = grad.swapaxes(0, 1)
        d_x_part = np.empty(gates.shape, gates.dtype)
        d_h_part = np.empty(gates.shape, gates.dtype)
        d_h = np.zeros_like(hs[0])
        grad_h = np.empty_like(d_h)
        for t in reversed(range(len(xs))):
            np.add(grad[t], d_h, out=grad_h)  # from the output and from step t + 1
            d_x_part[t], d_h_part[t], direct = kernels.gru_cell_backward(
                gates[t], h_parts[t], hs[t], grad_h)
            np.matmul(d_h_part[t], w_hh, out=d_h)
            d_h += direct
        d_w_ih, d_b_ih = _weight_grads(d_x_part, xs)
        d_w_hh, d_b_hh = _weight_grads(d_h_part, hs[:-1])  # inputs h_0 ... h_{T-1}
        d_x = _input_grad(d_x_part, w_ih) if ctx.needs_input_grad[0] else None
        return d_x, d_h, d_w_ih, d_w_hh, d_b_ih, d_b_hh

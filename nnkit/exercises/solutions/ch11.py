"""Chapter 11's build exercise, the course's answer: ``LSTMCell`` and ``GRUCell``.

One time step each, from nnkit's tensor operations (so they learn), with PyTorch's parameter
names and gate order: the rows of ``weight_ih`` are the gates i, f, g, o (LSTM) or r, z, n
(GRU), stacked.
"""
import numpy as np

from nnkit import nn


def _uniform(hidden_size, *shape):
    bound = 1 / np.sqrt(hidden_size)  # PyTorch's default for recurrent weights
    return nn.Parameter(np.random.uniform(-bound, bound, shape).astype(np.float32))


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = _uniform(hidden_size, 4 * hidden_size, input_size)
        self.weight_hh = _uniform(hidden_size, 4 * hidden_size, hidden_size)
        self.bias_ih = _uniform(hidden_size, 4 * hidden_size)
        self.bias_hh = _uniform(hidden_size, 4 * hidden_size)

    def forward(self, x, state=None):
        if state is None:  # the first step: no memory yet
            zeros = np.zeros((x.shape[0], self.hidden_size), dtype=np.float32)
            state = (zeros, zeros)
        h, c = state
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        H = self.hidden_size
        i, f = gates[:, :H].sigmoid(), gates[:, H:2 * H].sigmoid()
        g, o = gates[:, 2 * H:3 * H].tanh(), gates[:, 3 * H:].sigmoid()
        c = f * c + i * g  # forget some of the old memory, write some new
        return o * c.tanh(), c


class GRUCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = _uniform(hidden_size, 3 * hidden_size, input_size)
        self.weight_hh = _uniform(hidden_size, 3 * hidden_size, hidden_size)
        self.bias_ih = _uniform(hidden_size, 3 * hidden_size)
        self.bias_hh = _uniform(hidden_size, 3 * hidden_size)

    def forward(self, x, h=None):
        if h is None:
            h = np.zeros((x.shape[0], self.hidden_size), dtype=np.float32)
        H = self.hidden_size
        from_x = x @ self.weight_ih.T + self.bias_ih  # the three gates' input parts
        from_h = h @ self.weight_hh.T + self.bias_hh  # and their hidden parts, bias included
        r = (from_x[:, :H] + from_h[:, :H]).sigmoid()
        z = (from_x[:, H:2 * H] + from_h[:, H:2 * H]).sigmoid()
        n = (from_x[:, 2 * H:] + r * from_h[:, 2 * H:]).tanh()  # r scales W_hn h + b_hn
        return (1 - z) * n + z * h  # z near 1 keeps the old state

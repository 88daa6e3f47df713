r"""Recurrent layers (chapter 11): RNN, LSTM, GRU and their single-step cells.

Arguments, parameter names (``weight_ih_l0``, ``weight_hh_l0``,
``bias_ih_l0``, ``bias_hh_l0``), gate order and initialisation (uniform in
$\pm 1/\sqrt{H}$) are PyTorch's, so state dicts move between the two. As in PyTorch, inputs are
time first, (time, batch, features), unless ``batch_first=True`` makes them
(batch, time, features); the states h0/h_n are (num_layers, batch, hidden)
either way.

To look inside (the gate inspector of chapter 11), register a forward hook,
``layer.register_forward_hook(hook)``, as in PyTorch: it sees the inputs and
outputs, from which the gates of every step follow.
"""
import math

import numpy as np

from nnkit import ops
from nnkit.nn import functional as F
from nnkit.nn import init
from nnkit.nn.layers import _positive_int
from nnkit.nn.module import Module, Parameter, match_dtype
from nnkit.tensor import Tensor, stack, zeros

_GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


class _Recurrent(Module):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0):
        super().__init__()
        name = type(self).__name__
        self.input_size = _positive_int(input_size, "input_size", name)
        self.hidden_size = _positive_int(hidden_size, "hidden_size", name)
        self.num_layers = _positive_int(num_layers, "num_layers", name)
        if not 0 <= dropout < 1:
            raise ValueError(f"{name}: expected dropout in [0, 1). Received dropout={dropout}")
        self.bias, self.batch_first, self.dropout = bias, batch_first, dropout
        gates = _GATES[self._kind] * hidden_size
        for layer in range(num_layers):
            width = input_size if layer == 0 else hidden_size
            setattr(self, f"weight_ih_l{layer}", Parameter(np.empty((gates, width), np.float32)))
            setattr(self, f"weight_hh_l{layer}",
                    Parameter(np.empty((gates, hidden_size), np.float32)))
            if bias:
                setattr(self, f"bias_ih_l{layer}", Parameter(np.empty(gates, np.float32)))
                setattr(self, f"bias_hh_l{layer}", Parameter(np.empty(gates, np.float32)))
        bound = 1 / math.sqrt(hidden_size)
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    def _layer_weights(self, layer):
        w_ih, w_hh = getattr(self, f"weight_ih_l{layer}"), getattr(self, f"weight_hh_l{layer}")
        if self.bias:
            return w_ih, w_hh, getattr(self, f"bias_ih_l{layer}"), getattr(self, f"bias_hh_l{layer}")
        rows = w_ih.shape[0]
        return w_ih, w_hh, Tensor(np.zeros(rows, w_ih.dtype)), Tensor(np.zeros(rows, w_ih.dtype))

    def _check_input(self, x):
        name = type(self).__name__
        if not isinstance(x, Tensor):
            if not isinstance(x, np.ndarray):
                raise TypeError(f"{name}: expected the input sequence as a Tensor. Received "
                                f"{type(x).__name__}")
            x = Tensor(x)
        if x.ndim != 3 or x.shape[2] != self.input_size:
            order = "(batch, time, features)" if self.batch_first else \
                "(time, batch, features); pass batch_first=True for (batch, time, features)"
            raise ValueError(f"{name}: expected input {order} with {self.input_size} features. "
                             f"Received shape {tuple(x.shape)}")
        return x

    def _check_state(self, x, state):
        name = type(self).__name__
        expected = (self.num_layers, x.shape[0], self.hidden_size)
        for s in state:
            if s is not None and tuple(s.shape) != expected:
                raise ValueError(f"{name}: expected an initial state of shape {expected} "
                                 f"(num_layers, batch, hidden_size). Received {tuple(s.shape)}")

    def forward(self, x, state=None):
        x = match_dtype(self._check_input(x), self.weight_ih_l0.dtype)
        if not self.batch_first:  # the ops take (batch, time, features)
            x = x.transpose(1, 0, 2)
        states = self._split_state(state, x)
        self._check_state(x, [s for s in states if s is not None])
        finals = []
        for layer in range(self.num_layers):
            if layer > 0:
                x = F.dropout(x, self.dropout, self.training)
            x, final = self._run_layer(layer, x, [s[layer] if s is not None else None
                                                  for s in states])
            finals.append(final)
        output = x if self.batch_first else x.transpose(1, 0, 2)
        return output, self._join_state(finals)

    def _initial(self, given, x):
        return given if given is not None else zeros(x.shape[0], self.hidden_size, dtype=x.dtype)

    def _split_state(self, state, x):
        return [state]

    def _join_state(self, finals):
        return stack(finals)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.batch_first:
            text += ", batch_first=True"
        return text + ("" if self.bias else ", bias=False")


_SHAPES = """
    Args:
        input_size: features per step. hidden_size: size of the hidden state h.
        num_layers: stacked layers, each reading the previous one's outputs.
        bias: learn ``bias_ih_l*`` and ``bias_hh_l*``.
        batch_first: inputs and outputs are (N, T, features) instead of
            PyTorch's default (T, N, features).
        dropout: applied to the outputs of every layer but the last, in training.

    Shape:
        input (T, N, input_size), or (N, T, input_size) with ``batch_first=True``;
        output the same with hidden_size features; h0 and h_n (num_layers, N, hidden_size).

"""


class RNN(_Recurrent):
    r"""Elman RNN: $h_t = \tanh(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh})$.

    Returns ``(output, h_n)``: output holds $h_t$ of the last layer for every
    step; h_n the last step of every layer. ``nonlinearity`` is "tanh" or "relu".
    {shapes}
    Example::

        >>> rnn = nn.RNN(3, 8)
        >>> output, h_n = rnn(nnkit.zeros(5, 2, 3))   # 5 steps, batch of 2
        >>> output.shape, h_n.shape
        ((5, 2, 8), (1, 2, 8))
    """

    _kind = "RNN"

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: expected nonlinearity 'tanh' or 'relu'. Received "
                             f"nonlinearity={nonlinearity!r}")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout)
        self.nonlinearity = nonlinearity

    def _run_layer(self, layer, x, state):
        h0 = self._initial(state[0], x)
        out = ops.RNN.apply(x, h0, *self._layer_weights(layer), nonlinearity=self.nonlinearity)
        return out, out[:, -1]


class GRU(_Recurrent):
    """Gated recurrent unit, gates (r, z, n). Returns ``(output, h_n)`` as :class:`RNN`.
    {shapes}
    Example::

        >>> gru = nn.GRU(3, 8, batch_first=True)
        >>> output, h_n = gru(nnkit.zeros(2, 5, 3))   # batch of 2, 5 steps
        >>> output.shape, h_n.shape
        ((2, 5, 8), (1, 2, 8))
    """

    _kind = "GRU"

    def _run_layer(self, layer, x, state):
        out = ops.GRU.apply(x, self._initial(state[0], x), *self._layer_weights(layer))
        return out, out[:, -1]


class LSTM(_Recurrent):
    """Long short-term memory, gates (i, f, g, o).

    ``forward(x, (h0, c0))`` returns ``(output, (h_n, c_n))`` as PyTorch;
    c0 and c_n have the shape of h0.
    {shapes}
    Example::

        >>> lstm = nn.LSTM(3, 8)
        >>> output, (h_n, c_n) = lstm(nnkit.zeros(5, 2, 3))   # 5 steps, batch of 2
        >>> output.shape, c_n.shape
        ((5, 2, 8), (1, 2, 8))
    """

    _kind = "LSTM"

    def _split_state(self, state, x):
        if state is not None and not (isinstance(state, (tuple, list)) and len(state) == 2):
            raise TypeError(f"LSTM: expected the initial state as a tuple (h0, c0). Received "
                            f"{type(state).__name__}")
        return [None, None] if state is None else list(state)

    def _run_layer(self, layer, x, state):
        h0, c0 = self._initial(state[0], x), self._initial(state[1], x)
        packed = ops.LSTM.apply(x, h0, c0, *self._layer_weights(layer))
        steps = x.shape[1]
        return packed[:, :steps], (packed[:, steps - 1], packed[:, steps])

    def _join_state(self, finals):
        return stack([h for h, _ in finals]), stack([c for _, c in finals])


for _layer in (RNN, GRU, LSTM):  # one copy of the shared Args/Shape text
    _layer.__doc__ = _layer.__doc__.replace("    {shapes}\n", _SHAPES)


# ---------------------------------------------------------------- single steps

class _Cell(Module):
    """One time step; parameters ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``."""

    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__()
        layer = self._layer_class(input_size, hidden_size, bias=bias, batch_first=True)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            if hasattr(layer, f"{name}_l0"):
                setattr(self, name, getattr(layer, f"{name}_l0"))
        self._layer = layer  # runs the step; shares the parameters above

    def named_children(self):
        return iter(())  # the inner layer's parameters are already ours

    def _as_sequence(self, x):
        if x.ndim != 2:
            raise ValueError(f"{type(self).__name__}: expected input (batch, {self.input_size})."
                             f" Received shape {tuple(x.shape)}")
        return x.reshape(x.shape[0], 1, x.shape[1])

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(_Cell):
    _layer_class = RNN

    def forward(self, x, h=None):
        self._layer.train(self.training)
        _, h_n = self._layer(self._as_sequence(x), None if h is None else h.unsqueeze(0))
        return h_n[0]


class GRUCell(RNNCell):
    _layer_class = GRU


class LSTMCell(_Cell):
    _layer_class = LSTM

    def forward(self, x, state=None):
        state = None if state is None else (state[0].unsqueeze(0), state[1].unsqueeze(0))
        _, (h_n, c_n) = self._layer(self._as_sequence(x), state)
        return h_n[0], c_n[0]

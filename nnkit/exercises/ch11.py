r"""Checkers for chapter 11 (recurrent networks).

    from nnkit.exercises import ch11 as check
    check.rnn_cell(my_rnn_cell)

One checker per exercise. Weight shapes and gate orders are nnkit's (and
PyTorch's): ``W_ih`` is (gates * H, I), ``W_hh`` is (gates * H, H), LSTM
gates in the order (i, f, g, o). When an answer is wrong, the checker also
tries the usual slips (a forgotten recurrent term, swapped gates, an
off-by-one window, ...) and, if the answer matches one of them, says so.
"""
import numpy as np

from nnkit.exercises.checking import Case, CheckResult, Exercise, Problem, Slip, _show

__all__ = ["clip_grad_norm", "lstm_cell", "one_hot", "persistence_mse", "rnn_cell",
           "sliding_windows"]

_RNG = np.random.default_rng(11)  # fixed hidden cases: the same on every run


def _weights(num_inputs, num_hiddens, gates, scale=0.5):
    rows = gates * num_hiddens
    return (scale * _RNG.standard_normal((rows, num_inputs)),
            scale * _RNG.standard_normal((rows, num_hiddens)),
            0.1 * _RNG.standard_normal(rows), 0.1 * _RNG.standard_normal(rows))


def _sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))


# ---------------------------------------------------------------- machinery

def _check(name, fn, reference, cases, parts, slips=(), rtol=1e-5, atol=1e-7, hint=None):
    """The one engine (:class:`~nnkit.exercises.checking.Exercise`) with the outputs named
    by ``parts``: one part for a single output, one per element of a tuple."""
    return Exercise(name, reference, cases, [Slip(h, wrong=wrong) for wrong, h in slips],
                    parts=tuple(parts), rtol=rtol, atol=atol, hint=hint).check(fn)


# ---------------------------------------------------------------- 1 · an RNN cell step

SHAPES = ("check the shapes: x is (N, I), h is (N, H), W_ih is (gates*H, I) and W_hh is "
          "(gates*H, H), so x @ W_ih.T and h @ W_hh.T are both (N, gates*H).")

def _rnn(x, h, W_ih, W_hh, b_ih, b_hh):
    return np.tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)


def rnn_cell(fn):
    r"""Exercise 1: ``fn(x, h, W_ih, W_hh, b_ih, b_hh)`` returns the next hidden state

    $h_t = \tanh(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh})$, shape (N, H).
    """
    small, wide = _weights(3, 4, 1), _weights(5, 2, 1)
    x, h = _RNG.standard_normal((2, 3)), _RNG.standard_normal((2, 4))
    cases = [
        Case((x, h, *small), "batch of 2, 3 inputs, 4 hidden units"),
        Case((x, np.zeros((2, 4)), *small), "first step (h = 0)"),
        Case((_RNG.standard_normal((3, 5)), _RNG.standard_normal((3, 2)), *wide),
             "5 inputs, 2 hidden units", "W_ih is (H, I): multiply x by its transpose, x @ W_ih.T."),
        Case((1e3 * x, 500 * h, *small), "huge inputs",
             "tanh saturates at +-1; np.tanh never overflows, exp(2a) does."),
    ]
    slips = [
        (lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi.T + bi + bh),
         "you forgot the recurrent term h @ W_hh.T: without it the cell has no memory."),
        (lambda x, h, Wi, Wh, bi, bh: _sigmoid(x @ Wi.T + bi + h @ Wh.T + bh),
         "the Elman cell squashes with tanh (values in -1..1), not the sigmoid."),
        (lambda x, h, Wi, Wh, bi, bh: np.maximum(x @ Wi.T + bi + h @ Wh.T + bh, 0),
         "nn.RNN's default nonlinearity is tanh, not ReLU."),
        (lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi.T + h @ Wh.T),
         "you forgot the biases b_ih and b_hh."),
        (lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi.T + bi + h @ Wh + bh),
         "W_hh is (H, H) and is used transposed, h @ W_hh.T, like W_ih."),
        (lambda x, h, Wi, Wh, bi, bh: x @ Wi.T + bi + h @ Wh.T + bh,
         "apply the nonlinearity tanh to the sum."),
    ]
    return _check("rnn_cell", fn, _rnn, cases, ["the new hidden state h"], slips, hint=SHAPES)


# ---------------------------------------------------------------- 2 · an LSTM cell step

def _lstm(x, h, c, W_ih, W_hh, b_ih, b_hh, order="ifgo", cell_tanh=True):
    pre = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    blocks = dict(zip(order, np.split(pre, 4, axis=1)))
    i, f, o = _sigmoid(blocks["i"]), _sigmoid(blocks["f"]), _sigmoid(blocks["o"])
    g = np.tanh(blocks["g"])
    c = f * c + i * g
    return o * (np.tanh(c) if cell_tanh else c), c


def lstm_cell(fn):
    r"""Exercise 2: ``fn(x, h, c, W_ih, W_hh, b_ih, b_hh)`` returns ``(h_new, c_new)``.

    Gates in PyTorch's order (i, f, g, o) along the rows of ``W_ih``/``W_hh``:
    $c_t = f \odot c_{t-1} + i \odot g$, $h_t = o \odot \tanh c_t$.
    """
    weights = _weights(3, 2, 4, scale=0.8)
    x, h, c = (_RNG.standard_normal((2, 3)), _RNG.standard_normal((2, 2)),
               _RNG.standard_normal((2, 2)))
    cases = [
        Case((x, h, c, *weights), "batch of 2, 3 inputs, 2 hidden units"),
        Case((x, np.zeros((2, 2)), np.zeros((2, 2)), *weights), "first step (h = c = 0)"),
        Case((x[:1], h[:1], 5 * c[:1], *weights), "one sample, a large cell state",
             "the cell state is not squashed when it is stored: only h = o * tanh(c) is."),
        Case((40 * x, h, c, *weights), "huge inputs (saturated gates)",
             "compute the sigmoid without overflow, e.g. np.exp(-np.logaddexp(0, -a))."),
    ]
    slips = [
        (lambda *a: _lstm(*a, order="figo"),
         ("the gate order is (i, f, g, o): rows 0:H are the input gate, H:2H the forget gate. "
         "You swapped the forget and input gates.")),
        (lambda *a: _lstm(*a, order="igfo"), "the gate order is (i, f, g, o): f is the 2nd block."),
        (lambda *a: _lstm(*a, order="ifog"),
         "the gate order is (i, f, g, o): the candidate g is the 3rd block, the output gate last."),
        (lambda *a: _lstm(*a, cell_tanh=False), "h = o * tanh(c): squash the cell state."),
        (lambda x, h, c, Wi, Wh, bi, bh: _lstm(x, np.zeros_like(h), c, Wi, Wh, bi, bh),
         "you forgot the recurrent term h @ W_hh.T in the gate pre-activations."),
    ]
    return _check("lstm_cell", fn, _lstm, cases, ["h_new", "c_new"], slips,
                  hint=SHAPES + " Split the (N, 4H) pre-activations into four (N, H) blocks.")


# ---------------------------------------------------------------- 3 · sliding windows

def _windows(series, window, horizon):
    count = len(series) - window - horizon + 1
    X = np.stack([series[i:i + window] for i in range(count)])
    return X, series[window + horizon - 1:window + horizon - 1 + count]


def sliding_windows(fn):
    r"""Exercise 3: ``fn(series, window, horizon)`` returns ``(X, y)``.

    Row $i$ of X is ``series[i : i + window]``; its target is the value
    ``horizon`` steps after the window's last one, ``series[i + window + horizon - 1]``.
    Every possible window is used: N = len(series) - window - horizon + 1.
    """
    series = np.arange(10.0) * 10
    cases = [
        Case((series, 3, 1), "window 3, horizon 1 (the next value)",
             "with horizon 1 the target is the value right after the window."),
        Case((series, 3, 2), "window 3, horizon 2",
             "the target is series[i + window + horizon - 1]: horizon 1 means the next value."),
        Case((series, 1, 1), "window 1"),
        Case((series, 4, 6), "only one window fits", "N = len(series) - window - horizon + 1."),
        Case((np.sin(np.arange(30.0)), 7, 3), "a sine wave"),
    ]
    slips = [
        (lambda s, w, h: _windows(s, w, h + 1),
         ("off by one: your target is one step too late. With horizon 1 the target is "
         "series[i + window], the value right after the window.")),
        (lambda s, w, h: (_windows(s, w, h)[0], s[w + h - 2:w + h - 2 + len(s) - w - h + 1]),
         ("off by one: your target is one step too early. With horizon 1 the target is "
         "series[i + window], the value right after the window.")),
        (lambda s, w, h: _windows(s, w, 1),
         "the target must be `horizon` steps ahead: series[i + window + horizon - 1]."),
        (lambda s, w, h: tuple(part[:-1] for part in _windows(s, w, h)),
         ("you left out the last window: N = len(series) - window - horizon + 1 (range's end "
         "is exclusive).")),
    ]
    return _check("sliding_windows", fn, _windows, cases, ["X", "y"], slips,
                  hint="the last window starts at len(series) - window - horizon and its "
                       "target is the series' last value; no index may go past it.")


# ---------------------------------------------------------------- 4 · persistence baseline

def _persistence(series, horizon):
    return float(np.mean((series[horizon:] - series[:-horizon]) ** 2))


def persistence_mse(fn):
    r"""Exercise 4: ``fn(series, horizon)``: the mean squared error of the forecast
    "the value `horizon` steps ago", $\frac{1}{T-h}\sum_{t \ge h} (x_t - x_{t-h})^2$."""
    walk = np.cumsum(_RNG.standard_normal(50))
    cases = [
        Case((np.array([1.0, 2.0, 4.0, 7.0]), 1), "four values, horizon 1"),
        Case((np.array([1.0, 2.0, 4.0, 7.0]), 2), "four values, horizon 2",
             "compare x[t] with x[t - horizon]: series[horizon:] - series[:-horizon]."),
        Case((np.full(6, 3.0), 3), "a constant series (persistence is perfect)"),
        Case((walk, 5), "a random walk, horizon 5"),
        Case((1e4 * walk, 1), "large values"),
    ]
    slips = [
        (lambda s, h: float(np.sqrt(_persistence(s, h))),
         "that is the root of the MSE (RMSE): leave out the square root."),
        (lambda s, h: float(np.mean(np.abs(s[h:] - s[:-h]))),
         "that is the mean absolute error: square the differences."),
        (lambda s, h: _persistence(s, 1), "use the value `horizon` steps ago, not the last one."),
        (lambda s, h: _persistence(s, h + 1), "off by one: compare x[t] with x[t - horizon]."),
        (lambda s, h: float(np.sum((s[h:] - s[:-h]) ** 2)), "average the squared errors (mean)."),
    ]
    return _check("persistence_mse", fn, _persistence, cases, ["the MSE"], slips, rtol=1e-6)


# ---------------------------------------------------------------- 5 · one-hot characters

def _one_hot(text, alphabet):
    out = np.zeros((len(text), len(alphabet)))
    out[np.arange(len(text)), [alphabet.index(ch) for ch in text]] = 1
    return out


def one_hot(fn):
    r"""Exercise 5: ``fn(text, alphabet)`` returns a (len(text), len(alphabet)) array

    whose row $t$ is 1 in the column ``alphabet.index(text[t])`` and 0 elsewhere.
    """
    letters = ".abcdefghijklmnopqrstuvwxyz"
    cases = [
        Case(("abc", "abc"), "three letters in order"),
        Case(("emma", letters), "a name", "row t belongs to the t-th character of the text."),
        Case(("zz.a", letters), "repeated and boundary characters",
             "the first character of the alphabet has index 0, the last len(alphabet) - 1."),
        Case(("", letters), "the empty text", "an empty text gives an array of shape (0, V)."),
    ]
    slips = [
        (lambda text, alphabet: _one_hot(text, alphabet).T,
         "one row per character and one column per alphabet letter: shape (len(text), V)."),
        (lambda text, alphabet: np.array([alphabet.index(ch) for ch in text]),
         "these are the character ids; turn each id into a row of zeros with a single 1."),
        (lambda text, alphabet: np.roll(_one_hot(text, alphabet), 1, axis=1),
         "off by one: indices start at 0, so the alphabet's first character goes to column 0."),
    ]
    return _check("one_hot", fn, _one_hot, cases, ["the one-hot array"], slips)


# ---------------------------------------------------------------- 6 · clipping by global norm

def _clip(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    scale = min(1.0, max_norm / (total + 1e-6))
    return [g * scale for g in grads], total


def _per_array(grads, max_norm):
    return [g * min(1.0, max_norm / (np.linalg.norm(g) + 1e-6)) for g in grads], \
        float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))


def _clip_squared(grads, max_norm):
    total = float(sum(np.sum(g ** 2) for g in grads))  # forgot the square root
    return [g * min(1.0, max_norm / total) for g in grads], total


def clip_grad_norm(fn):
    r"""Exercise 6: ``fn(grads, max_norm)`` returns ``(clipped, total_norm)``.

    ``total_norm`` $= \sqrt{\sum_k \lVert g_k \rVert^2}$ over all arrays together;
    when it exceeds ``max_norm`` every array is scaled by max_norm / total_norm
    (direction kept), otherwise the gradients come back unchanged.
    """
    big = [np.array([[3.0, 0.0], [0.0, 4.0]]), np.array([12.0])]  # total norm 13
    cases = [
        Case((big, 1.0), "norm 13 clipped to 1",
             "one norm over ALL arrays together, then one scale for all of them."),
        Case(([np.array([0.3, 0.4])], 5.0), "already small: unchanged",
             "only scale down: when total_norm <= max_norm return the gradients as they are."),
        Case(([np.full(3, 1e6), np.full((2, 2), -1e6)], 0.5), "exploding gradients"),
        Case(([np.array([1.0, -2.0]), np.zeros(3), np.array([[2.0]])], 1.5),
             "a zero gradient among others"),
    ]
    slips = [
        (_per_array, ("clip by the GLOBAL norm: one norm over all arrays, the same scale for each "
                     "(clipping each array alone changes the gradient's direction).")),
        (lambda grads, m: ([g * m / _clip(grads, m)[1] for g in grads], _clip(grads, m)[1]),
         "only scale down: gradients smaller than max_norm stay unchanged."),
        (_clip_squared, "the norm is the square root of the sum of squares."),
        (lambda grads, m: (_clip(grads, m)[0], _clip(grads, m)[1] ** 2),
         "the norm is the square root of the sum of squares."),
    ]
    return _check_clip(fn, cases, slips)


def _flat(result):
    """(list of arrays, norm) -> one tuple (array, ..., norm) that _check compares part by part."""
    clipped, total = result
    return (*clipped, total)


def _check_clip(fn, cases, slips):
    """_check for a (list of arrays, number) answer; each array is compared on its own."""
    if not callable(fn):
        return CheckResult("clip_grad_norm", False, f"expected a function, received {_show(fn)}")
    for case in cases:
        count = len(case.args[0])
        names = [f"clipped[{k}]" for k in range(count)] + ["total_norm"]

        def learner(grads, max_norm, count=count):
            received = fn([g.copy() for g in grads], max_norm)  # may clip in place
            if (not isinstance(received, tuple) or len(received) != 2
                    or len(received[0]) != count):
                raise _Shape(received, count)
            return _flat(received)

        result = _check("clip_grad_norm", learner, lambda g, m: _flat(_clip(g, m)), [case], names,
                        [(lambda g, m, s=s: _flat(s(g, m)), h) for s, h in slips])
        if not result:
            return result
    labels = ", ".join(case.label for case in cases)
    return CheckResult("clip_grad_norm", True, f"all {len(cases)} cases passed ({labels}).")


class _Shape(Problem):
    def __init__(self, received, count):
        super().__init__(f"expected a tuple (clipped, total_norm) with clipped a list of {count} "
                         f"arrays; received {_show(received)}. End with "
                         "`return clipped, total_norm`")


# ---------------------------------------------------------------- 7 · your LSTMCell and GRUCell

def _cell_run(classes, which, kind):
    """The learner's cell with an nnkit cell's weights: its outputs, or its gradients."""
    import nnkit
    theirs = {"LSTM": nnkit.nn.LSTMCell, "GRU": nnkit.nn.GRUCell}[which]
    nnkit.manual_seed(11)
    reference = theirs(3, 4)
    cell = classes[which](3, 4)
    cell.load_state_dict(reference.state_dict())
    rng = np.random.default_rng(110)
    batch = 1 if kind == "one sample" else 2
    x = nnkit.tensor(rng.standard_normal((batch, 3)).astype(np.float32))
    if kind == "no state":
        out = cell(x)
    else:
        h = nnkit.tensor(rng.standard_normal((batch, 4)).astype(np.float32))
        c = nnkit.tensor(rng.standard_normal((batch, 4)).astype(np.float32))
        out = cell(x, (h, c) if which == "LSTM" else h)
    outs = out if isinstance(out, tuple) else (out,)
    if kind != "gradients":
        return np.concatenate([o.data.ravel() for o in outs])
    total = outs[0].sum() * 1.0
    for extra in outs[1:]:
        total = total + extra.sum() * 0.5
    total.backward()
    return np.concatenate([getattr(cell, n).grad.ravel()
                           for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")])


def _cell_variant(which, forward):
    from nnkit.exercises.solutions import ch11 as course
    base = {"LSTM": course.LSTMCell, "GRU": course.GRUCell}[which]
    return {which: type(base.__name__, (base,), {"forward": forward})}


def _lstm_slip(order="ifgo", cell_tanh=True, g_sigmoid=False):
    def forward(self, x, state=None):
        if state is None:
            zeros = np.zeros((x.shape[0], self.hidden_size), dtype=np.float32)
            state = (zeros, zeros)
        h, c = state
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        H = self.hidden_size
        part = {name: gates[:, k * H:(k + 1) * H] for k, name in enumerate(order)}
        i, f, o = part["i"].sigmoid(), part["f"].sigmoid(), part["o"].sigmoid()
        g = part["g"].sigmoid() if g_sigmoid else part["g"].tanh()
        c = f * c + i * g
        return o * (c.tanh() if cell_tanh else c), c
    return forward


def _gru_slip(swap_z=False, r_outside=False):
    def forward(self, x, h=None):
        if h is None:
            h = np.zeros((x.shape[0], self.hidden_size), dtype=np.float32)
        H = self.hidden_size
        from_x = x @ self.weight_ih.T + self.bias_ih
        from_h = h @ self.weight_hh.T + self.bias_hh
        r = (from_x[:, :H] + from_h[:, :H]).sigmoid()
        z = (from_x[:, H:2 * H] + from_h[:, H:2 * H]).sigmoid()
        if r_outside:  # the bias b_hn left out of r's reach
            n = (from_x[:, 2 * H:] + r * (h @ self.weight_hh[2 * H:].T) + self.bias_hh[2 * H:]).tanh()
        else:
            n = (from_x[:, 2 * H:] + r * from_h[:, 2 * H:]).tanh()
        return z * n + (1 - z) * h if swap_z else (1 - z) * n + z * h
    return forward


_CELL_SLIPS = [
    (("LSTM", _lstm_slip(order="ifog")),
     ("PyTorch stacks the LSTM's gates as i, f, g, o: the third quarter of the rows is the "
     "candidate g (tanh), the last the output gate o.")),
    (("LSTM", _lstm_slip(cell_tanh=False)),
     "h = o * tanh(c): the cell goes through tanh before the output gate."),
    (("LSTM", _lstm_slip(g_sigmoid=True)),
     ("the candidate g uses tanh (values in -1..1, so memory can go down as well as up); "
     "the three gates use sigmoid.")),
    (("GRU", _gru_slip(swap_z=True)),
     "PyTorch's GRU keeps the OLD state where z is near 1: h' = (1 - z) * n + z * h."),
    (("GRU", _gru_slip(r_outside=True)),
     ("in PyTorch's GRU the reset gate multiplies W_hn h + b_hn, bias included: "
     "n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).")),
]


def recurrent_cells(LSTMCell, GRUCell):
    """Exercise 7: the learner's ``LSTMCell`` and ``GRUCell`` (nn.Modules, one step each).

    Given an nnkit cell's weights, the learner's cell must give the same outputs (with a
    state, with none, for one sample) and the same gradients. Five usual slips are named.
    Passing keeps both in ``mine/ch11.py``.
    """
    from nnkit import mine
    from nnkit.exercises.checking import Exercise, Slip
    from nnkit.exercises.solutions import ch11 as course
    name = "LSTMCell, GRUCell"
    if not all(isinstance(c, type) for c in (LSTMCell, GRUCell)):
        return CheckResult(name, False, "expected two classes: recurrent_cells(LSTMCell, GRUCell).")
    classes = {"LSTM": LSTMCell, "GRU": GRUCell}
    cases = [Case((which, kind), f"{which}: {label}") for which in ("LSTM", "GRU")
             for kind, label in (("state", "a batch of 2 with a state"),
                                 ("no state", "no state given: start from zeros"),
                                 ("one sample", "a batch of 1"),
                                 ("gradients", "the gradients of the weights"))]
    slips = [Slip(hint, wrong=lambda which, kind, v=variant: _cell_run(
        _cell_variant(*v) if v[0] == which else {which: getattr(course, f"{which}Cell")},
        which, kind)) for variant, hint in _CELL_SLIPS]
    course_classes = {"LSTM": course.LSTMCell, "GRU": course.GRUCell}
    result = Exercise(name, lambda which, kind: _cell_run(course_classes, which, kind), cases,
                      slips, rtol=1e-4, atol=1e-6, show=_show_cell_case).check(
        lambda which, kind: _cell_run(classes, which, kind))
    if not result:
        return result
    kept = [mine.keep(cls, 11, "7") for cls in (LSTMCell, GRUCell)]
    if all(kept):
        result.message += f" Kept in your library: {kept[0]}"
    return result


def _show_cell_case(value):
    if not isinstance(value, str):
        return _show(value)
    if value in ("LSTM", "GRU"):
        return f"nnkit's {value}Cell(3, 4) weights"
    if value in ("state", "no state", "one sample", "gradients"):
        return "random inputs"
    return _show(value)

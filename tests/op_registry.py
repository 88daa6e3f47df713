"""One registry of nnkit's differentiable ops: it drives every test in test_ops.py.

Each :class:`OpSpec` says how to call the op three ways (nnkit on Tensors,
NumPy on arrays, PyTorch on torch tensors), which shapes it accepts (a
hypothesis strategy that draws one shape per input), and which values are
safe (a *domain*: positive for log and sqrt, away from the kink for abs,
relu and clip, distinct values for max and min so no two elements tie).
Adding an op means adding one entry here; the forward, gradcheck and
PyTorch-oracle tests pick it up. (The pattern is minitorch's testing.py.)
"""
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

import nnkit
from nnkit import ops

# ---------------------------------------------------------------- domains
# a domain turns (rng, shape) into float64 values where the op is smooth


def real(rng, shape):
    return rng.standard_normal(shape)


def positive(rng, shape):
    return 0.5 + np.abs(rng.standard_normal(shape))


def away_from(*points, gap=0.1):
    """Values at least `gap` from each of `points` (the kinks of abs, relu, clip)."""
    def domain(rng, shape):
        x = rng.standard_normal(shape)
        for p in points:
            near = np.abs(x - p) < gap
            x = np.where(near, p + gap * np.where(x >= p, 1.0, -1.0), x)
        return x
    return domain


def distinct(rng, shape):
    """All values differ by at least 0.05, so max/min never tie, even after a finite step."""
    size = int(np.prod(shape))
    return (rng.permutation(size) * 0.1 - size * 0.05).reshape(shape) \
        + rng.uniform(0, 0.02, shape)


# ---------------------------------------------------------------- shapes

def shape(min_ndim=1, max_ndim=3, min_side=1, max_side=4):
    return st.lists(st.integers(min_side, max_side), min_size=min_ndim,
                    max_size=max_ndim).map(tuple)


def same_shapes(count, **kwargs):
    return shape(**kwargs).map(lambda s: (s,) * count)


@st.composite
def broadcast_shapes(draw, count=2):
    """Shapes that broadcast together: drop leading axes, squash some to 1 (scalars too)."""
    base = draw(shape(min_ndim=0, max_ndim=3))
    shapes = []
    for _ in range(count):
        dims = base[draw(st.integers(0, len(base))):]
        shapes.append(tuple(1 if draw(st.booleans()) else d for d in dims))
    return tuple(shapes)


@st.composite
def matmul_shapes(draw, left_ndim, right_ndim):
    """Operands of `@` with matching inner sizes; 3-D operands share a batch size."""
    n, k, m, batch = (draw(st.integers(1, 4)) for _ in range(4))
    left = {1: (k,), 2: (n, k), 3: (batch, n, k)}[left_ndim]
    right = {1: (k,), 2: (k, m), 3: (batch, k, m)}[right_ndim]
    return left, right


@st.composite
def concat_shapes(draw, count, axis):
    """Shapes equal except along `axis`."""
    base = list(draw(shape(min_ndim=2, max_ndim=3)))
    shapes = []
    for _ in range(count):
        base[axis] = draw(st.integers(1, 3))
        shapes.append(tuple(base))
    return tuple(shapes)


# ---------------------------------------------------------------- the spec

@dataclass(frozen=True)
class OpSpec:
    name: str
    nnkit: Callable              # on nnkit Tensors
    numpy: Callable              # on float64 ndarrays: the forward reference
    torch: Callable | None    # on torch tensors, or None where torch has no twin
    shapes: st.SearchStrategy    # draws a tuple with one shape per input
    domains: tuple = (real,)     # one domain per input (the last one repeats)
    broadcasts: bool = False     # elementwise binary op whose inputs broadcast

    @property
    def arity(self):
        return len(self.domains)

    def make_inputs(self, rng, shapes, dtype=np.float64):
        domains = self.domains + (self.domains[-1],) * (len(shapes) - len(self.domains))
        return [domain(rng, s).astype(dtype) for domain, s in zip(domains, shapes)]


REGISTRY = []


def register(name, nnkit_fn, numpy_fn, torch_fn, shapes, domains=(real,), broadcasts=False):
    REGISTRY.append(OpSpec(name, nnkit_fn, numpy_fn, torch_fn, shapes, tuple(domains),
                           broadcasts))


def F():
    """torch.nn.functional, imported only when the oracle runs."""
    import torch.nn.functional
    return torch.nn.functional


def _torch():
    import torch
    return torch


# ---------------------------------------------------------------- arithmetic

def _add(a, b): return a + b                                       # noqa: E704
def _sub(a, b): return a - b                                       # noqa: E704
def _mul(a, b): return a * b                                       # noqa: E704
def _div(a, b): return a / b                                       # noqa: E704
def _pow(a, b): return a ** b                                      # noqa: E704
def _matmul(a, b): return a @ b                                    # noqa: E704


for name, fn, domains in [("add", _add, (real, real)), ("sub", _sub, (real, real)),
                          ("mul", _mul, (real, real)),
                          ("div", _div, (real, away_from(0.0, gap=0.5))),
                          ("pow", _pow, (positive, real))]:
    register(name, fn, fn, fn, broadcast_shapes(), domains, broadcasts=True)

# a Python number on either side exercises _lift and the reflected operators
register("add_scalar", lambda x: 2.5 + x, lambda x: 2.5 + x, lambda x: 2.5 + x, same_shapes(1))
register("rsub_scalar", lambda x: 1.5 - x, lambda x: 1.5 - x, lambda x: 1.5 - x, same_shapes(1))
register("mul_scalar", lambda x: x * -3.0, lambda x: x * -3.0, lambda x: x * -3.0, same_shapes(1))
register("rdiv_scalar", lambda x: 2.0 / x, lambda x: 2.0 / x, lambda x: 2.0 / x, same_shapes(1),
         (away_from(0.0, gap=0.5),))
register("neg", lambda x: -x, np.negative, lambda x: -x, same_shapes(1))
register("pow_int_exponent", lambda x: x ** 3, lambda x: x ** 3, lambda x: x ** 3, same_shapes(1))
register("pow_float_exponent", lambda x: x ** 0.5, lambda x: x ** 0.5, lambda x: x ** 0.5,
         same_shapes(1), (positive,))
register("rpow_scalar_base", lambda x: 2.0 ** x, lambda x: 2.0 ** x, lambda x: 2.0 ** x,
         same_shapes(1))

for left, right in [(1, 1), (2, 2), (1, 2), (2, 1), (3, 3), (3, 2), (2, 3), (1, 3), (3, 1)]:
    register(f"matmul_{left}d_{right}d", _matmul, _matmul, _matmul, matmul_shapes(left, right),
             (real, real))

# ---------------------------------------------------------------- unary


def _gelu_numpy(x):
    return 0.5 * x * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))


register("exp", lambda x: x.exp(), np.exp, lambda x: x.exp(), same_shapes(1))
register("log", lambda x: x.log(), np.log, lambda x: x.log(), same_shapes(1), (positive,))
register("sqrt", lambda x: x.sqrt(), np.sqrt, lambda x: x.sqrt(), same_shapes(1), (positive,))
register("abs", lambda x: x.abs(), np.abs, lambda x: x.abs(), same_shapes(1), (away_from(0.0),))
register("clip", lambda x: x.clip(-0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5),
         lambda x: x.clamp(-0.5, 0.5), same_shapes(1), (away_from(-0.5, 0.5),))
register("clip_min_only", lambda x: x.clip(min=0.2), lambda x: np.maximum(x, 0.2),
         lambda x: x.clamp(min=0.2), same_shapes(1), (away_from(0.2),))
register("relu", lambda x: x.relu(), lambda x: np.maximum(x, 0), lambda x: x.relu(),
         same_shapes(1), (away_from(0.0),))
register("leaky_relu", lambda x: ops.LeakyReLU.apply(x, negative_slope=0.1),
         lambda x: np.where(x > 0, x, 0.1 * x), lambda x: F().leaky_relu(x, 0.1),
         same_shapes(1), (away_from(0.0),))
register("sigmoid", lambda x: x.sigmoid(), lambda x: 1 / (1 + np.exp(-x)), lambda x: x.sigmoid(),
         same_shapes(1))
register("tanh", lambda x: x.tanh(), np.tanh, lambda x: x.tanh(), same_shapes(1))
register("gelu", lambda x: ops.GELU.apply(x), _gelu_numpy, lambda x: F().gelu(x), same_shapes(1))

# ---------------------------------------------------------------- reductions


def _torch_reduce(method):
    def reduce(x, axis, keepdims):
        dims = tuple(range(x.ndim)) if axis is None else axis
        if method == "var":
            return x.var(dim=dims, correction=0, keepdim=keepdims)
        return getattr(x, method)(dim=dims, keepdim=keepdims)
    return reduce


def _nnkit_reduce(method):
    def reduce(x, axis, keepdims):
        if method == "var":  # the population variance here; the unbiased one is below
            return x.var(axis=axis, keepdims=keepdims, correction=0)
        return getattr(x, method)(axis=axis, keepdims=keepdims)
    return reduce


REDUCTIONS = [  # nnkit name, numpy name, torch name, domain
    ("sum", "sum", "sum", real), ("mean", "mean", "mean", real), ("amax", "max", "amax", distinct),
    ("amin", "min", "amin", distinct), ("var", "var", "var", real)]
AXES = [(None, False), (None, True), (0, False), (-1, True), ((0, 2), False), ((0, -1), True)]

for method, numpy_method, torch_method, domain in REDUCTIONS:
    for axis, keepdims in AXES:
        min_ndim = 3 if isinstance(axis, tuple) else 1
        register(f"{numpy_method}_axis{axis}_keepdims{keepdims}".replace(" ", ""),
                 lambda x, m=method, a=axis, k=keepdims: _nnkit_reduce(m)(x, a, k),
                 lambda x, m=numpy_method, a=axis, k=keepdims: getattr(np, m)(x, axis=a, keepdims=k),
                 lambda x, m=torch_method, a=axis, k=keepdims: _torch_reduce(m)(x, a, k),
                 same_shapes(1, min_ndim=min_ndim), (domain,))


def _softmax_numpy(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


for axis in (-1, 0):
    register(f"softmax_axis{axis}", lambda x, a=axis: ops.Softmax.apply(x, axis=a),
             lambda x, a=axis: _softmax_numpy(x, a), lambda x, a=axis: x.softmax(dim=a),
             same_shapes(1))
    register(f"log_softmax_axis{axis}", lambda x, a=axis: ops.LogSoftmax.apply(x, axis=a),
             lambda x, a=axis: np.log(_softmax_numpy(x, a)),
             lambda x, a=axis: x.log_softmax(dim=a), same_shapes(1))

# ---------------------------------------------------------------- shapes and indexing

register("reshape_flat", lambda x: x.reshape(-1), lambda x: x.reshape(-1),
         lambda x: x.reshape(-1), same_shapes(1))
register("reshape_reversed", lambda x: x.reshape(x.shape[::-1]),
         lambda x: x.reshape(x.shape[::-1]), lambda x: x.reshape(tuple(x.shape)[::-1]),
         same_shapes(1))
register("transpose_T_2d", lambda x: x.T, lambda x: x.T, lambda x: x.T,
         same_shapes(1, min_ndim=2, max_ndim=2))
register("transpose_permutation_3d", lambda x: x.transpose((1, 2, 0)),
         lambda x: x.transpose((1, 2, 0)), lambda x: x.permute(1, 2, 0),
         same_shapes(1, min_ndim=3, max_ndim=3))
register("transpose_swap_3d", lambda x: x.transpose(0, 2), lambda x: np.swapaxes(x, 0, 2),
         lambda x: x.transpose(0, 2), same_shapes(1, min_ndim=3, max_ndim=3))


def _mask(shape_):
    """A fixed boolean pattern (never computed from values: a finite step must not flip it)."""
    return np.asarray(np.arange(int(np.prod(shape_))).reshape(shape_) % 3 != 1)


def _torch_mask(x):
    return _torch().from_numpy(_mask(tuple(x.shape)))


REPEATED_ROWS = [0, 2, 0, 0]       # an embedding lookup that repeats a word
ROWS, COLS = [0, 1, 0, 1], [1, 1, 1, 0]  # pair (0, 1) is picked twice

register("getitem_slices", lambda x: x[1:, ::2], lambda x: x[1:, ::2], lambda x: x[1:, ::2],
         same_shapes(1, min_ndim=2, min_side=2))
register("getitem_int_ellipsis_newaxis", lambda x: x[None, ..., -1], lambda x: x[None, ..., -1],
         lambda x: x[None, ..., -1], same_shapes(1, min_ndim=2))
register("getitem_int_array_repeats", lambda x: x[REPEATED_ROWS], lambda x: x[REPEATED_ROWS],
         lambda x: x[REPEATED_ROWS], same_shapes(1, min_ndim=1, min_side=3))
register("getitem_two_int_arrays_repeats", lambda x: x[ROWS, COLS], lambda x: x[ROWS, COLS],
         lambda x: x[ROWS, COLS], same_shapes(1, min_ndim=2, min_side=2))
register("getitem_boolean_mask", lambda x: x[_mask(x.shape)], lambda x: x[_mask(x.shape)],
         lambda x: x[_torch_mask(x)], same_shapes(1))


def _cat(axis):
    def nnkit_fn(*xs):
        import nnkit
        return nnkit.concatenate(xs, axis=axis)
    return (nnkit_fn, lambda *xs: np.concatenate(xs, axis=axis),
            lambda *xs: _torch().cat(xs, dim=axis))


def _stack(axis):
    def nnkit_fn(*xs):
        import nnkit
        return nnkit.stack(xs, axis=axis)
    return (nnkit_fn, lambda *xs: np.stack(xs, axis=axis),
            lambda *xs: _torch().stack(xs, dim=axis))


register("concatenate_axis0", *_cat(0), concat_shapes(3, 0), (real, real, real))
register("concatenate_axis-1", *_cat(-1), concat_shapes(2, -1), (real, real))
register("stack_axis0", *_stack(0), same_shapes(2), (real, real))
register("stack_axis1", *_stack(1), same_shapes(3), (real, real, real))


def _where(module):
    def where(x, y):
        condition = _mask(np.broadcast_shapes(tuple(x.shape), tuple(y.shape)))
        if module == "torch":
            return _torch().where(_torch().from_numpy(condition), x, y)
        if module == "nnkit":
            import nnkit
            return nnkit.where(condition, x, y)
        return np.where(condition, x, y)
    return where


register("where", _where("nnkit"), _where("numpy"), _where("torch"), broadcast_shapes(),
         (real, real), broadcasts=True)

# ---------------------------------------------------------------- cross-entropy


def _targets(logits_shape):
    """Fixed class indices for (N, C) logits, every class in turn."""
    n, c = logits_shape
    return np.arange(n) % c


def _cross_entropy_numpy(logits, smoothing, reduction):
    n, c = logits.shape
    log_p = np.log(_softmax_numpy(logits, -1))
    q = np.full((n, c), smoothing / c)
    q[np.arange(n), _targets(logits.shape)] += 1 - smoothing
    loss = -(q * log_p).sum(axis=1)
    return {"mean": loss.mean(), "sum": loss.sum(), "none": loss}[reduction]


def _cross_entropy_torch(logits, smoothing, reduction):
    target = _torch().from_numpy(_targets(tuple(logits.shape)))
    return F().cross_entropy(logits, target, label_smoothing=smoothing, reduction=reduction)


for smoothing in (0.0, 0.1):
    for reduction in ("mean", "sum", "none"):
        register(f"cross_entropy_smoothing{smoothing}_{reduction}",
                 lambda x, s=smoothing, r=reduction: ops.CrossEntropy.apply(
                     x, _targets(x.shape), smoothing=s, reduction=r),
                 lambda x, s=smoothing, r=reduction: _cross_entropy_numpy(x, s, r),
                 lambda x, s=smoothing, r=reduction: _cross_entropy_torch(x, s, r),
                 same_shapes(1, min_ndim=2, max_ndim=2, max_side=5))

# ---------------------------------------------------------------- fused layers and losses


@st.composite
def affine_shapes(draw, x_ndim, bias=True):
    """x (..., in), weight (out, in), bias (out,), as nn.Linear lays them out."""
    num_inputs, num_outputs = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    lead = draw(shape(min_ndim=x_ndim - 1, max_ndim=x_ndim - 1))
    shapes = (lead + (num_inputs,), (num_outputs, num_inputs))
    return shapes + ((num_outputs,),) if bias else shapes


def _affine_numpy(x, weight, bias=None):
    return x @ weight.T + (0 if bias is None else bias)


for x_ndim in (1, 2, 3):
    register(f"affine_{x_ndim}d_input", lambda x, w, b: ops.Affine.apply(x, w, b), _affine_numpy,
             lambda x, w, b: F().linear(x, w, b), affine_shapes(x_ndim), (real, real, real))
register("affine_no_bias", lambda x, w: ops.Affine.apply(x, w, None), _affine_numpy,
         lambda x, w: F().linear(x, w), affine_shapes(2, bias=False), (real, real))


def _soft_labels(shape_):
    """Fixed targets in [0, 1]: hard 0s and 1s and a soft 0.3."""
    return np.array([0.0, 1.0, 0.3])[np.arange(int(np.prod(shape_))) % 3].reshape(shape_)


def _bce_numpy(z):
    y = _soft_labels(z.shape)
    p = 1 / (1 + np.exp(-z))
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


register("binary_cross_entropy_with_logits",
         lambda z: ops.BinaryCrossEntropyWithLogits.apply(z, _soft_labels(z.shape).astype(z.dtype)),
         _bce_numpy,
         lambda z: F().binary_cross_entropy_with_logits(
             z, _torch().from_numpy(_soft_labels(tuple(z.shape)).astype(np.float32)),
             reduction="none"),
         same_shapes(1))



def probabilities(rng, shape):
    """Values in [0.05, 0.95]: where log p and log(1 - p) are smooth."""
    return 0.05 + 0.9 * rng.random(shape)


def _bce_probs_numpy(p):
    y = _soft_labels(p.shape)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


register("binary_cross_entropy",
         lambda p: ops.BinaryCrossEntropy.apply(p, _soft_labels(p.shape).astype(p.dtype)),
         _bce_probs_numpy,
         lambda p: F().binary_cross_entropy(
             p, _torch().from_numpy(_soft_labels(tuple(p.shape)).astype(np.float32)),
             reduction="none"),
         same_shapes(1), (probabilities,))

# ---------------------------------------------------------------- convolution and pooling


@st.composite
def conv_shapes(draw, bias=True):
    n, c, o, k = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3)),
                  draw(st.integers(1, 3)))
    h, w = draw(st.integers(5, 7)), draw(st.integers(5, 7))
    shapes = ((n, c, h, w), (o, c, k, k))
    return shapes + ((o,),) if bias else shapes


def _conv_numpy(x, weight, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
    """Direct loops over output positions: slow and obviously right."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    o, _, kh, kw = weight.shape
    span_h, span_w = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    out_h = (xp.shape[2] - span_h) // stride[0] + 1
    out_w = (xp.shape[3] - span_w) // stride[1] + 1
    out = np.zeros((x.shape[0], o, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            top, left = i * stride[0], j * stride[1]
            patch = xp[:, :, top:top + span_h:dilation[0], left:left + span_w:dilation[1]]
            out[:, :, i, j] = np.einsum("nchw,ochw->no", patch, weight)
    return out + (0 if bias is None else bias[None, :, None, None])


CONV_OPTIONS = {"plain": {}, "stride2_pad1": {"stride": (2, 2), "padding": (1, 1)},
                "dilation2_pad2": {"dilation": (2, 2), "padding": (2, 2)}}
for label, options in CONV_OPTIONS.items():
    register(f"conv2d_{label}",
             lambda x, w, b, o=options: ops.Conv2d.apply(x, w, b, **o),
             lambda x, w, b, o=options: _conv_numpy(x, w, b, **o),
             lambda x, w, b, o=options: F().conv2d(x, w, b, **o),
             conv_shapes(), (real, real, real))
register("conv2d_no_bias", lambda x, w: ops.Conv2d.apply(x, w, None), _conv_numpy,
         lambda x, w: F().conv2d(x, w), conv_shapes(bias=False), (real, real))


def _pool_numpy(x, kernel, stride, padding, reduce, fill):
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2), constant_values=fill)
    out_h = (xp.shape[2] - kernel[0]) // stride[0] + 1
    out_w = (xp.shape[3] - kernel[1]) // stride[1] + 1
    out = np.empty(x.shape[:2] + (out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = xp[:, :, i * stride[0]:i * stride[0] + kernel[0],
                        j * stride[1]:j * stride[1] + kernel[1]]
            out[:, :, i, j] = reduce(window, axis=(2, 3))
    return out


POOL_OPTIONS = {"k2s2": ((2, 2), (2, 2), (0, 0)), "k3s1p1": ((3, 3), (1, 1), (1, 1)),
                "k3s2p1": ((3, 3), (2, 2), (1, 1))}
image = shape(min_ndim=4, max_ndim=4, min_side=1, max_side=3).map(
    lambda s: ((s[0], s[1], s[2] + 3, s[3] + 3),))  # at least 4x4 pixels
for label, (k, st_, pad) in POOL_OPTIONS.items():
    register(f"max_pool2d_{label}", lambda x, k=k, s=st_, p=pad: ops.MaxPool2d.apply(x, k, s, p),
             lambda x, k=k, s=st_, p=pad: _pool_numpy(x, k, s, p, np.max, -np.inf),
             lambda x, k=k, s=st_, p=pad: F().max_pool2d(x, k, s, p), image, (distinct,))
    register(f"avg_pool2d_{label}", lambda x, k=k, s=st_, p=pad: ops.AvgPool2d.apply(x, k, s, p),
             lambda x, k=k, s=st_, p=pad: _pool_numpy(x, k, s, p, np.mean, 0.0),
             lambda x, k=k, s=st_, p=pad: F().avg_pool2d(x, k, s, p), image)

# ---------------------------------------------------------------- recurrent layers
# references: the textbook recurrences, one step at a time, in NumPy or in torch


@st.composite
def recurrent_shapes(draw, gates, cell_state=False):
    """x (N, T, I), h0 (N, H)[, c0 (N, H)], w_ih (G*H, I), w_hh (G*H, H), b_ih, b_hh (G*H,)."""
    n, steps, num_inputs, hidden = (draw(st.integers(1, 3)) for _ in range(4))
    states = ((n, hidden),) * (2 if cell_state else 1)
    return ((n, steps, num_inputs),) + states + (
        (gates * hidden, num_inputs), (gates * hidden, hidden), (gates * hidden,),
        (gates * hidden,))


def _sigmoid_any(x):
    return 1 / (1 + (-x).exp()) if hasattr(x, "exp") else 1 / (1 + np.exp(-x))


def _tanh_any(x):
    return x.tanh() if hasattr(x, "tanh") else np.tanh(x)


def _stack_any(arrays, axis):
    return _torch().stack(arrays, dim=axis) if hasattr(arrays[0], "requires_grad") \
        else np.stack(arrays, axis=axis)


def _rnn_reference(x, h, w_ih, w_hh, b_ih, b_hh):
    states = []
    for t in range(x.shape[1]):
        h = _tanh_any(x[:, t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
        states.append(h)
    return _stack_any(states, 1)


def _lstm_reference(x, h, c, w_ih, w_hh, b_ih, b_hh):
    hidden, states = h.shape[1], []
    for t in range(x.shape[1]):
        pre = x[:, t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        i, f = _sigmoid_any(pre[:, :hidden]), _sigmoid_any(pre[:, hidden:2 * hidden])
        g, o = _tanh_any(pre[:, 2 * hidden:3 * hidden]), _sigmoid_any(pre[:, 3 * hidden:])
        c = f * c + i * g
        h = o * _tanh_any(c)
        states.append(h)
    return _stack_any(states + [c], 1)  # nnkit's layout: hidden states, then the last cell


def _gru_reference(x, h, w_ih, w_hh, b_ih, b_hh):
    hidden, states = h.shape[1], []
    for t in range(x.shape[1]):
        xg, hg = x[:, t] @ w_ih.T + b_ih, h @ w_hh.T + b_hh
        r = _sigmoid_any(xg[:, :hidden] + hg[:, :hidden])
        z = _sigmoid_any(xg[:, hidden:2 * hidden] + hg[:, hidden:2 * hidden])
        n = _tanh_any(xg[:, 2 * hidden:] + r * hg[:, 2 * hidden:])
        h = (1 - z) * n + z * h
        states.append(h)
    return _stack_any(states, 1)


register("rnn_tanh", lambda *a: ops.RNN.apply(*a), _rnn_reference, _rnn_reference,
         recurrent_shapes(1), (real,) * 6)
register("lstm", lambda *a: ops.LSTM.apply(*a), _lstm_reference, _lstm_reference,
         recurrent_shapes(4, cell_state=True), (real,) * 7)
register("gru", lambda *a: ops.GRU.apply(*a), _gru_reference, _gru_reference,
         recurrent_shapes(3), (real,) * 6)

# ---------------------------------------------------------------- Transformer: LayerNorm, attention


@st.composite
def layer_norm_shapes(draw, axes=1):
    """x (..., *normalized) and weight, bias of the normalized shape."""
    x = draw(shape(min_ndim=axes, max_ndim=3, min_side=2))
    return (x, x[-axes:], x[-axes:])


def _layer_norm_numpy(x, weight=None, bias=None, axes=1):
    dims = tuple(range(x.ndim - axes, x.ndim))
    out = (x - x.mean(axis=dims, keepdims=True)) / np.sqrt(x.var(axis=dims, keepdims=True) + 1e-5)
    return out if weight is None else out * weight + bias


register("layer_norm", lambda x, w, b: ops.LayerNorm.apply(x, w, b, normalized_shape=w.shape),
         _layer_norm_numpy, lambda x, w, b: F().layer_norm(x, w.shape, w, b), layer_norm_shapes())
register("layer_norm_2_axes",
         lambda x, w, b: ops.LayerNorm.apply(x, w, b, normalized_shape=w.shape),
         lambda x, w, b: _layer_norm_numpy(x, w, b, axes=2),
         lambda x, w, b: F().layer_norm(x, tuple(w.shape), w, b), layer_norm_shapes(axes=2))
register("layer_norm_no_affine",
         lambda x: ops.LayerNorm.apply(x, None, None, normalized_shape=x.shape[-1:]),
         _layer_norm_numpy, lambda x: F().layer_norm(x, x.shape[-1:]),
         shape(min_ndim=1, max_ndim=3, min_side=2).map(lambda s: (s,)))

HEADS = 2


@st.composite
def attention_shapes(draw, packed):
    """Self-attention: qkv (N, T, 3E); else q (N, L, E), k and v (N, S, E); E = HEADS * d."""
    n, length, keys, d = (draw(st.integers(1, 3)) for _ in range(4))
    e = HEADS * d
    if packed:
        return ((n, length, 3 * e),)
    return ((n, length, e), (n, keys, e), (n, keys, e))


def _attention_mask(n, length, keys, packed):
    """Additive (1 or N, 1, L, S): causal for self-attention, else the last key of sample
    0 is padding."""
    if packed:
        return np.where(np.triu(np.ones((length, keys), bool), 1), -np.inf, 0.0)[None, None]
    mask = np.zeros((n, 1, length, keys))
    mask[0, :, :, -1] = -np.inf if keys > 1 else 0.0
    return mask


def _split(q, k=None, v=None):
    return (np.split(q, 3, axis=-1) if k is None else (q, k, v)) if isinstance(q, np.ndarray) \
        else (q.chunk(3, dim=-1) if k is None else (q, k, v))


def _attention_any(*projections):
    """The step-by-step maths, in NumPy or in torch, on (N, T, E) projections."""
    q, k, v = _split(*projections)
    packed, (n, length, e), keys = len(projections) == 1, q.shape, k.shape[1]
    mask = _attention_mask(n, length, keys, packed)
    q, k, v = (a.reshape(n, a.shape[1], HEADS, e // HEADS).swapaxes(1, 2) for a in (q, k, v))
    if isinstance(q, np.ndarray):
        scores = q @ k.swapaxes(-1, -2) / math.sqrt(e // HEADS) + mask
        probs = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probs /= probs.sum(axis=-1, keepdims=True)
    else:
        scores = q @ k.swapaxes(-1, -2) / math.sqrt(e // HEADS) + _torch().tensor(mask,
                                                                                  dtype=q.dtype)
        probs = scores.softmax(dim=-1)
    return (probs @ v).swapaxes(1, 2).reshape(n, length, e)


def _attention_nnkit(*projections):
    n, length = projections[0].shape[:2]
    keys = projections[0].shape[1] if len(projections) == 1 else projections[1].shape[1]
    mask = _attention_mask(n, length, keys, len(projections) == 1)
    return ops.Attention.apply(*projections, num_heads=HEADS, mask=mask)


register("attention_self_causal", _attention_nnkit, _attention_any, _attention_any,
         attention_shapes(packed=True))
register("attention_cross_padding", _attention_nnkit, _attention_any, _attention_any,
         attention_shapes(packed=False))

# ---------------------------------------------------------------- smooth activations, adaptive pooling
# (added with nnkit.nn's PyTorch-fidelity work: nn.SiLU, nn.ELU, nn.Softplus, nn.AdaptiveAvgPool2d)

def _softplus_numpy(x, beta=1.0, threshold=20.0):
    return np.where(beta * x > threshold, x, np.logaddexp(0, beta * x) / beta)


register("silu", lambda x: ops.SiLU.apply(x), lambda x: x / (1 + np.exp(-x)),
         lambda x: F().silu(x), same_shapes(1))
register("elu", lambda x: ops.ELU.apply(x, alpha=0.7),
         lambda x: np.where(x > 0, x, 0.7 * np.expm1(np.minimum(x, 0))),
         lambda x: F().elu(x, alpha=0.7), same_shapes(1), (away_from(0.0),))
register("softplus", lambda x: ops.Softplus.apply(x), _softplus_numpy,
         lambda x: F().softplus(x), same_shapes(1))
register("softplus_beta_threshold", lambda x: ops.Softplus.apply(x, beta=2.0, threshold=1.0),
         lambda x: _softplus_numpy(x, 2.0, 1.0),
         lambda x: F().softplus(x, beta=2.0, threshold=1.0), same_shapes(1), (away_from(0.5),))


@st.composite
def image_shapes(draw):
    return ((draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(3, 7)),
             draw(st.integers(3, 7))),)


def _adaptive_avg_numpy(x, out):
    """Each output cell averages input rows floor(i h/out) .. ceil((i+1) h/out), and columns."""
    h, w = x.shape[2:]
    result = np.zeros(x.shape[:2] + out)
    for i in range(out[0]):
        for j in range(out[1]):
            rows = slice(math.floor(i * h / out[0]), math.ceil((i + 1) * h / out[0]))
            cols = slice(math.floor(j * w / out[1]), math.ceil((j + 1) * w / out[1]))
            result[:, :, i, j] = x[:, :, rows, cols].mean(axis=(2, 3))
    return result


for _out in [(1, 1), (3, 2), (4, 5)]:
    register(f"adaptive_avg_pool2d_{_out[0]}x{_out[1]}",
             lambda x, o=_out: ops.AdaptiveAvgPool2d.apply(x, output_size=o),
             lambda x, o=_out: _adaptive_avg_numpy(x, o),
             lambda x, o=_out: F().adaptive_avg_pool2d(x, o), image_shapes())

# ---------------------------------------------------------------- what a PyTorch user types
# torch's keywords (dim, keepdim, correction) on the same ops, and the ops they added

register("sum_dim1_keepdim", lambda x: x.sum(dim=1, keepdim=True),
         lambda x: x.sum(axis=1, keepdims=True), lambda x: x.sum(dim=1, keepdim=True),
         same_shapes(1, min_ndim=2))
register("mean_dim0", lambda x: x.mean(dim=0), lambda x: x.mean(axis=0), lambda x: x.mean(dim=0),
         same_shapes(1))
register("max_dim1_values", lambda x: x.max(dim=1).values, lambda x: x.max(axis=1),
         lambda x: x.max(dim=1).values, same_shapes(1, min_ndim=2), (distinct,))
register("min_dim0_keepdim_values", lambda x: x.min(dim=0, keepdim=True)[0],
         lambda x: x.min(axis=0, keepdims=True), lambda x: x.min(dim=0, keepdim=True)[0],
         same_shapes(1), (distinct,))
register("var_unbiased", lambda x: x.var(), lambda x: np.var(x, ddof=1), lambda x: x.var(),
         same_shapes(1, min_side=2))
register("var_dim_unbiased_false", lambda x: x.var(dim=0, unbiased=False),
         lambda x: np.var(x, axis=0), lambda x: x.var(dim=0, unbiased=False), same_shapes(1))
register("std_dim_keepdim", lambda x: x.std(dim=-1, keepdim=True),
         lambda x: np.std(x, axis=-1, ddof=1, keepdims=True),
         lambda x: x.std(dim=-1, keepdim=True), same_shapes(1, min_side=2))
register("clone", lambda x: x.clone() * 1.0, lambda x: x.copy(), lambda x: x.clone(),
         same_shapes(1))
register("permute", lambda x: x.permute(2, 0, 1), lambda x: x.transpose(2, 0, 1),
         lambda x: x.permute(2, 0, 1), same_shapes(1, min_ndim=3, max_ndim=3))
register("flatten_start1", lambda x: x.flatten(start_dim=1), lambda x: x.reshape(len(x), -1),
         lambda x: x.flatten(start_dim=1), same_shapes(1, min_ndim=2))
register("flatten_middle", lambda x: x.flatten(0, 1),
         lambda x: x.reshape((-1,) + x.shape[2:]), lambda x: x.flatten(0, 1),
         same_shapes(1, min_ndim=3))
register("pad_last_two", lambda x: nnkit.nn.functional.pad(x, (1, 2, 0, 1), value=0.5),
         lambda x: np.pad(x, [(0, 0)] * (x.ndim - 2) + [(0, 1), (1, 2)], constant_values=0.5),
         lambda x: F().pad(x, (1, 2, 0, 1), value=0.5), same_shapes(1, min_ndim=2))
register("softmax_dim0", lambda x: nnkit.nn.functional.softmax(x, dim=0),
         lambda x: np.exp(x - x.max(0)) / np.exp(x - x.max(0)).sum(0),
         lambda x: F().softmax(x, dim=0), same_shapes(1))
register("cat_dim0", lambda a, b: nnkit.cat([a, b], dim=0),
         lambda a, b: np.concatenate([a, b], axis=0), lambda a, b: _torch().cat([a, b], dim=0),
         same_shapes(2))
register("stack_dim1", lambda a, b: nnkit.stack([a, b], dim=1),
         lambda a, b: np.stack([a, b], axis=1), lambda a, b: _torch().stack([a, b], dim=1),
         same_shapes(2))

BY_NAME = {spec.name: spec for spec in REGISTRY}
assert len(BY_NAME) == len(REGISTRY), "two ops share a name"

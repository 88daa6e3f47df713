r"""Layers and losses as plain functions (``nnkit.nn.functional``, usually ``F``).

The Module classes in ``nnkit.nn`` hold parameters and call these. Every
function checks its inputs and says what was expected when they are wrong.
"""
import math

import numpy as np

from nnkit import ops
from nnkit.random import generator
from nnkit.tensor import Tensor


def _tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


# ---------------------------------------------------------------- layers

def linear(x, weight, bias=None):
    r"""$y = x W^\top + b$ with ``weight`` of shape (out_features, in_features)."""
    x = _tensor(x)
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: expected input with {weight.shape[1]} features in its last "
                         f"dimension (weight is {weight.shape}). Received shape {x.shape}")
    return ops.Affine.apply(x, weight, bias)


def dropout(x, p=0.5, training=True):
    r"""Zero each element with probability `p`, scale the rest by $1/(1-p)$ (chapter 08).

    The scaling keeps the expected value unchanged, so nothing changes at
    evaluation time, when dropout is off.
    """
    if not 0 <= p < 1:
        raise ValueError(f"dropout: expected a probability 0 <= p < 1. Received p={p}")
    if not training or p == 0:
        return x
    keep = generator().random(x.shape) >= p
    return x * Tensor(keep.astype(x.dtype) / (1 - p), dtype=x.dtype)


def embedding(indices, weight):
    """Rows of `weight` picked by integer `indices` (any shape) -> shape (*indices, dim)."""
    idx = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: expected integer indices. Received dtype {idx.dtype}")
    if idx.size and (idx.min() < 0 or idx.max() >= weight.shape[0]):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"embedding: index {bad} is out of range for an embedding with "
                         f"{weight.shape[0]} rows (valid: 0 to {weight.shape[0] - 1})")
    return ops.GetItem.apply(weight, index=idx)


# ---------------------------------------------------------------- activations

def relu(x):
    return ops.ReLU.apply(_tensor(x))


def leaky_relu(x, negative_slope=0.01):
    return ops.LeakyReLU.apply(_tensor(x), negative_slope=negative_slope)


def sigmoid(x):
    return ops.Sigmoid.apply(_tensor(x))


def tanh(x):
    return ops.Tanh.apply(_tensor(x))


def gelu(x):
    return ops.GELU.apply(_tensor(x))


def softmax(x, dim=-1):
    return ops.Softmax.apply(_tensor(x), axis=dim)


def log_softmax(x, dim=-1):
    return ops.LogSoftmax.apply(_tensor(x), axis=dim)


# ---------------------------------------------------------------- normalisation

def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    r"""Normalise over the last ``len(normalized_shape)`` axes: $(x - \mu)/\sqrt{\sigma^2 + \epsilon}$."""
    normalized_shape = tuple(int(n) for n in np.atleast_1d(normalized_shape))
    if x.shape[x.ndim - len(normalized_shape):] != normalized_shape:
        raise ValueError(f"layer_norm: expected the last dimensions to be {normalized_shape}. "
                         f"Received shape {x.shape}")
    for name, param in (("weight", weight), ("bias", bias)):
        if param is not None and tuple(param.shape) != normalized_shape:
            raise ValueError(f"layer_norm: expected {name} of shape {normalized_shape}. "
                             f"Received shape {tuple(param.shape)}")
    # one fused op (mean, variance, scale and shift in a single kernel; chapter 12)
    return ops.LayerNorm.apply(_tensor(x), weight, bias, normalized_shape=normalized_shape,
                               eps=eps)


# ---------------------------------------------------------------- losses

def check_reduction(reduction, name):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{name}: expected reduction 'mean', 'sum' or 'none'. "
                         f"Received reduction={reduction!r}")
    return reduction


def _reduce(loss, reduction, name):
    check_reduction(reduction, name)
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _check_finite(loss, name):
    # math.isfinite on a 0-d array: 100x quicker than NumPy's, and losses are mostly scalars
    if not (math.isfinite(loss.data) if loss.ndim == 0 else np.isfinite(loss.data).all()):
        raise FloatingPointError(
            f"{name}: the loss is {loss.data if loss.size == 1 else 'not finite'}. The "
            "predictions contain nan or inf: usually the learning rate is too high and the "
            "weights diverged. Lower the learning rate, check the inputs for nan, and restart "
            "from fresh weights.")
    return loss


def _check_same_shape(input, target, name):
    if input.shape != target.shape:
        raise ValueError(f"{name}: input and target must have the same shape. Received input "
                         f"{input.shape} and target {target.shape}")


def mse_loss(input, target, reduction="mean"):
    r"""Mean squared error $\frac1n\sum (\hat y - y)^2$ (regression, chapter 04)."""
    input, target = _tensor(input), _tensor(target)
    _check_same_shape(input, target, "mse_loss")
    diff = input - target
    return _check_finite(_reduce(diff * diff, reduction, "mse_loss"), "mse_loss")


def l1_loss(input, target, reduction="mean"):
    r"""Mean absolute error $\frac1n\sum |\hat y - y|$."""
    input, target = _tensor(input), _tensor(target)
    _check_same_shape(input, target, "l1_loss")
    return _check_finite(_reduce((input - target).abs(), reduction, "l1_loss"), "l1_loss")


def binary_cross_entropy(input, target, reduction="mean"):
    r"""$-[y\log p + (1-y)\log(1-p)]$ from probabilities $p$; logs are clamped at -100
    as in PyTorch. Prefer :func:`binary_cross_entropy_with_logits`: it is stable."""
    input, target = _tensor(input), _tensor(target)
    _check_same_shape(input, target, "binary_cross_entropy")
    if input.size and (input.data.min() < 0 or input.data.max() > 1):
        raise ValueError("binary_cross_entropy: expected probabilities in [0, 1]. Received "
                         f"values from {input.data.min():.4g} to {input.data.max():.4g}; "
                         "for raw scores use binary_cross_entropy_with_logits")
    loss = ops.BinaryCrossEntropy.apply(input, target.data.astype(input.dtype))
    return _check_finite(_reduce(loss, reduction, "binary_cross_entropy"), "binary_cross_entropy")


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    r"""Binary cross-entropy from logits $z$: $\sigma$ and log fused, stable for any $z$."""
    input, target = _tensor(input), _tensor(target)
    _check_same_shape(input, target, "binary_cross_entropy_with_logits")
    if target.dtype.kind not in "fb" or (target.size and (target.data.min() < 0
                                                          or target.data.max() > 1)):
        raise ValueError("binary_cross_entropy_with_logits: expected float targets in [0, 1]. "
                         f"Received dtype {target.dtype} with values in "
                         f"[{target.data.min()}, {target.data.max()}]")
    loss = ops.BinaryCrossEntropyWithLogits.apply(input, target.data.astype(input.dtype))
    return _check_finite(_reduce(loss, reduction, "binary_cross_entropy_with_logits"),
                         "binary_cross_entropy_with_logits")


def _class_indices(target, num_samples, num_classes, name):
    target = np.asarray(target.data if isinstance(target, Tensor) else target)
    if target.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected integer class indices as target. Received dtype "
                        f"{target.dtype}; convert with .long() or np.int64")
    if target.shape != (num_samples,):
        raise ValueError(f"{name}: expected target of shape ({num_samples},), one class index "
                         f"per row of the input. Received shape {target.shape}")
    # the ufuncs' reduce directly: .min() and .max() add a Python wrapper each (this runs every step)
    if target.size and (np.minimum.reduce(target) < 0
                        or np.maximum.reduce(target) >= num_classes):
        bad = np.flatnonzero((target < 0) | (target >= num_classes))
        raise IndexError(f"{name}: target values must be class indices in [0, {num_classes - 1}]."
                         f" Received {target[bad[0]]} at position {bad[0]}")
    return target.astype(np.int64, copy=False)


def cross_entropy(input, target, reduction="mean", label_smoothing=0.0):
    r"""Softmax + negative log-likelihood from logits, fused and stable (chapter 04).

    Args:
        input: logits, shape (N, C) (or (C,) for one sample).
        target: class indices, shape (N,) (or a scalar), integers in [0, C).
        label_smoothing: $\varepsilon$; the target becomes
            $(1-\varepsilon)\,\mathrm{onehot} + \varepsilon / C$.
    """
    input = _tensor(input)
    if input.ndim == 1:  # a single sample
        input, target = input.reshape(1, -1), np.reshape(getattr(target, "data", target), (1,))
    if input.ndim != 2:
        raise ValueError(f"cross_entropy: expected logits of shape (N, C). Received shape "
                         f"{input.shape}; reshape (N, T, C) to (N*T, C) first")
    if not 0 <= label_smoothing < 1:
        raise ValueError("cross_entropy: expected 0 <= label_smoothing < 1. Received "
                         f"label_smoothing={label_smoothing}")
    check_reduction(reduction, "cross_entropy")
    target = _class_indices(target, input.shape[0], input.shape[1], "cross_entropy")
    loss = ops.CrossEntropy.apply(input, target, smoothing=float(label_smoothing),
                                  reduction=reduction)
    return _check_finite(loss, "cross_entropy")


def nll_loss(input, target, reduction="mean"):
    """Negative log-likelihood from log-probabilities (N, C) (the output of log_softmax)."""
    input = _tensor(input)
    target = _class_indices(target, input.shape[0], input.shape[1], "nll_loss")
    picked = input[np.arange(len(target)), target]
    return _check_finite(_reduce(-picked, reduction, "nll_loss"), "nll_loss")


# ---------------------------------------------------------------- convolution (chapter 10)

from nnkit.nn.conv import avg_pool2d, conv2d, dropout2d, max_pool2d  # noqa: F401

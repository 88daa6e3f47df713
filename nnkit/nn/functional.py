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


def softmax(x, dim=-1, *, axis=None):
    return ops.Softmax.apply(_tensor(x), axis=dim if axis is None else axis)


def log_softmax(x, dim=-1, *, axis=None):
    return ops.LogSoftmax.apply(_tensor(x), axis=dim if axis is None else axis)


def one_hot(labels, num_classes=-1):
    """Class indices of any shape -> (..., num_classes) with a 1 at each index (int64, as torch).

    ``num_classes=-1`` takes one more than the largest label.
    """
    labels = np.asarray(getattr(labels, "data", labels))
    if labels.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected integer class indices (e.g. y.long()). Received "
                        f"dtype {labels.dtype}")
    if num_classes == -1:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"one_hot: expected labels in [0, {num_classes}). Received values "
                         f"from {labels.min()} to {labels.max()}")
    return Tensor._make(np.eye(num_classes, dtype=np.int64)[labels])


def pad(x, pad, mode="constant", value=0.0):
    """Pad the last dims: ``pad = (left, right)`` for the last, then ``(top, bottom)`` for the
    one before, as torch (its order runs from the last dim backwards). Only ``"constant"``."""
    x = _tensor(x)
    if mode != "constant":
        raise NotImplementedError(f"pad: only mode='constant' is implemented. Received "
                                  f"mode={mode!r}")
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: expected an even number of widths, at most 2 per dim of a "
                         f"{x.ndim}-d input. Received pad={tuple(pad)}")
    pairs = [(int(pad[i]), int(pad[i + 1])) for i in range(0, len(pad), 2)][::-1]
    widths = [(0, 0)] * (x.ndim - len(pairs)) + pairs
    if any(w < 0 for pair in widths for w in pair):
        raise ValueError(f"pad: negative widths (cropping) are not supported. Received "
                         f"pad={tuple(pad)}")
    return ops.Pad.apply(x, widths=tuple(widths), value=value)


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
    if reduction == "mean" and loss.numel() == 0:  # the mean of nothing is nan: say why instead
        raise ValueError(f"{name}: expected a batch with at least one sample. Received an empty "
                         f"batch, loss shape {loss.shape}: check the slicing or the DataLoader")
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _check_finite(loss, name):
    # math.isfinite on a 0-d array: 100x quicker than NumPy's, and losses are mostly scalars
    if not (math.isfinite(loss.data) if loss.ndim == 0 else np.isfinite(loss.data).all()):
        raise FloatingPointError(
            f"{name}: the loss is {loss.data if loss.numel() == 1 else 'not finite'}. The "
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
    if input.numel() and (input.data.min() < 0 or input.data.max() > 1):
        raise ValueError("binary_cross_entropy: expected probabilities in [0, 1]. Received "
                         f"values from {input.data.min():.4g} to {input.data.max():.4g}; "
                         "for raw scores use binary_cross_entropy_with_logits")
    loss = ops.BinaryCrossEntropy.apply(input, target.data.astype(input.dtype))
    return _check_finite(_reduce(loss, reduction, "binary_cross_entropy"), "binary_cross_entropy")


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    r"""Binary cross-entropy from logits $z$: $\sigma$ and log fused, stable for any $z$."""
    input, target = _tensor(input), _tensor(target)
    _check_same_shape(input, target, "binary_cross_entropy_with_logits")
    if target.dtype.kind not in "fb" or (target.numel() and (target.data.min() < 0
                                                          or target.data.max() > 1)):
        raise ValueError("binary_cross_entropy_with_logits: expected float targets in [0, 1]. "
                         f"Received dtype {target.dtype} with values in "
                         f"[{target.data.min()}, {target.data.max()}]")
    loss = ops.BinaryCrossEntropyWithLogits.apply(input, target.data.astype(input.dtype))
    return _check_finite(_reduce(loss, reduction, "binary_cross_entropy_with_logits"),
                         "binary_cross_entropy_with_logits")


def _class_indices(target, num_samples, num_classes, name, ignore_index=None):
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
        outside = (target < 0) | (target >= num_classes)
        bad = np.flatnonzero(outside & (target != ignore_index) if ignore_index is not None
                             else outside)
        if bad.size:
            raise IndexError(f"{name}: target values must be class indices in "
                             f"[0, {num_classes - 1}]. Received {target[bad[0]]} at position "
                             f"{bad[0]}")
    return target.astype(np.int64, copy=False)


def _check_logits(input, target, name):
    """Catch the two usual slips early: arguments swapped, and an empty batch."""
    if input.dtype.kind != "f":
        raise TypeError(f"{name}: expected float logits (N, C) as the first argument. Received "
                        f"dtype {input.dtype}, shape {input.shape}. The call is "
                        f"{name}(input, target): are the two swapped?")
    if input.ndim >= 1 and input.shape[0] == 0:
        raise ValueError(f"{name}: expected a batch with at least one sample. Received an empty "
                         f"batch, input shape {input.shape}: check the slicing or the DataLoader")


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    r"""Softmax + negative log-likelihood from logits, fused and stable (chapter 04).

    Args:
        input: logits (N, C), (C,) for one sample, or (N, C, d1, ...) for a class
            score at every position (e.g. (N, C, T)).
        target: class indices (N,) (or (N, d1, ...)), integers in [0, C); or
            class probabilities with the input's shape (each row sums to 1).
        weight: (C,) rescales each class's loss; ``"mean"`` then divides by the
            summed weights of the targets, as PyTorch.
        ignore_index: targets equal to it add nothing and are not counted.
        reduction: ``"mean"``, ``"sum"`` or ``"none"`` (one loss per target).
        label_smoothing: $\varepsilon$; the target becomes
            $(1-\varepsilon)\,\mathrm{onehot} + \varepsilon / C$.

    Example::

        >>> logits = nnkit.randn(4, 10, 7)        # 4 sequences, 10 classes, 7 steps
        >>> F.cross_entropy(logits, np.zeros((4, 7), np.int64)).shape
        ()
    """
    if isinstance(weight, str):  # the pre-PyTorch-order call cross_entropy(x, y, "sum")
        raise TypeError(f"cross_entropy: expected weight as an array of C class weights. "
                        f"Received {weight!r}; pass reduction={weight!r} by name")
    input = _tensor(input)
    _check_logits(input, target, "cross_entropy")
    if not 0 <= label_smoothing < 1:
        raise ValueError("cross_entropy: expected 0 <= label_smoothing < 1. Received "
                         f"label_smoothing={label_smoothing}")
    check_reduction(reduction, "cross_entropy")
    target_data = np.asarray(getattr(target, "data", target))
    if input.ndim == 1:  # a single sample
        soft = target_data.dtype.kind == "f" and target_data.shape == input.shape
        input = input.reshape(1, -1)
        target_data = target_data.reshape(1, -1) if soft else target_data.reshape(1)
    if target_data.dtype.kind == "f" and target_data.shape == input.shape:
        return _soft_cross_entropy(input, target_data, weight, reduction, label_smoothing)
    if input.ndim > 2:  # (N, C, d1, ...) -> (N d1 ..., C): one row per position
        spatial = (input.shape[0],) + input.shape[2:]
        if target_data.shape != spatial:
            raise ValueError(f"cross_entropy: expected target of shape {spatial} for logits "
                             f"{input.shape} (N, C, d1, ...). Received shape "
                             f"{target_data.shape}")
        axes = (0,) + tuple(range(2, input.ndim)) + (1,)
        loss = cross_entropy(input.transpose(*axes).reshape(-1, input.shape[1]),
                             target_data.reshape(-1), weight, ignore_index, reduction,
                             label_smoothing)
        return loss.reshape(spatial) if reduction == "none" else loss
    target_data = _class_indices(target_data, input.shape[0], input.shape[1], "cross_entropy",
                                 ignore_index)
    if weight is None and not (target_data == ignore_index).any():  # the fused fast path
        loss = ops.CrossEntropy.apply(input, target_data, smoothing=float(label_smoothing),
                                      reduction=reduction)
        return _check_finite(loss, "cross_entropy")
    return _weighted_cross_entropy(input, target_data, weight, ignore_index, reduction,
                                   label_smoothing)


def _class_weights(weight, num_classes, dtype):
    if weight is None:
        return np.ones(num_classes, dtype)
    weight = np.asarray(getattr(weight, "data", weight), dtype=dtype)
    if weight.shape != (num_classes,):
        raise ValueError(f"cross_entropy: expected weight of shape ({num_classes},), one per "
                         f"class. Received shape {weight.shape}")
    return weight


def _weighted_cross_entropy(input, target, weight, ignore_index, reduction, smoothing):
    r"""PyTorch's formula with class weights $w$ and ignored targets (weight 0):
    loss$_i = -w_{y_i} \log p_{i y_i}$; the mean divides by $\sum_i w_{y_i}$."""
    num_classes = input.shape[1]
    weight = _class_weights(weight, num_classes, input.dtype)
    keep = target != ignore_index
    safe = np.where(keep, target, 0)
    row_weight = weight[safe] * keep
    log_probs = log_softmax(input, dim=1)
    loss = -log_probs[np.arange(len(safe)), safe] * Tensor(row_weight, dtype=input.dtype)
    if smoothing:  # the spread part: -sum_c w_c log p_ic / C, over kept rows
        spread = -(log_probs * Tensor(weight, dtype=input.dtype)).sum(axis=1) \
            * Tensor(keep.astype(input.dtype), dtype=input.dtype)
        loss = (1 - smoothing) * loss + (smoothing / num_classes) * spread
    if reduction == "none":
        return _check_finite(loss, "cross_entropy")
    if reduction == "sum":
        return _check_finite(loss.sum(), "cross_entropy")
    total = row_weight.sum()
    if total == 0:
        raise ValueError(f"cross_entropy: nothing to average: every target equals "
                         f"ignore_index={ignore_index} (or has weight 0). Expected at least one "
                         f"counted target")
    return _check_finite(loss.sum() / float(total), "cross_entropy")


def _soft_cross_entropy(input, target, weight, reduction, smoothing):
    """Targets as class probabilities (PyTorch accepts them): -sum_c w_c t_ic log p_ic."""
    rows = target.sum(axis=1)
    if target.min() < 0 or target.max() > 1 or not np.allclose(rows, 1, atol=1e-3):
        raise ValueError(f"cross_entropy: a float target of the input's shape {input.shape} is "
                         f"read as class probabilities, expected in [0, 1] with rows summing "
                         f"to 1. Received values in [{target.min():.3g}, {target.max():.3g}]: "
                         f"are input and target swapped? For class indices pass integers")
    num_classes = input.shape[1]
    target = (1 - smoothing) * target + smoothing / num_classes
    weight = _class_weights(weight, num_classes, input.dtype)
    picked = Tensor((target * weight).astype(input.dtype), dtype=input.dtype)
    axes = (1,) + tuple(range(2, input.ndim))
    loss = -(log_softmax(input, dim=1) * picked).sum(axis=axes)
    if reduction == "mean":  # over samples, not weights: PyTorch's rule for probabilities
        return _check_finite(loss.sum() / loss.numel(), "cross_entropy")
    return _check_finite(_reduce(loss, reduction, "cross_entropy"), "cross_entropy")


def nll_loss(input, target, reduction="mean"):
    """Negative log-likelihood from log-probabilities (N, C) (the output of log_softmax)."""
    input = _tensor(input)
    _check_logits(input, target, "nll_loss")
    target = _class_indices(target, input.shape[0], input.shape[1], "nll_loss")
    picked = input[np.arange(len(target)), target]
    return _check_finite(_reduce(-picked, reduction, "nll_loss"), "nll_loss")


# ---------------------------------------------------------------- smooth activations (chapter 02)

def silu(x):
    r"""$x\,\sigma(x)$ (swish)."""
    return ops.SiLU.apply(_tensor(x))


def elu(x, alpha=1.0):
    r"""$x$ for $x > 0$, else $\alpha(e^x - 1)$."""
    return ops.ELU.apply(_tensor(x), alpha=alpha)


def softplus(x, beta=1.0, threshold=20.0):
    r"""$\frac1\beta\log(1 + e^{\beta x})$, linear where $\beta x$ > threshold."""
    if beta <= 0:
        raise ValueError(f"softplus: expected beta > 0. Received beta={beta}")
    return ops.Softplus.apply(_tensor(x), beta=beta, threshold=threshold)


# ---------------------------------------------------------------- attention (chapter 12)

def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None):
    r"""$\mathrm{softmax}(QK^\top \cdot \text{scale} + M)\,V$, as PyTorch's function.

    Args:
        query: (..., L, d). key, value: (..., S, d) (value's last size may differ).
        attn_mask: broadcastable to (..., L, S). A **boolean** mask is True where
            a query *may* look (PyTorch's convention for this function; the
            opposite of MultiheadAttention's); a float mask is added to the scores.
        dropout_p: dropout on the attention weights (applied whenever > 0, as in
            PyTorch: pass ``dropout_p=0.0`` when evaluating).
        is_causal: query t sees keys 0..t only; do not pass attn_mask with it.
        scale: multiplies the scores; default $1/\sqrt d$.

    Example::

        >>> q = k = v = nnkit.randn(2, 5, 8)
        >>> F.scaled_dot_product_attention(q, k, v, is_causal=True).shape
        (2, 5, 8)
    """
    query, key, value = _tensor(query), _tensor(key), _tensor(value)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = query @ key.transpose(-1, -2) * scale
    if is_causal:
        if attn_mask is not None:
            raise ValueError("scaled_dot_product_attention: expected attn_mask or "
                             "is_causal=True, not both (as PyTorch)")
        attn_mask = np.tril(np.ones(scores.shape[-2:], dtype=bool))  # True: may look
    if attn_mask is not None:
        scores = scores + _attention_bias(attn_mask, scores)
    return dropout(softmax(scores, dim=-1), dropout_p) @ value


def _attention_bias(attn_mask, scores):
    """A boolean mask (True = may look) as 0 / -inf; a float mask unchanged."""
    mask = attn_mask.data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
    try:
        np.broadcast_shapes(mask.shape, scores.shape)
    except ValueError:
        raise ValueError(f"scaled_dot_product_attention: expected attn_mask broadcastable to "
                         f"the scores (..., L, S) = {scores.shape}. Received shape "
                         f"{mask.shape}") from None
    if mask.dtype == bool:
        return Tensor(np.where(mask, 0.0, -np.inf), dtype=scores.dtype)
    if mask.dtype.kind != "f":
        raise TypeError(f"scaled_dot_product_attention: expected a boolean attn_mask (True = "
                        f"may look) or a float one (added). Received dtype {mask.dtype}")
    return attn_mask if isinstance(attn_mask, Tensor) else Tensor(mask, dtype=scores.dtype)


# ---------------------------------------------------------------- convolution (chapter 10)

from nnkit.nn.conv import (  # noqa: F401
    adaptive_avg_pool2d,
    avg_pool2d,
    conv2d,
    dropout2d,
    max_pool2d,
)

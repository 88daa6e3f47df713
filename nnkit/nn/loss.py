"""Losses as modules (chapter 04): each calls its function in ``functional``."""
import numpy as np

from nnkit.nn import functional as F
from nnkit.nn.module import Module


class _Loss(Module):
    def __init__(self, reduction="mean"):
        super().__init__()
        self.reduction = F.check_reduction(reduction, type(self).__name__)

    def extra_repr(self):
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class MSELoss(_Loss):
    def forward(self, input, target):
        return F.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    def forward(self, input, target):
        return F.l1_loss(input, target, self.reduction)


class BCELoss(_Loss):
    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.reduction)


class BCEWithLogitsLoss(_Loss):
    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.reduction)


class NLLLoss(_Loss):
    def forward(self, input, target):
        return F.nll_loss(input, target, self.reduction)


class CrossEntropyLoss(_Loss):
    """Cross-entropy from logits and class indices; see :func:`nnkit.nn.functional.cross_entropy`.

    Args:
        weight: (C,) per-class weights, or None. ignore_index: a target value
            that counts for nothing (default -100, as PyTorch). reduction:
            "mean", "sum" or "none". label_smoothing: in [0, 1).

    Shape: input (N, C) or (N, C, d1, ...); target (N,) or (N, d1, ...).

    Example::

        >>> loss_fn = nn.CrossEntropyLoss(ignore_index=0)   # 0 = padding
        >>> loss_fn(nnkit.randn(2, 5, 7), np.array([[1, 2, 0, 0, 0, 0, 0]] * 2))
    """

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        if isinstance(weight, str):  # CrossEntropyLoss("sum"): an older argument order
            raise TypeError(f"CrossEntropyLoss: expected weight as an array of class weights. "
                            f"Received {weight!r}; pass reduction={weight!r} by name")
        super().__init__(reduction)
        if not 0 <= label_smoothing < 1:
            raise ValueError("CrossEntropyLoss: expected 0 <= label_smoothing < 1. Received "
                             f"label_smoothing={label_smoothing}")
        self.weight = None if weight is None else np.asarray(getattr(weight, "data", weight))
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                               self.label_smoothing)

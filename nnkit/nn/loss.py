"""Losses as modules (chapter 04): each calls its function in ``functional``."""
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
    """Cross-entropy from logits (N, C) and class indices (N,), with optional label smoothing."""

    def __init__(self, reduction="mean", label_smoothing=0.0):
        super().__init__(reduction)
        if not 0 <= label_smoothing < 1:
            raise ValueError("CrossEntropyLoss: expected 0 <= label_smoothing < 1. Received "
                             f"label_smoothing={label_smoothing}")
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.reduction, self.label_smoothing)

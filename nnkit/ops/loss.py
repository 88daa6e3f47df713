r"""Cross-entropy fused with softmax (chapter 04).

Computing softmax, then log, then picking the target's entry takes three
passes and loses precision when a probability underflows to 0. Fused, the
loss is $\log\sum_j e^{z_j} - z_t$ (stable) and its gradient is simply
$p - \mathrm{onehot}(t)$: see nnkit/kernels/losses.py.
"""
import numpy as np

from nnkit.autograd import Function
from nnkit.kernels import losses as kernels


class CrossEntropy(Function):
    """Logits (N, C), integer targets (N,) -> loss per sample, mean or sum."""

    @staticmethod
    def forward(ctx, logits, target, smoothing=0.0, reduction="mean"):
        logits = np.ascontiguousarray(logits)
        loss, probs = kernels.cross_entropy_forward(logits, target, smoothing)
        ctx.save_for_backward(probs, target)
        ctx.smoothing, ctx.reduction = smoothing, reduction
        if reduction == "mean":  # sum / n: ndarray.mean() costs 5x more on small arrays
            return np.asarray(np.add.reduce(loss) / len(loss), dtype=logits.dtype)
        if reduction == "sum":
            return np.asarray(loss.sum(), dtype=logits.dtype)
        return loss

    @staticmethod
    def backward(ctx, grad):
        probs, target = ctx.saved
        n = len(target)
        if ctx.reduction == "none":
            grad_loss = np.ascontiguousarray(grad, dtype=probs.dtype)
        else:
            scale = grad / n if ctx.reduction == "mean" else grad
            grad_loss = np.full(n, scale, dtype=probs.dtype)
        return kernels.cross_entropy_backward(probs, target, ctx.smoothing, grad_loss), None

r"""Training utilities (chapter 11): gradient clipping.

Exploding gradients in recurrent networks make one update huge. Clipping
rescales all gradients together when their global norm
$\|g\| = \sqrt{\sum_p \|g_p\|^2}$ exceeds ``max_norm``, keeping the direction.
"""
import math

import numpy as np


def clip_grad_norm_(parameters, max_norm):
    """Scale the ``.grad`` of `parameters` in place so that their global norm is at most max_norm.

    Returns the norm before clipping (as PyTorch does), handy for logging.
    """
    if not max_norm > 0:
        raise ValueError(f"clip_grad_norm_: expected max_norm > 0. Received max_norm={max_norm}")
    grads = [p.grad for p in parameters if p.grad is not None]
    total = math.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads))
    scale = max_norm / (total + 1e-6)
    if scale < 1:
        for g in grads:
            g *= scale
    return total

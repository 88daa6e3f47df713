r"""Fused softmax + cross-entropy, forward and backward (chapter 04).

For logits $z$ of one sample, target class $t$ and label smoothing
$\varepsilon$ over $C$ classes, the target distribution is
$q = (1-\varepsilon)\,\mathrm{onehot}(t) + \varepsilon/C$ and

$$\ell = -\sum_c q_c \log p_c, \qquad p = \mathrm{softmax}(z),
\qquad \frac{\partial \ell}{\partial z} = p - q .$$

One pass per row computes the log-sum-exp (shifted by the row maximum so
that exp never overflows), the loss and the probabilities kept for backward.
"""
import math

import numpy as np

from nnkit.kernels import kernel


def _cross_entropy_forward_reference(logits, target, smoothing):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    picked = log_probs[np.arange(len(target)), target]
    loss = -(1.0 - smoothing) * picked - smoothing * log_probs.mean(axis=1)
    return loss.astype(logits.dtype), np.exp(log_probs).astype(logits.dtype)


@kernel(_cross_entropy_forward_reference)
def cross_entropy_forward(logits, target, smoothing):
    n, c = logits.shape
    loss = np.empty(n, dtype=logits.dtype)
    probs = np.empty_like(logits)
    for i in range(n):
        row = logits[i]
        top = row[0]
        for j in range(1, c):
            top = max(top, row[j])
        total = 0.0
        for j in range(c):
            e = math.exp(row[j] - top)
            probs[i, j] = e
            total += e
        log_total = math.log(total)
        sum_log_probs = 0.0
        for j in range(c):
            probs[i, j] /= total
            sum_log_probs += row[j] - top - log_total
        picked = row[target[i]] - top - log_total
        loss[i] = -(1.0 - smoothing) * picked - smoothing * sum_log_probs / c
    return loss, probs


def _cross_entropy_backward_reference(probs, target, smoothing, grad_loss):
    q = np.full(probs.shape, smoothing / probs.shape[1], dtype=probs.dtype)
    q[np.arange(len(target)), target] += 1.0 - smoothing
    return ((probs - q) * grad_loss[:, None]).astype(probs.dtype)


@kernel(_cross_entropy_backward_reference)
def cross_entropy_backward(probs, target, smoothing, grad_loss):
    n, c = probs.shape
    out = np.empty_like(probs)
    uniform = smoothing / c
    for i in range(n):
        for j in range(c):
            out[i, j] = (probs[i, j] - uniform) * grad_loss[i]
        out[i, target[i]] -= (1.0 - smoothing) * grad_loss[i]
    return out

"""Fused optimizer updates, in place, one pass over each parameter (chapter 07).

Each loop reads a parameter, its gradient and its state once and writes the
new values back, where NumPy would make a temporary array per operation.
The update rules are PyTorch's, step for step (see nnkit/optim/optimizers.py).
All arrays are flat, contiguous and of the parameter's dtype; state arrays an
optimizer does not use (no momentum, say) are passed empty and never read.
"""
import math

import numpy as np

from nnkit.kernels import kernel


def _sgd_update_reference(param, grad, buf, lr, momentum, dampening, weight_decay,
                          nesterov, first_step):
    d_p = grad + weight_decay * param
    if momentum != 0.0:
        if first_step:
            buf[:] = d_p
        else:
            buf *= momentum
            buf += (1.0 - dampening) * d_p
        d_p = d_p + momentum * buf if nesterov else buf
    param -= lr * d_p


@kernel(_sgd_update_reference)
def sgd_update(param, grad, buf, lr, momentum, dampening, weight_decay, nesterov, first_step):
    for i in range(param.size):
        d_p = grad[i] + weight_decay * param[i]
        if momentum != 0.0:
            if first_step:
                buf[i] = d_p
            else:
                buf[i] = momentum * buf[i] + (1.0 - dampening) * d_p
            d_p = d_p + momentum * buf[i] if nesterov else buf[i]
        param[i] -= lr * d_p


def _adam_update_reference(param, grad, m, v, lr, beta1, beta2, eps, weight_decay,
                           decoupled, step):
    if decoupled:  # AdamW: shrink the weights directly, not through the gradient
        param *= 1.0 - lr * weight_decay
    else:
        grad = grad + weight_decay * param
    m *= beta1
    m += (1.0 - beta1) * grad
    v *= beta2
    v += (1.0 - beta2) * grad * grad
    step_size = lr / (1.0 - beta1 ** step)
    denom = np.sqrt(v) / math.sqrt(1.0 - beta2 ** step) + eps
    param -= step_size * m / denom


@kernel(_adam_update_reference)
def adam_update(param, grad, m, v, lr, beta1, beta2, eps, weight_decay, decoupled, step):
    step_size = lr / (1.0 - beta1 ** step)
    root_correction = math.sqrt(1.0 - beta2 ** step)
    for i in range(param.size):
        g = grad[i]
        if decoupled:
            param[i] *= 1.0 - lr * weight_decay
        else:
            g += weight_decay * param[i]
        m[i] = beta1 * m[i] + (1.0 - beta1) * g
        v[i] = beta2 * v[i] + (1.0 - beta2) * g * g
        param[i] -= step_size * m[i] / (math.sqrt(v[i]) / root_correction + eps)


def _rmsprop_update_reference(param, grad, square_avg, grad_avg, buf, lr, alpha, eps,
                              weight_decay, momentum, centered):
    grad = grad + weight_decay * param
    square_avg *= alpha
    square_avg += (1.0 - alpha) * grad * grad
    if centered:  # subtract the squared mean gradient: a variance, not a raw second moment
        grad_avg += (1.0 - alpha) * (grad - grad_avg)
        avg = np.sqrt(square_avg - grad_avg * grad_avg) + eps
    else:
        avg = np.sqrt(square_avg) + eps
    if momentum > 0.0:
        buf *= momentum
        buf += grad / avg
        param -= lr * buf
    else:
        param -= lr * grad / avg


@kernel(_rmsprop_update_reference)
def rmsprop_update(param, grad, square_avg, grad_avg, buf, lr, alpha, eps, weight_decay,
                   momentum, centered):
    for i in range(param.size):
        g = grad[i] + weight_decay * param[i]
        square_avg[i] = alpha * square_avg[i] + (1.0 - alpha) * g * g
        if centered:
            grad_avg[i] += (1.0 - alpha) * (g - grad_avg[i])
            avg = math.sqrt(square_avg[i] - grad_avg[i] * grad_avg[i]) + eps
        else:
            avg = math.sqrt(square_avg[i]) + eps
        if momentum > 0.0:
            buf[i] = momentum * buf[i] + g / avg
            param[i] -= lr * buf[i]
        else:
            param[i] -= lr * g / avg


def _adagrad_update_reference(param, grad, state_sum, lr, eps, weight_decay):
    grad = grad + weight_decay * param
    state_sum += grad * grad
    param -= lr * grad / (np.sqrt(state_sum) + eps)


@kernel(_adagrad_update_reference)
def adagrad_update(param, grad, state_sum, lr, eps, weight_decay):
    # lr arrives already decayed: lr / (1 + (step - 1) * lr_decay)
    for i in range(param.size):
        g = grad[i] + weight_decay * param[i]
        state_sum[i] += g * g
        param[i] -= lr * g / (math.sqrt(state_sum[i]) + eps)

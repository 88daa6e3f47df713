r"""SGD, RMSprop, Adagrad, Adam and AdamW (chapter 07), step for step as in PyTorch.

Each optimizer checks its settings, keeps its per-parameter state and hands
the arithmetic to a fused kernel in ``nnkit/kernels/optim.py`` (one pass
over each parameter). In the formulas $\theta$ is a parameter, $g_t$ its
gradient at step $t$, $\gamma$ the learning rate ``lr`` and $\lambda$ the
``weight_decay``.
"""
import numpy as np

from nnkit.kernels.optim import adagrad_update, adam_update, rmsprop_update, sgd_update
from nnkit.optim.optimizer import Optimizer, check_number, flat

_UNUSED = {}


def _unused(param):
    # a state array the kernel will not touch this time (no momentum, say); one per
    # dtype, made once: the step runs for every parameter of every batch
    if param.dtype not in _UNUSED:
        _UNUSED[param.dtype] = np.empty(0, dtype=param.dtype)
    return _UNUSED[param.dtype]


class SGD(Optimizer):
    r"""Stochastic gradient descent, with optional momentum (chapter 07).

    $$g_t \leftarrow g_t + \lambda\theta_{t-1}, \qquad
      b_t = \mu b_{t-1} + (1 - \tau) g_t \quad (b_1 = g_1),$$
    $$\theta_t = \theta_{t-1} - \gamma\,d_t, \qquad
      d_t = \begin{cases} g_t + \mu b_t & \text{nesterov} \\ b_t & \text{otherwise}
      \end{cases}$$

    (without momentum, $d_t = g_t$).

    Args:
        params: Tensors, or parameter groups (dicts), to train.
        lr: the learning rate $\gamma$.
        momentum: $\mu$, how much of the previous step to keep (0.9 is usual).
        dampening: $\tau$, scales down the new gradient in the momentum buffer.
        weight_decay: $\lambda$, an L2 penalty added to the gradient.
        nesterov: look ahead along the momentum (needs momentum > 0, dampening 0).

    Example::

        >>> optimizer = nnkit.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> optimizer.zero_grad(); loss.backward(); optimizer.step()
    """

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False):
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov})

    def check_group(self, group):
        super().check_group(group)
        check_number("SGD", "momentum", group["momentum"], minimum=0.0)
        check_number("SGD", "dampening", group["dampening"])
        check_number("SGD", "weight_decay", group["weight_decay"], minimum=0.0)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"SGD: nesterov=True requires momentum > 0 and dampening = 0. "
                             f"Received: momentum={group['momentum']!r}, "
                             f"dampening={group['dampening']!r}")

    def update(self, param, grad, state, group):
        first_step = False
        if group["momentum"] != 0 and "momentum_buffer" not in state:
            state["momentum_buffer"] = np.empty_like(param)  # the kernel copies g_1 in
            first_step = True
        buf = state.get("momentum_buffer", _unused(param))
        sgd_update(*flat(param, grad, buf), group["lr"], group["momentum"],
                   group["dampening"], group["weight_decay"], bool(group["nesterov"]),
                   first_step)


class RMSprop(Optimizer):
    r"""Divide each step by a running root-mean-square of the gradient (chapter 07).

    $$g_t \leftarrow g_t + \lambda\theta_{t-1}, \qquad
      v_t = \alpha v_{t-1} + (1 - \alpha) g_t^2,$$
    $$\tilde v_t = v_t - \bar g_t^2 \ \text{if centered, with}\
      \bar g_t = \alpha \bar g_{t-1} + (1 - \alpha) g_t, \ \text{else}\ \tilde v_t = v_t,$$
    $$b_t = \mu b_{t-1} + \frac{g_t}{\sqrt{\tilde v_t} + \epsilon}, \qquad
      \theta_t = \theta_{t-1} - \gamma b_t$$

    (without momentum, $\theta_t = \theta_{t-1} - \gamma g_t / (\sqrt{\tilde v_t} + \epsilon)$).

    Args:
        params: Tensors, or parameter groups (dicts), to train.
        lr: the learning rate $\gamma$.
        alpha: $\alpha$, the smoothing of the running average of $g^2$.
        eps: $\epsilon$, keeps the division finite.
        weight_decay: $\lambda$, an L2 penalty added to the gradient.
        momentum: $\mu$ (0 for none).
        centered: normalise by an estimate of the gradient's variance instead.
    """

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False):
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps,
                                  "weight_decay": weight_decay, "momentum": momentum,
                                  "centered": centered})

    def check_group(self, group):
        super().check_group(group)
        check_number("RMSprop", "alpha", group["alpha"], minimum=0.0)
        check_number("RMSprop", "eps", group["eps"], minimum=0.0)
        check_number("RMSprop", "weight_decay", group["weight_decay"], minimum=0.0)
        check_number("RMSprop", "momentum", group["momentum"], minimum=0.0)

    def update(self, param, grad, state, group):
        if not state:
            state.update(step=0, square_avg=np.zeros_like(param))
        if group["momentum"] > 0 and "momentum_buffer" not in state:
            state["momentum_buffer"] = np.zeros_like(param)
        if group["centered"] and "grad_avg" not in state:
            state["grad_avg"] = np.zeros_like(param)
        state["step"] += 1
        grad_avg = state.get("grad_avg", _unused(param))
        buf = state.get("momentum_buffer", _unused(param))
        rmsprop_update(*flat(param, grad, state["square_avg"], grad_avg, buf), group["lr"],
                       group["alpha"], group["eps"], group["weight_decay"], group["momentum"],
                       bool(group["centered"]))


class Adagrad(Optimizer):
    r"""Divide each step by the root of all squared gradients so far (chapter 07).

    $$g_t \leftarrow g_t + \lambda\theta_{t-1}, \qquad s_t = s_{t-1} + g_t^2
      \quad (s_0 = \text{initial\_accumulator\_value}),$$
    $$\theta_t = \theta_{t-1} - \frac{\gamma}{1 + (t - 1)\,\eta}\,
      \frac{g_t}{\sqrt{s_t} + \epsilon}$$

    Args:
        params: Tensors, or parameter groups (dicts), to train.
        lr: the learning rate $\gamma$.
        lr_decay: $\eta$, shrinks the learning rate step by step.
        weight_decay: $\lambda$, an L2 penalty added to the gradient.
        initial_accumulator_value: $s_0$, the starting sum of squares.
        eps: $\epsilon$, keeps the division finite.
    """

    def __init__(self, params, lr=0.01, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10):
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value,
                                  "eps": eps})

    def check_group(self, group):
        super().check_group(group)
        check_number("Adagrad", "lr_decay", group["lr_decay"], minimum=0.0)
        check_number("Adagrad", "weight_decay", group["weight_decay"], minimum=0.0)
        check_number("Adagrad", "initial_accumulator_value",
                     group["initial_accumulator_value"], minimum=0.0)
        check_number("Adagrad", "eps", group["eps"], minimum=0.0)

    def update(self, param, grad, state, group):
        if not state:
            state.update(step=0, sum=np.full_like(param, group["initial_accumulator_value"]))
        state["step"] += 1
        lr = group["lr"] / (1.0 + (state["step"] - 1) * group["lr_decay"])
        adagrad_update(*flat(param, grad, state["sum"]), lr, group["eps"],
                       group["weight_decay"])


class Adam(Optimizer):
    r"""Momentum plus a per-weight step size, both bias-corrected (chapter 07).

    $$g_t \leftarrow g_t + \lambda\theta_{t-1}, \qquad
      m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
      v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2,$$
    $$\theta_t = \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t}\,
      \frac{m_t}{\sqrt{v_t / (1 - \beta_2^t)} + \epsilon}$$

    Args:
        params: Tensors, or parameter groups (dicts), to train.
        lr: the learning rate $\gamma$.
        betas: $(\beta_1, \beta_2)$, the smoothing of the two running averages.
        eps: $\epsilon$, keeps the division finite.
        weight_decay: $\lambda$, an L2 penalty added to the gradient (for
            weight decay that works with Adam, use :class:`AdamW`).
    """

    decoupled = False  # AdamW: decay the weights directly, outside the gradient

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay})

    def check_group(self, group):
        name = type(self).__name__
        super().check_group(group)
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{name}: expected betas to be a pair (beta1, beta2). "
                            f"Received: betas={betas!r}")
        check_number(name, "betas[0]", betas[0], minimum=0.0, maximum=1.0, open_maximum=True)
        check_number(name, "betas[1]", betas[1], minimum=0.0, maximum=1.0, open_maximum=True)
        check_number(name, "eps", group["eps"], minimum=0.0)
        check_number(name, "weight_decay", group["weight_decay"], minimum=0.0)

    def update(self, param, grad, state, group):
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(param), exp_avg_sq=np.zeros_like(param))
        state["step"] += 1
        beta1, beta2 = group["betas"]
        adam_update(*flat(param, grad, state["exp_avg"], state["exp_avg_sq"]), group["lr"],
                    beta1, beta2, group["eps"], group["weight_decay"], self.decoupled,
                    state["step"])


class AdamW(Adam):
    r"""Adam with *decoupled* weight decay (chapter 07): Loshchilov and Hutter, 2019.

    The weights shrink directly, $\theta \leftarrow \theta(1 - \gamma\lambda)$,
    before the Adam step, which then sees only the loss's gradient. (Adam's L2
    penalty is divided by $\sqrt{v_t}$ like the rest of the gradient, so
    weights with large gradients would hardly decay.)
    """

    decoupled = True

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)


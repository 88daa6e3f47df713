r"""Learning-rate schedules (chapter 07): change ``lr`` as training goes on.

A scheduler wraps an optimizer. Call ``scheduler.step()`` once per epoch,
after the epoch's ``optimizer.step()`` calls; it sets every parameter
group's ``lr`` from the group's starting value (``initial_lr``) and the
number of epochs so far, $t$. The values are PyTorch's; here each schedule
is written in closed form, as a function of $t$.

Example::

    >>> optimizer = nnkit.optim.SGD(model.parameters(), lr=0.1)
    >>> scheduler = nnkit.optim.StepLR(optimizer, step_size=10, gamma=0.5)
    >>> for epoch in range(30):
    ...     train_one_epoch(model, optimizer)
    ...     scheduler.step()
"""
import math

from nnkit.optim.optimizer import Optimizer, check_number


def _check_positive_int(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{owner}: expected a positive integer. Received: {name}={value!r}")


class LRScheduler:
    """Base class: subclasses define ``lr_at(base_lr, epoch)``."""

    def __init__(self, optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an nnkit optimizer. Received: "
                            f"optimizer={type(optimizer).__name__}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            # kept in the group, so a reloaded optimizer resumes the same schedule
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()  # epoch 0: the starting learning rates

    def lr_at(self, base_lr, epoch):
        raise NotImplementedError

    def lrs_at(self, epoch):
        """Every group's learning rate at `epoch` (a schedule may treat groups apart)."""
        return [self.lr_at(base, epoch) for base in self.base_lrs]

    def step(self):
        """Advance one epoch and set each group's ``lr``."""
        self.last_epoch += 1
        self._last_lr = self.lrs_at(self.last_epoch)
        for group, lr in zip(self.optimizer.param_groups, self._last_lr):
            group["lr"] = lr

    def get_last_lr(self):
        """The learning rates (one per parameter group) set by the last ``step()``."""
        return list(self._last_lr)

    def state_dict(self):
        """Everything but the optimizer (which has its own state_dict)."""
        return {key: value for key, value in vars(self).items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    r"""Multiply the learning rate by `gamma` every `step_size` epochs.

    $$\gamma_t = \gamma_0 \cdot \text{gamma}^{\lfloor t / \text{step\_size} \rfloor}$$
    """

    def __init__(self, optimizer, step_size, gamma=0.1):
        _check_positive_int("StepLR", "step_size", step_size)
        check_number("StepLR", "gamma", gamma, minimum=0.0)
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch):
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    r"""Multiply the learning rate by `gamma` every epoch.

    $$\gamma_t = \gamma_0 \cdot \text{gamma}^t$$
    """

    def __init__(self, optimizer, gamma):
        check_number("ExponentialLR", "gamma", gamma, minimum=0.0)
        self.gamma = gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch):
        return base_lr * self.gamma ** epoch


class CosineAnnealingLR(LRScheduler):
    r"""Follow half a cosine from the starting rate down to `eta_min` over `T_max` epochs.

    $$\gamma_t = \eta_{\min} + \frac{\gamma_0 - \eta_{\min}}{2}
      \left(1 + \cos\frac{\pi t}{T_{\max}}\right)$$

    After `T_max` epochs the rate climbs back up along the same cosine, as
    in PyTorch (no restarts; stop at `T_max` or schedule a longer one).
    """

    def __init__(self, optimizer, T_max, eta_min=0.0):
        _check_positive_int("CosineAnnealingLR", "T_max", T_max)
        check_number("CosineAnnealingLR", "eta_min", eta_min, minimum=0.0)
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch):
        cosine = (1.0 + math.cos(math.pi * epoch / self.T_max)) / 2.0
        return self.eta_min + (base_lr - self.eta_min) * cosine


class LambdaLR(LRScheduler):
    r"""The starting rate times a function of the epoch: $\gamma_t = \gamma_0 \cdot f(t)$.

    Args:
        lr_lambda: a function of the epoch count, or a list of them, one per
            parameter group.

    Example::

        >>> warmup = LambdaLR(optimizer, lambda epoch: min(1.0, (epoch + 1) / 5))
    """

    def __init__(self, optimizer, lr_lambda):
        count = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 1
        lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * count
        if len(lambdas) != count or not all(callable(f) for f in lambdas):
            raise TypeError(f"LambdaLR: expected a function of the epoch, or a list of "
                            f"{count} (one per parameter group). Received: "
                            f"lr_lambda={lr_lambda!r}")
        self.lr_lambdas = lambdas
        super().__init__(optimizer)

    def lrs_at(self, epoch):
        return [base * f(epoch) for base, f in zip(self.base_lrs, self.lr_lambdas)]

    def state_dict(self):
        """Functions are not saved (as in PyTorch): the caller builds them again."""
        return {k: v for k, v in super().state_dict().items() if k != "lr_lambdas"}


class LinearLR(LRScheduler):
    r"""Scale the rate linearly from `start_factor` to `end_factor` over `total_iters` steps.

    $$\gamma_t = \gamma_0 \left(s + (e - s)\,\frac{\min(t, T)}{T}\right)$$

    PyTorch's defaults: a warm-up from a third of the rate to the full rate in 5 steps.
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5):
        check_number("LinearLR", "start_factor", start_factor, minimum=0.0, maximum=1.0)
        check_number("LinearLR", "end_factor", end_factor, minimum=0.0, maximum=1.0)
        if start_factor == 0:
            raise ValueError("LinearLR: expected 0 < start_factor <= 1. Received: "
                             "start_factor=0")
        _check_positive_int("LinearLR", "total_iters", total_iters)
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = total_iters
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch):
        progress = min(epoch, self.total_iters) / self.total_iters
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * progress)


# the schedules that need more than the epoch count live apart; importable from here too,
# as torch.optim.lr_scheduler.OneCycleLR is
from nnkit.optim.adaptive_schedules import OneCycleLR, ReduceLROnPlateau  # noqa: F401

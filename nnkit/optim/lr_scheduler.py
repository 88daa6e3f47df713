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

    def step(self):
        """Advance one epoch and set each group's ``lr``."""
        self.last_epoch += 1
        self._last_lr = [self.lr_at(base, self.last_epoch) for base in self.base_lrs]
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

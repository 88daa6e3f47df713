r"""Two schedules that need more than the epoch count (chapter 07), as in PyTorch.

- :class:`OneCycleLR` warms the rate up to ``max_lr`` and anneals it far
  below the start, once over the whole run, stepped after every *batch*;
  it moves the momentum (SGD's ``momentum``, Adam's $\beta_1$) the other way.
- :class:`ReduceLROnPlateau` reads a metric each epoch (``step(val_loss)``)
  and cuts the rate when the metric has stopped improving.
"""
import math

from nnkit.optim.lr_scheduler import LRScheduler, _check_positive_int
from nnkit.optim.optimizer import Optimizer, check_number


def _cosine(start, end, pct):
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def _linear(start, end, pct):
    return (end - start) * pct + start


class OneCycleLR(LRScheduler):
    r"""The 1cycle policy (Smith, 2018): up from ``max_lr / div_factor`` to ``max_lr`` over
    the first ``pct_start`` of the steps, then down to ``initial_lr / final_div_factor``.

    Args:
        max_lr: the peak rate. total_steps: how many ``step()`` calls the run makes,
            or give ``epochs`` and ``steps_per_epoch``.
        pct_start: the share of steps spent warming up. anneal_strategy: "cos" or "linear".
        cycle_momentum: move the momentum between ``max_momentum`` (at the start
            and end) and ``base_momentum`` (at the peak rate).
        div_factor, final_div_factor: the start is max_lr / div_factor, the end
            that divided by final_div_factor. three_phase: PyTorch's variant that
            comes back down symmetrically before the final anneal.

    Example::

        >>> scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=num_epochs * len(loader))
        >>> # call scheduler.step() after every optimizer.step()
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85,
                 max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False):
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError("OneCycleLR: expected total_steps, or epochs and "
                                 "steps_per_epoch. Received none of them")
            _check_positive_int("OneCycleLR", "epochs", epochs)
            _check_positive_int("OneCycleLR", "steps_per_epoch", steps_per_epoch)
            total_steps = epochs * steps_per_epoch
        _check_positive_int("OneCycleLR", "total_steps", total_steps)
        check_number("OneCycleLR", "max_lr", max_lr, minimum=0.0)
        check_number("OneCycleLR", "pct_start", pct_start, minimum=0.0, maximum=1.0)
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: expected anneal_strategy 'cos' or 'linear'. "
                             f"Received: anneal_strategy={anneal_strategy!r}")
        self.total_steps, self.anneal = total_steps, _cosine if anneal_strategy == "cos" else _linear
        self.cycle_momentum = cycle_momentum
        self.momentum_range = (base_momentum, max_momentum)
        peak, last = float(pct_start * total_steps) - 1, total_steps - 1
        self.phases = ([(0, peak, "start", "max"), (peak, 2 * peak, "max", "start"),
                        (2 * peak, last, "start", "end")] if three_phase else
                       [(0, peak, "start", "max"), (peak, last, "max", "end")])
        if isinstance(optimizer, Optimizer):
            for group in optimizer.param_groups:
                group["initial_lr"] = max_lr / div_factor  # PyTorch overwrites it too
                group["max_lr"] = max_lr
                group["min_lr"] = group["initial_lr"] / final_div_factor
            if cycle_momentum:
                self._check_momentum(optimizer)
        super().__init__(optimizer)

    @staticmethod
    def _check_momentum(optimizer):
        if not all("momentum" in g or "betas" in g for g in optimizer.param_groups):
            raise ValueError(f"OneCycleLR: cycle_momentum=True needs an optimizer with momentum "
                             f"or betas. Received {type(optimizer).__name__}; pass "
                             f"cycle_momentum=False")

    def step(self):
        """Advance one batch; stepping past ``total_steps`` raises, as in PyTorch."""
        if self.last_epoch + 1 > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {self.last_epoch + 1} times; the "
                             f"schedule has total_steps={self.total_steps}. Expected at most "
                             f"that many step() calls: make total_steps match the run")
        super().step()
        if self.cycle_momentum:
            for group in self.optimizer.param_groups:
                self._set_momentum(group, self.last_epoch)

    def _point(self, step, values):
        start = 0.0
        for i, (_, end, low, high) in enumerate(self.phases):
            if step <= end or i == len(self.phases) - 1:
                return self.anneal(values[low], values[high], (step - start) / (end - start))
            start = end

    def lrs_at(self, epoch):
        return [self._point(epoch, {"start": g["initial_lr"], "max": g["max_lr"],
                                    "end": g["min_lr"]})
                for g in self.optimizer.param_groups]

    def _set_momentum(self, group, step):
        base, top = self.momentum_range
        # the momentum runs opposite to the rate: high at the start and the end
        momentum = self._point(step, {"start": top, "max": base, "end": top})
        if "betas" in group:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum


class ReduceLROnPlateau:
    r"""Multiply the rate by ``factor`` once the metric has not improved for ``patience`` epochs.

    Call ``scheduler.step(metric)`` after each epoch's validation. Improving
    means below ``best * (1 - threshold)`` (mode "min", threshold_mode "rel"),
    or above ``best * (1 + threshold)`` for "max"; "abs" uses ``best -/+ threshold``.
    After a cut, ``cooldown`` epochs pass before counting again; the rate
    never goes below ``min_lr``. The defaults are PyTorch's.

    Example::

        >>> scheduler = ReduceLROnPlateau(optimizer, factor=0.5, patience=2)
        >>> for epoch in range(20):
        ...     train_one_epoch(model, optimizer)
        ...     scheduler.step(validation_loss(model))
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0.0, eps=1e-8):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"ReduceLROnPlateau: expected an nnkit optimizer. Received: "
                            f"optimizer={type(optimizer).__name__}")
        if mode not in ("min", "max") or threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: expected mode 'min' or 'max' and "
                             f"threshold_mode 'rel' or 'abs'. Received: mode={mode!r}, "
                             f"threshold_mode={threshold_mode!r}")
        check_number("ReduceLROnPlateau", "factor", factor, minimum=0.0, maximum=1.0,
                     open_maximum=True)
        for name, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"ReduceLROnPlateau: expected a non-negative integer. "
                                 f"Received: {name}={value!r}")
        check_number("ReduceLROnPlateau", "min_lr", min_lr, minimum=0.0)
        self.optimizer, self.mode, self.factor, self.patience = optimizer, mode, factor, patience
        self.threshold, self.threshold_mode, self.cooldown = threshold, threshold_mode, cooldown
        self.min_lr, self.eps = min_lr, eps
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs, self.cooldown_counter, self.last_epoch = 0, 0, 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def is_better(self, value):
        if self.mode == "min":
            bound = self.best * (1 - self.threshold) if self.threshold_mode == "rel" \
                else self.best - self.threshold
            return value < bound
        bound = self.best * (1 + self.threshold) if self.threshold_mode == "rel" \
            else self.best + self.threshold
        return value > bound

    def step(self, metrics):
        """Record this epoch's metric (a number or a one-element Tensor) and maybe cut the rate."""
        value = float(getattr(metrics, "data", metrics))
        self.last_epoch += 1
        if self.is_better(value):
            self.best, self.num_bad_epochs = value, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during cooldown do not count
        if self.num_bad_epochs > self.patience:
            for group in self.optimizer.param_groups:
                new_lr = max(group["lr"] * self.factor, self.min_lr)
                if group["lr"] - new_lr > self.eps:  # too small a change is not worth it
                    group["lr"] = new_lr
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        return list(self._last_lr)

    def state_dict(self):
        return {key: value for key, value in vars(self).items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)

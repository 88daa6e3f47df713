"""LambdaLR, LinearLR, OneCycleLR, ReduceLROnPlateau: PyTorch's rates over 30 steps."""
import math

import numpy as np
import pytest

import nnkit
from nnkit import nn, optim

STEPS = 30
METRICS = [1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.79999, 0.7, 0.7, 0.7, 0.71, 0.72, 0.6, 0.6, 0.6,
           0.6, 0.6, 0.6, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.4, 0.4]
SCHEDULES = {  # name, optimizer (name, options), scheduler options
    "lambda": ("LambdaLR", ("SGD", {"lr": 0.1}), {"lr_lambda": lambda e: 0.95 ** e + 0.01 * e}),
    "linear_default": ("LinearLR", ("SGD", {"lr": 0.1}), {}),
    "linear_decay": ("LinearLR", ("Adam", {"lr": 0.01}),
                     {"start_factor": 1.0, "end_factor": 0.1, "total_iters": 20}),
    "one_cycle_sgd": ("OneCycleLR", ("SGD", {"lr": 0.1, "momentum": 0.9}),
                      {"max_lr": 0.5, "total_steps": STEPS}),
    "one_cycle_adam_linear": ("OneCycleLR", ("Adam", {"lr": 0.1}),
                              {"max_lr": 0.01, "epochs": 3, "steps_per_epoch": 10,
                               "anneal_strategy": "linear", "pct_start": 0.25}),
    "one_cycle_three_phase": ("OneCycleLR", ("SGD", {"lr": 0.1, "momentum": 0.9}),
                              {"max_lr": 1.0, "total_steps": STEPS, "three_phase": True}),
    "plateau_min": ("ReduceLROnPlateau", ("SGD", {"lr": 0.1}), {"patience": 2, "factor": 0.5}),
    "plateau_max_abs_cooldown": ("ReduceLROnPlateau", ("SGD", {"lr": 0.1}),
                                 {"mode": "max", "patience": 1, "threshold": 0.05,
                                  "threshold_mode": "abs", "cooldown": 2, "min_lr": 0.02}),
}


def momentum_of(group):
    return group["betas"][0] if "betas" in group else group.get("momentum")


def run(optim_module, scheduler_module, params, case):
    kind, (name, options), scheduler_options = case
    optimizer = getattr(optim_module, name)(params, **options)
    scheduler = getattr(scheduler_module, kind)(optimizer, **scheduler_options)
    lrs, momenta = [], []
    for step in range(STEPS):
        lrs.append(optimizer.param_groups[0]["lr"])
        momenta.append(momentum_of(optimizer.param_groups[0]))
        optimizer.step()  # no gradients: nothing moves, but the order is PyTorch's
        if kind == "ReduceLROnPlateau":
            metric = METRICS[step] if scheduler_options.get("mode") != "max" else -METRICS[step]
            scheduler.step(metric)
        else:
            scheduler.step()
    return np.array(lrs), momenta


@pytest.mark.parametrize("case", SCHEDULES.values(), ids=list(SCHEDULES))
def test_schedule_matches_torch_over_30_steps(case):
    torch = pytest.importorskip("torch")
    ours = run(optim, optim.lr_scheduler, [nnkit.zeros(2, requires_grad=True)], case)
    theirs = run(torch.optim, torch.optim.lr_scheduler, [torch.zeros(2, requires_grad=True)],
                 case)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(np.array(ours[1], float), np.array(theirs[1], float), rtol=1e-6)


def test_one_cycle_peaks_at_pct_start_and_ends_far_below_the_start():
    optimizer = optim.SGD([nnkit.zeros(1, requires_grad=True)], lr=1.0, momentum=0.9)
    scheduler = optim.OneCycleLR(optimizer, max_lr=1.0, total_steps=20, pct_start=0.25)
    lrs = [optimizer.param_groups[0]["lr"]]
    for _ in range(19):
        scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
    assert int(np.argmax(lrs)) == 4 and math.isclose(max(lrs), 1.0)
    assert math.isclose(lrs[0], 1.0 / 25) and math.isclose(lrs[-1], 1.0 / 25 / 1e4)
    assert optimizer.param_groups[0]["momentum"] == pytest.approx(0.95)  # back up at the end
    scheduler.step()  # the 20th step is still allowed, as in PyTorch
    with pytest.raises(ValueError, match="tried to step 21 times; the schedule has "
                                         "total_steps=20"):
        scheduler.step()


def test_plateau_cuts_after_patience_and_respects_min_lr():
    optimizer = optim.SGD([nnkit.zeros(1, requires_grad=True)], lr=1.0)
    scheduler = optim.ReduceLROnPlateau(optimizer, factor=0.5, patience=1, min_lr=0.3)
    for loss in [1.0, 1.0, 1.0]:  # two epochs without improvement > patience 1
        scheduler.step(nnkit.tensor(loss))
    assert scheduler.get_last_lr() == [0.5]
    for loss in [1.0, 1.0, 1.0, 1.0]:
        scheduler.step(loss)
    assert scheduler.get_last_lr() == [0.3]  # 0.25 would be below min_lr


def test_lambda_lr_per_group_and_linear_lr_warmup():
    a, b = nnkit.zeros(1, requires_grad=True), nnkit.zeros(1, requires_grad=True)
    optimizer = optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1)
    scheduler = optim.LambdaLR(optimizer, [lambda e: 1.0, lambda e: 0.5 ** e])
    scheduler.step()
    assert scheduler.get_last_lr() == [0.1, 0.5]
    warm = optim.LinearLR(optim.SGD([a], lr=0.3))
    lrs = [warm.get_last_lr()[0]] + [(warm.step(), warm.get_last_lr()[0])[1] for _ in range(6)]
    np.testing.assert_allclose(lrs, [0.1, 0.14, 0.18, 0.22, 0.26, 0.3, 0.3])


def test_scheduler_errors_say_what_was_expected():
    optimizer = optim.Adagrad([nnkit.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="cycle_momentum=True needs an optimizer with momentum "
                                         "or betas. Received Adagrad"):
        optim.OneCycleLR(optimizer, max_lr=0.1, total_steps=10)
    with pytest.raises(ValueError, match="expected total_steps, or epochs and steps_per_epoch"):
        optim.OneCycleLR(optimizer, max_lr=0.1, cycle_momentum=False)
    with pytest.raises(TypeError, match="LambdaLR: expected a function of the epoch"):
        optim.LambdaLR(optimizer, 0.5)
    with pytest.raises(ValueError, match="expected mode 'min' or 'max'"):
        optim.ReduceLROnPlateau(optimizer, mode="lowest")


# ---------------------------------------------------------------- optimizer arguments

OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("lr", [math.inf, math.nan, -math.inf])
def test_every_optimizer_rejects_a_non_finite_lr(name, lr):
    with pytest.raises(ValueError, match=rf"{name}: expected a finite number for lr. "
                                         rf"Received: lr={lr!r}"):
        getattr(optim, name)([nnkit.zeros(2, requires_grad=True)], lr=lr)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_passing_the_model_instead_of_its_parameters_says_what_to_type(name):
    model = nn.Sequential(nn.Linear(2, 2))
    with pytest.raises(TypeError, match=rf"{name}: expected the model's parameters. Received the "
                                        r"model itself \(Sequential\): pass model.parameters\(\)"):
        getattr(optim, name)(model, lr=0.1)

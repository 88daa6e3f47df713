r"""Checkers for chapter 07 (optimizers).

    from nnkit.exercises import ch07 as check
    check.sgd_step(my_sgd_step)

One checker per exercise. The update rules are nnkit's (and PyTorch's), the
same as in ``nnkit/optim/optimizers.py``. When an answer is wrong, the
checker also tries the usual slips (the wrong sign, a forgotten bias
correction, ...) and, if the answer matches one of them, says so.
"""
import math

import numpy as np

from nnkit.exercises.checking import (
    Case,
    CheckResult,
    Exercise,
    Problem,
    Slip,
    _show,
    check_function,
)

__all__ = ["adam_step", "cosine_lr", "learning_rate", "momentum_step", "sgd_step"]

THETA = np.array([1.0, -2.0, 0.5])
GRAD = np.array([0.5, -1.0, 4.0])


# ---------------------------------------------------------------- references

def _sgd(param, grad, lr):
    return param - lr * grad


def _momentum(param, grad, velocity, lr, momentum):
    velocity = momentum * velocity + grad  # PyTorch's form: no (1 - momentum) factor
    return param - lr * velocity, velocity


def _adam(param, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def _cosine(step, total_steps, base_lr, min_lr):
    return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * step / total_steps)) / 2


# ---------------------------------------------------------------- typical slips

def _momentum_ema(param, grad, velocity, lr, momentum):
    velocity = momentum * velocity + (1 - momentum) * grad
    return param - lr * velocity, velocity


def _momentum_old_velocity(param, grad, velocity, lr, momentum):
    return param - lr * velocity, momentum * velocity + grad


def _adam_no_bias_correction(param, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return param - lr * m / (np.sqrt(v) + eps), m, v


def _adam_eps_inside_sqrt(param, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return param - lr * m_hat / np.sqrt(v_hat + eps), m, v


def _flip_sign(reference):
    def uphill(*args):
        out = reference(*args)
        param = args[0]
        if isinstance(out, tuple):  # mirror the step around the old parameter
            return (2 * param - out[0], *out[1:])
        return 2 * param - out
    return uphill


SIGN_HINT = ("you moved uphill: the gradient points up the slope, so step against it "
             "(param - lr * grad).")


# ---------------------------------------------------------------- machinery

def _check_parts(name, fn, reference, cases, parts, slips=(), rtol=1e-6, atol=1e-9):
    """A step function returning a tuple (param, velocity, ...) of new values: the one engine
    with named parts."""
    return Exercise(name, reference, cases, [Slip(hint, wrong=wrong) for wrong, hint in slips],
                    parts=tuple(parts), rtol=rtol, atol=atol, part_prefix="new ").check(fn)


# ---------------------------------------------------------------- checkers

def sgd_step(fn):
    r"""Exercise 1: ``fn(param, grad, lr)`` returns $\theta - \gamma\,g$ (a new array)."""
    cases = [
        Case((THETA, GRAD, 0.1), "three weights, lr = 0.1"),
        Case((np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, -1.0], [0.0, 2.0]]), 0.5),
             "a 2x2 weight matrix", "work elementwise; keep the parameter's shape."),
        Case((THETA, GRAD, 0.0), "lr = 0 (nothing moves)"),
        Case((np.array([1e6, -1e-6]), np.array([1e3, 1e-3]), 1e-3), "large and tiny numbers"),
    ]
    slips = [(_flip_sign(_sgd), SIGN_HINT),
             (lambda param, grad, lr: param - grad, "multiply the gradient by lr."),
             (lambda param, grad, lr: -lr * grad,
              "that is only the step: add it to the old parameter.")]
    return _check_parts("sgd_step", lambda *a: (fn(*a),), lambda *a: (_sgd(*a),), cases,
                        ["param"], [(lambda *a, s=s: (s(*a),), h) for s, h in slips])


def momentum_step(fn):
    r"""Exercise 2: ``fn(param, grad, velocity, lr, momentum)`` returns (param, velocity).

    $v \leftarrow \mu v + g$, then $\theta \leftarrow \theta - \gamma v$.
    """
    zeros = np.zeros(3)
    cases = [
        Case((THETA, GRAD, zeros, 0.1, 0.9), "first step (velocity 0)",
             "with velocity 0 the first step is a plain SGD step."),
        Case((THETA, GRAD, np.array([1.0, 1.0, -2.0]), 0.1, 0.9), "a later step"),
        Case((THETA, GRAD, np.array([1.0, 1.0, -2.0]), 0.1, 0.0), "momentum = 0 (plain SGD)"),
        Case((np.ones((2, 2)), np.full((2, 2), 2.0), np.full((2, 2), 3.0), 0.01, 0.5),
             "a 2x2 weight matrix"),
    ]
    slips = [
        (_flip_sign(_momentum), SIGN_HINT),
        (_momentum_ema, ("nnkit (like PyTorch) adds the whole gradient: v = momentum * v + grad, "
                        "without the (1 - momentum) factor of an exponential moving average.")),
        (_momentum_old_velocity, "update the velocity first, then step with the NEW velocity."),
        (lambda p, g, v, lr, mu: (p - lr * g, g), ("the velocity must remember the past: "
                                                   "v = momentum * v + grad.")),
    ]
    return _check_parts("momentum_step", fn, _momentum, cases, ["param", "velocity"],
                        slips)


def adam_step(fn):
    r"""Exercise 3: ``fn(param, grad, m, v, t, lr, beta1, beta2, eps)`` returns (param, m, v).

    $t$ counts steps from 1; the step uses the bias-corrected averages
    $\hat m = m / (1 - \beta_1^t)$ and $\hat v = v / (1 - \beta_2^t)$.
    """
    zeros, settings = np.zeros(3), (0.01, 0.9, 0.999, 1e-8)
    later_m, later_v = np.array([0.2, -0.3, 1.0]), np.array([0.05, 0.2, 3.0])
    cases = [
        Case((THETA, GRAD, zeros, zeros, 1, *settings), "the first step (t = 1)",
             "on the first step every weight moves by about lr: m_hat / sqrt(v_hat) = +-1."),
        Case((THETA, GRAD, later_m, later_v, 10, *settings), "step t = 10"),
        Case((THETA, GRAD * 1e4, zeros, zeros, 1, *settings), "huge gradients",
             "Adam's step does not grow with the gradient's size."),
        # parameters at 0, so that the tiny steps are not lost next to a large weight
        Case((zeros, np.array([1e-9, 0.0, -1e-9]), zeros, zeros, 1, *settings),
             "tiny and zero gradients", "eps goes outside the square root: sqrt(v_hat) + eps."),
        Case((np.ones((2, 3)), np.full((2, 3), -0.5), np.zeros((2, 3)), np.zeros((2, 3)), 3,
              0.1, 0.8, 0.99, 1e-8), "a 2x3 weight matrix, other betas"),
    ]
    slips = [
        (_flip_sign(_adam), SIGN_HINT),
        (_adam_no_bias_correction,
         ("you forgot the bias correction: m and v start at 0, so early on they are too small; "
         "divide by (1 - beta1**t) and (1 - beta2**t).")),
        (_adam_eps_inside_sqrt, "eps goes outside the square root: sqrt(v_hat) + eps."),
    ]
    return _check_parts("adam_step", fn, _adam, cases, ["param", "m", "v"],
                        slips, rtol=1e-5)


def cosine_lr(fn):
    r"""Exercise 4: ``fn(step, total_steps, base_lr, min_lr)``, the cosine schedule.

    $\gamma_t = \gamma_{\min} + \tfrac12(\gamma_0 - \gamma_{\min})(1 + \cos(\pi t / T))$.
    """
    cases = [
        Case((0, 100, 0.1, 0.0), "step 0", "at step 0 the rate is base_lr: cos(0) = 1."),
        Case((100, 100, 0.1, 0.0), "the last step", "at t = T the rate is min_lr: cos(pi) = -1."),
        Case((50, 100, 0.1, 0.0), "half way", "half way the rate is half way: cos(pi/2) = 0."),
        Case((25, 100, 0.1, 0.0), "a quarter of the way",
             "the angle is pi * step / total_steps, in radians (math.cos, math.pi)."),
        Case((30, 40, 0.5, 0.01), "min_lr = 0.01",
             "the rate moves between base_lr and min_lr: min_lr + (base_lr - min_lr) * ..."),
    ]
    return check_function("cosine_lr", fn, _cosine, cases, rtol=1e-7, atol=1e-12)


# ---------------------------------------------------------------- choose a number

CURVATURE, TARGET, NUM_STEPS, TOLERANCE = 4.0, 3.0, 10, 1e-3


def learning_rate(lr):
    r"""Exercise 5: a learning rate with which gradient descent on $f(w) = 2(w - 3)^2$,
    started at $w = 0$, is within 0.001 of $w = 3$ after 10 steps."""
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr):
        return CheckResult("learning_rate", False,
                           f"expected a number such as 0.1. Received: lr={lr!r}")
    w, path = 0.0, [0.0]
    for _ in range(NUM_STEPS):
        w -= lr * CURVATURE * (w - TARGET)  # f'(w) = 4 (w - 3)
        path.append(w)
    shown = ", ".join(f"{value:.4g}" for value in path[:6]) + ", ..."
    if abs(w - TARGET) < TOLERANCE:
        return CheckResult("learning_rate", True,
                           f"lr = {lr}: after {NUM_STEPS} steps w = {w:.6f} (path {shown}).")
    factor = 1 - lr * CURVATURE  # each step multiplies the distance to 3 by this
    if lr <= 0:
        why = "with lr <= 0 gradient descent stands still or walks uphill."
    elif factor > 0:
        why = (f"too small: w crawls towards 3 (each step keeps {factor:.0%} of the distance). "
               "Try a larger lr.")
    elif factor >= -1:
        why = ("too large: w jumps over 3 and back, and the zig-zag shrinks too slowly. "
               "Try a smaller lr.")
    else:
        why = "far too large: w overshoots more each step and diverges. Try a much smaller lr."
    return CheckResult("learning_rate", False,
                       f"lr = {lr}: after {NUM_STEPS} steps w = {w:.6g}, not within "
                       f"{TOLERANCE} of 3 (path {shown}).\nhint: {why} The distance to 3 is "
                       f"multiplied by (1 - 4 lr) at every step.")


# ---------------------------------------------------------------- 6 · your optimizer classes

_OPTIMIZER_CASES = [
    ("SGD", {"lr": 0.1}, "plain SGD"),
    ("SGD", {"lr": 0.1, "momentum": 0.9}, "SGD with momentum 0.9"),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}, "SGD with Nesterov momentum"),
    ("SGD", {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.1}, "SGD with weight decay"),
    ("Adam", {"lr": 0.01}, "Adam"),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}, "Adam with L2 weight decay"),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 0.1}, "Adam with other betas, eps 0.1"),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1}, "AdamW"),
]


def _train(classes, which, options):
    """Six steps on three parameters (one never gets a gradient); the final values."""
    from nnkit import nn
    rng = np.random.default_rng(70)
    params = [nn.Parameter(rng.standard_normal(shape)) for shape in ((3, 2), (2,), (2,))]
    arrays = [p.data for p in params]
    optimizer = classes[which](params, **options)
    for _ in range(6):
        optimizer.zero_grad()
        if any(p.grad is not None for p in params):
            raise _Slip("after zero_grad() a parameter still has a gradient: set each p.grad "
                        "to None")
        for p in params[:2]:
            p.grad = rng.standard_normal(p.data.shape)
        optimizer.step()
    if any(p.data is not a for p, a in zip(params, arrays)):
        raise _Slip("step() replaced a parameter's array (p.data = ...) instead of changing it "
                    "in place (p.data -= ...): code holding the model's arrays sees no change")
    return np.concatenate([p.data.ravel() for p in params])


class _Slip(Problem):
    """A mistake the run itself reveals; its message is the hint."""


def _nnkit_classes():
    from nnkit import optim
    return {"SGD": optim.SGD, "Adam": optim.Adam, "AdamW": optim.AdamW}


def _variant(name, **methods):
    from nnkit.exercises.solutions import ch07 as course
    classes = {"SGD": course.SGD, "Adam": course.Adam, "AdamW": course.AdamW}
    classes[name] = type(name, (classes[name],), methods)
    if name == "Adam":  # AdamW inherits the slip, as a learner's subclass would
        classes["AdamW"] = type("AdamW", (classes["Adam"], course.AdamW), {})
    return classes


def _averaged_buffer(self, p, grad, state):
    grad = grad + self.weight_decay * p.data
    if self.momentum:
        state["buffer"] = self.momentum * state.get("buffer", grad) + (1 - self.momentum) * grad
        grad = grad + self.momentum * state["buffer"] if self.nesterov else state["buffer"]
    p.data -= self.lr * grad


def _ignores_nesterov(self, p, grad, state):
    nesterov, self.nesterov = self.nesterov, False
    try:
        type(self).__mro__[1].update(self, p, grad, state)
    finally:
        self.nesterov = nesterov


def _no_bias_correction(self, p, grad, state):
    beta1, beta2 = self.betas
    if not state:
        state.update(m=np.zeros_like(p.data), v=np.zeros_like(p.data))
    state["m"] = beta1 * state["m"] + (1 - beta1) * grad
    state["v"] = beta2 * state["v"] + (1 - beta2) * grad**2
    p.data -= self.lr * state["m"] / (np.sqrt(state["v"]) + self.eps)


def _eps_inside(self, p, grad, state):
    beta1, beta2 = self.betas
    if not state:
        state.update(t=0, m=np.zeros_like(p.data), v=np.zeros_like(p.data))
    state["t"] += 1
    state["m"] = beta1 * state["m"] + (1 - beta1) * grad
    state["v"] = beta2 * state["v"] + (1 - beta2) * grad**2
    m_hat, v_hat = state["m"] / (1 - beta1 ** state["t"]), state["v"] / (1 - beta2 ** state["t"])
    p.data -= self.lr * m_hat / np.sqrt(v_hat + self.eps)


def _adamw_as_l2(self, p, grad, state):
    self.adam_step(p, grad + self.weight_decay * p.data, state)


def _adamw_unscaled(self, p, grad, state):
    p.data *= 1 - self.weight_decay
    self.adam_step(p, grad, state)


_OPTIMIZER_SLIPS = [
    (("SGD", {"update": _averaged_buffer}),
     ("PyTorch's momentum buffer is a running SUM, buffer = momentum * buffer + g, not an "
     "average with (1 - momentum) * g: the average makes every step ten times shorter at 0.9.")),
    (("SGD", {"update": _ignores_nesterov}),
     "with nesterov=True the step looks ahead: g + momentum * buffer, not the buffer alone."),
    (("Adam", {"adam_step": _no_bias_correction}),
     ("no bias correction: m and v start at zero, so divide them by (1 - beta1**t) and "
     "(1 - beta2**t), with t counting this parameter's steps from 1.")),
    (("Adam", {"adam_step": _eps_inside}),
     "eps goes outside the square root: m_hat / (sqrt(v_hat) + eps)."),
    (("AdamW", {"update": _adamw_as_l2}),
     ("AdamW decays the weights directly, p.data *= 1 - lr * weight_decay, before the Adam "
     "step; adding weight_decay * p to the gradient is Adam's L2, which AdamW replaces.")),
    (("AdamW", {"update": _adamw_unscaled}),
     "AdamW's decay is scaled by the learning rate: p.data *= 1 - lr * weight_decay."),
]


def optimizers(Optimizer, SGD, Adam, AdamW):
    """Exercise 6: the learner's ``Optimizer`` base class and ``SGD``, ``Adam``, ``AdamW``.

    Each case trains three parameters (one never gets a gradient) for six steps with the
    learner's class and with nnkit.optim's, the same gradients, and compares the final
    values; a parameter's array must change in place and zero_grad() must clear the
    gradients. Passing keeps all four in ``mine/ch07.py``.
    """
    from nnkit import mine
    from nnkit.exercises.checking import Exercise, Slip
    name = "Optimizer, SGD, Adam, AdamW"
    classes = {"SGD": SGD, "Adam": Adam, "AdamW": AdamW}
    if not all(isinstance(c, type) for c in (Optimizer, SGD, Adam, AdamW)):
        return CheckResult(name, False, "expected four classes: "
                           "optimizers(Optimizer, SGD, Adam, AdamW).")
    if not all(issubclass(c, Optimizer) for c in classes.values()):
        return CheckResult(name, False, "SGD, Adam and AdamW should be subclasses of your "
                           "Optimizer: class SGD(Optimizer): ...")

    for which, options, label in _OPTIMIZER_CASES:  # what a run itself reveals, first
        try:
            _train(classes, which, options)
        except _Slip as slip:
            return CheckResult(name, False, f"case '{label}': {slip}.")
        except Exception:  # noqa: BLE001 - reported with its line by the exercise below
            break
    cases = [Case((which, options), label) for which, options, label in _OPTIMIZER_CASES]
    slips = [Slip(hint, wrong=lambda which, options, v=variant: _train(_variant(v[0], **v[1]),
                                                                       which, options))
             for variant, hint in _OPTIMIZER_SLIPS]
    exercise = Exercise(name, lambda which, options: _train(_nnkit_classes(), which, options),
                        cases, slips, rtol=1e-7, atol=1e-10, show=_show_options)
    result = exercise.check(lambda which, options: _train(classes, which, options))
    if not result:
        return result
    kept = [mine.keep(cls, 7, "6") for cls in (Optimizer, SGD, Adam, AdamW)]
    if all(kept):
        result.message += f" Kept in your library: {kept[0]}"
    return result


def _show_options(value):
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "defaults"
    return _show(value)

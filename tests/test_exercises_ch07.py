"""Chapter 07's checkers accept right answers and reject the usual slips with a useful message."""
import math

import numpy as np
import pytest

from nnkit import optim
from nnkit.exercises import ch07 as check
from nnkit.nn import Parameter


def not_done(*args):
    raise NotImplementedError


# ---------------------------------------------------------------- sgd_step

def sgd(param, grad, lr):
    return param - lr * grad


def test_sgd_accepts_the_solution_and_matches_nnkit():
    assert check.sgd_step(sgd)
    p = Parameter(np.array([1.0, -2.0]))
    p.grad = np.array([0.5, 3.0])
    optim.SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, sgd(np.array([1.0, -2.0]), np.array([0.5, 3.0]), 0.1))


@pytest.mark.parametrize("wrong, words", [
    (lambda p, g, lr: p + lr * g, ["uphill", "hint", "expected new param"]),
    (lambda p, g, lr: p - g, ["multiply the gradient by lr"]),
    (lambda p, g, lr: -lr * g, ["only the step"]),
    (lambda p, g, lr: None, ["returned None"]),
    (lambda p, g, lr: (p - lr * g).sum(), ["shape (3,)"]),
    (not_done, ["not implemented yet"]),
])
def test_sgd_rejects(wrong, words):
    result = check.sgd_step(wrong)
    assert not result
    for word in words:
        assert word in result.message


# ---------------------------------------------------------------- momentum_step

def momentum(param, grad, velocity, lr, mu):
    velocity = mu * velocity + grad
    return param - lr * velocity, velocity


def test_momentum_accepts_the_solution_and_matches_nnkit():
    assert check.momentum_step(momentum)
    p = Parameter(np.array([1.0, -2.0]))
    optimizer = optim.SGD([p], lr=0.1, momentum=0.9)
    mine, velocity = np.array([1.0, -2.0]), np.zeros(2)
    for grad in ([0.5, 3.0], [1.0, -1.0], [0.2, 0.2]):
        p.grad = np.array(grad)
        optimizer.step()
        mine, velocity = momentum(mine, np.array(grad), velocity, 0.1, 0.9)
    np.testing.assert_allclose(p.data, mine)


def ema(p, g, v, lr, mu):
    v = mu * v + (1 - mu) * g
    return p - lr * v, v


@pytest.mark.parametrize("wrong, words", [
    (lambda p, g, v, lr, mu: (p + lr * (mu * v + g), mu * v + g), ["uphill"]),
    (ema, ["(1 - momentum)", "velocity"]),
    (lambda p, g, v, lr, mu: (p - lr * v, mu * v + g), ["NEW velocity"]),
    (lambda p, g, v, lr, mu: (p - lr * g, g), ["remember the past"]),
    (lambda p, g, v, lr, mu: p - lr * (mu * v + g), ["expected a tuple", "return param, velocity"]),
    (lambda p, g, v, lr, mu: (p - lr * (mu * v + g), v), ["new velocity is wrong"]),
    (not_done, ["not implemented yet"]),
])
def test_momentum_rejects(wrong, words):
    result = check.momentum_step(wrong)
    assert not result
    for word in words:
        assert word in result.message


# ---------------------------------------------------------------- adam_step

def adam(param, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_variant(bias_correction=True, eps_inside=False, sign=1.0, t_offset=0):
    def step(param, grad, m, v, t, lr, beta1, beta2, eps):
        t = t + t_offset
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        m_hat, v_hat = (m / (1 - beta1**t), v / (1 - beta2**t)) if bias_correction else (m, v)
        denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
        return param - sign * lr * m_hat / denom, m, v
    return step


def test_adam_accepts_the_solution_and_matches_nnkit():
    assert check.adam_step(adam)
    p = Parameter(np.array([1.0, -2.0]))
    optimizer = optim.Adam([p], lr=0.01)
    mine, m, v = np.array([1.0, -2.0]), np.zeros(2), np.zeros(2)
    for t, grad in enumerate(([0.5, 3.0], [1.0, -1.0], [0.2, 0.2]), start=1):
        p.grad = np.array(grad)
        optimizer.step()
        mine, m, v = adam(mine, np.array(grad), m, v, t, 0.01, 0.9, 0.999, 1e-8)
    np.testing.assert_allclose(p.data, mine, rtol=1e-12)


@pytest.mark.parametrize("wrong, words", [
    (adam_variant(bias_correction=False), ["forgot the bias correction", "(1 - beta1**t)",
                                           "the first step"]),
    (adam_variant(eps_inside=True), ["outside the square root", "tiny"]),
    (adam_variant(sign=-1.0), ["uphill"]),
    # t counted from 0: 1 - beta**0 = 0, a division by zero on the first step
    (adam_variant(t_offset=-1), ["contains nan", "first step"]),
    (lambda p, g, m, v, t, lr, b1, b2, eps: adam(p, g, m, v, t, lr, b1, b2, eps)[0],
     ["expected a tuple (param, m, v)"]),
    (not_done, ["not implemented yet"]),
])
def test_adam_rejects(wrong, words):
    with np.errstate(all="ignore"):
        result = check.adam_step(wrong)
    assert not result
    for word in words:
        assert word in result.message


# ---------------------------------------------------------------- cosine_lr

def cosine(step, total_steps, base_lr, min_lr):
    return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * step / total_steps)) / 2


def test_cosine_accepts_the_solution_and_matches_nnkit():
    assert check.cosine_lr(cosine)
    p = Parameter(np.zeros(1))
    optimizer = optim.SGD([p], lr=0.5)
    scheduler = optim.CosineAnnealingLR(optimizer, T_max=40, eta_min=0.01)
    for step in range(41):
        assert optimizer.param_groups[0]["lr"] == pytest.approx(cosine(step, 40, 0.5, 0.01))
        scheduler.step()


@pytest.mark.parametrize("wrong, words", [
    (lambda t, T, b, m: b * (1 + math.cos(math.pi * t / T)) / 2, ["min_lr", "0.0817588"]),
    (lambda t, T, b, m: m + (b - m) * (1 + math.cos(math.pi * t / T)), ["step 0", "cos(0) = 1"]),
    (lambda t, T, b, m: m + (b - m) * (1 + math.cos(t / T)) / 2, ["the last step", "cos(pi)"]),
    (lambda t, T, b, m: m + (b - m) * (1 - math.cos(math.pi * t / T)) / 2, ["step 0"]),
    (lambda t, T, b, m: m + (b - m) * (1 + math.cos(math.pi * (t / T) ** 2)) / 2,
     ["half way", "cos(pi/2) = 0"]),
    # a linear ramp: right at both ends and half way, wrong in between
    (lambda t, T, b, m: b + (m - b) * t / T, ["a quarter of the way", "radians"]),
    (not_done, ["not implemented yet"]),
])
def test_cosine_rejects(wrong, words):
    result = check.cosine_lr(wrong)
    assert not result
    for word in words:
        assert word in result.message


# ---------------------------------------------------------------- learning_rate

@pytest.mark.parametrize("lr", [0.2, 0.25, 0.3])
def test_learning_rate_accepts_rates_that_converge_in_ten_steps(lr):
    assert check.learning_rate(lr)


@pytest.mark.parametrize("lr, words", [
    (0.01, ["too small", "crawls"]),
    (0.1, ["too small"]),
    (0.4, ["too large", "zig-zag"]),
    (0.6, ["far too large", "diverges"]),
    (-0.1, ["lr <= 0"]),
    ("0.25", ["expected a number", "Received: lr='0.25'"]),
    (float("nan"), ["expected a number"]),
])
def test_learning_rate_rejects(lr, words):
    result = check.learning_rate(lr)
    assert not result
    for word in words:
        assert word in result.message


def test_results_render_green_and_red():
    assert "#1a7f37" in check.sgd_step(sgd)._repr_html_()
    assert "#cf222e" in check.sgd_step(lambda p, g, lr: p)._repr_html_()


# ---------------------------------------------------------------- 6 · the optimizer classes

def _course():
    from nnkit.exercises.solutions import ch07 as course
    return course


def test_the_course_optimizers_pass_and_are_kept(tmp_path, monkeypatch):
    from nnkit import mine
    monkeypatch.setenv("NNKIT_MINE", str(tmp_path))
    c = _course()
    result = check.optimizers(c.Optimizer, c.SGD, c.Adam, c.AdamW)
    assert result, result
    text = (tmp_path / "ch07.py").read_text()
    assert all(f"class {name}" in text for name in ("Optimizer:", "SGD(", "Adam(", "AdamW("))
    assert mine.use("AdamW", reference=None, quiet=True) is not None


@pytest.mark.parametrize("index", range(len(check._OPTIMIZER_SLIPS)))
def test_each_optimizer_slip_gets_its_own_hint(index):
    c = _course()
    (which, methods), hint = check._OPTIMIZER_SLIPS[index]
    classes = check._variant(which, **methods)
    text = check.optimizers(c.Optimizer, classes["SGD"], classes["Adam"], classes["AdamW"]).message
    assert hint in text
    assert not any(other in text for i, (_, other) in enumerate(check._OPTIMIZER_SLIPS)
                   if i != index)


def test_the_optimizer_checker_catches_what_a_run_reveals():
    c = _course()

    class KeepsGrads(c.Optimizer):
        def zero_grad(self):
            pass

    class Rebinds(c.SGD):
        def update(self, p, grad, state):
            p.data = p.data - self.lr * grad

    class NoSkip(c.Optimizer):
        def step(self):
            for p in self.params:
                self.update(p, p.grad, self.state.setdefault(id(p), {}))

    def family(base):
        return [type(n, (base, getattr(c, n)), {}) for n in ("SGD", "Adam", "AdamW")]
    assert "still has a gradient" in check.optimizers(KeepsGrads, *family(KeepsGrads)).message
    assert "in place" in check.optimizers(c.Optimizer, Rebinds, c.Adam, c.AdamW).message
    assert "raised TypeError" in check.optimizers(NoSkip, *family(NoSkip)).message


def test_the_optimizer_checker_wants_classes_and_subclasses_and_reports_stubs():
    c = _course()
    assert "four classes" in check.optimizers(c.Optimizer, c.SGD, c.Adam, None).message

    class Alone:
        pass
    assert "subclasses of your Optimizer" in check.optimizers(c.Optimizer, Alone, c.Adam,
                                                              c.AdamW).message

    class Stub(c.Optimizer):
        def __init__(self, params, **options):
            raise NotImplementedError
    stubs = [type(n, (Stub,), {}) for n in ("SGD", "Adam", "AdamW")]
    assert "not implemented yet" in check.optimizers(Stub, *stubs).message


def test_the_course_optimizers_match_torch():
    torch = pytest.importorskip("torch")
    c = _course()
    rng = np.random.default_rng(3)
    for ours, theirs, options in [(c.SGD, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9,
                                                           "nesterov": True,
                                                           "weight_decay": 0.01}),
                                  (c.Adam, torch.optim.Adam, {"lr": 0.01, "weight_decay": 0.1}),
                                  (c.AdamW, torch.optim.AdamW, {"lr": 0.01})]:
        start = rng.standard_normal(5)
        mine = Parameter(start.copy())
        twin = torch.nn.Parameter(torch.tensor(start.copy()))
        a, b = ours([mine], **options), theirs([twin], **options)
        for _ in range(7):
            grad = rng.standard_normal(5)
            mine.grad, twin.grad = grad.copy(), torch.tensor(grad.copy())
            a.step()
            b.step()
        np.testing.assert_allclose(mine.data, twin.detach().numpy(), rtol=1e-10, atol=1e-12)

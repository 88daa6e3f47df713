"""Chapter 08's checkers accept right answers and reject the usual slips with a useful message."""
import math

import numpy as np
import pytest

import nnkit
from nnkit.exercises import ch08 as check


def not_done(*args):
    raise NotImplementedError


def assert_rejected(result, words):
    assert not result
    for word in words:
        assert word in result.message, f"{word!r} not in: {result.message}"


# ---------------------------------------------------------------- accuracy

def accuracy(logits, y):
    return float((logits.argmax(axis=1) == y).mean())


def test_accuracy_accepts_the_solution():
    assert check.accuracy(accuracy)


@pytest.mark.parametrize("wrong, words", [
    (lambda logits, y: float((logits.argmax(axis=0) == y).mean()), ["axis", "hint"]),
    (lambda logits, y: int((logits.argmax(axis=1) == y).sum()), ["the values differ", "not a count"]),
    (lambda logits, y: None, ["returned None"]),
    (not_done, ["not implemented yet"]),
])
def test_accuracy_rejects(wrong, words):
    assert_rejected(check.accuracy(wrong), words)


# ---------------------------------------------------------------- train_step

def train_step(model, loss_fn, optimizer, X, y):
    loss = loss_fn(model(X), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def no_zero_grad(model, loss_fn, optimizer, X, y):
    loss = loss_fn(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def zero_grad_too_late(model, loss_fn, optimizer, X, y):
    loss = loss_fn(model(X), y)
    loss.backward()
    optimizer.zero_grad()
    optimizer.step()
    return loss.item()


def no_step(model, loss_fn, optimizer, X, y):
    loss = loss_fn(model(X), y)
    optimizer.zero_grad()
    loss.backward()
    return loss.item()


def returns_tensor(model, loss_fn, optimizer, X, y):
    loss = loss_fn(model(X), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


def loss_after_step(model, loss_fn, optimizer, X, y):
    train_step(model, loss_fn, optimizer, X, y)
    with nnkit.no_grad():
        return loss_fn(model(X), y).item()


def test_train_step_accepts_the_solution_and_model_zero_grad():
    assert check.train_step(train_step)

    def with_model_zero_grad(model, loss_fn, optimizer, X, y):
        model.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        return float(loss.item())
    assert check.train_step(with_model_zero_grad)


@pytest.mark.parametrize("wrong, words", [
    (no_zero_grad, ["step 2", "zero_grad", "accumulate"]),
    (zero_grad_too_late, ["did not change", "erases"]),
    (no_step, ["did not change", "optimizer.step()"]),
    (returns_tensor, ["loss.item()"]),
    (loss_after_step, ["returned loss is wrong", "before the step"]),
    (not_done, ["not implemented yet"]),
])
def test_train_step_rejects(wrong, words):
    assert_rejected(check.train_step(wrong), words)


def test_train_step_checker_leaves_the_notebooks_random_numbers_alone():
    nnkit.manual_seed(3)
    expected = nnkit.random.generator().random(2)
    nnkit.manual_seed(3)
    check.train_step(train_step)
    np.testing.assert_array_equal(nnkit.random.generator().random(2), expected)


# ---------------------------------------------------------------- split_indices

def split_indices(n, val_fraction, seed):
    order = np.random.default_rng(seed).permutation(n)
    num_val = round(n * val_fraction)
    return order[num_val:], order[:num_val]


def test_split_accepts_the_solution():
    assert check.split_indices(split_indices)


def last_part(n, f, seed):
    k = round(n * f)
    return np.arange(n - k), np.arange(n - k, n)


def with_replacement(n, f, seed):
    rng = np.random.default_rng(seed)
    k = round(n * f)
    return rng.integers(0, n, n - k), rng.integers(0, n, k)


def global_rng(n, f, seed):
    order = np.random.permutation(n)
    k = round(n * f)
    return order[k:], order[:k]


def fixed_seed(n, f, seed):
    return split_indices(n, f, 0)


@pytest.mark.parametrize("wrong, words", [
    (last_part, ["not a random sample", "shuffle"]),
    (with_replacement, ["in both parts", "permutation"]),
    (global_rng, ["not reproducible", "default_rng(seed)"]),
    (fixed_seed, ["seed is ignored"]),
    (lambda n, f, seed: split_indices(n, f, seed)[::-1], ["expected 80 training and 20 valid"]),
    (lambda n, f, seed: [p.astype(float) for p in split_indices(n, f, seed)], ["integer"]),
    (not_done, ["not implemented yet"]),
])
def test_split_rejects(wrong, words):
    assert_rejected(check.split_indices(wrong), words)


# ---------------------------------------------------------------- early_stopping

def early_stopping(val_losses, patience):
    best_epoch, best = 0, math.inf
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best_epoch, best = epoch, loss
        elif epoch - best_epoch >= patience:
            break
    return best_epoch


def ties_move(val_losses, patience):
    best_epoch, best = 0, math.inf
    for epoch, loss in enumerate(val_losses):
        if loss <= best:
            best_epoch, best = epoch, loss
        elif epoch - best_epoch >= patience:
            break
    return best_epoch


def stops_one_early(val_losses, patience):
    best_epoch, best = 0, math.inf
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best_epoch, best = epoch, loss
        elif epoch - best_epoch >= patience - 1:
            break
    return best_epoch


def test_early_stopping_accepts_the_solution():
    assert check.early_stopping(early_stopping)


@pytest.mark.parametrize("wrong, words", [
    (lambda losses, patience: int(np.argmin(losses)), ["never happens", "hint"]),
    (ties_move, ["equal loss", "<="]),
    (stops_one_early, ["just in time", "epoch - best_epoch >= patience"]),
    (lambda losses, patience: early_stopping(losses, patience) + 1, ["the values differ"]),
    (not_done, ["not implemented yet"]),
])
def test_early_stopping_rejects(wrong, words):
    assert_rejected(check.early_stopping(wrong), words)


# ---------------------------------------------------------------- l2_penalty

def l2_penalty(weights, weight_decay):
    penalty = weight_decay / 2 * sum((w ** 2).sum() for w in weights)
    return penalty, [weight_decay * w for w in weights]


def test_l2_accepts_the_solution_and_matches_sgd_weight_decay():
    assert check.l2_penalty(l2_penalty)
    w = nnkit.nn.Parameter(np.array([1.0, -2.0]))
    w.grad = np.zeros(2)
    nnkit.optim.SGD([w], lr=0.1, weight_decay=0.5).step()
    np.testing.assert_allclose(w.data, np.array([1.0, -2.0]) - 0.1 * l2_penalty([np.array(
        [1.0, -2.0])], 0.5)[1][0])


@pytest.mark.parametrize("wrong, words", [
    (lambda ws, wd: (wd * sum((w ** 2).sum() for w in ws), [wd * w for w in ws]),
     ["forgot the 1/2"]),
    (lambda ws, wd: (wd / 2 * sum((w ** 2).sum() for w in ws), [2 * wd * w for w in ws]),
     ["twice", "cancels"]),
    (lambda ws, wd: (wd / 2 * sum((w ** 2).sum() for w in ws), [-wd * w for w in ws]),
     ["wrong sign", "towards 0"]),
    (lambda ws, wd: (wd / 2 * (ws[0] ** 2).sum(), [wd * ws[0]]), ["two layers", "penalty"]),
    (lambda ws, wd: (wd / 2 * sum(np.abs(w).sum() for w in ws), [wd * np.sign(w) for w in ws]),
     ["penalty is wrong", "squares"]),
    (not_done, ["not implemented yet"]),
])
def test_l2_rejects(wrong, words):
    assert_rejected(check.l2_penalty(wrong), words)


# ---------------------------------------------------------------- dropout

def dropout(x, p, training, rng):
    if not training or p == 0:
        return x
    mask = rng.random(x.shape) >= p
    return x * mask / (1 - p)


def test_dropout_accepts_the_solution_and_a_differently_drawn_mask():
    assert check.dropout(dropout)

    def other_mask(x, p, training, rng):
        return x * (rng.random(x.shape) < 1 - p) / (1 - p) if training else x
    assert check.dropout(other_mask)


def in_place(x, p, training, rng):
    if training and p:
        x *= (rng.random(x.shape) >= p) / (1 - p)
    return x


@pytest.mark.parametrize("wrong, words", [
    (lambda x, p, t, rng: x * (rng.random(x.shape) >= p) if t else x, ["1/(1-p)", "expected"]),
    (lambda x, p, t, rng: x * (rng.random(x.shape) >= p) / (1 - p), ["evaluation mode"]),
    (lambda x, p, t, rng: x * (rng.random(x.shape) < p) / p if t and p else x, ["DROP"]),
    (lambda x, p, t, rng: x * (np.random.random(x.shape) >= p) / (1 - p) if t and p else x,
     ["rng argument"]),
    (in_place, ["in place"]),
    (not_done, ["not implemented yet"]),
])
def test_dropout_rejects(wrong, words):
    assert_rejected(check.dropout(wrong), words)


# ---------------------------------------------------------------- exercise 7: fit

def test_the_course_fit_passes_and_is_kept_with_its_helper(tmp_path, monkeypatch):
    from nnkit import mine
    from nnkit.exercises.solutions import ch08 as course
    monkeypatch.setenv("NNKIT_MINE", str(tmp_path))
    result = check.fit(course.fit)
    assert result, result
    text = (tmp_path / "ch08.py").read_text()
    assert "def fit(model, loss_fn, optimizer" in text and "def _mode(model, training):" in text
    assert mine.use("fit", reference=None, quiet=True) is not None


@pytest.mark.parametrize("index", range(len(check._FIT_SLIPS)))
def test_each_fit_slip_gets_its_own_hint(index):
    changes, hint = check._FIT_SLIPS[index]
    text = check.fit(check._fit_variant(**changes)).message
    assert hint in text
    assert not any(other in text for i, (_, other) in enumerate(check._FIT_SLIPS) if i != index)


def test_fit_checker_reports_a_wrong_return_and_a_stub():
    def no_history(model, loss_fn, optimizer, train, val, epochs, batch_size, patience=None,
                   seed=0):
        return None

    def stub(*args, **kwargs):
        raise NotImplementedError
    assert "should return a dict" in check.fit(no_history).message
    assert "not implemented yet" in check.fit(stub).message


def test_the_course_fit_trains_the_learners_engine_and_layers():
    """fit drives chapter 03's classes on chapter 06's engine: no train()/eval() needed."""
    from nnkit.exercises.engine_parts import cross_entropy, learnable
    from nnkit.exercises.solutions import ch03, ch06, ch07
    from nnkit.exercises.solutions import ch08 as course
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    np.random.seed(0)

    class ReLU(ch03.Module):
        def forward(self, x):
            return x.relu()
    model = learnable(ch03.Sequential(ch03.Linear(2, 16), ReLU(), ch03.Linear(16, 2)), ch06.Tensor)
    history = course.fit(model, cross_entropy, ch07.Adam(model.parameters(), lr=0.05),
                         (X[:48], y[:48]), (X[48:], y[48:]), epochs=30, batch_size=16)
    assert history["train_loss"][-1] < 0.5 * history["train_loss"][0]

r"""Checkers for chapter 08 (training and generalisation).

    from nnkit.exercises import ch08 as check
    check.accuracy(my_accuracy)

One checker per exercise: accuracy, a training step, a train/validation
split, early stopping, the L2 penalty and its gradient, dropout. Where an
answer can be right in more than one way (which random numbers a split
uses), the checker tests the properties that matter instead of one answer.
"""
import contextlib
import math
import traceback

import numpy as np

from nnkit import nn, optim
from nnkit.exercises.checking import Case, CheckResult, _show, check_function, compare
from nnkit.random import generator
from nnkit.tensor import Tensor

__all__ = ["accuracy", "dropout", "early_stopping", "l2_penalty", "split_indices",
           "train_step"]

NOT_DONE = "not implemented yet: replace the `raise NotImplementedError` with your code."


def _call(name, fn, *args):
    """(value, None) or (None, CheckResult saying what went wrong)."""
    if not callable(fn):
        return None, CheckResult(name, False, f"expected a function, received {_show(fn)}")
    try:
        return fn(*args), None
    except NotImplementedError:
        return None, CheckResult(name, False, NOT_DONE)
    except Exception as error:  # noqa: BLE001 - the learner's bug: report it, do not crash
        where = traceback.extract_tb(error.__traceback__)[-1]
        return None, CheckResult(name, False, f"your function raised {type(error).__name__}: "
                                              f"{error} (line {where.lineno}: {where.line})")


# ---------------------------------------------------------------- 1 accuracy

def _accuracy(logits, y):
    return float((np.argmax(logits, axis=1) == y).mean())


def accuracy(fn):
    """Exercise 1: `accuracy(logits, y)` -> the fraction of rows whose largest logit is at y."""
    rng = np.random.default_rng(8)
    cases = [
        Case((np.array([[2.0, 1.0, 0.1], [0.1, 3.0, 0.2], [0.0, 0.0, 5.0], [4.0, 1.0, 0.0],
                        [0.3, 0.2, 0.1]]), np.array([0, 1, 1, 0, 2])),
             "5 examples, 3 classes"),
        Case((rng.normal(size=(3, 3)), np.array([2, 0, 1])), "a square batch (3 x 3)",
             "with as many classes as examples a wrong axis still runs: use axis=1"),
        Case((np.array([[0.1, 0.9, 0.0, -1.0]]), np.array([1])), "a single example"),
        Case((rng.normal(size=(64, 10)) * 1e4, rng.integers(0, 10, 64)), "huge logits",
             "argmax needs no softmax: the largest logit is the most probable class"),
        Case((rng.normal(size=(40, 2)), rng.integers(0, 2, 40)), "40 examples, 2 classes",
             "a fraction between 0 and 1: divide the count by the number of examples"),
    ]
    return check_function("accuracy", fn, _accuracy, cases,
                          hint="one prediction per row: compare argmax(logits, axis=1) with y and "
                               "take the mean (a fraction between 0 and 1, not a count)")


# ---------------------------------------------------------------- 2 train_step

@contextlib.contextmanager
def _own_random_state(seed):
    # the checker's models must not move the notebook's random numbers
    bit_generator = generator().bit_generator
    saved, bit_generator.state = bit_generator.state, np.random.default_rng(seed).bit_generator.state
    try:
        yield
    finally:
        bit_generator.state = saved


def _reference_step(model, loss_fn, optimizer, X, y):
    loss = loss_fn(model(X), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def _setup():
    with _own_random_state(0):
        model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    return model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.5)


def _step_problem(step, before, after, expected):
    """Why the weights after `step` differ from the expected ones, in words."""
    if all(np.array_equal(a, b) for a, b in zip(before, after)):
        return (f"after step {step} the weights did not change. Hint: a step is: loss = "
                f"loss_fn(model(X), y); optimizer.zero_grad(); loss.backward(); "
                f"optimizer.step(). Calling zero_grad between backward and step erases the "
                f"gradients before step can use them.")
    if step > 1:
        return (f"step 1 was right, but step {step} moved the weights differently: the "
                f"gradients of earlier batches were still there. Hint: did you call "
                f"optimizer.zero_grad()? backward() adds (+=) into .grad (chapter 05), so "
                f"without zeroing, gradients accumulate from step to step.")
    change = [a - b for a, b in zip(after, before)]
    wanted = [e - b for e, b in zip(expected, before)]
    if all(np.allclose(c, -w) for c, w in zip(change, wanted)):
        return "your step went uphill. Hint: the optimizer subtracts lr * grad; do not negate the loss."
    return "after step 1 the weights differ from one correct training step."


def train_step(fn):
    """Exercise 2: `train_step(model, loss_fn, optimizer, X, y)` -> the batch loss as a float."""
    name = "train_step"
    model, loss_fn, optimizer = _setup()
    ref_model, ref_loss_fn, ref_optimizer = _setup()
    rng = np.random.default_rng(3)
    for step in range(1, 4):
        X = rng.normal(size=(8, 3)).astype(np.float32)
        y = rng.integers(0, 2, 8)
        before = [p.data.copy() for p in model.parameters()]
        received, failure = _call(name, fn, model, loss_fn, optimizer, Tensor(X), Tensor(y))
        if failure is not None:
            return failure
        expected = _reference_step(ref_model, ref_loss_fn, ref_optimizer, Tensor(X), Tensor(y))
        after = [p.data for p in model.parameters()]
        wanted = [p.data for p in ref_model.parameters()]
        if not all(np.allclose(a, w, rtol=1e-5, atol=1e-6) for a, w in zip(after, wanted)):
            return CheckResult(name, False, _step_problem(step, before, after, wanted))
        if isinstance(received, Tensor):
            return CheckResult(name, False, "you returned the loss Tensor. Hint: return "
                               "loss.item(), a plain float: a Tensor keeps its whole graph "
                               "(every activation of the batch) alive in memory.")
        problem = compare(expected, received)
        if problem:
            return CheckResult(name, False, f"step {step}: the returned loss is wrong: {problem}."
                               f"\nexpected: {expected:.6g}\nreceived: {_show(received)}\n"
                               f"hint: return the loss of this batch, computed before the step")
    return CheckResult(name, True, "3 steps on a small network matched a correct training "
                       "loop, weights and losses.")


# ---------------------------------------------------------------- 3 split_indices

def _split_problem(n, fraction, seed, parts):
    if not (isinstance(parts, (tuple, list)) and len(parts) == 2):
        return f"expected two index arrays (train_idx, val_idx), received {_show(parts)}"
    train, val = (np.asarray(part) for part in parts)
    if train.dtype.kind not in "iu" or val.dtype.kind not in "iu":
        return f"expected integer index arrays, received dtypes {train.dtype} and {val.dtype}"
    num_val = round(n * fraction)
    if len(val) != num_val or len(train) != n - num_val:
        return (f"with n={n}, val_fraction={fraction} expected {n - num_val} training and "
                f"{num_val} validation indices (round(n * val_fraction)), received "
                f"{len(train)} and {len(val)}")
    both = np.intersect1d(train, val)
    if both.size:
        return (f"index {both[0]} is in both parts: a validation example the model trained on "
                f"says nothing about new data. Hint: split one permutation, do not draw twice")
    if len(np.unique(np.concatenate([train, val]))) != n or train.min(initial=0) < 0 \
            or np.concatenate([train, val]).max() >= n:
        return f"together the parts should hold every index 0..{n - 1} exactly once"
    # (only for large n: a fair shuffle of 5 picks the last 2 by chance one time in 10)
    if n >= 100 and set(val.tolist()) in (set(range(num_val)), set(range(n - num_val, n))):
        return ("the validation part is the first or last examples, not a random sample: data "
                "files are often sorted (by class, by date). Hint: shuffle first, e.g. "
                "rng.permutation(n)")
    return None


def split_indices(fn):
    """Exercise 3: `split_indices(n, val_fraction, seed)` -> (train_idx, val_idx)."""
    name = "split_indices"
    for n, fraction, seed in [(100, 0.2, 0), (10, 0.3, 1), (1000, 0.1, 2), (5, 0.4, 3)]:
        parts, failure = _call(name, fn, n, fraction, seed)
        if failure is not None:
            return failure
        problem = _split_problem(n, fraction, seed, parts)
        if problem:
            return CheckResult(name, False, f"case n={n}, val_fraction={fraction}, "
                                            f"seed={seed}: {problem}.")
    first, again, other = (_call(name, fn, 100, 0.2, s)[0] for s in (7, 7, 8))
    if not all(np.array_equal(a, b) for a, b in zip(first, again)):
        return CheckResult(name, False, "the same seed gave two different splits: not "
                           "reproducible. Hint: draw from np.random.default_rng(seed)")
    if all(np.array_equal(a, b) for a, b in zip(first, other)):
        return CheckResult(name, False, "seeds 7 and 8 gave the same split: the seed is "
                           "ignored. Hint: draw from np.random.default_rng(seed)")
    return CheckResult(name, True, "sizes right, no overlap, nothing missing, shuffled, "
                       "reproducible with a seed.")


# ---------------------------------------------------------------- 4 early_stopping

def _early_stopping(val_losses, patience):
    best_epoch, best = 0, math.inf
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best_epoch, best = epoch, loss
        elif epoch - best_epoch >= patience:
            break  # `patience` epochs without improvement: stop training here
    return best_epoch


def early_stopping(fn):
    """Exercise 4: `early_stopping(val_losses, patience)` -> the epoch whose weights to keep."""
    cases = [
        Case(([1.0, 0.8, 0.6, 0.5], 2), "the loss keeps falling"),
        Case(([1.0, 0.7, 0.8, 0.9, 0.3], 2), "a late dip after training stopped",
             "training stops after epoch 3 (two epochs without improvement); epoch 4 never "
             "happens, so its loss cannot be used"),
        Case(([1.0, 0.7, 0.8, 0.6, 0.9, 0.95, 0.97], 2), "an improvement just in time",
             "epoch 3 improves before patience runs out (2 epochs after the best): keep "
             "going; stop only when epoch - best_epoch >= patience"),
        Case(([1.0, 0.5, 0.5, 0.5, 0.4], 2), "equal losses",
             "an equal loss is not an improvement: keep the earlier epoch (<, not <=)"),
        Case(([0.9], 3), "a single epoch"),
        Case((np.array([2.0, 1.5, 1.6, 1.4, 1.45, 1.5, 1.2, 1.3]), 3), "a NumPy array, patience 3",
             "after the best epoch wait `patience` epochs; epoch 6 is 3 epochs after epoch 3"),
    ]
    return check_function("early_stopping", fn, _early_stopping, cases,
                          hint="return the index (from 0) of the best epoch seen before stopping")


# ---------------------------------------------------------------- 5 l2_penalty

def _l2(weights, weight_decay):
    penalty = weight_decay / 2 * sum(float((w ** 2).sum()) for w in weights)
    return penalty, [weight_decay * w for w in weights]


def _l2_hint(expected, received):
    """Name the usual slip behind a wrong gradient."""
    ratios = [np.sum(r * e) / np.sum(e * e) for r, e in zip(received, expected) if np.any(e)]
    if ratios and np.allclose(ratios, 2.0):
        return ("your gradient is twice the right one: the derivative of (weight_decay / 2) * w**2 "
                "is weight_decay * w (the 2 from the square cancels the 1/2)")
    if ratios and np.allclose(ratios, -1.0):
        return ("wrong sign: the penalty grows as a weight moves away from 0, so its gradient "
                "is +weight_decay * w; the optimizer's step then pulls the weight towards 0")
    return "the gradient of (weight_decay / 2) * sum(w**2) is weight_decay * w, array by array"


def l2_penalty(fn):
    """Exercise 5: `l2_penalty(weights, weight_decay)` -> (penalty, [gradient per array])."""
    name = "l2_penalty"
    rng = np.random.default_rng(5)
    cases = [([np.array([[1.0, -2.0], [3.0, 0.5]])], 0.1, "one weight matrix"),
             ([rng.normal(size=(4, 3)), rng.normal(size=(2, 4))], 0.01, "two layers"),
             ([rng.normal(size=(5, 5)) * 100], 1e-3, "large weights"),
             ([rng.normal(size=(3, 2))], 0.0, "weight_decay = 0")]
    for weights, weight_decay, label in cases:
        expected = _l2(weights, weight_decay)
        received, failure = _call(name, fn, [w.copy() for w in weights], weight_decay)
        if failure is not None:
            return failure
        head = f"case '{label}' (weight_decay={weight_decay}): "
        if not (isinstance(received, (tuple, list)) and len(received) == 2):
            return CheckResult(name, False, head + f"expected (penalty, grads), received "
                                                   f"{_show(received)}")
        penalty, grads = received
        problem = compare(expected[0], penalty)
        if problem:
            ratio = float(penalty) / expected[0] if expected[0] and np.ndim(penalty) == 0 else 0
            hint = ("you forgot the 1/2: the penalty is (weight_decay / 2) * sum of w**2"
                    if math.isclose(ratio, 2.0, rel_tol=1e-6) else
                    "sum the squares of every weight in every array, times weight_decay / 2")
            return CheckResult(name, False, head + f"the penalty is wrong: {problem}.\n"
                               f"expected: {expected[0]:.6g}\nreceived: {_show(penalty)}\nhint: {hint}")
        if not isinstance(grads, (tuple, list)) or len(grads) != len(weights):
            return CheckResult(name, False, head + f"expected a list of {len(weights)} gradient "
                               f"arrays, one per weight array, received {_show(grads)}")
        for number, (want, got) in enumerate(zip(expected[1], grads)):
            problem = compare(want, got)
            if problem:
                return CheckResult(name, False, head + f"the gradient of array {number} is "
                                   f"wrong: {problem}.\nexpected: {_show(want)}\nreceived: "
                                   f"{_show(got)}\nhint: {_l2_hint(expected[1], grads)}")
    return CheckResult(name, True, f"all {len(cases)} cases passed: penalty and gradients.")


# ---------------------------------------------------------------- 6 dropout

def _dropout_problem(fn, name):
    """The first thing wrong with a dropout function, or None."""
    x = np.linspace(-2, 2, 12).reshape(3, 4)
    for training, p, why in [(False, 0.5, ("in evaluation mode (training=False) dropout "
                                           "must return x unchanged")),
                             (True, 0.0, "with p=0 nothing is dropped: return x unchanged")]:
        out, failure = _call(name, fn, x.copy(), p, training, np.random.default_rng(0))
        if failure is not None:
            return failure.message
        problem = compare(x, out)
        if problem:
            return f"{why}; {problem}.\ninput: {_show(x)}\nreceived: {_show(out)}"
    p, x = 0.3, np.random.default_rng(1).normal(size=(100, 200))
    given = x.copy()
    out, failure = _call(name, fn, given, p, True, np.random.default_rng(2))
    if failure is not None:
        return failure.message
    out = np.asarray(out, dtype=float) if out is not None else None
    if out is None or out.shape != x.shape:
        return f"expected an array of shape {x.shape}, received {_show(out)}"
    if not np.array_equal(given, x):
        return "you changed the input array in place: return a new array (x * mask / (1 - p))"
    kept = out != 0
    dropped_share = 1 - kept.mean()
    if abs(dropped_share - (1 - p)) < 0.03:
        return (f"with p={p} you dropped {dropped_share:.0%} of the values: p is the probability "
                f"to DROP a value (keep with probability 1 - p)")
    if abs(dropped_share - p) > 0.03:
        return f"with p={p} about {p:.0%} of the values should be 0; you dropped {dropped_share:.0%}"
    if np.allclose(out[kept], x[kept]):
        return (f"the kept values are unscaled: forgot the 1/(1-p) scaling. Without it the "
                f"expected output in training is (1-p)*x = {1 - p:.1f}*x, but at evaluation it "
                f"is x: the next layer would see smaller numbers in training than at test time")
    if not np.allclose(out[kept], x[kept] / (1 - p)):
        return "the kept values should be x / (1 - p) (inverted dropout)"
    again, _ = _call(name, fn, x.copy(), p, True, np.random.default_rng(2))
    if not np.array_equal(np.asarray(again, dtype=float), out):
        return ("the same rng seed gave a different mask: draw the mask from the rng argument, "
                "e.g. rng.random(x.shape) >= p")
    return None


def dropout(fn):
    """Exercise 6: `dropout(x, p, training, rng)` -> inverted dropout in training, x at evaluation."""
    problem = _dropout_problem(fn, "dropout")
    if problem:
        return CheckResult("dropout", False, problem)
    return CheckResult("dropout", True, "identity at evaluation and for p=0; in training a share "
                       "p dropped, the rest scaled by 1/(1-p); input untouched; reproducible.")


# ---------------------------------------------------------------- exercise 7: fit

def _fit_problem(kind):
    """A small task, a model with dropout, and SGD; the same numbers on every call."""
    import nnkit
    rng = np.random.default_rng(80)
    X = rng.normal(size=(30, 3)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    X_val = rng.normal(size=(12, 3)).astype(np.float32)
    y_val = (X_val[:, 0] + X_val[:, 1] > 0).astype(np.int64)
    if kind == "overfits":  # validation labels the training set contradicts: it gets worse
        y_val = 1 - y_val
    nnkit.manual_seed(8)
    model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 2))
    optimizer = optim.SGD(model.parameters(), lr=0.3)
    return model, optimizer, (X, y), (X_val, y_val)


def _run_fit(fit, kind, epochs, batch_size, patience):
    from nnkit.nn import functional as F
    model, optimizer, train, val = _fit_problem(kind)
    history = fit(model, F.cross_entropy, optimizer, train, val, epochs=epochs,
                  batch_size=batch_size, patience=patience, seed=5)
    if not isinstance(history, dict) or not {"train_loss", "val_loss", "best_epoch"} <= set(history):
        raise TypeError("fit should return a dict with the keys 'train_loss', 'val_loss' and "
                        f"'best_epoch'. Received {_show(history)}")
    best = history["best_epoch"]
    return (np.asarray(history["train_loss"], dtype=float),
            np.asarray(history["val_loss"], dtype=float),
            -1 if best is None else best,
            np.concatenate([p.data.ravel() for p in model.parameters()]))


_FIT_CASES = [(("learns", 4, 10, None), "4 epochs of 3 batches, no early stopping"),
              (("learns", 3, 8, None), "a last batch of 6 when 30 samples go in batches of 8"),
              (("overfits", 12, 10, 2), "validation gets worse: stop with patience 2")]


def _fit_variant(**changes):
    """The course's fit with one thing done the usual wrong way."""
    from nnkit import no_grad as nnkit_no_grad

    def fit(model, loss_fn, optimizer, train, val, epochs, batch_size, patience=None, seed=0):
        (X, y), (X_val, y_val) = train, val
        rng = np.random.default_rng(seed)
        params = list(model.parameters())
        history = {"train_loss": [], "val_loss": [], "best_epoch": None}
        best_loss, best_weights = float("inf"), None
        for epoch in range(epochs):
            model.train()
            order, losses = rng.permutation(len(X)), []
            for start in range(0, len(X), batch_size):
                batch = order[start:start + batch_size]
                loss = loss_fn(model(X[batch]), y[batch])
                if not changes.get("no_zero_grad"):
                    optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append((float(loss.data), len(batch)))
            if changes.get("mean_of_batches"):
                history["train_loss"].append(np.mean([value for value, _ in losses]))
            else:
                history["train_loss"].append(sum(v * n for v, n in losses) / len(X))
            if not changes.get("train_mode"):
                model.eval()
            with nnkit_no_grad():
                val_loss = float(loss_fn(model(X_val), y_val).data)
            history["val_loss"].append(val_loss)
            if val_loss < best_loss:
                best_loss, history["best_epoch"] = val_loss, epoch
                best_weights = [p.data.copy() for p in params]
            elif patience is not None and epoch - history["best_epoch"] >= \
                    patience + changes.get("late", 0):
                break
        if not changes.get("no_restore"):
            for p, best in zip(params, best_weights):
                p.data[...] = best
        model.train()
        return history

    return fit


_FIT_SLIPS = [
    ({"no_zero_grad": True}, ("gradients pile up from batch to batch: call "
                             "optimizer.zero_grad() before each backward().")),
    ({"no_restore": True}, ("after the loop, put the best epoch's weights back (copies of "
                           "p.data saved when the validation loss improved, written back in "
                           "place): the last epoch's weights are not the best.")),
    ({"late": 1}, ("training went on one epoch too long: stop as soon as epoch - best_epoch "
                  "reaches patience.")),
    ({"train_mode": True}, ("the validation loss was measured with dropout on: call "
                           "model.eval() before validating (and model.train() before training).")),
    ({"mean_of_batches": True}, ("the epoch's training loss should be the mean over SAMPLES: "
                                "weight each batch's loss by its size (the last batch is "
                                "smaller).")),
]


def fit(fn):
    """Exercise 7: ``fn(model, loss_fn, optimizer, train, val, epochs, batch_size,
    patience=None, seed=0)``, the training loop with early stopping.

    Compared with the course's loop on three runs (losses per epoch, the best epoch, the
    final weights) with a model that has dropout; five usual slips are named. Passing keeps
    ``fit`` in ``mine/ch08.py``.
    """
    from nnkit.exercises.checking import Exercise, Slip
    from nnkit.exercises.solutions import ch08 as course
    cases = [Case(args, label) for args, label in _FIT_CASES]
    slips = [Slip(hint, wrong=lambda *args, c=changes: _run_fit(_fit_variant(**c), *args))
             for changes, hint in _FIT_SLIPS]
    parts = ("train_loss per epoch", "val_loss per epoch", "best_epoch", "final weights")
    return Exercise("fit", lambda *args: _run_fit(course.fit, *args), cases, slips, parts=parts,
                    rtol=1e-5, atol=1e-7, keep=(8, "7"), show=_show).check(
        lambda *args: _run_fit(fn, *args), kept=fn)

"""Chapter 08's build exercise, the course's answer: ``fit``, the training loop with early stopping.

It works with nnkit's models and with any model whose ``parameters()`` have ``.data`` and
``.grad`` and whose loss has ``.data`` and ``backward()`` (chapter 06's engine): NumPy
batches go in, and ``train()``/``eval()`` are called when the model has them.
"""
import numpy as np

import nnkit


def fit(model, loss_fn, optimizer, train, val, epochs, batch_size, patience=None, seed=0):
    """Train on ``train = (X, y)`` in shuffled mini-batches, validate on ``val`` after each
    epoch, stop after ``patience`` epochs without a better validation loss, and put the
    best epoch's weights back. Returns {"train_loss", "val_loss", "best_epoch"}."""
    (X, y), (X_val, y_val) = train, val
    rng = np.random.default_rng(seed)  # its own generator: the same batches on every run
    params = list(model.parameters())
    history = {"train_loss": [], "val_loss": [], "best_epoch": None}
    best_loss, best_weights = float("inf"), None
    for epoch in range(epochs):
        _mode(model, training=True)
        order, total = rng.permutation(len(X)), 0.0
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            loss = loss_fn(model(X[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.data) * len(batch)  # the mean over samples, not over batches
        history["train_loss"].append(total / len(X))
        _mode(model, training=False)  # dropout off while we measure
        with nnkit.no_grad():
            val_loss = float(loss_fn(model(X_val), y_val).data)
        history["val_loss"].append(val_loss)
        if val_loss < best_loss:
            best_loss, history["best_epoch"] = val_loss, epoch
            best_weights = [p.data.copy() for p in params]
        elif patience is not None and epoch - history["best_epoch"] >= patience:
            break
    for p, best in zip(params, best_weights):
        p.data[...] = best  # in place: the model holds these arrays
    _mode(model, training=True)
    return history


def _mode(model, training):
    if hasattr(model, "train"):
        model.train(training)

"""The library learns: an MLP trained with Adam on the bundled MNIST reaches >= 97.5%."""
import time

import numpy as np

import nnkit
from nnkit import nn, optim
from nnkit.data import DataLoader, TensorDataset
from nnkit.nn import functional as F


def accuracy(model, X, y):
    with nnkit.no_grad():
        return float((model(nnkit.tensor(X)).data.argmax(axis=1) == y).mean())


def test_mlp_reaches_97_5_percent_on_mnist_test_set():
    X, y = nnkit.datasets.mnist("train", as_float=True)
    X_test, y_test = nnkit.datasets.mnist("test", as_float=True)
    X, X_test = X.reshape(len(X), -1), X_test.reshape(len(X_test), -1)

    nnkit.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                          nn.Linear(128, 10))
    num_epochs = 5
    loader = DataLoader(TensorDataset(X, y), batch_size=128, shuffle=True, seed=0)
    opt = optim.Adam(model.parameters(), lr=2e-3)
    schedule = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=num_epochs * len(loader))
    start = time.perf_counter()
    for _ in range(num_epochs):
        model.train()
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
    model.eval()
    test_accuracy = accuracy(model, X_test, y_test)
    print(f"MNIST MLP: test accuracy {test_accuracy:.4f} after {num_epochs} epochs "
          f"in {time.perf_counter() - start:.1f} s")
    assert test_accuracy >= 0.975
    assert accuracy(model, X[:10000], y[:10000]) > test_accuracy - 0.03  # no wild overfit
    assert np.isfinite(loss.item())

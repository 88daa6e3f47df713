"""The architectures learn real data: each check trains a small model on bundled data.

Sized to run in seconds on a quiet 2-core machine; the numbers asserted are
margins against simple baselines, not exact values.
"""
import numpy as np

import nnkit
from nnkit import nn, optim
from nnkit.data import DataLoader, TensorDataset
from nnkit.models import CharTokenizer, TinyGPT
from nnkit.nn import functional as F


def fit(model, X, y, loss_fn, epochs, lr, batch_size=64):
    loader = DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=True, seed=0)
    opt = optim.Adam(model.parameters(), lr=lr)
    schedule = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * len(loader))
    model.train()
    for _ in range(epochs):
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
    return model.eval()


def test_cnn_beats_mlp_on_mnist_with_the_same_data_and_budget():
    X, y = nnkit.datasets.mnist("train", as_float=True)
    X_test, y_test = nnkit.datasets.mnist("test", as_float=True)
    X, y, X_test, y_test = X[:12000, None], y[:12000], X_test[:5000, None], y_test[:5000]

    def accuracy(model):
        with nnkit.no_grad():
            return float((model(nnkit.tensor(X_test)).data.argmax(axis=1) == y_test).mean())

    nnkit.manual_seed(0)
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128),
                        nn.ReLU(), nn.Linear(128, 10))
    cnn = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3),
                        nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 10))
    mlp_accuracy = accuracy(fit(mlp, X, y, F.cross_entropy, epochs=3, lr=2e-3))
    cnn_accuracy = accuracy(fit(cnn, X, y, F.cross_entropy, epochs=3, lr=5e-3))
    print(f"MNIST, 12k training images, 3 epochs: MLP {mlp_accuracy:.4f} "
          f"({mlp.num_parameters()} parameters), CNN {cnn_accuracy:.4f} "
          f"({cnn.num_parameters()} parameters)")
    assert cnn_accuracy > mlp_accuracy + 0.005
    assert cnn.num_parameters() < mlp.num_parameters() / 20


class Forecaster(nn.Module):
    def __init__(self, hidden_size=32):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def test_lstm_forecasts_sunspots_better_than_persistence():
    _, values = nnkit.datasets.sunspots()
    series = values.astype(np.float32)
    split = int(0.8 * len(series))
    series = series / series[:split].max()
    window, horizon = 24, 3  # read two years, predict the month three months ahead

    def windows(a):
        targets = a[window + horizon - 1:, None]
        inputs = np.stack([a[i:i + window] for i in range(len(targets))])[..., None]
        return inputs, targets

    X, y = windows(series[:split])
    X_test, y_test = windows(series[split - window:])
    nnkit.manual_seed(0)
    model = fit(Forecaster(), X, y, F.mse_loss, epochs=12, lr=5e-3)
    with nnkit.no_grad():
        lstm_mse = F.mse_loss(model(nnkit.tensor(X_test)), nnkit.tensor(y_test)).item()
    persistence_mse = float(np.mean((X_test[:, -1, 0] - y_test[:, 0]) ** 2))
    print(f"sunspots, 3 months ahead: LSTM MSE {lstm_mse:.5f}, persistence {persistence_mse:.5f}")
    assert lstm_mse < 0.9 * persistence_mse


def test_tiny_gpt_learns_names():
    text = "\n".join(nnkit.datasets.names()) + "\n"
    tokenizer = CharTokenizer(text)
    data = tokenizer.encode(text)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(data) // 17)  # shuffle 17-character chunks into train/val
    chunks = data[:len(order) * 17].reshape(-1, 17)[order]
    train, val = chunks[:-500], chunks[-500:]
    unigram = np.bincount(train.ravel(), minlength=tokenizer.vocab_size) + 1.0
    unigram_loss = float(-np.log(unigram / unigram.sum())[val[:, 1:]].mean())

    nnkit.manual_seed(0)
    model = TinyGPT(tokenizer.vocab_size, context_length=16, d_model=48, num_heads=4,
                    num_layers=2)
    opt = optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    for _ in range(300):
        batch = train[rng.integers(0, len(train), 32)]
        loss = model.loss(batch[:, :-1], batch[:, 1:])
        opt.zero_grad()
        loss.backward()
        opt.step()
    with nnkit.no_grad():
        val_loss = model.loss(val[:, :-1], val[:, 1:]).item()
    nnkit.manual_seed(1)
    sample = tokenizer.decode(model.generate(tokenizer.encode("\n"), 200, temperature=0.8))
    generated = [name for name in sample.split("\n")[1:-1] if name]
    print(f"names: validation loss {val_loss:.3f} vs unigram {unigram_loss:.3f}; "
          f"samples: {generated[:8]}")
    assert val_loss < unigram_loss - 0.4
    # names look like names: short, lower-case letters, with vowels
    plausible = [n for n in generated if 2 <= len(n) <= 12 and n.isalpha()
                 and any(v in n for v in "aeiouy")]
    assert len(generated) >= 10 and len(plausible) >= 0.8 * len(generated)

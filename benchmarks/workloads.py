"""The benchmark workloads: one training step (forward + backward + SGD) per contender.

Each ``WORKLOADS`` entry says how to build a ready-to-call ``step()`` for
nnkit, for PyTorch and (MLP, CNN) for hand-written NumPy, on the same
synthetic float32 batch from a fixed seed. ``flops`` counts the multiply-adds
(x2) of the matrix products in one step, for the GFLOP/s column.
"""
import itertools

import numpy as np

from benchmarks import numpy_reference

SEED = 0
LR = 0.01


def _data(batch, shape, classes=10):
    rng = np.random.default_rng(SEED)
    return (rng.standard_normal((batch,) + shape).astype(np.float32),
            rng.integers(0, classes, batch).astype(np.int64))


# ---------------------------------------------------------------- model definitions

def _shared_model(nn, name, spec):
    """The MLP and CNN, written once: nnkit.nn and torch.nn use the same names."""
    if name == "mlp":
        layers = []
        for n_in, n_out in itertools.pairwise(spec["sizes"]):
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        return nn.Sequential(*layers[:-1])  # no ReLU after the output layer
    if name == "cnn":
        return nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(8, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(400, 10))
    return None


def _nnkit_model(name, spec):
    import nnkit
    from nnkit import nn
    nnkit.manual_seed(SEED)
    if name in ("mlp", "cnn"):
        return _shared_model(nn, name, spec)
    if name == "lstm":
        return _nnkit_classes()[0]()
    if name == "transformer":
        return _nnkit_classes()[1]()
    raise KeyError(name)


def _torch_model(name, spec):
    import torch
    from torch import nn
    torch.manual_seed(SEED)
    if name in ("mlp", "cnn"):
        return _shared_model(nn, name, spec)
    if name == "lstm":
        class LSTMClassifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(64, 128, batch_first=True)
                self.head = nn.Linear(128, 10)

            def forward(self, x):
                out, _ = self.lstm(x)
                return self.head(out[:, -1])
        return LSTMClassifier()
    if name == "transformer":
        class TransformerClassifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.block = nn.TransformerEncoderLayer(64, 4, 256, dropout=0.0,
                                                        activation="gelu", batch_first=True,
                                                        norm_first=True)
                self.head = nn.Linear(64, 10)

            def forward(self, x):
                return self.head(self.block(x).mean(dim=1))
        return TransformerClassifier()
    raise KeyError(name)


def _nnkit_classes():
    """The LSTM and Transformer classifiers, defined on call: nnkit is imported late,
    after the benchmark has set the thread counts."""
    from nnkit import nn

    class LSTMClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(64, 128, batch_first=True)
            self.head = nn.Linear(128, 10)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.head(out[:, -1])

    class TransformerClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = nn.TransformerBlock(64, 4, 256, dropout=0.0)
            self.head = nn.Linear(64, 10)

        def forward(self, x):
            return self.head(self.block(x).mean(axis=1))
    return LSTMClassifier, TransformerClassifier


# ---------------------------------------------------------------- steps

def nnkit_step(name, spec):
    import nnkit
    from nnkit import nn, optim
    model = _nnkit_model(name, spec)
    x, y = _data(spec["batch"], spec["input"])
    x = nnkit.tensor(x)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=LR)

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss
    return step


def torch_step(name, spec):
    import torch
    model = _torch_model(name, spec)
    x, y = _data(spec["batch"], spec["input"])
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss
    return step


def numpy_step(name, spec):
    x, y = _data(spec["batch"], spec["input"])
    if name == "mlp":
        return numpy_reference.MLP(spec["sizes"], SEED, LR).step_on(x, y)
    if name == "cnn":
        return numpy_reference.CNN(SEED, LR).step_on(x, y)
    return None


# ---------------------------------------------------------------- FLOP counts

def _mlp_flops(sizes, batch):
    pairs = list(itertools.pairwise(sizes))
    forward = sum(2 * batch * i * o for i, o in pairs)
    grad_inputs = sum(2 * batch * i * o for i, o in pairs[1:])  # no gradient for the data
    return 2 * forward + grad_inputs


def _cnn_flops(batch):
    conv1 = 2 * batch * 26 * 26 * 8 * 9
    conv2 = 2 * batch * 11 * 11 * 16 * 72
    head = 2 * batch * 400 * 10
    return 3 * (conv1 + conv2 + head) - conv1  # no gradient for the images


def _lstm_flops(batch, steps=32, inputs=64, hidden=128):
    products = 2 * batch * steps * 4 * hidden * (inputs + hidden) + 2 * batch * hidden * 10
    return 3 * products


def _transformer_flops(batch, length=64, d=64, ff=256):
    tokens = batch * length
    dense = 2 * tokens * (d * 3 * d + d * d + 2 * d * ff)
    attention = 2 * 2 * batch * length * length * d
    return 3 * (dense + attention)


MLP = (784, 256, 128, 10)
WORKLOADS = {
    "mlp_b64": ("mlp", {"sizes": MLP, "batch": 64, "input": (784,)}, _mlp_flops(MLP, 64)),
    "mlp_b256": ("mlp", {"sizes": MLP, "batch": 256, "input": (784,)}, _mlp_flops(MLP, 256)),
    "mlp_b1": ("mlp", {"sizes": MLP, "batch": 1, "input": (784,)}, _mlp_flops(MLP, 1)),
    "tiny_mlp_b1": ("mlp", {"sizes": (16, 32, 4), "batch": 1, "input": (16,)},
                    _mlp_flops((16, 32, 4), 1)),
    "cnn_b64": ("cnn", {"batch": 64, "input": (1, 28, 28)}, _cnn_flops(64)),
    "lstm_s32_b32": ("lstm", {"batch": 32, "input": (32, 64)}, _lstm_flops(32)),
    "transformer_s64_b16": ("transformer", {"batch": 16, "input": (64, 64)},
                            _transformer_flops(16)),
}

"""The training half of chapter 08's playground: data, model, one deterministic run.

Nothing here draws. A :class:`Run` owns a data set, a split, an nnkit
model and an optimizer, and trains step by step; ``Run(settings).train(300)``
and three hundred calls of ``train(1)`` end in exactly the same weights,
because every random draw (split, initial weights, batch order, dropout
masks) comes from random states that belong to the run.
"""

import contextlib
import math
import numbers

import numpy as np

import nnkit
from nnkit import nn, optim
from nnkit.data import DataLoader, TensorDataset
from nnkit.nn import functional as F
from nnkit.random import generator

DATASETS = ("moons", "circles", "spirals", "xor", "gaussians")
CUSTOM = "your data"
ACTIVATIONS = {"ReLU": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid,
               "leaky ReLU": nn.LeakyReLU, "GELU": nn.GELU}
OPTIMIZERS = ("SGD", "momentum", "Adam", "RMSprop")
NUM_SAMPLES = 200
GRID_SIZE = 60  # the plane is drawn from a GRID_SIZE x GRID_SIZE grid of points
RECORD_EVERY = 5  # losses are measured every 5 steps, whatever the chunking
MAX_LAYERS, MAX_UNITS = 6, 32  # keeps every redraw fast


def parse_hidden(text):
    """'8,8' -> (8, 8); '' -> () (no hidden layer: a linear classifier)."""
    parts = [part.strip() for part in str(text).replace(";", ",").split(",")]
    if parts == [""]:
        return ()
    if not all(part.isdigit() and 0 < int(part) <= MAX_UNITS for part in parts) \
            or len(parts) > MAX_LAYERS:
        raise ValueError(
            f"hidden layers: expected up to {MAX_LAYERS} comma-separated unit counts between 1 "
            f"and {MAX_UNITS}, such as 8,8 (or nothing for no hidden layer). Received: {text!r}")
    return tuple(int(part) for part in parts)


def check_custom_data(X, y):
    """Validate the learner's own arrays: X (n, 2) numbers, y (n,) labels 0, 1, ..."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or not np.issubdtype(X.dtype, np.number):
        raise ValueError(f"Playground: expected X of shape (n, 2) holding numbers (points in "
                         f"the plane). Received: X with shape {X.shape} and dtype {X.dtype}")
    if y.shape != (len(X),) or not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
        raise ValueError(f"Playground: expected y of shape ({len(X)},) holding class labels "
                         f"0, 1, 2, ... Received: y with shape {y.shape} and dtype {y.dtype}")
    if len(np.unique(y)) < 2 or len(X) < 4:
        raise ValueError(f"Playground: expected at least 4 points of at least 2 classes. "
                         f"Received: {len(X)} points of classes {np.unique(y).tolist()}")
    return X.astype(np.float32), y.astype(np.int64)


def make_data(dataset, noise, custom=None, seed=0):
    """The points (X, y) of a toy set, or the learner's arrays with `noise` added as jitter."""
    if dataset == CUSTOM:
        if custom is None:
            raise ValueError("Playground: 'your data' needs X and y passed to the constructor")
        X, y = custom
        return X + noise * np.random.default_rng(seed).standard_normal(X.shape).astype(
            np.float32), y
    if dataset not in DATASETS:
        raise ValueError(f"Playground: expected a data set in {DATASETS}. "
                         f"Received: dataset={dataset!r}")
    return getattr(nnkit.datasets, dataset)(NUM_SAMPLES, noise=noise, seed=seed)


def build_model(hidden, activation, dropout, num_classes):
    """2 -> hidden... -> num_classes: Linear, activation (and Dropout) per hidden layer."""
    layers, width = [], 2
    for units in hidden:
        layers += [nn.Linear(width, units), ACTIVATIONS[activation]()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = units
    return nn.Sequential(*layers, nn.Linear(width, num_classes))


def make_optimizer(name, params, lr, weight_decay):
    """The nnkit optimizer called `name` (chapter 07); weight_decay is the L2 strength."""
    if name == "SGD":
        return optim.SGD(params, lr=lr, weight_decay=weight_decay)
    if name == "momentum":
        return optim.SGD(params, lr=lr, momentum=0.9, weight_decay=weight_decay)
    if name == "Adam":
        return optim.Adam(params, lr=lr, weight_decay=weight_decay)
    if name == "RMSprop":
        return optim.RMSprop(params, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"Playground: expected an optimizer in {OPTIMIZERS}. Received: {name!r}")


@contextlib.contextmanager
def own_random_state(holder):
    """Lend nnkit's generator the state in holder["state"] and take the new one back.

    Initial weights and dropout masks draw from nnkit's one generator; this
    keeps a run's draws apart from the notebook's, so neither disturbs the other.
    """
    bit_generator = generator().bit_generator
    saved, bit_generator.state = bit_generator.state, holder["state"]
    try:
        yield
    finally:
        holder["state"], bit_generator.state = bit_generator.state, saved


class Run:
    """One training run of the playground, advanced with :meth:`train`.

    Args:
        settings: dict with dataset, noise, train_fraction, batch_size, hidden
            (text such as "8,8"), activation, optimizer, lr, l2, dropout.
        custom: the learner's validated (X, y), used when dataset is "your data".
        seed: every random draw of the run follows from it.
    """

    def __init__(self, settings, custom=None, seed=0):
        self.settings = dict(settings)
        s = self.settings
        _check_fraction(s["train_fraction"])
        X, y = make_data(s["dataset"], s["noise"], custom, seed)
        order = np.random.default_rng(seed).permutation(len(X))
        num_train = min(max(round(s["train_fraction"] * len(X)), 1), len(X) - 1)
        self.X, self.y = X, y
        self.train_index, self.test_index = order[:num_train], order[num_train:]
        # inputs are standardised with the training points' statistics only
        self.mean, self.std = X[self.train_index].mean(0), X[self.train_index].std(0) + 1e-6
        self.num_classes = int(y.max()) + 1
        self.random = {"state": np.random.default_rng(seed + 1).bit_generator.state}
        with own_random_state(self.random):
            self.model = build_model(parse_hidden(s["hidden"]), s["activation"], s["dropout"],
                                     self.num_classes)
        self.optimizer = make_optimizer(s["optimizer"], self.model.parameters(), s["lr"], s["l2"])
        train_set = TensorDataset(self.scaled(X[self.train_index]), y[self.train_index])
        self.loader = DataLoader(train_set, batch_size=s["batch_size"], shuffle=True, seed=seed)
        self.batches = iter(())
        self.steps = 0
        self.history = {"step": [], "train_loss": [], "test_loss": []}
        self.record()

    def scaled(self, points):
        return ((points - self.mean) / self.std).astype(np.float32)

    def next_batch(self):
        try:
            return next(self.batches)
        except StopIteration:  # a new epoch: the loader reshuffles
            self.batches = iter(self.loader)
            return next(self.batches)

    def train(self, num_steps):
        """Take `num_steps` optimizer steps on mini-batches (the chapter's training loop)."""
        self.model.train()
        with own_random_state(self.random), np.errstate(all="ignore"):
            for _ in range(num_steps):
                X_batch, y_batch = self.next_batch()
                loss = F.cross_entropy(self.model(X_batch), y_batch)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                self.steps += 1
                if self.steps % RECORD_EVERY == 0:
                    self.record()
        return self

    def evaluate(self, index):
        """(loss, accuracy) on the points at `index`, in evaluation mode (no dropout)."""
        if len(index) == 0:
            return math.nan, math.nan
        self.model.eval()
        with nnkit.no_grad(), np.errstate(all="ignore"):
            logits = self.model(nnkit.tensor(self.scaled(self.X[index])))
            loss = F.cross_entropy(logits, nnkit.tensor(self.y[index])).item()
        self.model.train()
        return loss, float((logits.numpy().argmax(1) == self.y[index]).mean())

    def record(self):
        self.history["step"].append(self.steps)
        self.history["train_loss"].append(self.evaluate(self.train_index)[0])
        self.history["test_loss"].append(self.evaluate(self.test_index)[0])

    def extent(self):
        """The square of the plane that is drawn: the data's bounding box plus a margin."""
        low, high = self.X.min(0), self.X.max(0)
        centre, half = (low + high) / 2, (high - low).max() / 2 * 1.15 + 1e-3
        return centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half

    def plane(self, size=GRID_SIZE):
        """Class probabilities and hidden-unit outputs over a size x size grid of the plane.

        Returns (probs (size, size, classes), [units of hidden layer 1, 2, ...] each
        (units, size, size)); row 0 of each grid is the bottom of the plane.
        """
        x0, x1, y0, y1 = self.extent()
        gx, gy = np.meshgrid(np.linspace(x0, x1, size), np.linspace(y0, y1, size))
        h = nnkit.tensor(self.scaled(np.stack([gx.ravel(), gy.ravel()], 1)))
        layers = []
        self.model.eval()
        with nnkit.no_grad(), np.errstate(all="ignore"):
            for layer in self.model:
                h = layer(h)
                if isinstance(layer, tuple(ACTIVATIONS.values())):
                    layers.append(h.numpy().T.reshape(-1, size, size))
            probs = F.softmax(h, -1).numpy().reshape(size, size, -1)
        self.model.train()
        return probs, layers


def _check_fraction(value):
    if not isinstance(value, numbers.Real) or not 0 < value < 1:
        raise ValueError(f"Playground: expected 0 < train_fraction < 1. "
                         f"Received: train_fraction={value!r}")

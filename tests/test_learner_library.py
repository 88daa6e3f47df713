"""A learner who passed every build exercise of the course holds a library that trains an
MLP on MNIST and a tiny GPT with nothing but their own code (and nnkit's tensors where the
chapters build on them). Here the course's answers play the learner's part: each is kept in a
temporary mine/ exactly as a passing checker keeps it, then everything is loaded back from
those files."""
import numpy as np
import pytest

import nnkit
from nnkit import mine
from nnkit.exercises.engine_parts import cross_entropy, learnable
from nnkit.exercises.solutions import (
    ch03,
    ch05,
    ch06,
    ch07,
    ch08,
    ch09,
    ch10,
    ch11,
    ch12,
    ch13,
    ch14,
)

KEPT = [(3, "6", [ch03.Module, ch03.Linear, ch03.Sequential]),
        (5, "5", [ch05.Value]), (5, "6", [ch05.Neuron, ch05.Layer, ch05.MLP]),
        (6, "5", [ch06.unbroadcast, ch06.Tensor]),
        (7, "6", [ch07.Optimizer, ch07.SGD, ch07.Adam, ch07.AdamW]),
        (8, "7", [ch08.fit]),
        (9, "2", [ch09.accuracy]), (9, "3", [ch09.confusion_matrix]),
        (10, "7", [ch10.conv2d_loops, ch10.Conv2d]),
        (11, "7", [ch11.LSTMCell, ch11.GRUCell]),
        (12, "6", [ch12.CausalSelfAttention, ch12.Block, ch12.GPT]),
        (13, "1", [ch13.frame]), (13, "2", [ch13.power_spectrum]), (13, "3", [ch13.hz_to_mel]),
        (13, "4", [ch13.log_mel]), (14, "1", [ch14.discounted_returns]),
        (14, "2", [ch14.advantages]), (14, "3", [ch14.policy_gradient_loss])]


@pytest.fixture
def library(tmp_path, monkeypatch):
    monkeypatch.setenv("NNKIT_MINE", str(tmp_path / "mine"))
    assert mine.keep(ch05.Module, 5, "6", name="ValueModule") is not None  # as its checker does
    for chapter, exercise, components in KEPT:
        for component in components:
            assert mine.keep(component, chapter, exercise) is not None, component
    return {name: mine.use(name, reference=None, quiet=True) for name in mine.library()}


def test_every_component_loads_from_the_learners_files(library):
    assert len(library) == 31
    for name, component in library.items():
        assert component is not None, name
        assert component.__module__.startswith("mine.ch"), (name, component.__module__)


def test_the_learners_stack_trains_an_mlp_on_mnist(library):
    images, labels = nnkit.datasets.mnist("train", as_float=True)
    X, y = images.reshape(-1, 784)[:6000], labels[:6000]
    Module, Linear, Sequential = library["Module"], library["Linear"], library["Sequential"]

    class ReLU(Module):
        def forward(self, x):
            return x.relu()
    np.random.seed(0)
    model = learnable(Sequential(Linear(784, 64), ReLU(), Linear(64, 10)), library["Tensor"])
    history = library["fit"](model, cross_entropy, library["Adam"](model.parameters(), lr=2e-3),
                             (X[:5000], y[:5000]), (X[5000:], y[5000:]), epochs=2,
                             batch_size=64)
    assert history["val_loss"][-1] < history["val_loss"][0]
    accuracy = library["accuracy"](model(X[5000:]).data, y[5000:])
    assert accuracy > 0.85
    confusion = library["confusion_matrix"](y[5000:], model(X[5000:]).data.argmax(axis=1), 10)
    assert confusion.sum() == 1000 and np.trace(confusion) == round(accuracy * 1000)


def test_the_learners_gpt_trains_on_names(library):
    from nnkit.models import CharTokenizer
    from nnkit.nn import functional as F
    names = nnkit.datasets.names()[:2000]
    tokenizer = CharTokenizer("\n" + "".join(names))
    text = tokenizer.encode("\n" + "\n".join(names) + "\n")
    windows = np.lib.stride_tricks.sliding_window_view(text, 9)[::3]
    nnkit.manual_seed(0)
    np.random.seed(0)
    gpt = library["GPT"](tokenizer.vocab_size, 8, d_model=32, num_heads=4, num_layers=2)
    optimizer = library["AdamW"](gpt.parameters(), lr=5e-3, weight_decay=0.01)
    rng, losses = np.random.default_rng(0), []
    for _ in range(120):
        batch = windows[rng.integers(0, len(windows), 32)]
        logits = gpt(batch[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, tokenizer.vocab_size), batch[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert np.mean(losses[-10:]) < np.mean(losses[:10]) - 0.5  # from about 3.0 nats to 2.2


def test_the_learners_cells_and_convolution_run(library):
    x = nnkit.randn(2, 3)
    h, c = library["LSTMCell"](3, 4)(x)
    assert h.shape == c.shape == (2, 4)
    assert library["GRUCell"](3, 4)(x).shape == (2, 4)
    conv = library["Conv2d"](1, 2, 3, padding=1)
    images = nnkit.randn(1, 1, 5, 5)
    expected = library["conv2d_loops"](images.data, conv.weight.data, conv.bias.data, padding=1)
    np.testing.assert_allclose(conv(images).data, expected, atol=1e-5)
    value_net = library["MLP"](2, [3, 1])
    assert len(value_net.parameters()) == 13
    assert all(type(p) is library["Value"] for p in value_net.parameters())  # the learner's own

"""nnkit.data: datasets, mini-batches, shuffling and splits."""
import numpy as np
import pytest

import nnkit
from nnkit.data import DataLoader, Dataset, Subset, TensorDataset, random_split


def numbered(n=10):
    """A dataset whose features hold each example's own index, so batches reveal the order."""
    X = np.stack([np.arange(n), -np.arange(n)], axis=1).astype(np.float64)
    y = np.arange(n) % 3
    return TensorDataset(X, y)


def order_of(loader):
    """The example indices of one epoch, checking each batch's X and y agree."""
    seen = []
    for X, y in loader:
        np.testing.assert_array_equal(X.numpy()[:, 0] % 3, y.numpy())
        seen.extend(X.numpy()[:, 0].astype(int))
    return seen


class PairList(Dataset):
    """A dataset written item by item, as a learner would (no fast path)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.array([i, -i], dtype=np.float64), i % 3


# ---------------------------------------------------------------- datasets

def test_tensor_dataset_items_and_dtypes():
    dataset = numbered(5)
    assert len(dataset) == 5
    x, y = dataset[3]
    assert isinstance(x, nnkit.Tensor) and isinstance(y, nnkit.Tensor)
    np.testing.assert_array_equal(x.numpy(), [3.0, -3.0])
    assert y.item() == 0
    assert x.dtype == np.float32 and y.dtype == np.int64  # floats float32, labels stay ints
    kept = TensorDataset(nnkit.tensor(np.ones((2, 2)), dtype=np.float64))
    assert kept[0][0].dtype == np.float64  # a Tensor keeps its dtype


def test_tensor_dataset_checks_its_tensors():
    with pytest.raises(ValueError, match=r"same size in the first dimension. Received shapes "
                                         r"\(100, 2\), \(99,\)"):
        TensorDataset(np.zeros((100, 2)), np.zeros(99))
    with pytest.raises(ValueError, match="expected at least one tensor"):
        TensorDataset()
    with pytest.raises(ValueError, match="Received a scalar as tensor 1"):
        TensorDataset(np.zeros(3), np.float32(1.0))


def test_dataset_is_abstract():
    class Unfinished(Dataset):
        def __getitem__(self, i):
            return i

    with pytest.raises(TypeError, match="__len__"):
        Unfinished()


# ---------------------------------------------------------------- loading

@pytest.mark.parametrize("dataset", [numbered(10), PairList(10)], ids=["tensors", "items"])
def test_batches_cover_the_dataset_once_in_order(dataset):
    loader = DataLoader(dataset, batch_size=3)
    batches = list(loader)
    assert len(loader) == len(batches) == 4
    assert [len(X) for X, _ in batches] == [3, 3, 3, 1]
    assert all(isinstance(b, tuple) and len(b) == 2 for b in batches)
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == np.int64
    assert batches[0][0].shape == (3, 2) and batches[0][1].shape == (3,)
    assert order_of(loader) == list(range(10))


def test_drop_last():
    loader = DataLoader(numbered(10), batch_size=3, drop_last=True)
    assert len(loader) == 3
    assert [len(X) for X, _ in loader] == [3, 3, 3]
    assert len(DataLoader(numbered(9), batch_size=3, drop_last=True)) == 3
    assert len(DataLoader(numbered(2), batch_size=3, drop_last=True)) == 0


def test_shuffle_with_a_seed_is_reproducible_and_new_each_epoch():
    loader = DataLoader(numbered(50), batch_size=8, shuffle=True, seed=7)
    first, second = order_of(loader), order_of(loader)
    assert sorted(first) == sorted(second) == list(range(50))  # each example once per epoch
    assert first != second and first != list(range(50))
    again = DataLoader(numbered(50), batch_size=8, shuffle=True, seed=7)
    assert order_of(again) == first and order_of(again) == second
    assert order_of(DataLoader(numbered(50), batch_size=8, shuffle=True, seed=8)) != first


def test_shuffle_without_a_seed_follows_manual_seed():
    nnkit.manual_seed(3)
    first = order_of(DataLoader(numbered(30), batch_size=4, shuffle=True))
    nnkit.manual_seed(3)
    assert order_of(DataLoader(numbered(30), batch_size=4, shuffle=True)) == first
    nnkit.manual_seed(4)
    assert order_of(DataLoader(numbered(30), batch_size=4, shuffle=True)) != first


def test_item_by_item_and_fast_path_give_the_same_batches():
    fast = DataLoader(numbered(20), batch_size=6, shuffle=True, seed=1)
    slow = DataLoader(PairList(20), batch_size=6, shuffle=True, seed=1)
    for (X1, y1), (X2, y2) in zip(fast, slow):
        np.testing.assert_array_equal(X1.numpy(), X2.numpy())
        np.testing.assert_array_equal(y1.numpy(), y2.numpy())


def test_single_valued_examples_batch_into_one_tensor():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return float(i * i)

    batches = list(DataLoader(Squares(), batch_size=2))
    assert isinstance(batches[0], nnkit.Tensor) and batches[0].dtype == np.float32
    np.testing.assert_array_equal(batches[2].numpy(), [16.0])


@pytest.mark.parametrize("kwargs, error, message", [
    ({"batch_size": 0}, ValueError, r"expected a positive integer. Received: batch_size=0"),
    ({"batch_size": 2.5}, ValueError, r"Received: batch_size=2.5"),
    ({"batch_size": True}, ValueError, r"Received: batch_size=True"),
    ({"shuffle": "yes"}, TypeError, r"expected True or False. Received: shuffle='yes'"),
    ({"drop_last": None}, TypeError, r"Received: drop_last=None"),
    ({"seed": -1}, ValueError, r"expected None or a non-negative integer. Received: seed=-1"),
    ({"seed": 1.5}, ValueError, r"Received: seed=1.5"),
])
def test_data_loader_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        DataLoader(numbered(4), **kwargs)


def test_data_loader_needs_a_dataset():
    with pytest.raises(TypeError, match=r"expected a Dataset .* Received: dataset=int"):
        DataLoader(5)


# ---------------------------------------------------------------- splits

def test_random_split_sizes_disjoint_and_complete():
    dataset = numbered(10)
    train, val = random_split(dataset, [7, 3], seed=0)
    assert isinstance(train, Subset) and (len(train), len(val)) == (7, 3)
    got = [int(train[i][0].numpy()[0]) for i in range(7)] + \
          [int(val[i][0].numpy()[0]) for i in range(3)]
    assert sorted(got) == list(range(10))  # disjoint, and nothing left out
    assert got[:7] != sorted(got[:7]) or got[7:] != sorted(got[7:])  # shuffled
    # a loader over a subset sees exactly the subset's rows
    assert order_of(DataLoader(train, batch_size=4)) == got[:7]


def test_random_split_is_reproducible():
    a = random_split(numbered(20), [0.5, 0.5], seed=5)
    b = random_split(numbered(20), [0.5, 0.5], seed=5)
    c = random_split(numbered(20), [0.5, 0.5], seed=6)
    np.testing.assert_array_equal(a[0].indices, b[0].indices)
    assert not np.array_equal(a[0].indices, c[0].indices)
    nnkit.manual_seed(1)
    d = random_split(numbered(20), [0.5, 0.5])
    nnkit.manual_seed(1)
    np.testing.assert_array_equal(random_split(numbered(20), [0.5, 0.5])[0].indices,
                                  d[0].indices)


@pytest.mark.parametrize("n, fractions", [(10, [0.8, 0.2]), (11, [0.5, 0.5]),
                                          (10, [0.33, 0.33, 0.34]), (7, [0.1, 0.2, 0.3, 0.4])])
def test_fraction_sizes_match_torch(n, fractions):
    torch = pytest.importorskip("torch")
    ours = [len(s) for s in random_split(numbered(n), fractions, seed=0)]
    theirs = [len(s) for s in torch.utils.data.random_split(range(n), fractions)]
    assert ours == theirs and sum(ours) == n


def test_nested_subsets_index_through():
    inner = Subset(numbered(10), [9, 8, 7, 6])
    outer = Subset(inner, [3, 0])
    assert order_of(DataLoader(outer, batch_size=2)) == [6, 9]
    assert int(outer[1][0].numpy()[0]) == 9


@pytest.mark.parametrize("lengths, message", [
    ([5, 4], (r"adding up to len\(dataset\)=10, or fractions adding up to 1. "
              r"Received: lengths=\[5, 4\]")),
    ([0.5, 0.3], r"Received: lengths=\[0.5, 0.3\]"),
    ([11, -1], r"expected non-negative sizes or fractions. Received: lengths\[1\]=-1"),
    (["a", "b"], r"Received: lengths\[0\]='a'"),
])
def test_random_split_bad_lengths(lengths, message):
    with pytest.raises(ValueError, match=message):
        random_split(numbered(10), lengths)

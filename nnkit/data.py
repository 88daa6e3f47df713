"""Datasets and mini-batches (chapter 08), named as in ``torch.utils.data``.

A :class:`Dataset` answers two questions: how many examples (``len``) and
which is number ``i`` (``dataset[i]``). A :class:`DataLoader` walks a
dataset in mini-batches, shuffled afresh each epoch if asked, and yields
tuples of Tensors such as ``(X, y)``. :func:`random_split` cuts a dataset
into training, validation and test parts.

    >>> dataset = TensorDataset(X, y)
    >>> train, val = random_split(dataset, [0.8, 0.2], seed=0)
    >>> for X_batch, y_batch in DataLoader(train, batch_size=32, shuffle=True):
    ...     ...
"""
import abc
import math
import numbers

import numpy as np

from nnkit.random import generator
from nnkit.tensor import Tensor, _as_array


class Dataset(abc.ABC):
    """A collection of examples: subclasses define ``__len__`` and ``__getitem__``."""

    @abc.abstractmethod
    def __len__(self):
        """The number of examples."""

    @abc.abstractmethod
    def __getitem__(self, index):
        """Example number `index` (often a tuple such as ``(x, y)``)."""


class TensorDataset(Dataset):
    """Examples that are rows of tensors: ``dataset[i]`` is ``(X[i], y[i], ...)``.

    Args:
        *tensors: Tensors or arrays with the same first dimension. Floats
            become float32 unless they are already Tensors; integer labels
            stay integers.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor. Received none")
        tensors = tuple(t if isinstance(t, Tensor) else Tensor(_as_array(t)) for t in tensors)
        for i, t in enumerate(tensors):
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: expected tensors with a first (example) "
                                 f"dimension. Received a scalar as tensor {i}")
        shapes = [t.shape for t in tensors]
        if len({shape[0] for shape in shapes}) > 1:
            raise ValueError(f"TensorDataset: all tensors must have the same size in the first "
                             f"dimension. Received shapes {', '.join(map(str, shapes))}")
        self.tensors = tensors

    def __len__(self):
        return self.tensors[0].shape[0]

    def __getitem__(self, index):
        # `index` may also be an array of indices: a whole batch in one go
        return tuple(Tensor._make(t.data[index]) for t in self.tensors)


class Subset(Dataset):
    """The examples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, index):
        return self.dataset[self.indices[index]]


def _fetch(dataset, indices):
    """The examples at `indices`, collated into a batch."""
    if isinstance(dataset, TensorDataset):  # fast path: index every tensor once
        return dataset[indices]
    if isinstance(dataset, Subset):
        return _fetch(dataset.dataset, dataset.indices[indices])
    return _collate([dataset[int(i)] for i in indices])


def _collate(examples):
    """Stack a list of examples, field by field, into Tensors."""
    first = examples[0]
    if isinstance(first, (tuple, list)):
        return tuple(_stack([example[k] for example in examples]) for k in range(len(first)))
    return _stack(examples)


def _stack(values):
    arrays = [v.data if isinstance(v, Tensor) else np.asarray(v) for v in values]
    # Tensors keep their dtype; numbers and arrays follow nnkit.tensor (floats -> float32)
    dtype = values[0].dtype if isinstance(values[0], Tensor) else None
    return Tensor(np.stack(arrays), dtype=dtype)


class DataLoader:
    """Mini-batches from a dataset, as tuples of Tensors (chapter 08).

    Args:
        dataset: a :class:`Dataset` (anything with ``len`` and ``[i]``).
        batch_size: examples per batch; the last batch may be smaller.
        shuffle: visit the examples in a new random order every epoch.
        seed: seeds this loader's own generator, so its orders repeat run
            after run; without it, shuffling draws from nnkit's generator
            (``nnkit.manual_seed`` makes that reproducible).
        drop_last: drop a last batch smaller than `batch_size`.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, seed=None, drop_last=False):
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(f"DataLoader: expected a Dataset (anything with __len__ and "
                            f"__getitem__). Received: dataset={type(dataset).__name__}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) \
                or batch_size <= 0:
            raise ValueError(f"DataLoader: expected a positive integer. Received: "
                             f"batch_size={batch_size!r}")
        for name, flag in (("shuffle", shuffle), ("drop_last", drop_last)):
            if not isinstance(flag, (bool, np.bool_)):
                raise TypeError(f"DataLoader: expected True or False. Received: "
                                f"{name}={flag!r}")
        _check_seed("DataLoader", seed)
        self.dataset, self.batch_size = dataset, int(batch_size)
        self.shuffle, self.drop_last, self.seed = bool(shuffle), bool(drop_last), seed
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def __len__(self):
        """The number of batches per epoch."""
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:  # each epoch draws the next permutation from the generator
            order = (self._rng or generator()).permutation(n)
        else:
            order = np.arange(n)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            yield _fetch(self.dataset, order[start:start + self.batch_size])


def _check_seed(owner, seed):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)
                             or seed < 0):
        raise ValueError(f"{owner}: expected None or a non-negative integer. Received: "
                         f"seed={seed!r}")


def random_split(dataset, lengths, seed=None):
    """Split `dataset` at random into non-overlapping :class:`Subset` s (chapter 08).

    Args:
        dataset: the dataset to split.
        lengths: sizes that add up to ``len(dataset)``, or fractions that add
            up to 1 (e.g. ``[0.8, 0.2]``; examples left over by rounding down
            go one each to the first parts, as in PyTorch).
        seed: seeds the split; without it, nnkit's generator is used.
    """
    _check_seed("random_split", seed)
    n = len(dataset)
    lengths = list(lengths)
    for i, length in enumerate(lengths):
        if isinstance(length, bool) or not isinstance(length, numbers.Real) or length < 0:
            raise ValueError(f"random_split: expected non-negative sizes or fractions. "
                             f"Received: lengths[{i}]={length!r}")
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = [math.floor(n * fraction) for fraction in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
    if any(length != int(length) for length in lengths) or sum(lengths) != n:
        raise ValueError(f"random_split: expected integer sizes adding up to len(dataset)="
                         f"{n}, or fractions adding up to 1. Received: lengths={lengths}")
    rng = np.random.default_rng(seed) if seed is not None else generator()
    order = rng.permutation(n)
    ends = np.cumsum([int(length) for length in lengths])
    return [Subset(dataset, order[end - int(length):end]) for end, length in zip(ends, lengths)]

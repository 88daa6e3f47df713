"""The bundled data sets and the toy generators (nnkit.datasets)."""

import gzip
import shutil
import struct
import time

import numpy as np
import pytest

from nnkit import datasets
from nnkit.datasets import DataIntegrityError, integrity
from nnkit.datasets.mnist import parse_idx

# class counts published with MNIST (see nnkit/datasets/files/PROVENANCE.md)
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
TOYS = [datasets.moons, datasets.circles, datasets.spirals, datasets.xor, datasets.gaussians]


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A private copy of the data files, used through NNKIT_DATA_DIR."""
    folder = tmp_path / "files"
    shutil.copytree(integrity.data_dir(), folder)
    monkeypatch.setenv("NNKIT_DATA_DIR", str(folder))
    return folder


# ---------------------------------------------------------------- MNIST


@pytest.mark.parametrize("split, counts", [("train", TRAIN_COUNTS), ("test", TEST_COUNTS)])
def test_mnist_sizes_and_class_counts(split, counts):
    images, labels = datasets.mnist(split)
    assert images.shape == (sum(counts), 28, 28)
    assert images.dtype == np.uint8 and labels.dtype == np.int64
    assert labels.shape == (sum(counts),)
    assert np.bincount(labels, minlength=10).tolist() == counts
    assert images.max() == 255 and images.min() == 0


def test_mnist_known_first_labels():
    # the first labels of the original files, a check on byte order and offsets
    assert datasets.mnist("train")[1][:5].tolist() == [5, 0, 4, 1, 9]
    assert datasets.mnist("test")[1][:5].tolist() == [7, 2, 1, 0, 4]


def test_mnist_as_float_is_scaled_to_unit_interval():
    raw, _ = datasets.mnist("test")
    images, _ = datasets.mnist("test", as_float=True)
    assert images.dtype == np.float32
    assert images.min() == 0.0 and images.max() == 1.0
    np.testing.assert_allclose(images, raw / 255.0, rtol=1e-6)


def test_mnist_returns_copies_that_cannot_corrupt_the_cache():
    images, labels = datasets.mnist("test")
    images[:] = 0
    labels[:] = 3
    images_again, labels_again = datasets.mnist("test")
    assert images_again.max() == 255
    assert labels_again[:5].tolist() == [7, 2, 1, 0, 4]


def test_mnist_first_load_is_fast(data_copy):
    # a new data folder is a new cache entry: this times a cold load
    start = time.perf_counter()
    datasets.mnist("train")
    seconds = time.perf_counter() - start
    assert seconds < 2.0, f"cold MNIST load took {seconds:.2f} s (target: under 1 s)"


@pytest.mark.parametrize("kwargs, words", [
    ({"split": "validation"}, ["split='train'", "split='test'", "Received: split='validation'"]),
    ({"split": "Train"}, ["Received: split='Train'"]),
    ({"as_float": 1}, ["as_float", "True or False", "Received: as_float=1"]),
])
def test_mnist_rejects_bad_arguments(kwargs, words):
    with pytest.raises((ValueError, TypeError)) as error:
        datasets.mnist(**kwargs)
    for word in words:
        assert word in str(error.value)


# ---------------------------------------------------------------- IDX parsing


def idx_bytes(values, magic_type=0x08, ndim=None):
    values = np.asarray(values, dtype=np.uint8)
    ndim = values.ndim if ndim is None else ndim
    header = struct.pack(">BBBB", 0, 0, magic_type, ndim)
    header += struct.pack(f">{values.ndim}I", *values.shape)
    return header + values.tobytes()


def test_parse_idx_reads_shape_and_values():
    values = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(parse_idx(idx_bytes(values), 3), values)


@pytest.mark.parametrize("raw, words", [
    (idx_bytes([[[1]]], magic_type=0x0D), ["bad IDX magic number", "Received: 0x00000d03"]),
    (idx_bytes([1, 2, 3]), ["expected an IDX file with 3 dimensions", "Received: 1"]),
    (idx_bytes([[[1, 2]]])[:-1], ["shape (1, 1, 2)", "Received: 17 bytes"]),
    (b"\x00\x00", ["not an IDX file"]),
])
def test_parse_idx_rejects_bad_files_with_clear_errors(raw, words):
    with pytest.raises(ValueError) as error:
        parse_idx(raw, 3, name="demo-idx")
    assert "demo-idx" in str(error.value)
    for word in words:
        assert word in str(error.value)


# ---------------------------------------------------------------- integrity


def test_manifest_covers_every_shipped_file():
    folder = integrity.data_dir()
    shipped = {str(p.relative_to(folder)).replace("\\", "/")
               for p in folder.rglob("*") if p.is_file() and p.suffix != ".md"}
    assert shipped == set(integrity.MANIFEST)


def test_corrupt_copy_raises_error_naming_file_and_both_hashes(data_copy):
    path = data_copy / "text" / "names.txt"
    path.write_bytes(path.read_bytes().replace(b"emma", b"emmy", 1))
    with pytest.raises(DataIntegrityError) as error:
        datasets.names()
    message = str(error.value)
    assert str(path) in message
    assert integrity.MANIFEST["text/names.txt"] in message
    assert integrity.sha256_of(path) in message
    assert "To repair" in message and "pip install -e ." in message


def test_corrupt_mnist_copy_is_caught(data_copy):
    path = data_copy / "mnist" / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(path.read_bytes())
    raw[100] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(DataIntegrityError, match="t10k-labels-idx1-ubyte.gz"):
        datasets.mnist("test")


def test_missing_file_is_named(data_copy):
    (data_copy / "timeseries" / "monthly-sunspots.csv").unlink()
    with pytest.raises(DataIntegrityError, match="missing: .*monthly-sunspots.csv"):
        datasets.sunspots()


def test_decompressed_mnist_is_checked_against_the_originals_hash():
    name = "mnist/t10k-labels-idx1-ubyte.gz"
    raw = gzip.decompress(integrity.verified_path(name).read_bytes())
    integrity.check_decompressed(name, raw)  # the shipped bytes pass
    with pytest.raises(DataIntegrityError, match="decompresses to the wrong bytes"):
        integrity.check_decompressed(name, raw[:-1] + b"\x00")


def test_unknown_file_name_is_rejected():
    with pytest.raises(ValueError, match="unknown data file 'mnist/nope'"):
        integrity.verified_path("mnist/nope")


# ---------------------------------------------------------------- text and series


def test_tiny_shakespeare():
    text = datasets.tiny_shakespeare()
    assert isinstance(text, str)
    assert len(text) == 1_115_394 and len(set(text)) == 65
    assert text.startswith("First Citizen:")


def test_names_is_a_fresh_list_of_lowercase_names():
    names = datasets.names()
    assert len(names) == 32_033 and names[:3] == ["emma", "olivia", "ava"]
    assert all(name.isalpha() and name.islower() for name in names)
    names.clear()
    assert len(datasets.names()) == 32_033


@pytest.mark.parametrize("loader, size, first, last, unit", [
    (datasets.sunspots, 2820, "1749-01", "1983-12", "M"),
    (datasets.airline_passengers, 144, "1949-01", "1960-12", "M"),
    (datasets.daily_min_temperatures, 3650, "1981-01-01", "1990-12-31", "D"),
])
def test_time_series(loader, size, first, last, unit):
    dates, values = loader()
    assert dates.shape == values.shape == (size,)
    assert dates.dtype == np.dtype(f"datetime64[{unit}]") and values.dtype == np.float32
    assert str(dates[0]) == first and str(dates[-1]) == last
    assert np.all(np.diff(dates) > np.timedelta64(0, unit))  # strictly increasing
    assert np.all(np.isfinite(values)) and values.min() >= 0
    values[:] = -1  # a fresh copy: the next call is unaffected
    assert loader()[1].min() >= 0


def test_time_series_known_values():
    assert datasets.airline_passengers()[1][:3].tolist() == [112, 118, 132]
    assert datasets.sunspots()[1][0] == np.float32(58.0)
    assert datasets.daily_min_temperatures()[1][0] == np.float32(20.7)


# ---------------------------------------------------------------- toy generators


@pytest.mark.parametrize("make", TOYS)
def test_toy_shapes_dtypes_and_balance(make):
    X, y = make(n_samples=101, seed=3)
    assert X.shape == (101, 2) and X.dtype == np.float32
    assert y.shape == (101,) and y.dtype == np.int64
    counts = np.bincount(y)
    assert len(counts) == 2 and counts.max() - counts.min() <= 1


@pytest.mark.parametrize("make", TOYS)
def test_toy_same_seed_same_data_other_seed_other_data(make):
    X1, y1 = make(n_samples=50, noise=0.1, seed=7)
    X2, y2 = make(n_samples=50, noise=0.1, seed=7)
    X3, _ = make(n_samples=50, noise=0.1, seed=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("make", TOYS)
def test_toy_samples_are_shuffled(make):
    _, y = make(n_samples=200, seed=0)
    assert 0 < y[:100].sum() < 100  # not all of one class first


@pytest.mark.parametrize("make", [datasets.spirals, datasets.gaussians])
def test_multiclass_generators_balance_every_class(make):
    _, y = make(n_samples=301, num_classes=4, seed=0)
    assert np.bincount(y).tolist() == [76, 75, 75, 75]


def test_noise_free_shapes_are_exact():
    X, y = datasets.moons(200, noise=0.0)
    centre = np.where(y[:, None] == 0, [0.0, 0.0], [1.0, 0.5])
    np.testing.assert_allclose(np.linalg.norm(X - centre, axis=1), 1.0, rtol=1e-5)
    X, y = datasets.circles(200, noise=0.0, factor=0.3)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), np.where(y == 0, 1.0, 0.3), rtol=1e-5)
    X, y = datasets.xor(200, noise=0.0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(np.int64))
    assert np.abs(X).min() >= 0.1 and np.abs(X).max() <= 1.0


@pytest.mark.parametrize("make", TOYS)
def test_more_noise_moves_points_further(make):
    clean, _ = make(n_samples=400, noise=0.0, seed=1)
    a_little, _ = make(n_samples=400, noise=0.05, seed=1)
    a_lot, _ = make(n_samples=400, noise=0.5, seed=1)
    # the same seed gives the same clean points and shuffle, so differences are the noise
    small = np.abs(a_little - clean).mean()
    large = np.abs(a_lot - clean).mean()
    assert 0 < small < large
    assert large == pytest.approx(10 * small, rel=0.01)


def test_gaussians_separate_when_noise_is_small():
    X, y = datasets.gaussians(300, noise=0.1, num_classes=3, seed=0)
    angles = 2 * np.pi * np.arange(3) / 3
    centres = 2 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    nearest = np.argmin(np.linalg.norm(X[:, None, :] - centres, axis=2), axis=1)
    assert np.array_equal(nearest, y)


def test_seed_none_gives_fresh_data():
    assert not np.array_equal(datasets.moons(seed=None)[0], datasets.moons(seed=None)[0])


@pytest.mark.parametrize("make, kwargs, words", [
    (datasets.moons, {"n_samples": -5}, ["moons", "integer >= 2", "Received: n_samples=-5"]),
    (datasets.circles, {"n_samples": 10.5}, ["circles", "Received: n_samples=10.5"]),
    (datasets.xor, {"n_samples": True}, ["xor", "Received: n_samples=True"]),
    (datasets.moons, {"noise": -0.1}, ["moons", "number >= 0", "Received: noise=-0.1"]),
    (datasets.spirals, {"noise": float("nan")}, ["spirals", "Received: noise=nan"]),
    (datasets.gaussians, {"noise": "big"}, ["gaussians", "Received: noise='big'"]),
    (datasets.moons, {"seed": -1}, ["moons", "Received: seed=-1"]),
    (datasets.circles, {"factor": 1.0}, ["0 < factor < 1", "Received: factor=1.0"]),
    (datasets.spirals, {"num_classes": 1}, ["spirals", "Received: num_classes=1"]),
    (datasets.gaussians, {"n_samples": 3, "num_classes": 5}, ["n_samples >= num_classes (5)"]),
    (datasets.spirals, {"turns": 0}, ["0 < turns <= 10", "Received: turns=0"]),
])
def test_toy_generators_reject_bad_arguments(make, kwargs, words):
    with pytest.raises(ValueError) as error:
        make(**kwargs)
    for word in words:
        assert word in str(error.value)


# ---------------------------------------------------------------- advice a learner can act on

def test_data_dir_pointing_nowhere_names_the_variable(tmp_path, monkeypatch):
    nowhere = tmp_path / "no-such-folder"
    monkeypatch.setenv("NNKIT_DATA_DIR", str(nowhere))
    with pytest.raises(DataIntegrityError, match=rf"(?s)NNKIT_DATA_DIR={nowhere} sets the data "
                                                 rf"folder, and that folder does not exist. "
                                                 rf"Expected a folder .* Unset NNKIT_DATA_DIR"):
        integrity.verified_path("text/names.txt")


def test_data_dir_missing_one_file_says_which(data_copy):
    (data_copy / "text" / "names.txt").unlink()
    with pytest.raises(DataIntegrityError, match=r"that folder has no text/names.txt"):
        integrity.verified_path("text/names.txt")


def test_git_lfs_pointer_is_recognised(data_copy):
    pointer = (b"version https://git-lfs.github.com/spec/v1\noid sha256:0a30b5557f19\n"
               b"size 228145\n")
    (data_copy / "text" / "names.txt").write_bytes(pointer)
    with pytest.raises(DataIntegrityError, match=r"(?s)is a Git LFS pointer, not the data.*"
                                                 r"git lfs install && git lfs pull"):
        datasets.names()

"""Find the bundled data files and check them against their SHA-256.

The course works offline: every data set ships inside the package (see
``files/PROVENANCE.md``). A file that is missing or damaged (a partial copy,
a line-ending conversion by git, an accidental edit) would give wrong numbers
far from the cause, so each file is checked once per process before it is
read. Standard library only: ``python -m nnkit doctor`` uses this module to
report on the data even when NumPy is broken.
"""

import hashlib
import os
from pathlib import Path

# relative path -> SHA-256 of the file exactly as shipped
MANIFEST = {
    "mnist/train-images-idx3-ubyte.gz": "0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971",
    "mnist/train-labels-idx1-ubyte.gz": "1787548bbe0bff1ec2ecdc0ef292b02df999e2d1a6002d27500982c652b17203",
    "mnist/t10k-images-idx3-ubyte.gz": "1a1a05eab793c14bb050b398624a11b0ffd1a2953baed553b1b9bd079e2a20be",
    "mnist/t10k-labels-idx1-ubyte.gz": "b91679a0acfe4ba0e50a2437a903084cba1f5f92592b016a25a7dfd00455798b",
    "speech/clips.npz": "13c1faf25c094e830431b3d3a34062e62088f73b15f5e87552982ea23279e30a",
    "speech/spoken-digits.npz": "8dbab5bd115931ee8c681f91546d066699fd255caead049b5696ec88437d7c96",
    "text/names.txt": "0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d",
    "text/tinyshakespeare.txt": "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
    "timeseries/airline-passengers.csv": "8cb51be753a718d9be5d76d7e238cc224792754676adc21faa59e954b0201621",
    "timeseries/daily-min-temperatures.csv": "8b9de63ed6789492bf497625e7f9beb96a63d367b4b0a21754006f749fa5e5da",
    "timeseries/monthly-sunspots.csv": "c4ec8cc57d9f6fb6ecdb3e1f37f25b6f4badd5124c55931052b0cd2fc3bc71f3",
}

# SHA-256 of the decompressed MNIST files, as published with the originals:
# they prove the shipped copies are byte-identical to LeCun et al.'s files.
MNIST_DECOMPRESSED = {
    "mnist/train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "mnist/train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "mnist/t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "mnist/t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

REPAIR_HINT = (
    "make a fresh clone of the course repository and install it "
    "again (`python3 run.py lab`, or `pip install -e .` inside the clone)."
)

# (path, size, mtime) of files already verified in this process: checking
# a 10 MB file costs ~30 ms, so do it once, but again if the file changes.
_verified = set()


# the first line of a Git LFS pointer file: what a clone without git-lfs holds
LFS_POINTER = b"version https://git-lfs.github.com/spec/"


class DataIntegrityError(RuntimeError):
    """A bundled data file is missing or does not match its SHA-256."""


def _missing_advice(path):
    """Why a file may be missing: first of all, NNKIT_DATA_DIR pointing somewhere else."""
    override = os.environ.get("NNKIT_DATA_DIR")
    if not override:
        return f"To repair: {REPAIR_HINT}"
    where = Path(override)
    state = "does not exist" if not where.is_dir() else f"has no {path.relative_to(where)}"
    return (f"The environment variable NNKIT_DATA_DIR={override} sets the data folder, and "
            f"that folder {state}. Expected a folder holding the course's data files (with "
            f"mnist/, text/, timeseries/). Unset NNKIT_DATA_DIR to use the bundled copies, or "
            f"point it at a full copy of nnkit/datasets/files")


def _is_lfs_pointer(path):
    with open(path, "rb") as f:
        return f.read(len(LFS_POINTER)) == LFS_POINTER


def data_dir():
    """The folder holding the bundled data files.

    The environment variable ``NNKIT_DATA_DIR`` overrides it (the tests use
    this to check that a corrupted copy is caught, never touching the real
    files).
    """
    override = os.environ.get("NNKIT_DATA_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent / "files"


def sha256_of(data_or_path):
    """SHA-256 hex digest of a bytes object or of a file's contents."""
    digest = hashlib.sha256()
    if isinstance(data_or_path, (bytes, bytearray, memoryview)):
        digest.update(data_or_path)
        return digest.hexdigest()
    with open(data_or_path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_name(name):
    if name not in MANIFEST:
        known = ", ".join(sorted(MANIFEST))
        raise ValueError(f"unknown data file {name!r}. Expected one of: {known}")


def verified_path(name):
    """Return the path of bundled file ``name`` after checking its SHA-256.

    Raises:
        DataIntegrityError: the file is missing or its hash differs; the
            message names the file, both hashes and how to repair.
    """
    _check_name(name)
    path = data_dir() / name
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise DataIntegrityError(
            f"data file is missing: {path}\n{_missing_advice(path)}"
        ) from None
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key in _verified:
        return path
    actual = sha256_of(path)
    expected = MANIFEST[name]
    if actual != expected and _is_lfs_pointer(path):
        raise DataIntegrityError(
            f"data file is a Git LFS pointer, not the data: {path}\n"
            f"  Expected the data file itself. Received a {stat.st_size}-byte pointer: the "
            f"repository was cloned without Git LFS. To repair: install git-lfs, then run "
            f"`git lfs install && git lfs pull` in the clone (or download the repository as a "
            f"ZIP archive, which holds the real files)"
        )
    if actual != expected:
        raise DataIntegrityError(
            f"data file is corrupt: {path}\n"
            f"  expected SHA-256: {expected}\n"
            f"  actual SHA-256:   {actual}\nTo repair: {REPAIR_HINT}"
        )
    _verified.add(key)
    return path


def check_decompressed(name, raw):
    """Check decompressed MNIST bytes against the originals' published hash."""
    expected = MNIST_DECOMPRESSED[name]
    actual = sha256_of(raw)
    if actual != expected:
        raise DataIntegrityError(
            f"data file decompresses to the wrong bytes: {data_dir() / name}\n"
            f"  expected SHA-256 (decompressed): {expected}\n"
            f"  actual SHA-256 (decompressed):   {actual}\nTo repair: {REPAIR_HINT}"
        )


def check_all():
    """Check every bundled file; return a list of (name, error or None)."""
    results = []
    for name in MANIFEST:
        try:
            verified_path(name)
            results.append((name, None))
        except DataIntegrityError as error:
            results.append((name, error))
    return results

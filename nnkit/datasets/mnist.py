"""MNIST: 70,000 handwritten digits, read from the four original IDX files.

Introduced in chapter 09 (image recognition). The IDX format is tiny: a
4-byte magic number (two zero bytes, a type code, the number of
dimensions), one big-endian 4-byte size per dimension, then the raw values.
We parse it ourselves with ``struct`` and ``numpy.frombuffer``.
"""

import functools
import gzip
import struct

import numpy as np

from .integrity import check_decompressed, data_dir, verified_path

_FILES = {
    "train": ("mnist/train-images-idx3-ubyte.gz", "mnist/train-labels-idx1-ubyte.gz"),
    "test": ("mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz"),
}
_UNSIGNED_BYTE = 0x08  # IDX type code of uint8, the only one MNIST uses


def parse_idx(raw, expected_ndim, name="<bytes>"):
    """Parse the bytes of an uncompressed IDX file of unsigned bytes.

    Args:
        raw: the file's bytes.
        expected_ndim: 3 for images (N, rows, cols), 1 for labels (N,).
        name: the file's name, used in error messages.

    Returns:
        a read-only ``uint8`` array that shares memory with ``raw``.
    """
    if len(raw) < 4:
        raise ValueError(f"{name}: not an IDX file (only {len(raw)} bytes)")
    zero1, zero2, type_code, ndim = struct.unpack(">BBBB", raw[:4])
    magic = raw[:4].hex()
    if zero1 != 0 or zero2 != 0 or type_code != _UNSIGNED_BYTE:
        raise ValueError(
            f"{name}: bad IDX magic number. Expected 0x0008{expected_ndim:02x} "
            f"(unsigned bytes, {expected_ndim} dims). Received: 0x{magic}"
        )
    if ndim != expected_ndim:
        raise ValueError(
            f"{name}: expected an IDX file with {expected_ndim} dimensions. "
            f"Received: {ndim} dimensions (magic 0x{magic})"
        )
    header = 4 + 4 * ndim
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    expected_bytes = header + int(np.prod(shape))
    if len(raw) != expected_bytes:
        raise ValueError(
            f"{name}: header promises shape {shape} ({expected_bytes} bytes). "
            f"Received: {len(raw)} bytes"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _read(name, ndim):
    path = verified_path(name)
    raw = gzip.decompress(path.read_bytes())
    check_decompressed(name, raw)
    return parse_idx(raw, ndim, name)


@functools.cache
def _load(split, folder):
    # folder is part of the cache key so an NNKIT_DATA_DIR override is honoured
    images_name, labels_name = _FILES[split]
    images = _read(images_name, 3)
    labels = _read(labels_name, 1)
    if len(images) != len(labels):
        raise ValueError(
            f"MNIST {split}: {len(images)} images but {len(labels)} labels"
        )
    return images, labels


def mnist(split="train", as_float=False):
    """Load the MNIST training or test set (chapter 09).

    Args:
        split: ``"train"`` (60,000 images) or ``"test"`` (10,000 images).
        as_float: if True, images are float32 scaled to [0, 1]; otherwise
            uint8 in [0, 255] as stored.

    Returns:
        ``(images, labels)``: images of shape (N, 28, 28), labels int64 of
        shape (N,) with values 0-9. Both are fresh arrays: changing them
        does not change what the next call returns.

    Example:
        >>> X, y = mnist("test", as_float=True)
        >>> X.shape, X.dtype, y[:5]
        ((10000, 28, 28), dtype('float32'), array([7, 2, 1, 0, 4]))
    """
    if split not in _FILES:
        raise ValueError(
            f"mnist: expected split='train' or split='test'. Received: split={split!r}"
        )
    if not isinstance(as_float, bool):
        raise TypeError(
            f"mnist: expected as_float to be True or False. Received: as_float={as_float!r}"
        )
    images, labels = _load(split, str(data_dir()))
    if as_float:
        images = images.astype(np.float32)
        images /= np.float32(255)  # exact: 255 maps to 1.0
    else:
        images = images.copy()
    return images, labels.astype(np.int64)

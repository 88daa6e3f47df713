"""Seeded toy data sets in two dimensions, to see what a classifier learns.

Chapters 01, 03 and 08 draw decision boundaries on these. Every generator
takes ``n_samples``, ``noise`` (the standard deviation of Gaussian noise
added to each coordinate) and ``seed`` and returns ``(X, y)``: ``X`` float32
of shape (n_samples, 2), ``y`` int64 class labels 0, 1, ... Classes are
balanced (their sizes differ by at most one) and the samples are shuffled,
so any slice of them is a fair mini-batch. The same seed gives the same
data on every machine; ``seed=None`` gives fresh data each call.
"""

import math
import numbers

import numpy as np

# ---------------------------------------------------------------- checks


def _check_int(name, value, low, func):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{func}: expected an integer >= {low}. Received: {name}={value!r}")
    return int(value)


def _check_noise(noise, func):
    valid = isinstance(noise, numbers.Real) and not isinstance(noise, bool)
    if not valid or not math.isfinite(noise) or noise < 0:
        raise ValueError(
            f"{func}: expected a finite number >= 0. Received: noise={noise!r}"
        )
    return float(noise)


def _rng(seed, func):
    if seed is not None:
        _check_int("seed", seed, 0, func)
    return np.random.default_rng(seed)


def _class_sizes(n_samples, num_classes):
    # as even as possible: 7 samples in 3 classes -> 3, 2, 2
    return [n_samples // num_classes + (k < n_samples % num_classes) for k in range(num_classes)]


def _finish(parts, noise, rng):
    """Stack per-class point arrays, add noise, shuffle; return (X, y)."""
    X = np.concatenate(parts)
    y = np.concatenate([np.full(len(p), k, dtype=np.int64) for k, p in enumerate(parts)])
    X = X + noise * rng.standard_normal(X.shape)
    order = rng.permutation(len(X))
    return X[order].astype(np.float32), y[order]


# ---------------------------------------------------------------- generators


def moons(n_samples=200, noise=0.1, seed=0):
    """Two interleaving half circles: not separable by a straight line.

    Example:
        >>> X, y = moons(100, noise=0.1, seed=0)
        >>> X.shape, X.dtype, y.dtype
        ((100, 2), dtype('float32'), dtype('int64'))
    """
    n_samples = _check_int("n_samples", n_samples, 2, "moons")
    noise = _check_noise(noise, "moons")
    rng = _rng(seed, "moons")
    n_upper, n_lower = _class_sizes(n_samples, 2)
    t_upper = np.linspace(0, math.pi, n_upper)
    t_lower = np.linspace(0, math.pi, n_lower)
    upper = np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1)
    lower = np.stack([1 - np.cos(t_lower), 0.5 - np.sin(t_lower)], axis=1)
    return _finish([upper, lower], noise, rng)


def circles(n_samples=200, noise=0.05, factor=0.5, seed=0):
    """A small circle (class 1) inside a large one (class 0) of radius 1.

    Args:
        factor: radius of the inner circle, between 0 and 1 (exclusive).
    """
    n_samples = _check_int("n_samples", n_samples, 2, "circles")
    noise = _check_noise(noise, "circles")
    if not isinstance(factor, numbers.Real) or not 0 < factor < 1:
        raise ValueError(f"circles: expected 0 < factor < 1. Received: factor={factor!r}")
    rng = _rng(seed, "circles")
    parts = []
    for radius, size in zip([1.0, float(factor)], _class_sizes(n_samples, 2)):
        t = np.linspace(0, 2 * math.pi, size, endpoint=False)
        parts.append(radius * np.stack([np.cos(t), np.sin(t)], axis=1))
    return _finish(parts, noise, rng)


def spirals(n_samples=200, noise=0.05, num_classes=2, turns=1.5, seed=0):
    """Intertwined spiral arms, one per class: hard for a straight line.

    Each arm starts near the origin and winds ``turns`` times outwards to
    radius 1; arm ``k`` is rotated by ``2 * pi * k / num_classes``.
    """
    n_samples = _check_int("n_samples", n_samples, 2, "spirals")
    noise = _check_noise(noise, "spirals")
    num_classes = _check_int("num_classes", num_classes, 2, "spirals")
    if n_samples < num_classes:
        raise ValueError(
            f"spirals: expected n_samples >= num_classes ({num_classes}). "
            f"Received: n_samples={n_samples}"
        )
    if not isinstance(turns, numbers.Real) or not 0 < turns <= 10:
        raise ValueError(f"spirals: expected 0 < turns <= 10. Received: turns={turns!r}")
    rng = _rng(seed, "spirals")
    parts = []
    for k, size in enumerate(_class_sizes(n_samples, num_classes)):
        r = np.linspace(0.05, 1, size)
        angle = 2 * math.pi * (k / num_classes + turns * r)
        parts.append(r[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1))
    return _finish(parts, noise, rng)


def xor(n_samples=200, noise=0.0, seed=0):
    """Points in the square [-1, 1]^2; class 1 where x and y have opposite signs.

    The problem a single neuron cannot solve (chapter 01). Points keep a
    margin of 0.1 from the axes, so with ``noise=0`` the classes are clean.
    """
    n_samples = _check_int("n_samples", n_samples, 2, "xor")
    noise = _check_noise(noise, "xor")
    rng = _rng(seed, "xor")
    quadrant_signs = {0: [(1, 1), (-1, -1)], 1: [(1, -1), (-1, 1)]}
    parts = []
    for label, size in enumerate(_class_sizes(n_samples, 2)):
        signs = np.array(quadrant_signs[label])[np.arange(size) % 2]
        parts.append(signs * rng.uniform(0.1, 1.0, size=(size, 2)))
    return _finish(parts, noise, rng)


def gaussians(n_samples=200, noise=0.5, num_classes=2, seed=0):
    """Round Gaussian blobs, one per class, with centres on a circle of radius 2.

    Here ``noise`` is each blob's standard deviation: small values give
    well separated classes, large ones overlapping classes.
    """
    n_samples = _check_int("n_samples", n_samples, 2, "gaussians")
    noise = _check_noise(noise, "gaussians")
    num_classes = _check_int("num_classes", num_classes, 2, "gaussians")
    if n_samples < num_classes:
        raise ValueError(
            f"gaussians: expected n_samples >= num_classes ({num_classes}). "
            f"Received: n_samples={n_samples}"
        )
    rng = _rng(seed, "gaussians")
    parts = []
    for k, size in enumerate(_class_sizes(n_samples, num_classes)):
        angle = 2 * math.pi * k / num_classes
        parts.append(np.tile([2 * math.cos(angle), 2 * math.sin(angle)], (size, 1)))
    return _finish(parts, noise, rng)

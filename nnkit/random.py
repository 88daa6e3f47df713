"""One random generator for everything random in nnkit (initial weights,
dropout masks, shuffling, ``randn``), so that ``nnkit.manual_seed(seed)``
makes a whole notebook reproducible."""
import numpy as np

_generator = np.random.default_rng(0)


def manual_seed(seed):
    """Reset nnkit's random generator; the same seed gives the same numbers."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"manual_seed: expected a non-negative integer. Received seed={seed!r}")
    _generator = np.random.default_rng(int(seed))
    return _generator


def generator():
    """The generator in use (call it each time: manual_seed replaces it)."""
    return _generator

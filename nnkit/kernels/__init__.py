"""Numba kernels: the hot loops of nnkit, each paired with a NumPy reference.

Every kernel is written once as plain Python loops and compiled by the one
shared :func:`jit` helper (``cache=True``: compiled code is kept on disk, so
a new process loads it in a fraction of a second). Beside each kernel sits a
NumPy *reference* that computes the same thing with array expressions. The
reference is a real code path, not only a test oracle: where Numba cannot be
imported (a Python inside the browser, say), nnkit runs the references and
still works, only slower. ``NUMBA_DISABLE_JIT=1`` runs the loops as plain
Python, which is handy for stepping through them in a debugger.

``KERNELS`` maps each kernel's name to ``(fast, reference)``; the tests walk
it and compare the two on random data.
"""
import os
import sys
import tempfile


def _writable(path):
    """True when `path` (or its nearest existing parent) accepts new files."""
    while path and not os.path.exists(path):
        parent = os.path.dirname(path)
        if parent == path:
            return False
        path = parent
    return os.access(path, os.W_OK)


def _choose_cache_dir():
    # numba writes its cache beside the source, else in ~/.cache/numba; when
    # neither is writable `njit(cache=True)` raises at import time (a shared
    # JupyterHub install, a read-only container). Then use a temporary folder.
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    here = os.path.dirname(os.path.abspath(__file__))
    home_cache = os.path.join(os.path.expanduser("~"), ".cache", "numba")
    if _writable(os.path.join(here, "__pycache__")) or _writable(home_cache):
        return
    cache = os.path.join(tempfile.gettempdir(), "nnkit-numba-cache")
    if not _writable(cache):  # another user made it first (one /tmp shared on a JupyterHub)
        cache = tempfile.mkdtemp(prefix="nnkit-numba-cache-")
    os.environ["NUMBA_CACHE_DIR"] = cache
    if "numba" in sys.modules:  # numba already read its config: tell it too
        sys.modules["numba"].config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]


_choose_cache_dir()

try:
    import numba
except ImportError:  # pragma: no cover - exercised only where numba is missing
    numba = None

NUMBA_AVAILABLE = numba is not None
KERNELS = {}


def jit(fn):
    """Compile `fn` with Numba, cached on disk; without Numba return `fn` as it is.

    ``error_model="numpy"`` lets a division by zero give inf/nan as NumPy
    does, instead of raising, and keeps the loops free to vectorise.
    """
    if numba is None:
        return fn
    return numba.njit(cache=True, error_model="numpy")(fn)


def kernel(reference):
    """Register the decorated loop as a kernel whose NumPy twin is `reference`.

    Returns the compiled loop, or `reference` itself where Numba is missing
    (plain Python loops would be far too slow to train with).
    """
    def register(loop):
        fast = jit(loop) if NUMBA_AVAILABLE else reference
        KERNELS[loop.__name__] = (fast, reference)
        return fast
    return register


# the kernel modules register themselves on import
from nnkit.kernels import conv, elementwise, linear, losses, optim, recurrent, transformer  # noqa: F401

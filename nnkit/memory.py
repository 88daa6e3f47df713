"""Keep freed memory in the process from one training step to the next.

A training step allocates its large arrays (activations, gradients, the
columns of a convolution) and frees them all at its end. On Linux, glibc's
``malloc`` then gives that memory back to the operating system (it *trims*
the heap, and blocks over its *mmap threshold* are returned at once), so
the next step receives fresh pages and pays one page fault per 4 KiB it
touches: measured here, about 2,400 faults per LeNet step and 1,700 per
Transformer step, a third of the step's time. Raising both thresholds once
keeps up to 256 MiB of freed memory for reuse, as PyTorch's own allocator
keeps its blocks. The cost: the process does not shrink back after a large
step.

Only glibc has these settings; elsewhere nothing changes.

These settings are process-wide and a shared server (100 notebooks on one
machine) wants each idle kernel to give its memory back, so importing
nnkit changes nothing. Opt in with ``nnkit.keep_freed_memory()`` or the
environment variable ``NNKIT_KEEP_FREED_MEMORY=1`` (read at import) on
your own machine, where the faster steps are worth the memory kept.
"""
import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 2**20  # glibc's largest allowed value on 64-bit systems
TRIM_THRESHOLD = 256 * 2**20


def requested():
    """True when the environment asks for the policy: NNKIT_KEEP_FREED_MEMORY=1."""
    return os.environ.get("NNKIT_KEEP_FREED_MEMORY", "0") not in ("", "0")


def keep_freed_memory():
    """Raise glibc's trim and mmap thresholds; True when both settings took effect."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # absent in musl (Alpine) and other C libraries
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and \
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1

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

**Off unless asked.** The setting is process-wide, so importing nnkit does
not change it: call ``nnkit.keep_freed_memory()`` or set the environment
variable ``NNKIT_KEEP_FREED_MEMORY=1`` before the import. That is the default
a teacher wants on a shared server: with it on, each of a hundred kernels may
keep up to 256 MiB it no longer uses. On a laptop with one learner, turning it
on makes the convolution and Transformer chapters' steps faster (the
benchmarks turn it on for nnkit, as PyTorch's caching allocator is always on).
"""
import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 2**20  # glibc's largest allowed value on 64-bit systems
TRIM_THRESHOLD = 256 * 2**20


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


def apply_environment():
    """At import: keep freed memory only when ``NNKIT_KEEP_FREED_MEMORY=1`` asks for it."""
    value = os.environ.get("NNKIT_KEEP_FREED_MEMORY", "0")
    if value not in ("0", "1"):
        raise ValueError(f"NNKIT_KEEP_FREED_MEMORY: expected 0 or 1. Received: {value!r}")
    return keep_freed_memory() if value == "1" else False

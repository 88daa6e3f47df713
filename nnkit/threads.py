"""How many threads nnkit's kernels and matrix products use, as ``torch.set_num_threads``.

On a shared server a notebook is often given fewer CPUs than the machine
has: a CPU affinity mask (``taskset``, Slurm, JupyterHub's spawners) or a
container quota (cgroup v2 ``cpu.max``). A library that starts one thread
per core of the machine then runs several threads on one CPU, and they
take turns: matrix products get slower, not faster. So nnkit counts the
CPUs it is *given* and, when that is fewer than the machine has, limits
both thread pools it uses to that number: Numba's (our kernels) and
OpenBLAS's (NumPy's matrix products). ``NNKIT_NUM_THREADS=n`` chooses the
number yourself; ``set_num_threads(n)`` changes it at any time.
"""
import math
import os

_threads = None  # what set_num_threads last chose; None until nnkit is imported
THREAD_ENV_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                   "NUMBA_NUM_THREADS")


def _cgroup_cpus(path="/sys/fs/cgroup/cpu.max"):
    """CPUs allowed by a cgroup v2 quota ("200000 100000" means 2), or None when unlimited."""
    try:
        with open(path) as f:
            quota, period = f.read().split()[:2]
    except (OSError, ValueError):
        return None
    if quota == "max":
        return None
    return max(1, math.ceil(int(quota) / int(period)))


def available_cpus():
    """The number of CPUs this process may use: its affinity mask, capped by a cgroup quota."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS and Windows have no affinity call
        cpus = os.cpu_count() or 1
    quota = _cgroup_cpus()
    return min(cpus, quota) if quota else cpus


def _requested():
    """NNKIT_NUM_THREADS when set (checked), else the CPUs this process is given."""
    text = os.environ.get("NNKIT_NUM_THREADS")
    if text is None:
        return available_cpus()
    if not text.isdigit() or int(text) < 1:
        raise ValueError("Expected NNKIT_NUM_THREADS to be a whole number of at least 1. "
                         f"Received: {text!r}")
    return int(text)


def limit_before_import():
    """Set the thread environment variables before NumPy and Numba start their pools.

    Called first thing by ``import nnkit``. Variables the user set are left
    alone; nothing is set when the process may use every core (the libraries'
    own default is then already right).
    """
    threads = _requested()
    if threads < (os.cpu_count() or 1) or "NNKIT_NUM_THREADS" in os.environ:
        for name in THREAD_ENV_VARS:
            os.environ.setdefault(name, str(threads))
    return threads


def set_num_threads(n):
    """Use `n` threads for nnkit's Numba kernels and for BLAS matrix products.

    As ``torch.set_num_threads``. One thread is what a shared server with
    many users wants; all cores is fastest on your own laptop.
    """
    global _threads
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"Expected a whole number of threads of at least 1. Received: {n!r}")
    import numba
    from threadpoolctl import threadpool_limits
    # Numba cannot start more threads than its pool was created with
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    threadpool_limits(n, user_api="blas")  # every BLAS loaded (NumPy's and SciPy's)
    _threads = n


def get_num_threads():
    """The number of threads nnkit uses (as ``torch.get_num_threads``)."""
    if _threads is not None:
        return _threads
    import numba
    return numba.get_num_threads()


def apply_default(threads):
    """At import: enforce `threads` when fewer than the machine's cores (or asked for)."""
    global _threads
    if threads < (os.cpu_count() or 1) or "NNKIT_NUM_THREADS" in os.environ:
        set_num_threads(threads)  # also covers NumPy imported before nnkit
    else:
        _threads = threads

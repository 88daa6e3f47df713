"""How many threads nnkit computes with, and respecting the CPUs a process is given.

nnkit has two thread pools: Numba's (its parallel kernels) and the BLAS
library's (NumPy's matrix products). Both start one thread per CPU of the
machine. On a shared server that is wrong twice over: a JupyterHub user
limited to one CPU (a container quota, or ``taskset``) would run two or more
busy threads on it, and a hundred kernels would each do so. So when nnkit is
imported it looks at the CPUs this process may really use, the affinity mask
and the cgroup CPU quota (the smaller of the two), and when that is fewer than
the machine has, it limits both pools to it. Nothing changes on a laptop.

``nnkit.set_num_threads(n)`` sets both pools at once, as
``torch.set_num_threads`` does; ``NNKIT_NUM_THREADS=n`` does it at import.
"""
import math
import os

import numba

_chosen = None  # the thread count nnkit set, or None while the defaults stand


def available_cpus():
    """CPUs this process may use: its affinity mask, capped by a cgroup CPU quota."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cpus = os.cpu_count() or 1
    quota = _cgroup_quota()
    return max(1, min(cpus, math.ceil(quota))) if quota else cpus


def _cgroup_quota(root="/sys/fs/cgroup"):
    """The CPU quota in CPUs (e.g. 1.5), or None when there is none (cgroup v2, then v1)."""
    try:
        with open(os.path.join(root, "cpu.max")) as f:  # v2: "max 100000" or "150000 100000"
            quota, period = f.read().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        with open(os.path.join(root, "cpu", "cpu.cfs_quota_us")) as f:  # v1: -1 means none
            quota = int(f.read())
        with open(os.path.join(root, "cpu", "cpu.cfs_period_us")) as f:
            period = int(f.read())
        return None if quota <= 0 else quota / period
    except (OSError, ValueError):
        return None


def set_num_threads(num_threads):
    """Compute with ``num_threads`` threads: Numba's kernels and BLAS both (torch's name).

    Args:
        num_threads: a positive integer. Numba cannot start more threads than
            it was started with (``numba.config.NUMBA_NUM_THREADS``), so larger
            values are capped there for Numba; BLAS takes them as they are.
    """
    global _chosen
    if isinstance(num_threads, bool) or not isinstance(num_threads, int) or num_threads < 1:
        raise ValueError(f"set_num_threads: expected a positive integer. "
                         f"Received: num_threads={num_threads!r}")
    numba.set_num_threads(min(num_threads, numba.config.NUMBA_NUM_THREADS))
    from threadpoolctl import threadpool_limits  # imported only when limits are set

    threadpool_limits(num_threads, user_api="blas")  # stays in force: no `with`
    _chosen = num_threads


def get_num_threads():
    """The number of threads nnkit computes with (as ``torch.get_num_threads``)."""
    return _chosen if _chosen is not None else numba.get_num_threads()


def respect_cpu_limit():
    """At import: ``NNKIT_NUM_THREADS`` if set, else the CPUs this process may use."""
    wanted = os.environ.get("NNKIT_NUM_THREADS")
    if wanted:
        try:
            set_num_threads(int(wanted))
        except ValueError:
            raise ValueError(f"NNKIT_NUM_THREADS: expected a positive integer. "
                             f"Received: {wanted!r}") from None
        return
    cpus = available_cpus()
    if cpus < (os.cpu_count() or cpus):
        set_num_threads(cpus)

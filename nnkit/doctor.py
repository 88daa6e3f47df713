"""``python -m nnkit doctor``: check that this machine can run the course.

Prints the versions that matter, compiles a small Numba kernel, and checks
every bundled data file against its SHA-256. Exits with status 1 and says
what to do when something a learner needs is broken; optional extras (the
Jupyter server, PyTorch) are reported but never fail the check.
Chapter 00 runs it as its environment check.
"""

import importlib
import importlib.metadata
import platform
import sys
import time

try:
    import numba
except ImportError:  # reported by check_modules
    numba = None

from nnkit.datasets import integrity

# (module, why the course needs it); a missing one fails the check
REQUIRED = [
    ("numpy", "arrays: everything in nnkit"),
    ("numba", "the fast kernels"),
    ("ipywidgets", "the interactive widgets"),
    ("matplotlib", "every plot"),
    ("ipympl", "zoomable plots (%matplotlib widget)"),
    ("tqdm", "progress bars"),
]
# reported when present: a JupyterHub kernel may live apart from its server
OPTIONAL = [
    ("jupyterlab", "the JupyterLab server"),
    ("torch", "PyTorch, used by some tests as a reference"),
]


def _kernel_sum(values):
    # the smallest loop that exercises the compiler: a typed reduction
    total = 0.0
    for i in range(values.shape[0]):
        total += values[i] * values[i]
    return total


def _kernel_parallel_sum(values):
    # a parallel loop starts numba's threading layer, so it can be named
    total = 0.0
    for i in numba.prange(values.shape[0]):
        total += values[i]
    return total


class Report:
    """Collects lines as they are printed, and the problems found."""

    def __init__(self, out):
        self.out = out
        self.problems = []

    def line(self, status, text):
        print(f"  {status:<5} {text}", file=self.out, flush=True)

    def ok(self, text):
        self.line("ok", text)

    def info(self, text):
        self.line("-", text)

    def fail(self, text, fix):
        self.line("FAIL", text)
        self.problems.append(f"{text}\n      fix: {fix}")


def check_python(report):
    report.ok(f"Python {platform.python_version()} ({sys.executable})")
    report.ok(f"platform {platform.platform()}")


def check_modules(report):
    # required modules are imported, to prove they work; optional ones are
    # only looked up (importing jupyterlab or torch takes seconds)
    for name, why in REQUIRED:
        try:
            module = importlib.import_module(name)
        except Exception as error:  # noqa: BLE001 - a broken install can raise anything
            report.fail(
                f"{name} cannot be imported ({type(error).__name__}: {error}); "
                f"needed for {why}",
                "set up again with `python3 run.py lab`, or `pip install -e .`",
            )
            continue
        report.ok(f"{name} {getattr(module, '__version__', '(version unknown)')}")
    for name, why in OPTIONAL:
        try:
            report.ok(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            report.info(f"{name} not installed ({why})")


def check_numba(report):
    """Compile a test kernel through nnkit's shared ``jit`` and time it."""
    try:
        import numpy as np

        from nnkit.kernels import NUMBA_AVAILABLE, jit
    except Exception as error:  # noqa: BLE001 - report it, whatever it is
        report.fail(f"numba check could not start ({type(error).__name__}: {error})",
                    "install numpy and numba: `pip install -e .`")
        return
    if not NUMBA_AVAILABLE:
        report.fail("nnkit runs without Numba: kernels fall back to slow NumPy",
                    "install numba: `pip install -e .`")
        return
    start = time.perf_counter()
    try:
        compiled = jit(_kernel_sum)
        result = compiled(np.arange(4, dtype=np.float64))
    except Exception as error:  # noqa: BLE001 - a compiler error of any kind
        report.fail(f"a test kernel failed to compile or run ({type(error).__name__}: {error})",
                    "reinstall numba (`pip install --force-reinstall numba`); "
                    "run with NUMBA_DISABLE_JIT=1 meanwhile")
        return
    seconds = time.perf_counter() - start
    if result != 14.0:
        report.fail(f"the test kernel computed {result}, expected 14.0",
                    "reinstall numba (`pip install --force-reinstall numba`)")
        return
    from_cache = sum(compiled.stats.cache_hits.values()) > 0
    source = "loaded from the on-disk cache" if from_cache else "compiled"
    report.ok(f"numba test kernel {source} and ran in {seconds:.2f} s")
    cache = getattr(getattr(compiled, "_cache", None), "_cache_path", None)
    report.ok(f"numba cache folder: {cache or '(none: caching unavailable)'}")
    check_threading(report, np)


def check_threading(report, np):
    """Run a tiny parallel loop and name the threading layer it started."""
    try:
        parallel = numba.njit(parallel=True, cache=True)(_kernel_parallel_sum)
        parallel(np.ones(8))
        layer = numba.threading_layer()
    except Exception as error:  # noqa: BLE001 - optional: report and go on
        # serial kernels still work: nnkit does not need parallel loops to run
        report.info(f"numba parallel loops unavailable ({type(error).__name__}: {error})")
        return
    report.ok(f"numba threading layer: {layer}, {numba.config.NUMBA_NUM_THREADS} threads")


def check_data(report):
    report.ok(f"data folder: {integrity.data_dir()}")
    broken = []
    for name, error in integrity.check_all():
        if error is None:
            report.ok(f"data {name}")
            continue
        broken.append(name)
        # the error's own lines: what is wrong, then the two hashes
        lines = [line for line in str(error).splitlines() if not line.startswith("To repair")]
        report.line("FAIL", f"data {name}: {lines[0]}")
        for detail in lines[1:]:
            report.line("", detail)
    if broken:
        report.problems.append(
            f"{len(broken)} data file(s) missing or corrupt: {', '.join(broken)}"
            f"\n      fix: {integrity.REPAIR_HINT}"
        )


def run(out=None):
    """Run every check, print the report, return the exit status (0 = fine)."""
    out = out or sys.stdout
    report = Report(out)
    print("nnkit doctor: checking this machine for the course", file=out)
    check_python(report)
    check_modules(report)
    check_numba(report)
    check_data(report)
    if report.problems:
        print(f"\n{len(report.problems)} problem(s) found:", file=out)
        for problem in report.problems:
            print(f"  - {problem}", file=out)
        return 1
    print("\nAll checks passed: you are ready for the course.", file=out)
    return 0

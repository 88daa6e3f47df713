"""Child process of the benchmark: times ONE contender on every workload, prints JSON.

``benchmarks/run.py`` starts a fresh process like this for every contender
(nnkit, PyTorch, hand-written NumPy), thread setting and round, because
contenders sharing a process disturb each other: PyTorch's OpenMP pool and
OpenBLAS's threads fight, which halved PyTorch's two-thread speed and
flattered nnkit about twofold. BLAS also reads its thread count when NumPy is
imported, so the environment is set before any import.
"""
import argparse
import json
import os
import statistics
import sys
import time


def _set_threads(threads):
    # before numpy, numba and torch are imported: they read these once
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                 "NUMBA_NUM_THREADS"):
        os.environ[name] = str(threads)
    # nnkit keeps freed memory for the next step only when asked (off by default for shared
    # servers); PyTorch's caching allocator always does, so the comparison turns it on
    os.environ.setdefault("NNKIT_KEEP_FREED_MEMORY", "1")


def _block_size(step, target_seconds):
    """Steps per timed block so that one block lasts about `target_seconds`."""
    start = time.perf_counter()
    count = 0
    while count < 3 or time.perf_counter() - start < target_seconds / 4:
        step()
        count += 1
    one = (time.perf_counter() - start) / count
    return max(1, round(target_seconds / one))


def time_contenders(steps, batch, rounds, block_seconds):
    """Samples/s of each step: {name: (median, low, high)} over `rounds` alternated blocks."""
    for step in steps.values():  # warm-up: compile kernels, fill caches, grow buffers
        step()
        step()
    sizes = {name: _block_size(step, block_seconds) for name, step in steps.items()}
    rates = {name: [] for name in steps}
    names = list(steps)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            start = time.perf_counter()
            for _ in range(sizes[name]):
                steps[name]()
            rates[name].append(batch * sizes[name] / (time.perf_counter() - start))
    return {name: (statistics.median(v), min(v), max(v)) for name, v in rates.items()}


def gemm_rate(n=1024, repeats=5):
    """float32 GFLOP/s of one n x n x n NumPy matrix product (the best of `repeats`)."""
    import numpy as np
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(2))
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _per_call_us(fn, seconds=0.2):
    fn()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(100):
            fn()
        count += 100
    return (time.perf_counter() - start) / count * 1e6


def op_overhead(names, rounds):
    """Microseconds per 10-element add with grad, and per mul + sum + backward."""
    import numpy as np
    contenders = {}
    if "nnkit" in names:
        import nnkit
        contenders["nnkit"] = nnkit.tensor
    if "PyTorch" in names:
        import torch
        contenders["PyTorch"] = lambda a, requires_grad: torch.tensor(a, requires_grad=True)
    values = np.arange(10, dtype=np.float32)
    results = {name: {"add": [], "backward": []} for name in contenders}
    for _ in range(rounds):  # alternate contenders, as for the training steps
        for name, make in contenders.items():
            a, b = make(values, requires_grad=True), make(values + 1, requires_grad=True)
            results[name]["add"].append(_per_call_us(lambda a=a, b=b: a + b))
            results[name]["backward"].append(
                _per_call_us(lambda a=a, b=b: (a * b).sum().backward()))
    if "NumPy" in names:
        plain = np.ones(10, np.float32)
        results["NumPy"] = {"add": [_per_call_us(lambda: plain + plain)], "backward": []}
    return {name: {k: statistics.median(v) if v else None for k, v in r.items()}
            for name, r in results.items()}


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--workloads", default="")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--block-seconds", type=float, default=0.25)
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--contender", choices=["nnkit", "PyTorch", "NumPy"],
                        help="time only this contender (its own process, as run.py does)")
    args = parser.parse_args(argv)
    _set_threads(args.threads)

    import numpy  # noqa: F401  (after the thread settings)

    from benchmarks.workloads import WORKLOADS, nnkit_step, numpy_step, torch_step
    have_torch = False
    if not args.no_torch and args.contender in (None, "PyTorch"):
        try:
            import torch
            torch.set_num_threads(args.threads)
            have_torch = True
        except ImportError:
            pass
    chosen = args.workloads.split(",") if args.workloads else list(WORKLOADS)
    unknown = [w for w in chosen if w not in WORKLOADS]
    if unknown:
        sys.exit(f"unknown workloads {unknown}; choose from {list(WORKLOADS)}")
    report = {"threads": args.threads, "gemm_gflops": gemm_rate(), "workloads": {}}
    for workload in chosen:
        kind, spec, flops = WORKLOADS[workload]
        steps = {}
        if args.contender in (None, "nnkit"):
            steps["nnkit"] = nnkit_step(kind, spec)
        if have_torch:
            steps["PyTorch"] = torch_step(kind, spec)
        numpy_contender = numpy_step(kind, spec) if args.contender in (None, "NumPy") else None
        if numpy_contender is not None:
            steps["NumPy"] = numpy_contender
        if not steps:
            continue
        rates = time_contenders(steps, spec["batch"], args.rounds, args.block_seconds)
        report["workloads"][workload] = {"batch": spec["batch"], "flops": flops,
                                         "rates": rates}
        print(f"  {workload}: " + ", ".join(f"{k} {v[0]:,.0f}/s" for k, v in rates.items()),
              file=sys.stderr, flush=True)
    report["gemm_gflops_end"] = gemm_rate()
    names = [args.contender] if args.contender else ["nnkit", "NumPy"] + ["PyTorch"] * have_torch
    if args.contender == "PyTorch" and not have_torch:
        names = []
    report["overhead_us"] = op_overhead(names, max(1, args.rounds // 2))
    print(json.dumps(report))


if __name__ == "__main__":
    main()

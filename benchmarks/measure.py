"""Child process of the benchmark: times ONE contender on every workload, prints JSON.

Run by ``benchmarks/run.py`` once per contender, thread setting and round,
each in a fresh process: contenders sharing a process fight over threads
(PyTorch's OpenMP pool against OpenBLAS's), which measured PyTorch at half
its own-process speed. The thread environment is set before NumPy, Numba
or PyTorch is imported, since they read it once.
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


def op_overhead(contender, rounds, seconds=0.2):
    """Microseconds per 10-element add with grad, and per mul + sum + backward."""
    import numpy as np
    values = np.arange(10, dtype=np.float32)
    if contender == "NumPy":
        plain = np.ones(10, np.float32)
        return {"add": _per_call_us(lambda: plain + plain, seconds), "backward": None}
    if contender == "nnkit":
        import nnkit
        make = nnkit.tensor
    else:
        import torch
        def make(a, requires_grad):
            return torch.tensor(a, requires_grad=requires_grad)
    a, b = make(values, requires_grad=True), make(values + 1, requires_grad=True)
    add = [_per_call_us(lambda: a + b, seconds) for _ in range(rounds)]
    backward = [_per_call_us(lambda: (a * b).sum().backward(), seconds) for _ in range(rounds)]
    return {"add": statistics.median(add), "backward": statistics.median(backward)}


def blas_threads():
    """The thread counts of the BLAS libraries loaded now (checks the limit took effect)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return sorted({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--contender", required=True, choices=["nnkit", "PyTorch", "NumPy"])
    parser.add_argument("--workloads", default="")
    parser.add_argument("--blocks", type=int, default=3)
    parser.add_argument("--block-seconds", type=float, default=0.25)
    parser.add_argument("--quick", action="store_true", help="small GEMM, short overhead timing")
    args = parser.parse_args(argv)
    _set_threads(args.threads)

    import numpy  # noqa: F401  (after the thread settings)

    from benchmarks.workloads import WORKLOADS, nnkit_step, numpy_step, torch_step
    if args.contender == "PyTorch":
        import torch
        torch.set_num_threads(args.threads)
    make = {"nnkit": nnkit_step, "PyTorch": torch_step, "NumPy": numpy_step}[args.contender]
    chosen = args.workloads.split(",") if args.workloads else list(WORKLOADS)
    unknown = [w for w in chosen if w not in WORKLOADS]
    if unknown:
        sys.exit(f"unknown workloads {unknown}; choose from {list(WORKLOADS)}")
    report = {"threads": args.threads, "contender": args.contender,
              "gemm_gflops": gemm_rate(256 if args.quick else 1024), "workloads": {}}
    for workload in chosen:
        kind, spec, flops = WORKLOADS[workload]
        step = make(kind, spec)
        if step is None:  # no hand-written NumPy version of this workload
            continue
        rates = time_contenders({args.contender: step}, spec["batch"], args.blocks,
                                args.block_seconds)
        report["workloads"][workload] = {"batch": spec["batch"], "flops": flops,
                                         "rate": rates[args.contender][0]}
    report["blas_threads"] = blas_threads()
    report["overhead_us"] = op_overhead(args.contender, 1, 0.01 if args.quick else 0.2)
    print(json.dumps(report))


if __name__ == "__main__":
    main()

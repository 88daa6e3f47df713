"""Benchmark nnkit against PyTorch and hand-written NumPy; write benchmarks/RESULTS.md.

    python -m benchmarks                  # the full suite (a few minutes)
    python -m benchmarks --quick          # a smoke run in seconds (not for numbers)
    python -m benchmarks --workloads mlp_b64,cnn_b64 --threads 2

For each thread setting (default: all cores, then 1) and each round, every
contender (nnkit, PyTorch, hand-written NumPy) runs in a fresh child process
of its own (benchmarks/measure.py), the order rotated from round to round,
so no contender's thread pools slow another's; this process then measures start-up costs
(``import nnkit``, first step, Numba compile time cold and warm) and writes
the table with the machine's details. Ratios measured side by side are what
to trust on a shared machine; absolute numbers move with its load.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# The targets: minimum ratios of nnkit's samples/s to a contender's ("gemm": to the
# rate the measured BLAS GEMM rate implies). "@1" applies at one thread only, "@all"
# at all cores only; others at both.
TARGETS = {
    "mlp_b64": {"PyTorch@all": 1.5, "NumPy@1": 1.0},
    "mlp_b256": {"NumPy": 1.0, "gemm": 0.85},
    "mlp_b1": {"PyTorch": 3.0},
    "tiny_mlp_b1": {"PyTorch": 10.0},
    "cnn_b64": {"PyTorch": 2.0},
    "lstm_s32_b32": {"PyTorch": 1.2},
    "transformer_s64_b16": {"PyTorch": 1.5},
}
STARTUP_TARGETS = {  # at most this many seconds
    "import + first mlp_b64 step, warm cache": 0.5,
}

FIRST_STEP = """
import time, sys
start = time.perf_counter()
sys.path.insert(0, {root!r})
from benchmarks.workloads import WORKLOADS, nnkit_step
kind, spec, _ = WORKLOADS["mlp_b64"]
nnkit_step(kind, spec)()
print(time.perf_counter() - start)
"""

# one step of every workload plus the kernels they do not reach (GRU, Adam):
# compiles every kernel the course uses, for the cold/warm compile figures
ALL_KERNELS = """
import time, sys
start = time.perf_counter()
sys.path.insert(0, {root!r})
import numpy as np
import nnkit
from benchmarks.workloads import WORKLOADS, nnkit_step
for kind, spec, _ in WORKLOADS.values():
    nnkit_step(kind, spec)()
gru = nnkit.nn.GRU(4, 8)
out, _ = gru(nnkit.randn(2, 3, 4))
out.sum().backward()
adam = nnkit.optim.Adam(gru.parameters())
adam.step()
nnkit.optim.RMSprop(gru.parameters()).step()
nnkit.optim.Adagrad(gru.parameters()).step()
nnkit.nn.functional.sigmoid(nnkit.randn(3, requires_grad=True)).sum().backward()
print(time.perf_counter() - start)
"""


def _python(script, env=None, timeout=900):
    """Run `script` in a new Python; return (wall seconds, its stdout)."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env={**os.environ, **(env or {})}, timeout=timeout, cwd=ROOT,
                            check=False)
    if result.returncode:
        raise RuntimeError(f"benchmark subprocess failed:\n{result.stderr}")
    return time.perf_counter() - start, result.stdout


def startup_costs(repeats=3):
    """Seconds: import nnkit; import + first MLP step (warm cache); all kernels cold and warm."""
    costs = {}
    _python(FIRST_STEP.format(root=ROOT))  # make sure the default cache is warm
    costs["import nnkit (new process)"] = sorted(
        _python("import nnkit")[0] for _ in range(repeats))[repeats // 2]
    costs["import + first mlp_b64 step, warm cache"] = sorted(
        _python(FIRST_STEP.format(root=ROOT))[0] for _ in range(repeats))[repeats // 2]
    with tempfile.TemporaryDirectory(prefix="nnkit-bench-cache-") as cache:
        env = {"NUMBA_CACHE_DIR": cache}
        wall, _ = _python(ALL_KERNELS.format(root=ROOT), env)
        costs["all workloads' first steps, cold cache (compile)"] = wall
        wall, _ = _python(ALL_KERNELS.format(root=ROOT), env)
        costs["all workloads' first steps, warm cache"] = wall
    return costs


def machine():
    model = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = {"python": platform.python_version()}
    for name in ("numpy", "numba", "scipy", "torch", "nnkit"):
        try:
            versions[name] = __import__(name).__version__
        except ImportError:
            versions[name] = "not installed"
    return {"cpu": model, "cores": os.cpu_count(), "versions": versions}


CONTENDERS = ("nnkit", "PyTorch", "NumPy")


def _child(threads, contender, args):
    """One fresh process timing one contender on every chosen workload; its JSON report."""
    command = [sys.executable, "-m", "benchmarks.measure", "--threads", str(threads),
               "--contender", contender, "--blocks", str(args.blocks),
               "--block-seconds", str(args.block_seconds)]
    if args.workloads:
        command += ["--workloads", args.workloads]
    if args.quick:
        command.append("--quick")
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if result.returncode:
        if contender == "PyTorch" and "No module named 'torch'" in result.stderr:
            return None  # PyTorch is optional: its column stays empty
        sys.exit(f"benchmarks.measure ({contender}) failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(threads, args):
    """Every contender in its own process, `args.rounds` times, the order rotated each round."""
    runs = {name: [] for name in CONTENDERS}
    for r in range(args.rounds):
        order = CONTENDERS[r % 3:] + CONTENDERS[:r % 3]
        print(f"{threads} thread(s), round {r + 1}/{args.rounds}: {', '.join(order)}",
              file=sys.stderr, flush=True)
        for name in order:
            report = _child(threads, name, args)
            if report is not None:
                runs[name].append(report)
    return summarise(threads, {k: v for k, v in runs.items() if v})


def _spread(values):
    return (statistics.median(values), min(values), max(values))


def summarise(threads, runs):
    """Median and range over rounds of each contender's rate; GEMM rate over all processes."""
    gemm = [r["gemm_gflops"] for reports in runs.values() for r in reports]
    workloads = {}
    for workload, first in runs["nnkit"][0]["workloads"].items():
        rates = {name: _spread([r["workloads"][workload]["rate"] for r in reports])
                 for name, reports in runs.items() if workload in reports[0]["workloads"]}
        workloads[workload] = {"batch": first["batch"], "flops": first["flops"],
                               "rates": rates}
    overhead = {name: {k: statistics.median([r["overhead_us"][k] for r in reports])
                       if reports[0]["overhead_us"][k] is not None else None
                       for k in ("add", "backward")} for name, reports in runs.items()}
    blas = sorted({t for reports in runs.values() for r in reports for t in r["blas_threads"]})
    return {"threads": threads, "gemm": _spread(gemm), "workloads": workloads,
            "overhead_us": overhead, "blas_threads": blas,
            "processes": sum(len(v) for v in runs.values())}


def _ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "-"


def _rate(rates, name):
    if name not in rates:
        return "-"
    median, low, high = rates[name]
    return f"{median:,.0f} ({low:,.0f}-{high:,.0f})"


def _verdict(workload, threads, got):
    """'met' or 'missed' against TARGETS; `got` maps "PyTorch", "NumPy", "gemm" to ratios."""
    checks = []
    for key, need in TARGETS.get(workload, {}).items():
        name, _, when = key.partition("@")
        if when == "1" and threads != 1 or when == "all" and threads == 1:
            continue
        if got.get(name) is not None:
            checks.append(got[name] >= need)
    if not checks:
        return "-"
    return "met" if all(checks) else "missed"


def _spread_percent(rates):
    """The widest (max - min) / median over the contenders of one row, in percent."""
    return max(100 * (high - low) / median for median, low, high in rates.values())


def table(report):
    gemm, gemm_low, gemm_high = report["gemm"]
    lines = [f"### {report['threads']} thread(s)", "",
             (f"BLAS GEMM (NumPy float32 1024^3), measured in each of the "
              f"{report['processes']} processes: median {gemm:.0f} GFLOP/s "
              f"({gemm_low:.0f}-{gemm_high:.0f}). BLAS threads seen by threadpoolctl in the "
              f"children: {report['blas_threads'] or 'unknown'}."), "",
             ("| workload | nnkit samples/s | PyTorch | NumPy | nnkit/PyTorch | nnkit/NumPy "
              "| nnkit GFLOP/s (% of GEMM limit) | spread | target |"),
             "|---|---|---|---|---|---|---|---|---|"]
    for workload, result in report["workloads"].items():
        rates = result["rates"]
        nnkit_rate = rates["nnkit"][0]
        got = {name: nnkit_rate / rates[name][0] for name in ("PyTorch", "NumPy")
               if name in rates}
        gflops = result["flops"] * nnkit_rate / result["batch"] / 1e9
        lines.append(f"| {workload} | {_rate(rates, 'nnkit')} | {_rate(rates, 'PyTorch')} | "
                     f"{_rate(rates, 'NumPy')} | {_ratio(nnkit_rate, rates.get('PyTorch', [0])[0])} | "
                     f"{_ratio(nnkit_rate, rates.get('NumPy', [0])[0])} | "
                     f"{gflops:.1f} ({100 * gflops / gemm:.0f}%) | "
                     f"{_spread_percent(rates):.0f}% | "
                     f"{_verdict(workload, report['threads'], {**got, 'gemm': gflops / gemm})} |")
    overhead = report["overhead_us"]
    lines += ["", "Per-op overhead (microseconds per call, 10 elements):", "",
              "| | a + b | (a * b).sum().backward() |", "|---|---|---|"]
    for name, values in overhead.items():
        cells = [f"{v:.1f}" if v is not None else "-" for v in (values["add"], values["backward"])]
        lines.append(f"| {name} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def write_results(path, info, reports, costs, load_start, load_end, args):
    command = "".join(" " + a for a in sys.argv[1:])
    lines = ["# nnkit benchmark results", "",
             f"Written by `python -m benchmarks{command}` on {time.strftime('%Y-%m-%d %H:%M')}.",
             "",
             ("Training steps (forward + backward + SGD) on a fixed synthetic float32 batch: "
              "samples per second. Each contender runs in a fresh process of its own "
              f"(one per contender, thread setting and round; {args.rounds} rounds, the order "
              "rotated every round); in each process a rate is the median of "
              f"{args.blocks} timed blocks of about {args.block_seconds} s. A cell gives the "
              "median over rounds and (range); *spread* is the widest (max - min) / median "
              "of the row. Threads are limited for BLAS, OpenMP and Numba by environment "
              "variables set before import (and `torch.set_num_threads`). The GEMM limit is "
              "the NumPy float32 matrix-product rate measured in the same processes; "
              "GFLOP/s counts the matrix products of a step."), "",
             f"- CPU: {info['cpu']}, {info['cores']} cores",
             "- versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()),
             f"- load average (1, 5, 15 min) at start: {load_start}, at end: {load_end}", ""]
    for report in reports:
        lines += [table(report), ""]
    if costs:
        lines += ["### Start-up (wall seconds of a new process)", "",
                  "| what | seconds | target |", "|---|---|---|"]
        for what, seconds in costs.items():
            limit = STARTUP_TARGETS.get(what)
            verdict = "-" if limit is None else ("met" if seconds < limit else "missed")
            lines.append(f"| {what} | {seconds:.2f} | {verdict} |")
        lines.append("")
    text = "\n".join(lines)
    with open(path, "w") as f:
        f.write(text)
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 round, tiny blocks")
    parser.add_argument("--workloads", default="", help="comma-separated subset")
    parser.add_argument("--threads", default="", help="comma-separated thread counts "
                        "(default: all cores, then 1)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="fresh processes per contender and thread setting")
    parser.add_argument("--blocks", type=int, default=3, help="timed blocks per process")
    parser.add_argument("--block-seconds", type=float, default=0.25)
    parser.add_argument("--skip-startup", action="store_true",
                        help="skip the import and compile-time measurements")
    parser.add_argument("--output", default=os.path.join(HERE, "RESULTS.md"))
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.blocks, args.block_seconds, args.skip_startup = 1, 1, 0.01, True
    cores = os.cpu_count() or 1
    default = [cores] if args.quick or cores == 1 else [cores, 1]
    threads = [int(t) for t in args.threads.split(",")] if args.threads else default
    load_start = tuple(round(x, 1) for x in os.getloadavg())
    reports = [measure(t, args) for t in threads]
    costs = None if args.skip_startup else startup_costs()
    load_end = tuple(round(x, 1) for x in os.getloadavg())
    text = write_results(args.output, machine(), reports, costs, load_start, load_end, args)
    print(text)


if __name__ == "__main__":
    main()

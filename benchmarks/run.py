"""Benchmark nnkit against PyTorch and hand-written NumPy; write benchmarks/RESULTS.md.

    python -m benchmarks                  # the full suite (a few minutes)
    python -m benchmarks --quick          # a smoke run in seconds (not for numbers)
    python -m benchmarks --workloads mlp_b64,cnn_b64 --threads 2

Each contender (nnkit, PyTorch, hand-written NumPy) is timed in a fresh
process of its own (benchmarks/measure.py): sharing one process, PyTorch's
OpenMP pool and OpenBLAS's threads fight and PyTorch runs at about half its
two-thread speed. For each thread setting (default: all cores, then 1) the
rounds start one process per contender, the order rotated every round, so a
slow spell of this shared machine hits all contenders alike; the table gives
the median and the range over the rounds. This process then measures
start-up costs (``import nnkit``, first step, Numba compile time cold and
warm) and writes the table with the machine's details.
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
# the course's speed goals (own-process medians): minimum nnkit/PyTorch and nnkit/NumPy
# ratios, and a minimum share of the measured BLAS GEMM rate
TARGETS = {
    "mlp_b64": (1.5, 1.0), "mlp_b256": (None, 1.0), "mlp_b1": (3.0, None),
    "tiny_mlp_b1": (10.0, None), "cnn_b64": (2.0, None), "lstm_s32_b32": (1.2, None),
    "transformer_s64_b16": (1.5, None),
}
GEMM_SHARE_TARGETS = {"mlp_b256": 0.85}
STARTUP_TARGETS = {  # at most this many seconds
    "import + first mlp_b64 step, warm cache": 0.5,
    "all workloads' first steps, cold cache (compile)": 30.0,
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


def contenders(args):
    """nnkit and NumPy always; PyTorch when it is installed (it is optional)."""
    import importlib.util
    names = ["nnkit", "NumPy"]
    if importlib.util.find_spec("torch") is not None:
        names.append("PyTorch")
    return names


def _child(threads, contender, args):
    command = [sys.executable, "-m", "benchmarks.measure", "--threads", str(threads),
               "--contender", contender, "--rounds", "1",
               "--block-seconds", str(args.block_seconds)]
    if args.workloads:
        command += ["--workloads", args.workloads]
    result = subprocess.run(command, stdout=subprocess.PIPE, text=True, cwd=ROOT, check=False)
    if result.returncode:
        sys.exit(f"benchmarks.measure ({contender}) failed with exit code {result.returncode}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(threads, args):
    """One fresh process per contender and round, the order rotated; medians and ranges."""
    names = contenders(args)
    children = []
    for r in range(args.rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        print(f"timing with {threads} thread(s), round {r + 1}/{args.rounds}: "
              f"{', '.join(order)}", file=sys.stderr, flush=True)
        children += [_child(threads, name, args) for name in order]
    report = {"threads": threads, "workloads": {}, "overhead_us": {},
              "gemm_gflops": statistics.median(c["gemm_gflops"] for c in children),
              "gemm_gflops_range": (min(c["gemm_gflops"] for c in children),
                                    max(c["gemm_gflops"] for c in children)),
              "gemm_gflops_end": children[-1]["gemm_gflops_end"]}
    samples = {}
    for child in children:
        for workload, result in child["workloads"].items():
            report["workloads"].setdefault(
                workload, {"batch": result["batch"], "flops": result["flops"], "rates": {}})
            for name, (rate, _, _) in result["rates"].items():
                samples.setdefault((workload, name), []).append(rate)
        for name, values in child.get("overhead_us", {}).items():
            report["overhead_us"].setdefault(name, []).append(values)
    for (workload, name), rates in samples.items():
        report["workloads"][workload]["rates"][name] = (
            statistics.median(rates), min(rates), max(rates))
    report["overhead_us"] = {
        name: {key: statistics.median([v[key] for v in values if v[key] is not None])
               if any(v[key] is not None for v in values) else None for key in ("add", "backward")}
        for name, values in report["overhead_us"].items()}
    return report


def _ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "-"


def _rate(rates, name):
    if name not in rates:
        return "-"
    median, low, high = rates[name]
    return f"{median:,.0f} ({low:,.0f}-{high:,.0f})"


def _verdict(workload, vs_torch, vs_numpy, gemm_share):
    need_torch, need_numpy = TARGETS.get(workload, (None, None))
    checks = [(vs_torch, need_torch), (vs_numpy, need_numpy),
              (gemm_share, GEMM_SHARE_TARGETS.get(workload))]
    checks = [(got, need) for got, need in checks if need is not None and got is not None]
    if not checks:
        return "-"
    return "met" if all(got >= need for got, need in checks) else "missed"


def table(report):
    gemm = report["gemm_gflops"]
    lines = [f"### {report['threads']} thread(s)", "",
             (f"BLAS GEMM (NumPy float32 1024^3), measured in every process: median "
              f"{gemm:.0f} GFLOP/s (range {report['gemm_gflops_range'][0]:.0f}-"
              f"{report['gemm_gflops_range'][1]:.0f}). The % column is nnkit's GFLOP/s as a "
              "share of that rate, the limit for matmul-bound steps."), "",
             ("| workload | nnkit samples/s | PyTorch | NumPy | nnkit/PyTorch | nnkit/NumPy "
              "| nnkit GFLOP/s (% of GEMM) | target |"),
             "|---|---|---|---|---|---|---|---|"]
    for workload, result in report["workloads"].items():
        rates = result["rates"]
        nnkit_rate = rates["nnkit"][0]
        vs_torch = nnkit_rate / rates["PyTorch"][0] if "PyTorch" in rates else None
        vs_numpy = nnkit_rate / rates["NumPy"][0] if "NumPy" in rates else None
        gflops = result["flops"] * nnkit_rate / result["batch"] / 1e9
        lines.append(f"| {workload} | {_rate(rates, 'nnkit')} | {_rate(rates, 'PyTorch')} | "
                     f"{_rate(rates, 'NumPy')} | {_ratio(nnkit_rate, rates.get('PyTorch', [0])[0])} | "
                     f"{_ratio(nnkit_rate, rates.get('NumPy', [0])[0])} | "
                     f"{gflops:.1f} ({100 * gflops / gemm:.0f}%) | "
                     f"{_verdict(workload, vs_torch, vs_numpy, gflops / gemm)} |")
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
              f"samples per second, median (range) over {args.rounds} rounds; in each round "
              "every contender runs in a fresh process of its own (order rotated), timing "
              f"one block of about {args.block_seconds} s per workload. GFLOP/s counts the "
              "matrix products of a step. The range shows how much figures moved between "
              "rounds on this machine."), "",
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
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--block-seconds", type=float, default=0.3)
    parser.add_argument("--skip-startup", action="store_true",
                        help="skip the import and compile-time measurements")
    parser.add_argument("--output", default=os.path.join(HERE, "RESULTS.md"))
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.block_seconds, args.skip_startup = 1, 0.01, True
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

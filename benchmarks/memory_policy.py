"""What nnkit's opt-in memory policy (nnkit/memory.py) costs and saves, each setting in its own process.

    python -m benchmarks.memory_policy            # CNN and Transformer steps, 1 thread

For each workload and setting (NNKIT_KEEP_FREED_MEMORY=0, glibc's default,
and =1, freed memory kept up to 256 MiB) a fresh process times training
steps and counts the page faults per step and the memory the process holds
(resident set size) after the steps. Prints a Markdown table.
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHILD = """
import os, resource, time, json, statistics
from benchmarks.workloads import WORKLOADS, nnkit_step
kind, spec, _ = WORKLOADS[{workload!r}]
step = nnkit_step(kind, spec)
for _ in range(3):
    step()
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
times, start_faults = [], faults()
for _ in range({steps}):
    t = time.perf_counter(); step(); times.append(time.perf_counter() - t)
with open("/proc/self/statm") as f:
    rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
print(json.dumps({{"ms": 1e3 * statistics.median(times), "faults": (faults() - start_faults) / {steps},
                  "rss_mib": rss / 2**20}}))
"""


def run(workload, keep, steps):
    env = {**os.environ, "NNKIT_KEEP_FREED_MEMORY": "1" if keep else "0",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", CHILD.format(workload=workload, steps=steps)],
                         capture_output=True, text=True, env=env, cwd=ROOT, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(workloads=("cnn_b64", "transformer_s64_b16"), rounds=3, steps=40):
    print("| workload | policy | step ms (median over rounds) | page faults per step | "
          "resident MiB after |")
    print("|---|---|---|---|---|")
    for workload in workloads:
        for keep in (False, True):
            results = [run(workload, keep, steps) for _ in range(rounds)]
            med = {k: sorted(r[k] for r in results)[rounds // 2] for k in results[0]}
            label = "kept (=1)" if keep else "glibc default (=0)"
            print(f"| {workload} | {label} | {med['ms']:.2f} | {med['faults']:.0f} | "
                  f"{med['rss_mib']:.0f} |", flush=True)


if __name__ == "__main__":
    main()

"""nnkit computes with the CPUs it is given, and set_num_threads sets Numba and BLAS at once."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from nnkit import threads

REPORT = """
import json, numba, nnkit
from threadpoolctl import threadpool_info
blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
print(json.dumps({"nnkit": nnkit.get_num_threads(), "numba": numba.get_num_threads(),
                  "blas": blas}))
"""


def _report(prefix=(), env=None, script=REPORT):
    environment = {k: v for k, v in os.environ.items() if k != "NNKIT_NUM_THREADS"}
    environment.update(env or {})
    result = subprocess.run([*prefix, sys.executable, "-c", script], capture_output=True,
                            text=True, env=environment, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


needs_two_cpus = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2,
                                    reason="needs a machine with at least two CPUs")


@needs_two_cpus
@pytest.mark.skipif(shutil.which("taskset") is None, reason="taskset (util-linux) is missing")
def test_a_process_pinned_to_one_cpu_computes_with_one_thread():
    report = _report(prefix=("taskset", "-c", "0"))
    assert report["nnkit"] == 1 and report["numba"] == 1
    assert report["blas"] and set(report["blas"]) == {1}


@needs_two_cpus
def test_without_limits_every_cpu_is_used():
    report = _report()
    cpus = len(os.sched_getaffinity(0))
    assert report["numba"] == cpus and max(report["blas"]) >= cpus


@needs_two_cpus
def test_set_num_threads_limits_numba_and_blas_together():
    script = REPORT.replace("import json, numba, nnkit", "import json, numba, nnkit\n"
                            "nnkit.set_num_threads(1)")
    report = _report(script=script)
    assert report == {"nnkit": 1, "numba": 1, "blas": [1] * len(report["blas"])}


def test_the_environment_variable_sets_the_threads_at_import():
    report = _report(env={"NNKIT_NUM_THREADS": "1"})
    assert report["nnkit"] == 1 and report["numba"] == 1 and set(report["blas"]) == {1}


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True, None])
def test_a_thread_count_that_is_not_a_positive_integer_is_named(bad):
    with pytest.raises(ValueError, match=f"Received: num_threads={bad!r}"):
        threads.set_num_threads(bad)


def test_a_bad_environment_variable_is_named():
    with pytest.raises(subprocess.CalledProcessError) as error:
        _report(env={"NNKIT_NUM_THREADS": "all"})
    assert "NNKIT_NUM_THREADS: expected a positive integer. Received: 'all'" in error.value.stderr


@pytest.mark.parametrize("files, quota", [
    ({"cpu.max": "150000 100000\n"}, 1.5),            # cgroup v2, one and a half CPUs
    ({"cpu.max": "max 100000\n"}, None),              # v2, no quota
    ({"cpu/cpu.cfs_quota_us": "100000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 1.0),  # v1
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
    ({}, None),                                       # no cgroup files at all
])
def test_the_cgroup_cpu_quota_is_read_in_both_cgroup_versions(tmp_path, files, quota):
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    assert threads._cgroup_quota(str(tmp_path)) == quota


def test_a_quota_below_the_affinity_caps_the_available_cpus(monkeypatch):
    monkeypatch.setattr(threads, "_cgroup_quota", lambda: 0.5)
    assert threads.available_cpus() == 1  # half a CPU still gets one thread
    monkeypatch.setattr(threads, "_cgroup_quota", lambda: None)
    assert threads.available_cpus() == len(os.sched_getaffinity(0))

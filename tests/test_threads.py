"""nnkit/threads.py: the CPUs a process is given bound its threads; set_num_threads limits both pools."""
import json
import os
import shutil
import subprocess
import sys

import pytest

REPORT = """
import json, nnkit, numba
from threadpoolctl import threadpool_info
{before}
print(json.dumps({{"nnkit": nnkit.get_num_threads(), "numba": numba.get_num_threads(),
    "blas": sorted({{p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}})}}))
"""


def _report(prefix=(), before="", **env):
    clean = {k: v for k, v in os.environ.items()
             if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                          "NUMBA_NUM_THREADS", "NNKIT_NUM_THREADS")}
    result = subprocess.run([*prefix, sys.executable, "-c", REPORT.format(before=before)],
                            capture_output=True, text=True, env={**clean, **env}, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not shutil.which("taskset") or (os.cpu_count() or 1) < 2,
                    reason="needs taskset and at least 2 cores")
def test_one_cpu_given_means_one_thread_for_numba_and_blas():
    report = _report(prefix=("taskset", "-c", "0"))
    assert report == {"nnkit": 1, "numba": 1, "blas": [1]}


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs at least 2 cores")
def test_set_num_threads_limits_blas_and_numba():
    report = _report(before="nnkit.set_num_threads(1)")
    assert report == {"nnkit": 1, "numba": 1, "blas": [1]}


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs at least 2 cores")
def test_environment_variable_chooses_the_threads():
    assert _report(NNKIT_NUM_THREADS="1")["blas"] == [1]


def test_bad_thread_counts_are_refused_with_the_value_received():
    import nnkit
    for bad in (0, -1, 1.5, "2", True):
        with pytest.raises(ValueError, match="Received"):
            nnkit.set_num_threads(bad)


def test_cgroup_quota_is_read(tmp_path):
    from nnkit.threads import _cgroup_cpus
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert _cgroup_cpus(str(tmp_path / "cpu.max")) == 2
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert _cgroup_cpus(str(tmp_path / "cpu.max")) is None

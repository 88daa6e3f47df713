"""nnkit/memory.py: freed memory stays in the process, so a training step's arrays cost no page faults."""
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the malloc settings exist in glibc only")

# three 8 MiB arrays made and freed again and again, as a training step makes its activations
SCRIPT = """
import resource
import numpy as np
import nnkit
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for i in range(20):
    if i == 10:
        start = faults()
    arrays = [np.ones(2 * 2**20, np.float32) for _ in range(3)]
    del arrays
print((faults() - start) / 10)
"""


def _faults_per_round(setting=None, script=SCRIPT):
    env = {k: v for k, v in os.environ.items() if k != "NNKIT_KEEP_FREED_MEMORY"}
    if setting is not None:
        env["NNKIT_KEEP_FREED_MEMORY"] = setting
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env, check=True)
    return float(result.stdout)


def test_importing_nnkit_leaves_malloc_alone():
    # a process-wide setting is never changed merely by an import: glibc hands the
    # freed 24 MiB back every round and the next round faults its pages in again
    assert _faults_per_round() > 500
    assert _faults_per_round("0") > 500


def test_the_environment_variable_keeps_freed_memory_for_the_next_step():
    assert _faults_per_round("1") < 20  # the 24 MiB are reused: (almost) no new pages


def test_the_call_keeps_freed_memory_for_the_next_step():
    script = SCRIPT.replace("import nnkit\n", "import nnkit\nassert nnkit.keep_freed_memory()\n")
    assert script != SCRIPT
    assert _faults_per_round(script=script) < 20


def test_a_bad_value_of_the_variable_is_named():
    env = {**os.environ, "NNKIT_KEEP_FREED_MEMORY": "yes"}
    result = subprocess.run([sys.executable, "-c", "import nnkit"], capture_output=True,
                            text=True, env=env, check=False)
    assert result.returncode != 0
    assert "NNKIT_KEEP_FREED_MEMORY: expected 0 or 1. Received: 'yes'" in result.stderr

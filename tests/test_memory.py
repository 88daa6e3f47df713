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


def _faults_per_round(keep):
    env = {k: v for k, v in os.environ.items() if k != "NNKIT_KEEP_FREED_MEMORY"}
    if keep is not None:
        env["NNKIT_KEEP_FREED_MEMORY"] = "1" if keep else "0"
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                            env=env, check=True)
    return float(result.stdout)


def test_opting_in_keeps_freed_memory_for_the_next_step():
    assert _faults_per_round(keep=True) < 20  # the 24 MiB are reused: (almost) no new pages


def test_importing_nnkit_leaves_malloc_alone_by_default():
    # a shared server wants idle kernels to hand memory back: glibc's own behaviour,
    # where the freed 24 MiB go back to the system and are faulted in again every round
    assert _faults_per_round(keep=None) > 500
    assert _faults_per_round(keep=False) > 500

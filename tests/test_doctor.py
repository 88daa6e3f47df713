"""`python -m nnkit doctor`, run the way a learner runs it: in a new process."""

import os
import shutil
import subprocess
import sys

import pytest

from nnkit.datasets import integrity


def doctor(*args, data_dir=None):
    env = dict(os.environ)
    env.pop("NNKIT_DATA_DIR", None)
    if data_dir is not None:
        env["NNKIT_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "nnkit", *args],
        check=False, capture_output=True, text=True, env=env, timeout=300,
    )


@pytest.fixture(scope="module")
def healthy():
    return doctor("doctor")


def test_doctor_passes_on_this_machine(healthy):
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "All checks passed" in healthy.stdout
    assert "FAIL" not in healthy.stdout


@pytest.mark.parametrize("expected", [
    "Python 3.", "numpy ", "numba ", "ipywidgets ", "matplotlib ", "ipympl ",
    "numba test kernel", "numba cache folder: ", "numba threading layer: ",
])
def test_doctor_reports_versions_and_numba(healthy, expected):
    assert expected in healthy.stdout


def test_doctor_checks_every_data_file(healthy):
    for name in integrity.MANIFEST:
        assert f"ok    data {name}" in healthy.stdout


def test_doctor_fails_on_a_corrupted_copy(tmp_path):
    # never touch the real files: corrupt a copy and point the doctor at it
    folder = tmp_path / "files"
    shutil.copytree(integrity.data_dir(), folder)
    broken = folder / "timeseries" / "airline-passengers.csv"
    broken.write_bytes(broken.read_bytes().replace(b"112", b"113", 1))
    (folder / "text" / "names.txt").unlink()
    result = doctor("doctor", data_dir=folder)
    assert result.returncode == 1, result.stdout
    out = result.stdout
    assert f"FAIL  data timeseries/airline-passengers.csv: data file is corrupt: {broken}" in out
    assert integrity.MANIFEST["timeseries/airline-passengers.csv"] in out
    assert integrity.sha256_of(broken) in out
    assert "FAIL  data text/names.txt: data file is missing" in out
    assert "2 data file(s) missing or corrupt" in out
    assert "fresh clone" in out
    assert "ok    data text/tinyshakespeare.txt" in out  # the others still pass


def test_no_command_prints_help_and_fails(capsys):
    from nnkit.__main__ import main

    assert main([]) == 2
    assert "doctor" in capsys.readouterr().out

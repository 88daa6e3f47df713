"""The benchmark suite runs end to end in quick mode and writes its table (no timing checks)."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not (ROOT / "benchmarks" / "run.py").exists(), reason="no benchmarks/")
def test_quick_benchmark_writes_a_table(tmp_path):
    output = tmp_path / "RESULTS.md"
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--workloads", "tiny_mlp_b1",
         "--output", str(output)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    text = output.read_text()
    assert "| workload | nnkit samples/s | PyTorch | NumPy |" in text
    row = next(line for line in text.splitlines() if line.startswith("| tiny_mlp_b1 |"))
    nnkit_rate = row.split("|")[2].strip().split(" ")[0]
    assert float(nnkit_rate.replace(",", "")) > 0  # a number was measured, whatever it is
    assert "load average" in text and "CPU:" in text
    assert "mlp_b64" not in text  # only the chosen workload ran

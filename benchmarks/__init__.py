"""nnkit's benchmark suite (issue 6): ``python -m benchmarks`` from the repository root."""

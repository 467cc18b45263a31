"""The benchmark's quick mode runs (CI checks that it runs, never a time)."""

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_quick_benchmark_runs(tmp_path):
    out = subprocess.run([sys.executable, "benchmarks/bench.py", "--quick", "--results",
                          str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    results = json.loads((tmp_path / "bench-quick.json").read_text())
    small = results["scales"]["30x7"]
    assert small["rows"] > 100 and small["ingest_ours"]["total"] > 0
    assert "overview_first" in small["pages"]

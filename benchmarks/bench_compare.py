"""Side by side: ingest and KPIs of one scale with two versions of the code.

    git worktree add /tmp/oldtree COMMIT
    python benchmarks/bench_compare.py 100000x10 /tmp/oldtree NAME

Each version's ``benchmarks/bench.py`` measures in its own child processes (its own
``analytics``), alternating before/after twice on the same generated file; the results go to
``benchmarks/results/NAME-SCALE.json``.
"""
import importlib.util
import json
import sys
import tempfile
from pathlib import Path


def load(root: str):
    spec = importlib.util.spec_from_file_location("bench_" + root.replace("/", "_"),
                                                  root + "/benchmarks/bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ROOT = str(Path(__file__).resolve().parent.parent)
new, old = load(ROOT), load(sys.argv[2])
work = Path(tempfile.mkdtemp(prefix="bench-compare-"))
scale = sys.argv[1]
members, years = new.SCALES[scale]
if not (work / f"{scale}.csv").exists():
    new.generate(members, years, work / f"{scale}.csv")
out = {}
for name, mod in (("before", old), ("after", new), ("before2", old), ("after2", new)):
    r = {"ingest": mod.measure("ingest_ours", scale, work, 1)}
    (work / f"{scale}-ingest.duckdb").replace(work / f"{scale}.duckdb")
    r["kpis"] = mod.measure("kpis_ours", scale, work, 3)
    out[name] = r
    print(name, json.dumps(r), flush=True)
result = Path(ROOT, "benchmarks", "results", f"{sys.argv[3]}-{scale}.json")
result.write_text(json.dumps(out, indent=2) + "\n")

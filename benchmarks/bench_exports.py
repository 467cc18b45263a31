"""Export timings: one chart per format with a warm kaleido server, and the report pack.

Run: .venv/bin/python benchmarks/bench_exports.py  (writes benchmarks/results/exports.json)
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics import charts, export, kpis, report  # noqa: E402
from analytics.filters import Filters  # noqa: E402
from analytics.ingest import load_demo  # noqa: E402
from analytics.store import Store  # noqa: E402


def timed(fn, repeat: int = 5) -> float:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main() -> None:
    store = Store(":memory:")
    load_demo(store)
    result = kpis.overview(store)
    ctx = report.context(store, Filters())
    fig = export.annotate(charts.stacked(result["by_sector"], "sector", "turnover_eur"), ctx, "EUR")
    t = time.perf_counter()
    export.render(fig, "png")
    cold = time.perf_counter() - t
    out = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
           "date": time.strftime("%Y-%m-%d"), "first_image_cold_s": round(cold, 3)}
    for fmt in ("png", "svg", "pdf"):
        out[f"one_chart_{fmt}_warm_s"] = round(timed(lambda fmt=fmt: export.render(fig, fmt)), 3)
    out["pack_15_charts_png_svg_pdf_s"] = round(timed(lambda: report.build_pack(store), 3), 2)
    out["pack_15_charts_png_only_s"] = round(timed(lambda: report.build_pack(store, formats=("png",)), 3), 2)
    target = Path(__file__).parent / "results" / "exports.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

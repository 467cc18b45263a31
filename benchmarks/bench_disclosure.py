"""Cost and usefulness of the protected publication (``make bench`` runs it).

- Cost: building the publication of a data version (all cells, primary rules, the LP
  audit by the outsider and by each member), against the KPI query of the Overview as the
  baseline run side by side, on the demo (30 members x 7 years), 100 x 10 and 1,000 x 20.
- Usefulness: on the demo, the share of the cells with members that a funder sees, per
  table (the cluster totals, each breakdown, ratios, decomposition parts), in both views.
  It reads only ``document.summary(role="funder")``, so the same script measures an older
  version of the product for a before/after comparison (``--share-only``).

Usage: python benchmarks/bench_disclosure.py [--quick] [--demo-only] [--share-only] [--cap S]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import document, kpis  # noqa: E402
from analytics.filters import Filters  # noqa: E402
from analytics.ingest import ingest_file, load_demo  # noqa: E402
from analytics.store import Store  # noqa: E402

SUMS = ("turnover_eur", "jobs", "export_turnover_eur", "rd_spend_eur", "rd_jobs", "training_hours",
        "collaborative_projects")
RATIOS = ("turnover_per_job", "export_share", "rd_intensity")
TABLES = ("by_year", "by_member_type", "by_sector", "by_sector_group", "by_area")


def share_published(store: Store) -> dict:
    """Cells with a value for the manager, and how many of them a funder sees."""
    out = {}
    for estimated in (False, True):
        filters = Filters(estimated=estimated)
        manager, funder = document.summary(store, filters), document.summary(store, filters, role="funder")
        view = "estimated" if estimated else "reported"
        for table in TABLES:
            for kind, fields in (("sums", SUMS), ("ratios", RATIOS)):
                total = shown = 0
                for m_row, f_row in zip(manager[table], funder[table], strict=True):
                    for f in fields:
                        if m_row.get(f) is not None:
                            total += 1
                            shown += f_row.get(f) is not None
                out[f"{view} {table} {kind}"] = [shown, total]
        for part in ("like_for_like", "joiners", "leavers", "reporting_changes", "change",
                     "like_for_like_rate"):
            total = shown = 0
            for measure in ("turnover_eur", "jobs"):
                for m_a, f_a in zip(manager["decomposition"][measure]["annual"],
                                    funder["decomposition"][measure]["annual"], strict=True):
                    if m_a.get(part) is not None:
                        total += 1
                        shown += f_a.get(part) is not None
            out[f"{view} annual decomposition {part}"] = [shown, total]
    return out


def timed(fn, reps: int = 3) -> float:
    best = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        best.append(time.perf_counter() - start)
    return sorted(best)[len(best) // 2]


def cost(store: Store, reps: int, insiders: bool) -> dict:
    from analytics import publication

    out = {"kpi_query_s": timed(lambda: kpis.overview(store, Filters()), reps)}
    pub = None

    def build(intruders: bool):
        nonlocal pub
        pub = publication.build(store, intruders=intruders)

    out["publication_outsider_s"] = timed(lambda: build(False), reps)
    if insiders:
        out["publication_with_members_s"] = timed(lambda: build(True), 1)
    out["cells"] = publication.describe(pub)
    out["ratio_outsider_to_kpi_query"] = out["publication_outsider_s"] / out["kpi_query_s"]
    if insiders:
        out["ratio_with_members_to_kpi_query"] = out["publication_with_members_s"] / out["kpi_query_s"]
    if not insiders:
        return out  # a read builds the publication with the members' audit: not asked for
    with store.transaction() as con:
        con.execute("DELETE FROM publication_cache")
    publication._cache.clear()
    start = time.perf_counter()
    publication.get(store)  # builds it and stores it in the database
    out["first_read_s"] = time.perf_counter() - start
    publication._cache.clear()
    start = time.perf_counter()
    publication.get(store)
    out["later_process_read_s"] = time.perf_counter() - start  # from the database
    return out


def _generated(work: Path, members: int, years: int) -> Store:
    """A database with bench.py's synthetic cluster (the demo's shape at any scale)."""
    from bench import generate

    store = Store(work / f"{members}x{years}.duckdb")
    generate(members, years, work / f"{members}x{years}.csv")
    ingest_file(work / f"{members}x{years}.csv", store, user="bench")
    return store


def at_scale(work: Path, cap: float, members: bool) -> dict:
    """1,000 members x 20 years, in a child process stopped after ``cap`` seconds."""
    import subprocess

    _generated(work, 1000, 20)
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); from bench_disclosure import cost; "
            "from analytics.store import Store; "
            "print(json.dumps(cost(Store(sys.argv[2]), 1, insiders=sys.argv[3] == '1')))")
    try:
        run = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent),
                              str(work / "1000x20.duckdb"), "1" if members else "0"],
                             capture_output=True, text=True, timeout=cap, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"1000x20_note": f"At 1,000 x 20 the audit did not finish within {cap:.0f} s "
                                f"({'with' if members else 'without'} the members' audit)."}
    if run.returncode != 0:
        return {"1000x20_note": f"At 1,000 x 20 the build failed: {run.stderr[-500:]}"}
    return {"1000x20": json.loads(run.stdout.strip().splitlines()[-1])}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="demo only, one repetition")
    parser.add_argument("--share-only", action="store_true")
    parser.add_argument("--results", default=str(ROOT / "benchmarks" / "results"))
    parser.add_argument("--demo-only", action="store_true",
                        help="measure the demo and 100 x 10, keep the last 1,000 x 20 result")
    parser.add_argument("--cap", type=float, default=1800, help="seconds allowed at 1,000 x 20")
    parser.add_argument("--members-at-scale", action="store_true",
                        help="also the audit by each of the 1,000 members (long)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-sdc-"))
    demo = Store(work / "demo.duckdb")
    load_demo(demo)
    result: dict = {"machine": f"{platform.python_version()} {platform.platform()}",
                    "demo_share_published": share_published(demo)}
    if not args.share_only:
        reps = 1 if args.quick else 3
        result["demo"] = cost(demo, reps, insiders=True)
        if not args.quick:
            result["100x10"] = cost(_generated(work, 100, 10), 1, insiders=False)
        if args.demo_only:  # keep the last measurement at 1,000 x 20
            previous = json.loads((Path(args.results) / "disclosure.json").read_text())
            result.update({k: v for k, v in previous.items() if k.startswith("1000x20")})
        elif not args.quick:
            result.update(at_scale(work, args.cap, args.members_at_scale))
    name = "disclosure-quick.json" if args.quick else "disclosure.json"
    Path(args.results).mkdir(parents=True, exist_ok=True)
    (Path(args.results) / name).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()

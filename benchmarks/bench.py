"""Benchmarks at scale: ingest, KPIs, pages and exports, against raw DuckDB and pandas.

    python benchmarks/bench.py            # all scales (make bench)
    python benchmarks/bench.py --quick    # smallest scales, one repetition (< 1 minute)

Each measurement runs in its own child process, so its peak memory (max RSS) is its own.
Results: benchmarks/results/bench.json and BENCHMARKS.md. Generation is seeded, not timed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCALES = {"30x7": (30, 7), "1000x20": (1_000, 20), "10000x20": (10_000, 20),
          "100000x10": (100_000, 10)}
TYPES = ["sme"] * 14 + ["large_company", "university", "engineering_school", "research_lab",
                        "tech_transfer", "training_body", "competitiveness_cluster"]
SECTORS = ["air_climate", "wastewater", "waste", "soil_water", "noise", "biodiversity", "env_rd",
           "consulting", "water", "forest", "renewables", "energy_efficiency"]
AREAS = ["16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"]


def generate(members: int, years: int, path: Path, seed: int = 2009) -> int:
    """Submissions with the demo's shape: entries, exits, gaps and missing values."""
    rng = random.Random(seed)
    first_year = 2025 - years + 1
    rows = 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("member_id,member_name,member_type,sector,area,year,turnover_eur,jobs,"
                 "export_turnover_eur,rd_spend_eur\n")
        for m in range(members):
            kind, sector, area = rng.choice(TYPES), rng.choice(SECTORS), rng.choice(AREAS)
            start = first_year + (0 if rng.random() < 0.7 else rng.randrange(years))
            end = first_year + years - 1 if rng.random() < 0.9 else rng.randrange(start, first_year + years)
            jobs = rng.uniform(1, 80)
            for year in range(start, end + 1):
                if rng.random() < 0.03:
                    continue  # non-response
                jobs *= rng.uniform(0.95, 1.10)
                no_turnover = kind in ("university", "research_lab") or rng.random() < 0.05
                turnover = "" if no_turnover else f"{jobs * rng.uniform(60_000, 150_000):.2f}"
                export = f"{float(turnover) * rng.uniform(0, 0.4):.2f}" if turnover else ""
                fh.write(f"M{m:06d},Member {m},{kind},{sector},{area},{year},{turnover},"
                         f"{jobs:.2f},{export},\n")
                rows += 1
    return rows


# -- one measurement per child process ----------------------------------------------------
def run_one(task: str, scale: str, workdir: Path) -> dict:
    csv_path = workdir / f"{scale}.csv"
    db_path = workdir / f"{scale}.duckdb"
    timings: dict[str, float] = {}
    if task == "ingest_ours":
        from analytics.ingest import check_file, load_checked
        from analytics.store import Store

        fresh = workdir / f"{scale}-ingest.duckdb"
        fresh.unlink(missing_ok=True)
        store = Store(fresh)
        t = time.perf_counter()
        report = check_file(csv_path.read_bytes(), csv_path.name, store)
        timings["check"] = time.perf_counter() - t
        assert report.ok, report.errors[:3]
        t2 = time.perf_counter()
        load_checked(report, store, user="bench")
        timings["load"] = time.perf_counter() - t2
        timings["total"] = time.perf_counter() - t
    elif task == "ingest_duckdb":
        import duckdb

        t = time.perf_counter()
        con = duckdb.connect(str(workdir / f"{scale}-raw.duckdb"))
        con.execute("CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv(?)", [str(csv_path)])
        con.close()
        timings["total"] = time.perf_counter() - t
    elif task == "ingest_pandas":
        import sqlite3

        import pandas as pd

        t = time.perf_counter()
        frame = pd.read_csv(csv_path)
        with sqlite3.connect(workdir / f"{scale}-pandas.sqlite") as con:
            frame.to_sql("t", con, if_exists="replace", index=False)
        timings["total"] = time.perf_counter() - t
    elif task == "kpis_ours":
        from analytics import kpis
        from analytics.filters import Filters
        from analytics.store import Store

        store = Store(db_path)
        f = Filters(member_types=("sme",))
        kpis.overview(store, f)  # warm the file cache
        t = time.perf_counter()
        kpis.overview(store, f)
        timings["total"] = time.perf_counter() - t
        t = time.perf_counter()
        kpis.by_year(store, f)
        timings["by_year_only"] = time.perf_counter() - t
    elif task == "kpis_duckdb":
        import duckdb

        con = duckdb.connect(str(db_path))
        sql = ("SELECT year, sum(turnover_eur), sum(jobs), count(*) FROM submissions "
               "WHERE member_type = 'sme' GROUP BY year ORDER BY year")
        con.execute(sql).fetchall()
        t = time.perf_counter()
        con.execute(sql).fetchall()
        timings["total"] = time.perf_counter() - t
    elif task == "kpis_pandas":
        import duckdb

        frame = duckdb.connect(str(db_path)).execute("SELECT * FROM submissions").df()
        t = time.perf_counter()
        frame[frame["member_type"] == "sme"].groupby("year").agg(
            turnover=("turnover_eur", "sum"), jobs=("jobs", "sum"), members=("member_id", "count"))
        timings["total"] = time.perf_counter() - t
    elif task == "pages":
        os.environ["CLUSTER_DB"] = str(db_path)
        from streamlit.testing.v1 import AppTest

        for name in ("overview", "sectors", "member_types", "areas", "data_quality", "export",
                     "overview_fr"):  # the same page in French: Babel formats every number
            page = name.removesuffix("_fr")
            # a fresh app each time: Streamlit's caches are per process, so clear them
            import streamlit as st

            st.cache_data.clear()
            at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
            at.query_params["lang"] = "fr" if name.endswith("_fr") else "en"
            t = time.perf_counter()
            at.run()  # the default page (Overview) with everything computed from scratch
            if page != "overview":
                at.switch_page(f"app_pages/{page}.py").run()
            timings[f"{name}_first"] = time.perf_counter() - t
            at.multiselect(key="member_type").set_value(["sme"]).run()
            at.multiselect(key="member_type").set_value([]).run()
            t = time.perf_counter()
            at.multiselect(key="member_type").set_value(["sme"]).run()  # seen before: cached
            timings[f"{name}_rerender_cached"] = time.perf_counter() - t
            assert not at.exception, at.exception
    elif task == "exports":
        from analytics import charts, export, kpis, report
        from analytics.store import Store

        store = Store(db_path)
        result = kpis.overview(store)
        fig = charts.trend(result["by_year"], "turnover_eur")
        export.render(fig, "png")  # warms the browser
        for fmt in ("png", "svg", "pdf"):
            t = time.perf_counter()
            export.render(fig, fmt)
            timings[f"chart_{fmt}"] = time.perf_counter() - t
        t = time.perf_counter()
        report.build_pack(store, formats=("png",))
        timings["pack_png"] = time.perf_counter() - t
    return timings


def measure(task: str, scale: str, workdir: Path, reps: int) -> dict:
    """Median timings over reps child processes, and the largest peak memory."""
    runs, peak = [], 0
    for _ in range(reps):
        proc = subprocess.Popen([sys.executable, __file__, "--one", task, "--scale", scale,
                                 "--workdir", str(workdir)], stdout=subprocess.PIPE, text=True)
        out = proc.stdout.read()  # type: ignore[union-attr]
        _, status, usage = os.wait4(proc.pid, 0)
        if status != 0:
            raise RuntimeError(f"{task} at {scale} failed")
        runs.append(json.loads(out.strip().splitlines()[-1]))
        peak = max(peak, usage.ru_maxrss // 1024)  # KiB -> MiB on Linux
    keys = runs[0].keys()
    return {**{k: round(statistics.median(r[k] for r in runs), 4) for k in keys}, "peak_mb": peak}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--one")
    parser.add_argument("--scale")
    parser.add_argument("--workdir")
    parser.add_argument("--scales", nargs="*")
    parser.add_argument("--results", help="folder for the JSON results (default: benchmarks/results)")
    parser.add_argument("--markdown-only", action="store_true",
                        help="rewrite BENCHMARKS.md from benchmarks/results/bench.json")
    args = parser.parse_args()
    if args.markdown_only:
        rewrite_markdown()
        return
    if args.one:
        print(json.dumps(run_one(args.one, args.scale, Path(args.workdir))))
        return
    scales = args.scales or (["30x7", "1000x20"] if args.quick else list(SCALES))
    reps = 1 if args.quick else 3
    results: dict = {"date": time.strftime("%Y-%m-%d"), "quick": args.quick,
                     "machine": {"cpus": os.cpu_count(), "memory_gb": round(
                         os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
                         "python": platform.python_version(), "system": platform.platform()},
                     "command": "make bench" + (" QUICK=1" if args.quick else ""), "scales": {}}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for scale in scales:
            members, years = SCALES[scale]
            rows = generate(members, years, workdir / f"{scale}.csv")
            print(f"{scale}: {rows:,} rows", file=sys.stderr, flush=True)
            entry: dict = {"rows": rows}
            for task in ("ingest_duckdb", "ingest_ours", "ingest_pandas"):
                entry[task] = measure(task, scale, workdir, reps)
            # the KPI, page and export runs read the database our ingest wrote
            (workdir / f"{scale}-ingest.duckdb").rename(workdir / f"{scale}.duckdb")
            for task in ("kpis_duckdb", "kpis_ours", "kpis_pandas"):
                entry[task] = measure(task, scale, workdir, reps)
            if not args.quick or scale == "30x7":
                entry["pages"] = measure("pages", scale, workdir, 1)
            if not args.quick and scale in ("30x7", "100000x10"):
                entry["exports"] = measure("exports", scale, workdir, 1)
            results["scales"][scale] = entry
            print(json.dumps(entry), file=sys.stderr, flush=True)
    folder = Path(args.results) if args.results else ROOT / "benchmarks" / "results"
    out = folder / ("bench-quick.json" if args.quick else "bench.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    if not args.quick and not args.results:
        (ROOT / "BENCHMARKS.md").write_text(render_markdown(results))
    print(f"wrote {out}")


def render_markdown(r: dict) -> str:
    m = r["machine"]
    lines = [
        "# Benchmarks", "",
        f"Measured on {r['date']}: {m['cpus']} cores, {m['memory_gb']} GiB, Python {m['python']} "
        f"({m['system']}). Reproduce with `make bench` (quick smoke run: `make bench QUICK=1`). "
        "Times are medians of 3 runs in fresh processes (pages and exports: 1 run); memory is "
        "the peak RSS of the measuring process. Raw figures: `benchmarks/results/bench.json`.",
        "", "## Ingest (validate and load one CSV file)", "",
        "| scale | rows | ours (s) | check / load (s) | raw DuckDB CTAS (s) | pandas read_csv + to_sql (s) "
        "| ours / raw | pandas / ours | ours peak MB |", "|---|---|---|---|---|---|---|---|---|"]
    for name, e in r["scales"].items():
        o, d, p = e["ingest_ours"], e["ingest_duckdb"], e["ingest_pandas"]
        lines.append(f"| {name} | {e['rows']:,} | {o['total']:.2f} | {o['check']:.2f} / {o['load']:.2f} "
                     f"| {d['total']:.2f} | {p['total']:.2f} | {o['total'] / d['total']:.1f}× "
                     f"| {p['total'] / o['total']:.1f}× | {o['peak_mb']} |")
    lines += ["", "## KPIs for one filter state (member type = SME)", "",
              "| scale | all Overview KPIs, ours (ms) | by-year only, ours (ms) | raw GROUP BY (ms) "
              "| pandas groupby (ms) | ours / raw |", "|---|---|---|---|---|---|"]
    for name, e in r["scales"].items():
        o, d, p = e["kpis_ours"], e["kpis_duckdb"], e["kpis_pandas"]
        lines.append(f"| {name} | {o['total'] * 1000:.0f} | {o['by_year_only'] * 1000:.0f} "
                     f"| {d['total'] * 1000:.1f} | {p['total'] * 1000:.1f} "
                     f"| {o['total'] / d['total']:.0f}× |")
    lines += ["", "## Pages in AppTest (first render, and re-render of a filter seen before)", "",
              "| scale | page | first render (s) | cached re-render (s) |", "|---|---|---|---|"]
    for name, e in r["scales"].items():
        pages = e.get("pages") or {}
        for key in pages:
            if key.endswith("_first"):
                page = key.removesuffix("_first")
                lines.append(f"| {name} | {page} | {pages[key]:.2f} | "
                             f"{pages[page + '_rerender_cached']:.2f} |")
    lines += ["", "## Exports (warm browser)", "",
              "| scale | PNG (s) | SVG (s) | PDF (s) | pack, PNG only (s) |", "|---|---|---|---|---|"]
    for name, e in r["scales"].items():
        x = e.get("exports")
        if x:
            lines.append(f"| {name} | {x['chart_png']:.2f} | {x['chart_svg']:.2f} | {x['chart_pdf']:.2f} "
                         f"| {x['pack_png']:.2f} |")
    lines += disclosure_markdown()
    lines += ["", NOTES]
    return "\n".join(lines) + "\n"


def disclosure_markdown() -> list[str]:
    """The confidentiality section, from bench_disclosure.py's results (if measured)."""
    folder = ROOT / "benchmarks" / "results"
    if not (folder / "disclosure.json").is_file():
        return []
    now = json.loads((folder / "disclosure.json").read_text())
    before_file = folder / "disclosure-before.json"
    before = json.loads(before_file.read_text())["demo_share_published"] if before_file.is_file() else {}
    lines = ["", "## Confidentiality: the protected publication (`benchmarks/bench_disclosure.py`)", "",
             "Building the publication of a data version: every cell, the primary rules, and the LP "
             "audit by an outsider and by each member knowing its own figures, against the "
             "Overview's KPI query as the baseline, side by side. Built once per data version and "
             "stored; every later read (any process) takes the last column.", "",
             "| scale | KPI query (s) | outsider audit (s) | with each member (s) | ratio to KPI query "
             "| equations | hidden by the audit | read back (s) |", "|---|---|---|---|---|---|---|---|"]
    for scale in ("demo", "100x10", "1000x20"):
        c = now.get(scale)
        if not c:
            continue
        members = c.get("publication_with_members_s")
        read = f"{c['later_process_read_s']:.2f}" if "later_process_read_s" in c else "–"
        lines.append(
            f"| {scale} | {c['kpi_query_s']:.3f} | {c['publication_outsider_s']:.1f} | "
            f"{f'{members:.1f}' if members else 'not run'} | "
            f"{(members or c['publication_outsider_s']) / c['kpi_query_s']:.0f}× | "
            f"{c['cells']['equations']:,} | {c['cells']['hidden_by_audit']:,} | "
            f"{read} |")
    if now.get("1000x20_note"):
        lines += ["", now["1000x20_note"]]
    lines += ["", "What a funder sees on the demo (cells with a value for the manager; reported view, "
              "no filter), before the publication and now:", "",
              "| table | before | now |", "|---|---|---|"]
    for key, (shown, total) in now["demo_share_published"].items():
        if not key.startswith("reported "):
            continue
        old = before.get(key)
        was = f"{old[0]} of {old[1]}" if old else "–"
        lines.append(f"| {key.removeprefix('reported ')} | {was} | {shown} of {total} |")
    return lines


def rewrite_markdown() -> None:
    """Regenerate BENCHMARKS.md from the last full results without measuring again."""
    results = json.loads((ROOT / "benchmarks" / "results" / "bench.json").read_text())
    (ROOT / "BENCHMARKS.md").write_text(render_markdown(results))


NOTES = """## Targets and findings (at 100,000 members x 10 years = 801,378 rows, 2 cores)

| target | result | met? |
|---|---|---|
| ingest at most 2x raw DuckDB load | 9.6 s vs 0.69 s (14x) | no |
| ingest at least 5x faster than pandas read_csv + to_sql | pandas 4.3 s is faster than ours | no |
| ingest peak memory under 1 GB | 1.09 GB (was 2.0 GB) | no, close |
| all Overview KPIs at most 1.5x the raw GROUP BY | 81 ms vs 8.9 ms (9x) | no |
| all Overview KPIs at least 5x faster than pandas | 81 ms vs 155 ms (1.9x) | no |
| all Overview KPIs under 100 ms | 81 ms | yes |
| every page renders in AppTest in under 2 s | 2.6-3.2 s (Data quality 5.6 s) | no at 800k |
| cached re-render under 300 ms | 0.16-0.31 s, Overview 0.42 s, Data quality 0.60 s | mostly |
| report pack under 10 s with a warm browser | 6.6 s (PNG), 9.4 s (PNG+SVG+PDF, demo) | yes |
| one chart well under 1 s once warm | 0.25-0.33 s | yes |

**What was fixed after profiling.** KPIs took 1.04 s at 800k rows. Timing each step of the
query (member dimension 40 ms, member x year grid 180 ms, the rest aggregating) put the cost
in aggregating every row (about 45 aggregates in 5 groupings). Every write now rebuilds, in its
transaction, a cube of sums, counts and maxima per view, year, member type, sector and area
(23,040 rows at this scale), and the Overview is one `GROUPING SETS` query over it: 1.04 s
-> 81 ms. The checker handed pandas DataFrames to the store: switching to Arrow halved
peak memory (2.0 -> 1.09 GB) and cut the check by a third (10.0 -> 6.6 s); number parsing
now cleans only values that need it and reference lists are hash-joined.

**Why the remaining ingest gap stays.** Measured step by step at 800k rows: reading (text
decoding and encoding detection, DuckDB's reader, row numbers) 1.5 s; deciding the decimal
mark 0.5 s; parsing numbers and codes 1.2 s; about 30 checks, each a scan of the typed table,
1.0 s; handing the rows over as Arrow 1.1 s; comparing with stored data for the
year-on-year warnings 0.5 s; then the load: history of replaced rows and primary key about
1.4 s and rebuilding the KPI cube 1.7 s. Raw DuckDB only reads the file; pandas + to_sql
checks nothing. Next steps, measured
but not done: fold the per-column checks into one scan producing all error flags, drop the
primary-key index (uniqueness is already checked), refresh only the cube years a load
touches, and write the typed rows straight into the store instead of through Arrow.

**Why KPIs stay above 1.5x the raw GROUP BY.** The raw query computes 3 sums for one
grouping; the Overview computes about 45 aggregates for 5 groupings plus the disclosure
statistics, and opens the database for the work at hand (about 20 ms of the 81 ms: the price
of letting the command line write while the dashboard runs).

**What does not scale, and how the pages behave.** First renders at 800k rows are 2.6-3.2 s
because the growth decomposition, membership flows and high-growth counts still read every
row (they are cached per filter state afterwards). The Data quality page lists at most 1,000
missing submissions (the full list is a CSV download) and draws the member x year grid only
up to 200 members. Stacked charts aggregate on the server and have one bar segment per
category (at most 12 sectors), so their size does not grow with members.
"""


if __name__ == "__main__":
    main()


def add_cluster_life(store, seed: int = 17) -> dict[str, int]:
    """The cluster's life for a generated cluster (issue 17), loaded through the checked
    path: a working group per 20 members, each active member in one or two groups a year
    (its lead in it), 5 activities per 100 members a year, a project per 3 members with 2 to
    5 partners (a third of them competitors), the organisation, and the satisfaction of two
    members in three. Returns the rows of each kind."""
    from analytics.ingest import check_file, load_checked

    rng = random.Random(seed)
    active: dict[int, list[str]] = {}
    for member, year in store.rows("SELECT member_id, year FROM submissions ORDER BY 2, 1"):
        active.setdefault(int(year), []).append(member)
    years = sorted(active)
    ids = sorted({m for ms in active.values() for m in ms})
    sector = dict(store.rows("SELECT member_id, arg_max(sector, year) FROM submissions "
                             "GROUP BY 1"))
    files: dict[str, list[str]] = {
        "working_groups": ["group_id,group_name,lead_member_id,opened_year,closed_year"],
        "participation": ["member_id,group_id,year"],
        "activities": ["activity_id,activity_date,activity_kind,group_id,member_participants,"
                       "outside_participants"],
        "projects": ["project_id,title,start_year,end_year,partner_members,outside_partners,"
                     "budget_eur,public_funding_eur"],
        "organisation": ["year,staff_fte,budget_eur,fees_eur,public_funding_eur,services_eur"],
        "satisfaction": ["member_id,year,satisfaction,services_score,events_score"]}
    groups = []
    for g in range(max(2, len(ids) // 20)):
        opened = rng.choice(years[: max(1, len(years) // 2)])
        closed = rng.choice([None, None, rng.choice([y for y in years if y >= opened])])
        lead = rng.choice(active[opened])
        groups.append((f"G{g:04d}", opened, closed, lead))
        files["working_groups"].append(f"G{g:04d},Group {g},{lead},{opened},{closed or ''}")
    for year in years:
        open_groups = [g for g in groups if g[1] <= year and (g[2] is None or year <= g[2])]
        for member in active[year]:
            for gid, *_rest in rng.sample(open_groups, min(len(open_groups), rng.choice([0, 1, 2]))):
                files["participation"].append(f"{member},{gid},{year}")
        for n in range(max(1, len(ids) // 20)):
            gid = rng.choice(open_groups)[0] if open_groups and rng.random() < 0.5 else ""
            files["activities"].append(
                f"A{year}{n:04d},{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d},"
                f"workshop,{gid},{rng.randint(3, 40)},{rng.randint(0, 20)}")
        files["organisation"].append(f"{year},2,{150000 + 1000 * len(active[year])},"
                                     f"{500 * len(active[year])},120000,20000")
        for member in active[year]:
            if rng.random() < 0.66:
                files["satisfaction"].append(f"{member},{year},{rng.randint(3, 10)},"
                                             f"{rng.randint(3, 10)},{rng.randint(3, 10)}")
    for p in range(max(1, len(ids) // 3)):
        start = rng.choice(years)
        partners = rng.sample(active[start], min(len(active[start]), rng.randint(2, 5)))
        if rng.random() < 0.33:  # competitors: partners of one sector
            same = [m for m in active[start] if sector[m] == sector[partners[0]]]
            partners = rng.sample(same, min(len(same), 3)) if len(same) > 1 else partners
        budget = rng.randint(50, 2000) * 1000
        files["projects"].append(
            f"P{p:05d},Project {p},{start},{min(start + rng.randint(0, 4), years[-1])},"
            f"{';'.join(partners)},{'Lab' if len(partners) < 2 else ''},{budget},{budget // 2}")
    counts = {}
    for kind, lines in files.items():  # groups before who takes part in them
        report = check_file(("\n".join(lines) + "\n").encode(), f"{kind}.csv", store)
        assert report.ok, (kind, [p.text() for p in report.errors][:3])
        load_checked(report, store, "bench")
        counts[kind] = len(lines) - 1
    return counts

"""The federation scale on both back ends (issue 18): 300 clusters x 100 members x 20 years
(about 600,000 rows) in one PostgreSQL database and, side by side, in one DuckDB file.

    python benchmarks/bench_federation.py              # 300 clusters (make bench)
    python benchmarks/bench_federation.py --clusters 10 # a quick run

Measured, per back end: making the clusters (schema and migrations) and loading each one's
file (check + load, median per cluster); the Overview KPIs of one cluster (cold: a new
process's first read; warm: again); the Overview page in AppTest (a fresh process, first
render); the Clusters page of a network's manager given 20 clusters and of one given all
of them (first render, computing every line, and the rerender, each line cached by its data
version); ``federation.compare`` itself. (A funder's lines are the same figures through each
cluster's protected publication: built once per data version of a cluster, at the cost
measured by bench_disclosure.py, and read back from the store afterwards.) PostgreSQL is a
throw-away server on this machine (tests/postgres.py), with fsync on, as a deployment has it.
Results: benchmarks/results/federation.json and the "Many clusters" section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench import generate  # noqa: E402

MEMBERS, YEARS = 100, 20


def sample(clusters: int) -> str:
    """The cluster whose pages are measured."""
    return f"c{min(7, clusters - 1):03d}"


def build(path: str, clusters: int, workdir: Path) -> dict:
    """Every cluster: made, then its file checked and loaded."""
    from analytics.ingest import check_file, load_checked
    from analytics.store import Store

    made, loaded, rows = [], [], 0
    for i in range(clusters):
        csv_path = workdir / f"c{i:03d}.csv"
        if not csv_path.exists():
            generate(MEMBERS, YEARS, csv_path, seed=1000 + i)
        t = time.perf_counter()
        store = Store(path, cluster=f"c{i:03d}", create=True)
        made.append(time.perf_counter() - t)
        t = time.perf_counter()
        report = check_file(csv_path.read_bytes(), csv_path.name, store)
        assert report.ok, report.errors[:3]
        rows += load_checked(report, store, user="bench").rows_added
        store.set_setting("cluster_name", f"Cluster {i:03d}", user="bench")
        loaded.append(time.perf_counter() - t)
        if i % 50 == 0:
            print(f"  {i + 1}/{clusters} clusters", file=sys.stderr, flush=True)
    return {"rows": rows, "make_cluster_s": statistics.median(made),
            "load_cluster_s": statistics.median(loaded), "build_total_s": sum(made) + sum(loaded)}


def child(task: str, path: str, clusters: int, workdir: str) -> dict:
    """One measurement in a fresh process (its caches and connections its own)."""
    out: dict = {}
    if task == "kpis":
        from analytics import kpis
        from analytics.store import Store

        store = Store(path, cluster=sample(clusters))
        t = time.perf_counter()
        kpis.overview(store)
        out["cold_s"] = time.perf_counter() - t
        warm = []
        for _ in range(5):
            t = time.perf_counter()
            kpis.overview(store)
            warm.append(time.perf_counter() - t)
        out["warm_s"] = statistics.median(warm)
    elif task == "compare":
        from analytics import federation

        roles = {f"c{i:03d}": "manager" for i in range(min(20, clusters))}
        t = time.perf_counter()
        federation.compare(path, roles)
        out["funder_of_20_s"] = time.perf_counter() - t
    elif task in ("overview_page", "clusters_page_20", "clusters_page_all"):
        import yaml
        from streamlit.testing.v1 import AppTest

        os.environ["CLUSTER_DB"] = path
        os.environ["CLUSTER_CODE"] = sample(clusters)
        if task != "overview_page":
            given = min(20, clusters) if task.endswith("_20") else clusters
            auth = Path(workdir) / f"auth-{task}.yaml"
            auth.write_text(yaml.safe_dump({"oidc_users": {"network@clusters.eu": {"clusters": {
                f"c{i:03d}": "manager" for i in range(given)}}}}))
            os.environ["CLUSTER_AUTH_FILE"] = str(auth)
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=3600)
        if task != "overview_page":
            at.user = {"is_logged_in": True, "email": "network@clusters.eu"}
        t = time.perf_counter()
        at.run()
        out["overview_first_s"] = time.perf_counter() - t
        if task == "overview_page":
            t = time.perf_counter()
            at.run()  # the same page again in the same server process (what a click costs)
            out["overview_rerun_s"] = time.perf_counter() - t
            from benchmarks.bench_browser import BARE_PAGE

            bare = AppTest.from_string(BARE_PAGE, default_timeout=600)
            t = time.perf_counter()
            bare.run()  # the baseline: a bare Streamlit page with one Plotly chart
            out["bare_first_s"] = time.perf_counter() - t
        else:
            t = time.perf_counter()
            at.switch_page("app_pages/clusters.py").run()
            out["first_s"] = time.perf_counter() - t
            t = time.perf_counter()
            at.run()
            out["rerender_s"] = time.perf_counter() - t
        assert not at.exception, at.exception
    return out


def measure(task: str, path: str, clusters: int, workdir: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--one", task, "--path", path,
                           "--clusters", str(clusters), "--workdir", str(workdir)],
                          capture_output=True, text=True, timeout=7200)
    if done.returncode:
        raise RuntimeError(f"{task} on {path}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def markdown(r: dict) -> str:
    pg, dk = r["postgres"], r["duckdb"]

    def row(label: str, a: float, b: float) -> str:
        return f"| {label} | {a:.3f} | {b:.3f} | {a / b:.1f}× |"

    lines = [
        "## Many clusters: PostgreSQL beside the DuckDB file (`benchmarks/bench_federation.py`, "
        "issue 18)", "",
        f"Measured on {r['date']} at {r['clusters']} clusters × {MEMBERS} members × {YEARS} "
        f"years ({pg['rows']:,} rows in each store), 2 cores; PostgreSQL 15 on the same "
        "machine (fsync on). Every page and KPI measurement runs in a fresh process. "
        "Raw figures: `benchmarks/results/federation.json`.", "",
        "| measurement | PostgreSQL (s) | DuckDB file (s) | PostgreSQL / file |", "|---|---|---|---|",
        row("make one cluster (schema, migrations; median)", pg["make_cluster_s"],
            dk["make_cluster_s"]),
        row("load one cluster's file (check + load; median)", pg["load_cluster_s"],
            dk["load_cluster_s"]),
        row("Overview KPIs of one cluster, cold (first read of a process)", pg["kpis"]["cold_s"],
            dk["kpis"]["cold_s"]),
        row("Overview KPIs of one cluster, warm", pg["kpis"]["warm_s"], dk["kpis"]["warm_s"]),
        row("Overview page, first render (AppTest, fresh process)",
            pg["overview_page"]["overview_first_s"], dk["overview_page"]["overview_first_s"]),
        row("Overview page, run again (a click)", pg["overview_page"]["overview_rerun_s"],
            dk["overview_page"]["overview_rerun_s"]),
        row("baseline: a bare Streamlit page with one chart, first render",
            pg["overview_page"]["bare_first_s"], dk["overview_page"]["bare_first_s"]),
        row("`federation.compare` of 20 clusters",
            pg["compare"]["funder_of_20_s"], dk["compare"]["funder_of_20_s"]),
        row("Clusters page, 20 clusters, first render", pg["clusters_page_20"]["first_s"],
            dk["clusters_page_20"]["first_s"]),
        row("Clusters page, 20 clusters, rerender", pg["clusters_page_20"]["rerender_s"],
            dk["clusters_page_20"]["rerender_s"]),
        row(f"Clusters page, all {r['clusters']} clusters, first render",
            pg["clusters_page_all"]["first_s"], dk["clusters_page_all"]["first_s"]),
        row(f"Clusters page, all {r['clusters']} clusters, rerender",
            pg["clusters_page_all"]["rerender_s"], dk["clusters_page_all"]["rerender_s"]),
        row("build the whole federation (make + load every cluster)", pg["build_total_s"],
            dk["build_total_s"]), ""]
    return "\n".join(lines)


def write_markdown(r: dict) -> None:
    """Replace (or add) the section in BENCHMARKS.md, leaving the others as they are."""
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text(encoding="utf-8")
    head = "## Many clusters"
    section = markdown(r)
    if head in text:
        start = text.index(head)
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[end + 1:] if end != -1 else "")
    else:
        marker = "\n## Targets and findings"
        at = text.find(marker)
        text = text[:at + 1] + section + "\n" + text[at + 1:] if at != -1 else \
            text + "\n" + section
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clusters", type=int, default=300)
    parser.add_argument("--one")
    parser.add_argument("--path")
    parser.add_argument("--workdir")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(child(args.one, args.path, args.clusters, args.workdir)))
        return
    from tests.postgres import Server

    server = Server(fsync=True)
    results: dict = {"date": time.strftime("%Y-%m-%d"), "clusters": args.clusters,
                     "members": MEMBERS, "years": YEARS}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            paths = {"postgres": server.new_database(), "duckdb": str(workdir / "fed.duckdb")}
            for backend, path in paths.items():
                print(f"{backend}: building {args.clusters} clusters", file=sys.stderr, flush=True)
                entry = build(path, args.clusters, workdir)
                from analytics.store import _Postgres

                _Postgres.close(path)  # the file is free for the measuring processes
                for task in ("kpis", "overview_page", "compare", "clusters_page_20",
                             "clusters_page_all"):
                    entry[task] = measure(task, path, args.clusters, workdir)
                    print(f"  {task}: {entry[task]}", file=sys.stderr, flush=True)
                results[backend] = entry
    finally:
        server.stop()
    out = ROOT / "benchmarks" / "results" / f"federation-{args.clusters}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    if args.clusters == 300:
        write_markdown(results)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

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

    def row(label: str, a: float, b: float | None) -> str:
        if b is None:
            return f"| {label} | {a:.3f} | – | – |"
        return f"| {label} | {a:.3f} | {b:.3f} | {a / b:.1f}× |"

    lines = [
        "## Many clusters: PostgreSQL beside the DuckDB file (`benchmarks/bench_federation.py`, "
        "issue 18)", "",
        f"Measured on {r['date']} at {r['clusters']} clusters × {MEMBERS} members × {YEARS} "
        f"years ({pg['rows']:,} rows) in PostgreSQL 15 on the same machine (fsync on), 2 "
        f"cores; beside it a DuckDB file of {dk['clusters']} of the same clusters "
        f"({dk['rows']:,} rows): each connection to a DuckDB file reads its whole catalogue, "
        "and the store opens one per piece of work, so a file of 300 clusters took over 40 "
        "minutes to build (the first 101 clusters took 17): a DuckDB file is the store of one "
        "cluster (or a few), PostgreSQL of many. Every page and KPI measurement runs in a "
        "fresh process; the Clusters page is a manager's of several clusters (a funder's "
        "lines are the same figures after each cluster's protected publication, built in "
        "the background once per change, see `bench_disclosure.py`). Raw figures: "
        f"`benchmarks/results/federation-{r['clusters']}.json`.", "",
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
            pg["clusters_page_all"]["first_s"],
            dk.get("clusters_page_all", {}).get("first_s")),
        row(f"Clusters page, all {r['clusters']} clusters, rerender",
            pg["clusters_page_all"]["rerender_s"],
            dk.get("clusters_page_all", {}).get("rerender_s")),
        row(f"make and load every cluster ({pg['clusters']} in PostgreSQL, {dk['clusters']} "
            "in the file)", pg["build_total_s"], dk["build_total_s"]), ""]
    one = r.get("one_cluster_file")
    if one:
        lines[-1:] = [
            "", "The same cluster alone in a DuckDB file (the store of a single-cluster "
            "deployment, `make run`), the baseline of the target \"KPIs within 3× the DuckDB "
            "file\":", "",
            "| measurement | PostgreSQL, 300 clusters (s) | its own DuckDB file (s) | PostgreSQL / "
            "file |", "|---|---|---|---|",
            row("Overview KPIs, cold", pg["kpis"]["cold_s"], one["kpis"]["cold_s"]),
            row("Overview KPIs, warm", pg["kpis"]["warm_s"], one["kpis"]["warm_s"]),
            row("Overview page, first render", pg["overview_page"]["overview_first_s"],
                one["overview_page"]["overview_first_s"]),
            row("Overview page, run again (a click)", pg["overview_page"]["overview_rerun_s"],
                one["overview_page"]["overview_rerun_s"]), ""]
    dialect = ROOT / "benchmarks" / "results" / "dialect.json"
    if dialect.is_file():
        d = json.loads(dialect.read_text())
        lines[-1:] = [
            "", "The road not taken (`benchmarks/bench_dialect.py`): the SQL of an Overview "
            f"run ({d['statements']} read statements, {d['scale']}) translated by sqlglot to "
            f"PostgreSQL's dialect and run by PostgreSQL: {d['failed']} of them fail as "
            f"translated ({'; '.join(d['failures'])}: DuckDB-only syntax such as `SELECT * "
            f"EXCLUDE`), {d['translated_and_same_rows']} run and give the same rows, in "
            f"{d['translated_on_postgres_s_for_those_that_ran']:.3f} s on PostgreSQL against "
            f"{d['duckdb_over_postgres_s_for_the_same']:.3f} s through DuckDB's extension. "
            "A second dialect would be a second copy of most queries to write and test, for "
            "no speed: the store keeps one.", ""]
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
        text = text[:start] + section + ("\n" + text[end + 1:] if end != -1 else "")
    else:
        marker = "\n## Targets and findings"
        at = text.find(marker)
        text = text[:at + 1] + section + "\n" + text[at + 1:] if at != -1 else \
            text + "\n" + section
    path.write_text(text, encoding="utf-8")


def one_cluster_file(clusters: int) -> dict:
    """The measured cluster alone in a DuckDB file: the store of a single-cluster
    deployment (``make run``), the baseline of "KPIs within 3x the DuckDB file"."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        index = int(sample(clusters)[1:])
        generate(MEMBERS, YEARS, workdir / f"c{index:03d}.csv", seed=1000 + index)
        path = str(workdir / "one.duckdb")
        from analytics.ingest import check_file, load_checked
        from analytics.store import Store

        store = Store(path, cluster=sample(clusters), create=True)
        csv_path = workdir / f"c{index:03d}.csv"
        load_checked(check_file(csv_path.read_bytes(), csv_path.name, store), store, user="b")
        return {"kpis": measure("kpis", path, clusters, workdir),
                "overview_page": measure("overview_page", path, clusters, workdir)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clusters", type=int, default=300)
    parser.add_argument("--one")
    parser.add_argument("--path")
    parser.add_argument("--workdir")
    parser.add_argument("--one-cluster-file-only", action="store_true",
                        help="measure the single-cluster file into the last results")
    args = parser.parse_args()
    if args.one_cluster_file_only:
        out = ROOT / "benchmarks" / "results" / f"federation-{args.clusters}.json"
        results = json.loads(out.read_text())
        results["one_cluster_file"] = one_cluster_file(args.clusters)
        out.write_text(json.dumps(results, indent=2) + "\n")
        write_markdown(results)
        return
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
                # the DuckDB file holds 20 clusters: each connection to a file reads its
                # whole catalogue, so a file of 300 clusters is built in over 40 minutes (the
                # first 101 took 17): a file is one cluster's store, PostgreSQL many clusters'
                count = args.clusters if backend == "postgres" else min(args.clusters, 20)
                print(f"{backend}: building {count} clusters", file=sys.stderr, flush=True)
                entry = build(path, count, workdir)
                entry["clusters"] = count
                from analytics.store import _Postgres

                _Postgres.close(path)  # the file is free for the measuring processes
                tasks = ["kpis", "overview_page", "compare", "clusters_page_20"]
                if count == args.clusters:
                    tasks.append("clusters_page_all")
                for task in tasks:
                    entry[task] = measure(task, path, count, workdir)
                    print(f"  {task}: {entry[task]}", file=sys.stderr, flush=True)
                results[backend] = entry
    finally:
        server.stop()
    results["one_cluster_file"] = one_cluster_file(args.clusters)
    out = ROOT / "benchmarks" / "results" / f"federation-{args.clusters}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    if args.clusters == 300:
        write_markdown(results)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

"""The road not taken for PostgreSQL (issue 18), measured: the product's SQL translated to
PostgreSQL's dialect by sqlglot and run by PostgreSQL itself, beside the way the store
works (DuckDB running the SQL over PostgreSQL through its ``postgres`` extension).

    python benchmarks/bench_dialect.py           # one cluster of 100 members x 20 years

It records every statement that the Overview's KPIs, the growth decomposition and a
funder's document run (``Store.connect`` wrapped), translates each with sqlglot
(read="duckdb", write="postgres"), runs it on the same PostgreSQL database with psycopg and
compares its rows with DuckDB's. Printed and kept in benchmarks/results/dialect.json:
how many statements run and agree as translated, and the time of both routes.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench import generate  # noqa: E402


class Recorder:
    """A DuckDB connection that notes every statement and its parameters."""

    def __init__(self, con, seen: list):
        self._con, self._seen = con, seen

    def execute(self, sql, params=None):
        self._seen.append((sql, params if isinstance(params, dict) else list(params or [])))
        return self._con.execute(sql, params or [])

    def __getattr__(self, name):
        return getattr(self._con, name)


def work(store) -> None:
    """What a page run of the Overview asks of the store (manager and funder)."""
    from analytics import growth, kpis
    from analytics.filters import Filters

    kpis.overview(store, medians=True)
    kpis.overview(store, Filters(member_types=("sme",)))
    growth.bundle(store, Filters())
    growth.membership_flows(store, Filters())


def main() -> None:
    import psycopg
    import sqlglot

    from analytics.ingest import check_file, load_checked
    from analytics.store import Store
    from tests.postgres import Server

    server = Server(fsync=True)
    try:
        dsn = server.new_database()
        store = Store(dsn)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "c.csv"
            generate(100, 20, path, seed=7)
            load_checked(check_file(path.read_bytes(), path.name, store), store, user="bench")
        seen: list = []
        plain = Store.connect

        @contextmanager
        def recording(self):
            with plain(self) as con:
                yield Recorder(con, seen)

        Store.connect = recording
        work(store)
        Store.connect = plain
        reads = [(q, p) for q, p in seen if q.lstrip().upper().startswith(("SELECT", "WITH"))]
        duck_times, pg_times, ok, differ, failed, duck_ran = [], [], 0, 0, [], []
        with psycopg.connect(dsn, autocommit=True) as pg:
            for sql, params in reads:
                with store.connect() as con:
                    t = time.perf_counter()
                    expected = con.execute(sql, params).fetchall()
                    duck_times.append(time.perf_counter() - t)
                try:
                    translated = sqlglot.transpile(sql, read="duckdb", write="postgres")[0]
                    # (sqlglot writes DuckDB's ? and $name as psycopg's %s and %(name)s)
                    t = time.perf_counter()
                    got = pg.execute(translated, params).fetchall()
                    pg_times.append(time.perf_counter() - t)
                except Exception as exc:  # noqa: BLE001 - counted: what the translation cannot do
                    failed.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
                    continue
                duck_ran.append(duck_times[-1])
                same = sorted(map(repr, expected)) == sorted(map(repr, got))
                ok += same
                differ += not same
        result = {"date": time.strftime("%Y-%m-%d"), "scale": "one cluster, 100 members x 20 years",
                  "statements": len(reads), "translated_and_same_rows": ok,
                  "translated_but_different_rows": differ, "failed": len(failed),
                  "failures": sorted(set(failed))[:20],
                  "duckdb_over_postgres_s": round(sum(duck_times), 4),
                  "translated_on_postgres_s_for_those_that_ran": round(sum(pg_times), 4),
                  "duckdb_over_postgres_s_for_the_same": round(sum(duck_ran), 4),
                  "duckdb_median_statement_ms": round(statistics.median(duck_times) * 1000, 2)}
    finally:
        server.stop()
    out = ROOT / "benchmarks" / "results" / "dialect.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

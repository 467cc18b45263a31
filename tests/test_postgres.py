"""The store on PostgreSQL (issue 18): one transaction per load, PostgreSQL's locks doing
what the file lock does, migrations run once, and the topology of a deployment for many
clusters (two app servers and the command line on one database) losing nothing.

The store, KPI, ingest, growth, disclosure, backup and cluster-life tests also run on
PostgreSQL (``BOTH_BACKENDS`` in conftest.py); these are the ones only PostgreSQL has."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request

import psycopg
import pytest

from analytics.ingest import check_file, load_checked
from analytics.store import SCHEMA_VERSION, Store, StoreBusy, _Postgres, _refresh_cube
from tests.conftest import ROOT
from tests.test_browser import BROWSER, CHROMIUM_ARGS, free_port, running
from tests.test_concurrency import batch, load_in_threads

pytestmark = pytest.mark.usefixtures("pg_server")


def database_name(dsn: str) -> str:
    return dsn.rsplit("/", 1)[1]


def test_servers_starting_together_migrate_once(pg_server):
    """Four processes open a new database at the same moment: each migration runs once."""
    dsn = pg_server.new_database()
    code = ("import sys; from analytics.store import Store; s = Store(sys.argv[1]); "
            "print(s.schema_version())")
    procs = [subprocess.Popen([sys.executable, "-c", code, dsn], cwd=ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert out.strip() == str(SCHEMA_VERSION)
    with psycopg.connect(dsn) as con:
        versions = [v for (v,) in con.execute("SELECT version FROM public.schema_version "
                                              "ORDER BY 1").fetchall()]
        setup = con.execute("SELECT count(*) FROM public.loads").fetchall()[0][0]
    assert versions == list(range(1, SCHEMA_VERSION + 1))
    assert setup == 1  # the set-up load of the shipped lists, once


def test_threads_and_processes_writing_at_once_lose_nothing(pg_server, tmp_path):
    """Three threads of this process and three command-line processes load into one
    cluster at once: every row lands once, every load has its own number."""
    dsn = pg_server.new_database()
    store = Store(dsn)
    reports = [check_file(batch(p, 300).encode(), f"{p}.csv", store) for p in ("A", "B", "C")]
    files = []
    for prefix in ("P", "Q", "R"):
        path = tmp_path / f"{prefix}.csv"
        path.write_text(batch(prefix, 300))
        files.append(path)
    env = {**os.environ, "CLUSTER_DB": dsn}
    procs = [subprocess.Popen([sys.executable, "-m", "analytics", "ingest", str(f), "--user",
                               f.stem], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for f in files]
    errors = load_in_threads(store, reports, user="thread")  # while the processes load
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    assert not errors
    counts = dict(store.rows("SELECT left(member_id, 1), count(*) FROM submissions GROUP BY 1"))
    assert counts == {p: 300 for p in "ABCPQR"}
    history = store.history()
    assert sorted(history["file_name"]) == ["A.csv", "B.csv", "C.csv", "P.csv", "Q.csv", "R.csv"]
    assert history["load_id"].is_unique
    # the KPI cube, rebuilt by each write in its transaction, is the one the rows give
    cube = store.query("SELECT * FROM kpi_cube ORDER BY ALL")
    with store.transaction() as con:
        _refresh_cube(con)
    assert cube.equals(store.query("SELECT * FROM kpi_cube ORDER BY ALL"))
    assert len(cube)


def test_a_killed_connection_leaves_the_load_all_or_nothing(pg_server):
    """PostgreSQL's connection is ended in the middle of a load (a crash of the server
    process, a network cut): the load is rolled back whole, and the store works on."""
    dsn = pg_server.new_database()
    store = Store(dsn)
    rows = 20_000
    report = check_file(batch("K", rows).encode(), "big.csv", store)
    assert report.ok
    outcomes = []
    for delay in (0.05, 0.2, 0.5):
        done = threading.Event()
        result: list = []

        def load(report=report, done=done, result=result):
            try:
                result.append(load_checked(report, store, user="k"))
            except Exception as exc:
                result.append(exc)
            done.set()

        worker = threading.Thread(target=load)
        worker.start()
        time.sleep(delay)
        pg_server.kill_connections(database_name(dsn))
        worker.join(timeout=120)
        assert done.is_set()
        outcomes.append(type(result[0]).__name__)
        total = store.rows("SELECT count(*) FROM submissions")[0][0]
        loads = store.rows("SELECT count(*) FROM loads WHERE kind = 'submissions'")[0][0]
        assert total in (0, rows), f"half a load: {total} rows"
        assert (total == rows) == (loads >= 1)  # rows in force only with their load recorded
        if total:
            store.undo(int(store.history()["load_id"].iloc[0]), user="k")
    assert any(o != "LoadResult" for o in outcomes), outcomes  # at least one was cut
    assert load_checked(report, store, user="after").rows_added == rows  # works on


def test_a_writer_waits_for_another_servers_write_then_gives_up_clearly(pg_server):
    """The cluster's advisory lock, held elsewhere, makes a write wait; past the wait the
    user is told the database is busy, and nothing is written."""
    dsn = pg_server.new_database()
    store = Store(dsn, wait_seconds=1)
    with psycopg.connect(dsn, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(hashtext('cluster:public'))")
        started = time.monotonic()
        with pytest.raises(StoreBusy, match="busy"):
            store.set_setting("cluster_name", "Blocked", user="x")
        assert 0.8 < time.monotonic() - started < 10
    assert store.text_setting("cluster_name") == ""
    store.set_setting("cluster_name", "Free", user="x")  # the lock went with its connection
    assert store.text_setting("cluster_name") == "Free"


def test_the_store_survives_a_server_restart_of_its_connections(pg_server):
    dsn = pg_server.new_database()
    store = Store(dsn)
    store.set_setting("cluster_name", "Before", user="x")
    pg_server.kill_connections(database_name(dsn))
    for _attempt in range(3):  # the first read after the cut may meet a dead connection
        try:
            assert store.text_setting("cluster_name") == "Before"
            break
        except Exception:
            time.sleep(0.2)
    store.set_setting("cluster_name", "After", user="x")
    assert store.text_setting("cluster_name") == "After"


@contextlib.contextmanager
def proxy(*servers: str):
    """deploy/Caddyfile (compose.yaml's proxy) in front of these app servers."""
    port = free_port()
    env = {**os.environ, "PROXY_PORT": str(port),
           "APP_SERVERS": " ".join(u.removeprefix("http://") for u in servers)}
    proc = subprocess.Popen(["caddy", "run", "--config", str(ROOT / "deploy" / "Caddyfile"),
                             "--adapter", "caddyfile"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail("caddy did not start")
            time.sleep(0.3)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.skipif(BROWSER is None or shutil.which("caddy") is None,
                    reason="needs Chrome/Chromium and Caddy")
def test_two_app_servers_behind_the_proxy_and_the_cli_write_at_once(pg_server, tmp_path):
    """The deployment of compose.yaml without containers: two ``streamlit run`` servers on
    one PostgreSQL database behind deploy/Caddyfile; a file loaded through each server, one
    through the proxy (its upload reaches the session's server only if the proxy keeps the
    browser on it) and two through the command line, at the same moment. Every row lands
    once, and both servers show all of them."""
    from playwright.sync_api import sync_playwright

    dsn = pg_server.new_database()
    Store(dsn)  # migrated before the servers start (they would do it once between them)
    files = {}
    for prefix in ("S", "T", "U", "V", "W"):
        files[prefix] = tmp_path / f"{prefix}.csv"
        files[prefix].write_text(batch(prefix, 200))
    env = {**os.environ, "CLUSTER_DB": dsn}
    with running(dsn, CLUSTER_DEMO="0") as one, running(dsn, CLUSTER_DEMO="0") as two, \
            proxy(one, two) as front, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=BROWSER, args=CHROMIUM_ARGS)
        pages = []
        for url, prefix in ((one, "S"), (two, "T"), (front, "W")):
            page = browser.new_context(locale="en-GB").new_page()
            page.goto(f"{url}/submissions")
            page.locator('input[type="file"]').first.set_input_files(str(files[prefix]))
            page.get_by_text("passed the checks").wait_for(timeout=60_000)
            pages.append(page)
        sticky = [c for c in pages[2].context.cookies() if c["name"] == "cluster_server"]
        assert sticky, "the proxy sets no session cookie"
        procs = [subprocess.Popen([sys.executable, "-m", "analytics", "ingest",
                                   str(files[prefix]), "--user", prefix], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for prefix in ("U", "V")]
        for page in pages:  # every click before any load has finished
            page.get_by_role("button", name="Load 200 rows").click()
        for page in pages:
            page.get_by_text("Loaded as load").wait_for(timeout=120_000)
        for proc in procs:
            _out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err
        members = Store(dsn).rows("SELECT count(*) FROM submissions WHERE year = 2014")[0][0]
        for url in (one, two, front):  # each reads what the others and the CLI wrote
            page = browser.new_page(locale="en-GB")
            page.goto(url)
            page.get_by_text("Cluster overview").wait_for(timeout=60_000)
            value = page.locator('[data-testid="stMetric"]', has_text="Members reporting").first
            assert value.locator('[data-testid="stMetricValue"]').inner_text() == str(members)
        browser.close()
    store = Store(dsn)
    counts = dict(store.rows("SELECT left(member_id, 1), count(*) FROM submissions GROUP BY 1"))
    assert counts == {p: 200 for p in "STUVW"}
    assert store.history()["load_id"].is_unique
    _Postgres.close(dsn)


def test_killing_a_load_process_leaves_postgresql_before_or_after(pg_server, tmp_path):
    """SIGKILL a real command-line ingest into PostgreSQL at random moments: the database
    holds the whole load or none of it, and the next one goes through."""
    import random

    from tests.test_robustness import kill_an_ingest

    dsn = pg_server.new_database()
    Store(dsn)
    path = tmp_path / "big.csv"
    path.write_text(batch("Z", 20_000))
    rng = random.Random(18)
    for attempt in range(3):
        kill_an_ingest(path, dsn, f"try{attempt}", rng.uniform(1.0, 4.0))
        store = Store(dsn)
        total = store.rows("SELECT count(*) FROM submissions")[0][0]
        loads = store.rows("SELECT count(*) FROM loads WHERE kind = 'submissions'")[0][0]
        assert total in (0, 20_000) and (total > 0) == (loads > 0), (attempt, total, loads)


def test_backups_move_between_the_back_ends(pg_server, demo_store, tmp_path):
    """A DuckDB file's backup restores into a PostgreSQL cluster and back into a file,
    with the same figures."""
    from analytics import document
    from analytics.backup import backup, restore

    dsn = pg_server.new_database()
    into_pg = restore(backup(demo_store, tmp_path / "a"), dsn, cluster="restored")
    assert into_pg.backend == "postgres" and into_pg.cluster == "restored"
    assert document.summary(into_pg) == document.summary(demo_store)
    back = restore(backup(into_pg, tmp_path / "b"), tmp_path / "back.duckdb")
    assert document.summary(back) == document.summary(demo_store)
    with pytest.raises(ValueError, match="already holds data"):
        restore(backup(demo_store, tmp_path / "c"), dsn, cluster="restored")


@pytest.mark.skipif(BROWSER is None, reason="needs Chrome/Chromium")
def test_the_funders_report_pack_from_postgresql(pg_server, tmp_path):
    """The command line's report pack, on a PostgreSQL database, as a funder."""
    import zipfile

    from analytics.ingest import load_demo

    dsn = pg_server.new_database()
    load_demo(Store(dsn))
    done = subprocess.run([sys.executable, "-m", "analytics", "report", "--out", str(tmp_path),
                           "--format", "svg", "--role", "funder", "--db", dsn], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    pack = next(tmp_path.glob("*.zip"))
    with zipfile.ZipFile(pack) as z:
        names = z.namelist()
    assert sum(n.endswith(".svg") for n in names) >= 15
    assert any(n.endswith(".docx") for n in names)

"""Several writers and readers on one DuckDB file: the real dashboard, the command line and
threads of one process. Every row lands exactly once and every load is in the history."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from analytics.ingest import check_file, load_checked
from analytics.store import Store
from tests.conftest import ROOT
from tests.test_browser import BROWSER, CHROMIUM_ARGS, server  # noqa: F401  (fixture)

HEADER = "member_id,member_name,member_type,sector,area,year,turnover_eur,jobs\n"


def batch(prefix: str, rows: int = 500) -> str:
    return HEADER + "".join(f"{prefix}{i},N{i},SME,waste,87,{2000 + i % 15},{i}.25,{i % 9}\n"
                            for i in range(rows))


def load_in_threads(store: Store, reports: list, user: str = "manager") -> list[Exception]:
    """Load each checked file in a thread of its own, all at once; the errors raised."""
    errors: list[Exception] = []

    def load(report):
        try:
            load_checked(report, store, user=user)
        except Exception as exc:  # pragma: no cover - reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=load, args=(r,)) for r in reports]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_two_uploads_at_the_same_moment_both_land(tmp_path):
    store = Store(tmp_path / "t.duckdb")
    reports = [check_file(batch(p).encode(), f"{p}.csv", store) for p in ("A", "B", "C")]
    assert not load_in_threads(store, reports)
    assert store.rows("SELECT count(*), count(DISTINCT member_id) FROM submissions")[0] == (1500, 1500)
    assert sorted(store.history()["file_name"]) == ["A.csv", "B.csv", "C.csv"]


@pytest.mark.skipif(BROWSER is None, reason="needs Chrome/Chromium")
def test_cli_ingests_while_the_dashboard_reads(server, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    db = server_db(server)
    files = []
    for prefix in ("P", "Q", "R", "S"):
        path = tmp_path / f"{prefix}.csv"
        path.write_text(batch(prefix))
        files.append(path)
    env = {"CLUSTER_DB": db, "PATH": "/usr/bin:/bin", "CLUSTER_DB_WAIT": "120"}
    procs = [subprocess.Popen([sys.executable, "-m", "analytics", "ingest", str(f), "--user", f.stem],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for f in files]
    procs += [subprocess.Popen([sys.executable, "-m", "analytics", "kpis", "--format", "json"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True) for _ in range(2)]
    with sync_playwright() as p:  # page reads at the same time
        browser = p.chromium.launch(executable_path=BROWSER, args=CHROMIUM_ARGS)
        page = browser.new_page(locale="en-GB")
        for _ in range(3):
            page.goto(server)
            page.get_by_text("Cluster overview").wait_for(timeout=60_000)
        browser.close()
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    store = Store(db)
    counts = dict(store.rows("SELECT left(member_id, 1), count(*) FROM submissions "
                             "WHERE member_id SIMILAR TO '[PQRS][0-9]+' GROUP BY 1"))
    assert counts == {"P": 500, "Q": 500, "R": 500, "S": 500}
    assert store.rows("SELECT count(*) - count(DISTINCT (member_id, year)) FROM submissions")[0][0] == 0
    loaded_by = set(store.history()["loaded_by"])
    assert {"P", "Q", "R", "S"} <= loaded_by


def server_db(url: str) -> str:
    """The database file of the module's server (see tests/test_browser.py)."""
    from tests import test_browser

    return test_browser.SERVER_DB[url]

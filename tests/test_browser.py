"""A real browser against the real server: Playwright drives Debian's Chromium."""

from __future__ import annotations

import contextlib
import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from analytics.export import find_browser
from tests.conftest import ROOT

BROWSER = find_browser()
pytestmark = pytest.mark.skipif(BROWSER is None, reason="needs Chrome/Chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


SERVER_DB: dict[str, str] = {}  # url -> database file, for tests that also write to it


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running(db: Path, **env_extra: str):
    """`streamlit run` on a local port and database file, until the block ends."""
    port = free_port()
    env = {**os.environ, "CLUSTER_DB": str(db), "CLUSTER_DEMO": "1", **env_extra}  # as `make run`
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    SERVER_DB[url] = str(db)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("streamlit did not start")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The dashboard on a fresh database (demo loaded on first start, as `make run` does)."""
    with running(tmp_path_factory.mktemp("browser") / "b.duckdb") as url:
        yield url


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=BROWSER, args=CHROMIUM_ARGS)
        # English whatever the machine's language (a French laptop runs these tests too)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000},
                                      locale="en-GB")
        yield context.new_page()
        browser.close()


def metric_value(page, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]', has_text=label).first
    return metric.locator('[data-testid="stMetricValue"]').inner_text()


def test_filter_changes_numbers_and_url(server, page):
    page.goto(server)
    page.get_by_text("Cluster overview").wait_for(timeout=60_000)
    assert metric_value(page, "Turnover 2015") == "€70.0m"
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stMultiSelect"]').first.click()
    page.get_by_role("option", name="SME", exact=True).click()
    page.keyboard.press("Escape")
    for _ in range(60):  # the rerun takes a moment
        if metric_value(page, "Turnover 2015") != "€70.0m":
            break
        page.wait_for_timeout(500)
    assert metric_value(page, "Turnover 2015") not in ("€70.0m", "")
    assert "member_type=sme" in page.url  # the code, not the label: links work in any language


def test_download_report_pack(server, page):
    page.goto(f"{server}/export?member_type=SME")
    page.get_by_role("button", name="Build the report pack").click(timeout=60_000)
    button = page.get_by_role("button", name="Download cluster_report")
    button.wait_for(timeout=180_000)
    with page.expect_download(timeout=60_000) as info:
        button.click()
    data = Path(info.value.path()).read_bytes()
    zf = zipfile.ZipFile(io.BytesIO(data))
    assert info.value.suggested_filename == "cluster_report_2009-2015.zip"
    # 15 standard charts less the two target charts: targets are for the whole cluster
    assert sum(n.endswith(".png") for n in zf.namelist()) == 13
    assert "Member types: SME" in zf.read("methodology.txt").decode()


def test_french_link_and_language_switch(server, page):
    """A French browser gets French; a shared link keeps its language and filters; switching
    language keeps the filters (the URL holds their codes, the same in both languages)."""
    context = page.context.browser.new_context(locale="fr-FR", viewport={"width": 1400, "height": 1000})
    french = context.new_page()
    try:
        french.goto(server)
        french.get_by_text("Vue d'ensemble du cluster").first.wait_for(timeout=60_000)
        assert metric_value(french, "Chiffre d'affaires 2015") == "70,0\u00a0M€"
        assert "lang=fr" in french.url
        french.wait_for_function("() => document.documentElement.lang === 'fr'", timeout=30_000)
        french.goto(f"{server}/?lang=fr&member_type=PME")
        french.get_by_text("Types de membres\u00a0: PME").first.wait_for(timeout=60_000)
        sme = metric_value(french, "Chiffre d'affaires 2015")
        assert sme != "70,0\u00a0M€" and sme.endswith("M€")
        french.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
        french.get_by_text("Member types: SME").first.wait_for(timeout=60_000)
        french.wait_for_function("() => location.search.includes('member_type=sme')", timeout=30_000)
        assert "lang=en" in french.url
        french.wait_for_function("() => document.documentElement.lang === 'en'", timeout=30_000)
    finally:
        context.close()


def test_a_link_opened_before_sign_in_lands_on_its_page(page, tmp_path, demo_db):
    """A funder's shared link to a filtered Sectors page, opened signed out: after the
    sign-in form, the page and its filters, not the Overview."""
    from analytics.access import add_user

    auth = add_user("alice", "correct horse battery", "manager", path=tmp_path / "auth.yaml")
    db = tmp_path / "signed.duckdb"
    db.write_bytes(Path(demo_db).read_bytes())
    with running(db, CLUSTER_AUTH_FILE=str(auth)) as url:
        page.goto(f"{url}/sectors?sector=waste")
        page.get_by_role("textbox", name="Username").fill("alice", timeout=60_000)
        page.get_by_role("textbox", name="Password").fill("correct horse battery")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Sectors").first.wait_for(timeout=60_000)
        assert "/sectors" in page.url and "sector=waste" in page.url


def test_a_cluster_outside_france_is_set_up_in_the_browser(page, tmp_path):
    """From an empty database: name the cluster on the first-run steps, load its own areas
    on the Settings page, then a file that uses them on the Submissions page."""
    from analytics.store import Store
    from tests.test_reference import BELGIAN_AREAS, BELGIAN_FIGURES

    db = tmp_path / "be.duckdb"
    (tmp_path / "areas.csv").write_text(BELGIAN_AREAS, encoding="utf-8")
    (tmp_path / "figures.csv").write_text(BELGIAN_FIGURES, encoding="utf-8")
    with running(db, CLUSTER_DEMO="0") as url:
        page.goto(url)
        page.get_by_text("Set up your cluster").wait_for(timeout=60_000)
        page.get_by_role("textbox", name="Cluster name").fill("Cleantech Brussels")
        page.get_by_role("button", name="Save").first.click()
        page.get_by_text("✓ Cleantech Brussels").wait_for(timeout=30_000)
        page.get_by_role("link", name="Settings: the cluster and its lists").click()
        page.get_by_role("heading", name="Reference lists").wait_for(timeout=30_000)
        # the Areas tab is open first: its file input is the first of the page's three
        page.locator('input[type="file"]').first.set_input_files(str(tmp_path / "areas.csv"))
        page.get_by_text("3 added (BE-BRU, BE-VLG, BE-WAL)").wait_for(timeout=30_000)
        page.get_by_role("button", name="Replace the list").click()
        page.get_by_text("Saved: Areas").first.wait_for(timeout=30_000)
        page.goto(f"{url}/submissions")
        page.locator('input[type="file"]').first.set_input_files(str(tmp_path / "figures.csv"))
        page.get_by_text("passed the checks").wait_for(timeout=60_000)
        page.get_by_role("button", name="Load 4 rows").click()
        page.get_by_text("Loaded as load").wait_for(timeout=60_000)
    store = Store(db)
    assert store.text_setting("cluster_name") == "Cleantech Brussels"
    assert store.reference_lists()["areas"].codes == ["BE-BRU", "BE-VLG", "BE-WAL"]
    assert sorted(a for (a,) in store.rows("SELECT area FROM submissions")) == [
        "BE-BRU", "BE-VLG", "BE-WAL", "BE-WAL"]

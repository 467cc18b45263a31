"""A real browser against the real server: Playwright drives Debian's Chromium."""

from __future__ import annotations

import contextlib
import io
import itertools
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
def running(db: Path, script: str = "dashboard.py", **env_extra: str):
    """`streamlit run` on a local port and database file, until the block ends (``script``:
    another page, e.g. the benchmark's bare baseline)."""
    port = free_port()
    env = {**os.environ, "CLUSTER_DB": str(db), "CLUSTER_DEMO": "1", **env_extra}  # as `make run`
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
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


def sign_in(page, username: str, password: str) -> None:
    """Fill the sign-in form (shown first, whatever page the link named) and send it."""
    page.get_by_role("textbox", name="Username").fill(username, timeout=60_000)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


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
    # 20 standard charts less the two target charts: targets are for the whole cluster
    assert sum(n.endswith(".png") for n in zf.namelist()) == 18
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
        sign_in(page, "alice", "correct horse battery")
        page.get_by_role("heading", name="Sectors").first.wait_for(timeout=60_000)
        assert "/sectors" in page.url and "sector=waste" in page.url


def test_a_sign_in_ends_with_sign_out_or_idleness_whatever_the_cookie(page, tmp_path, demo_db):
    """A reload within the idle limit keeps the user signed in; a copy of the cookie taken
    before *Sign out* does not sign anyone in after it; nor does a reload after the idle
    limit (both did: the library signs in from its cookie alone)."""
    import yaml

    from analytics.access import add_user

    auth = add_user("alice", "correct horse battery", "manager", path=tmp_path / "auth.yaml")
    config = yaml.safe_load(auth.read_text())
    auth.write_text(yaml.safe_dump({**config, "session_minutes": 0.2}))  # 12 s
    db = tmp_path / "signed.duckdb"
    db.write_bytes(Path(demo_db).read_bytes())
    browser = page.context.browser

    def signed_in_cookie(context):
        for _ in range(100):  # the cookie component writes it a moment after the sign-in
            found = [c for c in context.cookies() if c["name"] == config["cookie"]["name"]]
            if found:
                return found
            time.sleep(0.1)
        raise AssertionError("no sign-in cookie")

    def dashboard(tab) -> None:  # (a rerun may show the old title beside the new one)
        tab.get_by_text("Cluster overview").first.wait_for(timeout=60_000)

    def sign_in_form(tab) -> None:
        tab.get_by_role("textbox", name="Username").wait_for(timeout=60_000)
        tab.wait_for_timeout(1000)  # the signed-in page would have replaced it by now
        assert tab.get_by_text("Cluster overview").count() == 0

    with running(db, CLUSTER_AUTH_FILE=str(auth)) as url:
        first = browser.new_context(locale="en-GB")
        tab = first.new_page()
        tab.goto(url)
        sign_in(tab, "alice", "correct horse battery")
        dashboard(tab)
        copied = signed_in_cookie(first)
        assert copied[0]["sameSite"] == "Strict"  # never sent by another site's request
        tab.reload()
        dashboard(tab)  # within the idle limit: still signed in
        tab.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out").click()
        tab.get_by_text("You are signed out.").wait_for(timeout=30_000)
        first.close()

        thief = browser.new_context(locale="en-GB")
        thief.add_cookies(copied)
        tab = thief.new_page()
        tab.goto(url)
        sign_in_form(tab)  # the copied cookie died with the sign-out

        sign_in(tab, "alice", "correct horse battery")
        dashboard(tab)
        signed_in_cookie(thief)
        time.sleep(20)  # idle past the limit (the last run may come a moment after the cookie)
        tab.reload()
        sign_in_form(tab)
        thief.close()


def idle(page) -> None:
    """Wait until the app has finished its run (no 'Running…' indicator) and settled."""
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                           timeout=60_000)
    page.wait_for_timeout(800)


def test_a_member_answers_the_satisfaction_survey_for_itself(page, tmp_path, demo_db):
    """Signed in as a member, on its own page: the answer (the slider moved with the
    keyboard) is stored for that member, and saving again replaces it."""
    from analytics.access import add_user
    from analytics.store import Store

    auth = add_user("m01", "member password 1", "member", member_id="M01",
                    path=tmp_path / "auth.yaml")
    db = tmp_path / "member.duckdb"
    db.write_bytes(Path(demo_db).read_bytes())
    year = max(y for (y,) in Store(db).rows("SELECT year FROM submissions WHERE member_id = 'M01'"))
    found = Store(db).rows("SELECT satisfaction FROM satisfaction WHERE member_id = 'M01' AND "
                           "year = ?", [year])
    score = found[0][0] if found else 7  # what the form starts from

    def stored() -> list[tuple]:
        return Store(db).rows("SELECT member_id, year, satisfaction, comment FROM satisfaction "
                              "WHERE comment IN ('first', 'second') ORDER BY 1")

    with running(db, CLUSTER_AUTH_FILE=str(auth)) as url:
        page.goto(url)
        sign_in(page, "m01", "member password 1")
        page.get_by_text("Your opinion of the cluster").wait_for(timeout=60_000)
        for presses, comment in ((2, "first"), (3, "second")):
            idle(page)
            thumb = page.get_by_role("slider", name="How likely are you to recommend")
            assert thumb.input_value() == str(score)  # the stored answer, shown back
            score = max(0, score - presses)
            thumb.focus()
            for _ in range(40):  # key presses land asynchronously: press until it shows
                now = int(thumb.input_value())
                if now == score:
                    break
                thumb.press("ArrowLeft" if now > score else "ArrowRight")
                page.wait_for_timeout(150)
            assert thumb.input_value() == str(score)
            page.get_by_role("textbox", name="Comment (optional)").fill(comment)
            page.get_by_role("button", name="Save my answer").click()
            for _ in range(60):  # the saved answer, read from the database
                if stored() == [("M01", year, score, comment)]:
                    break
                page.wait_for_timeout(500)
            assert stored() == [("M01", year, score, comment)]
            page.get_by_text("Thank you: your answer").wait_for(timeout=30_000)


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
        # each list has its tab and its uploader; the hidden tabs' uploaders are in the page
        # too, so the Areas tab is chosen and its visible uploader used (CI once picked another)
        page.get_by_role("tab", name="Areas").click()
        uploader = page.locator('[data-testid="stFileUploader"]', has_text="Replace this list") \
            .filter(visible=True)
        uploader.wait_for(timeout=30_000)
        uploader.locator('input[type="file"]').set_input_files(str(tmp_path / "areas.csv"))
        page.get_by_text("Areas: 3 added (BE-BRU, BE-VLG, BE-WAL)").filter(visible=True) \
            .wait_for(timeout=30_000)
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


#: Every text box of every chart on the page: its chart, text, and box (CSS pixels).
CHART_TEXTS = r"""
() => [...document.querySelectorAll('.js-plotly-plot')].map(plot => {
  const frame = plot.querySelector('.main-svg').getBoundingClientRect();
  const boxes = [...plot.querySelectorAll('svg text')].filter(t => {
    const r = t.getBoundingClientRect(), s = getComputedStyle(t);
    return t.textContent.trim() && r.width > 0 && s.visibility !== 'hidden' && s.opacity !== '0';
  }).map(t => { const r = t.getBoundingClientRect();
                return {text: t.textContent.trim(), x: r.left, y: r.top, w: r.width, h: r.height}; });
  return {title: (plot._fullLayout.meta || {}).title || '', boxes,
          frame: {x: frame.left, y: frame.top, w: frame.width, h: frame.height}};
})
"""


def text_problems(charts: list[dict]) -> list[tuple]:
    """Chart texts that overlap one another or reach outside their chart (1 px slack)."""
    problems = []
    for chart in charts:
        f, boxes = chart["frame"], chart["boxes"]
        for b in boxes:
            if (b["x"] < f["x"] - 1 or b["x"] + b["w"] > f["x"] + f["w"] + 1
                    or b["y"] < f["y"] - 1 or b["y"] + b["h"] > f["y"] + f["h"] + 1):
                problems.append(("clipped", chart["title"], b["text"]))
        for a, b in itertools.combinations(boxes, 2):
            if (min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"]) > 1
                    and min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"]) > 1):
                problems.append(("overlap", chart["title"], a["text"], b["text"]))
    return problems


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_chart_text_overlaps_or_is_clipped_on_a_phone_or_a_desktop(server, page, lang):
    for path, (width, height) in (("", (390, 844)), ("sectors", (390, 844)),
                                  ("cluster_life", (390, 844)), ("", (1440, 900))):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{server}/{path}?lang={lang}")
        page.wait_for_function(
            "() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 2",
            timeout=60_000)
        page.mouse.wheel(0, 20_000)  # every chart drawn, the lower ones too
        page.wait_for_timeout(1500)
        charts = page.evaluate(CHART_TEXTS)
        assert len(charts) >= (9 if not path else 2), (path, width)
        assert text_problems(charts) == [], (path, width)
        # each chart's drawing is an image named by its title and a one-line summary
        names = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')].map("
                              "p => [p._fullLayout.meta.title, p.querySelector('svg.main-svg')"
                              ".getAttribute('role'), p.querySelector('svg.main-svg')"
                              ".getAttribute('aria-label')])")
        for title, role, name in names:
            plain_title = title.replace("<br>", " ")
            assert role == "img" and name.startswith(plain_title + ". "), (title, name)
            assert any(ch.isdigit() for ch in name[len(plain_title):]), name  # the figures
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_the_cluster_life_page_draws_its_network_in_english_and_french(server, page):
    """Issue 17 in the browser: the Cluster life page draws every chart, the network with
    its members and links, in both languages; another year's network is one choice away."""
    for lang, heading, words in (("en", "Collaboration network", "members"),
                                 ("fr", "Réseau de collaboration", "membres")):
        page.goto(f"{server}/cluster_life?lang={lang}")
        page.get_by_text(heading, exact=True).first.wait_for(timeout=60_000)
        page.wait_for_function(
            "() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 7",
            timeout=60_000)
        summary = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')].map("
                                "p => p._fullLayout.meta).find(m => m.title.includes('2015'))"
                                ".summary")
        assert summary.startswith("28 ") and words in summary, summary
    idle(page)
    page.get_by_role("combobox", name="Réseau de l'année").click()
    page.keyboard.type("2012")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')].some(p => "
        "(p._fullLayout.meta || {}).title && p._fullLayout.meta.title.includes('2012'))",
        timeout=60_000)


def test_the_overlap_check_sees_an_overlap():
    """The check above can fail: two labels on top of each other, one past the edge."""
    chart = {"title": "t", "frame": {"x": 0, "y": 0, "w": 100, "h": 100},
             "boxes": [{"text": "a", "x": 10, "y": 10, "w": 30, "h": 10},
                       {"text": "b", "x": 30, "y": 12, "w": 30, "h": 10},
                       {"text": "c", "x": 90, "y": 50, "w": 30, "h": 10}]}
    assert text_problems([chart]) == [("clipped", "t", "c"), ("overlap", "t", "a", "b")]


def test_a_funder_sees_true_shares_and_a_confidential_selection_said_so(page, tmp_path, demo_db):
    """Issue 15, points 1-2, in the browser as a funder: the share of turnover by sector
    divides by the whole cluster (each share a funder sees checked against the manager's
    totals in the database), and a selection whose figures are all hidden says so instead
    of drawing charts."""
    from analytics.access import add_user
    from analytics.store import Store

    auth = add_user("fiona", "funder password 1", "funder", path=tmp_path / "auth.yaml")
    db = tmp_path / "funder.duckdb"
    db.write_bytes(Path(demo_db).read_bytes())
    store = Store(db)
    truth = dict(store.rows("""
        WITH latest AS (SELECT member_id, arg_max(sector, year) AS sector
                        FROM submissions GROUP BY member_id)
        SELECT r.label_en, sum(turnover_eur) / (SELECT sum(turnover_eur) FROM submissions
                                                WHERE year = 2015)
        FROM submissions s JOIN latest l USING (member_id)
        JOIN reference r ON r.list = 'sectors' AND r.code = l.sector
        WHERE year = 2015 GROUP BY 1"""))
    with running(db, CLUSTER_AUTH_FILE=str(auth)) as url:
        page.goto(f"{url}/sectors")
        sign_in(page, "fiona", "funder password 1")
        page.get_by_role("heading", name="Sectors").first.wait_for(timeout=60_000)
        page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')].some("
                               "p => (p._fullLayout.meta || {}).title?.startsWith('Share'))",
                               timeout=60_000)
        shares = page.evaluate("""() => {
            const plot = [...document.querySelectorAll('.js-plotly-plot')].find(
                p => p._fullLayout.meta.title.startsWith('Share'));
            const bar = plot._fullData[0];  // decoded (Streamlit sends typed arrays)
            return Object.fromEntries(Array.from(bar.y, (label, i) => [label, bar.x[i]]));
        }""")
        shown = {label.replace("<br>", " "): share for label, share in shares.items()}
        hidden = shown.pop("Confidential (not shown separately)")
        assert shown and hidden > 0  # some sectors shown, the others in one grey bar
        for label, share in shown.items():
            assert share == pytest.approx(float(truth[label]), abs=1e-9), label
        assert sum(shown.values()) + hidden == pytest.approx(1.0)
        page.goto(f"{url}/?area=23")
        page.get_by_text("Turnover by year: the figures for this selection are confidential") \
            .wait_for(timeout=60_000)
        titles = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')]"
                               ".map(p => (p._fullLayout.meta || {}).title)")
        assert "Turnover by year" not in titles
        assert metric_value(page, "Turnover 2015") == "confidential"

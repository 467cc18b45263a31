"""What a funder feels, in a real browser (issue 15): navigation start -> every chart drawn.

    python benchmarks/bench_browser.py [--runs 3] [--members 1000]

Two servers side by side, measured in the same run on the same machine: the dashboard on the
demo database, and a bare Streamlit page with one Plotly chart (the baseline). For each:
a fresh tab's first load (new browser context, so no cache), a switch to another page, and
a filter change (the URL of a new filter state), the Cluster life page (issue 17: with a
generated cluster, its groups, projects and answers too). Times are medians; the ratios to the bare
page are what the targets speak of. Results: ``benchmarks/results/browser.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BARE_PAGE = '''
import plotly.graph_objects as go
import streamlit as st

st.title("Bare page")
st.plotly_chart(go.Figure(go.Bar(x=list(range(2009, 2016)), y=[50, 53, 58, 57, 60, 67, 70])))
'''

#: Resolves when the page shows its charts (at least ``count``), each drawn by Plotly.
DRAWN = """(count) => {
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  return plots.length >= count && plots.every(p => p._fullLayout && p.querySelector('.main-svg'))
    && !document.querySelector('[data-testid="stStatusWidget"]');
}"""


def timed(page, url: str, count: int) -> float:
    """Seconds from navigation start to ``count`` charts drawn and the app idle."""
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function(DRAWN, arg=count, timeout=120_000, polling=50)
    return time.perf_counter() - start


def pick(page, option: str) -> None:
    """Choose ``option`` in the sidebar's first multiselect (member types)."""
    page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def in_app(page, action, ready: str, count: int) -> float:
    """Seconds from a click in the running app (no reload) to ``ready`` shown and ``count``
    charts drawn with the app idle."""
    start = time.perf_counter()
    action()
    page.get_by_text(ready).first.wait_for(timeout=120_000)
    page.wait_for_function(DRAWN, arg=count, timeout=120_000, polling=50)
    return time.perf_counter() - start


def main() -> None:
    from playwright.sync_api import sync_playwright

    from analytics.ingest import load_demo
    from analytics.store import Store
    from tests.test_browser import BROWSER, CHROMIUM_ARGS, running

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--members", type=int, default=0,
                        help="a generated cluster of this many members over 20 years "
                             "(bench.generate) instead of the demo")
    args = parser.parse_args()
    if BROWSER is None:
        sys.exit("needs Chrome/Chromium")
    results: dict = {"date": time.strftime("%Y-%m-%d"), "runs": args.runs,
                     "members": args.members or "demo (30)"}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.duckdb"
        if args.members:
            from analytics.ingest import check_file, load_checked
            from benchmarks.bench import add_cluster_life, generate

            generate(args.members, 20, Path(tmp) / "members.csv")
            load_checked(check_file((Path(tmp) / "members.csv").read_bytes(), "members.csv"),
                         Store(db))
            add_cluster_life(Store(db))
        else:
            load_demo(Store(db))
        bare_script = Path(tmp) / "bare.py"
        bare_script.write_text(BARE_PAGE)
        with running(db, CLUSTER_DEMO="0") as url, \
                running(db, str(bare_script), CLUSTER_DEMO="0") as bare_url, \
                sync_playwright() as p:
            browser = p.chromium.launch(executable_path=BROWSER, args=CHROMIUM_ARGS)
            # how many charts the Overview draws on this database (9 on the demo, which
            # has targets); counted once on a warm-up load that is not measured
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()
            page.goto(url)
            page.wait_for_function(DRAWN, arg=2, timeout=120_000)
            page.wait_for_timeout(5000)
            charts = page.evaluate("() => document.querySelectorAll('.js-plotly-plot').length")
            page.goto(f"{url}/cluster_life")  # ... and the Cluster life page (issue 17)
            page.wait_for_function(DRAWN, arg=2, timeout=120_000)
            page.wait_for_timeout(5000)
            life_charts = page.evaluate("() => document.querySelectorAll('.js-plotly-plot').length")
            context.close()
            results["overview_charts"] = charts
            results["cluster_life_charts"] = life_charts
            samples: dict[str, list[float]] = {k: [] for k in (
                "bare_first_load", "bare_reload", "overview_first_load", "page_switch_url",
                "filter_change_url", "page_switch_in_app", "filter_change_in_app",
                "cluster_life_url", "cluster_life_in_app")}
            for _ in range(args.runs):
                context = browser.new_context(viewport={"width": 1440, "height": 900})
                page = context.new_page()
                samples["bare_first_load"].append(timed(page, bare_url, 1))
                samples["bare_reload"].append(timed(page, bare_url, 1))
                context.close()
                context = browser.new_context(viewport={"width": 1440, "height": 900})
                page = context.new_page()
                samples["overview_first_load"].append(timed(page, url, charts))
                samples["page_switch_in_app"].append(in_app(
                    page, lambda p=page: p.locator('[data-testid="stSidebarNav"]').get_by_text(
                        "Sectors", exact=True).click(), "Turnover by sector and year", 2))
                samples["filter_change_in_app"].append(in_app(
                    page, lambda p=page: pick(p, "SME"), "Member types: SME", 2))
                samples["page_switch_url"].append(timed(page, f"{url}/areas", 2))
                samples["filter_change_url"].append(
                    timed(page, f"{url}/areas?member_type=large_company", 2))
                samples["cluster_life_url"].append(timed(page, f"{url}/cluster_life",
                                                         life_charts))
                page.goto(url)
                page.wait_for_function(DRAWN, arg=charts, timeout=120_000, polling=50)
                samples["cluster_life_in_app"].append(in_app(
                    page, lambda p=page: p.locator('[data-testid="stSidebarNav"]').get_by_text(
                        "Cluster life", exact=True).click(), "Collaboration network", life_charts))
                context.close()
            browser.close()
    medians = {k: round(statistics.median(v), 3) for k, v in samples.items()}
    results["seconds"] = medians
    bare = medians["bare_reload"]
    results["ratios_to_bare_page"] = {
        "overview_first_load": round(medians["overview_first_load"] / medians["bare_first_load"], 2),
        **{k: round(medians[k] / bare, 2) for k in (
            "page_switch_in_app", "filter_change_in_app", "page_switch_url",
            "filter_change_url", "cluster_life_url", "cluster_life_in_app")}}
    out = ROOT / "benchmarks" / "results" / (f"browser-{args.members}.json" if args.members
                                             else "browser.json")
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

"""Every page, headless with AppTest: renders, follows the filters, uploads load or reject."""

from __future__ import annotations

import base64
from decimal import Decimal

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from analytics import export, formatting
from analytics.store import Store
from tests.conftest import app, figures

PAGES = ["app_pages/overview.py", "app_pages/sectors.py", "app_pages/member_types.py", "app_pages/areas.py",
         "app_pages/submissions.py", "app_pages/data_quality.py",
         "app_pages/targets.py", "app_pages/export.py", "app_pages/settings.py"]




def metric(at: AppTest, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def values(array) -> list:
    """A Plotly array from the chart proto: a plain list, or numpy's base64 'bdata' form."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def frame_with(at: AppTest, column: str):
    """The first st.dataframe on the page that has this column."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def sme_turnover_2015(demo_rows) -> str:
    total = sum((r["turnover_eur"] for r in demo_rows
                 if r["year"] == 2015 and r["member_type"] == "sme"), Decimal(0))
    return formatting.eur(float(total))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(demo_db, monkeypatch, page):
    at = app(demo_db, monkeypatch, page)
    assert at.title, f"{page} has no title"


def test_overview_shows_reference_cluster(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch)
    assert any("demo data" in i.value for i in at.info)
    assert metric(at, "Turnover 2015") == formatting.eur(70_000_000) == "€70.0m"
    assert metric(at, "Jobs 2015") == "700"  # whole where whole
    assert "+40.0" in next(m for m in at.metric if m.label.startswith("Turnover 2015")).delta
    titles = [f["layout"]["title"]["text"] for f in figures(at)]
    assert "Turnover by year" in titles and "Jobs by year" in titles
    turnover = next(f for f in figures(at) if f["layout"]["title"]["text"] == "Turnover by year")
    assert values(turnover["data"][0]["y"])[0] == 50_000_000
    assert values(turnover["data"][0]["y"])[-1] == 70_000_000


def test_filter_widget_changes_numbers(demo_db, monkeypatch, demo_rows):
    at = app(demo_db, monkeypatch)
    at.multiselect(key="member_type").set_value(["sme"]).run()
    assert not at.exception
    assert metric(at, "Turnover 2015") == sme_turnover_2015(demo_rows) != "€70.0m"
    assert "Member types: SME" in " ".join(c.value for c in at.caption)


def test_filters_come_from_the_url(demo_db, monkeypatch, demo_rows):
    at = app(demo_db, monkeypatch, member_type="SME")
    assert at.multiselect(key="member_type").value == ["sme"]
    assert metric(at, "Turnover 2015") == sme_turnover_2015(demo_rows)
    at.switch_page("app_pages/sectors.py").run()  # the filters hold across pages
    assert "Member types: SME" in " ".join(c.value for c in at.caption)


def test_year_range_sets_baseline_and_latest(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch)
    at.slider(key="years").set_value((2011, 2013)).run()
    assert metric(at, "Turnover 2013").startswith("€60.7")


def test_invalid_url_parameter_is_ignored(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch, member_type="no such type", years="abc")
    assert metric(at, "Turnover 2015") == "€70.0m"


def test_filters_matching_nothing_say_so(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch, member_type="University", sector="Noise and vibration")
    assert at.multiselect(key="sector").value == ["noise"]
    assert any("No submissions match" in w.value for w in at.warning)


def test_breakdown_page_has_stacked_chart_per_sector(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch, "app_pages/sectors.py")
    stacked = figures(at)[0]
    assert stacked["layout"]["barmode"] == "stack"
    names = [t["name"] for t in stacked["data"]]
    # the five largest sectors over the period, and the seven others as one
    assert "Waste management and recycling" in names and "Other (7)" in names
    assert len(names) == 6
    at.toggle(key="sector_every").set_value(True).run()
    names = {t["name"] for t in figures(at)[0]["data"]}
    assert "Renewable energy" in names and len(names) == 12


def test_data_quality_lists_missing_submissions(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch, "app_pages/data_quality.py")
    missing = frame_with(at, "Member name")
    assert sorted(zip(missing["Member ID"], missing["Year"], strict=True)) == [("M07", 2013), ("M11", 2012)]


def test_data_quality_keeps_non_responses_in_the_estimated_view(demo_db, monkeypatch):
    """A gap filled by the estimated view is still a gap, marked as estimated."""
    at = app(demo_db, monkeypatch, "app_pages/data_quality.py", estimated="true")
    assert metric(at, "Missing submissions") == "2"
    missing = frame_with(at, "Member name")
    assert list(missing["Estimated"]) == ["yes", "yes"]


BAD = (b"member_id;member_name;member_type;sector;area;year;turnover_eur;jobs\n"
       b"M40;New;SME;waste;87;2015;12 000;3\nM41;Other;SME;waste;87;2015;douze;3\n")


def test_upload_bad_file_shows_errors_and_loads_nothing(tmp_path, monkeypatch):
    db = str(tmp_path / "t.duckdb")
    at = app(db, monkeypatch, "app_pages/submissions.py")
    before = Store(db).history()
    at.file_uploader[0].set_value(("bad.csv", BAD, "text/csv")).run()
    assert not at.exception
    assert any("1 error. Nothing was loaded" in e.value for e in at.error)
    problems = frame_with(at, "Severity")
    assert problems.iloc[0][["Row", "Column", "Value"]].tolist() == [3, "turnover_eur", "douze"]
    assert not any(b.label.startswith("Load ") for b in at.button)
    assert Store(db).history().equals(before)


def test_upload_good_file_confirm_load_and_undo(tmp_path, monkeypatch):
    db = str(tmp_path / "t.duckdb")
    at = app(db, monkeypatch, "app_pages/submissions.py")
    good = BAD.replace(b"douze", b"12,5")
    at.file_uploader[0].set_value(("good.csv", good, "text/csv")).run()
    assert any("passed the checks: 2 rows" in s.value for s in at.success)
    assert Store(db).rows("SELECT count(*) FROM submissions WHERE member_id LIKE 'M4%'")[0][0] == 0
    at.button(key="confirm_load").click().run()
    assert not at.exception
    assert Store(db).rows("SELECT count(*) FROM submissions WHERE member_id LIKE 'M4%'")[0][0] == 2
    assert Store(db).history().iloc[0]["file_name"] == "good.csv"
    assert any("Loaded as load" in s.value for s in at.success)  # said after the rerun
    load_id = int(Store(db).history().iloc[0]["load_id"])
    undo_box = next(s for s in at.selectbox if s.key.startswith("undo_choice"))
    assert undo_box.value == load_id  # the newest load is offered first
    at.button(key="undo").click().run()
    assert not at.exception
    assert Store(db).rows("SELECT count(*) FROM submissions WHERE member_id LIKE 'M4%'")[0][0] == 0
    # the page says what was undone, and the choice is not the undo itself: a second click
    # must not load the file again (it did: the undo was first in the list)
    assert any("Undone: " in s.value and "good.csv" in s.value for s in at.success)
    undo_box = next(s for s in at.selectbox if s.key.startswith("undo_choice"))
    assert undo_box.value is None  # only the undo is left: nothing is chosen for the user
    history = next(d.value for d in at.dataframe if "Undoes" in d.value.columns)
    assert history.iloc[0]["File"] == f"undo of {load_id} (good.csv)"  # not None
    assert at.button(key="undo").disabled


def test_templates_offered(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch, "app_pages/submissions.py")
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Template (CSV)", "Template (Excel)"]
    kinds = at.selectbox(key="template_kind")
    assert {"Member submissions", "Working groups", "Collaborative projects",
            "Cluster organisation"} <= set(kinds.options)
    at = kinds.set_value("projects").run()
    assert not at.exception



@pytest.mark.skipif(export.find_browser() is None, reason="needs Chrome/Chromium")
def test_export_page_builds_the_pack(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch, "app_pages/export.py", member_type="SME")
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[-3:] == ["KPI tables (XLSX)", "KPIs by year (CSV)", "Methodology (text)"]
    at.pills(key="pack_formats").set_value(["png"])
    at.button(key="build_pack").click().run(timeout=180)
    assert not at.exception and not at.error
    labels = [b.proto.label for b in at.get("download_button")]
    assert any(label.startswith("Download cluster_report_2009-2015.zip") for label in labels)


@pytest.mark.skipif(export.find_browser() is None, reason="needs Chrome/Chromium")
def test_every_chart_has_image_downloads(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch)
    labels = [b.proto.label for b in at.get("download_button")]
    charts_shown = len(at.get("plotly_chart"))
    assert charts_shown >= 9  # trends, baseline vs latest, waterfalls, targets, membership
    assert labels.count("PNG") == labels.count("SVG") == labels.count("PDF") == charts_shown


def test_overview_shows_decomposition_targets_and_flows(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch)
    titles = [f["layout"]["title"]["text"] for f in figures(at)]
    assert "Turnover: what changed from 2009 to 2015" in titles
    assert "Jobs against targets" in titles and "Members joining and leaving" in titles
    waterfall = next(f for f in figures(at) if f["layout"]["title"]["text"].startswith("Jobs: what"))
    assert values(waterfall["data"][0]["x"]) == [500, 175, 45, -20, 0, 700]
    assert metric(at, "Jobs: way to target") == "66.7%"  # (700 - 500) / (800 - 500)
    # the count names its year, and follows the Eurostat definition computed independently
    assert any(m.label == "High-growth enterprises 2015" for m in at.metric)


def test_estimated_view_is_marked(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch, estimated="true")
    assert at.toggle(key="estimated").value is True
    assert any("Estimated — 2012: 1 member(s)" in c.value for c in at.caption)
    jobs = next(f for f in figures(at) if f["layout"]["title"]["text"] == "Jobs by year")
    assert [t["name"] for t in jobs["data"]] == [
        "Reported", "Estimated (last reported value carried forward)"]


def test_sector_page_rolls_up_to_cepa_and_crema(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch, "app_pages/sectors.py")
    at.segmented_control(key="sector_level").set_value("sector_group").run()
    names = {t["name"] for t in figures(at)[0]["data"]}
    assert names == {"Environmental protection (CEPA)", "Resource management (CReMA)"}


def test_targets_page_edits_are_checked_and_saved(tmp_path, monkeypatch):
    db = str(tmp_path / "t.duckdb")
    monkeypatch.setenv("CLUSTER_DEMO", "1")  # as `make run` starts: the demo in a new file
    at = app(db, monkeypatch, "app_pages/targets.py")
    assert len(Store(db).rows("SELECT * FROM targets")) == 7
    # the jobs target (row 2, sorted by indicator and year) becomes 900; a bad row is added
    at.session_state["targets_editor"] = {
        "edited_rows": {2: {"value": 900}}, "deleted_rows": [6],
        "added_rows": [{"indicator": "jobs", "kind": "target", "year": 1800, "value": 1}]}
    at.button(key="save_targets").click().run()
    assert not at.exception
    assert any("not saved" in e.value for e in at.error)
    assert len(Store(db).rows("SELECT * FROM targets")) == 7  # nothing written
    at.session_state["targets_editor"] = {
        "edited_rows": {2: {"value": 900}}, "deleted_rows": [6], "added_rows": []}
    at.button(key="save_targets").click().run()
    assert not at.exception
    rows = Store(db).rows("SELECT indicator, kind, year, value FROM targets ORDER BY ALL")
    assert len(rows) == 6 and ("jobs", "target", 2018, 900) in rows
    assert Store(db).history().iloc[0]["kind"] == "targets"

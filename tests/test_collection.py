"""The manager's yearly cycle (issue 14): a year still collecting never reads as complete,
closing a year (by hand, or offered at the response threshold) makes it the latest, the demo
never mixes with real figures, and the submissions flow has no traps."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from analytics import collection, document, export, report
from analytics.filters import Filters
from analytics.ingest import check_file, ingest_file, load_checked, load_demo
from analytics.store import Store
from tests.conftest import ROOT, app, figures

DEMO_2015 = ROOT / "data" / "demo" / "submissions_2015.csv"


def rows_2016(members: list[str]) -> bytes:
    """The demo's 2015 rows of these members, sent again as their 2016 figures."""
    lines = DEMO_2015.read_text(encoding="utf-8").splitlines()
    out = [lines[0]] + [line.replace(",2015,", ",2016,") for line in lines[1:]
                        if line.split(",")[0] in members]
    return ("\n".join(out) + "\n").encode("utf-8")


FOUR = ["M01", "M02", "M03", "M04"]
ALL_2015 = [line.split(",")[0] for line in DEMO_2015.read_text(encoding="utf-8").splitlines()[1:]]


def partial_store(path: str | Path = ":memory:") -> Store:
    """The demo, then 2016 files from 4 of its 28 members: a year being collected."""
    store = Store(path)
    load_demo(store)
    report_ = check_file(rows_2016(FOUR), "figures_2016.csv", store)
    load_checked(report_, store, user="manager")
    return store


@pytest.fixture(scope="module")
def partial_db(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("partial") / "partial.duckdb"
    partial_store(path)
    return str(path)


def without_collection(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in ("provisional_years", "warnings", "filters")}


def test_a_partial_year_leaves_every_default_figure_on_the_last_closed_year(demo_store):
    store = partial_store()
    [year] = collection.provisional(store)
    assert (year.year, year.responded, year.expected, year.status) == (2016, 4, 28, "collecting")
    doc = document.summary(store)
    # the whole default document is the one of the closed years, unchanged by the 4 files
    assert without_collection(doc) == without_collection(document.summary(demo_store))
    assert doc["growth"]["turnover_eur"]["latest_year"] == 2015
    assert doc["filters"] == "All members · 2009–2015 · current classification"
    assert doc["provisional_years"] == [{"year": 2016, "status": "collecting", "deadline": None,
                                         "expected": 28, "responded": 4,
                                         "response_rate": 4 / 28}]
    assert doc["warnings"] == []
    # named explicitly, 2016 is the latest, with the warning
    named = document.summary(store, Filters(year_to=2016))
    assert named["growth"]["jobs"]["latest_year"] == 2016
    assert "2016 is still collecting (4 of 28 members responded)" in named["warnings"][0]
    last = named["by_year"][-1]
    assert (last["year"], last["members"], last["active_members"]) == (2016, 4, 28)
    # the funder's document follows the same rule
    funder = document.summary(store, role="funder")
    assert funder["growth"]["turnover_eur"]["latest_year"] == 2015


def test_without_a_member_list_the_silent_members_are_non_responses_not_leavers(store):
    """The members that have not sent 2016 yet are expected, not gone: 4 files of 28 read
    as a 14 % response, not as 100 % of a cluster that lost 24 members."""
    for year in (2014, 2015):
        data = rows_2016(ALL_2015).replace(b",2016,", f",{year},".encode())
        load_checked(check_file(data, f"{year}.csv", store), store)
    collection.close_years(store, [2014, 2015], user="manager")
    load_checked(check_file(rows_2016(FOUR), "2016.csv", store), store)
    [year] = collection.provisional(store)
    assert (year.responded, year.expected) == (4, 28)
    flows = {r["year"]: r for r in document.summary(store, Filters(year_to=2016))["by_year"]}
    assert flows[2016]["active_members"] == 28 and flows[2015]["active_members"] == 28


def test_closing_by_hand_and_at_the_threshold():
    store = partial_store()
    assert not collection.provisional(store)[0].ready_to_close  # 4 of 28
    # 26 of 28 (93 %) reached the default 90 % threshold: offered for closing, not closed
    load_checked(check_file(rows_2016(ALL_2015[:26]), "more.csv", store), store)
    [year] = collection.provisional(store)
    assert year.ready_to_close and year.status == "collecting"
    assert document.summary(store)["growth"]["jobs"]["latest_year"] == 2015
    store.set_setting("close_at_response_rate", 95, user="manager")
    assert not collection.provisional(store)[0].ready_to_close
    # the manager closes it: now the latest year of every figure, without a warning
    closing = collection.close_years(store, [2016], user="manager")
    doc = document.summary(store)
    assert doc["growth"]["jobs"]["latest_year"] == 2016
    assert doc["provisional_years"] == [] and doc["warnings"] == []
    # undoable: the year is collecting again
    store.undo(closing.load_id, user="manager")
    assert [y.year for y in collection.provisional(store)] == [2016]
    # a year opened before any file, with a deadline
    collection.open_year(store, 2017, "manager", deadline=dt.date(2027, 3, 31))
    y2017 = next(y for y in collection.years(store) if y.year == 2017)
    assert y2017.status == "collecting" and y2017.responded == 0 and y2017.expected == 28
    assert str(y2017.deadline) == "2027-03-31"
    with pytest.raises(ValueError, match="no campaign"):
        collection.close_years(store, [2030], user="manager")


def test_cli_collection_and_kpis_json(partial_db, tmp_path):
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "analytics", *args, "--db", db],
                              capture_output=True, text=True, cwd=ROOT,
                              env={"PATH": "/usr/bin:/bin", "CLUSTER_LANG": "en"})

    db = str(tmp_path / "cli.duckdb")
    Path(db).write_bytes(Path(partial_db).read_bytes())
    doc = json.loads(run("kpis", "--format", "json").stdout)
    assert doc["growth"]["turnover_eur"]["latest_year"] == 2015
    assert [y["year"] for y in doc["provisional_years"]] == [2016]
    named = json.loads(run("kpis", "--format", "json", "--to", "2016").stdout)
    assert named["growth"]["turnover_eur"]["latest_year"] == 2016 and named["warnings"]
    status = run("collection", "status")
    assert "2016  collecting   4 of 28 members responded (14%)" in status.stdout
    assert "Still to send figures for 2016:" in status.stdout and "M05" in status.stdout
    assert run("collection", "open", "2017", "--deadline", "31/03/2027").returncode == 1
    assert run("collection", "close", "2016").returncode == 0
    doc = json.loads(run("kpis", "--format", "json").stdout)
    assert doc["growth"]["turnover_eur"]["latest_year"] == 2016 and doc["provisional_years"] == []


def test_report_pack_in_both_states(partial_db):
    store = Store(partial_db)
    default = report.context(store, Filters())
    assert default.provisional == "" and "PROVISIONAL" not in default.filters_text
    named = report.context(store, Filters(year_to=2016))
    assert named.provisional == "2016: 4 of 28 members responded"
    assert "PROVISIONAL 2016" in named.filters_text  # in every chart's subtitle and the Word file
    # ... and in the tables: a last column marks the provisional year's rows
    from analytics import kpis

    tables = export.kpi_tables(kpis.overview(store, named.filters), "en", False,
                               named.provisional_years)
    by_year = tables["by_year"]
    assert list(by_year.iloc[-1])[-1] == "provisional (collection still open)"
    assert list(by_year.iloc[0])[-1] == ""
    if export.find_browser() is None:
        pytest.skip("the pack's charts need Chrome/Chromium")
    for filters, latest, warned in ((Filters(), 2015, False), (Filters(year_to=2016), 2016, True)):
        data, name = report.build_pack(store, filters, formats=("svg",))
        method = zipfile.ZipFile(io.BytesIO(data)).read("methodology.txt").decode()
        assert f"latest year: {latest}" in method
        assert ("Provisional figures: 2016" in method) is warned


def test_demo_loads_only_into_an_empty_database_and_goes_in_one_undoable_step(tmp_path):
    store = Store(tmp_path / "d.duckdb")
    load_demo(store)
    with pytest.raises(ValueError, match="without figures"):
        load_demo(store)
    before = document.summary(store)
    removal = store.remove_demo("manager")
    assert not store.holds_demo() and store.is_empty()
    assert store.rows("SELECT count(*) FROM members")[0][0] == 0
    assert store.rows("SELECT count(*) FROM targets")[0][0] == 0
    store.undo(removal.load_id, "manager")
    assert store.holds_demo() and document.summary(store) == before
    # a real load after the removal: an undo of the removal would clash, and says so
    store.remove_demo("manager")
    ingest_file(DEMO_2015, store, user="manager")
    with pytest.raises(ValueError, match="undo load"):
        store.undo(removal.load_id + 2, "manager")


# -- pages ----------------------------------------------------------------------------------
def test_overview_of_a_partial_year(partial_db, monkeypatch):
    at = app(partial_db, monkeypatch)
    labels = [m.label for m in at.metric]
    assert "Turnover 2015" in labels and not at.warning
    charts = figures(at)
    provisional = [t for c in charts for t in c["data"]
                   if t.get("name") == "Provisional (collection still open)"]
    assert provisional and provisional[0]["hovertext"] == ["provisional, 4 of 28 members"]
    notes = [a["text"] for c in charts for a in c["layout"].get("annotations", [])]
    assert notes.count("provisional,<br>4 of 28 members") == 2  # turnover and jobs
    # picked explicitly, 2016 is the latest year, with the warning on the page
    at = app(partial_db, monkeypatch, years=["2009", "2016"])
    assert "Turnover 2016" in [m.label for m in at.metric]
    assert any("2016 is still collecting" in w.value for w in at.warning)


def test_collection_view_and_closing_on_the_page(partial_db, tmp_path, monkeypatch):
    db = str(tmp_path / "page.duckdb")
    Path(db).write_bytes(Path(partial_db).read_bytes())
    at = app(db, monkeypatch, "app_pages/submissions.py")
    assert any(m.label == "Response rate" and m.value == "14%" for m in at.metric)
    late = next(d.value for d in at.dataframe if "Contact e-mail" in d.value.columns)
    assert len(late) == 24 and late["Contact e-mail"].str.endswith(".example").all()
    mail = next(b for b in at.get("link_button"))
    assert mail.proto.url.startswith("mailto:?bcc=contact%40") or "bcc=contact@" in mail.proto.url
    at.button(key="close_2016").click().run()
    assert any("2016 is closed" in s.value for s in at.success)
    assert collection.last_closed(Store(db)) == 2016


def test_a_real_load_into_the_demo_offers_to_remove_it(tmp_path, monkeypatch):
    db = str(tmp_path / "demo.duckdb")
    load_demo(Store(db))
    at = app(db, monkeypatch, "app_pages/submissions.py")
    assert any("demo data" in i.value for i in at.info)
    data = rows_2016(FOUR).replace(b"M0", b"R0")  # the cluster's own members
    at.file_uploader[0].set_value(("ours.csv", data, "text/csv")).run()
    assert at.checkbox(key="remove_demo_first").value is True
    at.button(key="confirm_load").click().run()
    store = Store(db)
    assert not store.holds_demo()
    assert store.rows("SELECT count(*), min(member_id) FROM submissions")[0] == (4, "R01")
    assert not any("demo data" in i.value for i in at.info)  # the banner went with it


def test_check_report_finds_the_header_below_a_title_and_speaks_french(store):
    data = ("Rapport annuel du cluster;;;\n;;;\n" + rows_2016(FOUR).decode().replace(",", ";")
            ).encode("utf-8")
    report_ = check_file(data, "titre.csv", store)
    assert report_.ok and report_.rows == 4
    [warning] = report_.warnings
    assert warning.row == 3 and "column names are on row 3" in warning.text()
    assert "les 2 lignes au-dessus" in warning.text("fr")
    # errors keep the spreadsheet's row numbers below the title
    bad = data.replace(b";2016;", b";deux mille;", 1)
    first = check_file(bad, "titre.csv", store).errors[0]
    assert first.row == 4
    missing = check_file(b"member_id;year\nM01;2016\n", "f.csv", store).errors[-1]
    assert missing.text("fr").startswith("Colonnes obligatoires manquantes\u00a0: Nom du membre")
    one = check_file(b"member_id;member_name;member_type;sector;area;year;turnover_eur\n"
                     b"M01;A;sme;waste;87;2016;1\n", "f.csv", store).errors[-1]
    assert one.text().startswith("Missing required column: jobs.")


def test_member_page_for_the_member_and_the_manager(signed, demo_db, monkeypatch):
    at = signed("m01@ondivert.fr")
    assert at.title[0].value == "My figures"
    names = [f["layout"]["title"]["text"] for f in figures(at)]
    assert names == ["Turnover by year", "Jobs by year"]
    own = next(d.value for d in at.dataframe if "Sector" in d.value.columns)
    assert "Waste" in set(own["Sector"]) or not own["Sector"].str.islower().all()  # labels
    french = signed("m01@ondivert.fr", lang="fr")
    assert any(m.label.startswith("Vos emplois 2015") for m in french.metric)
    sub = signed("m01@ondivert.fr", "app_pages/submissions.py")
    assert sub.title[0].value == "Send your figures"  # the member's Submissions page
    # a manager previews any member's page (it was 'Page not found')
    monkeypatch.delenv("CLUSTER_AUTH_FILE")
    manager = app(demo_db, monkeypatch, "app_pages/my_figures.py")
    manager.selectbox(key="member_id").set_value("M01").run()
    assert any(m.label == "Your turnover 2015" for m in manager.metric)


def test_filter_links_hold_codes_and_say_what_they_drop(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch, member_type=["SME", "no such type"], lang="fr")
    assert at.multiselect(key="member_type").value == ["sme"]  # an English label, in French
    assert at.query_params["member_type"] in ("sme", ["sme"])
    assert any("no such type" in w.value for w in at.sidebar.warning)
    # pages that the filters do not change have none
    sub = app(demo_db, monkeypatch, "app_pages/submissions.py")
    assert not [m for m in sub.sidebar.multiselect]


def test_without_a_browser_the_dashboard_says_how_to_enable_exports(demo_db, monkeypatch,
                                                                     tmp_path):
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setenv("BROWSER_CANDIDATES", "")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert export.find_browser() is None
    at = app(demo_db, monkeypatch)
    hints = [c.value for c in at.caption if "Chrome or Chromium" in c.value]
    assert len(hints) == 1  # once a page, not under every chart


def test_setup_script_never_fails_without_a_browser(tmp_path):
    failing, bare = tmp_path / "failing", tmp_path / "bare"
    failing.mkdir()
    bare.mkdir()
    (failing / "apt-get").write_text("#!/bin/sh\nexit 1\n")  # an install that fails
    (failing / "apt-get").chmod(0o755)
    (failing / "id").symlink_to("/usr/bin/id")
    for path in (str(failing), str(bare)):  # apt-get failing; no apt-get at all
        done = subprocess.run(["/bin/bash", "scripts/ensure_chromium.sh"], cwd=ROOT, text=True,
                              capture_output=True,
                              env={"PATH": path, "BROWSER_CANDIDATES": "/nonexistent"})
        assert done.returncode == 0, done.stderr
        assert "works without it" in done.stderr
    makefile = (ROOT / "Makefile").read_text()
    assert "Installing dependencies... (about 2 minutes the first time)" in makefile


def test_reminder_csv_lists_who_is_late(partial_db):
    frame = collection.members(Store(partial_db), 2016)
    rows = list(csv.DictReader(io.StringIO(collection.reminder_csv(frame).decode())))
    assert len(rows) == 24 and rows[0]["member_id"] == "M05" and rows[0]["email"].endswith(".example")


def test_add_user_states_the_rules_and_asks_twice(tmp_path, monkeypatch, capsys):
    from analytics import cli

    answers = iter(["long enough 1", "long enough 2"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    auth = tmp_path / "auth.yaml"
    assert cli.main(["add-user", "bob", "--role", "funder", "--auth-file", str(auth)]) == 1
    out = capsys.readouterr()
    assert "at least 8 characters" in out.out and "differ; nothing was saved" in out.err
    assert not auth.exists()
    answers = iter(["long enough 1", "long enough 1"])
    assert cli.main(["add-user", "bob", "--role", "funder", "--auth-file", str(auth)]) == 0
    assert "bob" in auth.read_text()

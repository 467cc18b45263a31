"""Numbers a funder can audit (issue 13): one document never contradicts itself, no part
is computed from a year nobody reported, definitions as documented.

Each test recomputes the figure by hand or from the raw rows, independently of the SQL.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from analytics import document, growth, kpis
from analytics.filters import Filters
from analytics.ingest import check_file, load_checked, load_demo
from analytics.store import Store

HEADER = "member_id,member_name,member_type,sector,area,year,turnover_eur,jobs"


def load(store: Store, text: str, name: str = "f.csv") -> None:
    report = check_file(text.encode(), name, store)
    assert report.ok, report.errors
    load_checked(report, store)


def test_carry_forward_is_one_stored_setting_read_by_every_part(store):
    """Changing the setting rebuilds the cube in the same transaction: by_year and the
    decomposition of one estimated document agree (they disagreed with N=0 set late)."""
    load_demo(store)
    assert store.setting("carry_forward_years") == 2
    result = store.set_setting("carry_forward_years", 0, "test")
    assert result is not None and store.history().iloc[0]["kind"] == "settings"
    try:
        doc = document.summary(store, Filters(estimated=True))
        by_year = {r["year"]: r["jobs"] for r in doc["by_year"]}
        for a in doc["decomposition"]["jobs"]["annual"]:
            if a["change"] is not None:
                assert a["change"] == pytest.approx(by_year[a["year"]] - by_year[a["year"] - 1])
        # with N = 0 nothing is carried: the estimated view's sums are the reported ones
        assert all(r["estimated_members"] == 0 for r in doc["by_year"])
    finally:
        store.undo(result.load_id, "test")  # the change is undoable like any load
    assert store.setting("carry_forward_years") == 2


def test_settings_on_the_command_line(tmp_path, capsys):
    from analytics.cli import main

    db = str(tmp_path / "s.duckdb")
    assert main(["settings", "--db", db]) == 0
    assert "carry_forward_years = 2" in capsys.readouterr().out
    assert main(["settings", "carry_forward_years", "1", "--db", db, "--user", "ana"]) == 0
    assert "carry_forward_years = 1" in capsys.readouterr().out
    history = Store(db).history()
    assert (history.iloc[0]["kind"], history.iloc[0]["loaded_by"]) == ("settings", "ana")
    assert main(["settings", "carry_forward_years", "-1", "--db", db]) == 1


def test_environment_setting_becomes_the_stored_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("CLUSTER_CARRY_FORWARD_YEARS", "1")
    store = Store(tmp_path / "s.duckdb")
    assert store.setting("carry_forward_years") == 1
    monkeypatch.delenv("CLUSTER_CARRY_FORWARD_YEARS")
    assert Store(tmp_path / "s.duckdb").setting("carry_forward_years") == 1


GAP = HEADER + """
A,A,SME,waste,87,2010,100,10
B,B,SME,waste,87,2010,200,20
C,C,SME,water,87,2010,300,30
A,A,SME,waste,87,2011,,11
B,B,SME,waste,87,2011,,21
C,C,SME,water,87,2011,330,31
A,A,SME,waste,87,2012,120,12
B,B,SME,waste,87,2012,220,22
C,C,SME,water,87,2012,360,32
"""


def test_a_year_nobody_reported_is_never_zero(store):
    load(store, GAP)
    waste = Filters(sectors=("waste",))
    d = growth.decompose(store, waste, "turnover_eur")
    a2011, a2012 = d["annual"]
    for part in (a2011, a2012):  # nobody in waste reported turnover for 2011
        assert part["no_data"] and part["change"] is None and part["entries"] is None
        assert part["leavers"] is None and part["like_for_like"] is None
    # the chained index skips 2011 (marked) and links 2012 to 2010
    assert d["index"] == [
        {"year": 2010, "index": 100.0, "from_year": None},
        {"year": 2011, "index": None, "from_year": None, "no_data": True},
        {"year": 2012, "index": pytest.approx(100 * 340 / 300), "from_year": 2010}]
    # a range starting before the data has no baseline: no part, not "everything entered"
    early = growth.decompose(store, Filters(year_from=2008), "turnover_eur", 2008)
    assert early["period"]["no_data"] and early["period"]["entries"] is None


def test_growth_and_decomposition_use_the_same_years(store):
    """A group that stopped reporting turnover: both say nothing, and when both have
    values the README identity holds."""
    load(store, GAP.replace("A,A,SME,waste,87,2012,120,12", "A,A,SME,waste,87,2012,,12")
         .replace("B,B,SME,waste,87,2012,220,22", "B,B,SME,waste,87,2012,,22"))
    waste = Filters(sectors=("waste",))
    doc = document.summary(store, waste)
    g, d = doc["growth"]["turnover_eur"], doc["decomposition"]["turnover_eur"]
    assert (g["baseline_year"], g["latest_year"]) == (d["baseline_year"], d["latest_year"])
    assert g["change"] is None and d["change"] is None
    doc = document.summary(store)
    for m in kpis.GROWTH_MEASURES:
        g, d = doc["growth"][m], doc["decomposition"][m]
        assert (g["baseline_year"], g["latest_year"]) == (d["baseline_year"], d["latest_year"])
        assert d["like_for_like"] + d["joiners"] - d["leavers"] + d["reporting_changes"] == \
            pytest.approx(g["change"], abs=1e-9)


def test_joiners_leavers_and_reporting_changes_match_the_member_list(demo_store):
    """The demo's 2012: the membership table's 'left' is the decomposition's leavers; a
    member that skipped a year is a reporting change, not an exit."""
    flows = growth.membership_flows(demo_store).set_index("year")
    for measure in kpis.GROWTH_MEASURES:
        d = growth.decompose(demo_store, Filters(), measure)
        for a in d["annual"]:
            assert a["leaving_members"] <= flows.loc[a["y1"], "left"]
            assert a["joining_members"] <= flows.loc[a["y1"], "joined"]
            assert a["change"] == a["like_for_like"] + a["joiners"] - a["leavers"] + \
                a["reporting_changes"]
            assert a["entries"] - a["exits"] == a["joiners"] - a["leavers"] + a["reporting_changes"]


def test_gross_creation_never_counts_returns_or_joiners(store):
    load(store, HEADER + """
A,A,SME,waste,87,2010,1,10
A,A,SME,waste,87,2011,1,14
B,B,SME,waste,87,2010,1,50
C,C,SME,waste,87,2011,1,70
B,B,SME,waste,87,2012,1,50
A,A,SME,waste,87,2012,1,13
C,C,SME,waste,87,2012,1,75
""")
    a2011, a2012 = growth.decompose(store, Filters(), "jobs")["annual"]
    assert a2011["created"] == Decimal("4.00")  # A +4; C's 70 joined, B's 50 stopped reporting
    assert a2012["created"] == Decimal("5.00")  # C +5; B's return is not a creation
    assert (a2012["reporting_changes"], a2012["joiners"]) == (Decimal("50.00"), 0)


def test_every_table_export_has_the_median(demo_store, demo_rows):
    """The median column of the KPI tables is filled (it was always empty), with the
    median of the raw rows."""
    from statistics import median

    from analytics import export

    tables = export.kpi_tables(kpis.overview(demo_store, Filters(), medians=True))
    column = kpis.INDICATORS["median_turnover_eur"].name() + " (EUR)"
    by_year = tables["by_year"].set_index(export.column_title("year"))
    for year in (2009, 2015):
        values = [r["turnover_eur"] for r in demo_rows if r["year"] == year and r["turnover_eur"] is not None]
        assert by_year.loc[year, column] == pytest.approx(float(median(values)))
    sectors = tables["by_sector"]  # empty only where nobody reported a turnover
    assert (sectors[column].isna() == sectors[export.column_title("turnover_eur")].isna()).all()
    assert sectors[column].notna().sum() > 40


def test_estimated_view_has_its_own_columns_in_exports(demo_store):
    from analytics import export

    result = kpis.overview(demo_store, Filters(estimated=True), medians=True)
    table = export.kpi_tables(result, estimated=True)["by_year"].set_index(export.column_title("year"))
    row = table.loc[2012]
    assert row[export.column_title("estimated_members")] == 1
    raw = result["by_year"].set_index("year").loc[2012]
    assert row[export.column_title("turnover_estimated_share")] == pytest.approx(
        raw["turnover_eur_estimated"] / raw["turnover_eur"], abs=5e-5)  # 4 decimals
    assert export.column_title("estimated_members") not in export.kpi_tables(
        kpis.overview(demo_store, Filters()))["by_year"].columns


def test_unusual_changes_obey_every_filter(store):
    from analytics.quality import stored_jumps

    load(store, HEADER + """
A,A,SME,waste,87,2010,100,10
A,A,SME,waste,87,2011,300,10
B,B,university,water,19,2010,100,10
B,B,university,water,19,2011,100,30
""")
    assert set(stored_jumps(store)["member_id"]) == {"A", "B"}
    assert set(stored_jumps(store, Filters(member_types=("sme",)))["member_id"]) == {"A"}
    assert set(stored_jumps(store, Filters(sectors=("water",)))["member_id"]) == {"B"}
    assert stored_jumps(store, Filters(areas=("23",))).empty


def test_money_is_exact_to_the_cent_and_rates_keep_their_digits(store):
    """A change at 1.2e11 EUR is written 901530.69, not 901530.690002; a rate of 7.3e-06
    keeps its digits (it was rounded to 7e-06)."""
    load(store, HEADER + """
A,A,SME,waste,87,2010,120000000000.01,10
A,A,SME,waste,87,2011,120000901530.70,10
B,B,SME,waste,87,2010,0.07,1000000
B,B,SME,waste,87,2011,0.07,1000000
C,C,SME,waste,87,2010,0.07,1000000
C,C,SME,waste,87,2011,0.07,1000000
""")
    doc = document.summary(store)
    assert doc["growth"]["turnover_eur"]["change"] == 901530.69
    assert doc["decomposition"]["turnover_eur"]["like_for_like"] == 901530.69
    ratio = doc["by_year"][0]["turnover_per_job"]
    assert ratio == pytest.approx(120000000000.15 / 2000010, rel=1e-12)
    assert doc["growth"]["turnover_eur"]["pct"] == pytest.approx(901530.69 / 120000000000.15,
                                                                 rel=1e-9)
    for row in doc["by_year"]:
        for key in ("turnover_eur", "jobs", "median_turnover_eur"):
            assert _money_ok(row[key])


def test_even_median_rounds_half_even_to_the_cent(store):
    load(store, HEADER + """
A,A,SME,waste,87,2010,0.01,1
B,B,SME,waste,87,2010,0.02,1
A,A,SME,waste,87,2011,0.01,1
B,B,SME,waste,87,2011,0.04,1
""")
    medians = kpis.by_year(store).set_index("year")["median_turnover_eur"]
    assert medians[2010] == 0.02  # 0.015 -> 0.02 (half to even), DuckDB truncated to 0.01
    assert medians[2011] == 0.02  # 0.025 -> 0.02


def test_non_member_rows_have_their_own_count(store):
    """A row sent after the member left counts in the totals and as a non-member row,
    not as a response: '2 reporting / 1 active / 100 %, 1 non-member row'."""
    load(store, HEADER + """
A,A,SME,waste,87,2010,100,10
B,B,SME,waste,87,2010,100,10
A,A,SME,waste,87,2011,100,10
B,B,SME,waste,87,2011,100,10
""")
    load(store, "member_id,joined_year,left_year\nA,2010,\nB,2010,2011\n", "members.csv")
    row = kpis.by_year(store).set_index("year").loc[2011]
    assert (row["members"], row["active_members"], row["responded"]) == (2, 1, 1)
    assert row["non_member_rows"] == 1 and row["response_rate"] == 1.0
    assert row["turnover_eur"] == 200


def test_resubmitting_without_optional_columns_keeps_stored_values(store, tmp_path):
    """A file of the core columns replaces those; export, R&D, training and projects stay
    (they were silently erased). An empty cell in a column the file has is 'not reported'."""
    from analytics.ingest import kept_columns

    full = ("member_id,member_name,member_type,sector,area,year,turnover_eur,jobs,"
            "export_turnover_eur,collaborative_projects\n"
            "A,A,SME,waste,87,2010,100,10,40,1\nB,B,SME,waste,87,2010,200,20,50,2\n")
    load(store, full)
    core = check_file((HEADER + "\nA,A,SME,waste,87,2010,110,11\nB,B,SME,waste,87,2010,,21\n")
                      .encode(), "core.csv", store)
    assert "collaborative_projects" in kept_columns(core) and "jobs" not in kept_columns(core)
    load_checked(core, store)
    rows = {r[0]: r[1:] for r in store.rows(
        "SELECT member_id, turnover_eur, jobs, export_turnover_eur, collaborative_projects "
        "FROM submissions")}
    assert rows["A"] == (Decimal("110.00"), Decimal("11.00"), Decimal("40.00"), 1)
    assert rows["B"] == (None, Decimal("21.00"), Decimal("50.00"), 2)  # empty cell: not reported
    assert kpis.by_year(store).loc[0, "collaborative_projects"] == 3
    # and the load is undone like any other: the first file's values come back
    store.undo(int(store.history().iloc[0]["load_id"]), "test")
    assert store.rows("SELECT sum(turnover_eur) FROM submissions")[0][0] == Decimal("300.00")


TARGETS_DEMO = "indicator,kind,year,value\nmembers,target,2018,35\n"


def test_targets_without_baseline_use_the_first_year_and_say_so(store):
    rows = [f"M{i},M{i},SME,waste,87,2009,1,1" for i in range(23)]
    rows += [f"M{i},M{i},SME,waste,87,2015,1,1" for i in range(28)]
    load(store, HEADER + "\n" + "\n".join(rows) + "\n")
    load(store, TARGETS_DEMO, "targets.csv")
    [p] = document.summary(store)["targets"]
    # 23 members in 2009, 5 more by 2015: (28 - 23) / (35 - 23), not 28 / 35 = 80 %
    assert (p["baseline"], p["baseline_year"], p["baseline_implied"]) == (23, 2009, True)
    assert p["target_progress"] == pytest.approx(5 / 12)


def test_a_target_that_goes_down_is_met_by_going_down(store):
    from analytics import targets

    load(store, HEADER + "\nA,A,SME,waste,87,2010,1,100\nA,A,SME,waste,87,2012,1,80\n")
    load(store, "indicator,kind,year,value\njobs,baseline,2010,100\njobs,milestone,2012,90\n"
                "jobs,target,2015,50\n", "targets.csv")
    [p] = targets.progress(kpis.by_year(store), targets.stored_targets(store))
    assert p["direction"] == "down" and p["milestone_met"] is True
    assert p["target_progress"] == pytest.approx(20 / 50)


def test_targets_are_out_of_scope_under_a_member_filter(store):
    """The funder's SME-filtered report read 'way to target -54.2 %'."""
    from analytics import report, targets

    load(store, HEADER + "\nA,A,SME,waste,87,2010,1,100\nB,B,university,waste,87,2010,1,100\n"
                         "A,A,SME,waste,87,2012,1,80\nB,B,university,waste,87,2012,1,80\n")
    load(store, "indicator,kind,year,value\njobs,target,2015,500\n", "targets.csv")
    smes = Filters(member_types=("sme",))
    [p] = document.summary(store, smes)["targets"]
    assert p["in_scope"] is False and p["target_progress"] is None and p["milestone_met"] is None
    assert "whole cluster" in p["out_of_scope_reason"]
    assert document.summary(store, Filters(year_from=2010))["targets"][0]["in_scope"] is True
    extra = growth.bundle(store, smes)
    assert extra["targets_in_scope"] is False
    result = kpis.overview(store, smes)
    doc_bytes = report.report_docx(result, report.context(store, smes), {}, [], extra)
    from io import BytesIO

    from docx import Document

    text = "\n".join(p.text for p in Document(BytesIO(doc_bytes)).paragraphs)
    assert targets.gettext(targets.OUT_OF_SCOPE, "en") in text
    assert all("Way to target" not in c.text for t in Document(BytesIO(doc_bytes)).tables
               for r in t.rows for c in r.cells)


SME_GROWS = HEADER + """
A,A,SME,waste,87,2010,100,10
A,A,SME,waste,87,2011,110,200
A,A,large_company,waste,87,2012,120,300
B,B,SME,waste,87,2010,50,5
B,B,SME,waste,87,2011,55,6
B,B,SME,waste,87,2012,60,7
C,C,SME,water,87,2010,70,8
C,C,SME,water,87,2011,75,9
C,C,SME,water,87,2012,80,9
"""


def test_classification_as_reported_each_year_or_current(store):
    """A member that outgrew SME status: the current classification takes it out of every
    SME year; 'as reported' keeps it an SME while it was one, in every output."""
    load(store, SME_GROWS)
    smes = Filters(member_types=("sme",))
    as_reported = Filters(member_types=("sme",), classification="reported")
    current = kpis.by_year(store, smes).set_index("year")["turnover_eur"]
    reported = kpis.by_year(store, as_reported).set_index("year")["turnover_eur"]
    assert list(current) == [120, 130, 140]  # B and C only, every year
    assert list(reported) == [220, 240, 140]  # A while it reported SME
    # the breakdown, the decomposition and the JSON follow the same switch
    by_type = kpis.by_dimension(store, "member_type", Filters(classification="reported"))
    assert by_type.query("year == 2011 and member_type == 'sme'")["turnover_eur"].item() == 240
    d = growth.decompose(store, as_reported, "turnover_eur")
    a2012 = d["annual"][-1]
    assert a2012["change"] == Decimal(140 - 240)
    assert a2012["leavers"] == Decimal(110)  # A left the SME selection in 2012
    doc = document.summary(store, as_reported)
    assert doc["classification"] == "reported"
    assert "classification as reported each year" in doc["filters"]
    assert "current classification" in document.summary(store)["filters"]
    statuses = kpis.member_status(store, Filters(classification="reported"))
    assert set(statuses.query("member_id == 'A'")["member_type"]) == {"sme", "large_company"}


def test_funders_get_the_as_reported_classification_protected(store):
    """The reported classification's tables are part of the one publication: a funder's
    SME rows in it are masked by the same audited pattern."""
    load(store, SME_GROWS)
    doc = document.summary(store, Filters(member_types=("sme",), classification="reported"),
                       role="funder")
    # 2 or 3 SMEs per year, A dominant in 2011 (200 of 215 jobs): never shown
    jobs_2011 = next(r for r in doc["by_year"] if r["year"] == 2011)
    assert jobs_2011["jobs"] is None and "jobs" in jobs_2011["confidential"]


def test_classification_in_the_url_and_on_the_command_line(tmp_path):
    from analytics.cli import main

    f, notices = Filters.from_params({"as_reported": "true"})
    assert f.classification == "reported" and not notices
    f, notices = Filters.from_params({"classification": "sideways"})
    assert f.classification == "current" and notices
    store = Store(tmp_path / "c.duckdb")
    load(store, SME_GROWS)
    del store
    import contextlib
    import io
    import json

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["kpis", "--db", str(tmp_path / "c.duckdb"), "--format", "json",
                     "--member-type", "sme", "--classification", "reported"]) == 0
    doc = json.loads(out.getvalue())
    assert [r["turnover_eur"] for r in doc["by_year"]] == [220, 240, 140]


# -- one property over random panels -------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SECTORS = ("waste", "water", "forest")
YEARS = range(2010, 2016)


@st.composite
def random_panel(draw):
    """Members with entries, exits, gap years, sector and type changes, a whole sector
    missing turnover for a year, and resubmitted rows (loaded by a second file)."""
    cents = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False)
    fte = st.decimals(min_value=0, max_value=400, places=2, allow_nan=False)
    rows = []
    for m in range(draw(st.integers(1, 7))):
        first = draw(st.integers(2010, 2015))
        last = draw(st.integers(first, 2015))
        sector, kind = draw(st.sampled_from(SECTORS)), draw(st.sampled_from(("sme", "large_company")))
        switch = draw(st.none() | st.integers(first, last))
        later = (draw(st.sampled_from(SECTORS)), draw(st.sampled_from(("sme", "large_company"))))
        for year in range(first, last + 1):
            if year not in (first, last) and draw(st.booleans()):
                continue  # a non-response
            s, k = later if switch is not None and year >= switch else (sector, kind)
            rows.append({"member_id": f"M{m}", "member_name": f"M{m}", "member_type": k,
                         "sector": s, "area": "87", "year": year,
                         "turnover_eur": draw(st.none() | cents), "jobs": draw(st.none() | fte)})
    silent = draw(st.none() | st.tuples(st.sampled_from(SECTORS), st.sampled_from(YEARS)))
    if silent:  # nobody in that sector reported turnover that year
        for r in rows:
            if (r["sector"], r["year"]) == silent:
                r["turnover_eur"] = None
    resubmitted = [dict(r, turnover_eur=draw(st.none() | cents)) for r in rows
                   if draw(st.integers(0, 4)) == 0]
    return rows, resubmitted


def _final(rows: list[dict], resubmitted: list[dict]) -> list[dict]:
    latest = {(r["member_id"], r["year"]): r for r in rows}
    for r in resubmitted:
        latest[(r["member_id"], r["year"])] = {**latest[(r["member_id"], r["year"])],
                                                "turnover_eur": r["turnover_eur"]}
    return list(latest.values())


def _class_of(rows: list[dict], member: str, year: int, mode: str) -> dict:
    mine = sorted((r for r in rows if r["member_id"] == member), key=lambda r: r["year"])
    if mode == "current":
        return mine[-1]
    before = [r for r in mine if r["year"] <= year]
    return before[-1] if before else mine[0]


def _money_ok(value) -> bool:
    text = repr(value)
    return value is None or "e" in text or "." not in text or len(text.split(".")[1]) <= 2


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(random_panel(), st.sampled_from(("current", "reported")), st.booleans(),
       st.none() | st.sampled_from(SECTORS), st.integers(2009, 2015), st.integers(2010, 2016))
def test_one_document_never_contradicts_itself(panel, mode, estimated, sector, a, b):
    import pandas as pd

    from analytics.schema import SUBMISSIONS

    rows, resubmitted = panel
    store = Store(":memory:")
    store.load(SUBMISSIONS, pd.DataFrame(rows).reindex(columns=SUBMISSIONS.names),
               file_name="first", sha256="", user="t")
    if resubmitted:  # a file of identifiers and turnover only: jobs stay as stored
        store.load(SUBMISSIONS, pd.DataFrame(resubmitted).reindex(columns=SUBMISSIONS.names),
                   file_name="again", sha256="", user="t",
                   columns=("member_id", "member_name", "member_type", "sector", "area", "year",
                            "turnover_eur"))
    final = _final(rows, resubmitted)
    filters = Filters(year_from=min(a, b), year_to=max(a, b), estimated=estimated,
                      classification=mode, sectors=(sector,) if sector else ())
    doc = document.summary(store, filters)
    by_year = {r["year"]: r for r in doc["by_year"]}
    for measure in kpis.GROWTH_MEASURES:
        g, d = doc["growth"][measure], doc["decomposition"][measure]
        assert (g["baseline_year"], g["latest_year"]) == (d["baseline_year"], d["latest_year"])
        if g["change"] is not None:
            parts = d["like_for_like"] + d["joiners"] - d["leavers"] + d["reporting_changes"]
            assert parts == pytest.approx(g["change"], abs=0.006)
            assert d["change"] == pytest.approx(g["change"], abs=0.006)
        else:
            assert d["change"] is None and d["like_for_like"] is None
        for part in d["annual"]:
            y = part["year"]
            values = (by_year.get(y, {}).get(measure), by_year.get(y - 1, {}).get(measure))
            if None in values:  # no part from a year without values
                assert part["change"] is None and part["like_for_like"] is None
            else:  # by_year and the decomposition agree
                assert part["change"] == pytest.approx(values[0] - values[1], abs=0.006)
                assert part["change"] == pytest.approx(
                    part["like_for_like"] + part["joiners"] - part["leavers"]
                    + part["reporting_changes"], abs=0.006)
            for key in ("like_for_like", "joiners", "leavers", "reporting_changes", "change"):
                assert _money_ok(part[key])
        assert all(_money_ok(g[k]) for k in ("baseline", "latest", "change"))
    for r in doc["by_year"]:
        assert all(_money_ok(r[k]) for k in ("turnover_eur", "jobs", "median_turnover_eur"))
    if not estimated:  # the sums, recomputed from the raw rows in the chosen classification
        for year, r in by_year.items():
            for measure in kpis.GROWTH_MEASURES:
                mine = [x[measure] for x in final if x["year"] == year and x[measure] is not None
                        and (sector is None or _class_of(final, x["member_id"], year, mode)["sector"]
                             == sector)]
                expected = float(sum(mine)) if mine else None
                assert r[measure] == (pytest.approx(expected, abs=0.001) if mine else None)

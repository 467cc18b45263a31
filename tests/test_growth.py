"""Growth decomposition, flows, targets and the estimated view: hand-computed examples
and property tests over random panels."""

from __future__ import annotations

import math
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import document, growth, kpis, targets
from analytics.filters import Filters
from analytics.ingest import check_file, load_checked
from analytics.schema import SUBMISSIONS
from analytics.store import Store

HEADER = "member_id,member_name,member_type,sector,area,year,turnover_eur,jobs,export_turnover_eur"


def load(store: Store, text: str, name: str = "f.csv") -> None:
    report = check_file(text.encode(), name, store)
    assert report.ok, report.errors
    load_checked(report, store)


PANEL = HEADER + """
A,Alpha,SME,waste,87,2010,100.10,10,
A,Alpha,SME,waste,87,2011,150.20,12,
A,Alpha,SME,waste,87,2012,120.00,11,
B,Beta,SME,water,19,2010,200.00,5,
B,Beta,SME,water,19,2011,180.00,4,
C,Gamma,large_company,forest,87,2011,1000.00,3,
C,Gamma,large_company,forest,87,2012,1100.00,0,
D,Delta,research_lab,env_rd,23,2010,,7,
D,Delta,research_lab,env_rd,23,2012,,7,
"""


@pytest.fixture
def panel(store):
    load(store, PANEL)
    return store


def test_hand_computed_decomposition(panel):
    d = growth.decompose(panel, measure="turnover_eur")
    p = d["period"]  # 2010 -> 2012: A continues, B exits, C enters, D has no turnover
    assert (p["y0"], p["y1"]) == (2010, 2012)
    assert p["total_before"] == Decimal("300.10") and p["total_after"] == Decimal("1220.00")
    assert p["like_for_like"] == Decimal("19.90")  # 120.00 - 100.10
    assert p["entries"] == Decimal("1100.00") and p["exits"] == Decimal("200.00")
    assert p["change"] == p["like_for_like"] + p["entries"] - p["exits"] == Decimal("919.90")
    a2011, a2012 = d["annual"]
    assert a2011["like_for_like"] == Decimal("30.10")  # A +50.10, B -20
    assert a2011["entries"] == Decimal("1000.00") and a2011["exits"] == 0
    assert a2012["like_for_like"] == Decimal("69.80")  # A -30.20, C +100
    assert a2012["exits"] == Decimal("180.00")
    r11, r12 = 330.20 / 300.10, 1220.00 / 1150.20
    assert a2011["like_for_like_rate"] == pytest.approx(r11 - 1)
    assert d["index"][-1]["index"] == pytest.approx(100 * r11 * r12)


def test_jobs_created_gross_and_the_skipped_year(panel):
    d = growth.decompose(panel, measure="jobs")
    a2011, a2012 = d["annual"]
    # 2011: A +2 (grew), B -1 (not netted), C joins with 3, D (a member) skipped: 7 stop
    # reporting. Gross creation counts A's growth only (Davis-Haltiwanger expansions)
    assert a2011["created"] == Decimal("2.00")
    assert a2011["exits"] == Decimal("7.00") and a2011["change"] == Decimal("-3.00")
    assert (a2011["joiners"], a2011["leavers"], a2011["reporting_changes"]) == (
        Decimal("3.00"), 0, Decimal("-7.00"))
    # 2012: C went to 0 jobs, A -1, B left; D back: reporting again, not a creation
    assert a2012["entries"] == Decimal("7.00") and a2012["created"] == 0
    assert (a2012["joiners"], a2012["leavers"], a2012["reporting_changes"]) == (
        0, Decimal("4.00"), Decimal("7.00"))
    for a in (a2011, a2012):
        assert a["change"] == a["like_for_like"] + a["joiners"] - a["leavers"] + a["reporting_changes"]
    est = growth.decompose(panel, Filters(estimated=True), measure="jobs")
    # estimated view: D's 2011 is carried forward, so D continues instead of exit + entry
    assert est["annual"][0]["exits"] == 0 and est["annual"][1]["entries"] == 0


def test_indicator_edge_cases(panel):
    y = kpis.by_year(panel).set_index("year")
    assert math.isnan(y.loc[2010, "export_share"])  # nobody reported exports
    assert y.loc[2012, "turnover_per_job"] == pytest.approx(120.00 / 11)  # C has 0 jobs: out
    assert y.loc[2010, "median_turnover_eur"] == pytest.approx((100.10 + 200.00) / 2)
    assert y.loc[2010, "sme_share"] == pytest.approx(2 / 3)
    assert y.loc[2011, "turnover_reported"] == 3 and y.loc[2011, "members"] == 3
    assert y.loc[2011, "active_members"] == 4  # D skipped 2011 but is a member


def test_single_year_and_empty_baseline(store):
    load(store, HEADER + "\nA,Alpha,SME,waste,87,2010,100,10,\n")
    d = growth.decompose(store, measure="turnover_eur")
    assert d["annual"] == [] and d["period"]["change"] == 0
    assert d["index"] == [{"year": 2010, "index": 100.0, "from_year": None}]
    none = growth.decompose(store, Filters(member_types=("university",)), measure="jobs")
    assert none == {"annual": [], "period": None, "index": []}
    assert kpis.growth(kpis.by_year(store, Filters(year_from=2005)), 2005)["jobs"]["baseline"] is None


def test_high_growth_enterprises_by_hand(store):
    rows = []
    # Eurostat: more than 10 %/year: A's exact +10 %/year (13.31 = 10 x 1.1^3) is not
    for member, kind, jobs in (("A", "SME", [10, 11, 12.1, 13.31]), ("B", "SME", [10, 11, 12, 13.3]),
                               ("C", "SME", [9, 12, 15, 20]), ("D", "SME", [0, 5, 10, 20]),
                               ("E", "large_company", [10, 11, 12.1, 13.32]),
                               ("F", "university", [10, 20, 30, 40])):  # not an enterprise
        rows += [f"{member},{member},{kind},waste,87,{2010 + i},1,{j},"
                 for i, j in enumerate(jobs)]
    load(store, HEADER + "\n" + "\n".join(rows) + "\n")
    hge = growth.high_growth_enterprises(store)
    assert hge.to_dict("records") == [{"year": 2013, "eligible_members": 3, "high_growth": 1}]


def test_membership_flows_by_hand(panel):
    load(panel, "member_id,joined_year,left_year\nA,2005,\nB,2009,2012\nC,2011,\nD,2010,\n",
         "members.csv")
    flows = growth.membership_flows(panel).set_index("year")
    assert flows.loc[2011, "joined"] == 1 and flows.loc[2012, "left"] == 1
    assert flows.loc[2012, "active_members"] == 3
    assert flows.loc[2012, "retention_rate"] == pytest.approx(3 / 4)


def test_targets_progress_by_hand(store):
    load(store, HEADER + "\nA,A,SME,waste,87,2015,1,700,\n")
    load(store, "indicator,kind,year,value\njobs,baseline,2009,500\njobs,milestone,2015,750\n"
                "jobs,target,2018,800\n", "targets.csv")
    [p] = targets.progress(kpis.by_year(store), targets.stored_targets(store))
    assert p["target_progress"] == pytest.approx(200 / 300) and p["milestone_met"] is False


def test_targets_file_errors_and_future_years(store):
    report = check_file(b"indicator,kind,year,value\nhappiness,target,2030,1\njobs,wish,2099,1\n",
                        "t.csv", store)
    assert report.kind == "targets"
    assert sorted((p.row, p.column) for p in report.errors) == [(2, "indicator"), (3, "kind"),
                                                                  (3, "year")]


def test_json_decomposition_adds_up(demo_store):
    doc = document.summary(demo_store)
    for measure in ("turnover_eur", "jobs"):
        d, g = doc["decomposition"][measure], doc["growth"][measure]
        assert d["like_for_like"] + d["entries"] - d["exits"] == pytest.approx(g["change"], abs=0.005)
        assert d["entries"] > 0 and d["exits"] > 0  # the demo waterfall is not trivial


# -- property tests -----------------------------------------------------------------------

cents = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False)
fte = st.decimals(min_value=0, max_value=500, places=2, allow_nan=False)


@st.composite
def panels(draw, gaps: bool = True):
    """Random members x years, with entries, exits, gaps (if allowed) and missing values."""
    rows = []
    for m in range(draw(st.integers(1, 6))):
        first = draw(st.integers(2010, 2015))
        last = draw(st.integers(first, 2015))
        for year in range(first, last + 1):
            if gaps and year not in (first, last) and draw(st.booleans()):
                continue
            rows.append({"member_id": f"M{m}", "member_name": f"M{m}", "member_type": "sme",
                         "sector": draw(st.sampled_from(["waste", "water"])), "area": "87",
                         "year": year, "turnover_eur": draw(st.none() | cents),
                         "jobs": draw(st.none() | fte)})
    return rows


def store_of(rows: list[dict]) -> Store:
    store = Store(":memory:")
    frame = pd.DataFrame(rows).reindex(columns=SUBMISSIONS.names)
    store.load(SUBMISSIONS, frame, file_name="random", sha256="", user="test")
    return store


PROPERTY = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@PROPERTY
@given(panels(), st.integers(2010, 2015), st.integers(2010, 2015))
def test_parts_add_up_exactly_and_match_independent_sums(rows, a, b):
    y0, y1 = min(a, b), max(a, b)
    store = store_of(rows)
    for measure in ("turnover_eur", "jobs"):
        values = {(r["member_id"], r["year"]): r[measure] for r in rows if r[measure] is not None}
        d = growth.decompose(store, measure=measure, baseline_year=y0, latest_year=y1)
        p = d["period"]
        before = {m: v for (m, y), v in values.items() if y == y0}
        after = {m: v for (m, y), v in values.items() if y == y1}
        if not before or not after:  # a year nobody reported: no part is computed from it
            assert p is None or (p["change"] is None and p["like_for_like"] is None
                                 and p["entries"] is None)
            continue
        assert p["total_before"] == sum(before.values(), Decimal(0))
        assert p["total_after"] == sum(after.values(), Decimal(0))
        assert p["like_for_like"] == sum((after[m] - before[m] for m in before if m in after), Decimal(0))
        assert p["entries"] == sum((v for m, v in after.items() if m not in before), Decimal(0))
        assert p["exits"] == sum((v for m, v in before.items() if m not in after), Decimal(0))
        assert p["total_after"] - p["total_before"] == p["like_for_like"] + p["entries"] - p["exits"]
        assert p["change"] == p["like_for_like"] + p["joiners"] - p["leavers"] + p["reporting_changes"]
        for part in d["annual"]:
            if part["change"] is not None:
                assert part["change"] == part["like_for_like"] + part["entries"] - part["exits"]
        rates = {(a["y0"], a["y1"]): a["like_for_like_rate"] for a in d["annual"]}
        level = None
        for point in d["index"]:
            if point.get("no_data"):
                assert point["index"] is None
                continue
            if point["from_year"] is None:
                level = 100.0
            else:
                link = (point["from_year"], point["year"])
                rate = rates[link] if link in rates else growth.decompose(
                    store, measure=measure, baseline_year=link[0],
                    latest_year=link[1])["period"]["like_for_like_rate"]
                level = level * (1 + rate) if rate is not None and level is not None else None
            assert (point["index"] is None and level is None) or point["index"] == pytest.approx(level)


@PROPERTY
@given(panels(gaps=False))
def test_estimated_view_equals_reported_view_when_nobody_is_missing(rows):
    store = store_of(rows)
    reported = kpis.by_year(store)
    estimated = kpis.by_year(store, Filters(estimated=True))
    assert (estimated["estimated_members"] == 0).all()
    columns = [c for c in reported.columns if not c.endswith("_estimated")]
    pd.testing.assert_frame_equal(reported[columns], estimated[columns])


@PROPERTY
@given(panels())
def test_estimated_view_only_adds_marked_values(rows):
    store = store_of(rows)
    reported = kpis.by_year(store).set_index("year")
    estimated = kpis.by_year(store, Filters(estimated=True)).set_index("year")
    for year in reported.index:
        extra = estimated.loc[year, "jobs_estimated"]
        extra = 0.0 if pd.isna(extra) else extra
        rep = 0.0 if pd.isna(reported.loc[year, "jobs"]) else reported.loc[year, "jobs"]
        est = 0.0 if pd.isna(estimated.loc[year, "jobs"]) else estimated.loc[year, "jobs"]
        assert est == pytest.approx(rep + extra)
        assert estimated.loc[year, "members"] == reported.loc[year, "members"]

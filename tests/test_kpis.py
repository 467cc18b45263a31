"""KPIs against values computed independently in Python from the files themselves."""

from __future__ import annotations

import math
from collections import defaultdict
from decimal import Decimal

import pytest

from analytics import document, kpis
from analytics.filters import Filters
from analytics.ingest import check_file, load_checked

HEADER = "member_id,member_name,member_type,sector,area,year,turnover_eur,jobs,export_turnover_eur"


def load(store, text: str, name: str = "f.csv") -> None:
    report = check_file(text.encode(), name, store)
    assert report.ok, report.errors
    load_checked(report, store)


def test_demo_reproduces_the_reference_cluster(demo_store):
    g = kpis.overview(demo_store)["growth"]
    assert g["turnover_eur"]["baseline_year"] == 2009 and g["turnover_eur"]["latest_year"] == 2015
    assert g["turnover_eur"]["baseline"] == 50_000_000 and g["turnover_eur"]["latest"] == 70_000_000
    assert g["jobs"]["baseline"] == 500 and g["jobs"]["latest"] == 700
    assert g["turnover_eur"]["change"] == 20_000_000
    assert g["jobs"]["pct"] == pytest.approx(0.4)
    assert g["turnover_eur"]["cagr"] == pytest.approx(1.4 ** (1 / 6) - 1)


def test_demo_shape(demo_rows):
    members = {r["member_id"] for r in demo_rows}
    assert len(members) == 30
    first = {m: min(r["year"] for r in demo_rows if r["member_id"] == m) for m in members}
    last = {m: max(r["year"] for r in demo_rows if r["member_id"] == m) for m in members}
    assert sum(y > 2009 for y in first.values()) >= 5  # members join in later years
    assert sum(y < 2015 for y in last.values()) >= 1  # at least one leaves
    assert any(r["turnover_eur"] is None and r["member_type"] == "research_lab" for r in demo_rows)
    assert {r["member_type"] for r in demo_rows} >= {"sme", "large_company", "university",
                                                    "engineering_school", "research_lab",
                                                    "tech_transfer", "competitiveness_cluster"}


def _sum(rows, key):
    values = [r[key] for r in rows if r[key] is not None]
    return float(sum(values, Decimal(0))) if values else None


def test_by_year_matches_independent_sums(demo_store, demo_rows):
    yearly = kpis.by_year(demo_store).set_index("year")
    for year in range(2009, 2016):
        rows = [r for r in demo_rows if r["year"] == year]
        assert yearly.loc[year, "turnover_eur"] == pytest.approx(_sum(rows, "turnover_eur"), abs=0.005)
        assert yearly.loc[year, "jobs"] == pytest.approx(_sum(rows, "jobs"), abs=0.005)
        assert yearly.loc[year, "members"] == len(rows)
        both = [r for r in rows if r["turnover_eur"] and r["export_turnover_eur"] is not None]
        assert yearly.loc[year, "export_share"] == pytest.approx(
            _sum(both, "export_turnover_eur") / _sum(both, "turnover_eur"))
        withjobs = [r for r in rows if r["turnover_eur"] is not None and r["jobs"]]
        assert yearly.loc[year, "turnover_per_job"] == pytest.approx(
            _sum(withjobs, "turnover_eur") / _sum(withjobs, "jobs"))


@pytest.mark.parametrize("dimension", ["sector", "member_type", "area"])
def test_breakdowns_match_independent_sums_and_add_up(demo_store, demo_rows, dimension):
    frame = kpis.by_dimension(demo_store, dimension)
    # classification is the member's latest one (see kpis.py design note)
    latest = {}
    for r in sorted(demo_rows, key=lambda r: r["year"]):
        latest[r["member_id"]] = r[dimension]
    expected = defaultdict(Decimal)
    for r in demo_rows:
        if r["jobs"] is not None:
            expected[(r["year"], latest[r["member_id"]])] += r["jobs"]
    got = {(int(y), c): v for y, c, v in frame[["year", dimension, "jobs"]].itertuples(index=False)
           if not math.isnan(v)}
    assert got == pytest.approx({k: float(v) for k, v in expected.items()})


def test_filters_change_every_number(demo_store, demo_rows):
    f = Filters(year_from=2010, year_to=2014, member_types=("sme",), sectors=("waste", "forest"))
    yearly = kpis.by_year(demo_store, f)
    assert list(yearly["year"]) == [2010, 2011, 2012, 2013, 2014]
    for year in range(2010, 2015):
        rows = [r for r in demo_rows if r["year"] == year and r["member_type"] == "sme"
                and r["sector"] in ("waste", "forest")]
        assert yearly.set_index("year").loc[year, "turnover_eur"] == pytest.approx(
            _sum(rows, "turnover_eur"))
    g = kpis.growth(yearly, 2010, 2014)["turnover_eur"]
    assert g["baseline_year"] == 2010 and g["latest_year"] == 2014


def test_filters_that_match_nothing_give_empty_results(demo_store):
    f = Filters(member_types=("university",), sectors=("noise",))
    yearly = kpis.by_year(demo_store, f)
    assert yearly.empty
    assert kpis.growth(yearly)["turnover_eur"]["latest"] is None


SMALL = HEADER + """
A,Alpha,SME,waste,87,2010,100,10,10
A,Alpha,SME,waste,87,2011,150,12,
A,Alpha,SME,waste,87,2012,200,0,50
B,Beta,research_lab,env_rd,19,2010,,5,
B,Beta,research_lab,env_rd,19,2012,,6,
C,Gamma,SME,forest,19,2011,300,3,30
"""


def test_missing_is_not_zero_and_non_response_is_not_an_exit(store):
    load(store, SMALL)
    y = kpis.by_year(store).set_index("year")
    # B is active in 2011 without submitting; C's last submission is 2011, so it left in 2012
    assert list(y["active_members"]) == [2, 3, 2]
    assert list(y["members"]) == [2, 2, 2]
    assert y.loc[2011, "response_rate"] == pytest.approx(2 / 3)
    assert y.loc[2010, "turnover_eur"] == 100  # B's empty turnover is missing, not 0
    assert y.loc[2010, "turnover_reported"] == 1
    assert y.loc[2010, "median_turnover_eur"] == 100
    assert y.loc[2011, "turnover_per_job"] == pytest.approx((150 + 300) / (12 + 3))
    assert math.isnan(y.loc[2012, "turnover_per_job"])  # A has 0 jobs: left out, no division
    assert y.loc[2012, "export_share"] == pytest.approx(50 / 200)
    status = kpis.member_status(store)
    assert status[status["status"] == "missing"][["member_id", "year"]].values.tolist() == [["B", 2011]]


def test_member_list_decides_who_is_active(store):
    load(store, SMALL)
    load(store, "member_id,joined_year,left_year\nA,2008,\nC,2010,2012\nD,2011,\n", "members.csv")
    y = kpis.by_year(store).set_index("year")
    # C joined 2010 (missing that year), left 2012; D never submitted but is a member
    assert list(y["active_members"]) == [3, 4, 3]
    status = kpis.member_status(store)
    assert sorted(map(tuple, status[status["status"] == "missing"][["member_id", "year"]].values)) == [
        ("B", 2011), ("C", 2010), ("D", 2011), ("D", 2012)]


def test_single_year_and_zero_baseline_growth(store):
    load(store, HEADER + "\nA,Alpha,SME,waste,87,2010,0,0,\n")
    g = kpis.growth(kpis.by_year(store))
    assert g["turnover_eur"]["change"] == 0
    assert g["turnover_eur"]["pct"] is None and g["turnover_eur"]["cagr"] is None


def test_summary_json_shape(demo_store):
    doc = document.summary(demo_store)
    assert {"by_year", "by_sector", "by_member_type", "by_area", "growth"} <= set(doc)
    assert {"year", "turnover_eur", "jobs", "members"} <= set(doc["by_year"][0])
    assert {"sector", "year", "turnover_eur"} <= set(doc["by_sector"][0])
    assert doc["growth"]["jobs"]["latest"] == 700
    lab = [r for r in doc["by_member_type"] if r["member_type"] == "research_lab"][0]
    assert lab["turnover_eur"] is None  # missing stays null in JSON, never 0


def test_url_parameters_are_parsed_forgivingly():
    f, notices = Filters.from_params({"from": "2010", "to": "x", "member_type": ["PME", "bogus"],
                                      "sector": "Énergies renouvelables"})
    assert f == Filters(2010, None, ("sme",), ("renewables",), ())
    assert len(notices) == 2
    f, notices = Filters.from_params({"from": "2015", "to": "2010"})
    assert (f.year_from, f.year_to) == (2010, 2015) and notices

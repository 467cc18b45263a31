"""Cluster life, first part (issue 17): the members' satisfaction survey (the rest:
``test_cluster_work.py``). Its indicators are
checked against an independent computation on random answers, its file against bad values,
its form against a member answering for another, and its funder view against small cells
and comments."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import document, satisfaction
from analytics.ingest import check_file, load_checked
from analytics.store import Store
from tests.conftest import figures

MEMBERS = "member_id,member_name,joined_year\n" + "".join(
    f"S{i:02d},Member {i},2010\n" for i in range(40))
FIGURES = "member_id,member_name,member_type,sector,area,year,turnover_eur,jobs\n" + "".join(
    f"S{i:02d},Member {i},{'sme' if i % 3 else 'university'},waste,87,{y},1000,2\n"
    for i in range(40) for y in (2014, 2015))


def loaded(store: Store, text: str, name: str) -> None:
    report = check_file(text.encode(), name, store)
    assert report.ok, [p.text() for p in report.errors]
    load_checked(report, store, "test")


def answers_file(rows: list[tuple]) -> str:
    return "member_id,year,satisfaction,services_score,events_score,comment\n" + "".join(
        ",".join("" if v is None else str(v) for v in row) + "\n" for row in rows)


@pytest.fixture
def cluster() -> Store:
    store = Store(":memory:")
    loaded(store, MEMBERS, "members.csv")
    loaded(store, FIGURES, "figures.csv")
    return store


def test_nps_is_the_textbook_one():
    assert satisfaction.nps([10, 9, 8, 7, 6, 0]) == 0  # 2 promoters, 2 detractors of 6
    assert satisfaction.nps([10, 10, 9, 5]) == 50
    assert satisfaction.nps([6, 6, 7]) == pytest.approx(-200 / 3)
    assert satisfaction.nps([9] * 5) == 100 and satisfaction.nps([]) is None


def test_indicators_match_an_independent_computation(cluster):
    rng = random.Random(17)
    rows = [(f"S{i:02d}", year, rng.randint(0, 10), rng.choice([None, rng.randint(0, 10)]),
             rng.randint(0, 10), None)
            for year in (2014, 2015) for i in rng.sample(range(40), 25 if year == 2014 else 31)]
    loaded(cluster, answers_file(rows), "answers.csv")
    got = satisfaction.by_year(cluster).set_index("year")
    for year in (2014, 2015):
        mine = [r for r in rows if r[1] == year]
        overall = [r[2] for r in mine]
        services = [r[3] for r in mine if r[3] is not None]
        assert got.loc[year, "satisfaction_responses"] == len(mine)
        assert got.loc[year, "satisfaction_mean"] == pytest.approx(sum(overall) / len(overall))
        promoters = sum(s in (9, 10) for s in overall) / len(overall)
        detractors = sum(s <= 6 for s in overall) / len(overall)
        assert got.loc[year, "nps"] == pytest.approx(100 * (promoters - detractors))
        assert got.loc[year, "services_mean"] == pytest.approx(sum(services) / len(services))
        assert got.loc[year, "satisfaction_response_rate"] == pytest.approx(len(mine) / 40)
    by_type = satisfaction.by_member_type(cluster).set_index(["year", "member_type"])
    sme = [r[2] for r in rows if r[1] == 2015 and int(r[0][1:]) % 3]
    assert by_type.loc[(2015, "sme"), "satisfaction_responses"] == len(sme)
    assert by_type.loc[(2015, "sme"), "nps"] == pytest.approx(satisfaction.nps(sme))
    counts = satisfaction.distribution(cluster, 2015)
    assert counts.tolist() == [sum(r[2] == s for r in rows if r[1] == 2015) for s in range(11)]


def test_a_bad_answers_file_is_refused_with_row_and_column_and_loads_nothing(cluster):
    before = cluster.data_version()
    report = check_file(answers_file([("S01", 2015, 11, None, None, None),
                                      ("S02", 2015, 7, -1, None, None)]).encode(),
                        "answers.csv", cluster)
    found = {(p.row, p.column): p.text() for p in report.errors}
    assert "from 0 to 10" in found[(2, "satisfaction")]
    assert "negative" in found[(3, "services_score")]
    report = check_file(answers_file([("S01", 2015, 8, None, None, None),
                                      ("X99", 2015, 8, None, None, None)]).encode(),
                        "answers.csv", cluster)
    [error] = report.errors
    assert (error.row, error.column, error.value) == (3, "member_id", "X99")
    assert "No member has this ID" in error.text()
    assert cluster.data_version() == before


def test_answers_are_a_load_in_the_history_and_can_be_undone(cluster):
    loaded(cluster, answers_file([("S01", 2015, 9, 8, 7, "Great")]), "answers.csv")
    load = cluster.history().iloc[0]
    assert load["kind"] == "satisfaction" and load["file_name"] == "answers.csv"
    cluster.undo(int(load["load_id"]), "test")
    assert satisfaction.by_year(cluster).empty


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from([2014, 2015]), st.integers(0, 12), min_size=1),
       st.randoms(use_true_random=False))
def test_a_funder_never_sees_a_cell_of_fewer_than_5_answers_nor_a_comment(cluster, sizes, rng):
    rows = [(f"S{i:02d}", year, rng.randint(0, 10), None, None, f"secret note {year}-{i}")
            for year, n in sizes.items() for i in rng.sample(range(40), n)]
    cluster.load(satisfaction.SATISFACTION, pd.DataFrame(rows, columns=satisfaction.SATISFACTION
                                                           .names),
                 file_name="a.csv", sha256="x", user="test", replace_all=True)
    for frame in (satisfaction.by_year(cluster, protect=True),
                  satisfaction.by_member_type(cluster, protect=True)):
        for _i, row in frame.iterrows():
            if row["satisfaction_responses"] < 5:
                assert all(row[c] is None or pd.isna(row[c]) for c in satisfaction.FIGURES)
    for year, n in sizes.items():
        assert (satisfaction.distribution(cluster, year, protect=True) is None) == (n < 5)


def test_the_funder_document_has_no_comment_and_no_small_cell(cluster):
    rows = [(f"S{i:02d}", 2015, (i * 7) % 11, None, None, f"secret note {i}") for i in range(6)]
    rows += [(f"S{i:02d}", 2014, 5, None, None, f"secret note {i}") for i in range(4)]
    loaded(cluster, answers_file(rows), "answers.csv")
    funder = document.summary(cluster, role="funder")
    assert "secret note" not in json.dumps(funder)
    years = {r["year"]: r for r in funder["cluster_life"]["by_year"]}
    assert years[2014]["nps"] is None and "nps" in years[2014]["confidential"]
    assert years[2014]["satisfaction_responses"] == 4
    assert years[2015]["nps"] == pytest.approx(satisfaction.nps([r[2] for r in rows[:6]]))
    manager = document.summary(cluster)
    assert {r["year"]: r["nps"] for r in manager["cluster_life"]["by_year"]}[2014] == -100


def test_a_member_answers_for_itself_once_a_year_and_sees_no_other_answer(signed, tmp_path,
                                                                            demo_db, monkeypatch):
    db = tmp_path / "answers.duckdb"
    db.write_bytes(Path(demo_db).read_bytes())
    monkeypatch.setenv("CLUSTER_DB", str(db))
    others = Store(db).rows("SELECT comment FROM satisfaction WHERE member_id <> 'M01' AND "
                            "comment IS NOT NULL")
    at = signed("m01@ondivert.fr", "app_pages/my_figures.py")
    at.selectbox(key="satisfaction_year").set_value(2015).run()
    for answer in (3, 9):  # a new answer replaces its own
        at.slider[0].set_value(answer)
        at.text_area[0].input(f"answer {answer}")
        at.button[0].click().run()
        assert not at.exception
    stored = Store(db).rows("SELECT member_id, satisfaction, comment FROM satisfaction "
                            "WHERE year = 2015 AND comment LIKE 'answer %'")
    assert stored == [("M01", 9, "answer 9")]
    shown = " ".join(str(e.value) for kind in ("markdown", "caption", "text", "success")
                     for e in getattr(at, kind))
    assert others and not any(comment in shown for (comment,) in others)
    assert "cluster_life" not in [p.url_path for p in at.get("navigation")] if at.get(
        "navigation") else True


def test_cluster_life_page_for_the_manager_and_the_funder(signed):
    manager = signed("manager@cluster.eu", "app_pages/cluster_life.py")
    assert "Net Promoter Score by year" in [f["layout"]["title"]["text"] for f in figures(manager)]
    assert any("Comments" in e.label for e in manager.expander)
    funder = signed("funder@region.eu", "app_pages/cluster_life.py")
    assert not any("Comments" in e.label for e in funder.expander)
    assert {m.label: m.value for m in funder.metric}["Answers 2015"] == "16"
    french = signed("funder@region.eu", "app_pages/cluster_life.py", lang="fr")
    assert french.title[0].value == "Vie du cluster"

"""Disclosure control: no shown value comes from fewer than 3 members or one dominant
member, and no hidden value can be recomputed from what is shown."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import document, kpis
from analytics.disclosure import DOMINANCE, MIN_UNITS
from analytics.filters import Filters
from analytics.schema import SUBMISSIONS
from analytics.store import Store
from tests.conftest import ROOT

TYPES, SECTORS, AREAS = ("sme", "large_company", "university"), ("waste", "water", "forest"), ("87", "19")


@st.composite
def clusters(draw):
    rows = []
    for m in range(draw(st.integers(1, 12))):
        kind, sector, area = (draw(st.sampled_from(TYPES)), draw(st.sampled_from(SECTORS)),
                              draw(st.sampled_from(AREAS)))
        big = draw(st.booleans())
        for year in (2014, 2015):
            if draw(st.integers(0, 5)) == 0:
                continue
            turnover = draw(st.integers(1, 100)) * (1000 if big else 10)
            rows.append({"member_id": f"M{m}", "member_name": f"M{m}", "member_type": kind,
                         "sector": sector, "area": area, "year": year,
                         "turnover_eur": Decimal(turnover), "jobs": Decimal(draw(st.integers(1, 50)))})
    return rows


@st.composite
def selections(draw):
    return Filters(member_types=tuple(draw(st.sets(st.sampled_from(TYPES), max_size=2))),
                   sectors=tuple(draw(st.sets(st.sampled_from(SECTORS), max_size=2))),
                   areas=tuple(draw(st.sets(st.sampled_from(AREAS), max_size=1))))


def store_of(rows):
    store = Store(":memory:")
    if rows:
        frame = pd.DataFrame(rows).reindex(columns=SUBMISSIONS.names)
        store.load(SUBMISSIONS, frame, file_name="random", sha256="", user="test")
    return store


def contributors(rows, year, filters: Filters, **cell) -> list[Decimal]:
    """Independently: the turnover values that make up a cell."""
    out = []
    for r in rows:
        if r["year"] != year:
            continue
        if filters.member_types and r["member_type"] not in filters.member_types:
            continue
        if filters.sectors and r["sector"] not in filters.sectors:
            continue
        if filters.areas and r["area"] not in filters.areas:
            continue
        if all(r[k] == v for k, v in cell.items()):
            out.append(r["turnover_eur"])
    return out


def safe(values: list[Decimal]) -> bool:
    total = sum(values, Decimal(0))
    return len(values) >= MIN_UNITS and (total == 0 or max(values) / total <= Decimal(str(DOMINANCE)))


PROPERTY = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@PROPERTY
@given(clusters(), selections())
def test_funder_view_never_reveals_small_or_dominated_cells(rows, filters):
    store = store_of(rows)
    doc = document.summary(store, filters, role="funder")
    for row in doc["by_year"]:
        if row["turnover_eur"] is not None:
            assert safe(contributors(rows, row["year"], filters)), row
        assert row["median_turnover_eur"] is None
    for dim in ("member_type", "sector", "area"):
        for row in doc[f"by_{dim}"]:
            if row["turnover_eur"] is not None:
                assert safe(contributors(rows, row["year"], filters, **{dim: row[dim]})), row
            if row["turnover_eur"] is None and row["turnover_per_job"] is not None:
                pytest.fail("a ratio built on a hidden value is shown")


@PROPERTY
@given(clusters(), selections())
def test_hidden_cells_cannot_be_recomputed_from_totals(rows, filters):
    """In a published breakdown, total - shown cells = the hidden cells together: that
    union must pass the rules (so one hidden cell alone is never a small or dominated one).
    A breakdown inside a selection of another dimension is not published at all."""
    store = store_of(rows)
    doc = document.summary(store, filters, role="funder")
    totals = {r["year"]: r["turnover_eur"] for r in doc["by_year"]}
    for dim in ("member_type", "sector", "area"):
        others = [d for d in ("member_types", "sectors", "areas")
                  if getattr(filters, d) and not d.startswith(dim.split("_")[0])]
        by_year: dict[int, list[dict]] = {}
        for row in doc[f"by_{dim}"]:
            if contributors(rows, row["year"], filters, **{dim: row[dim]}):
                by_year.setdefault(row["year"], []).append(row)
        for year, cells in by_year.items():
            hidden = [c for c in cells if c["turnover_eur"] is None]
            if others:
                assert len(hidden) == len(cells)  # not published inside another filter
                continue
            if totals.get(year) is None or not hidden:
                continue
            union = [v for c in hidden for v in contributors(rows, year, filters, **{dim: c[dim]})]
            assert safe(union), (dim, year)


@PROPERTY
@given(clusters(), selections(), st.sampled_from(["member_type", "sector", "area"]))
def test_two_selections_never_isolate_a_small_group(rows, filters, dim):
    field = {"member_type": "member_types", "sector": "sectors", "area": "areas"}[dim]
    if not getattr(filters, field):
        return
    wider = Filters(**{**filters.__dict__, field: ()})
    store = store_of(rows)
    narrow_doc = document.summary(store, filters, role="funder")["by_year"]
    wide_doc = {r["year"]: r for r in document.summary(store, wider, role="funder")["by_year"]}
    for row in narrow_doc:
        other = wide_doc.get(row["year"])
        if row["turnover_eur"] is None or other is None or other["turnover_eur"] is None:
            continue
        inside = contributors(rows, row["year"], filters)
        everything = contributors(rows, row["year"], wider)
        if len(everything) > len(inside):
            rest = list(everything)
            for v in inside:
                rest.remove(v)
            assert safe(rest), "the difference of two shown selections isolates a small group"


def test_narrowing_to_one_member_gives_confidential_not_its_figures(demo_store):
    doc = document.summary(demo_store, Filters(member_types=("tech_transfer",)), role="funder")
    for row in doc["by_year"]:
        assert row["members"] == 1  # counts stay visible
        assert row["turnover_eur"] is None and row["jobs"] is None
        assert {"turnover_eur", "jobs"} <= set(row["confidential"])


def test_demo_totals_stay_visible_and_some_breakdown_is_suppressed(demo_store):
    doc = document.summary(demo_store, role="funder")
    g = doc["growth"]
    assert (g["turnover_eur"]["baseline"], g["turnover_eur"]["latest"]) == (50_000_000, 70_000_000)
    assert (g["jobs"]["baseline"], g["jobs"]["latest"]) == (500, 700)
    hidden = [r for r in doc["by_sector"] if r["turnover_eur"] is None and r["members"]]
    shown = [r for r in doc["by_sector"] if r["turnover_eur"] is not None]
    assert hidden and shown
    d = doc["decomposition"]["turnover_eur"]
    assert d["like_for_like"] is not None and d["exits"] is None  # one member left: hidden


def test_cli_funder_json_has_no_small_cells(tmp_path):
    db = str(tmp_path / "f.duckdb")
    env = {"CLUSTER_DB": db, "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-m", "analytics", "demo"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    out = subprocess.run([sys.executable, "-m", "analytics", "kpis", "--role", "funder",
                          "--format", "json"], cwd=ROOT, env=env, check=True, capture_output=True,
                         text=True).stdout
    doc = json.loads(out)
    manager = kpis.overview(Store(db))
    for key in ("by_year", "by_sector", "by_member_type", "by_area"):
        full = manager[key]
        dims = [c for c in ("sector", "member_type", "area") if c in full.columns]
        for row in doc[key]:
            match = full[(full["year"] == row["year"])]
            for d in dims:
                match = match[match[d] == row[d]]
            n = int(match.iloc[0]["n__turnover_eur"])
            if row["turnover_eur"] is not None:
                assert n >= 3
            elif n:
                assert "turnover_eur" in row["confidential"]
    assert "n__turnover_eur" not in out and "max__" not in out


def test_funder_share_chart_divides_by_the_whole_selection(demo_store, demo_rows):
    """Issue 15: with hidden groups, SME read 100 % (true about 53 %): a share's denominator
    is the whole selection, and the hidden remainder is its own grey bar. (The demo's member
    types are all hidden from funders since the audit; its sectors are partly shown.)"""
    from analytics import charts
    from analytics.disclosure import protect_overview
    from analytics.schema import vocabulary

    result = protect_overview(demo_store, Filters(), kpis.overview(demo_store, Filters()))
    fig = charts.shares(result["by_sector"], "sector", "turnover_eur", 2015,
                        totals=result["by_year"])
    bar = fig.data[0]
    shares = {label.replace("<br>", " "): x for label, x in zip(bar.y, bar.x, strict=True)}
    latest = {}
    for r in sorted(demo_rows, key=lambda r: r["year"]):
        latest[r["member_id"]] = r["sector"]
    total = sum(r["turnover_eur"] for r in demo_rows if r["year"] == 2015 and r["turnover_eur"])
    shown = [label for label in shares if label != charts.CONFIDENTIAL_LABEL]
    assert shown  # not vacuous: some sectors are published
    for label in shown:
        truth = sum(r["turnover_eur"] for r in demo_rows if r["year"] == 2015 and r["turnover_eur"]
                    and vocabulary("sectors").label(latest[r["member_id"]]) == label)
        assert shares[label] == pytest.approx(float(truth / total))
    assert sum(shares.values()) == pytest.approx(1.0)
    assert charts.CONFIDENTIAL_LABEL in shares  # the demo hides some sectors

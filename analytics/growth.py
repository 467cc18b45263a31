"""Growth that funders can trust: how much of a change comes from members growing
(like-for-like), from members joining (entries) and from members leaving (exits).

Design note: for a pair of years (y0, y1) and a measure, every member with a value in
y0 or y1 falls in exactly one part: continuing (a value in both years), entry (only in
y1) or exit (only in y0). So total(y1) - total(y0) = like_for_like + entries - exits,
exactly: the sums are DECIMAL in DuckDB, never floats. A member that skipped a year is
an exit then an entry in the reported view; the estimated view (``Filters.estimated``)
carries its last values forward instead. The chained like-for-like index multiplies the
annual like-for-like ratios, so joining and leaving never move it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd

from .disclosure import protect_decomposition
from .filters import Filters
from .kpis import GROWTH_MEASURES, base_ctes
from .store import Store
from .targets import stored_targets

HGE_MIN_JOBS = 10  # Eurostat: at least 10 employees at the start of the period
HGE_MIN_GROWTH = 0.10  # ... and at least 10 % average annual employment growth
HGE_YEARS = 3  # ... over 3 years


def _pairs_sql(measure: str) -> str:
    return f"""
panel AS (SELECT member_id, year, {measure} AS v FROM facts WHERE {measure} IS NOT NULL),
pair_rows AS (
    SELECT p.y0, p.y1, a.member_id, a.v AS v0, NULL::DECIMAL(38, 2) AS v1
    FROM pairs p JOIN panel a ON a.year = p.y0
    UNION ALL
    SELECT p.y0, p.y1, b.member_id, NULL, b.v FROM pairs p JOIN panel b ON b.year = p.y1),
merged AS (SELECT y0, y1, member_id, max(v0) AS v0, max(v1) AS v1 FROM pair_rows GROUP BY ALL)
SELECT y0, y1,
    coalesce(sum(v0), 0) AS total_before,
    coalesce(sum(v1), 0) AS total_after,
    coalesce(sum(v1 - v0) FILTER (WHERE v0 IS NOT NULL AND v1 IS NOT NULL), 0) AS like_for_like,
    coalesce(sum(v1) FILTER (WHERE v0 IS NULL), 0) AS entries,
    coalesce(sum(v0) FILTER (WHERE v1 IS NULL), 0) AS exits,
    sum(v0) FILTER (WHERE v1 IS NOT NULL) AS continuing_before,
    sum(v1) FILTER (WHERE v0 IS NOT NULL) AS continuing_after,
    coalesce(sum(greatest(v1 - v0, 0)) FILTER (WHERE v0 IS NOT NULL AND v1 IS NOT NULL), 0)
        AS growth_of_growing,
    count(*) FILTER (WHERE v0 IS NOT NULL AND v1 IS NOT NULL) AS continuing_members,
    count(*) FILTER (WHERE v0 IS NULL) AS entering_members,
    count(*) FILTER (WHERE v1 IS NULL) AS exiting_members,
    max(abs(v1)) FILTER (WHERE v0 IS NULL) AS max_entry,
    max(abs(v0)) FILTER (WHERE v1 IS NULL) AS max_exit
FROM merged GROUP BY y0, y1 ORDER BY y1, y0"""


def decompose(store: Store, filters: Filters = Filters(), measure: str = "turnover_eur",
              baseline_year: int | None = None, latest_year: int | None = None) -> dict[str, Any]:
    """Annual parts (each year vs the one before) and baseline -> latest parts.

    Values are Decimal, exact to the cent. Returns {"annual": [...], "period": {...},
    "index": [...]} where index is the chain-linked like-for-like index (baseline = 100).
    """
    if measure not in GROWTH_MEASURES:
        raise ValueError(f"No decomposition for {measure!r}.")
    ctes, params = base_ctes(filters)
    with store.connect() as con:
        years = [y for (y,) in con.execute(
            f"{ctes} SELECT DISTINCT year FROM facts WHERE {measure} IS NOT NULL ORDER BY 1",
            params).fetchall()]
        if not years:
            return {"annual": [], "period": None, "index": []}
        base = baseline_year if baseline_year is not None else years[0]
        last = latest_year if latest_year is not None else years[-1]
        pair_list = [(y - 1, y) for y in range(years[0] + 1, years[-1] + 1)]
        if (base, last) not in pair_list:
            pair_list.append((base, last))
        values = ", ".join(f"({a}, {b})" for a, b in pair_list)
        cur = con.execute(f"{ctes}, pairs(y0, y1) AS (VALUES {values}), {_pairs_sql(measure)}", params)
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    by_pair = {(r["y0"], r["y1"]): r for r in rows}
    annual = [_with_rates(by_pair[p]) for p in pair_list if p[1] - p[0] == 1 and p in by_pair
              and p[0] >= base and p[1] <= last]
    empty = {"y0": base, "y1": last, **dict.fromkeys(
        ("total_before", "total_after", "like_for_like", "entries", "exits", "growth_of_growing"),
        Decimal(0)), "continuing_before": None, "continuing_after": None,
        **dict.fromkeys(("continuing_members", "entering_members", "exiting_members"), 0),
        "max_entry": None, "max_exit": None}
    period = _with_rates(by_pair.get((base, last), empty))  # no value in either year: all zero
    index, level = [{"year": base, "index": 100.0}], 100.0
    for part in annual:
        rate = part["like_for_like_rate"]
        level = level * (1 + rate) if rate is not None and level is not None else None
        index.append({"year": part["y1"], "index": level})
    return {"annual": annual, "period": period, "index": index}


def _with_rates(part: dict[str, Any]) -> dict[str, Any]:
    out = dict(part)
    before, after = part["continuing_before"], part["continuing_after"]
    out["like_for_like_rate"] = float(after / before - 1) if before else None
    out["change"] = part["total_after"] - part["total_before"]
    # gross creation: what growing members added plus what entering members brought
    out["created"] = part["growth_of_growing"] + part["entries"]
    return out


def bundle(store: Store, filters: Filters = Filters(), protect: bool = False) -> dict[str, Any]:
    """What the Overview page and the report pack show beside the KPIs: the decomposition of
    turnover and jobs (after disclosure control if ``protect``), membership flows, targets."""
    decomposition = {}
    for measure in GROWTH_MEASURES:
        d = decompose(store, filters, measure, filters.year_from, filters.year_to)
        decomposition[measure] = protect_decomposition(d, store, filters, measure) if protect else d
    return {"decomposition": decomposition, "flows": membership_flows(store, filters),
            "targets": stored_targets(store)}


def decomposition_summary(store: Store, filters: Filters = Filters(),
                          protect: bool = False) -> dict[str, Any]:
    """The ``decomposition`` block of ``kpis --format json``: baseline -> latest parts and
    the annual table, for turnover and jobs (with disclosure control if ``protect``)."""
    out: dict[str, Any] = {}
    for measure in GROWTH_MEASURES:
        d = decompose(store, filters, measure, filters.year_from, filters.year_to)
        if protect:
            d = protect_decomposition(d, store, filters, measure)
        p = d["period"]
        out[measure] = {
            "baseline_year": p["y0"] if p else None, "latest_year": p["y1"] if p else None,
            **{k: _num(p[k]) if p else None for k in (
                "total_before", "like_for_like", "entries", "exits", "total_after", "change")},
            "like_for_like_rate": p["like_for_like_rate"] if p else None,
            "annual": [{"year": a["y1"], **{k: _num(a[k]) for k in (
                "like_for_like", "entries", "exits", "change", "created")},
                "like_for_like_rate": a["like_for_like_rate"]} for a in d["annual"]],
            "like_for_like_index": d["index"],
        }
    return out


def _num(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def annual_table(decomposition: dict[str, Any]) -> pd.DataFrame:
    """The annual parts as a table for pages and exports."""
    def num(value: Decimal | None) -> float:
        return float("nan") if value is None else float(value)  # None: hidden (confidential)

    rows = [{"year": a["y1"], "like_for_like": num(a["like_for_like"]),
             "entries": num(a["entries"]), "exits": num(a["exits"]),
             "change": num(a["change"]), "like_for_like_rate": a["like_for_like_rate"],
             "created": num(a["created"]), "entering_members": a["entering_members"],
             "exiting_members": a["exiting_members"]} for a in decomposition["annual"]]
    return pd.DataFrame(rows, columns=["year", "like_for_like", "entries", "exits", "change",
                                       "like_for_like_rate", "created", "entering_members",
                                       "exiting_members"])


def membership_flows(store: Store, filters: Filters = Filters()) -> pd.DataFrame:
    """Per year: active members, joined, left, retention rate (stayed / active the year before)."""
    ctes, params = base_ctes(filters)
    return store.query(f"""{ctes}
    SELECT y.year,
        count(DISTINCT a.member_id) FILTER (WHERE a.year = y.year) AS active_members,
        count(DISTINCT a.member_id) FILTER (WHERE a.year = y.year AND d.joined_year = y.year) AS joined,
        count(DISTINCT a.member_id) FILTER (WHERE a.year = y.year - 1 AND d.left_year = y.year)
            AS "left",
        count(DISTINCT a.member_id) FILTER (WHERE a.year = y.year - 1) AS active_before
    FROM (SELECT DISTINCT year FROM active_all) y
    JOIN active_all a ON a.year IN (y.year, y.year - 1)
    JOIN member_dim d ON d.member_id = a.member_id
    WHERE y.year BETWEEN $lo AND $hi
    GROUP BY y.year ORDER BY y.year""", params).assign(
        retention_rate=lambda t: (1 - t["left"] / t["active_before"]).where(t["active_before"] > 0)
    ).drop(columns="active_before")


def high_growth_enterprises(store: Store, filters: Filters = Filters()) -> pd.DataFrame:
    """Per year t: members with >= 10 jobs in t-3 and >= 10 % average annual job growth to t."""
    ctes, params = base_ctes(filters)
    params.update(min_jobs=HGE_MIN_JOBS, growth=HGE_MIN_GROWTH, span=HGE_YEARS)
    return store.query(f"""{ctes}
    SELECT f.year, count(*) FILTER (WHERE s.jobs >= $min_jobs) AS eligible_members,
           count(*) FILTER (WHERE s.jobs >= $min_jobs
                            AND pow(f.jobs / s.jobs, 1.0 / $span) - 1 >= $growth) AS high_growth
    FROM facts f JOIN reported s ON s.member_id = f.member_id AND s.year = f.year - $span
    WHERE f.jobs IS NOT NULL AND s.jobs IS NOT NULL AND NOT f.estimated
    GROUP BY f.year ORDER BY f.year""", params)

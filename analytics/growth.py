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
from .kpis import GROWTH_MEASURES, base_ctes, period_years
from .store import Store
from .targets import in_scope, stored_targets

HGE_MIN_JOBS = 10  # Eurostat: at least 10 employees at the start of the period
HGE_MIN_GROWTH = Decimal("0.10")  # ... and more than 10 % average annualised growth
HGE_YEARS = 3  # ... over 3 years


def _pairs_sql(measure: str) -> str:
    return f"""
panel AS (SELECT member_id, year, {measure} AS v FROM facts WHERE {measure} IS NOT NULL),
pair_rows AS (
    SELECT p.y0, p.y1, a.member_id, a.v AS v0, NULL::DECIMAL(38, 2) AS v1
    FROM pairs p JOIN panel a ON a.year = p.y0
    UNION ALL
    SELECT p.y0, p.y1, b.member_id, NULL, b.v FROM pairs p JOIN panel b ON b.year = p.y1),
merged AS (SELECT y0, y1, member_id, max(v0) AS v0, max(v1) AS v1 FROM pair_rows GROUP BY ALL),
flagged AS (
    SELECT m.*, a0.member_id IS NOT NULL AS active0, a1.member_id IS NOT NULL AS active1
    FROM merged m
    LEFT JOIN active_all a0 ON a0.member_id = m.member_id AND a0.year = m.y0
    LEFT JOIN active_all a1 ON a1.member_id = m.member_id AND a1.year = m.y1)
SELECT y0, y1,
    sum(v0) AS total_before,
    sum(v1) AS total_after,
    coalesce(sum(v1 - v0) FILTER (WHERE v0 IS NOT NULL AND v1 IS NOT NULL), 0) AS like_for_like,
    coalesce(sum(v1) FILTER (WHERE v0 IS NULL), 0) AS entries,
    coalesce(sum(v0) FILTER (WHERE v1 IS NULL), 0) AS exits,
    coalesce(sum(v1) FILTER (WHERE v0 IS NULL AND NOT active0), 0) AS joiners,
    coalesce(sum(v0) FILTER (WHERE v1 IS NULL AND NOT active1), 0) AS leavers,
    coalesce(sum(v1) FILTER (WHERE v0 IS NULL AND active0), 0) AS reporting_in,
    coalesce(sum(v0) FILTER (WHERE v1 IS NULL AND active1), 0) AS reporting_out,
    sum(v0) FILTER (WHERE v1 IS NOT NULL) AS continuing_before,
    sum(v1) FILTER (WHERE v0 IS NOT NULL) AS continuing_after,
    coalesce(sum(greatest(v1 - v0, 0)) FILTER (WHERE v0 IS NOT NULL AND v1 IS NOT NULL), 0)
        AS growth_of_growing,
    count(*) FILTER (WHERE v0 IS NOT NULL AND v1 IS NOT NULL) AS continuing_members,
    count(*) FILTER (WHERE v0 IS NULL) AS entering_members,
    count(*) FILTER (WHERE v1 IS NULL) AS exiting_members,
    count(*) FILTER (WHERE v0 IS NULL AND NOT active0) AS joining_members,
    count(*) FILTER (WHERE v1 IS NULL AND NOT active1) AS leaving_members,
    count(*) FILTER (WHERE v0 IS NULL AND active0) AS reporting_in_members,
    count(*) FILTER (WHERE v1 IS NULL AND active1) AS reporting_out_members,
    max(abs(v1)) FILTER (WHERE v0 IS NULL) AS max_entry,
    max(abs(v0)) FILTER (WHERE v1 IS NULL) AS max_exit
FROM flagged GROUP BY y0, y1 ORDER BY y1, y0"""


#: The parts of a pair of years that are only defined when both years have values.
PARTS = ("like_for_like", "entries", "exits", "joiners", "leavers", "reporting_in",
         "reporting_out", "growth_of_growing", "continuing_before", "continuing_after",
         "continuing_members", "entering_members", "exiting_members", "joining_members",
         "leaving_members", "reporting_in_members", "reporting_out_members", "max_entry",
         "max_exit")


def decompose(store: Store, filters: Filters = Filters(), measure: str = "turnover_eur",
              baseline_year: int | None = None, latest_year: int | None = None) -> dict[str, Any]:
    """Annual parts (each year vs the one before) and baseline -> latest parts.

    The baseline and latest years follow ``kpis.period_years``, the rule growth uses too.
    A part of a pair of years one of which has no value at all is None, never a change
    from or to zero. Values are Decimal, exact to the cent. Returns {"annual": [...],
    "period": {...}, "index": [...]}: index is the chained like-for-like index (100 at the
    first year with values); a year without values has index None and ``no_data``, and the
    next year links to the last year with values (``from_year``).
    """
    if measure not in GROWTH_MEASURES:
        raise ValueError(f"No decomposition for {measure!r}.")
    ctes, params = base_ctes(filters)
    with store.connect() as con:
        # the years the selection has, and which of them have a value of the measure
        years = con.execute(f"""{ctes} SELECT year, bool_or(valued) FROM (
            SELECT year, false AS valued FROM active
            UNION ALL SELECT year, {measure} IS NOT NULL FROM facts) GROUP BY year ORDER BY year""",
            params).fetchall()
        base, last = period_years([y for y, _v in years], baseline_year, latest_year)
        if base is None or last is None:
            return {"annual": [], "period": None, "index": []}
        valued = [y for y, has in years if has and base <= y <= last]
        annual_pairs = [(y - 1, y) for y in range(base + 1, last + 1)]
        links = list(zip(valued, valued[1:], strict=False))
        pair_list = list(dict.fromkeys([*annual_pairs, *links, (base, last)]))
        values = ", ".join(f"({a}, {b})" for a, b in pair_list)
        cur = con.execute(f"{ctes}, pairs(y0, y1) AS (VALUES {values}), {_pairs_sql(measure)}", params)
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    by_pair = {(r["y0"], r["y1"]): r for r in rows}

    def part(pair: tuple[int, int]) -> dict[str, Any]:
        found = by_pair.get(pair) or {"y0": pair[0], "y1": pair[1], "total_before": None,
                                      "total_after": None}
        return _with_rates(found)

    annual = [part(p) for p in annual_pairs]
    index: list[dict[str, Any]] = []
    anchor, level = None, None
    for y in range(base, last + 1):
        if y not in valued:
            index.append({"year": y, "index": None, "from_year": None, "no_data": True})
            continue
        if anchor is None:
            level = 100.0
        else:
            rate = part((anchor, y))["like_for_like_rate"]
            level = level * (1 + rate) if rate is not None and level is not None else None
        index.append({"year": y, "index": level, "from_year": anchor})
        anchor = y
    return {"annual": annual, "period": part((base, last)), "index": index}


def _with_rates(part: dict[str, Any]) -> dict[str, Any]:
    """The derived parts of a pair: change, like-for-like rate, reporting changes, gross
    creation; everything None when either year has no value."""
    out = dict(part)
    before, after = part["total_before"], part["total_after"]
    out["no_data"] = before is None or after is None
    if out["no_data"]:
        out.update(dict.fromkeys((*PARTS, "like_for_like_rate", "change", "reporting_changes",
                                  "created")))
        return out
    out["change"] = after - before
    # members that did not report one of the two years while members: their own signed part
    out["reporting_changes"] = part["reporting_in"] - part["reporting_out"]
    cont_before, cont_after = part["continuing_before"], part["continuing_after"]
    out["like_for_like_rate"] = float(cont_after / cont_before - 1) if cont_before else None
    # gross creation (Davis-Haltiwanger expansions): what continuing members that grew added;
    # neither a returning non-respondent nor a joining member's workforce is a creation
    out["created"] = part["growth_of_growing"]
    return out


def bundle(store: Store, filters: Filters = Filters(), protect: bool = False) -> dict[str, Any]:
    """What the Overview page and the report pack show beside the KPIs: the decomposition of
    turnover and jobs (after disclosure control if ``protect``), membership flows, targets."""
    decomposition = {}
    for measure in GROWTH_MEASURES:
        d = decompose(store, filters, measure, filters.year_from, filters.year_to)
        decomposition[measure] = protect_decomposition(d, store, filters, measure) if protect else d
    return {"decomposition": decomposition, "flows": membership_flows(store, filters),
            "targets": stored_targets(store), "targets_in_scope": in_scope(filters)}


#: The parts of the change in JSON and tables: like_for_like + joiners - leavers +
#: reporting_changes = change (entries - exits = joiners - leavers + reporting_changes).
SUMMARY_PARTS = ("like_for_like", "joiners", "leavers", "reporting_changes", "entries", "exits")


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
            **{k: _num(p[k]) if p else None for k in ("total_before", *SUMMARY_PARTS,
                                                      "total_after", "change")},
            "like_for_like_rate": p["like_for_like_rate"] if p else None,
            "annual": [{"year": a["y1"], **{k: _num(a[k]) for k in (
                *SUMMARY_PARTS, "change", "created")},
                "like_for_like_rate": a["like_for_like_rate"]} for a in d["annual"]],
            "like_for_like_index": d["index"],
        }
    return out


def _num(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


#: The columns of the annual table: parts in the measure's unit, then member counts.
ANNUAL_MONEY = ("like_for_like", "joiners", "leavers", "reporting_changes", "change", "created")
ANNUAL_COUNTS = ("joining_members", "leaving_members", "reporting_in_members",
                 "reporting_out_members")


def annual_table(decomposition: dict[str, Any]) -> pd.DataFrame:
    """The annual parts as a table for pages and exports."""
    def num(value: Decimal | None) -> float:
        return float("nan") if value is None else float(value)  # None: no data, or hidden

    rows = [{"year": a["y1"], **{k: num(a[k]) for k in ANNUAL_MONEY},
             "like_for_like_rate": a["like_for_like_rate"],
             **{k: a[k] for k in ANNUAL_COUNTS}} for a in decomposition["annual"]]
    return pd.DataFrame(rows, columns=["year", *ANNUAL_MONEY, "like_for_like_rate", *ANNUAL_COUNTS])



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
    """Per year t, the Eurostat count (Commission Implementing Regulation (EU) 2020/1197):
    enterprises (member types flagged ``is_enterprise``) with at least 10 jobs in t-3 and
    average annualised job growth *greater than* 10 % from t-3 to t. Jobs are FTE, which
    stand in for Eurostat's employees. The test is exact: jobs(t) > jobs(t-3) x 1.1^3 in
    DECIMAL, so +10 %/year exactly is not high growth."""
    ctes, params = base_ctes(filters)
    factor = (1 + HGE_MIN_GROWTH) ** HGE_YEARS
    params.update(min_jobs=HGE_MIN_JOBS, span=HGE_YEARS)
    return store.query(f"""{ctes}
    SELECT f.year, count(*) FILTER (WHERE s.jobs >= $min_jobs) AS eligible_members,
           count(*) FILTER (WHERE s.jobs >= $min_jobs
                            AND f.jobs > s.jobs * CAST('{factor}' AS DECIMAL(18, 6)))
               AS high_growth
    FROM facts f JOIN reported s ON s.member_id = f.member_id AND s.year = f.year - $span
    WHERE f.jobs IS NOT NULL AND s.jobs IS NOT NULL AND NOT f.estimated AND f.is_enterprise
    GROUP BY f.year ORDER BY f.year""", params)

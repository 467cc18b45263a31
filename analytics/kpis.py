"""Indicator definitions and the filtered queries that compute them, all in DuckDB SQL.

Each indicator is defined once (key, label, unit, description, SQL aggregate); pages,
the command line and exports all read these definitions.

Design note on membership: by default a member's type, sector and area are those of its
latest submission and apply to all its years (``Filters.classification`` 'current'); the
'reported' classification uses each year's own (see ``_classified``). A member is active in a year
from its joined year until (not including) its left year, from the member list when one
was loaded, else from its first submission and, if it stopped submitting before the
latest closed year, the year after its last one (``member_dim_ctes``). An active member
that sent nothing for a year is a non-response, not a zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from .filters import CLASSIFICATIONS, Filters
from .i18n import N_, gettext
from .schema import Vocabulary, register_vocabulary
from .store import Store, on_change, setting_sql


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    unit: str  # "EUR", "FTE", "members", "share", "EUR per FTE", "hours", "projects"
    description: str
    sql: str  # an aggregate over the facts ``f`` of one group

    def name(self, lang: str = "en") -> str:
        return gettext(self.label, lang)

    def explain(self, lang: str = "en") -> str:
        return gettext(self.description, lang)


UNIT_NAMES = {"EUR": N_("EUR"), "FTE": N_("FTE"), "members": N_("members"), "share": N_("share"),
              "EUR per FTE": N_("EUR per FTE"), "hours": N_("hours"), "projects": N_("projects")}


def unit_name(unit: str, lang: str = "en") -> str:
    """An indicator's unit written in ``lang`` ('FTE' -> 'ETP')."""
    return gettext(UNIT_NAMES.get(unit, unit), lang)


def _ratio(num: str, den: str) -> str:
    """Sum of num over sum of den, both over the rows that have both and den > 0 (the two
    partial sums are kept in the cube as rn__num__den and rd__num__den)."""
    return (f"CAST(sum(c.rn__{num}__{den}) AS DOUBLE) / "
            f"nullif(CAST(sum(c.rd__{num}__{den}) AS DOUBLE), 0)")


def _sum(measure: str) -> str:
    return f"CAST(sum(c.sum__{measure}) AS DOUBLE)"


#: Each indicator's SQL aggregates the pre-aggregated cube ``c`` (see ``refresh_cube``).
INDICATORS: dict[str, Indicator] = {i.key: i for i in (
    Indicator("turnover_eur", N_("Turnover"), "EUR",
              N_("Combined turnover of the members that reported one; missing values are left out, "
              "never counted as zero."), _sum("turnover_eur")),
    Indicator("jobs", N_("Jobs"), "FTE",
              N_("Combined jobs, in full-time equivalents, of the members that reported them."),
              _sum("jobs")),
    Indicator("members", N_("Members reporting"), "members",
              N_("Members that sent figures for the year."), "CAST(sum(c.members) AS BIGINT)"),
    Indicator("turnover_reported", N_("Members reporting a turnover"), "members",
              N_("Members whose submission has a turnover (research labs often have none)."),
              "CAST(sum(c.turnover_reported) AS BIGINT)"),
    Indicator("sme_share", N_("SME share of members"), "share",
              N_("SMEs among the members that reported for the year."),
              "CAST(sum(c.sme_members) AS DOUBLE) / nullif(CAST(sum(c.members) AS DOUBLE), 0)"),
    Indicator("median_turnover_eur", N_("Median turnover"), "EUR",
              N_("Turnover of the middle member among those that reported one."),
              "NULL::DOUBLE"),  # not decomposable: computed from the rows when asked for
    Indicator("turnover_per_job", N_("Turnover per job"), "EUR per FTE",
              N_("Combined turnover divided by combined jobs, over members that reported both "
              "and have jobs."), _ratio("turnover_eur", "jobs")),
    Indicator("export_share", N_("Export share"), "share",
              N_("Export turnover divided by turnover, over members that reported both."),
              _ratio("export_turnover_eur", "turnover_eur")),
    Indicator("rd_intensity", N_("R&D intensity"), "share",
              N_("R&D spend divided by turnover, over members that reported both."),
              _ratio("rd_spend_eur", "turnover_eur")),
    Indicator("rd_jobs", N_("R&D jobs"), "FTE", N_("Combined R&D jobs, full-time equivalents."),
              _sum("rd_jobs")),
    Indicator("training_hours", N_("Training hours"), "hours", N_("Combined hours of staff training."),
              _sum("training_hours")),
    Indicator("collaborative_projects", N_("Collaborative projects"), "projects",
              N_("Sum of the collaborative projects members took part in (a project with two "
              "members counts twice)."), "CAST(sum(c.sum__collaborative_projects) AS BIGINT)"),
)}
RATIOS = (("turnover_eur", "jobs"), ("export_turnover_eur", "turnover_eur"),
          ("rd_spend_eur", "turnover_eur"))
GROWTH_MEASURES = ("turnover_eur", "jobs")
#: Sums whose cells disclosure control checks: for each, the number of contributing members
#: (n__m) and the largest contribution (max__m) come with every grouped result.
SDC_MEASURES = ("turnover_eur", "jobs", "export_turnover_eur", "rd_spend_eur", "rd_jobs",
                "training_hours", "collaborative_projects")
#: Which sums each indicator is built from (a ratio is hidden when one of its parts is).
BUILT_FROM = {"turnover_eur": ("turnover_eur",), "jobs": ("jobs",),
              "median_turnover_eur": ("turnover_eur",),
              "turnover_per_job": ("turnover_eur", "jobs"),
              "export_share": ("export_turnover_eur", "turnover_eur"),
              "rd_intensity": ("rd_spend_eur", "turnover_eur"), "rd_jobs": ("rd_jobs",),
              "training_hours": ("training_hours",),
              "collaborative_projects": ("collaborative_projects",),
              "turnover_eur_estimated": ("turnover_eur",), "jobs_estimated": ("jobs",)}
register_vocabulary(Vocabulary("indicators", tuple(
    {"code": i.key, "label_en": i.label, "label_fr": gettext(i.label, "fr")}
    for i in INDICATORS.values())))

DIMENSIONS = ("member_type", "sector", "area", "sector_group")


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def member_dim_ctes() -> str:
    """Members with their latest classification and membership years, as CTEs.

    Without a member list, a member that stopped sending figures has left the year after
    its last one, once that year is closed (``collection.py``): a year still collecting
    counts it as expected, not gone, so 4 files of 28 read as a low response rate."""
    return f"""
bounds AS (SELECT min(year) AS min_year, max(year) AS max_year,
                  coalesce((SELECT max(year) FROM collection WHERE status = 'closed'),
                           max(year)) AS settled_year FROM submissions),
latest AS (
    SELECT member_id, arg_max(member_name, year) AS member_name,
           arg_max(member_type, year) AS member_type, arg_max(sector, year) AS sector,
           arg_max(area, year) AS area, min(year) AS first_year, max(year) AS last_year
    FROM submissions GROUP BY member_id),
member_dim AS (
    SELECT coalesce(l.member_id, m.member_id) AS member_id,
           coalesce(l.member_name, m.member_name) AS member_name,
           l.member_type, l.sector, l.area, {", ".join(_derived("l"))},
           coalesce(m.joined_year, l.first_year) AS joined_year,
           CASE WHEN m.member_id IS NOT NULL THEN m.left_year
                WHEN l.last_year < least(b.max_year, b.settled_year) THEN l.last_year + 1
           END AS left_year
    FROM latest l FULL JOIN members m ON l.member_id = m.member_id CROSS JOIN bounds b
    WHERE b.min_year IS NOT NULL),
member_years AS (
    SELECT y.year, d.member_id, d.member_type, d.sector, d.area, d.sector_group
    FROM member_dim d CROSS JOIN bounds b
    JOIN range(b.min_year, b.max_year + 1) y(year)
      ON d.joined_year <= y.year AND (d.left_year IS NULL OR y.year < d.left_year)),"""


def _derived(alias: str) -> list[str]:
    """The columns that follow from a classification: EGSS group, SME, enterprise, read
    from the database's reference lists in the same query (one list, one moment)."""
    def listed(name: str, column: str, code: str) -> str:
        return (f"(SELECT r.{column} FROM reference r WHERE r.list = '{name}' "
                f"AND r.code = {alias}.{code})")

    return [f"{listed('sectors', 'egss_group', 'sector')} AS sector_group",
            f"coalesce({listed('member_types', 'is_sme', 'member_type')}, false) AS is_sme",
            f"coalesce({listed('member_types', 'is_enterprise', 'member_type')}, false) "
            "AS is_enterprise"]


def _classified(classification: str, where: str) -> str:
    """The ``reported`` and ``active_all`` CTEs in a classification (``where``: the
    dimension filter, written over the alias ``c``).

    Design note: *current* (the default) applies a member's latest classification to all
    its years, so a member that changes sector does not look like an exit from one sector
    and an entry into another. *As reported* uses each year's own submission (EU SME
    status is assessed per reference year); a member-year without one takes the last
    classification reported before it, else the first one reported."""
    if classification == "current":
        return f"""reported AS (
    SELECT s.* EXCLUDE (member_type, sector, area, member_name), c.member_name,
           c.member_type, c.sector, c.area, c.sector_group, c.is_sme,
           c.is_enterprise, false AS estimated
    FROM submissions s JOIN member_dim c USING (member_id)
    WHERE {where}),
active_all AS (
    SELECT year, member_id, member_type, sector, area, sector_group FROM member_years c
    WHERE {where}),"""
    return f"""reported AS (
    SELECT c.* EXCLUDE (member_name), d.member_name, {", ".join(_derived("c"))},
           false AS estimated
    FROM submissions c JOIN member_dim d USING (member_id)
    WHERE {where}),
first_class AS (
    SELECT member_id, arg_min(member_type, year) AS member_type, arg_min(sector, year) AS sector,
           arg_min(area, year) AS area FROM submissions GROUP BY member_id),
classes AS (
    SELECT y.year, y.member_id, coalesce(s.member_type, f.member_type) AS member_type,
           coalesce(s.sector, f.sector) AS sector, coalesce(s.area, f.area) AS area
    FROM member_years y
    ASOF LEFT JOIN submissions s ON y.member_id = s.member_id AND y.year >= s.year
    LEFT JOIN first_class f ON f.member_id = y.member_id),
active_all AS (
    SELECT c.*, {_derived("c")[0]} FROM classes c WHERE {where}),"""


def _dimension_where(filters: Filters, alias: str) -> tuple[str, dict[str, Any]]:
    clauses, params = [], {}
    for column, values in (("member_type", filters.member_types), ("sector", filters.sectors),
                           ("area", filters.areas)):
        if values:
            names = [f"{column}_{i}" for i in range(len(values))]
            clauses.append(f"{alias}.{column} IN ({', '.join('$' + n for n in names)})")
            params.update(zip(names, values, strict=True))
    return (" AND ".join(clauses) or "true"), params


def base_ctes(filters: Filters) -> tuple[str, dict[str, Any]]:
    """CTEs over the filtered members: ``reported`` (all years), ``active_all`` (member x
    year while a member, all years), and for the selected years ``facts`` (submissions,
    plus carried-forward estimates in the estimated view) and ``active``."""
    dim_where, params = _dimension_where(filters, "c")
    params.update(lo=filters.year_from if filters.year_from is not None else -1,
                  hi=filters.year_to if filters.year_to is not None else 10_000)
    carried = ""
    if filters.estimated:
        # the non-responses first (few), then each one's last reported row (ASOF)
        carried = f"""
    UNION ALL BY NAME
    SELECT c.* EXCLUDE (year, estimated), a.year, true AS estimated, c.year AS source_year
    FROM (SELECT * FROM active_all a WHERE a.year BETWEEN $lo AND $hi) a
    ANTI JOIN reported r ON r.member_id = a.member_id AND r.year = a.year
    ASOF JOIN reported c ON a.member_id = c.member_id AND a.year > c.year
    WHERE a.year - c.year <= {setting_sql('carry_forward_years')}"""
    sql = f"""WITH {member_dim_ctes()}
{_classified(filters.classification, dim_where)}
facts AS (
    SELECT * FROM reported WHERE year BETWEEN $lo AND $hi{carried}),
active AS (SELECT * FROM active_all WHERE year BETWEEN $lo AND $hi)
"""
    return sql, params


def _sets_sql(dimensions: list[str | None]) -> tuple[str, str]:
    """The GROUPING SETS list and the select items that name each set's dimension."""
    dims = [d for d in dimensions if d]
    select = "".join(f"{d}, grouping({d}) AS g__{d}, " for d in dims)
    return ", ".join(f"(year{', ' + d if d else ''})" for d in dimensions), select


def _split_sets(frame: pd.DataFrame, dimensions: list[str | None]) -> dict[str | None, pd.DataFrame]:
    """One frame per grouping set of a GROUPING SETS result (by year, then by year and d)."""
    dims = [d for d in dimensions if d]
    out: dict[str | None, pd.DataFrame] = {}
    for d in dimensions:
        mask = pd.Series(True, index=frame.index)
        for other in dims:
            mask &= frame[f"g__{other}"] == (0 if other == d else 1)
        part = frame[mask].drop(columns=[c for c in frame.columns if c.startswith("g__")]
                                + [o for o in dims if o != d])
        out[d] = part.sort_values(["year", *([d] if d else [])], na_position="last") \
            .reset_index(drop=True)
    return out


def _cube_parts() -> list[str]:
    """What the cube keeps per (view, year, member type, sector, area): sums, counts and
    maxima, all of which add up across groups (a median does not: see _add_medians)."""
    parts = [
        "count(f.a_member_id) AS active_members",
        "count(*) FILTER (WHERE f.a_member_id IS NOT NULL AND NOT f.estimated) AS responded",
        "count(*) FILTER (WHERE f.estimated) AS estimated_members",
        # a submission for a year its sender was not a member: in the totals, not the rate
        "count(f.member_id) FILTER (WHERE f.a_member_id IS NULL AND NOT f.estimated) "
        "AS non_member_rows",
        "sum(f.turnover_eur) FILTER (WHERE f.estimated) AS turnover_eur_estimated",
        "sum(f.jobs) FILTER (WHERE f.estimated) AS jobs_estimated",
        "count(f.member_id) FILTER (WHERE NOT f.estimated) AS members",
        "count(f.turnover_eur) FILTER (WHERE NOT f.estimated) AS turnover_reported",
        "count(*) FILTER (WHERE NOT f.estimated AND f.is_sme) AS sme_members",
    ]
    for m in SDC_MEASURES:
        parts += [f"count(f.{m}) AS n__{m}", f"max(f.{m}) AS max__{m}", f"sum(f.{m}) AS sum__{m}"]
    for num, den in RATIOS:
        both = f"f.{num} IS NOT NULL AND f.{den} > 0"
        parts += [f"sum(f.{num}) FILTER (WHERE {both}) AS rn__{num}__{den}",
                  f"sum(f.{den}) FILTER (WHERE {both}) AS rd__{num}__{den}"]
    return parts


@on_change
def refresh_cube(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild ``kpi_cube`` from the stored rows; called inside every write transaction, so
    readers always see a cube that matches the data. Both views (reported, estimated) in
    both classifications (current, as reported).

    Design note: KPI queries read this cube (a few rows per year and group) instead of
    every submission, which keeps the Overview fast at a million rows; everything in it
    adds up across groups, so any filter and breakdown is a GROUP BY over the cube.
    """
    g_dims = ", ".join(f"coalesce(f.{d}, a.{d}) AS g_{d}" for d in DIMENSIONS)
    views = [(c, e) for c in CLASSIFICATIONS for e in (False, True)]
    for i, (classification, estimated) in enumerate(views):
        ctes, params = base_ctes(Filters(estimated=estimated, classification=classification))
        select = f"""{ctes},
joined AS (
    SELECT f.* EXCLUDE ({", ".join(DIMENSIONS)}), a.member_id AS a_member_id,
           coalesce(f.year, a.year) AS g_year, {g_dims}
    FROM active a FULL JOIN facts f ON a.member_id = f.member_id AND a.year = f.year)
SELECT {_sql_text(classification)} AS classification,
       {str(estimated).lower()} AS estimated_view, g_year AS year,
       {", ".join(f"g_{d} AS {d}" for d in DIMENSIONS)}, {", ".join(_cube_parts())}
FROM joined f
GROUP BY ALL"""
        if i == 0:
            con.execute(f"CREATE OR REPLACE TABLE kpi_cube AS {select}", params)
        else:
            con.execute(f"INSERT INTO kpi_cube {select}", params)


def _grouped_sets(con: duckdb.DuckDBPyConnection, filters: Filters,
                  dimensions: list[str | None]) -> dict[str | None, pd.DataFrame]:
    """Every indicator per year and, in the same query, per year and each given dimension
    (GROUPING SETS), from the small pre-aggregated cube rather than from every row."""
    where, params = _dimension_where(filters, "c")
    params.update(view=filters.estimated, classification=filters.classification,
                  lo=filters.year_from if filters.year_from is not None else -1,
                  hi=filters.year_to if filters.year_to is not None else 10_000)
    sets, dim_select = _sets_sql(dimensions)
    aggregates = ",\n    ".join(f"{i.sql} AS {i.key}" for i in INDICATORS.values())
    stats = ",\n    ".join(f"CAST(sum(c.n__{m}) AS BIGINT) AS n__{m}, "
                          f"CAST(max(c.max__{m}) AS DOUBLE) AS max__{m}, "
                          f"CAST(sum(c.sum__{m}) AS DOUBLE) AS sum__{m}" for m in SDC_MEASURES)
    frame = con.execute(f"""
SELECT year, {dim_select}
    CAST(sum(c.active_members) AS BIGINT) AS active_members,
    CAST(sum(c.responded) AS BIGINT) AS responded,
    CAST(sum(c.estimated_members) AS BIGINT) AS estimated_members,
    CAST(sum(c.non_member_rows) AS BIGINT) AS non_member_rows,
    CAST(sum(c.turnover_eur_estimated) AS DOUBLE) AS turnover_eur_estimated,
    CAST(sum(c.jobs_estimated) AS DOUBLE) AS jobs_estimated,
    {aggregates},
    {stats}
FROM kpi_cube c
WHERE c.classification = $classification AND c.estimated_view = $view
  AND c.year BETWEEN $lo AND $hi AND {where}
GROUP BY GROUPING SETS ({sets})""", params).df()
    frame["response_rate"] = frame["responded"] / frame["active_members"].where(
        frame["active_members"] > 0)
    return _split_sets(frame, dimensions)


def _add_medians(con: duckdb.DuckDBPyConnection, filters: Filters,
                 frames: dict[str | None, pd.DataFrame]) -> None:
    """Medians need every row: one extra query over the submissions, only when asked for.
    The middle of an even count is exact at a tenth of a cent, then rounded half-even to
    the cent (DuckDB's median of a DECIMAL(18,2) would truncate 0.015 to 0.01)."""
    ctes, params = base_ctes(filters)
    sets, dim_select = _sets_sql(list(frames))
    medians = _split_sets(con.execute(f"""{ctes}
SELECT year, {dim_select}
    CAST(round_even(median(CAST(turnover_eur AS DECIMAL(38, 3))), 2) AS DOUBLE) AS median_turnover_eur
FROM facts GROUP BY GROUPING SETS ({sets})""", params).df(), list(frames))
    for d, frame in frames.items():
        keys = ["year", *([d] if d else [])]
        merged = frame.drop(columns="median_turnover_eur").merge(medians[d], on=keys, how="left")
        frames[d] = merged[frame.columns]


def by_year(store: Store, filters: Filters = Filters()) -> pd.DataFrame:
    """One row per year: every indicator plus active members and response rate."""
    with store.connect() as con:
        frames = _grouped_sets(con, filters, [None])
        _add_medians(con, filters, frames)
    return frames[None]


def by_dimension(store: Store, dimension: str, filters: Filters = Filters()) -> pd.DataFrame:
    """One row per year and member type, sector or area."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"Unknown breakdown {dimension!r}.")
    with store.connect() as con:
        return _grouped_sets(con, filters, [dimension])[dimension]


def period_years(years: Iterable[int], baseline_year: int | None = None,
                 latest_year: int | None = None) -> tuple[int | None, int | None]:
    """The baseline and latest year of growth *and* of the decomposition (one rule for
    both): the selected years when given, else the first and last year the selection has
    (an active member or a submission), whether or not the measure has a value then."""
    known = sorted(int(y) for y in years)
    return (baseline_year if baseline_year is not None else (known[0] if known else None),
            latest_year if latest_year is not None else (known[-1] if known else None))


def growth(yearly: pd.DataFrame, baseline_year: int | None = None,
           latest_year: int | None = None) -> dict[str, dict[str, Any]]:
    """Change, percentage and CAGR from a baseline to a latest year, for turnover and jobs.
    Sums are exact (DECIMAL) in DuckDB; the change is rounded to the cent so that a
    difference of two doubles never shows float noise (901530.69, not 901530.690002)."""
    out: dict[str, dict[str, Any]] = {}
    base_y, last_y = period_years(yearly["year"] if len(yearly) else [], baseline_year,
                                  latest_year)

    def value(year: int | None, key: str) -> float | None:
        if year is None:
            return None
        hit = yearly.loc[yearly["year"] == year, key]
        return None if hit.empty or pd.isna(hit.iloc[0]) else float(hit.iloc[0])

    for key in GROWTH_MEASURES:
        base, last = value(base_y, key), value(last_y, key)
        change = round(last - base, 2) if base is not None and last is not None else None
        pct = change / base if change is not None and base else None
        span = (last_y - base_y) if base_y is not None and last_y is not None else 0
        cagr = ((last / base) ** (1 / span) - 1
                if base and last is not None and base > 0 and last >= 0 and span > 0 else None)
        out[key] = {"baseline_year": base_y, "latest_year": last_y, "baseline": base,
                    "latest": last, "change": change, "pct": pct, "cagr": cagr}
    return out


def overview(store: Store, filters: Filters = Filters(), medians: bool = False) -> dict[str, Any]:
    """Everything the Overview page, the CLI and exports need, in one connection. Medians
    (exports, JSON) cost a pass over every row, so pages leave them out."""
    with store.connect() as con:
        frames = _grouped_sets(con, filters, [None, *DIMENSIONS])
        if medians:
            _add_medians(con, filters, frames)
    yearly = frames[None]
    return {"by_year": yearly, **{f"by_{d}": frames[d] for d in DIMENSIONS},
            "growth": growth(yearly, filters.year_from, filters.year_to)}


def data_years(store: Store) -> tuple[int, int] | None:
    lo, hi = store.rows("SELECT min(year), max(year) FROM submissions")[0]
    return None if lo is None else (int(lo), int(hi))


def member_status(store: Store, filters: Filters = Filters()) -> pd.DataFrame:
    """Member x year: 'submitted', 'missing' (active, nothing sent) or 'submitted (not a member)'."""
    ctes, params = base_ctes(filters)
    with store.connect() as con:
        return con.execute(f"""{ctes}
SELECT coalesce(a.member_id, f.member_id) AS member_id, d.member_name,
       coalesce(f.member_type, a.member_type) AS member_type,
       coalesce(f.sector, a.sector) AS sector, coalesce(f.area, a.area) AS area,
       coalesce(a.year, f.year) AS year,
       CASE WHEN f.member_id IS NULL THEN 'missing'
            WHEN f.estimated THEN 'missing (estimated)'
            WHEN a.member_id IS NULL THEN 'submitted (not a member)'
            ELSE 'submitted' END AS status
FROM active a FULL JOIN facts f ON a.member_id = f.member_id AND a.year = f.year
JOIN member_dim d ON d.member_id = coalesce(a.member_id, f.member_id)
ORDER BY member_id, year""", params).df()


#: Amounts (sums of stored values, exact DECIMAL in DuckDB): written to the cent. Ratios,
#: shares and rates keep every digit.
AMOUNTS = {k for k, i in INDICATORS.items() if i.unit in ("EUR", "FTE", "hours", "projects")} | {
    "turnover_eur_estimated", "jobs_estimated", "baseline", "latest", "change"}


def to_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame -> JSON-ready dicts: NaN -> None, whole floats -> int, amounts to the cent."""
    return [{k: _plain(v, k in AMOUNTS) for k, v in row.items()} for row in frame.to_dict("records")]


def _plain(value: Any, amount: bool = False) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if amount:
            value = round(value, 2)
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    return value

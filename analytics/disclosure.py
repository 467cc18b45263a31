"""Statistical disclosure control: what a funder or a member may see.

Members are competitors; a cell of business data is not published when it is built from
fewer than ``MIN_UNITS`` members (frequency rule) or when one member makes more than
``DOMINANCE`` of it (dominance rule), as in French official statistics.

Design note: the rules are applied once per data version to the whole linked set of
cells in ``publication.py`` (every table, every year, both views, ratios, decomposition
parts), and the pattern is then audited by an LP intruder (``audit.py``, the tau-ARGUS /
sdcTable method) who also may be a member knowing its own figures. This module only
*reads* that publication to mask a result that the KPI queries computed:
- a sum shows when its published cell(s) do: the cluster, or the chosen categories of one
  dimension (several categories add up published cells); a selection that crosses two
  dimensions, or a breakdown inside a filtered selection, is not published;
- a ratio shows when its own cell does (one category at most: a ratio over several
  categories would be a new equation); medians are never shown to funders (a median is one
  member's own figure); the estimated parts show when their carried-forward cells do;
- growth shows when its baseline and latest values do; decomposition parts when their
  cells and both totals do; like-for-like also when only the net of entries and exits is
  published; the like-for-like rate when its own cell is (one category at most); gross
  job creation is never shown to funders (it is a sum over the members that grew, across
  two years). Member counts stay visible.
Hidden values become NaN/None, never 0, and each row lists them in ``confidential``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from . import publication
from .filters import DIMENSION_FIELDS, Filters
from .kpis import BUILT_FROM
from .publication import DOMINANCE, MIN_UNITS, Rules  # noqa: F401 - re-exported

NEVER_SHOWN = ("median_turnover_eur",)
CONFIDENTIAL = "confidential"


def stats_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c.startswith(("n__", "max__", "sum__"))]


def _hide(frame: pd.DataFrame, hidden: dict[Any, set[str]]) -> pd.DataFrame:
    """Blank the hidden fields; list them per row (only what had a value is listed)."""
    out = frame.copy()
    confidential: list[list[str]] = []
    for idx in out.index:
        fields = [f for f in hidden.get(idx, set()) if f in out.columns and not pd.isna(out.at[idx, f])]
        for f in fields:
            out.at[idx, f] = float("nan")
        confidential.append(sorted(fields))
    out["confidential"] = confidential
    return out.drop(columns=stats_columns(out))


def _view(filters: Filters) -> str:
    return "estimated" if filters.estimated else "reported"


def _hidden_fields(pub: publication.Publication, view: str, year: int, table: str | None,
                   cats: tuple) -> set[str]:
    """The fields of one row (a year of a selection) that the publication does not show."""
    if table is None:  # not a published selection: nothing built from members' values
        return set(BUILT_FROM)
    hidden = set(NEVER_SHOWN)
    for field_name, parts in BUILT_FROM.items():
        if field_name in publication.RATIO_KEYS:
            if not pub.ratio_shown(view, field_name, year, table, cats):
                hidden.add(field_name)
        elif field_name.endswith("_estimated"):
            if not pub.carried_shown(parts[0], year, table, cats):
                hidden.add(field_name)
        elif field_name not in NEVER_SHOWN and not pub.sum_shown(view, parts[0], year, table, cats):
            hidden.add(field_name)
    return hidden


def _mask(frame: pd.DataFrame, pub: publication.Publication, view_filters: Filters,
          selection: tuple[str, tuple] | None, dimension: str | None = None) -> pd.DataFrame:
    view = _view(view_filters)
    hidden: dict[Any, set[str]] = {}
    for idx, row in frame.iterrows():
        table, cats = selection if selection is not None else (None, ())
        if dimension is not None and table is not None:
            cat = row[dimension]
            cats = (None if pd.isna(cat) else cat,)
            table = publication.table_of(dimension, view_filters)
        hidden[idx] = _hidden_fields(pub, view, int(row["year"]), table, cats)
    return _hide(frame, hidden)


def protect_growth(growth: dict[str, dict[str, Any]], yearly: pd.DataFrame) -> dict:
    """Growth is hidden when its baseline or latest value is."""
    out = {}
    for key, g in growth.items():
        g = dict(g)
        for year_key, value_key in (("baseline_year", "baseline"), ("latest_year", "latest")):
            row = yearly[yearly["year"] == g[year_key]]
            if not row.empty and pd.isna(row.iloc[0][key]):
                g[value_key] = None
        if g["baseline"] is None or g["latest"] is None:
            g.update(change=None, pct=None, cagr=None)
        out[key] = g
    return out


def breakdown_selection(filters: Filters, dimension: str) -> tuple[str, tuple] | None:
    """The published table a breakdown by ``dimension`` reads under the filters: its own
    categories when nothing or only this dimension is filtered; else not published."""
    picked = [dim for dim in DIMENSION_FIELDS if filters.selected(dim)]
    if not picked or picked == [dimension]:
        return publication.table_of(dimension, filters), ()
    return None


def protect_overview(store, filters: Filters, result: dict[str, Any],
                     rules: Rules | None = None) -> dict[str, Any]:
    """The overview() result as a funder or member may see it: masked by the publication."""
    pub = publication.get(store, rules)
    yearly = _mask(result["by_year"], pub, filters, publication.scope(filters))
    out = {"by_year": yearly}
    for key, frame in result.items():
        if key.startswith("by_") and key != "by_year":
            dim = key.removeprefix("by_")
            out[key] = _mask(frame, pub, filters, breakdown_selection(filters, dim), dim)
    out["growth"] = protect_growth(result["growth"], yearly)
    return out


def protect_decomposition(d: dict[str, Any], store, filters: Filters, measure: str,
                          rules: Rules | None = None) -> dict[str, Any]:
    """A decomposition as the publication shows it: parts when their cells and both totals
    are published, like-for-like also from a published net; never gross creation."""
    pub = publication.get(store, rules)
    view, selection = _view(filters), publication.scope(filters)

    def guard(part: dict[str, Any] | None) -> dict[str, Any] | None:
        if part is None:
            return None
        p = dict(part)
        y0, y1 = int(p["y0"]), int(p["y1"])
        p["net_membership"] = None if p["entries"] is None else p["entries"] - p["exits"]
        if selection is None:  # not a published selection
            before = after = totals = parts = net = rate = False
        else:
            table, cats = selection
            before = pub.sum_shown(view, measure, y0, table, cats)
            after = pub.sum_shown(view, measure, y1, table, cats)
            parts = pub.parts_shown(view, measure, y0, y1, table, cats)
            net = parts or pub.parts_shown(view, measure, y0, y1, table, cats, ("net",))
            rate = net and pub.rate_shown(view, measure, y0, y1, table, cats)
            totals = before and after
        if not before:
            p["total_before"] = None
        if not after:
            p["total_after"] = None
        if not totals:
            p["change"] = None
        if not parts:
            p["joiners"] = p["leavers"] = p["reporting_changes"] = None
        if not net:
            p["like_for_like"] = p["net_membership"] = None
        if not rate:
            p["like_for_like_rate"] = None
        # entries and exits mix joiners with members that did not report one of the years:
        # the published parts are joiners, leavers and reporting changes (and their net)
        for key in ("entries", "exits", "reporting_in", "reporting_out", "created",
                    "growth_of_growing", "continuing_before", "continuing_after", "max_entry",
                    "max_exit"):
            p[key] = None
        return p

    annual = [guard(a) for a in d["annual"]]
    index, dead = [], False
    for i in d["index"]:
        if i.get("from_year") is not None:
            shown = selection is not None and pub.rate_shown(
                view, measure, int(i["from_year"]), int(i["year"]), *selection)
            dead = dead or not shown  # later levels would give the hidden link away
        index.append({**i, "index": None} if dead else i)
    return {"annual": annual, "period": guard(d["period"]), "index": index}


def to_json_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    from .kpis import to_records

    rows = to_records(frame.drop(columns=stats_columns(frame)))
    for row in rows:
        row.setdefault("confidential", [])
    return rows

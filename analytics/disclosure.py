"""Statistical disclosure control: what a funder or a member may see.

Members are competitors; a cell of business data is not published when it is built from
fewer than ``MIN_UNITS`` members (frequency rule) or when one member makes more than
``DOMINANCE`` of it (dominance rule), as in French official statistics.

Design note (how a hidden value stays hidden):
- Primary: every (row, sum) cell is checked with the two rules, using the number of
  contributing members and the largest contribution that come with every grouped result.
- Secondary, in breakdowns: a row of categories adds up to the year's total, which is shown,
  so in every year the hidden cells of a row are at least two and their union passes both
  rules; more cells are hidden (smallest first) until it does. A category hidden in one year
  is hidden in every year shown (a consistent pattern), so two years cannot be compared to
  recover it.
- Filters: a selection is shown only if every selected category is shown in the breakdown
  of its dimension (under the other filters) and what is left out passes both rules;
  otherwise the difference between two selections could isolate a member.
- Derived values: a ratio is hidden when one of its sums is (``kpis.BUILT_FROM``); growth
  is hidden when its baseline or latest value is; medians are never shown to funders (a
  median is one member's own figure). Member counts stay visible.
Hidden values become NaN/None, never 0, and each row lists them in ``confidential``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from .filters import DIMENSION_FIELDS, Filters
from .kpis import BUILT_FROM, SDC_MEASURES, by_dimension

MIN_UNITS = int(os.environ.get("CLUSTER_SDC_MIN_UNITS", "3"))
DOMINANCE = float(os.environ.get("CLUSTER_SDC_DOMINANCE", "0.85"))
NEVER_SHOWN = ("median_turnover_eur",)
CONFIDENTIAL = "confidential"


@dataclass(frozen=True)
class Rules:
    min_units: int = MIN_UNITS
    dominance: float = DOMINANCE

    def unsafe(self, n: float, biggest: float, total: float) -> bool:
        """True when a cell from n members, largest part biggest, sum total, must be hidden."""
        if not n or pd.isna(n):
            return False  # nothing there: nothing to hide
        if n < self.min_units:
            return True
        return bool(total and total > 0 and biggest / total > self.dominance)


def stats_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c.startswith(("n__", "max__", "sum__"))]


def _cell_unsafe(row: pd.Series, measure: str, rules: Rules) -> bool:
    return rules.unsafe(row[f"n__{measure}"], row[f"max__{measure}"], row[f"sum__{measure}"])


def _hide(frame: pd.DataFrame, hidden: dict[Any, set[str]]) -> pd.DataFrame:
    """Blank the hidden sums and everything built from them; list them per row."""
    out = frame.copy()
    confidential: list[list[str]] = []
    for idx in out.index:
        sums = hidden.get(idx, set())
        fields = [k for k, parts in BUILT_FROM.items()
                  if k in out.columns and (set(parts) & sums or k in NEVER_SHOWN)
                  and not pd.isna(out.at[idx, k])]  # only what had a value is hidden
        for f in fields:
            out.at[idx, f] = float("nan")
        confidential.append(sorted(fields))
    out["confidential"] = confidential
    return out.drop(columns=stats_columns(out))


Unsafe = dict[int, set[str]]  # year -> sums that the selection may not show


def protect_yearly(frame: pd.DataFrame, rules: Rules = Rules(),
                   unsafe: Unsafe | None = None) -> pd.DataFrame:
    """The by-year table of a selection: each year's sums checked with the rules."""
    hidden: dict[Any, set[str]] = {}
    for idx, row in frame.iterrows():
        hidden[idx] = {m for m in SDC_MEASURES if _cell_unsafe(row, m, rules)} | \
            (unsafe or {}).get(int(row["year"]), set())
    return _hide(frame, hidden)


def hidden_categories(frame: pd.DataFrame, dimension: str, measure: str,
                      rules: Rules = Rules()) -> dict[int, set]:
    """Per year, the categories of a breakdown hidden for one sum: primary, made consistent
    across years, then secondary until every year's hidden cells are >= 2 and safe together.
    A lone hidden cell that is safe by itself is shown again: it equals the total minus the
    shown cells anyway, and hiding it would only pretend."""
    rows = frame[frame[f"n__{measure}"].fillna(0) > 0]
    hidden = {row[dimension] for _, row in rows.iterrows() if _cell_unsafe(row, measure, rules)}
    changed = bool(hidden)
    while changed:
        changed = False
        for _, year_rows in rows.groupby("year"):
            inside = year_rows[year_rows[dimension].isin(hidden)]
            if inside.empty:
                continue
            n, total = inside[f"n__{measure}"].sum(), inside[f"sum__{measure}"].sum()
            biggest = inside[f"max__{measure}"].max()
            if len(inside) >= 2 and not rules.unsafe(n, biggest, total):
                continue
            candidates = year_rows[~year_rows[dimension].isin(hidden)]
            if candidates.empty:
                continue  # all hidden already: the year's total is checked on its own
            pick = candidates.sort_values([f"n__{measure}", f"sum__{measure}"]).iloc[0]
            hidden.add(pick[dimension])
            changed = True
    per_year: dict[int, set] = {}
    for year, year_rows in rows.groupby("year"):
        inside = year_rows[year_rows[dimension].isin(hidden)]
        if len(inside) == 1 and not _cell_unsafe(inside.iloc[0], measure, rules):
            continue
        per_year[int(year)] = set(inside[dimension])
    return per_year


def protect_breakdown(frame: pd.DataFrame, dimension: str, rules: Rules = Rules(),
                      unsafe: Unsafe | None = None) -> pd.DataFrame:
    hidden_by_measure = {m: hidden_categories(frame, dimension, m, rules) for m in SDC_MEASURES}
    hidden = {}
    for idx, row in frame.iterrows():
        year = int(row["year"])
        hidden[idx] = {m for m, cats in hidden_by_measure.items()
                       if row[dimension] in cats.get(year, set())} | \
            (unsafe or {}).get(int(row["year"]), set())
    return _hide(frame, hidden)


def unsafe_selection(store, filters: Filters, rules: Rules = Rules()) -> Unsafe:
    """Per year, the sums a filtered selection may not show because comparing it with a
    wider selection (one filter removed) would isolate too few members."""
    unsafe: Unsafe = {}
    for dim in DIMENSION_FIELDS:
        chosen = filters.selected(dim)
        if not chosen:
            continue
        wider = replace(filters, **{DIMENSION_FIELDS[dim]: ()})
        frame = by_dimension(store, dim, wider)
        for measure in SDC_MEASURES:
            hidden = hidden_categories(frame, dim, measure, rules)
            for year, rows in frame.groupby("year"):
                rows = rows[rows[f"n__{measure}"].fillna(0) > 0]
                picked = rows[dim].isin(chosen)
                rest = rows[~picked]
                if picked.any() and ((picked & rows[dim].isin(hidden.get(int(year), set()))).any() or (
                        not rest.empty and rules.unsafe(rest[f"n__{measure}"].sum(),
                                                        rest[f"max__{measure}"].max(),
                                                        rest[f"sum__{measure}"].sum()))):
                    unsafe.setdefault(int(year), set()).add(measure)
    return unsafe


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


def protect_overview(store, filters: Filters, result: dict[str, Any],
                     rules: Rules = Rules()) -> dict[str, Any]:
    """The overview() result as a funder or member may see it."""
    unsafe = unsafe_selection(store, filters, rules)
    yearly = protect_yearly(result["by_year"], rules, unsafe)
    out = {"by_year": yearly}
    for key, frame in result.items():
        if key.startswith("by_") and key != "by_year":
            out[key] = protect_breakdown(frame, key.removeprefix("by_"), rules, unsafe)
    out["growth"] = protect_growth(result["growth"], yearly)
    return out


def part_unsafe(n: int, biggest: float | None, total: float | None, rules: Rules = Rules()) -> bool:
    return rules.unsafe(n, abs(biggest or 0), abs(total or 0))


def protect_decomposition(d: dict[str, Any], rules: Rules = Rules()) -> dict[str, Any]:
    """Hide parts of a change that come from too few members: entries or exits alone are
    never shown when either is unsafe (their net is shown when the two together are safe);
    like-for-like needs enough continuing members."""
    def guard(part: dict[str, Any] | None) -> dict[str, Any] | None:
        if part is None:
            return None
        p = dict(part)
        entries_bad = part_unsafe(p["entering_members"], p.get("max_entry"), p["entries"], rules)
        exits_bad = part_unsafe(p["exiting_members"], p.get("max_exit"), p["exits"], rules)
        p["net_membership"] = p["entries"] - p["exits"]
        if entries_bad or exits_bad:
            p["entries"] = p["exits"] = None
            p["created"] = None
            together = p["entering_members"] + p["exiting_members"]
            if together and together < rules.min_units:
                p["net_membership"] = None
        if p["continuing_members"] and p["continuing_members"] < rules.min_units:
            p["like_for_like"] = p["like_for_like_rate"] = p["net_membership"] = None
            p["entries"] = p["exits"] = p["created"] = None
        p["growth_of_growing"] = p["continuing_before"] = p["continuing_after"] = None
        return p

    annual = [guard(a) for a in d["annual"]]
    index = d["index"]
    if any(a["like_for_like_rate"] is None for a in annual):
        index = [i if j == 0 else {**i, "index": None} for j, i in enumerate(index)]
    return {"annual": annual, "period": guard(d["period"]), "index": index}


def to_json_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    from .kpis import to_records

    rows = to_records(frame.drop(columns=stats_columns(frame)))
    for row in rows:
        row.setdefault("confidential", [])
    return rows

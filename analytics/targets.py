"""Baseline, milestone and target values per indicator, and progress towards them.

Targets are set by the funder in the collective action contract (e.g. jobs 700 by 2015,
800 by 2018). They are stored like submissions (``schema.TARGETS``), so a CSV of targets
is checked and loaded by the same ingest, and every change is in the history.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .filters import DIMENSION_FIELDS, Filters
from .i18n import N_, gettext
from .kpis import INDICATORS
from .schema import TARGETS
from .store import LoadResult, Store


def stored_targets(store: Store) -> pd.DataFrame:
    frame = store.query(f"SELECT {', '.join(TARGETS.names)} FROM targets "
                        "ORDER BY indicator, year, kind")
    frame["value"] = frame["value"].astype(float)
    return frame


def save_targets(store: Store, frame: pd.DataFrame, user: str | None) -> LoadResult:
    """Replace the whole list of targets with a checked table (undoable like any load)."""
    return store.load(TARGETS, frame, file_name="targets edited on the Targets page", sha256="",
                      user=user, replace_all=True)


OUT_OF_SCOPE = N_("Targets are set for the whole cluster: they are not compared with a "
                  "selection of member types, sectors or areas.")


def in_scope(filters: Filters | None) -> bool:
    """Targets compare with the whole cluster: not with a member type, sector or area."""
    return filters is None or not any(filters.selected(d) for d in DIMENSION_FIELDS)


def progress(yearly: pd.DataFrame, targets: pd.DataFrame, lang: str = "en",
             filters: Filters | None = None) -> list[dict[str, Any]]:
    """For each indicator with targets: the latest value, progress to the final target
    ((latest - baseline) / (target - baseline)) and whether the latest milestone due by the
    latest year was reached. Without a stored baseline, the first year's value is the
    baseline (``baseline_implied``). A target below its baseline (energy, emissions) is met
    by going down. Under a member type, sector or area filter nothing is compared
    (``in_scope`` False, with the reason)."""
    out: list[dict[str, Any]] = []
    if yearly.empty or targets.empty:
        return out
    scope = in_scope(filters)
    latest_year = int(yearly["year"].max())
    for indicator, rows in targets.groupby("indicator"):
        if indicator not in yearly.columns:
            continue
        actual = yearly.loc[yearly["year"] == latest_year, indicator]
        latest = None if actual.empty or pd.isna(actual.iloc[0]) else float(actual.iloc[0])
        known = yearly.loc[yearly[indicator].notna()].sort_values("year")

        def first(kind: str, due_by: int | None = None, last: bool = False,
                  rows: pd.DataFrame = rows) -> pd.Series | None:
            pick = rows[rows["kind"] == kind]
            if due_by is not None:
                pick = pick[pick["year"] <= due_by]
            pick = pick.sort_values("year")
            return None if pick.empty else pick.iloc[-1 if last else 0]

        base, target = first("baseline"), first("target", last=True)
        milestone = first("milestone", due_by=latest_year, last=True)
        implied = base is None and not known.empty
        if base is not None:
            start, start_year = float(base["value"]), int(base["year"])
        elif implied:
            start, start_year = float(known[indicator].iloc[0]), int(known["year"].iloc[0])
        else:
            start = start_year = None
        goal = target if target is not None else milestone
        down = goal is not None and start is not None and float(goal["value"]) < start
        share = None
        if scope and target is not None and latest is not None and start is not None \
                and float(target["value"]) != start:
            share = (latest - start) / (float(target["value"]) - start)
        met = None
        if scope and milestone is not None and latest is not None:
            met = latest <= float(milestone["value"]) if down else latest >= float(milestone["value"])
        out.append({
            "indicator": indicator, "label": INDICATORS[indicator].name(lang),
            "unit": INDICATORS[indicator].unit, "latest_year": latest_year, "latest": latest,
            "baseline": start, "baseline_year": start_year, "baseline_implied": implied,
            "direction": "down" if down else "up",
            "target": None if target is None else float(target["value"]),
            "target_year": None if target is None else int(target["year"]),
            "target_progress": share,
            "milestone": None if milestone is None else float(milestone["value"]),
            "milestone_year": None if milestone is None else int(milestone["year"]),
            "milestone_met": met, "in_scope": scope,
            "out_of_scope_reason": None if scope else gettext(OUT_OF_SCOPE, lang),
        })
    return out

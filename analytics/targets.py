"""Baseline, milestone and target values per indicator, and progress towards them.

Targets are set by the funder in the collective action contract (e.g. jobs 700 by 2015,
800 by 2018). They are stored like submissions (``schema.TARGETS``), so a CSV of targets
is checked and loaded by the same ingest, and every change is in the history.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

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


def progress(yearly: pd.DataFrame, targets: pd.DataFrame, lang: str = "en") -> list[dict[str, Any]]:
    """For each indicator with targets: the latest value, progress to the final target
    ((latest - baseline) / (target - baseline), or latest / target without a baseline),
    and whether the latest milestone due by the latest year was reached."""
    out: list[dict[str, Any]] = []
    if yearly.empty or targets.empty:
        return out
    latest_year = int(yearly["year"].max())
    for indicator, rows in targets.groupby("indicator"):
        if indicator not in yearly.columns:
            continue
        actual = yearly.loc[yearly["year"] == latest_year, indicator]
        latest = None if actual.empty or pd.isna(actual.iloc[0]) else float(actual.iloc[0])

        def first(kind: str, due_by: int | None = None, last: bool = False,
                  rows: pd.DataFrame = rows) -> pd.Series | None:
            pick = rows[rows["kind"] == kind]
            if due_by is not None:
                pick = pick[pick["year"] <= due_by]
            pick = pick.sort_values("year")
            return None if pick.empty else pick.iloc[-1 if last else 0]

        base, target = first("baseline"), first("target", last=True)
        milestone = first("milestone", due_by=latest_year, last=True)
        start = float(base["value"]) if base is not None else 0.0
        share = None
        if target is not None and latest is not None and float(target["value"]) != start:
            share = (latest - start) / (float(target["value"]) - start)
        out.append({
            "indicator": indicator, "label": INDICATORS[indicator].name(lang),
            "unit": INDICATORS[indicator].unit, "latest_year": latest_year, "latest": latest,
            "baseline": None if base is None else float(base["value"]),
            "baseline_year": None if base is None else int(base["year"]),
            "target": None if target is None else float(target["value"]),
            "target_year": None if target is None else int(target["year"]),
            "target_progress": share,
            "milestone": None if milestone is None else float(milestone["value"]),
            "milestone_year": None if milestone is None else int(milestone["year"]),
            "milestone_met": None if milestone is None or latest is None
            else latest >= float(milestone["value"]),
        })
    return out

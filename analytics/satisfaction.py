"""Members' satisfaction with the cluster (issue 17): answers, mean, Net Promoter Score.

One answer per member and year (``schema.SATISFACTION``), from a file or from the member's
own form. The Net Promoter Score is the textbook one: the share of promoters (9 or 10) minus
the share of detractors (0 to 6), in points from -100 to +100. The response rate divides the
answers by the year's active members, as the figures' response rate does.

Funders see a year's (or a member type's) figures only from
``satisfaction_min_answers`` answers (5 by default, a survey standard; a cluster may ask
for more), and never a comment: :func:`by_year` and :func:`by_member_type` with
``protect=True`` blank the figures of smaller cells and keep the number of answers.
"""

from __future__ import annotations

import pandas as pd

from .filters import Filters
from .kpis import overview
from .schema import SATISFACTION
from .store import LoadResult, Store

PROMOTER, DETRACTOR = 9, 6  # promoters score 9-10, detractors 0-6
#: Figures of a cell, blanked for funders below the minimum number of answers.
FIGURES = ("satisfaction_mean", "nps", "promoters_share", "detractors_share", "services_mean",
           "events_mean")


def nps(scores: list[int] | pd.Series) -> float | None:
    """Net Promoter Score of 0-10 scores: % promoters (9-10) minus % detractors (0-6)."""
    scores = [int(s) for s in scores if s is not None and not pd.isna(s)]
    if not scores:
        return None
    promoters = sum(s >= PROMOTER for s in scores)
    detractors = sum(s <= DETRACTOR for s in scores)
    return 100 * (promoters - detractors) / len(scores)


def _answers(store: Store, filters: Filters) -> pd.DataFrame:
    """The answers within the filters' years, each with its member's latest type, sector and
    area (as the figures' default classification)."""
    frame = store.query(f"""
        WITH latest AS (SELECT member_id, arg_max(member_type, year) AS member_type,
                               arg_max(sector, year) AS sector, arg_max(area, year) AS area
                        FROM submissions GROUP BY member_id)
        SELECT a.member_id, a.year, a.satisfaction, a.services_score, a.events_score,
               l.member_type, l.sector, l.area
        FROM {SATISFACTION.name} a LEFT JOIN latest l USING (member_id)
        ORDER BY a.year, a.member_id""")
    if filters.year_from is not None:
        frame = frame[frame["year"] >= filters.year_from]
    if filters.year_to is not None:
        frame = frame[frame["year"] <= filters.year_to]
    for column, chosen in (("member_type", filters.member_types), ("sector", filters.sectors),
                           ("area", filters.areas)):
        if chosen:
            frame = frame[frame[column].isin(chosen)]
    return frame


def _cell(group: pd.DataFrame) -> dict[str, float | int | None]:
    scores = group["satisfaction"].astype(int)
    n = len(scores)

    def mean(column: str) -> float | None:
        values = group[column].dropna()
        return float(values.mean()) if len(values) else None
    return {"satisfaction_responses": n,
            "satisfaction_mean": float(scores.mean()) if n else None,
            "nps": nps(scores),
            "promoters_share": float((scores >= PROMOTER).mean()) if n else None,
            "detractors_share": float((scores <= DETRACTOR).mean()) if n else None,
            "services_mean": mean("services_score"), "events_mean": mean("events_score")}


def _protected(frame: pd.DataFrame, minimum: int) -> pd.DataFrame:
    """Figures of a cell with fewer than ``minimum`` answers blanked (the count stays)."""
    small = frame["satisfaction_responses"] < minimum
    frame = frame.astype({c: "object" for c in FIGURES})
    frame.loc[small, list(FIGURES)] = None
    frame["confidential"] = [list(FIGURES) if s else [] for s in small]
    return frame


def by_year(store: Store, filters: Filters = Filters(), protect: bool = False,
            yearly: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per year with answers: the number of answers, the response rate (answers over
    the year's active members, within the same filters), mean scores, shares and NPS.
    ``yearly``: the filters' by-year KPIs when the caller has them (else computed)."""
    answers = _answers(store, filters)
    rows = [{"year": int(year), **_cell(group)} for year, group in answers.groupby("year")]
    frame = pd.DataFrame(rows, columns=["year", "satisfaction_responses", *FIGURES])
    if frame.empty:
        frame["satisfaction_response_rate"] = []
        return frame.assign(confidential=[]) if protect else frame
    if yearly is None:
        yearly = overview(store, filters)["by_year"]
    active = yearly.set_index("year")["active_members"]
    frame["satisfaction_response_rate"] = [
        n / active[y] if y in active.index and active[y] else None
        for y, n in zip(frame["year"], frame["satisfaction_responses"], strict=True)]
    if protect:
        frame = _protected(frame, store.setting("satisfaction_min_answers"))
    return frame


def by_member_type(store: Store, filters: Filters = Filters(), protect: bool = False
                   ) -> pd.DataFrame:
    """The same figures per year and member type."""
    answers = _answers(store, filters)
    rows = [{"year": int(year), "member_type": kind, **_cell(group)}
            for (year, kind), group in answers.groupby(["year", "member_type"], dropna=False)]
    frame = pd.DataFrame(rows, columns=["year", "member_type", "satisfaction_responses",
                                        *FIGURES])
    if protect:
        frame = _protected(frame, store.setting("satisfaction_min_answers"))
    return frame


def distribution(store: Store, year: int, filters: Filters = Filters(),
                 protect: bool = False) -> pd.Series | None:
    """How many answers gave each overall score (0 to 10) in ``year``; None for a funder
    when the year has fewer answers than the minimum."""
    answers = _answers(store, filters)
    scores = answers.loc[answers["year"] == year, "satisfaction"].astype(int)
    if protect and len(scores) < store.setting("satisfaction_min_answers"):
        return None
    return scores.value_counts().reindex(range(11), fill_value=0)


def answer_of(store: Store, member_id: str, year: int) -> dict | None:
    """A member's own answer for a year (its form shows it back), comment included."""
    found = store.query(f"SELECT * EXCLUDE (load_id) FROM {SATISFACTION.name} "
                        "WHERE member_id = ? AND year = ?", [member_id, year])
    return None if found.empty else found.iloc[0].to_dict()


def answer(store: Store, member_id: str, year: int, scores: dict[str, int | None],
           comment: str, user: str | None) -> LoadResult:
    """Store a member's answer for ``year`` (replacing its own earlier one) as one load,
    traced and undoable like a file: the form's answer is checked as a one-row file is, by
    the same checks (scores 0 to 10, a member the cluster knows)."""
    from .ingest import check_file, load_checked

    row = {"member_id": member_id, "year": int(year), **{
        c: scores.get(c) for c in ("satisfaction", "services_score", "events_score")},
        "comment": " ".join(comment.split())[:2000]}
    text = pd.DataFrame([row], columns=SATISFACTION.names).to_csv(index=False)
    report = check_file(text.encode("utf-8"), "satisfaction form", store)
    if not report.ok:
        raise ValueError("; ".join(p.text() for p in report.errors))
    return load_checked(report, store, user)

"""Data-quality checks over stored data: sudden jumps and who has not submitted."""

from __future__ import annotations

import pandas as pd

from .filters import Filters
from .kpis import base_ctes
from .store import Store

JUMP_WARNING = 0.5  # flag jobs or turnover moving by more than 50 % from one year to the next


def jumps_sql(panel: str, only_rows: bool = False) -> str:
    """Year-on-year jumps above JUMP_WARNING in ``panel(member_id, year, jobs, turnover_eur, _row)``.

    Yields (row, member_id, year, prev_year, measure, value, prev_value), one line per
    measure that jumped; with ``only_rows``, only lines whose _row is set (a new file's rows).
    """
    return f"""
WITH panel AS ({panel}),
lagged AS (
    SELECT *, lag(year) OVER w AS prev_year, lag(jobs) OVER w AS prev_jobs,
           lag(turnover_eur) OVER w AS prev_turnover
    FROM panel WINDOW w AS (PARTITION BY member_id ORDER BY year)),
pairs AS (
    SELECT _row, member_id, year, prev_year, 'jobs' AS measure, jobs AS value,
           prev_jobs AS prev_value FROM lagged
    UNION ALL
    SELECT _row, member_id, year, prev_year, 'turnover_eur', turnover_eur, prev_turnover
    FROM lagged)
SELECT _row, member_id, year, prev_year, measure, value, prev_value FROM pairs
WHERE prev_year = year - 1 AND prev_value > 0 AND value IS NOT NULL
  AND abs(value - prev_value) / prev_value > {JUMP_WARNING}
  {"AND _row IS NOT NULL" if only_rows else ""}
ORDER BY _row, member_id, year, measure LIMIT 1000"""


def stored_jumps(store: Store, filters: Filters = Filters()) -> pd.DataFrame:
    """Jumps in the stored data of the members the filters select (member type, sector,
    area, years), for the Data quality page."""
    ctes, params = base_ctes(filters)
    frame = store.query(jumps_sql(f"{ctes} SELECT member_id, year, jobs, turnover_eur, "
                                  "NULL AS _row FROM reported"), params)
    frame = frame.drop(columns="_row")
    frame["change"] = (frame["value"] - frame["prev_value"]) / frame["prev_value"]
    if filters.year_from is not None:
        frame = frame[frame["year"] >= filters.year_from]
    if filters.year_to is not None:
        frame = frame[frame["year"] <= filters.year_to]
    return frame.reset_index(drop=True)

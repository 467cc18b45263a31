"""What a member sees: its own figures and its position in the cluster, never another
member's figure. The position is a band (which quarter of the members it falls in), not
the quartile values, since each quartile value is some member's own figure."""

from __future__ import annotations

from typing import Any

import pandas as pd

from . import publication
from .disclosure import Rules
from .i18n import N_
from .kpis import GROWTH_MEASURES
from .schema import SUBMISSIONS
from .store import Store

BANDS = (N_("bottom quarter"), N_("second quarter"), N_("third quarter"), N_("top quarter"))


def member_names(store: Store) -> dict[str, str | None]:
    """Every member's id -> its latest name (member list or submissions), for a manager's
    choice of whose page to see."""
    return dict(store.rows("""
        SELECT member_id, coalesce(arg_max(s.member_name, s.year), any_value(m.member_name))
        FROM (SELECT member_id FROM submissions UNION SELECT member_id FROM members) ids
        LEFT JOIN submissions s USING (member_id) LEFT JOIN members m USING (member_id)
        GROUP BY member_id ORDER BY member_id"""))


def own_rows(store: Store, member_id: str) -> pd.DataFrame:
    return store.query(f"SELECT {', '.join(SUBMISSIONS.names)} FROM submissions "
                       "WHERE member_id = ? ORDER BY year", [member_id])


def position(store: Store, member_id: str, rules: Rules | None = None) -> list[dict[str, Any]]:
    """For the member's latest year: its value, its quarter among reporting members, and the
    cluster total as the protected publication shows it (hidden there, hidden here)."""
    pub = publication.get(store, rules)
    out = []
    for measure in GROWTH_MEASURES:
        rows = store.rows(f"""
            WITH mine AS (SELECT max(year) AS year FROM submissions
                          WHERE member_id = $m AND {measure} IS NOT NULL),
            peers AS (SELECT s.member_id, s.{measure} AS v FROM submissions s, mine
                      WHERE s.year = mine.year AND s.{measure} IS NOT NULL)
            SELECT (SELECT year FROM mine), (SELECT v FROM peers WHERE member_id = $m),
                   (SELECT count(*) FROM peers WHERE v < (SELECT v FROM peers WHERE member_id = $m)),
                   count(*), sum(v), max(v) FROM peers""", {"m": member_id})
        year, value, below, n, total, biggest = rows[0]
        if year is None:
            continue
        rank = below / max(n - 1, 1)
        band = BANDS[min(int(rank * 4), 3)] if n >= 4 else N_("not enough members to compare")
        out.append({"measure": measure, "year": year, "value": float(value), "band": band,
                    "members": n, "cluster_total": float(total) if pub.state(
                        ("sum", "reported", measure, int(year), publication.CLUSTER, None)) == "shown"
                    else None})
    return out

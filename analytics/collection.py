"""The yearly collection campaign: which years are complete enough to be read as such.

Files arrive one by one over weeks. A year is *collecting* from its first submission (or
from when the manager opens it, with a deadline) until the manager *closes* it; once the
share of members that responded reaches the cluster's ``close_at_response_rate`` setting
(90 % by default), it is offered for closing and the manager confirms.

Design note: the status lives in the ``collection`` table (``schema.COLLECTION``), written
through ``Store.load`` like any table, so opening and closing are traced and undoable. A
year with submissions and no row there is collecting: nothing has to be written when a file
arrives, and undoing a load cannot leave a status behind. The rule that uses it is
``resolve``: unless the user names a later year, every figure of a document ends at the
last closed year, so that 4 files of 28 are never read as a collapse of the cluster; the
years still collecting are listed (``provisional``) and drawn apart in the by-year charts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from .filters import Filters
from .i18n import N_, Message, _l, _lp, ngettext
from .kpis import member_dim_ctes
from .schema import COLLECTION
from .store import LoadResult, Store

COLLECTING, CLOSED = "collecting", "closed"


@dataclass(frozen=True)
class Year:
    """One year's campaign, as the Collection view and ``collection status`` show it."""

    year: int
    status: str  # COLLECTING or CLOSED
    deadline: dt.date | None
    expected: int  # members active that year (from the member list, else from submissions)
    responded: int  # of them, those that sent figures
    ready_to_close: bool  # collecting, and the response rate reached the setting

    @property
    def provisional(self) -> bool:
        """Still collecting, with figures: shown apart, never read as complete."""
        return self.status == COLLECTING and self.responded > 0

    @property
    def response_rate(self) -> float | None:
        return self.responded / self.expected if self.expected else None

    @property
    def days_left(self) -> int | None:
        return None if self.deadline is None else (self.deadline - dt.date.today()).days

    def as_dict(self) -> dict[str, Any]:
        return {"year": self.year, "status": self.status,
                "deadline": None if self.deadline is None else self.deadline.isoformat(),
                "expected": self.expected, "responded": self.responded,
                "response_rate": self.response_rate, "ready_to_close": self.ready_to_close}


def years(store: Store) -> list[Year]:
    """Every year with figures or a campaign, oldest first."""
    rows = store.rows(f"""
WITH {member_dim_ctes()}
years AS (SELECT year FROM submissions UNION SELECT year FROM collection),
expected AS (
    SELECT y.year, d.member_id FROM years y JOIN member_dim d
      ON d.joined_year <= y.year AND (d.left_year IS NULL OR y.year < d.left_year))
SELECT y.year, c.status, c.deadline,
       (SELECT count(*) FROM expected e WHERE e.year = y.year),
       (SELECT count(*) FROM expected e JOIN submissions s USING (member_id, year)
        WHERE e.year = y.year)
FROM years y LEFT JOIN collection c USING (year) ORDER BY y.year""")
    threshold = store.setting("close_at_response_rate")
    out = []
    for year, status, deadline, expected, responded in rows:
        status = status or COLLECTING
        out.append(Year(int(year), status, _date(deadline), int(expected), int(responded),
                        status == COLLECTING and expected > 0
                        and responded * 100 >= threshold * expected))
    return out


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def last_closed(store: Store, known: list[Year] | None = None) -> int | None:
    """The last closed year (``known``: ``years(store)`` when the caller has it)."""
    closed = [y.year for y in (years(store) if known is None else known) if y.status == CLOSED]
    return max(closed) if closed else None


def within(known: list[Year], filters: Filters) -> list[Year]:
    """The provisional years of ``known`` within the filters' years."""
    return [y for y in known if y.provisional
            and (filters.year_from is None or y.year >= filters.year_from)
            and (filters.year_to is None or y.year <= filters.year_to)]


def provisional(store: Store, filters: Filters | None = None) -> list[Year]:
    """The years still collecting that have figures (within the filters' years, if given)."""
    return within(years(store), filters or Filters())


def resolve(store: Store, filters: Filters, known: list[Year] | None = None) -> Filters:
    """The filters a document is computed with: when the user named no last year, the
    period ends at the last closed year if later years are still collecting. ``known``:
    ``years(store)`` when the caller has it already (the dashboard caches it)."""
    baseline = store.setting("baseline_year")
    if filters.year_from is None and baseline:  # the cluster's baseline year, unless named
        first = min((y.year for y in (years(store) if known is None else known)), default=None)
        if first is not None and baseline > first:
            filters = replace(filters, year_from=baseline)
    if filters.year_to is not None:
        return filters
    known = years(store) if known is None else known
    end = last_closed(store, known)
    if end is None or not any(y.provisional and y.year > end for y in known):
        return filters
    if filters.year_from is not None and filters.year_from > end:
        return filters  # only provisional years were asked for: they are what is shown
    first = min(y.year for y in known)  # said in full: 'All members · 2009–2015'
    return replace(filters, year_from=first if filters.year_from is None else filters.year_from,
                   year_to=end)


def warning(store: Store, filters: Filters) -> Message | None:
    """What every page and export says when the period holds a year still collecting."""
    return warning_for(provisional(store, filters))


def warning_for(shown: list[Year]) -> Message | None:
    """``warning`` for these provisional years (None when there are none)."""
    if not shown:
        return None
    return _lp(len(shown), N_("Provisional: {years} is still collecting ({details}), so its "
                              "figures are incomplete and not comparable with closed years. The "
                              "estimated view fills non-responses with each member's last "
                              "reported values."),
               N_("Provisional: {years} are still collecting ({details}), so their figures are "
                  "incomplete and not comparable with closed years. The estimated view fills "
                  "non-responses with each member's last reported values."),
               years=", ".join(str(y.year) for y in shown),
               details=lambda lang: "; ".join(responded_text(y, lang) for y in shown))


def responded_text(year: Year, lang: str) -> str:
    """'4 of 28 members responded' in ``lang``."""
    return ngettext(year.expected, N_("{responded} of {expected} member responded"),
                    N_("{responded} of {expected} members responded"), lang).format(
        responded=year.responded, expected=year.expected)


def _write(store: Store, rows: list[tuple[int, str, dt.date | None]], user: str | None,
           is_demo: bool = False) -> LoadResult:
    frame = pd.DataFrame({"year": [int(y) for y, _s, _d in rows],
                          "status": [s for _y, s, _d in rows],
                          "deadline": [None if d is None else d.isoformat() for _y, _s, d in rows]})
    name = f"{rows[0][1]} {', '.join(str(y) for y, _s, _d in rows)}"
    return store.load(COLLECTION, frame, file_name=name, sha256="", user=user, is_demo=is_demo)


def open_year(store: Store, year: int, user: str | None,
              deadline: dt.date | None = None) -> LoadResult:
    """Open (or reopen) the campaign of ``year``, with a deadline if given."""
    if deadline is None:
        current = next((y for y in years(store) if y.year == year), None)
        deadline = current.deadline if current else None
    return _write(store, [(year, COLLECTING, deadline)], user)


def close_years(store: Store, chosen: list[int], user: str | None,
                is_demo: bool = False) -> LoadResult:
    """Close the campaigns of these years (one load): from now on they read as complete."""
    known = {y.year: y for y in years(store)}
    for year in chosen:
        if year not in known:
            raise ValueError(_l("There are no figures for {year} and no campaign was opened "
                                "for it.", year=year))
    return _write(store, [(y, CLOSED, known[y].deadline) for y in sorted(set(chosen))], user,
                  is_demo)


def members(store: Store, year: int) -> pd.DataFrame:
    """The members expected to report for ``year``: id, name, e-mail, submitted or not."""
    return store.query(f"""
WITH {member_dim_ctes()}
expected AS (SELECT member_id, member_name FROM member_dim
             WHERE joined_year <= $y AND (left_year IS NULL OR $y < left_year))
SELECT e.member_id, e.member_name, m.email,
       EXISTS (SELECT 1 FROM submissions s WHERE s.member_id = e.member_id AND s.year = $y)
         AS submitted
FROM expected e LEFT JOIN members m USING (member_id) ORDER BY e.member_id""", {"y": int(year)})


def reminder_csv(frame: pd.DataFrame) -> bytes:
    """The members still to report, as a CSV of names and addresses for a mail program."""
    late = frame[~frame["submitted"]]
    return late[["member_id", "member_name", "email"]].to_csv(index=False).encode("utf-8")


def mailto(frame: pd.DataFrame, subject: str) -> str | None:
    """A ``mailto:`` link to every member still to report that has an address (Bcc)."""
    from urllib.parse import quote

    addresses = [a for a in frame.loc[~frame["submitted"], "email"].dropna() if str(a).strip()]
    if not addresses:
        return None
    return f"mailto:?bcc={quote(','.join(addresses), safe='@,')}&subject={quote(subject)}"

"""An intruder with an LP solver, written independently of the product's own audit.

It reads only what a funder obtains (``document.summary(..., role="funder")``, the document of
``kpis --role funder --format json`` and of every funder page and export), for any filters,
year ranges and views, and turns each published number into a linear equation over the
members' true values, from its own model of who contributes to what (a member's latest
classification, reported or carried-forward values, entries and exits). Then, for every
member value and every hidden cell that fails the rules, it solves two LPs (scipy's
``linprog``) for the smallest and largest value consistent with everything published:
the value is disclosed when that interval is within ``p`` of the truth.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from scipy.optimize import linprog

MEASURES = ("turnover_eur", "jobs")
DIMS = ("member_type", "sector", "area")


@dataclass
class Panel:
    """The raw rows as the intruder models them (classification constant per member)."""
    rows: list[dict]
    carry: int = 2

    def __post_init__(self) -> None:
        self.years = sorted({r["year"] for r in self.rows})
        self.by_member: dict[str, dict[int, dict]] = defaultdict(dict)
        for r in self.rows:
            self.by_member[r["member_id"]][r["year"]] = r

    def classification(self, member: str, year: int | None = None) -> dict:
        """The latest classification (year None), or the one as reported for ``year``: that
        year's own submission, else the last one before it, else the first."""
        years = self.by_member[member]
        if year is None:
            pick = max(years)
        else:
            before = [y for y in years if y <= year]
            pick = max(before) if before else min(years)
        return {d: years[pick][d] for d in DIMS}

    def facts(self, year: int, estimated: bool) -> dict[str, tuple[int, bool]]:
        """member -> (source year of its value, carried?) for one year and view."""
        out = {}
        for member, years in self.by_member.items():
            if year in years:
                out[member] = (year, False)
            elif estimated and min(years) < year < max(years):
                source = max(y for y in years if y < year)
                if year - source <= self.carry:
                    out[member] = (source, True)
        return out

    def active(self, member: str, year: int) -> bool:
        """A member from its first submission; until its last one if it stopped before the
        panel's latest year (no member list in these panels)."""
        years = self.by_member[member]
        return min(years) <= year and (max(years) == self.years[-1] or year <= max(years))

    def sector_group(self, sector: str) -> str:
        from analytics.schema import vocabulary

        return next(r["egss_group"] for r in vocabulary("sectors").rows if r["code"] == sector)


@dataclass
class Equations:
    panel: Panel
    index: dict[tuple, int] = field(default_factory=dict)
    rows: list[dict[int, float]] = field(default_factory=list)
    rhs: list[float] = field(default_factory=list)
    bands: list[dict[int, float]] = field(default_factory=list)  # rows of  terms . x <= 0
    hidden: list[list[tuple]] = field(default_factory=list)  # contributor lists of null cells

    def var(self, member: str, year: int, measure: str) -> int | None:
        value = self.panel.by_member[member].get(year, {}).get(measure)
        if value is None:
            return None
        return self.index.setdefault((member, year, measure), len(self.index))

    def add(self, terms: dict[int, float], value: float | None, cell: list[tuple] | None = None) -> None:
        if value is None:
            if cell:
                self.hidden.append(cell)
            return
        if terms:
            self.rows.append(terms)
            self.rhs.append(float(value))

    def add_ratio(self, num: dict[int, float], den: dict[int, float], ratio: float) -> None:
        """num = ratio * den, with ratio printed to 6 decimals: two inequalities."""
        eps = 6e-7
        for sign, r in ((1.0, ratio + eps), (-1.0, ratio - eps)):
            terms: dict[int, float] = defaultdict(float)
            for i, c in num.items():
                terms[i] += sign * c
            for i, c in den.items():
                terms[i] -= sign * r * c
            self.bands.append(dict(terms))

    # the members of a selection, and the contributors of a sum
    #: None: the current classification; else read() sets the year being read
    as_reported: bool = False

    def selected(self, member: str, chosen: dict[str, tuple], cell: dict,
                 year: int | None = None) -> bool:
        c = self.panel.classification(member, year if self.as_reported else None)
        c["sector_group"] = self.panel.sector_group(c["sector"])
        return all(c[d] in v for d, v in chosen.items() if v) and all(c[d] == v for d, v in cell.items())

    def contributors(self, year: int, measure: str, chosen: dict, cell: dict, estimated: bool,
                     carried_only: bool = False) -> list[tuple]:
        out = []
        for member, (source, carried) in self.panel.facts(year, estimated).items():
            if carried_only and not carried:
                continue
            if self.selected(member, chosen, cell, year) and \
                    self.panel.by_member[member][source].get(measure) is not None:
                out.append((member, source, measure))
        return out

    def sum_terms(self, contributors: list[tuple]) -> dict[int, float]:
        terms: dict[int, float] = defaultdict(float)
        for member, year, measure in contributors:
            terms[self.var(member, year, measure)] += 1.0
        return dict(terms)

    def read(self, doc: dict, chosen: dict[str, tuple], estimated: bool,
             as_reported: bool = False) -> None:
        """Every number of one funder document, as equations. Null cells of the published
        tables (the cluster, or one dimension's categories) are kept as targets; a selection
        crossing two dimensions is not a published cell (its members' values are targets)."""
        self.as_reported = as_reported
        filtered = [d for d, v in chosen.items() if v]
        for key, dim in (("by_year", None), ("by_member_type", "member_type"), ("by_sector", "sector"),
                         ("by_area", "area"), ("by_sector_group", "sector_group")):
            published_table = len(filtered) == 0 or (len(filtered) == 1 and dim in (None, filtered[0]))
            for row in doc[key]:
                cell = {dim: row[dim]} if dim else {}
                year = row["year"]
                for m in MEASURES:
                    who = self.contributors(year, m, chosen, cell, estimated)
                    self.add(self.sum_terms(who), row[m], who if published_table else None)
                    if estimated:
                        carried = self.contributors(year, m, chosen, cell, True, carried_only=True)
                        self.add(self.sum_terms(carried), row.get(f"{m}_estimated"),
                                 carried if published_table else None)
                ratio = row.get("turnover_per_job")
                if ratio is not None:
                    both = [(mb, y) for mb, y, _ in self.contributors(year, "turnover_eur", chosen, cell,
                                                                       estimated)
                            if (self.panel.by_member[mb][y].get("jobs") or 0) > 0]
                    self.add_ratio({self.var(mb, y, "turnover_eur"): 1.0 for mb, y in both},
                                   {self.var(mb, y, "jobs"): 1.0 for mb, y in both}, float(ratio))
        for m, d in doc["decomposition"].items():
            parts = [{"y0": d["baseline_year"], "y1": d["latest_year"], **d}]
            parts += [{"y0": a["year"] - 1, "y1": a["year"], **a} for a in d["annual"]]
            for p in parts:
                if p["y0"] is None:
                    continue
                self.decomposition(p, m, chosen, estimated)

    def decomposition(self, p: dict, m: str, chosen: dict, estimated: bool) -> None:
        def present(year: int) -> dict[str, int]:
            return {mb: self.var(mb, y, m) for mb, y, _ in self.contributors(year, m, chosen, {}, estimated)}

        before, after = present(p["y0"]), present(p["y1"])
        cont = [mb for mb in after if mb in before]
        entries = {after[mb]: 1.0 for mb in after if mb not in before}
        exits = {before[mb]: 1.0 for mb in before if mb not in after}
        active = self.panel.active
        joiners = {after[mb]: 1.0 for mb in after if mb not in before and not active(mb, p["y0"])}
        leavers = {before[mb]: 1.0 for mb in before if mb not in after and not active(mb, p["y1"])}
        reporting = {after[mb]: 1.0 for mb in after if mb not in before and active(mb, p["y0"])}
        reporting.update({before[mb]: -1.0 for mb in before
                          if mb not in after and active(mb, p["y1"])})
        lfl: dict[int, float] = defaultdict(float)
        for mb in cont:
            lfl[after[mb]] += 1.0
            lfl[before[mb]] -= 1.0
        total_before = {v: 1.0 for v in before.values()}
        total_after = {v: 1.0 for v in after.values()}
        change = dict(total_after)
        for v in before.values():
            change[v] = change.get(v, 0.0) - 1.0
        for name, terms in (("entries", entries), ("exits", exits), ("joiners", joiners),
                            ("leavers", leavers), ("reporting_changes", reporting),
                            ("like_for_like", lfl),
                            ("total_before", total_before), ("total_after", total_after),
                            ("change", change)):
            if name in p:
                self.add(terms, p[name])
        rate = p.get("like_for_like_rate")
        if rate is not None and cont:
            self.add_ratio({after[mb]: 1.0 for mb in cont}, {before[mb]: 1.0 for mb in cont},
                           1.0 + float(rate))
        if p.get("created") is not None:  # gross creation: growing members' changes + entries
            terms = dict(entries)
            for mb in cont:
                grow = self.panel.by_member[mb][p["y1"]][m] - self.panel.by_member[mb][p["y0"]][m]
                if grow > 0:
                    terms[after[mb]] = terms.get(after[mb], 0.0) + 1.0
                    terms[before[mb]] = terms.get(before[mb], 0.0) - 1.0
            self.add(terms, p["created"])


def truth(eq: Equations) -> np.ndarray:
    x = np.zeros(len(eq.index))
    for (member, year, measure), i in eq.index.items():
        x[i] = float(eq.panel.by_member[member][year][measure])
    return x


def disclosed(eq: Equations, p: float, rules, insider: str | None = None) -> list[str]:
    """Member values and rule-failing hidden cells pinned within p by the published equations.

    An insider (a member who knows its own figures) is checked against the other members'
    values: that a member of a published 3-member cell learns the sum of the two others is
    what the frequency rule allows; no single competitor's figure may be pinned down."""
    n = len(eq.index)
    x = truth(eq)
    a = np.zeros((len(eq.rows), n))
    for r, terms in enumerate(eq.rows):
        for i, c in terms.items():
            a[r, i] = c
    b = np.array(eq.rhs)
    a_ub = np.zeros((len(eq.bands), n))
    for r, terms in enumerate(eq.bands):
        for i, c in terms.items():
            a_ub[r, i] = c
    ub: dict = {}
    # solve in units of each measure's largest value, each row divided by its largest
    # coefficient: euros, jobs and ratios of 10^5 in one LP stay well-conditioned
    scale = np.ones(n)
    for measure in MEASURES:
        cols = [i for (_mb, _y, m), i in eq.index.items() if m == measure]
        if cols:
            scale[cols] = max(x[cols].max(), 1.0)
    a, a_ub = a * scale, a_ub * scale
    norm = np.maximum(np.abs(a).max(axis=1, initial=0), 1e-300) if len(b) else np.ones(0)
    a, b = (a / norm[:, None], b / norm) if len(b) else (a, b)
    if len(eq.bands):
        a_ub = a_ub / np.maximum(np.abs(a_ub).max(axis=1), 1e-300)[:, None]
        ub = dict(A_ub=a_ub, b_ub=np.zeros(len(eq.bands)))
    bounds = [(0, None)] * n
    own = set()
    if insider is not None:
        for (member, _y, _m), i in eq.index.items():
            if member == insider:
                bounds[i] = (x[i] / scale[i], x[i] / scale[i])
                own.add(i)
    targets: list[tuple[str, np.ndarray, float]] = []
    for (member, year, measure), i in eq.index.items():
        if i not in own and x[i] > 0:
            vec = np.zeros(n)
            vec[i] = 1
            targets.append((f"{member} {measure} {year}", vec, x[i]))
    seen = set()
    for cell in eq.hidden:
        idx = sorted(eq.index[c] for c in cell)
        values = [x[i] for i in idx]
        key = tuple(idx)
        if key in seen or insider is not None or not values:
            continue
        seen.add(key)
        if not rules.unsafe(len(values), max(values), sum(values)) or sum(values) <= 0:
            continue
        vec = np.zeros(n)
        vec[idx] = 1
        targets.append((f"hidden cell {cell}", vec, float(sum(values))))
    out = []
    a_eq = a if len(b) else None
    b_eq = b if len(b) else None
    for name, vec, value in targets:
        vec = vec * scale
        low = linprog(vec, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs", **ub)
        high = linprog(-vec, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs", **ub)
        assert low.status == 0, (name, low.message)
        lo = low.fun
        hi = -high.fun if high.status == 0 else float("inf")
        tol = 1e-6 * max(1.0, abs(value))
        if lo > value * (1 - p) + tol or hi < value * (1 + p) - tol:
            out.append(f"{name}: {value} in [{lo}, {hi}]" + (f" (insider {insider})" if insider else ""))
    return out


def as_decimal_rows(rows: list[dict]) -> list[dict]:
    return [{k: Decimal(str(v)) if k in MEASURES and v is not None else v for k, v in r.items()}
            for r in rows]

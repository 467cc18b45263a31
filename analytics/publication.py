"""The protected publication: every cell a funder or a member may see, decided together.

Design note. Protecting each query's result on its own fails against an intruder who
combines queries (other year ranges, a sector and its sector group, the decomposition,
the estimated view, ratios): every published number is an equation over the members'
values, and enough equations solve for them. So the funder's and member's outputs read
from one publication per data version, built from the whole linked set at once:

- **Cells.** Per view (reported, estimated), measure and year: the cluster total and every
  category of member type, sector, sector group and area (the hierarchy sector within
  group within cluster is in the set, so it is protected as one); the carried-forward part
  of the estimated view; each ratio of the KPI table (its numerator and denominator over
  the members reporting both); and the decomposition parts of every pair of years
  (joiners: the later year's values of members that were not members the earlier year;
  leavers: the earlier year's values of members that are not members the later year;
  reporting changes: values of members that did not report one of the two years while
  members, signed; the net of all three; the like-for-like rate, an equation across the
  two years over the continuing members), for the cluster
  (``DECOMPOSITION_TABLES``: a category's parts would add an equation per pair of years and
  category, and the rules hide almost all of them). Like-for-like and growth are derived
  from these and from the totals, so they add no equation. Identical cells (the same
  members' values) are one cell.
- **Primary rules** (:class:`Rules`): a cell from fewer than 3 members or with one
  member over 85 % is hidden and *sensitive*. An estimated-view sum whose carried part fails
  the rules is hidden (its reported twin is public, the difference would be the carried
  value). Decomposition parts go as a group, hidden when one of them fails or when the pair
  has 1 or 2 continuing members (their change would be readable).
- **Secondary suppression by audit** (``audit.py``): an LP intruder, the outsider and each
  member knowing its own figures, bounds every sensitive cell and every member value from
  all published equations; while one is pinned within ``p`` (``CLUSTER_SDC_PROTECTION``,
  10 %) of its true value, a binding equation is hidden (cheapest first: ratios, then
  decomposition parts, estimated-view cells, breakdown cells; a cluster total last).
- **All years together.** The pattern is decided once for all years, so a year range
  selects published cells and never changes a pattern.

What a funder can ask for is what this publication holds: the cluster or one dimension's
categories (several categories of one dimension add up published cells); a selection
crossing two dimensions is not published, nor a breakdown inside a filtered selection.
"""

from __future__ import annotations

import json
import os
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import audit
from .filters import DIMENSION_FIELDS, Filters
from .kpis import DIMENSIONS, GROWTH_MEASURES, RATIOS, SDC_MEASURES, base_ctes
from .store import Store

MIN_UNITS = int(os.environ.get("CLUSTER_SDC_MIN_UNITS", "3"))
DOMINANCE = float(os.environ.get("CLUSTER_SDC_DOMINANCE", "0.85"))
PROTECTION = float(os.environ.get("CLUSTER_SDC_PROTECTION", "0.10"))
VIEWS = ("reported", "estimated")
CLUSTER = "cluster"
#: A dimension's table in the 'reported' classification (each year's own category) is its
#: own table: the same cells as the current classification's where nobody changed category
#: (identical cells are one equation), new equations only where somebody did.
REPORTED_SUFFIX = "@reported"
TABLES = (CLUSTER, *DIMENSIONS, *(d + REPORTED_SUFFIX for d in DIMENSIONS))


def table_of(dimension: str, filters: Filters) -> str:
    """The published table of a dimension under the filters' classification."""
    return dimension + (REPORTED_SUFFIX if filters.classification == "reported" else "")
#: Tables whose decomposition parts (joiners, leavers, reporting changes, net, like-for-like
#: rate) are published:
#: the cluster's. Per category they add an equation per pair of years and category (six
#: times more equations than members' values at 100 members x 10 years), almost all of
#: which the rules hide anyway (on the demo 0-7 % of them were shown); a category's totals
#: and change are published like any sum.
DECOMPOSITION_TABLES = (CLUSTER,)
RATIO_KEYS = {"turnover_per_job": RATIOS[0], "export_share": RATIOS[1], "rd_intensity": RATIOS[2]}
Key = tuple  # ("sum", view, measure, year, table, category) etc.


@dataclass(frozen=True)
class Rules:
    """The INSEE rules for one cell, and the protection the audit keeps (the defaults, and
    the floors a cluster's settings cannot go below, from ``CLUSTER_SDC_*``)."""
    min_units: int = MIN_UNITS
    dominance: float = DOMINANCE
    protection: float = PROTECTION

    @classmethod
    def of(cls, store: Store) -> Rules:
        """The cluster's rules: its settings, never looser than the floors."""
        return cls(min_units=max(MIN_UNITS, store.setting("confidential_min_members")),
                   dominance=min(DOMINANCE, store.setting("confidential_max_share") / 100),
                   protection=max(PROTECTION, store.setting("confidential_protection") / 100))

    def unsafe(self, n: float, biggest: float, total: float) -> bool:
        """True when a cell from n members, largest part biggest, sum total, must be hidden."""
        if not n or pd.isna(n):
            return False  # nothing there: nothing to hide
        if n < self.min_units:
            return True
        return bool(total and total > 0 and biggest / total > self.dominance)


@dataclass
class Publication:
    """Which cells are published; built by :func:`build`."""
    rows: dict[Key, int]  # cell key -> row of the model
    published: np.ndarray
    sensitive: np.ndarray
    years: list[int]
    model: audit.Model | None = None
    secondary: int = 0  # rows hidden by the audit
    failures: list[audit.Failure] = field(default_factory=list)

    def state(self, key: Key) -> str:
        """'shown', 'hidden', or 'empty' (no member in the cell: nothing to hide)."""
        row = self.rows.get(key)
        if row is None:
            return "empty"
        return "shown" if self.published[row] else "hidden"

    def shown(self, key: Key) -> bool:
        return self.state(key) != "hidden"

    # -- what a selection may show -------------------------------------------------------
    def sum_shown(self, view: str, measure: str, year: int, table: str, cats: tuple) -> bool:
        return all(self.shown(("sum", view, measure, year, table, c)) for c in cats)

    def carried_shown(self, measure: str, year: int, table: str, cats: tuple) -> bool:
        return all(self.shown(("carried", measure, year, table, c)) for c in cats)

    def ratio_shown(self, view: str, ratio: str, year: int, table: str, cats: tuple) -> bool:
        """A ratio over several categories is a new equation: only single cells."""
        return len(cats) == 1 and self.shown(("ratio", view, ratio, year, table, cats[0]))

    def parts_shown(self, view: str, measure: str, y0: int, y1: int, table: str, cats: tuple,
                    parts: tuple[str, ...] = ("joiners", "leavers", "reporting")) -> bool:
        """Parts of the change (y0 -> y1) may be shown: their cells and both totals are.
        ``parts=("net",)`` asks for the net membership change (and so like-for-like)."""
        if table not in DECOMPOSITION_TABLES:
            return False
        return all(self.shown((part, view, measure, y0, y1, table, c))
                   and self.shown(("sum", view, measure, y0, table, c))
                   and self.shown(("sum", view, measure, y1, table, c))
                   for c in cats for part in parts)

    def rate_shown(self, view: str, measure: str, y0: int, y1: int, table: str, cats: tuple) -> bool:
        """The like-for-like rate of (y0, y1): its own cell (one category at most)."""
        return table in DECOMPOSITION_TABLES and len(cats) == 1 and \
            self.shown(("lfl_rate", view, measure, y0, y1, table, cats[0]))

    def share_published(self) -> dict[str, float]:
        """Share of non-empty cells published, per kind (for BENCHMARKS.md)."""
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for key, row in self.rows.items():
            kind = key[0] if key[0] != "sum" or key[4] != CLUSTER else "cluster total"
            counts[kind][0] += bool(self.published[row])
            counts[kind][1] += 1
        return {k: shown / total for k, (shown, total) in sorted(counts.items())}


def scope(filters: Filters) -> tuple[str, tuple] | None:
    """The published table a selection reads: ('cluster', (None,)) or (dimension, codes);
    None when it crosses two dimensions (not published)."""
    picked = [(dim, filters.selected(dim)) for dim in DIMENSION_FIELDS if filters.selected(dim)]
    if not picked:
        return CLUSTER, (None,)
    if len(picked) > 1:
        return None
    return table_of(picked[0][0], filters), picked[0][1]


# -- building -----------------------------------------------------------------------------
class _Cells:
    """Distinct equations, each with the keys that publish it."""

    def __init__(self, values: np.ndarray, rules):
        self.values, self.rules = values, rules
        self.index: dict[tuple, int] = {}
        self.terms: list[tuple[np.ndarray, np.ndarray]] = []
        self.rhs: list[float] = []
        self.hidden: list[bool] = []
        self.sensitive: list[bool] = []
        self.cost: list[float] = []
        self.keys: dict[Key, int] = {}
        self.group: dict[int, set[int]] = defaultdict(set)
        #: keys published exactly when all of the given cells are (no equation of their own)
        self.derived: dict[Key, list[Key]] = {}

    def same_members(self, key: Key, idx: np.ndarray) -> bool:
        """The cell of ``key`` is over exactly these variables (with coefficient 1)."""
        row = self.keys.get(key)
        if row is None:
            return False
        terms, coef = self.terms[row]
        return len(terms) == len(idx) and bool((coef == 1).all()) and \
            np.array_equal(terms, np.sort(idx))

    def unsafe(self, idx: np.ndarray) -> bool:
        v = self.values[idx]
        return self.rules.unsafe(len(v), float(v.max()), float(v.sum()))

    def add(self, key: Key, idx: np.ndarray, coef: np.ndarray | None = None, *,
            hide: bool = False, sensitive: bool = False, cost: float = 1.0) -> int | None:
        if len(idx) == 0:
            return None
        coef = np.ones(len(idx)) if coef is None else coef
        order = np.argsort(idx, kind="stable")
        idx, coef = idx[order], coef[order]
        signature = (idx.tobytes(), np.round(coef, 12).tobytes())
        row = self.index.get(signature)
        if row is None:
            row = self.index[signature] = len(self.terms)
            self.terms.append((idx, coef))
            self.rhs.append(float(coef @ self.values[idx]))
            self.hidden.append(hide)
            self.sensitive.append(sensitive)
            self.cost.append(cost)
        else:
            self.hidden[row] |= hide
            self.sensitive[row] |= sensitive
            self.cost[row] = max(self.cost[row], cost)
        self.keys[key] = row
        return row

    def sum_cell(self, key: Key, idx: np.ndarray, cost: float, extra_unsafe: bool = False) -> None:
        if len(idx):
            bad = self.unsafe(idx)
            self.add(key, idx, hide=bad or extra_unsafe, sensitive=bad, cost=cost)


def _active(store: Store) -> dict[int, set]:
    """Year -> the members of the cluster that year (joiners and leavers are decided by it)."""
    ctes, params = base_ctes(Filters())
    out: dict[int, set] = defaultdict(set)
    for member, year in store.rows(f"{ctes} SELECT member_id, year FROM active_all", params):
        out[int(year)].add(member)
    return out


def _facts(store: Store) -> pd.DataFrame:
    """Every fact of the estimated view (reported and carried), with its categories in both
    classifications (``sector`` and ``sector@reported``, ...)."""
    ctes, params = base_ctes(Filters(estimated=True))
    current = store.query(f"""{ctes} SELECT member_id, year,
        coalesce(source_year, year) AS source_year, estimated, {", ".join(DIMENSIONS)},
        {", ".join(SDC_MEASURES)} FROM facts""", params)
    ctes, params = base_ctes(Filters(estimated=True, classification="reported"))
    reported = store.query(f"""{ctes} SELECT member_id, year, {", ".join(DIMENSIONS)}
        FROM facts""", params)
    # one fact per member and year in either classification; the current order is kept
    return current.merge(reported, on=["member_id", "year"], how="left",
                         suffixes=("", REPORTED_SUFFIX), validate="one_to_one")


def build(store: Store, rules: Rules | None = None, p: float | None = None,
          intruders: bool = True) -> Publication:
    """The publication of the store's current data (see the design note); ``rules``: the
    cluster's (``Rules.of``) unless given, ``p``: their protection unless given."""
    rules = rules or Rules.of(store)
    p = rules.protection if p is None else p
    facts = _facts(store)
    members = {m: i for i, m in enumerate(sorted(facts["member_id"].unique()))}
    reported = facts[~facts["estimated"]]
    # variables: one per reported (member, year, measure) value
    var_frames = []
    for m in SDC_MEASURES:
        part = reported.loc[reported[m].notna(), ["member_id", "year"]].copy()
        part["measure"], part["value"] = m, reported.loc[reported[m].notna(), m].astype(float)
        var_frames.append(part)
    variables = pd.concat(var_frames, ignore_index=True)
    var_of = {(r.member_id, r.year, r.measure): i for i, r in enumerate(variables.itertuples())}
    values = variables["value"].to_numpy(float)
    owner = variables["member_id"].map(members).to_numpy(int)
    cells = _Cells(values, rules)
    years = sorted(int(y) for y in facts["year"].unique())
    active = _active(store)

    for view in VIEWS:
        view_facts = facts if view == "estimated" else reported
        for m in SDC_MEASURES:
            rows = view_facts[view_facts[m].notna()]
            idx_all = _variables_of(rows, m, var_of)
            carried_mask = rows["estimated"].to_numpy(bool)
            for table, year, cat, positions in _groups(rows):
                idx = idx_all[positions]
                carried = idx_all[positions[carried_mask[positions]]]
                carried_bad = len(carried) > 0 and cells.unsafe(carried)
                base_cost = float(values[idx].sum()) + 1.0
                cost = audit.LAST_RESORT if table == CLUSTER and view == "reported" else \
                    base_cost * (0.1 if view == "estimated" else 1.0)
                cells.sum_cell(("sum", view, m, year, table, cat), idx, cost, carried_bad)
                if view == "estimated" and len(carried):
                    cells.sum_cell(("carried", m, year, table, cat), carried,
                                   float(values[carried].sum()) * 0.1 + 1)
        # ratios, over the members reporting both with a positive denominator
        for name, (num, den) in RATIO_KEYS.items():
            rows = view_facts[view_facts[num].notna() & (view_facts[den] > 0)]
            num_idx, den_idx = _variables_of(rows, num, var_of), _variables_of(rows, den, var_of)
            for table, year, cat, positions in _groups(rows):
                n_i, d_i = num_idx[positions], den_idx[positions]
                key = ("ratio", view, name, year, table, cat)
                sums = [("sum", view, num, year, table, cat), ("sum", view, den, year, table, cat)]
                if all(cells.same_members(k, idx) for k, idx in zip(sums, (n_i, d_i), strict=True)):
                    cells.derived[key] = sums  # the ratio of two cells: no new equation
                    continue
                ratio = values[n_i].sum() / values[d_i].sum()
                bad = cells.unsafe(n_i) or cells.unsafe(d_i)
                cells.add(key, np.concatenate([n_i, d_i]),
                          np.concatenate([np.ones(len(n_i)), np.full(len(d_i), -ratio)]),
                          hide=bad, cost=1.0)
        _decomposition_cells(cells, view, view_facts, var_of, years, rules, active)

    n_rows = len(cells.terms)
    indptr = np.cumsum([0] + [len(t[0]) for t in cells.terms])
    matrix = sp.csr_matrix((np.concatenate([t[1] for t in cells.terms]) if n_rows else np.zeros(0),
                            np.concatenate([t[0] for t in cells.terms]) if n_rows else np.zeros(0, int),
                            indptr), shape=(n_rows, len(values)))
    published = ~np.array(cells.hidden, dtype=bool)
    model = audit.Model(values=values, owner=owner, matrix=matrix, rhs=np.array(cells.rhs),
                        published=published.copy(), sensitive=np.array(cells.sensitive, dtype=bool),
                        cost=np.array(cells.cost), p=p,
                        measure=variables["measure"].map(SDC_MEASURES.index).to_numpy(int),
                        group={r: sorted(g) for r, g in cells.group.items()})
    hidden = audit.protect(model, intruders) if n_rows else []
    rows, published = dict(cells.keys), list(model.published)
    for key, parts in cells.derived.items():
        rows[key] = len(published)
        published.append(all(model.published[cells.keys[k]] for k in parts))
    sensitive = np.concatenate([model.sensitive, np.zeros(len(published) - n_rows, dtype=bool)])
    return Publication(rows=rows, published=np.array(published, dtype=bool), sensitive=sensitive,
                       years=years, model=model, secondary=len(hidden))


def _variables_of(rows: pd.DataFrame, measure: str, var_of: dict) -> np.ndarray:
    """The variable behind each fact's value (a carried fact: its source year's value)."""
    return np.array([var_of[(member, year, measure)] for member, year in
                     zip(rows["member_id"], rows["source_year"], strict=True)], dtype=np.int64)


def _groups(rows: pd.DataFrame):
    """(table, year, category, positions of its rows) for the cluster and every category."""
    for table in TABLES:
        keys = rows["year"] if table == CLUSTER else [rows["year"], rows[table]]
        for group_key, positions in rows.groupby(keys, dropna=False).indices.items():
            year, cat = (group_key, None) if table == CLUSTER else group_key
            yield table, int(year[0] if isinstance(year, tuple) else year), cat, positions


def _decomposition_cells(cells: _Cells, view: str, view_facts: pd.DataFrame, var_of: dict,
                         years: list[int], rules, active: dict[int, set]) -> None:
    """Joiners, leavers, reporting changes, their net and the like-for-like rate of every
    pair of years, for the tables of ``DECOMPOSITION_TABLES``."""
    for m in GROWTH_MEASURES:
        rows = view_facts[view_facts[m].notna()]
        for table in DECOMPOSITION_TABLES:
            groups = [(None, rows)] if table == CLUSTER else list(rows.groupby(table))
            for cat, part in groups:
                present: dict[int, dict[str, int]] = defaultdict(dict)
                for member, year, source in zip(part["member_id"], part["year"], part["source_year"],
                                                strict=True):
                    present[int(year)][member] = var_of[(member, source, m)]
                for i, y0 in enumerate(years):
                    for y1 in years[i + 1:]:
                        before, after = present.get(y0, {}), present.get(y1, {})
                        if not before and not after:
                            continue
                        cont_after = np.array([v for k, v in after.items() if k in before], dtype=np.int64)
                        cont_before = np.array([before[k] for k in after if k in before], dtype=np.int64)
                        if len(cont_after) and cells.values[cont_before].sum() > 0:
                            # the like-for-like rate: after = (1 + rate) * before, same members
                            rate = cells.values[cont_after].sum() / cells.values[cont_before].sum()
                            cells.add(("lfl_rate", view, m, y0, y1, table, cat),
                                      np.concatenate([cont_after, cont_before]),
                                      np.concatenate([np.ones(len(cont_after)),
                                                      np.full(len(cont_before), -rate)]),
                                      hide=len(cont_after) < rules.min_units or cells.unsafe(cont_after)
                                      or cells.unsafe(cont_before), cost=1.0)
                        entries = np.array([v for k, v in after.items() if k not in before], dtype=np.int64)
                        exits = np.array([v for k, v in before.items() if k not in after], dtype=np.int64)
                        continuing = sum(1 for k in after if k in before)
                        # joiners were not members in y0, leavers are not in y1; the others
                        # did not report one of the two years (a signed part: in - out)
                        joiners = np.array([v for k, v in after.items() if k not in before
                                            and k not in active.get(y0, ())], dtype=np.int64)
                        leavers = np.array([v for k, v in before.items() if k not in after
                                            and k not in active.get(y1, ())], dtype=np.int64)
                        back = np.array([v for k, v in after.items() if k not in before
                                         and k in active.get(y0, ())], dtype=np.int64)
                        gone = np.array([v for k, v in before.items() if k not in after
                                         and k in active.get(y1, ())], dtype=np.int64)
                        reporting = np.concatenate([back, gone])
                        split = [("joiners", joiners, None), ("leavers", leavers, None),
                                 ("reporting", reporting,
                                  np.concatenate([np.ones(len(back)), -np.ones(len(gone))]))]
                        bad = [len(idx) > 0 and cells.unsafe(idx) for _n, idx, _c in split]
                        hide = any(bad) or 0 < continuing < rules.min_units
                        pair = []
                        for (part_name, idx, coef), unsafe in zip(split, bad, strict=True):
                            cost = float(cells.values[idx].sum()) * 0.01 + 1 if len(idx) else 0
                            row = cells.add((part_name, view, m, y0, y1, table, cat), idx, coef,
                                            hide=hide, sensitive=unsafe, cost=cost)
                            if row is not None:
                                pair.append(row)
                        for row in pair:
                            cells.group[row].update(pair)
                        # the net of the two (entries - exits), when the parts cannot be shown
                        # but their members together pass the rules: like-for-like survives
                        both = np.concatenate([entries, exits])
                        if len(both):
                            net_bad = cells.unsafe(both) or 0 < continuing < rules.min_units
                            cells.add(("net", view, m, y0, y1, table, cat), both,
                                      np.concatenate([np.ones(len(entries)), -np.ones(len(exits))]),
                                      hide=net_bad, cost=float(cells.values[both].sum()) * 0.01 + 1)


# -- one publication per data version ------------------------------------------------------
#: Bump when the cells or the audit change: a stored publication of another format is rebuilt.
FORMAT = 6
_cache: dict[tuple, Publication] = {}
_lock = threading.Lock()


def settings_key(rules, store: Store) -> str:
    return (f"format={FORMAT};min_units={rules.min_units};dominance={rules.dominance};"
            f"protection={rules.protection};carry={store.setting('carry_forward_years')}")


def _key(store: Store, rules: Rules) -> tuple[tuple, tuple[int, int], str]:
    # the figures' version: a satisfaction answer or a target does not change what is published
    count, last, when = store.figures_version()
    version, settings = (count, last), settings_key(rules, store)
    # a file replaced under the same path can repeat a version number, never its last load time
    key = (store.address if store.path != ":memory:" else store.instance, version, when, settings)
    return key, version, settings


def _remember(key: tuple, pub: Publication) -> None:
    with _lock:
        _cache[key] = pub
        while len(_cache) > 8:
            _cache.pop(next(iter(_cache)))


def get(store: Store, rules: Rules | None = None) -> Publication:
    """The publication of the store's figures (``Store.figures_version``): from this
    process's memory, else from the database (built by any process before), else built now
    and stored for the others. (Built outside the process's lock: a long build of one
    cluster never holds up the reads of another's.)"""
    rules = rules or Rules.of(store)
    key, version, settings = _key(store, rules)
    with _lock:
        hit = _cache.get(key)
    if hit is None:
        hit = _load(store, version, settings)
        if hit is None:
            hit = build(store, rules)
            _save(store, version, settings, hit)
        _remember(key, hit)
    return hit


def ready(store: Store, rules: Rules | None = None) -> bool:
    """Whether the publication of the store's figures is built (here or by any process),
    without building it."""
    rules = rules or Rules.of(store)
    key, version, settings = _key(store, rules)
    with _lock:
        if key in _cache:
            return True
    found = _load(store, version, settings)
    if found is not None:
        _remember(key, found)
    return found is not None


#: Stores whose publication a background thread of this process is building.
_preparing: set[str] = set()


def prepare(store: Store) -> bool:
    """Build the store's publication in a background thread (one per cluster at a time in
    a process): what a page that must not wait for it (the Clusters page) asks. True when
    one is being built."""
    from .schema import thread_lists_kept

    with _lock:
        if store.address in _preparing:
            return True
        _preparing.add(store.address)

    def work() -> None:
        try:
            with thread_lists_kept():
                store.refresh_lists()
                get(store)
        finally:
            with _lock:
                _preparing.discard(store.address)

    threading.Thread(target=work, name=f"publication {store.address}", daemon=True).start()
    return True


def _load(store: Store, version: tuple[int, int], settings: str) -> Publication | None:
    found = store.rows("SELECT payload FROM publication_cache WHERE loads = ? AND last_load = ? "
                       "AND settings = ?", [*version, settings])
    if not found:
        return None
    data = json.loads(found[0][0])
    keys = [tuple(k) for k in data["keys"]]
    return Publication(rows={k: i for i, k in enumerate(keys)},
                       published=np.array(data["published"], dtype=bool),
                       sensitive=np.array(data["sensitive"], dtype=bool), years=data["years"],
                       secondary=data["secondary"])


def _save(store: Store, version: tuple[int, int], settings: str, pub: Publication) -> None:
    """Keep the publication for other processes; a database that cannot be written to now
    (read-only, busy) only means the next process builds it again."""
    keys = list(pub.rows)
    rows = [pub.rows[k] for k in keys]
    payload = json.dumps({"keys": keys, "published": [bool(pub.published[r]) for r in rows],
                          "sensitive": [bool(pub.sensitive[r]) for r in rows], "years": pub.years,
                          "secondary": pub.secondary}, default=int)
    try:
        with store.transaction() as con:
            con.execute("DELETE FROM publication_cache")
            con.execute("INSERT INTO publication_cache (loads, last_load, settings, payload) "
                        "VALUES (?, ?, ?, ?)", [*version, settings, payload])
    except Exception:  # noqa: BLE001 - a cache: never fail a read because of it
        return


def describe(pub: Publication) -> dict[str, Any]:
    return {"cells": len(pub.rows),
            "equations": int(pub.model.matrix.shape[0]) if pub.model is not None else None,
            "published": int(pub.published.sum()), "hidden_by_audit": pub.secondary,
            "share_published": pub.share_published()}

"""Playing the intruder against everything a funder can obtain (issue: confidentiality
that survives an LP solver). Random clusters with dominant members, 1-2-member groups,
entries, exits, non-responses, members missing one measure and members changing type or
sector; every year range, every single and paired filter, both views, both classifications;
outsider and each member knowing its own figures.

``CLUSTER_INTRUDER_SEEDS=40`` runs more clusters than CI does."""

from __future__ import annotations

import itertools
import os
import random
from decimal import Decimal

import pandas as pd
import pytest

from analytics import document
from analytics.filters import Filters
from analytics.publication import PROTECTION
from analytics.schema import SUBMISSIONS
from analytics.store import Store
from tests.intruder import Equations, Panel, disclosed

TYPES = ("sme", "university")
SECTORS = ("waste", "consulting", "water")  # two CEPA sectors, one CReMA: a group with 2 sectors
AREAS = ("87", "19")
YEARS = (2013, 2014, 2015)
SEEDS = range(int(os.environ.get("CLUSTER_INTRUDER_SEEDS", "5")))


class IndependentRules:
    """The INSEE rules, written again: fewer than 3 members, or one over 85 %."""

    def unsafe(self, n: int, biggest: float, total: float) -> bool:
        return n < 3 or (total > 0 and biggest / total > 0.85)


def random_cluster(seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for m in range(rng.randint(6, 11)):
        kind, sector, area = rng.choice(TYPES), rng.choice(SECTORS), rng.choice(AREAS)
        scale = 60 if rng.random() < 0.2 else 1  # a dominant member now and then
        first = rng.choice(YEARS[:2]) if rng.random() < 0.3 else YEARS[0]  # entries
        last = rng.choice(YEARS[1:]) if rng.random() < 0.2 else YEARS[-1]  # exits
        # now and then a member changes type or sector (the two classifications differ)
        switch = rng.choice(YEARS[1:]) if rng.random() < 0.25 else None
        later = (rng.choice(TYPES), rng.choice(SECTORS))
        for year in YEARS:
            if not first <= year <= last or (first < year < last and rng.random() < 0.2):
                continue  # not a member, or a non-response
            if switch is not None and year >= switch:
                kind, sector = later
            jobs = None if rng.random() < 0.1 else Decimal(rng.randint(2, 40) * scale)
            rows.append({"member_id": f"M{m:02d}", "member_name": f"Member {m}", "member_type": kind,
                         "sector": sector, "area": area, "year": year,
                         "turnover_eur": Decimal(rng.randint(100, 9000) * 1000 * scale), "jobs": jobs})
    return rows


def funder_equations(rows: list[dict]) -> Equations:
    store = Store(":memory:")
    store.load(SUBMISSIONS, pd.DataFrame(rows).reindex(columns=SUBMISSIONS.names), file_name="random",
               sha256="", user="test")
    eq = Equations(Panel(rows))
    singles = [{}] + [{"member_types": (t,)} for t in TYPES] + [{"sectors": (s,)} for s in SECTORS] \
        + [{"areas": (a,)} for a in AREAS] + [{"sectors": SECTORS[:2]}]
    pairs = [{**a, **b} for a, b in itertools.combinations(singles[1:-1], 2) if a.keys() != b.keys()]
    ranges = [(a, b) for a in YEARS for b in YEARS if a <= b]
    for estimated in (False, True):
        for choice in singles:
            for a, b in ranges:
                read(store, eq, choice, estimated, a, b)
        for choice in pairs:
            read(store, eq, choice, estimated, None, None)
        for choice in singles:  # each year's own classification
            read(store, eq, choice, estimated, None, None, "reported")
    return eq


def read(store: Store, eq: Equations, choice: dict, estimated: bool, a, b,
         classification: str = "current") -> None:
    filters = Filters(year_from=a, year_to=b, estimated=estimated, classification=classification,
                      **choice)
    doc = document.summary(store, filters, role="funder")
    chosen = {"member_type": filters.member_types, "sector": filters.sectors, "area": filters.areas}
    eq.read(doc, chosen, estimated, classification == "reported")


@pytest.mark.parametrize("seed", SEEDS)
def test_no_member_value_or_hidden_cell_is_pinned_down_by_a_solver(seed):
    rows = random_cluster(seed)
    eq = funder_equations(rows)
    rules = IndependentRules()
    found = disclosed(eq, PROTECTION, rules)
    for member in sorted({r["member_id"] for r in rows}):
        found += disclosed(eq, PROTECTION, rules, insider=member)
    assert not found, "\n".join(found[:20])


def test_the_intruder_does_find_what_plain_cell_rules_leak():
    """The attack is real: with only the per-cell rules (no linked audit), it recovers values."""
    from analytics import publication

    rows = random_cluster(3)
    original = publication.audit.protect
    publication.audit.protect = lambda model, intruders=True: []  # primary rules only
    publication._cache.clear()
    try:
        eq = funder_equations(rows)
    finally:
        publication.audit.protect = original
        publication._cache.clear()
    found = disclosed(eq, PROTECTION, IndependentRules())
    for member in sorted({r["member_id"] for r in rows}):
        if found:  # one leak proves the point: the insiders are for when the outsider fails
            break
        found += disclosed(eq, PROTECTION, IndependentRules(), insider=member)
    assert found


def test_a_released_publication_passes_a_fresh_audit(demo_store):
    """What protect() released, a new auditor (outsider and every member) finds protected."""
    from analytics import audit, publication

    pub = publication.build(demo_store)
    assert pub.secondary > 0  # the demo needs secondary suppression
    model = pub.model
    assert audit.audit(model, intruders=True) == []
    model.published[:] = ~model.sensitive  # primary rules only: the audit finds the leaks
    assert audit.audit(model, intruders=False)

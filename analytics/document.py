"""The ``kpis --format json`` document: every figure of a selection, as one role may see it.

It sits above the KPI queries, growth, targets, disclosure control and the collection
campaign, so that none of them has to reach up into another: each is imported here.
"""

from __future__ import annotations

from typing import Any

from . import cluster_life as life
from . import collection
from .disclosure import protect_overview, to_json_rows
from .filters import Filters
from .growth import decomposition_summary
from .kpis import AMOUNTS, _plain, overview, to_records
from .store import Store
from .targets import progress, stored_targets


def summary(store: Store, filters: Filters = Filters(), role: str = "manager",
            lang: str = "en") -> dict[str, Any]:
    """The document for a funder or member role is after disclosure control (hidden values
    null, listed in each row's ``confidential``). Unless ``filters`` name a last year, it
    ends at the last closed year of the collection; ``provisional_years`` lists the years
    still collecting, and ``warnings`` says when the document includes one."""
    store.refresh_lists()  # labels and captions in this database's lists
    known = collection.years(store)  # read once for the period, the warning and the list
    filters = collection.resolve(store, filters, known)
    protect = role != "manager"
    result = overview(store, filters, medians=not protect)  # never shown to funders
    if protect:
        result = protect_overview(store, filters, result)
    out: dict[str, Any] = {"filters": filters.describe(lang, always_classification=True),
                           "classification": filters.classification, "role": role,
                           "language": lang}
    warning = collection.warning_for(collection.within(known, filters))
    out["warnings"] = [warning.render(lang)] if warning else []
    out["provisional_years"] = [
        {k: _plain(v) for k, v in y.as_dict().items() if k != "ready_to_close"}
        for y in collection.within(known, Filters())]
    for key in ("by_year", "by_sector", "by_member_type", "by_area", "by_sector_group"):
        out[key] = to_json_rows(result[key]) if protect else to_records(
            result[key].drop(columns=[c for c in result[key].columns if "__" in c]))
    out["growth"] = {k: {kk: _plain(vv, kk in AMOUNTS) for kk, vv in v.items()}
                     for k, v in result["growth"].items()}
    out["decomposition"] = decomposition_summary(store, filters, protect=protect)
    out["targets"] = [{k: _plain(v) for k, v in p.items()}
                      for p in progress(result["by_year"], stored_targets(store), lang, filters)]
    out["cluster_life"] = cluster_life(store, filters, protect, result["by_year"])
    return out


#: Cluster-life amounts, written to the cent.
LIFE_AMOUNTS = {"projects_budget_eur", "projects_public_funding_eur", "cluster_budget_eur",
                "staff_fte"}


def cluster_life(store: Store, filters: Filters, protect: bool,
                 yearly: Any = None) -> dict[str, Any]:
    """The cluster's own life, beside its members' figures (``cluster_life.py``): working
    groups, participation, activities, collaborative projects and co-opetition, the
    collaboration network, the cluster's staff and funding mix, the members' satisfaction,
    by year. A funder's satisfaction cells below the minimum number of answers are null and
    listed in ``confidential``; comments and member names are never in it."""
    frame = life.by_year(store, filters, protect=protect, yearly=yearly)
    rows = []
    for record in frame.to_dict("records"):
        row = {k: _plain(v, k in LIFE_AMOUNTS) for k, v in record.items() if k != "confidential"}
        if protect:
            row["confidential"] = list(record.get("confidential") or [])
        rows.append(row)
    return {"by_year": rows}

"""Several clusters side by side, for a funder (or a manager) given more than one (issue 18).

Each cluster's row is that cluster's own figures for the whole cluster, computed by the
same code as its Overview and, for anyone but its manager, after the same disclosure
control (``disclosure.protect_overview``): a cluster's total is published on the same terms
as a sector's, and a value hidden on the cluster's own pages is hidden here too. The table
shows no total across clusters, so it gives nothing that the clusters' own publications do
not: there is no new sum to subtract a hidden cell from (``tests/test_clusters.py`` checks
each value against the cluster's own document).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from . import collection
from .disclosure import protect_overview, to_json_rows
from .filters import Filters
from .kpis import overview, to_records
from .store import Store
from .targets import progress, stored_targets

#: The columns of the comparison, in order (``cluster`` and ``name`` first).
COLUMNS = ("cluster", "name", "year", "members", "response_rate", "turnover_eur", "jobs",
           "turnover_growth", "jobs_growth", "targets_met", "targets", "confidential")


def cluster_row(store: Store, role: str, lang: str = "en") -> dict[str, Any]:
    """One cluster's line: its latest closed year as ``role`` may see it there."""
    store.refresh_lists()
    known = collection.years(store)
    filters = collection.resolve(store, Filters(), known)
    protect = role != "manager"
    result = overview(store, filters, medians=False)
    if protect:
        result = protect_overview(store, filters, result)
    yearly = to_json_rows(result["by_year"]) if protect else to_records(result["by_year"].drop(
        columns=[c for c in result["by_year"].columns if "__" in c]))
    last = yearly[-1] if yearly else {}
    row: dict[str, Any] = {
        "cluster": store.cluster, "name": store.text_setting("cluster_name") or store.cluster,
        "year": last.get("year"), "members": last.get("members"),
        "response_rate": last.get("response_rate"), "turnover_eur": last.get("turnover_eur"),
        "jobs": last.get("jobs")}
    for measure in ("turnover_eur", "jobs"):
        growth = result["growth"].get(measure) or {}
        row[f"{measure.removesuffix('_eur')}_growth"] = growth.get("pct")
    reached = [p for p in progress(result["by_year"], stored_targets(store), lang, filters)
               if p.get("in_scope") and p.get("milestone_met") is not None]
    row["targets"] = len(reached)
    row["targets_met"] = sum(bool(p["milestone_met"]) for p in reached)
    row["confidential"] = [k for k in last.get("confidential", []) if k in COLUMNS]
    return row


def compare(path: str, roles: dict[str, str], lang: str = "en") -> pd.DataFrame:
    """The clusters of ``roles`` ({code: the user's role there}) side by side."""
    rows = [cluster_row(Store(path, cluster=code), role, lang) for code, role in roles.items()]
    return pd.DataFrame(rows, columns=list(COLUMNS))

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

from . import collection, publication
from .disclosure import protect_overview, to_json_rows
from .filters import Filters
from .i18n import N_, translator
from .kpis import overview, to_records
from .schema import thread_lists_kept
from .store import Store
from .targets import progress, stored_targets

#: The columns of the comparison, in order (``cluster`` and ``name`` first).
COLUMNS = ("cluster", "name", "year", "members", "response_rate", "turnover_eur", "jobs",
           "turnover_growth", "jobs_growth", "targets_met", "targets", "confidential",
           "preparing")
#: What a line says while its cluster's protected publication is being built.
PREPARING = N_("being prepared")


def _as_seen(store: Store, role: str) -> tuple[Filters, dict[str, Any]]:
    """The cluster's Overview result for its whole period, as ``role`` may see it."""
    store.refresh_lists()
    known = collection.years(store)
    filters = collection.resolve(store, Filters(), known)
    result = overview(store, filters, medians=False)
    if role != "manager":
        result = protect_overview(store, filters, result)
    return filters, result


def cluster_row(store: Store, role: str, lang: str = "en") -> dict[str, Any]:
    """One cluster's line: its latest closed year as ``role`` may see it there."""
    filters, result = _as_seen(store, role)
    protect = role != "manager"
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
    row["preparing"] = False
    return row


def preparing_row(store: Store) -> dict[str, Any]:
    """The line of a cluster whose protected publication is not built yet: no figure at
    all until it is (its build is started in the background)."""
    publication.prepare(store)
    return {**{c: None for c in COLUMNS}, "cluster": store.cluster,
            "name": store.text_setting("cluster_name") or store.cluster, "targets": 0,
            "targets_met": 0, "confidential": [], "preparing": True}


def line(store: Store, role: str, lang: str = "en", wait: bool = True) -> dict[str, Any]:
    """``cluster_row``; without ``wait``, ``preparing_row`` for a funder's cluster whose
    publication is not built yet (a page never waits minutes for twenty of them)."""
    if not wait and role != "manager" and not publication.ready(store):
        return preparing_row(store)
    return cluster_row(store, role, lang)


def compare(path: str, roles: dict[str, str], lang: str = "en",
            wait: bool = True) -> pd.DataFrame:
    """The clusters of ``roles`` ({code: the user's role there}) side by side (``wait``:
    see ``line``)."""
    with thread_lists_kept():  # each cluster's lists for its line, the caller's after
        rows = [line(Store(path, cluster=code), role, lang, wait)
                for code, role in roles.items()]
    return pd.DataFrame(rows, columns=list(COLUMNS))


#: The comparison's column titles (the page and the pack).
TITLES = {"name": N_("Cluster"), "year": N_("Year"), "members": N_("Members"),
          "response_rate": N_("Response rate"), "turnover_eur": N_("Turnover"),
          "jobs": N_("Jobs"), "turnover_growth": N_("Turnover growth"),
          "jobs_growth": N_("Jobs growth"), "targets_met": N_("Milestones met")}


def titled_comparison(frame: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The comparison with numbers as numbers, "confidential" where a cluster's rules hide
    a value, milestones as "met / due", and titles in ``lang``."""
    _ = translator(lang)
    out = frame.drop(columns=["cluster", "confidential", "targets", "preparing"]).astype(object)
    preparing = [bool(p) for p in frame["preparing"]]
    for key in ("year", "members", "response_rate", "turnover_eur", "jobs", "turnover_growth",
                "jobs_growth"):
        base = key.removesuffix("_growth")
        hidden = [key in c or (base != key and (base in c or f"{base}_eur" in c))
                  for c in frame["confidential"]]
        out[key] = [_(PREPARING) if p else _("confidential") if h else v
                    for v, h, p in zip(frame[key], hidden, preparing, strict=True)]
    out["targets_met"] = [_(PREPARING) if p else f"{m} / {t}" if t else "" for m, t, p in
                          zip(frame["targets_met"], frame["targets"], preparing, strict=True)]
    return out.rename(columns={k: _(t) for k, t in TITLES.items()})


def pack(path: str, roles: dict[str, str], lang: str = "en",
         frame: pd.DataFrame | None = None) -> bytes:
    """The report pack across clusters (a ZIP): the comparison as CSV and XLSX, each
    cluster's KPI table by year as the user may see it (one sheet each), and a note on how
    the figures were made. Each cluster's own report pack is on its Export page."""
    import io
    import zipfile

    from .export import kpi_tables, table_csv, tables_xlsx

    _ = translator(lang)
    frame = compare(path, roles, lang) if frame is None else frame
    comparison = titled_comparison(frame, lang)
    sheets = {_("Clusters"): comparison}
    ready = dict(zip(frame["cluster"], ~frame["preparing"].astype(bool), strict=True))
    with thread_lists_kept():
        for code, role in roles.items():
            if not ready.get(code, True):
                continue  # its line says it is being prepared; its table comes with it
            store = Store(path, cluster=code)
            _filters, result = _as_seen(store, role)
            name = store.text_setting("cluster_name") or code
            sheets[f"{name[:24]} ({code})"[:31]] = kpi_tables(result, lang)["by_year"]
    note = _("Each cluster's line is its own Overview for its latest closed year, as your "
             "role in that cluster may see it: a figure that the cluster's confidentiality "
             "rules hide reads \"confidential\", and there is no total across clusters, so "
             "that no hidden figure can be worked out by subtraction.")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("clusters.csv", table_csv(comparison, lang))
        z.writestr("clusters.xlsx", tables_xlsx(sheets, lang))
        z.writestr("README.txt", note + "\n")
    return out.getvalue()

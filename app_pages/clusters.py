"""Clusters: the clusters a funder (or a manager) was given, side by side (issue 18).

Each line is the cluster's own Overview figures for its latest closed year, as the user's
role in that cluster may see them (``federation.py``: the same disclosure control as the
cluster's pages; no total across clusters)."""

import plotly.graph_objects as go
import streamlit as st

import ui
from analytics import charts, export
from analytics.store import default_db_path
from ui import _

ui.require("manager", "funder")
signed_in = st.session_state.get("_signed_in")
given = signed_in.cluster_roles() if signed_in else {}
roles = {c: given[c] for c in ui.cluster_names(default_db_path()) if c in given}  # the database's order
st.title(_("Clusters"))
if len(roles) < 2:
    st.info(_("You were given one cluster: its figures are on the Overview page."))
    st.stop()
st.write(_("The clusters you were given, each for its latest closed year, as its own Overview "
           "shows them to you. A figure that a cluster's confidentiality rules hide reads "
           "“confidential” here too; there is no total across clusters."))
frame = ui.clusters_table(roles)
lang = ui.lang()
shown = frame.drop(columns=["cluster", "confidential"]).copy()
for key in ("turnover_eur", "jobs", "members", "response_rate", "turnover_growth", "jobs_growth"):
    hidden = [key in c or key.replace("_growth", "") in c for c in frame["confidential"]]
    if key.endswith("growth") or key == "response_rate":
        shown[key] = [_(ui.CONFIDENTIAL) if h else ui.fmt_pct(v, signed=key.endswith("growth"))
                      if v is not None else "–" for v, h in zip(frame[key], hidden, strict=True)]
    else:
        shown[key] = [_(ui.CONFIDENTIAL) if h else ui.fmt_eur(v) if key == "turnover_eur"
                      else ui.fmt_number(v) if v is not None else "–"
                      for v, h in zip(frame[key], hidden, strict=True)]
shown["targets_met"] = [f"{m} / {t}" if t else "–" for m, t in
                        zip(frame["targets_met"], frame["targets"], strict=True)]
shown = shown.drop(columns=["targets"])
titles = {"name": _("Cluster"), "year": _("Year"), "members": _("Members"),
          "response_rate": _("Response rate"), "turnover_eur": _("Turnover"), "jobs": _("Jobs"),
          "turnover_growth": _("Turnover growth"), "jobs_growth": _("Jobs growth"),
          "targets_met": _("Milestones met")}
shown["year"] = shown["year"].map(lambda y: "" if y is None or y != y else str(int(y)))
st.dataframe(shown.rename(columns=titles), hide_index=True, width="stretch")
fig = go.Figure(go.Bar(x=list(frame["name"]), y=list(frame["turnover_eur"]),
                       marker_color=charts.SERIES[0]))
fig.update_layout(template=charts.TEMPLATE, meta={"title": _("Turnover by cluster")},
                  yaxis_title=_("Turnover"))
ui.show_chart(fig, "clusters_turnover", unit="EUR")
st.download_button(_("Download the table (CSV)"), key="clusters_csv", mime="text/csv",
                   data=export.table_csv(shown.rename(columns=titles), lang),
                   file_name="clusters.csv")

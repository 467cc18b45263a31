"""Clusters: the clusters a funder (or a manager) was given, side by side (issue 18).

Each line is the cluster's own Overview figures for its latest closed year, as the user's
role in that cluster may see them (``federation.py``: the same disclosure control as the
cluster's pages; no total across clusters)."""

import streamlit as st

import ui
from analytics import charts, federation
from analytics.store import default_db_path
from ui import _

ui.require("manager", "funder")
signed_in = st.session_state.get("_signed_in")
given = signed_in.cluster_roles() if signed_in else {}
# the database's order; a cluster named in auth.yaml that is not in the database is left out
roles = {c: given[c] for c in ui.cluster_names(default_db_path(), tuple(given))}
st.title(_("Clusters"))
if len(roles) < 2:
    st.info(_("You were given one cluster: its figures are on the Overview page."))
    st.stop()
st.write(_("The clusters you were given, each for its latest closed year, as its own Overview "
           "shows them to you. A figure that a cluster's confidentiality rules hide reads "
           "“confidential” here too; there is no total across clusters."))
frame = ui.clusters_table(roles)
lang = ui.lang()
waiting = int(frame["preparing"].astype(bool).sum())
if waiting:
    st.info(_("The figures of {count} of these clusters are being prepared: their "
              "confidentiality check runs once after each change of their figures, a few "
              "minutes for a large cluster. Reload the page in a moment.").format(
        count=waiting), icon=":material/hourglass_top:")
    st.button(_("Reload"), key="clusters_reload")
table = federation.titled_comparison(frame, lang)
writers = {_("Members"): ui.fmt_number, _("Jobs"): ui.fmt_number, _("Turnover"): ui.fmt_eur,
           _("Response rate"): ui.fmt_pct,
           _("Turnover growth"): lambda v: ui.fmt_pct(v, signed=True),
           _("Jobs growth"): lambda v: ui.fmt_pct(v, signed=True),
           _("Year"): lambda v: str(int(v))}
for title, write in writers.items():  # written as on the Overview; "confidential" kept
    table[title] = [v if isinstance(v, str) else "–" if v is None or v != v else write(v)
                    for v in table[title]]
st.dataframe(table, hide_index=True, width="stretch")
fig = charts.clusters_bar(list(frame["name"]), list(frame["turnover_eur"]),
                         _("Turnover by cluster"), lang)
ui.show_chart(fig, "clusters_turnover", unit="EUR")
st.download_button(_("Report pack across these clusters (ZIP)"), key="clusters_pack",
                   data=lambda: federation.pack(default_db_path(), roles, lang, frame),
                   file_name="clusters.zip", mime="application/zip", on_click="ignore",
                   icon=":material/download:")

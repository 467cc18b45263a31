"""My figures: a member's own submissions and where it stands in the cluster."""

import streamlit as st

import ui
from analytics import kpis, member_view
from analytics.schema import SUBMISSIONS
from ui import _

who = ui.require("member", "manager")
st.title(_("My figures"))
member_id = who.member_id
if who.role == "manager":
    member_id = st.text_input(_("Member ID (managers can look at any member)"),
                              key="member_id") or None
if not member_id:
    st.info(_("Choose a member."))
    st.stop()
own = member_view.own_rows(ui.store(), member_id)
if own.empty:
    st.warning(_("No figures for member {member} yet. Send them on the Submissions page.").format(
        member=ui.plain(member_id)))
    st.stop()
titles = {c.name: ui.translate(c.label) for c in SUBMISSIONS.columns}
st.dataframe(own.rename(columns=titles), hide_index=True, key="own_rows")
st.subheader(_("Where you stand in the cluster"))
st.caption(_("Your position among the members that reported the same year. Cluster figures are "
             "protected like the funders' view: no other member's figure can be read here."))
for row in member_view.position(ui.store(), member_id):
    ind = kpis.INDICATORS[row["measure"]]
    cols = st.columns(3)
    cols[0].metric(_("Your {indicator} {year}").format(indicator=ind.name(ui.lang()).lower(),
                                                      year=row["year"]),
                   ui.shown(row["value"], ind.unit))
    cols[1].metric(_("Your position"), ui.translate(row["band"]),
                   help=_("Among {count} members that reported.").format(count=row["members"]))
    cols[2].metric(_("Cluster total {year}").format(year=row["year"]),
                   ui.shown(row["cluster_total"], ind.unit))

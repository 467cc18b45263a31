"""My figures: a member's own submissions and where it stands in the cluster."""

import streamlit as st

import ui
from analytics import kpis, member_view

who = ui.require("member", "manager")
st.title("My figures")
member_id = who.member_id
if who.role == "manager":
    member_id = st.text_input("Member ID (managers can look at any member)", key="member_id") or None
if not member_id:
    st.info("Choose a member.")
    st.stop()
own = member_view.own_rows(ui.store(), member_id)
if own.empty:
    st.warning(f"No figures for member {member_id} yet. Send them on the Submissions page.")
    st.stop()
st.dataframe(own, hide_index=True, key="own_rows")
st.subheader("Where you stand in the cluster")
st.caption("Your position among the members that reported the same year. Cluster figures are "
           "protected like the funders' view: no other member's figure can be read here.")
for row in member_view.position(ui.store(), member_id):
    unit = kpis.INDICATORS[row["measure"]].unit
    cols = st.columns(3)
    cols[0].metric(f"Your {kpis.INDICATORS[row['measure']].label.lower()} {row['year']}",
                   ui.shown(row["value"], unit))
    cols[1].metric("Your position", row["band"], help=f"Among {row['members']} members that reported.")
    cols[2].metric(f"Cluster total {row['year']}", ui.shown(row["cluster_total"], unit))

"""Cluster life: the members' satisfaction with the cluster (issue 17; working groups,
activities and projects are to come). Funders see a figure only from the minimum number of
answers, and never a comment."""

import pandas as pd
import streamlit as st

import ui
from analytics import charts, formatting
from ui import _

ui.require("manager", "funder")

st.title(_("Cluster life"))
lang = ui.lang()
f = ui.filters()
ui.filter_caption(f)
st.header(_("Members' satisfaction"))
st.caption(_("Each year the members say how likely they are to recommend the cluster (0 to "
             "10) and rate its services and events. The Net Promoter Score is the share of "
             "promoters (9-10) minus the share of detractors (0-6), from -100 to +100. A "
             "member answers on its own page; the manager can also load a file."))
result = ui.satisfaction_results(f)
yearly = result["by_year"]
if yearly.empty:
    st.info(_("No satisfaction answers yet for this selection."))
    st.stop()
minimum = ui.setting("satisfaction_min_answers")
last = yearly[yearly["year"] == result["latest"]].iloc[0]
year = int(last["year"])


def said(value: object, text: str) -> str:
    """A figure, or 'confidential' when it comes from too few answers for this reader."""
    return ui.shown(None, "", hidden=True) if pd.isna(value) else text


cols = st.columns(4)
cols[0].metric(_("Answers {year}").format(year=year), int(last["satisfaction_responses"]),
               help=_("Members that answered the survey about {year}.").format(year=year))
cols[1].metric(_("Response rate {year}").format(year=year),
               formatting.pct(last["satisfaction_response_rate"], 0, lang=lang)
               if pd.notna(last["satisfaction_response_rate"]) else "–")
cols[2].metric(_("Mean satisfaction {year}").format(year=year),
               said(last["satisfaction_mean"],
                    formatting.number(last["satisfaction_mean"], 1, lang) + " / 10"))
cols[3].metric(_("Net Promoter Score {year}").format(year=year),
               said(last["nps"], f"{last['nps']:+.0f}"))
if not ui.me().sees_members:
    st.caption(_("Figures from fewer than {count} answers are confidential; comments are "
                 "never shown outside the cluster's team.").format(count=minimum))

ui.show_chart(charts.nps_by_year(yearly, lang), key="nps_by_year", unit="points")
if result["distribution"] is not None:
    ui.show_chart(charts.satisfaction_distribution(result["distribution"], year, lang),
                  key=f"satisfaction_distribution_{year}", unit="members")

with st.expander(_("By year and member type"), expanded=False):
    table = result["by_member_type"].copy()
    table["member_type"] = [charts.dimension_label("member_type", c, lang)
                            for c in table["member_type"]]
    titles = {"year": _("Year"), "member_type": _("Member type"),
              "satisfaction_responses": _("Answers"), "satisfaction_mean": _("Mean (0-10)"),
              "nps": _("Net Promoter Score"), "services_mean": _("Services (0-10)"),
              "events_mean": _("Events (0-10)")}
    table["year"] = table["year"].astype(str)
    shown = table[list(titles)].rename(columns=titles)
    for column in ("satisfaction_mean", "nps", "services_mean", "events_mean"):
        shown[titles[column]] = pd.to_numeric(shown[titles[column]], errors="coerce")
    st.dataframe(shown, hide_index=True, key="satisfaction_by_type", column_config={
        titles["nps"]: st.column_config.NumberColumn(format="%+.0f"),
        **{titles[c]: st.column_config.NumberColumn(format="%.1f")
           for c in ("satisfaction_mean", "services_mean", "events_mean")}})
    if not ui.me().sees_members:
        st.caption(_("An empty cell: fewer than {count} answers.").format(count=minimum))

if ui.me().sees_members:  # the comments: for the cluster's team only
    comments = ui.store().query(
        "SELECT year, member_id, comment FROM satisfaction WHERE comment IS NOT NULL "
        "ORDER BY year DESC, member_id")
    with st.expander(_("Comments ({count})").format(count=len(comments)), expanded=False):
        st.dataframe(comments.rename(columns={"year": _("Year"), "member_id": _("Member ID"),
                                              "comment": _("Comment")}),
                     hide_index=True, key="satisfaction_comments")

"""Cluster life: what the cluster does beside what its members make (issue 17): working
groups, activities, collaborative projects and co-opetition, the collaboration network, the
cluster organisation, and the members' satisfaction. Funders see no member name (unless the
manager turned names on), a satisfaction figure only from the minimum number of answers,
and never a comment."""

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
life = ui.cluster_life_results(f)
everything = life["by_year"]
names = ui.names_shown()


def said(value: object, text: str) -> str:
    """A figure, or 'confidential' when it comes from too few answers for this reader."""
    return ui.shown(None, "", hidden=True) if pd.isna(value) else text


def share(value: object) -> str:
    return "–" if value is None or pd.isna(value) else formatting.pct(value, 0, lang=lang)


# -- the cluster at work -------------------------------------------------------------------
st.header(_("The cluster at work"))
st.caption(_("Working groups, activities and the cluster organisation are the cluster's own: "
             "the member filters do not change them. A project is counted once, whatever its "
             "number of partners; with a member filter, the projects with a partner in the "
             "selection. The methodology defines each figure."))
if everything.empty:
    st.info(_("No working groups, activities, projects or organisation figures yet. Load them "
              "on the Submissions page (templates there)."))
else:
    year = int(life["latest"])
    last = everything[everything["year"] == year].iloc[0]
    cols = st.columns(3)
    cols[0].metric(_("Active working groups {year}").format(year=year),
                   int(last["working_groups_active"]),
                   help=_("{led} led by a member company.").format(
                       led=int(last["working_groups_led_by_members"])))
    cols[1].metric(_("Members in a working group {year}").format(year=year),
                   share(last["members_in_working_groups_share"]),
                   help=_("Share of the year's active members taking part in at least one "
                          "working group."))
    cols[2].metric(_("Activities {year}").format(year=year), int(last["activities"]),
                   help=_("{members} participants from members, {outside} from outside.").format(
                       members=int(last["activity_member_participants"]),
                       outside=int(last["activity_outside_participants"])))
    cols = st.columns(3)
    cols[0].metric(_("Projects running {year}").format(year=year), int(last["projects_running"]),
                   help=_("{started} started that year.").format(
                       started=int(last["projects_started"])))
    cols[1].metric(_("Co-opetition {year}").format(year=year), share(last["coopetition_share"]),
                   help=_("Share of the running projects joining two members of the same "
                          "sector (competitors)."))
    cols[2].metric(_("Cluster staff {year}").format(year=year),
                   "–" if pd.isna(last["staff_fte"]) else
                   formatting.number(last["staff_fte"], 1, lang) + " " + _("FTE"))
    ui.show_chart(charts.life_activity(everything, lang), key="life_activity", unit="members")
    ui.show_chart(charts.life_participation(everything, lang), key="life_participation",
                  unit="share")
    ui.show_chart(charts.life_projects(everything, lang), key="life_projects", unit="members")

    st.subheader(_("Collaboration network"))
    years = [int(y) for y in everything["year"]]
    chosen = st.selectbox(_("Network of the year"), years[::-1], key="network_year")
    nodes, edges = ui.network_results(f, chosen)
    if nodes.empty:
        st.info(_("No active members in {year} for this selection.").format(year=chosen))
    else:
        row = everything[everything["year"] == chosen].iloc[0]
        st.caption(_("{members} members, {links} links; density {density} (the share of all "
                     "possible links that exist).").format(
            members=len(nodes), links=len(edges),
            density=share(row["network_density"])) + (
            "" if names else " " + _("Members are shown without their names (#1, #2, ...), "
                                     "sized by size class.")))
        ui.show_chart(charts.collaboration_network(nodes, edges, chosen, lang),
                      key=f"network_{chosen}", unit="members")
    if everything["staff_fte"].notna().any():
        ui.show_chart(charts.funding_mix(everything, lang), key="funding_mix", unit="share")

    with st.expander(_("Working groups ({count})").format(count=len(life["groups"])),
                     expanded=False):
        titles = {"group_name": _("Working group"), "theme": _("Theme"),
                  "lead": _("Lead member") if names else _("Led by (member type)"),
                  "opened_year": _("Opened in"), "closed_year": _("Closed in"),
                  "members": _("Members taking part (latest year)"),
                  "activities": _("Activities")}
        table = life["groups"].rename(columns=titles)
        st.dataframe(table, hide_index=True, key="working_groups_table", column_config={
            titles[c]: st.column_config.NumberColumn(format="%d")
            for c in ("opened_year", "closed_year")})
    with st.expander(_("Collaborative projects ({count})").format(count=len(life["projects"])),
                     expanded=False):
        titles = {"project_id": _("Project ID"), "title": _("Title"),
                  "start_year": _("Start year"), "end_year": _("End year"),
                  "partner_members": _("Partner members") if names else
                  _("Partner members (member types)"),
                  "outside_partners": _("Outside partners"), "partners": _("Partners"),
                  "budget_eur": _("Budget (EUR)"), "public_funding_eur": _("Public funding (EUR)"),
                  "funder": _("Funder"), "status": _("Status"),
                  "competitors": _("Joins competitors")}
        table = life["projects"].rename(columns=titles)
        st.dataframe(table, hide_index=True, key="projects_table", column_config={
            **{titles[c]: st.column_config.NumberColumn(format="%d")
               for c in ("start_year", "end_year")},
            **{titles[c]: st.column_config.NumberColumn(format="localized")
               for c in ("budget_eur", "public_funding_eur")}})
    if life["by_member_type"] is not None and not life["by_member_type"].empty:
        with st.expander(_("Members in a working group by member type, {year}").format(year=year),
                         expanded=False):
            table = life["by_member_type"].copy()
            table["member_type"] = [charts.dimension_label("member_type", c, lang)
                                    for c in table["member_type"]]
            table["share"] = [share(v) for v in table["share"]]
            st.dataframe(table.rename(columns={
                "member_type": _("Member type"), "active_members": _("Active members"),
                "taking_part": _("Taking part"), "share": _("Share")}), hide_index=True,
                key="participation_by_type")

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

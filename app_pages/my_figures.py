"""My figures: a member's own submissions, its trend, and where it stands in the cluster.
A manager sees any member's page as that member would (to answer a member's question)."""

import pandas as pd
import streamlit as st

import ui
from analytics import charts, collection, kpis, member_view, satisfaction
from analytics.i18n import N_
from analytics.schema import SUBMISSIONS
from ui import _

#: The cards' titles, one whole sentence per indicator so that each language can agree
#: its words ('Vos emplois', 'Votre chiffre d'affaires').
YOUR = {"turnover_eur": N_("Your turnover {year}"), "jobs": N_("Your jobs {year} (FTE)")}

who = ui.require("member", "manager")
st.title(_("My figures"))
ui.show_flash()
store = ui.store()
lang = ui.lang()
member_id = who.member_id
if who.role == "manager":
    listed = member_view.member_names(store)
    member_id = st.selectbox(_("See the page of member"), list(listed), index=None,
                             format_func=lambda m: f"{listed[m]} ({m})" if listed[m] else m,
                             placeholder=_("Choose a member"), key="member_id")
    st.caption(_("This is the page that member sees when signed in."))
if not member_id:
    st.info(_("Choose a member."))
    st.stop()
for y in ui.campaign():
    if y.status == collection.COLLECTING:
        mine = collection.members(store, y.year)
        sent = bool(mine.loc[mine["member_id"] == member_id, "submitted"].any())
        (st.success if sent else st.warning)(
            (_("Your figures for {year} are in.") if sent else
             _("Your figures for {year} are awaited: send them on the Send your figures page."))
            .format(year=y.year))
own = member_view.own_rows(store, member_id)
if own.empty:
    st.warning(_("No figures for member {member} yet. Send them on the Send your figures "
                 "page.").format(member=ui.plain(member_id)))
    st.stop()

left, right = st.columns(2)
for col, measure in ((left, "turnover_eur"), (right, "jobs")):
    with col:
        ui.show_chart(charts.trend(own, measure, lang=lang), key=f"own_{measure}",
                      unit=kpis.INDICATORS[measure].unit)

shown = own.copy()
for dim in ("member_type", "sector", "area"):
    shown[dim] = [charts.dimension_label(dim, c, lang) for c in shown[dim]]
# numbers stay numbers (they sort as numbers), written with the reader's separators
numbers = {ui.translate(c.label): st.column_config.NumberColumn(format="localized")
           for c in SUBMISSIONS.columns if c.kind in ("money", "quantity", "count")}
for c in SUBMISSIONS.columns:
    if c.kind in ("money", "quantity", "count"):
        shown[c.name] = pd.to_numeric(shown[c.name], errors="coerce").astype(float)
shown["year"] = shown["year"].astype(str)
with st.expander(_("Your submissions"), expanded=True):
    st.dataframe(shown.rename(columns={c.name: ui.translate(c.label) for c in SUBMISSIONS.columns}),
                 hide_index=True, key="own_rows", column_config=numbers)

st.subheader(_("Where you stand in the cluster"))
st.caption(_("Your position among the members that reported the same year. Cluster figures are "
             "protected like the funders' view: no other member's figure can be read here."))
for row in member_view.position(store, member_id):
    ind = kpis.INDICATORS[row["measure"]]
    cols = st.columns(3)
    cols[0].metric(ui.translate(YOUR[row["measure"]]).format(year=row["year"]),
                   ui.shown(row["value"], ind.unit))
    cols[1].metric(_("Your position"), ui.translate(row["band"]),
                   help=_("Among {count} members that reported.").format(count=row["members"]))
    cols[2].metric(_("Cluster total {year}").format(year=row["year"]),
                   ui.shown(row["cluster_total"], ind.unit))

# -- the member's own satisfaction answer (issue 17) ------------------------------------------
st.subheader(_("Your opinion of the cluster"))
st.caption(_("Once a year: how likely you are to recommend the cluster, and how you rate its "
             "services and events (0 = not at all, 10 = extremely). Only the cluster's team "
             "reads your answer; funders see averages of at least {count} answers.")
           .format(count=ui.setting("satisfaction_min_answers")))
years = sorted({int(y) for y in own["year"]}, reverse=True)
year = st.selectbox(_("Year"), years, key="satisfaction_year")
mine = satisfaction.answer_of(store, member_id, year)
if who.role != "member":
    st.write(_("Only the member answers here. Its answer for {year}: {answer}.").format(
        year=year, answer=f"{mine['satisfaction']} / 10" if mine else _("none")))
else:
    with st.form("satisfaction_form"):
        overall = st.slider(_("How likely are you to recommend the cluster? (0-10)"), 0, 10,
                            int(mine["satisfaction"]) if mine else 7)
        scores = {}
        for column, label in (("services_score", _("The cluster's services (0-10)")),
                              ("events_score", _("Its meetings and events (0-10)"))):
            stored = mine.get(column) if mine else None
            scores[column] = st.select_slider(
                label, [None, *range(11)], value=None if stored is None or pd.isna(stored)
                else int(stored), format_func=lambda v: _("no answer") if v is None else str(v))
        comment = st.text_area(_("Comment (optional)"), value=(mine or {}).get("comment") or "",
                               max_chars=2000)
        if st.form_submit_button(_("Save my answer"), type="primary"):
            try:
                satisfaction.answer(store, member_id, year, {"satisfaction": overall, **scores},
                                    comment, ui.user_name())
            except ValueError as exc:
                st.error(ui.error_text(exc))
            else:
                ui.flash(_("Thank you: your answer for {year} is saved (it replaces any "
                           "earlier one).").format(year=year))
                st.rerun()
    if mine:
        st.caption(_("You answered for {year}; saving again replaces that answer.")
                   .format(year=year))

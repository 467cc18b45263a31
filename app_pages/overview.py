"""Overview: headline KPIs with growth from baseline to latest, and their trends."""

import streamlit as st

import ui
from analytics import charts, growth, kpis, targets
from ui import _, fmt_number, fmt_pct

ui.require("manager", "funder")

st.title(_("Cluster overview"))
lang = ui.lang()
f = ui.filters()
ui.filter_caption(f)
if not ui.no_data():
    result = ui.overview(f)
    yearly, growth_by = result["by_year"], result["growth"]
    latest = yearly[yearly["year"] == yearly["year"].max()].iloc[0]
    year = int(latest["year"])
    t, j = growth_by["turnover_eur"], growth_by["jobs"]

    def since(g: dict, unit: str) -> str | None:
        """The change and where it started: '+40.0% since 2009 (€50.0m)'."""
        if g["pct"] is None:
            return None
        return _("{change} since {year} ({value})").format(
            change=fmt_pct(g["pct"], signed=True), year=g["baseline_year"],
            value=ui.shown(g["baseline"], unit))

    cols = st.columns(4)
    cols[0].metric(_("Turnover {year}").format(year=t["latest_year"]), ui.shown(t["latest"], "EUR"),
                   since(t, "EUR"),
                   help=_("Baseline {year}: {value}. Change {change}.").format(
                       year=t["baseline_year"], value=ui.shown(t["baseline"], "EUR"),
                       change=ui.shown(t["change"], "EUR")))
    cols[1].metric(_("Jobs {year} (FTE)").format(year=j["latest_year"]), ui.shown(j["latest"], "FTE"),
                   since(j, "FTE"),
                   help=_("Baseline {year}: {value}. Change {change}.").format(
                       year=j["baseline_year"], value=ui.shown(j["baseline"], "FTE"),
                       change=ui.shown(j["change"], "FTE")))
    cols[2].metric(_("Turnover growth per year (CAGR)"), ui.shown(t["cagr"], "share"),
                   help=_("Compound annual growth rate from baseline to latest year."))
    cols[3].metric(_("Jobs growth per year (CAGR)"), ui.shown(j["cagr"], "share"))
    cols = st.columns(4)
    cols[0].metric(_("Members reporting {year}").format(year=year), fmt_number(latest["members"]),
                   help=_("{count} active members in {year}.").format(
                       count=int(latest["active_members"]), year=year))
    cols[1].metric(_("Response rate"), fmt_pct(latest["response_rate"]))
    cols[2].metric(_("Turnover per job"), ui.shown(latest["turnover_per_job"], "EUR"))
    cols[3].metric(_("Export share"), ui.shown(latest["export_share"], "share"),
                   help=_("R&D intensity: {value}").format(
                       value=ui.shown(latest["rd_intensity"], "share")))

    later = ui.provisional_rows(f)  # years still collecting: drawn apart, never the latest
    left, right = st.columns(2)
    with left:
        ui.show_chart(charts.trend(yearly, "turnover_eur", lang=lang, provisional=later),
                      key="turnover_by_year", unit="EUR")
        ui.show_chart(charts.baseline_vs_latest(growth_by, "turnover_eur", lang=lang),
                      key="turnover_baseline_latest", unit="EUR")
    with right:
        ui.show_chart(charts.trend(yearly, "jobs", lang=lang, provisional=later),
                      key="jobs_by_year", unit="FTE")
        ui.show_chart(charts.baseline_vs_latest(growth_by, "jobs", lang=lang),
                      key="jobs_baseline_latest", unit="FTE")
    with st.expander(_("Table by year")):
        st.dataframe(ui.formatted_table(yearly), hide_index=True)

    if f.estimated:
        notes = [_("{year}: {count} member(s), {turnover} of turnover and {jobs} of jobs").format(
                     year=int(r["year"]), count=int(r["estimated_members"]),
                     turnover=fmt_pct((r["turnover_eur_estimated"] or 0) / r["turnover_eur"]),
                     jobs=fmt_pct((r["jobs_estimated"] or 0) / r["jobs"]))
                 for _i, r in yearly.iterrows() if r["estimated_members"] > 0]
        st.caption(_("Estimated view: missing submissions are filled with the member's last "
                     "reported values (hatched in the charts).") + " "
                   + (_("Estimated — {details}.").format(details="; ".join(notes)) if notes else
                      _("Nothing needed estimating.")))

    g = ui.growth_results(f)
    me_sees_members = ui.me().sees_members
    st.header(_("Where the growth came from"))
    st.write(_("Totals grow because members grow and because members join. The like-for-like "
               "part compares the same members in both years; joiners and leavers are the "
               "members that joined or left the cluster in between; reporting changes are "
               "members that did not report one of the two years. The parts add up exactly."))
    left, right = st.columns(2)
    for col, measure in ((left, "turnover_eur"), (right, "jobs")):
        part = g["decomposition"][measure]["period"]
        name = kpis.INDICATORS[measure].name(lang)
        if part is not None and part.get("no_data"):
            col.info(_("{indicator}: nobody reported a value for {start} or for {end}, so the "
                       "change cannot be split.").format(indicator=name, start=part["y0"],
                                                         end=part["y1"]))
        elif part is not None and part["like_for_like"] is None:
            col.info(_("{indicator}: the parts of the change are confidential for this selection "
                       "(too few members).").format(indicator=name))
        elif part is not None:
            with col:
                ui.show_chart(charts.waterfall(part, measure, lang=lang), key=f"{measure}_waterfall",
                              unit=kpis.INDICATORS[measure].unit)
                last_point = g["decomposition"][measure]["index"][-1]
                index = last_point["index"]
                st.caption(_("Like-for-like growth {start}–{end}: {rate}; chained index {index} "
                             "(baseline = 100).").format(
                    start=part["y0"], end=part["y1"], rate=fmt_pct(part["like_for_like_rate"],
                                                                    signed=True),
                    index=fmt_number(index, 1) if index is not None else "–"
                    if last_point.get("no_data") or me_sees_members else _("confidential")))
    with st.expander(_("Parts of the change, year by year")):
        for measure in ("turnover_eur", "jobs"):
            st.markdown(f"**{kpis.INDICATORS[measure].name(lang)}**")
            st.dataframe(ui.decomposition_table(g["decomposition"][measure], measure),
                         hide_index=True)

    progress = targets.progress(yearly, g["targets"], lang, f)
    if progress:
        st.header(_("Progress to targets"))
    if progress and not progress[0]["in_scope"]:
        st.info(progress[0]["out_of_scope_reason"])
    elif progress:
        cols = st.columns(max(1, len(progress)))
        for col, p in zip(cols, progress, strict=True):
            unit = p["unit"]
            goal = (_("{value} by {year}").format(value=ui.shown(p["target"], unit),
                                                  year=p["target_year"])
                    if p["target"] is not None else _("no final target"))
            milestone = ""
            if p["milestone_met"] is not None:
                reached = _("reached") if p["milestone_met"] else _("not reached")
                milestone = _("Milestone {year} ({value}): {reached}.").format(
                    year=p["milestone_year"], value=ui.shown(p["milestone"], unit), reached=reached)
            baseline = ""
            if p["baseline_implied"]:
                baseline = _("No baseline was set: the first year's value ({value}, {year}) is "
                             "used.").format(value=ui.shown(p["baseline"], unit),
                                             year=p["baseline_year"])
            col.metric(_("{indicator}: way to target").format(indicator=p["label"]),
                       fmt_pct(p["target_progress"]),
                       help=_("{value} in {year}; target {goal}. {milestone}").format(
                           value=ui.shown(p["latest"], unit), year=p["latest_year"], goal=goal,
                           milestone=milestone) + (" " + baseline if baseline else ""))
        left, right = st.columns(2)
        for col, measure in ((left, "turnover_eur"), (right, "jobs")):
            if (g["targets"]["indicator"] == measure).any():
                with col:
                    ui.show_chart(charts.against_targets(yearly, g["targets"], measure, lang=lang),
                                  key=f"{measure}_targets", unit=kpis.INDICATORS[measure].unit)

    st.header(_("Members"))
    flows = g["flows"]
    left, right = st.columns(2)
    with left:
        ui.show_chart(charts.membership_flows(flows, lang=lang), key="membership_flows",
                      unit="members")
    with right:
        jobs_part = g["decomposition"]["jobs"]["annual"]
        hge = g["high_growth"]
        cols = st.columns(2)
        cols[0].metric(_("Jobs created {year} (gross)").format(year=year),
                       ui.shown(float(jobs_part[-1]["created"]) if jobs_part and
                                jobs_part[-1]["created"] is not None else None, "FTE"),
                       help=_("Jobs added by the members whose jobs grew since the year before "
                              "(Davis–Haltiwanger expansions); losses are not netted out, and "
                              "neither a new member's workforce nor a member reporting again "
                              "counts as created."))
        hge_year = int(hge["year"].iloc[-1]) if not hge.empty else year
        cols[1].metric(_("High-growth enterprises {year}").format(year=hge_year),
                       fmt_number(hge["high_growth"].iloc[-1]) if not hge.empty else "–",
                       help=_("Eurostat: enterprises with at least {jobs} employees {years} years "
                              "earlier and more than {growth} average annualised employment "
                              "growth since (jobs in FTE stand in for employees).").format(
                           jobs=growth.HGE_MIN_JOBS, years=growth.HGE_YEARS,
                           growth=fmt_pct(growth.HGE_MIN_GROWTH, 0)))
        cols = st.columns(2)
        cols[0].metric(_("SME share of members"), ui.shown(latest["sme_share"], "share"))
        retention = flows["retention_rate"].iloc[-1] if not flows.empty else None
        cols[1].metric(_("Retention rate"), fmt_pct(retention),
                       help=_("Members of the year before that are still members."))
        st.dataframe(ui.flows_table(flows), hide_index=True)

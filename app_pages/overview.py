"""Overview: headline KPIs with growth from baseline to latest, and their trends."""

import streamlit as st

import ui
from analytics import charts, formatting, kpis, targets

ui.require("manager", "funder")

st.title("Cluster overview")
f = ui.filters()
ui.filter_caption(f)
if not ui.no_data():
    result = ui.overview(f)
    yearly, growth = result["by_year"], result["growth"]
    latest = yearly[yearly["year"] == yearly["year"].max()].iloc[0]
    t, j = growth["turnover_eur"], growth["jobs"]
    since = f"since {t['baseline_year']}"

    cols = st.columns(4)
    cols[0].metric(f"Turnover {t['latest_year']}", ui.shown(t["latest"], "EUR"),
                   f"{formatting.pct(t['pct'], signed=True)} {since}" if t["pct"] is not None else None,
                   help=f"Baseline {t['baseline_year']}: {formatting.eur(t['baseline'])}. "
                        f"Change {formatting.eur(t['change'])}.")
    cols[1].metric(f"Jobs {j['latest_year']} (FTE)", ui.shown(j["latest"], "FTE"),
                   f"{formatting.pct(j['pct'], signed=True)} {since}" if j["pct"] is not None else None,
                   help=f"Baseline {j['baseline_year']}: {formatting.number(j['baseline'], 1)} FTE. "
                        f"Change {formatting.number(j['change'], 1)}.")
    cols[2].metric("Turnover growth per year (CAGR)", ui.shown(t["cagr"], "share"),
                   help="Compound annual growth rate from baseline to latest year.")
    cols[3].metric("Jobs growth per year (CAGR)", ui.shown(j["cagr"], "share"))
    cols = st.columns(4)
    cols[0].metric(f"Members reporting {int(latest['year'])}", f"{int(latest['members'])}",
                   help=f"{int(latest['active_members'])} active members in {int(latest['year'])}.")
    cols[1].metric("Response rate", formatting.pct(latest["response_rate"]))
    cols[2].metric("Turnover per job", ui.shown(latest["turnover_per_job"], "EUR"))
    cols[3].metric("Export share", ui.shown(latest["export_share"], "share"),
                   help=f"R&D intensity: {ui.shown(latest['rd_intensity'], 'share')}")

    left, right = st.columns(2)
    with left:
        ui.show_chart(charts.trend(yearly, "turnover_eur"), key="turnover_by_year", unit="EUR")
        ui.show_chart(charts.baseline_vs_latest(growth, "turnover_eur"), key="turnover_baseline_latest",
                      unit="EUR")
    with right:
        ui.show_chart(charts.trend(yearly, "jobs"), key="jobs_by_year", unit="FTE")
        ui.show_chart(charts.baseline_vs_latest(growth, "jobs"), key="jobs_baseline_latest", unit="FTE")
    with st.expander("Table by year"):
        st.dataframe(ui.formatted_table(yearly), hide_index=True)

    if f.estimated:
        notes = [f"{int(r['year'])}: {int(r['estimated_members'])} member(s), "
                 f"{formatting.pct((r['turnover_eur_estimated'] or 0) / r['turnover_eur'])} of "
                 f"turnover and {formatting.pct((r['jobs_estimated'] or 0) / r['jobs'])} of jobs"
                 for _, r in yearly.iterrows() if r["estimated_members"] > 0]
        st.caption("Estimated view: missing submissions are filled with the member's last "
                   "reported values (hatched in the charts). "
                   + ("Estimated — " + "; ".join(notes) + "." if notes else
                      "Nothing needed estimating."))

    g = ui.growth_results(f)
    st.header("Where the growth came from")
    st.write("Totals grow because members grow and because members join. The like-for-like "
             "part compares the same members in both years; entries and exits are the members "
             "that joined or left (or did not report) in between. The parts add up exactly.")
    left, right = st.columns(2)
    for col, measure in ((left, "turnover_eur"), (right, "jobs")):
        part = g["decomposition"][measure]["period"]
        if part is not None and part["like_for_like"] is None:
            col.info(f"{kpis.INDICATORS[measure].label}: the parts of the change are confidential "
                     "for this selection (too few members).")
        elif part is not None:
            with col:
                ui.show_chart(charts.waterfall(part, measure), key=f"{measure}_waterfall",
                              unit=kpis.INDICATORS[measure].unit)
                rate = part["like_for_like_rate"]
                st.caption(f"Like-for-like growth {part['y0']}–{part['y1']}: "
                           f"{formatting.pct(rate, signed=True)}; chained index "
                           f"{g['decomposition'][measure]['index'][-1]['index'] or 0:.1f} "
                           f"(baseline = 100).")
    with st.expander("Parts of the change, year by year"):
        for measure in ("turnover_eur", "jobs"):
            st.markdown(f"**{kpis.INDICATORS[measure].label}**")
            st.dataframe(ui.decomposition_table(g["decomposition"][measure], measure),
                         hide_index=True)

    if not g["targets"].empty:
        st.header("Progress to targets")
        progress = targets.progress(yearly, g["targets"])
        cols = st.columns(max(1, len(progress)))
        for col, p in zip(cols, progress, strict=True):
            unit = p["unit"]
            goal = (f"{formatting.by_unit(p['target'], unit)} by {p['target_year']}"
                    if p["target"] is not None else "no final target")
            milestone = ""
            if p["milestone_met"] is not None:
                milestone = (f"Milestone {p['milestone_year']} "
                             f"({formatting.by_unit(p['milestone'], unit)}): "
                             f"{'reached' if p['milestone_met'] else 'not reached'}.")
            col.metric(f"{p['label']}: way to target", formatting.pct(p["target_progress"]),
                       help=f"{formatting.by_unit(p['latest'], unit)} in {p['latest_year']}; "
                            f"target {goal}. {milestone}")
        if not f.is_default() and not (f.year_from or f.year_to):
            st.caption("Targets are for the whole cluster; the filters in the sidebar narrow the "
                       "actual values.")
        left, right = st.columns(2)
        for col, measure in ((left, "turnover_eur"), (right, "jobs")):
            if (g["targets"]["indicator"] == measure).any():
                with col:
                    ui.show_chart(charts.against_targets(yearly, g["targets"], measure),
                                  key=f"{measure}_targets", unit=kpis.INDICATORS[measure].unit)

    st.header("Members")
    flows = g["flows"]
    left, right = st.columns(2)
    with left:
        ui.show_chart(charts.membership_flows(flows), key="membership_flows", unit="members")
    with right:
        jobs_part = g["decomposition"]["jobs"]["annual"]
        hge = g["high_growth"]
        cols = st.columns(2)
        cols[0].metric(f"Jobs created {int(latest['year'])} (gross)",
                       ui.shown(float(jobs_part[-1]["created"]) if jobs_part and
                                jobs_part[-1]["created"] is not None else None, "FTE"),
                       help="Jobs added by growing members plus the jobs of new members; "
                            "losses are not netted out.")
        cols[1].metric("High-growth enterprises",
                       str(int(hge["high_growth"].iloc[-1])) if not hge.empty else "–",
                       help="Eurostat: at least 10 employees three years earlier and at least "
                            "10 % average annual employment growth since.")
        cols = st.columns(2)
        cols[0].metric("SME share of members", ui.shown(latest["sme_share"], "share"))
        retention = flows["retention_rate"].iloc[-1] if not flows.empty else None
        cols[1].metric("Retention rate", formatting.pct(retention),
                       help="Members of the year before that are still members.")
        st.dataframe(ui.flows_table(flows), hide_index=True)

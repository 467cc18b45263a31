"""Overview: headline KPIs with growth from baseline to latest, and their trends."""

import streamlit as st

import ui
from analytics import charts, formatting

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
    cols[0].metric(f"Turnover {t['latest_year']}", formatting.eur(t["latest"]),
                   f"{formatting.pct(t['pct'], signed=True)} {since}" if t["pct"] is not None else None,
                   help=f"Baseline {t['baseline_year']}: {formatting.eur(t['baseline'])}. "
                        f"Change {formatting.eur(t['change'])}.")
    cols[1].metric(f"Jobs {j['latest_year']} (FTE)", formatting.number(j["latest"], 1),
                   f"{formatting.pct(j['pct'], signed=True)} {since}" if j["pct"] is not None else None,
                   help=f"Baseline {j['baseline_year']}: {formatting.number(j['baseline'], 1)} FTE. "
                        f"Change {formatting.number(j['change'], 1)}.")
    cols[2].metric("Turnover growth per year (CAGR)", formatting.pct(t["cagr"]),
                   help="Compound annual growth rate from baseline to latest year.")
    cols[3].metric("Jobs growth per year (CAGR)", formatting.pct(j["cagr"]))
    cols = st.columns(4)
    cols[0].metric(f"Members reporting {int(latest['year'])}", f"{int(latest['members'])}",
                   help=f"{int(latest['active_members'])} active members in {int(latest['year'])}.")
    cols[1].metric("Response rate", formatting.pct(latest["response_rate"]))
    cols[2].metric("Turnover per job", formatting.eur(latest["turnover_per_job"]))
    cols[3].metric("Export share", formatting.pct(latest["export_share"]),
                   help=f"R&D intensity: {formatting.pct(latest['rd_intensity'])}")

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

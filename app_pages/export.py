"""Export: the report pack for the funder, and the KPI tables on their own."""

import streamlit as st

import ui
from analytics import export, kpis, report

who = ui.require("manager", "funder")
st.title("Export")
f = ui.filters()
ui.filter_caption(f)
st.write("The report pack holds the ten standard charts (PNG at print resolution, SVG and PDF), "
         "the KPI tables (CSV for Excel and one XLSX workbook), the methodology, and a Word report "
         "with a title page, the KPI summary table, the charts with captions and the methodology. "
         "Every file applies the filters in the sidebar. Each chart on the other pages can also "
         "be downloaded on its own.")

if not ui.no_data():
    result = ui.overview(f)
    ctx = ui.export_context()
    browser = export.find_browser()
    if browser is None:
        st.warning(export.INSTALL_HINT)
    formats = st.pills("Chart formats", list(export.MIME), default=list(export.MIME),
                       selection_mode="multi", key="pack_formats",
                       format_func=str.upper) or ["png"]
    if st.button("Build the report pack", type="primary", disabled=browser is None,
                 key="build_pack"):
        bar = st.progress(0.0, text="Starting the chart renderer…")
        try:
            data, name = report.build_pack(
                ui.store(), f, formats=tuple(formats), protect=not who.sees_members,
                progress=lambda done, total, msg: bar.progress(done / total, text=msg))
        except Exception as exc:  # shown to the user; the button stays for a retry
            bar.empty()
            st.error(f"The report pack could not be built: {exc}. Try again.")
        else:
            bar.empty()
            st.session_state["pack"] = (f, name, data)
    pack = st.session_state.get("pack")
    if pack and pack[0] == f:
        _, name, data = pack
        st.download_button(f"Download {name} ({len(data) / 1e6:.1f} MB)", data, name,
                           "application/zip", key="download_pack", type="primary",
                           icon=":material/download:", on_click="ignore")

    st.subheader("Tables and methodology")
    tables = export.kpi_tables(result)
    stem = export.file_stem("kpis", ctx.shown)
    c1, c2, c3 = st.columns(3)
    c1.download_button("KPI tables (XLSX)", lambda: export.tables_xlsx(tables), f"{stem}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="download_xlsx", on_click="ignore")
    c2.download_button("KPIs by year (CSV)", export.table_csv(tables["by_year"]),
                       f"{export.file_stem('by_year', ctx.shown)}.csv", "text/csv",
                       key="download_csv", on_click="ignore")
    c3.download_button("Methodology (text)", report.methodology(result, ctx),
                       "methodology.txt", "text/plain", key="download_methodology",
                       on_click="ignore")
    with st.expander("Indicator definitions"):
        for ind in kpis.INDICATORS.values():
            st.markdown(f"**{ind.label}** ({ind.unit}): {ind.description}")

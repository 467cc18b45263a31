"""Export: the report pack for the funder, and the KPI tables on their own."""

import streamlit as st

import ui
from analytics import export, kpis, report
from ui import _

who = ui.require("manager", "funder")
st.title(_("Export"))
lang = ui.lang()
f = ui.filters()
ui.filter_caption(f)
if not ui.no_data():
    result = ui.overview(f, medians=True)
    count = len(report.standard_charts(result, ui.growth_results(f), not who.sees_members, lang))
    st.write(_("The report pack holds the {count} standard charts of this selection (PNG at "
               "print resolution, SVG and PDF), the KPI tables (CSV for Excel and one XLSX "
               "workbook), the methodology, and the report as Word and PDF: a cover, a summary, "
               "the KPI table, the charts with captions and the methodology. Every file applies "
               "the filters in the sidebar and is written in the language chosen above. Each "
               "chart on the other pages can also be downloaded on its own.").format(count=count))
    ctx = ui.export_context()
    browser = export.find_browser()
    if browser is None:
        st.warning(_(export.INSTALL_HINT))
    formats = st.pills(_("Chart formats"), list(export.MIME), default=list(export.MIME),
                       selection_mode="multi", key="pack_formats",
                       format_func=str.upper) or ["png"]
    if st.button(_("Build the report pack"), type="primary", disabled=browser is None,
                 key="build_pack"):
        bar = st.progress(0.0, text=_("Starting the chart renderer…"))
        try:
            data, name = report.build_pack(
                ui.store(), f, formats=tuple(formats), protect=not who.sees_members, lang=lang,
                progress=lambda done, total, msg: bar.progress(done / total, text=msg))
        except Exception as exc:  # shown to the user; the button stays for a retry
            bar.empty()
            st.error(_("The report pack could not be built: {reason}. Try again.").format(
                reason=ui.error_text(exc)))
        else:
            bar.empty()
            st.session_state["pack"] = (f, lang, name, data)
    pack = st.session_state.get("pack")
    if pack and pack[:2] == (f, lang):
        _f, _lang, name, data = pack
        st.download_button(_("Download {file} ({size} MB)").format(
            file=name, size=ui.fmt_number(len(data) / 1e6, 1)), data, name,
            "application/zip", key="download_pack", type="primary",
            icon=":material/download:", on_click="ignore")

    st.subheader(_("Tables and methodology"))
    tables = export.kpi_tables(result, lang, f.estimated, ctx.provisional_years)
    c1, c2, c3 = st.columns(3)
    c1.download_button(_("KPI tables (XLSX)"), lambda: export.tables_xlsx(tables, lang),
                       f"{export.file_stem(export.file_name('kpis', lang), ctx.shown)}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="download_xlsx", on_click="ignore")
    c2.download_button(_("KPIs by year (CSV)"), export.table_csv(tables["by_year"], lang),
                       f"{export.file_stem(export.file_name('by_year', lang), ctx.shown)}.csv",
                       "text/csv", key="download_csv", on_click="ignore")
    c3.download_button(_("Methodology (text)"), report.methodology(result, ctx),
                       f"{export.file_stem(export.file_name('methodology', lang), f)}.txt",
                       "text/plain", key="download_methodology", on_click="ignore")
    with st.expander(_("Indicator definitions")):
        for ind in kpis.INDICATORS.values():
            st.markdown(f"**{ind.name(lang)}** ({kpis.unit_name(ind.unit, lang)}): "
                        f"{ind.explain(lang)}")

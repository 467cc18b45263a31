"""Targets: the baseline, milestones and targets of the collective action contract."""

import streamlit as st

import ui
from analytics import export, kpis, targets
from analytics.i18n import translated
from analytics.ingest import check_file
from analytics.report import TARGET_TITLES
from analytics.schema import vocabulary
from ui import _

ui.require("manager")
st.title(_("Targets"))
st.write(_("The funder's baseline, milestone and target values per indicator (e.g. jobs 700 by "
           "2015, 800 by 2018). Edit the table and save: the whole list is checked like an "
           "uploaded file, every save is in the history of loads and can be undone. A targets "
           "CSV (columns indicator, kind, year, value, note) can also be loaded on the "
           "Submissions page or with `python -m analytics ingest`."))
store = ui.store()
current = targets.stored_targets(store)
indicators, kinds = vocabulary("indicators"), vocabulary("target_kinds")
lang = ui.lang()
titles = translated(TARGET_TITLES, lang)
edited = st.data_editor(
    current, num_rows="dynamic", hide_index=True, key="targets_editor", width="stretch",
    column_config={
        # codes stored, labels shown (the saved file still carries the codes)
        "indicator": st.column_config.SelectboxColumn(
            titles["indicator"], options=indicators.codes, required=True,
            format_func=lambda c: indicators.label(c, lang)),
        "kind": st.column_config.SelectboxColumn(
            titles["kind"], options=kinds.codes, required=True,
            format_func=lambda c: kinds.label(c, lang)),
        "year": st.column_config.NumberColumn(titles["year"], step=1, format="%d",
                                              required=True),
        "value": st.column_config.NumberColumn(titles["value"], required=True),
        "note": st.column_config.TextColumn(titles["note"]),
    })
if st.button(_("Save targets"), type="primary", key="save_targets"):
    if edited.dropna(how="all").empty:
        result = targets.save_targets(store, edited.iloc[0:0], ui.user_name())
        st.success(_("All targets removed (load {load}; it can be undone).").format(
            load=result.load_id))
    else:
        report = check_file(edited.to_csv(index=False).encode("utf-8"), "targets.csv", store)
        if report.errors or report.kind != "targets":
            st.error(_("The targets were not saved: fix the rows below."))
            st.dataframe(report.problems_frame(lang), hide_index=True)
        else:
            result = targets.save_targets(store, report.table, ui.user_name())
            st.success(_("Targets saved (load {load}).").format(load=result.load_id))
            st.rerun()
st.download_button(_("Targets (CSV)"), export.table_csv(current, "en"),
                   "targets.csv", "text/csv", key="download_targets", on_click="ignore")
with st.expander(_("Indicators that can have targets")):
    for ind in kpis.INDICATORS.values():
        st.markdown(f"`{ind.key}`: {ind.name(lang)} ({kpis.unit_name(ind.unit, lang)})")

"""Targets: the baseline, milestones and targets of the collective action contract."""

import streamlit as st

import ui
from analytics import kpis, targets
from analytics.ingest import check_file
from analytics.schema import vocabulary

ui.require("manager")
st.title("Targets")
st.write("The funder's baseline, milestone and target values per indicator (e.g. jobs 700 by "
         "2015, 800 by 2018). Edit the table and save: the whole list is checked like an "
         "uploaded file, every save is in the history of loads and can be undone. A targets "
         "CSV (columns indicator, kind, year, value, note) can also be loaded on the "
         "Submissions page or with `python -m analytics ingest`.")
store = ui.store()
current = targets.stored_targets(store)
indicators = vocabulary("indicators")
edited = st.data_editor(
    current, num_rows="dynamic", hide_index=True, key="targets_editor", width="stretch",
    column_config={
        "indicator": st.column_config.SelectboxColumn(
            "Indicator", options=indicators.codes, required=True,
            help="; ".join(f"{c}: {indicators.label(c)}" for c in indicators.codes)),
        "kind": st.column_config.SelectboxColumn(
            "Kind", options=vocabulary("target_kinds").codes, required=True),
        "year": st.column_config.NumberColumn("Year", step=1, format="%d", required=True),
        "value": st.column_config.NumberColumn("Value", required=True),
        "note": st.column_config.TextColumn("Note"),
    })
if st.button("Save targets", type="primary", key="save_targets"):
    if edited.dropna(how="all").empty:
        result = targets.save_targets(store, edited.iloc[0:0], ui.user_name())
        st.success(f"All targets removed (load {result.load_id}; it can be undone).")
    else:
        report = check_file(edited.to_csv(index=False).encode("utf-8"), "targets.csv", store)
        if report.errors or report.kind != "targets":
            st.error("The targets were not saved: fix the rows below.")
            st.dataframe(report.problems_frame(), hide_index=True)
        else:
            result = targets.save_targets(store, report.table, ui.user_name())
            st.success(f"Targets saved (load {result.load_id}).")
            st.rerun()
st.download_button("Targets (CSV)", current.to_csv(index=False).encode("utf-8-sig"),
                   "targets.csv", "text/csv", key="download_targets", on_click="ignore")
with st.expander("Indicators that can have targets"):
    for ind in kpis.INDICATORS.values():
        st.markdown(f"`{ind.key}`: {ind.label} ({ind.unit})")

"""Submissions: upload a file, read its check report, confirm the load; templates; history."""

import streamlit as st

import ui
from analytics.ingest import check_file, load_checked
from analytics.templates import template_csv, template_xlsx

who = ui.require("manager", "member")
st.title("Submissions")
store = ui.store()

st.subheader("Load a file")
st.write("Upload members' figures (CSV or Excel .xlsx, French or English headers). The whole "
         "file is checked first; nothing is written unless you confirm, and a file with any "
         "error is not loaded at all.")
upload = st.file_uploader("Submission or member-list file", type=["csv", "txt", "xlsx"],
                          key="upload")
if upload is not None:
    data = upload.getvalue()
    name = ui.plain(upload.name)  # a file name is shown as text, never as Markdown
    bar = st.progress(0.0, text="Checking the file…") if len(data) > 1_000_000 else None
    report = check_file(data, upload.name, store, progress=None if bar is None else
                        lambda fraction, step: bar.progress(fraction, text=step.capitalize()))
    if bar is not None:
        bar.empty()
    if who.role == "member":  # a member may only send its own figures
        ui.restrict_to_member(report, who.member_id)
    loaded = st.session_state.setdefault("loaded_files", {})
    if report.errors:
        st.error(f"**{name}** has {len(report.errors)} error(s). Nothing was loaded. "
                 "Fix them in your spreadsheet and upload the file again.")
    if report.problems:
        st.dataframe(report.problems_frame(), hide_index=True, key="problems",
                     column_config={"message": st.column_config.TextColumn(width="large")})
    if report.ok:
        if report.sha256 in loaded:
            st.success(f"**{name}** was loaded as load {loaded[report.sha256]}.")
        else:
            replaced = f", {report.replaces} of them replacing stored values" if report.replaces else ""
            st.success(f"**{name}** passed the checks: {report.rows} rows of "
                       f"{report.kind}{replaced}. Warnings, if any, are listed above.")
            with st.expander("Preview"):
                st.dataframe(report.table.slice(0, 1000).to_pandas(), hide_index=True)
            if st.button(f"Load {report.rows} rows", type="primary", key="confirm_load"):
                result = load_checked(report, store, user=ui.user_name())
                loaded[report.sha256] = result.load_id
                st.success(f"Loaded as load {result.load_id}: {result.rows_added} rows added, "
                           f"{result.rows_replaced} replaced. Earlier values are kept in the "
                           "history and the load can be undone below.")

st.subheader("Templates")
st.write("An empty file with the expected columns. The Excel template has drop-down lists "
         "and a sheet of allowed member types, sectors and areas.")
c1, c2 = st.columns(2)
c1.download_button("Template (CSV)", template_csv(), "submission_template.csv", "text/csv")
c2.download_button("Template (Excel)", template_xlsx(), "submission_template.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

st.subheader("History of loads")
history = store.history()
if who.role == "member":
    history = history[history["loaded_by"] == who.username]
if history.empty:
    st.write("Nothing loaded yet.")
else:
    st.dataframe(history, hide_index=True, key="history")
    undoable = history[history["undone_by"].isna()]
    if who.role == "member":
        undoable = undoable.iloc[0:0]  # members ask the manager to undo

    def describe(i: int) -> str:
        row = undoable.loc[undoable["load_id"] == i].iloc[0]
        if row["action"] == "undo":
            return f"{i}: undo of {int(row['undoes'])} (undoing it loads {int(row['undoes'])} again)"
        return f"{i}: {row['file_name']} ({row['kind']})"

    if not undoable.empty:
        choice = st.selectbox("Load (or undo) to undo", undoable["load_id"].tolist(),
                              key="undo_choice", format_func=describe)
        if st.button("Undo this load", key="undo"):
            try:
                undo_id = store.undo(int(choice), ui.user_name())
            except ValueError as exc:
                st.error(str(exc))
            else:
                st.success(f"Load {choice} undone (recorded as {undo_id}).")
                st.rerun()

"""Submissions: upload a file, read its check report, confirm the load; templates; history."""

import streamlit as st

import ui
from analytics.export import file_stem
from analytics.filters import Filters
from analytics.history import history_table, kind_name
from analytics.ingest import check_file, kept_columns, load_checked
from analytics.schema import spec_named
from analytics.templates import template_csv, template_xlsx
from ui import _

who = ui.require("manager", "member")
st.title(_("Submissions"))
store = ui.store()
lang = ui.lang()

st.subheader(_("Load a file"))
st.write(_("Upload members' figures (CSV or Excel .xlsx, French or English headers). The whole "
           "file is checked first; nothing is written unless you confirm, and a file with any "
           "error is not loaded at all."))
upload = st.file_uploader(_("Submission or member-list file"), type=["csv", "txt", "xlsx"],
                          key="upload")
if upload is not None:
    data = upload.getvalue()
    name = ui.plain(upload.name)  # a file name is shown as text, never as Markdown
    bar = st.progress(0.0, text=_("Checking the file…")) if len(data) > 1_000_000 else None
    report = check_file(data, upload.name, store, progress=None if bar is None else
                        lambda fraction, step: bar.progress(fraction, text=step.render(lang)),
                        member_id=(who.member_id or "") if who.role == "member" else None)
    if bar is not None:
        bar.empty()
    loaded = st.session_state.setdefault("loaded_files", {})
    if report.errors:
        st.error(_("**{file}** has {count} error(s). Nothing was loaded. Fix them in your "
                   "spreadsheet and upload the file again.").format(file=name,
                                                                    count=len(report.errors)))
    if report.problems:
        frame = report.problems_frame(lang)
        st.dataframe(frame, hide_index=True, key="problems",
                     column_config={frame.columns[-1]: st.column_config.TextColumn(width="large")})
    if report.ok:
        if report.sha256 in loaded:
            st.success(_("**{file}** was loaded as load {load}.").format(
                file=name, load=loaded[report.sha256]))
        else:
            rows, kind = ui.fmt_number(report.rows), kind_name(report.kind, lang)
            if report.replaces:
                passed = _("**{file}** passed the checks: {rows} rows of {kind}, {replaced} of "
                           "them replacing stored values. Warnings, if any, are listed above.")
            else:
                passed = _("**{file}** passed the checks: {rows} rows of {kind}. Warnings, if "
                           "any, are listed above.")
            st.success(passed.format(file=name, rows=rows, kind=kind,
                                     replaced=ui.fmt_number(report.replaces)))
            spec = spec_named(report.kind)
            kept = kept_columns(report)
            if kept:
                st.info(_("This file updates only the columns it has. Not in the file, so "
                          "stored values stay as they are: {columns}.").format(
                    columns=", ".join(ui.translate(spec.column(c).label) for c in kept)))
            with st.expander(_("Preview")):
                preview = report.table.slice(0, 1000).to_pandas().drop(columns="_row", errors="ignore")
                st.dataframe(preview.rename(columns={c.name: ui.translate(c.label) for c in spec.columns}),
                             hide_index=True)
            if st.button(_("Load {rows} rows").format(rows=rows), type="primary",
                         key="confirm_load"):
                result = load_checked(report, store, user=ui.user_name())
                loaded[report.sha256] = result.load_id
                st.success(_("Loaded as load {load}: {added} rows added, {replaced} replaced. "
                             "Earlier values are kept in the history and the load can be undone "
                             "below.").format(load=result.load_id, added=result.rows_added,
                                              replaced=result.rows_replaced))

st.subheader(_("Templates"))
st.write(_("An empty file with the expected columns. The Excel template has drop-down lists "
           "and a sheet of allowed member types, sectors and areas."))
c1, c2 = st.columns(2)
template_name = file_stem(_("submission template"), Filters())
c1.download_button(_("Template (CSV)"), template_csv(lang), f"{template_name}.csv", "text/csv")
c2.download_button(_("Template (Excel)"), template_xlsx(lang), f"{template_name}.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

st.subheader(_("History of loads"))
history = store.history()
if who.role == "member":
    history = history[history["loaded_by"] == who.username]
if history.empty:
    st.write(_("Nothing loaded yet."))
else:
    st.dataframe(history_table(history, lang), hide_index=True, key="history")
    undoable = history[history["undone_by"].isna()]
    if who.role == "member":
        undoable = undoable.iloc[0:0]  # members ask the manager to undo

    def describe(i: int) -> str:
        row = undoable.loc[undoable["load_id"] == i].iloc[0]
        if row["action"] == "undo":
            return _("{load}: undo of {undone} (undoing it loads {undone} again)").format(
                load=i, undone=int(row["undoes"]))
        return f"{i}: {row['file_name']} ({kind_name(row['kind'], lang)})"

    if not undoable.empty:
        choice = st.selectbox(_("Load (or undo) to undo"), undoable["load_id"].tolist(),
                              key="undo_choice", format_func=describe)
        if st.button(_("Undo this load"), key="undo"):
            try:
                undo_id = store.undo(int(choice), ui.user_name())
            except ValueError as exc:
                st.error(ui.error_text(exc))
            else:
                st.success(_("Load {load} undone (recorded as {undo}).").format(load=choice,
                                                                               undo=undo_id))
                st.rerun()

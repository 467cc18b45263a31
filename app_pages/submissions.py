"""Submissions: the year's collection, upload and check a file, confirm the load;
templates; the history of loads, with undo. A member sees the page as "Send your figures"."""

import datetime as dt

import streamlit as st

import ui
from analytics import collection, reference
from analytics.export import file_stem
from analytics.filters import Filters
from analytics.history import HISTORY_TITLES, history_table, kind_name, undo_description
from analytics.i18n import N_, ngettext, translator
from analytics.ingest import check_file, kept_columns, load_checked
from analytics.reference import LIST_NAMES
from analytics.schema import REFERENCE_LISTS, SPECS, SUBMISSIONS, spec_named
from analytics.templates import template_csv, template_xlsx
from ui import _

who = ui.require("manager", "member")
member = who.role == "member"
store = ui.store()
lang = ui.lang()
st.title(_("Send your figures") if member else _("Submissions"))
ui.show_flash()

# -- the year's collection ----------------------------------------------------------------
years = ui.campaign()
collecting = [y for y in years if y.status == collection.COLLECTING]
if member:
    for y in collecting:
        mine = collection.members(store, y.year)
        sent = bool(mine.loc[mine["member_id"] == who.member_id, "submitted"].any())
        deadline = (_(" (due by {date})").format(date=ui.fmt_date(y.deadline))
                    if y.deadline else "")
        if sent:
            st.success(_("Your figures for {year} are in{deadline}. You can send a corrected "
                         "file: it replaces them.").format(year=y.year, deadline=deadline))
        else:
            st.warning(_("Your figures for {year} are awaited{deadline}. Send them below.")
                       .format(year=y.year, deadline=deadline))
else:
    st.subheader(_("Collection"))
    if not collecting:
        st.write(_("No year is collecting. A year opens with its first file, or open one here "
                   "with a deadline."))
    for y in collecting:
        with st.container(border=True):
            st.markdown("**" + _("{year}: collecting").format(year=y.year) + "**")
            cols = st.columns(3)
            cols[0].metric(_("Response rate"), ui.fmt_pct(y.response_rate, 0),
                           help=collection.responded_text(y, lang))
            cols[1].metric(_("Members that sent figures"), f"{y.responded} / {y.expected}")
            if y.deadline is not None:
                days = y.days_left
                cols[2].metric(_("Deadline"), ui.fmt_date(y.deadline),
                               ngettext(days, N_("{days} day left"), N_("{days} days left"), lang)
                               .format(days=days) if days >= 0 else
                               _("{days} days late").format(days=-days),
                               delta_color="off" if days >= 0 else "inverse")
            threshold = store.setting("close_at_response_rate")
            if y.ready_to_close:
                st.success(_("{year} reached {rate} (the threshold is {threshold} %): close "
                             "it to make it the latest year of every figure.").format(
                    year=y.year, rate=ui.fmt_pct(y.response_rate, 0), threshold=threshold))
            close = st.button(_("Close {year}").format(year=y.year), key=f"close_{y.year}",
                              type="primary" if y.ready_to_close else "secondary",
                              help=_("A closed year is read as complete: cards, growth, targets "
                                     "and reports end at the last closed year. Undoable in the "
                                     "history below."))
            if close:
                result = collection.close_years(store, [y.year], ui.user_name())
                ui.flash(_("{year} is closed (recorded as load {load}).").format(
                    year=y.year, load=result.load_id))
                st.rerun()
            frame = collection.members(store, y.year)
            late, done = frame[~frame["submitted"]], frame[frame["submitted"]]
            waiting, sent = st.tabs([_("Still to send ({count})").format(count=len(late)),
                                     _("Sent ({count})").format(count=len(done))])
            titles = {"member_id": _("Member ID"), "member_name": _("Member name"),
                      "email": _("Contact e-mail")}
            with waiting:
                if late.empty:
                    st.write(_("Everyone has sent their figures."))
                else:
                    st.dataframe(late[list(titles)].rename(columns=titles), hide_index=True,
                                 key=f"late_{y.year}")
                    link = collection.mailto(frame, _("Your figures for {year}").format(
                        year=y.year))
                    c1, c2 = st.columns(2)
                    if link:
                        c1.link_button(_("Write to them (e-mail, addresses in Bcc)"), link,
                                       icon=":material/mail:")
                    else:
                        c1.caption(_("No contact e-mail in the member list: add an 'email' "
                                     "column to it to write to them from here."))
                    c2.download_button(_("Addresses (CSV)"), collection.reminder_csv(frame),
                                       file_stem(_("reminders {year}").format(year=y.year),
                                                 Filters()) + ".csv", "text/csv",
                                       key=f"reminders_{y.year}")
            with sent:
                st.dataframe(done[["member_id", "member_name"]].rename(columns=titles),
                             hide_index=True, key=f"sent_{y.year}")
    with st.expander(_("Open a year, or reopen a closed one")):
        latest = max((y.year for y in years), default=dt.date.today().year - 1)
        c1, c2 = st.columns(2)
        year = c1.number_input(_("Year"), min_value=1990, max_value=dt.date.today().year + 1,
                               value=latest + 1 if all(y.year != latest + 1 for y in years)
                               else latest, step=1, key="open_year")
        deadline = c2.date_input(_("Deadline"), value=None, key="open_deadline",
                                 format="DD/MM/YYYY" if lang == "fr" else "YYYY-MM-DD")
        if st.button(_("Open {year}").format(year=int(year)), key="open_button"):
            result = collection.open_year(store, int(year), ui.user_name(), deadline)
            ui.flash(_("{year} is collecting (recorded as load {load}).").format(
                year=int(year), load=result.load_id))
            st.rerun()
        if years:
            st.dataframe(ui.campaign_table(years), hide_index=True, key="campaign")

# -- load a file --------------------------------------------------------------------------
st.subheader(_("Send a file") if member else _("Load a file"))
st.write(_("Upload your figures (CSV or Excel .xlsx, French or English headers). The whole file "
           "is checked first; nothing is stored until you confirm, and a file with any error "
           "is not stored at all.") if member else
         _("Upload members' figures, the member list, targets, or a file of the cluster's life "
           "(working groups, participation, activities, projects, the cluster organisation, "
           "satisfaction answers): CSV or Excel .xlsx, French or English headers; the kind of "
           "file is told by its columns (templates below). The whole file is checked first; "
           "nothing is written unless you confirm, and a file with any error is not loaded "
           "at all."))
holds_demo = not member and store.holds_demo()
if holds_demo:
    c1, c2 = st.columns([3, 1])
    c1.info(_("This database holds the **demo data** of a fictional cluster. Remove it before "
              "loading your own figures, so that the two never mix."), icon=":material/info:")
    if c2.button(_("Remove the demo data"), key="remove_demo"):
        removal = store.remove_demo(ui.user_name())
        if removal is not None:
            ui.flash(_("The demo data is removed ({rows} rows, recorded as load {load}; undo it "
                       "below to bring them back).").format(rows=removal.rows_replaced,
                                                           load=removal.load_id))
        st.rerun()
upload = st.file_uploader(_("Your figures") if member else _("Submission or member-list file"),
                          type=["csv", "txt", "xlsx"], key="upload")
if upload is not None:
    data = upload.getvalue()
    name = ui.plain(upload.name)  # a file name is shown as text, never as Markdown
    bar = st.progress(0.0, text=_("Checking the file…")) if len(data) > 1_000_000 else None
    report = check_file(data, upload.name, store, progress=None if bar is None else
                        lambda fraction, step: bar.progress(fraction, text=step.render(lang)),
                        member_id=(who.member_id or "") if member else None)
    if bar is not None:
        bar.empty()
    loaded = st.session_state.setdefault("loaded_files", {})
    if report.errors:
        st.error(ngettext(report.error_count,
                          N_("**{file}** has {count} error. Nothing was loaded. Fix it in your "
                             "spreadsheet and upload the file again."),
                          N_("**{file}** has {count} errors. Nothing was loaded. Fix them in "
                             "your spreadsheet and upload the file again."), lang).format(
            file=name, count=report.error_count))
    if report.problems:
        ui.problems_list(report)
    new_values = {k: v for k, v in report.unknown_values().items() if k in REFERENCE_LISTS}
    if new_values and not member:
        st.info(_("Values not in the cluster's lists: {values}. If they are right, add them "
                  "to the lists (one undoable step each; set their labels on the Settings "
                  "page later) and the file is checked again.").format(values="; ".join(
                      f"{ui.translate(LIST_NAMES[k])}: {', '.join(v[:20])}"
                      + (" …" if len(v) > 20 else "") for k, v in new_values.items())),
                icon=":material/add:")
        if st.button(_("Add them to the lists"), key="add_new_values"):
            added = [reference.add_values(store, k, v, ui.user_name())
                     for k, v in new_values.items()]
            for change in added:
                for problem in change.problems:
                    st.error(problem.describe(lang))
            if all(c.ok for c in added):
                ui.flash(" ".join(_("Saved: {change} (load {load}; undo it below).").format(
                    change=c.describe(lang), load=c.load_id) for c in added))
                st.rerun()
    if report.ok:
        if report.sha256 in loaded:
            st.success(_("**{file}** was loaded as load {load}.").format(
                file=name, load=loaded[report.sha256]))
        else:
            rows, kind = ui.fmt_number(report.rows), kind_name(report.kind, lang)
            passed = ngettext(report.rows, N_("**{file}** passed the checks: {rows} row of {kind}."),
                              N_("**{file}** passed the checks: {rows} rows of {kind}."), lang)
            if report.replaces:
                passed += " " + ngettext(report.replaces,
                                         N_("{replaced} of them replaces stored values."),
                                         N_("{replaced} of them replace stored values."), lang)
            if report.warnings:
                passed += " " + _("Read the warnings above before you confirm.")
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
            remove_first = holds_demo and st.checkbox(
                _("Remove the demo data first (recommended; undoable)"), value=True,
                key="remove_demo_first")
            label = ngettext(report.rows, N_("Load {rows} row"), N_("Load {rows} rows"), lang)
            if member:
                label = ngettext(report.rows, N_("Send {rows} row"), N_("Send {rows} rows"), lang)
            if st.button(label.format(rows=rows), type="primary", key="confirm_load"):
                if remove_first:
                    removal = store.remove_demo(ui.user_name())
                    if removal is not None:
                        ui.flash(_("The demo data is removed ({rows} rows, recorded as load "
                                   "{load}).").format(rows=removal.rows_replaced,
                                                      load=removal.load_id))
                result = load_checked(report, store, user=ui.user_name())
                loaded[report.sha256] = result.load_id
                ui.flash(_("Loaded as load {load}: {added} rows added, {replaced} replaced. "
                           "Earlier values are kept in the history and the load can be undone "
                           "below.").format(load=result.load_id, added=result.rows_added,
                                            replaced=result.rows_replaced))
                st.rerun()

# -- templates -----------------------------------------------------------------------------
st.subheader(_("Templates"))
st.write(_("An empty file with the expected columns. The Excel template has drop-down lists "
           "and a sheet of allowed member types, sectors and areas."))
kinds = {s.name: ui.translate(s.label).capitalize() for s in SPECS[::-1]}
kind = SUBMISSIONS if member else spec_named(st.selectbox(
    _("Which file"), list(kinds), format_func=kinds.__getitem__, key="template_kind"))
c1, c2 = st.columns(2)
template_name = file_stem(_("submission template") if kind is SUBMISSIONS else
                          _("{kind} template").format(kind=ui.translate(kind.label)), Filters())
c1.download_button(_("Template (CSV)"), template_csv(lang, kind), f"{template_name}.csv",
                   "text/csv")
c2.download_button(_("Template (Excel)"), template_xlsx(lang, kind), f"{template_name}.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

# -- history and undo -------------------------------------------------------------------------
st.subheader(_("Your files") if member else _("History of loads"))
history = store.history()
if member:
    history = history[history["loaded_by"] == who.username]
if history.empty:
    st.write(_("Nothing sent yet.") if member else _("Nothing loaded yet."))
else:
    titles = {k: translator(lang)(v) for k, v in HISTORY_TITLES.items()}
    st.dataframe(history_table(history, lang), hide_index=True, key="history",
                 column_config={titles["sha256"]: st.column_config.TextColumn(
                     width="small", help=_("Tells two files apart: the same checksum is the "
                                           "same file."))})
    undoable = history[history["undone_by"].isna()]
    if member:
        undoable = undoable.iloc[0:0]  # members ask the manager to undo
        st.caption(_("To withdraw a file, send a corrected one or ask the cluster manager."))
    if not undoable.empty:
        options = undoable["load_id"].tolist()
        # the default is the newest load, never an undo: a second click must not redo
        loads = undoable.loc[undoable["action"] == "load", "load_id"].tolist()
        choice = st.selectbox(_("Load (or undo) to undo"), options,
                              index=options.index(loads[0]) if loads else None,
                              key=f"undo_choice_{ui.data_version()[1]}",
                              format_func=lambda i: undo_description(history, i, lang))
        if st.button(_("Undo this load"), key="undo", disabled=choice is None):
            try:
                undo_id = store.undo(int(choice), ui.user_name())
            except ValueError as exc:
                st.error(ui.error_text(exc))
            else:
                ui.flash(_("Undone: {what}. Recorded as {undo}; to bring it back, undo {undo}.")
                         .format(what=undo_description(history, int(choice), lang), undo=undo_id))
                st.rerun()

"""Settings: the cluster's details (name, description, region, country, funder, currency),
the settings the figures follow, and the reference lists (areas, sectors, member types);
each save is one undoable entry of the load history."""

import pandas as pd
import streamlit as st

import ui
from analytics import reference
from analytics.checks import Problem
from analytics.i18n import N_
from analytics.reference import LIST_NAMES
from analytics.schema import CURRENCIES, MAX_SETTING_LENGTH, REFERENCE, REFERENCE_LISTS
from ui import _

#: The details, as the page asks for them.
DETAILS = {"cluster_name": N_("Cluster name"), "description": N_("Short description"),
           "region": N_("Region"), "country": N_("Country"), "funder_name": N_("Funder")}

ui.require("manager")
st.title(_("Settings"))
ui.show_flash()
store = ui.store()
current = store.settings()
st.caption(_("Used in the report pack (title page, methodology) and by every figure. Every "
             "save is recorded in the history of loads and can be undone there."))
with st.form("settings_form"):
    st.subheader(_("The cluster"))
    values: dict[str, object] = {}
    for key, label in DETAILS.items():
        values[key] = st.text_input(ui.translate(label), value=str(current[key]),
                                    max_chars=MAX_SETTING_LENGTH, key=f"setting_{key}")
    values["currency"] = st.selectbox(_("Currency of the figures"), CURRENCIES,
                                      index=CURRENCIES.index(current["currency"]),
                                      key="setting_currency")
    st.subheader(_("How figures are read"))
    values["carry_forward_years"] = st.number_input(
        _("Estimated view: carry a member's last values forward for at most (years)"),
        min_value=0, max_value=10, value=int(current["carry_forward_years"]), step=1,
        key="setting_carry_forward_years")
    values["close_at_response_rate"] = st.number_input(
        _("Offer to close a year's collection from this response rate (%)"), min_value=0,
        max_value=100, value=int(current["close_at_response_rate"]), step=5,
        key="setting_close_at_response_rate")
    values["baseline_year"] = st.number_input(
        _("Baseline year: growth is measured from it unless a page or export names another "
          "(0: the first year with figures)"), min_value=0, max_value=2100,
        value=int(current["baseline_year"]), step=1, key="setting_baseline_year")
    st.subheader(_("Confidentiality"))
    st.caption(_("What funders and members see leaves out small and dominated cells, and any "
                 "cell a solver could narrow down (see the methodology). These rules can be "
                 "made stricter than the defaults, never looser."))
    for key, label, low, high in (
            ("confidential_min_members", _("Hide a figure built from fewer members than"), 3, 100),
            ("confidential_max_share", _("Hide a figure where one member makes more than (%)"),
             1, 85),
            ("confidential_protection", _("Keep every hidden value uncertain by at least (%)"),
             10, 100),
            ("satisfaction_min_answers", _("Show a satisfaction figure from this many answers"),
             5, 100)):
        values[key] = st.number_input(label, min_value=low, max_value=high,
                                      value=int(current[key]), step=1, key=f"setting_{key}")
    values["show_member_names"] = int(st.checkbox(
        _("Show member names to funders in the cluster-life network and tables"),
        value=bool(current["show_member_names"]), key="setting_show_member_names",
        help=_("Off: a funder sees members as #1, #2, ... and by member type. Turn it on only "
               "if the members agreed to be named.")))
    saved = st.form_submit_button(_("Save"), type="primary")
if saved:
    try:
        result = store.set_settings(values, ui.user_name())
    except ValueError as exc:
        st.error(ui.error_text(exc))
    else:
        ui.flash(_("Nothing changed.") if result is None else
                 _("Saved (recorded as load {load}; undo it on the Submissions page).").format(
                     load=result.load_id))
        st.rerun()

# -- the funder's logo ---------------------------------------------------------------------
st.subheader(_("The funder's logo"))
st.caption(_("On the title page of the Word report (PNG or JPEG, at most 1 MB)."))
logo = store.logo()
if logo:
    st.image(logo, width=160)
    if st.button(_("Remove the logo"), key="remove_logo"):
        result = store.set_logo(None, "", ui.user_name())
        ui.flash(_("Saved (recorded as load {load}; undo it on the Submissions page).").format(
            load=result.load_id))
        st.rerun()
picture = st.file_uploader(_("A new logo"), type=["png", "jpg", "jpeg"], key="logo_upload")
if picture is not None and st.button(_("Use this logo"), key="save_logo"):
    try:
        result = store.set_logo(picture.getvalue(), ui.plain(picture.name), ui.user_name())
    except ValueError as exc:
        st.error(ui.error_text(exc))
    else:
        ui.flash(_("Saved (recorded as load {load}; undo it on the Submissions page).").format(
            load=result.load_id))
        st.rerun()

# -- the reference lists -----------------------------------------------------------------
st.header(_("Reference lists"))
st.write(_("The values files may use for a member's area, sector and type, each with its "
           "labels in English and French (a file may write the code or either label). Edit a "
           "list and save, import it from a spreadsheet, or rename a value. A value that stored "
           "figures use cannot be removed: rename it, or merge it into another value, and its "
           "rows move with it. Every save is one undoable entry of the history."))
lang = ui.lang()
TITLES = {c.name: ui.translate(c.label) for c in REFERENCE.columns}
for name, tab in zip(REFERENCE_LISTS, st.tabs([ui.translate(LIST_NAMES[n])
                                               for n in REFERENCE_LISTS]), strict=True):
    with tab:
        columns = list(reference.LIST_COLUMNS[name])
        rows = reference.stored_rows(store, name)
        used = reference.usage(store, name)
        frame = pd.DataFrame(rows, columns=columns)
        for flag in ("is_sme", "is_enterprise"):
            if flag in frame:
                frame[flag] = frame[flag] == "true"
        frame["rows"] = [used.get(c, 0) for c in frame["code"]]
        config = {c: st.column_config.TextColumn(TITLES[c], required=c in ("code", "label_en",
                                                                              "label_fr"))
                  for c in columns}
        if name == "sectors":
            config["egss_group"] = st.column_config.SelectboxColumn(
                TITLES["egss_group"], options=list(reference.EGSS_GROUPS))
        for flag in ("is_sme", "is_enterprise"):
            if flag in columns:
                config[flag] = st.column_config.CheckboxColumn(TITLES[flag], default=False)
        config["rows"] = st.column_config.NumberColumn(
            _("Stored rows"), disabled=True, help=_("Submission rows that use this value."))
        key = f"list_editor_{name}"
        edited = st.data_editor(frame, num_rows="dynamic", hide_index=True, key=key,
                                width="stretch", column_config=config)
        changed_codes = {i: e["code"] for i, e in st.session_state.get(key, {}).get(
            "edited_rows", {}).items() if "code" in e}
        renames = {str(frame["code"].iloc[int(i)]): str(new or "") for i, new in changed_codes.items()}
        records = edited.drop(columns="rows").to_dict("records")
        change = reference.plan(store, name, records, renames)
        if change.changes or not change.ok:
            st.caption(_("Saving will do: {change}").format(change=change.describe(lang)))
            for problem in change.problems:
                st.error(problem.describe(lang))
        if st.button(_("Save the list"), key=f"save_list_{name}", type="primary",
                     disabled=not (change.changes and change.ok)):
            try:
                reference.apply(store, change, ui.user_name())
            except ValueError as exc:
                st.error(ui.error_text(exc))
            else:
                st.session_state.pop(key, None)
                ui.flash(_("Saved: {change} (load {load}; undo it on the Submissions "
                           "page).").format(change=change.describe(lang), load=change.load_id))
                st.rerun()

        st.subheader(_("Rename or merge a value"))
        left, right = st.columns(2)
        old = left.selectbox(_("Value"), [r["code"] for r in rows], key=f"rename_old_{name}",
                             format_func=lambda c, u=used: f"{c} ({u.get(c, 0)})")
        new = right.text_input(_("New code (an existing code merges into it)"),
                               key=f"rename_new_{name}", max_chars=reference.MAX_CODE_LENGTH)
        if old and new.strip():
            preview = reference.rename(store, name, old, new, ui.user_name(), dry_run=True)
            st.caption(preview.describe(lang))
            for problem in preview.problems:
                st.error(problem.describe(lang))
            if st.button(_("Rename") if not preview.merged else _("Merge"),
                         key=f"rename_{name}", disabled=not preview.ok):
                done = reference.rename(store, name, old, new, ui.user_name())
                ui.flash(_("Saved: {change} (load {load}; undo it on the Submissions "
                           "page).").format(change=done.describe(lang), load=done.load_id))
                st.rerun()

        st.subheader(_("From a file"))
        down, up = st.columns(2)
        down.download_button(_("This list (CSV)"), reference.export_bytes(store, "csv", lang,
                                                                        (name,)),
                             f"{name}.csv", "text/csv", key=f"export_{name}", on_click="ignore")
        down.download_button(_("This list (Excel)"), reference.export_bytes(store, "xlsx", lang,
                                                                          (name,)),
                             f"{name}.xlsx", key=f"export_xlsx_{name}", on_click="ignore")
        upload = up.file_uploader(_("Replace this list from a file (CSV or Excel): code, English "
                                    "label, French label"), type=["csv", "xlsx", "txt"],
                                  key=f"import_{name}")
        if upload is not None:
            changes, problems = reference.read_file(store, upload.getvalue(), upload.name, name)
            found = [c for c in changes if c.name == name]
            others = [c.name for c in changes if c.name != name]
            if others:
                problems.append(Problem(_("The file also holds other lists ({lists}): import it "
                                          "with the command line, or one list at a time.")
                                        .format(lists=", ".join(others))))
            for problem in problems + [p for c in found for p in c.problems]:
                (st.error if problem.severity == "error" else st.warning)(problem.describe(lang))
            if found and found[0].ok and not problems:
                st.caption(_("Saving will do: {change}").format(change=found[0].describe(lang)))
                if st.button(_("Replace the list"), key=f"import_save_{name}", type="primary",
                             disabled=not found[0].changes):
                    reference.apply(store, found[0], ui.user_name())
                    ui.flash(_("Saved: {change} (load {load}; undo it on the Submissions "
                               "page).").format(change=found[0].describe(lang),
                                                load=found[0].load_id))
                    st.rerun()

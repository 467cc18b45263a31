"""Settings: the cluster's details (name, description, region, country, funder, currency)
and the settings the figures follow; one save is one undoable entry of the load history."""

import streamlit as st

import ui
from analytics.i18n import N_
from analytics.schema import CURRENCIES, MAX_SETTING_LENGTH
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

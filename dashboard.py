"""Streamlit entry point: sign-in, navigation by role, the shared sidebar filters.

Run with ``make run`` (or ``streamlit run dashboard.py``).

The page files live in ``app_pages/``, not ``pages/``: Streamlit takes a ``pages/``
folder beside the entry script for an old-style multipage app until ``st.navigation``
has run once, and then runs a requested page without this script, so without the
sidebar filters (seen in AppTest on every rerun, and possible for the first visitor of
a shared link after a restart).
"""

import streamlit as st

import ui
from analytics.access import PAGES
from analytics.i18n import N_

_ = ui._
ui.language()  # first: the sign-in form, the page names and the filters use it
st.set_page_config(page_title=_("Cluster indicators"), page_icon="🌿", layout="wide")

ALL_PAGES = {
    "overview": dict(title=N_("Overview"), icon="📊"),
    "my_figures": dict(title=N_("My figures"), icon="📈"),
    "sectors": dict(title=N_("Sectors"), icon="🌱"),
    "member_types": dict(title=N_("Member types"), icon="🏢"),
    "areas": dict(title=N_("Areas"), icon="🗺️"),
    "submissions": dict(title=N_("Submissions"), icon="📥"),
    "targets": dict(title=N_("Targets"), icon="🎯"),
    "data_quality": dict(title=N_("Data quality"), icon="🩺"),
    "export": dict(title=N_("Export"), icon="📦"),
}

me = ui.principal()  # stops here, showing only the sign-in form, until someone signs in
st.session_state["_principal"] = me
allowed = PAGES[me.role]
# url_path stays the file's name, so a shared link works in both languages
pages = st.navigation([st.Page(f"app_pages/{name}.py", default=(name == allowed[0]),
                               title=ui.translate(spec["title"]), icon=spec["icon"], url_path=name)
                       for name, spec in ALL_PAGES.items() if name in allowed])

if me.role != "member":
    ui.sidebar_filters()
if ui.store().shows_only_demo():
    st.info(_("You are looking at **demo data** for a fictional 30-member environmental "
              "cluster. Load your members' files on the Submissions page."), icon="ℹ️")
pages.run()

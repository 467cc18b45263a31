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
st.set_page_config(page_title=_("Cluster indicators"), page_icon=":material/eco:", layout="wide")

ALL_PAGES = {
    "overview": dict(title=N_("Overview"), icon=":material/monitoring:"),
    "my_figures": dict(title=N_("My figures"), icon=":material/trending_up:"),
    "sectors": dict(title=N_("Sectors"), icon=":material/eco:"),
    "member_types": dict(title=N_("Member types"), icon=":material/domain:"),
    "areas": dict(title=N_("Areas"), icon=":material/map:"),
    "cluster_life": dict(title=N_("Cluster life"), icon=":material/groups:"),
    "submissions": dict(title=N_("Send your figures"), icon=":material/upload_file:"),
    "targets": dict(title=N_("Targets"), icon=":material/flag:"),
    "data_quality": dict(title=N_("Data quality"), icon=":material/fact_check:"),
    "export": dict(title=N_("Export"), icon=":material/download:"),
    "settings": dict(title=N_("Settings"), icon=":material/settings:"),
    "clusters": dict(title=N_("Clusters"), icon=":material/hub:"),
}

#: The pages the sidebar filters change; elsewhere they are not drawn.
FILTERED_PAGES = ("overview", "sectors", "member_types", "areas", "cluster_life", "data_quality",
                  "export")

st.session_state["_run"] = st.session_state.get("_run", 0) + 1  # ui.page_state: once a run
ui.remember_requested_page()  # a shared link opened before sign-in: its page, for after it
signed_in = ui.principal()  # stops here, showing only the sign-in form, until someone signs in
me = ui.enter_cluster(signed_in)  # the user's role in the cluster of this run; stops if not theirs
st.session_state["_principal"], st.session_state["_signed_in"] = me, signed_in
ui.store().refresh_lists(ui.data_version())  # the lists, as another process may have changed them
allowed = PAGES[me.role]
if len(signed_in.cluster_roles()) > 1 and me.role in ("manager", "funder"):
    allowed = (*allowed, "clusters")  # comparing the clusters the user was given
# url_path stays the file's name, so a shared link works in both languages
#: a manager opens a member's page to see it as that member does
TITLES_FOR_MANAGER = {"my_figures": N_("A member's page"), "submissions": N_("Submissions")}
by_name = {name: st.Page(f"app_pages/{name}.py", default=(name == allowed[0]),
                         title=ui.translate(TITLES_FOR_MANAGER.get(name, ALL_PAGES[name]["title"])
                                            if me.role == "manager" else ALL_PAGES[name]["title"]),
                         icon=ALL_PAGES[name]["icon"], url_path=name)
           for name in allowed}
current = st.navigation(list(by_name.values()))
ui.go_to_requested_page(by_name, current)

if current.url_path in FILTERED_PAGES or (current.url_path == "" and allowed[0] in FILTERED_PAGES):
    ui.sidebar_filters()
if ui.page_state()["holds_demo"]:
    st.info(_("You are looking at **demo data** for a fictional 30-member environmental "
              "cluster. Load your members' files on the Submissions page (it offers to remove "
              "the demo data first).") if ui.page_state()["shows_only_demo"] else
            _("The figures include the **demo data** of a fictional cluster, mixed with yours. "
              "Remove it on the Submissions page (one step, undoable)."), icon=":material/info:")
st.session_state["_browser_hint_shown"] = False  # said once a page (ui.show_chart)
current.run()
ui.page_language()  # last: screen readers and spell checkers read the page in its language

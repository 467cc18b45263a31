"""Streamlit entry point: page set-up, navigation, the shared sidebar filters.

Run with ``make run`` (or ``streamlit run dashboard.py``).

The page files live in ``app_pages/``, not ``pages/``: Streamlit takes a ``pages/``
folder beside the entry script for an old-style multipage app until ``st.navigation``
has run once, and then runs a requested page without this script, so without the
sidebar filters (seen in AppTest on every rerun, and possible for the first visitor of
a shared link after a restart).
"""

import streamlit as st

import ui

st.set_page_config(page_title="Cluster indicators", page_icon="🌿", layout="wide")

pages = st.navigation([
    st.Page("app_pages/overview.py", title="Overview", icon="📊", default=True),
    st.Page("app_pages/sectors.py", title="Sectors", icon="🌱"),
    st.Page("app_pages/member_types.py", title="Member types", icon="🏢"),
    st.Page("app_pages/areas.py", title="Areas", icon="🗺️"),
    st.Page("app_pages/submissions.py", title="Submissions", icon="📥"),
    st.Page("app_pages/targets.py", title="Targets", icon="🎯"),
    st.Page("app_pages/data_quality.py", title="Data quality", icon="🩺"),
    st.Page("app_pages/export.py", title="Export", icon="📦"),
])

ui.sidebar_filters()
if ui.store().shows_only_demo():
    st.info("You are looking at **demo data** for a fictional 30-member environmental "
            "cluster. Load your members' files on the Submissions page.", icon="ℹ️")
pages.run()

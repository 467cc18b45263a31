"""Streamlit entry point: page set-up, navigation, the shared sidebar filters.

Run with ``make run`` (or ``streamlit run dashboard.py``).
"""

import streamlit as st

import ui

st.set_page_config(page_title="Cluster indicators", page_icon="🌿", layout="wide")

pages = st.navigation([
    st.Page("pages/overview.py", title="Overview", icon="📊", default=True),
    st.Page("pages/sectors.py", title="Sectors", icon="🌱"),
    st.Page("pages/member_types.py", title="Member types", icon="🏢"),
    st.Page("pages/areas.py", title="Areas", icon="🗺️"),
    st.Page("pages/submissions.py", title="Submissions", icon="📥"),
    st.Page("pages/data_quality.py", title="Data quality", icon="🩺"),
])

ui.sidebar_filters()
if ui.store().shows_only_demo():
    st.info("You are looking at **demo data** for a fictional 30-member environmental "
            "cluster. Load your members' files on the Submissions page.", icon="ℹ️")
pages.run()

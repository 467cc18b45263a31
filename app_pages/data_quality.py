"""Data quality: who has not submitted for which year, response rate, unusual changes."""

import streamlit as st

import ui
from analytics import charts, formatting
from analytics.quality import JUMP_WARNING, stored_jumps

ui.require("manager")
MAX_ROWS_SHOWN = 1_000  # longer lists are downloaded, not scrolled
MAX_GRID_MEMBERS = 200  # one line per member: beyond this the chart is unreadable
st.title("Data quality")
f = ui.filters()
ui.filter_caption(f)
yearly = ui.overview(f)["by_year"]
status = ui.member_status(f)
if status.empty:
    st.warning("No members match these filters.")
else:
    missing = status[status["status"] == "missing"]
    cols = st.columns(3)
    cols[0].metric("Missing submissions", len(missing),
                   help="Active members that sent nothing for a year: gaps, not zeros.")
    cols[1].metric("Lowest response rate", formatting.pct(yearly["response_rate"].min()))
    cols[2].metric("Members", status["member_id"].nunique())
    ui.show_chart(charts.response_rate(yearly), key="response_rate_by_year",
                  unit="share of active members")
    st.subheader("Missing submissions")
    if missing.empty:
        st.success("Every active member submitted for every year shown.")
    else:
        shown = missing[["member_id", "member_name", "year"]]
        if len(shown) > MAX_ROWS_SHOWN:
            st.caption(f"The first {MAX_ROWS_SHOWN:,} of {len(shown):,} missing submissions; "
                       "download the full list below.")
        st.dataframe(shown.head(MAX_ROWS_SHOWN), hide_index=True, key="missing")
        st.download_button("Missing submissions (CSV)", shown.to_csv(index=False).encode("utf-8-sig"),
                           "missing_submissions.csv", "text/csv", key="download_missing",
                           on_click="ignore")
    members = status["member_id"].nunique()
    with st.expander("Who submitted for which year", expanded=False):
        if members <= MAX_GRID_MEMBERS:
            ui.show_chart(charts.submission_grid(status), key="submission_grid")
        else:
            st.write(f"The grid is drawn for up to {MAX_GRID_MEMBERS} members; narrow the "
                     f"filters ({members:,} members now).")
st.subheader("Unusual changes")
jumps = stored_jumps(ui.store(), f)
if jumps.empty:
    st.write(f"No member's jobs or turnover moved by more than {JUMP_WARNING:.0%} in a year.")
else:
    st.write(f"Jobs or turnover that moved by more than {JUMP_WARNING:.0%} from one year to "
             "the next; worth a check with the member.")
    st.dataframe(jumps, hide_index=True, key="jumps")

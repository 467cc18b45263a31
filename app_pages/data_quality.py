"""Data quality: who has not submitted for which year, response rate, unusual changes."""

import streamlit as st

import ui
from analytics import charts, export, kpis
from analytics.i18n import N_
from analytics.quality import JUMP_WARNING, stored_jumps
from analytics.schema import SUBMISSIONS
from ui import _

ui.require("manager")
MAX_ROWS_SHOWN = 1_000  # longer lists are downloaded, not scrolled
MAX_GRID_MEMBERS = 200  # one line per member: beyond this the chart is unreadable
TITLES = {**{c: SUBMISSIONS.column(c).label for c in ("member_id", "member_name", "year")},
          "prev_year": N_("Year before"), "measure": N_("Indicator"), "value": N_("Value"),
          "prev_value": N_("Value the year before"), "change": N_("Change"),
          "estimated": N_("Estimated")}
st.title(_("Data quality"))
lang = ui.lang()
f = ui.filters()
ui.filter_caption(f)
yearly = ui.overview(f)["by_year"]
status = ui.member_status(f)
if status.empty:
    st.warning(_("No members match these filters."))
else:
    # a non-response stays a non-response in the estimated view; it says which were estimated
    missing = status[status["status"].isin(["missing", "missing (estimated)"])].assign(
        estimated=lambda t: t["status"] == "missing (estimated)")
    outside = status[status["status"] == "submitted (not a member)"]
    cols = st.columns(4)
    cols[0].metric(_("Missing submissions"), ui.fmt_number(len(missing)),
                   help=_("Active members that sent nothing for a year: gaps, not zeros."))
    cols[1].metric(_("Lowest response rate"), ui.fmt_pct(yearly["response_rate"].min()),
                   help=_("Active members that reported / active members."))
    cols[2].metric(_("Members"), ui.fmt_number(status["member_id"].nunique()))
    cols[3].metric(_("Rows from non-members"), ui.fmt_number(len(outside)),
                   help=_("Submissions for a year in which the member list says the organisation "
                          "was not a member: counted in the totals, not in the response rate."))
    ui.show_chart(charts.response_rate(yearly, lang=lang), key="response_rate_by_year",
                  unit=N_("share of active members"))
    st.subheader(_("Missing submissions"))
    if missing.empty:
        st.success(_("Every active member submitted for every year shown."))
    else:
        if f.estimated:
            st.caption(_("Estimated view: {count} of these gaps are filled with the member's "
                         "last reported values (column Estimated).").format(
                count=ui.fmt_number(int(missing["estimated"].sum()))))
        shown = missing[["member_id", "member_name", "year",
                         *(["estimated"] if f.estimated else [])]].assign(
            **({"estimated": lambda t: [_("yes") if e else _("no") for e in t["estimated"]]}
               if f.estimated else {}))
        named = shown.rename(columns={k: _(v) for k, v in TITLES.items()})
        if len(shown) > MAX_ROWS_SHOWN:
            st.caption(_("The first {shown} of {total} missing submissions; download the full "
                         "list below.").format(shown=ui.fmt_number(MAX_ROWS_SHOWN),
                                               total=ui.fmt_number(len(shown))))
        st.dataframe(named.head(MAX_ROWS_SHOWN), hide_index=True, key="missing")
        st.download_button(_("Missing submissions (CSV)"),
                           export.table_csv(named, lang),
                           export.file_stem(_("missing submissions"), f) + ".csv", "text/csv",
                           key="download_missing", on_click="ignore")
    members = status["member_id"].nunique()
    with st.expander(_("Who submitted for which year"), expanded=False):
        if members <= MAX_GRID_MEMBERS:
            ui.show_chart(charts.submission_grid(status, lang=lang), key="submission_grid")
        else:
            st.write(_("The grid is drawn for up to {limit} members; narrow the filters "
                       "({count} members now).").format(limit=MAX_GRID_MEMBERS,
                                                        count=ui.fmt_number(members)))
st.subheader(_("Unusual changes"))
jumps = stored_jumps(ui.store(), f)
limit = ui.fmt_pct(JUMP_WARNING, 0)
if jumps.empty:
    st.write(_("No member's jobs or turnover moved by more than {limit} in a year.").format(
        limit=limit))
else:
    st.write(_("Jobs or turnover that moved by more than {limit} from one year to the next; "
               "worth a check with the member.").format(limit=limit))
    jumps = jumps.assign(measure=[kpis.INDICATORS[m].name(lang) for m in jumps["measure"]],
                         change=[ui.fmt_pct(c, 0, signed=True) for c in jumps["change"]])
    st.dataframe(jumps.rename(columns={k: _(v) for k, v in TITLES.items()}), hide_index=True,
                 key="jumps")

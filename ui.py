"""Streamlit glue shared by the pages: the store, the sidebar filters, cached results.

Pages call these helpers and ``analytics``; they never build SQL or open the database.
Cached results are keyed by the data version (number of loads), so a load or an undo
shows at once while a filter seen before is served from the cache.
"""

from __future__ import annotations

import functools
import os
import secrets
import time
from dataclasses import replace
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import (
    access,
    charts,
    collection,
    disclosure,
    export,
    federation,
    formatting,
    growth,
    i18n,
    kpis,
    publication,
    report,
    schema,
)
from analytics.filters import DIMENSION_FIELDS, FILTER_NAMES, Filters
from analytics.i18n import N_
from analytics.ingest import load_demo
from analytics.schema import VOCABULARY_OF_DIMENSION, vocabulary
from analytics.store import DEFAULT_CLUSTER, Store, default_cluster, default_db_path

CONFIDENTIAL = N_("confidential")
ROLE_NAMES = (N_("manager"), N_("funder"), N_("member"))  # shown as "Signed in as … (role)"


# -- language -------------------------------------------------------------------------------
def language() -> str:
    """Draw the language switch (top of the sidebar) and return the language, kept in the
    URL as ``?lang=fr`` so a shared link keeps it. Without one, the browser's language.

    Design note: the switch is not bound with ``bind="query-params"`` because a bound
    widget writes its *label* to the URL ('Français'), and ``?lang=fr`` would be dropped as
    invalid. It must run before the filters: their labels in the URL are in this language.
    """
    if "lang" not in st.session_state:
        st.session_state["lang"] = i18n.normalise(st.query_params.get("lang") or st.context.locale)
    choice = st.sidebar.segmented_control(
        "Language / Langue", list(i18n.LANGUAGES), format_func=i18n.LANGUAGES.get,
        key="lang", label_visibility="collapsed")
    lang = i18n.normalise(choice or st.context.locale)
    previous = st.session_state.get("_lang")
    if previous is not None and previous != lang and "_filters" in st.session_state:
        # the browser sends the filters back as labels of the old language: give them the
        # codes chosen before the switch, so switching language keeps the view
        for dim in FILTER_NAMES:
            st.session_state[dim] = list(st.session_state["_filters"].selected(dim))
    st.session_state["_lang"] = lang
    st.query_params["lang"] = lang
    return lang


#: Names every chart for screen readers: its drawing (``svg.main-svg``, not the whole plot,
#: whose modebar buttons must stay reachable) becomes an image named by the title and the
#: one-line summary ``show_chart`` keeps in the figure's ``meta``; charts drawn later too.
_LABEL_CHARTS = """
const label = () => doc.querySelectorAll('.js-plotly-plot').forEach(plot => {
  const meta = (plot._fullLayout || {}).meta || {};
  const svg = plot.querySelector('svg.main-svg');
  const name = [meta.title, meta.summary].filter(Boolean).join('. ').replace(/<br>/g, ' ');
  if (svg && name && svg.getAttribute('aria-label') !== name) {
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', name);
  }
});
label();
new MutationObserver(label).observe(doc.body, {childList: true, subtree: true});
"""


def page_language() -> None:
    """Set ``<html lang>`` to the chosen language (Streamlit leaves it 'en') and name the
    charts for screen readers: a script in a one-pixel frame of the same origin, drawn at
    the foot of the sidebar."""
    code = i18n.normalise(lang())  # one of ours ('en', 'fr'), never text from a request
    with st.sidebar:
        st.iframe(f"<script>const doc = window.parent.document;\n"
                  f"doc.documentElement.lang = '{code}';\n{_LABEL_CHARTS}</script>", height=1)


def lang() -> str:
    return st.session_state.get("_lang", i18n.DEFAULT)


def _(message: str) -> str:
    """``message`` in the page's language (see ``analytics/i18n.py``)."""
    return i18n.gettext(message, lang())


#: ``_`` for a text held in a variable (an ``N_`` constant); ``_("…")`` is kept for literal
#: texts, which ``make messages`` collects from the code.
translate = _


def fmt_eur(value: float | None, compact: bool = True) -> str:
    return formatting.eur(value, compact, lang())


def fmt_number(value: float | None, decimals: int = 0) -> str:
    return formatting.number(value, decimals, lang())


def fmt_pct(value: float | None, decimals: int = 1, signed: bool = False) -> str:
    return formatting.pct(value, decimals, signed, lang())


@st.cache_resource(show_spinner=False)
def _store(path: str) -> Store:
    store = Store(path)
    # the demo only when asked (``make run`` asks: a fresh clone is a demo) and only into an
    # empty database, so that demo and real figures never mix
    if os.environ.get("CLUSTER_DEMO") == "1" and store.is_new():
        print(f"Preparing the database {path} with the demo data (first start)...", flush=True)
        with st.spinner(_("Preparing the database with the demo data (first start)…")):
            load_demo(store)
        print("Database ready.", flush=True)
    return store


def store() -> Store:
    return _store(address())


# -- which cluster ------------------------------------------------------------------------
def cluster() -> str:
    """The cluster this run serves (``enter_cluster`` chose it)."""
    return st.session_state.get("_cluster", default_cluster())


def address() -> str:
    """The database and the cluster of this run: what every cached result is keyed by, so
    that two clusters never share one."""
    code, path = cluster(), default_db_path()
    return path if code == DEFAULT_CLUSTER else f"{path}#{code}"


@st.cache_data(ttl=30, show_spinner=False)
def _clusters(path: str) -> list[str]:
    return _store(path).clusters()


@st.cache_data(ttl=30, show_spinner=False)
def cluster_names(path: str, codes: tuple[str, ...]) -> dict[str, str]:
    """The names of these clusters as their settings give them (the code when none), in
    the database's order."""
    there = [c for c in _clusters(path) if c in codes]
    names = _store(path).cluster_names(there)
    return {c: names[c] for c in there}


@st.cache_data(max_entries=1024, show_spinner=False)
def _cluster_row(path: str, code: str, version: tuple[int, int], role: str, lang: str) -> dict:
    return federation.cluster_row(_store(path if code == DEFAULT_CLUSTER else f"{path}#{code}"),
                                  role, lang)


def clusters_table(roles: dict[str, str]) -> pd.DataFrame:
    """``federation.compare`` of these clusters, each line cached by its data version (a
    load into one cluster computes that line again, not the others). A funder's line whose
    cluster's protected publication is not built yet says so, and it is built in the
    background (minutes for a large cluster: the page does not wait for it)."""
    path, rows = default_db_path(), []
    with schema.thread_lists_kept():  # this run's cluster's lists for the rest of the page
        for code, role in roles.items():
            store = _store(path if code == DEFAULT_CLUSTER else f"{path}#{code}")
            if role != "manager" and not publication.ready(store):
                rows.append(federation.preparing_row(store))
            else:
                rows.append(_cluster_row(path, code, store.data_version(), role, lang()))
    return pd.DataFrame(rows, columns=list(federation.COLUMNS))


def enter_cluster(base: access.Principal) -> access.Principal:
    """Choose the cluster of this run: the address's ``cluster``, else the user's first.
    A cluster the user was not given stops the page (``Principal.in_cluster``), whatever
    the address says; with several, the sidebar offers them (bound to the address)."""
    mine = [c for c in base.cluster_roles() if c in _clusters(default_db_path())]
    requested = st.query_params.get("cluster")
    if requested is not None and requested not in mine:
        try:
            base.in_cluster(requested)
            st.error(_("There is no cluster '{code}'.").format(code=requested))
        except PermissionError:
            st.error(_("You have no access to the cluster '{code}'.").format(code=requested))
        st.stop()
    if not mine:
        st.error(_("Your account has no access to this dashboard. Ask the cluster manager."))
        st.stop()
    chosen = requested or mine[0]
    if len(mine) > 1:
        names = cluster_names(default_db_path(), tuple(mine))
        chosen = st.sidebar.selectbox(_("Cluster"), mine, index=mine.index(chosen),
                                      format_func=lambda c: names.get(c, c), key="cluster")
        st.query_params["cluster"] = chosen
    elif "cluster" in st.query_params and chosen == DEFAULT_CLUSTER:
        del st.query_params["cluster"]
    st.session_state["_cluster"] = chosen
    return base.in_cluster(chosen)


def page_state() -> dict[str, Any]:
    """``Store.page_state`` once a run (``dashboard.py`` counts the runs in ``_run``), read
    again after any write of this process; outside a counted run, every call reads it."""
    run = st.session_state.get("_run")
    key = (run, Store.writes, address())
    memo = st.session_state.get("_page_state")
    if run is None or memo is None or memo[0] != key:
        memo = (key, store().page_state())
        if run is not None:
            st.session_state["_page_state"] = memo
    return memo[1]


def data_version() -> tuple[int, int]:
    return page_state()["data_version"]


def setting(key: str) -> int:
    """A numeric cluster setting, as this run read it."""
    return page_state()["settings"][key]


@st.cache_data(max_entries=256, show_spinner=False)
def _resolved(path: str, version: tuple[int, int], filters: Filters) -> Filters:
    return collection.resolve(_store(path), filters, _campaign(path, version))


def resolved(filters: Filters) -> Filters:
    """``collection.resolve`` of these filters (cached per data version)."""
    return _resolved(address(), data_version(), filters)


# -- who is signed in -------------------------------------------------------------------
def remember_requested_page() -> None:
    """The page and filters of the address the visitor opened, kept before the sign-in
    form replaces the page, so that a shared link lands where it points once signed in."""
    if "_requested" in st.session_state:
        return
    from urllib.parse import urlsplit

    # st.context.url has no query (and may have lost the page: st.navigation then still
    # opens it from the address); the query comes from st.query_params
    page = urlsplit(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1]
    query = [(k, v) for k in st.query_params for v in st.query_params.get_all(k) if k != "lang"]
    st.session_state["_requested"] = (page, query)


def go_to_requested_page(pages: dict[str, Any], current: Any) -> None:
    """After a sign-in, open the page of the link the visitor came with, with its filters
    (the sign-in runs drop them from the address), once."""
    page, query = st.session_state.get("_requested", ("", []))
    st.session_state["_requested"] = ("", [])
    if not st.session_state.get("_signed_in_late") or not (page in pages or query):
        return
    params: dict[str, list[str]] = {}
    for key, value in query:
        params.setdefault(key, []).append(value)
    if page in pages and current.url_path != page:
        st.switch_page(pages[page], query_params=params)
    for key, values in params.items():
        if key not in st.query_params:
            st.query_params[key] = values


def principal() -> access.Principal:
    """The signed-in user, checked on the server on every run. Without a sign-in file:
    the local manager. With one and nobody signed in: only the sign-in form renders."""
    config = access.load_config()
    if config is None:
        return access.LOCAL_MANAGER
    _expire_idle(config)
    if (config.get("credentials") or {}).get("usernames"):
        import streamlit_authenticator as stauth

        cookie = config.get("cookie") or {}
        cookie_name, cookie_key = cookie.get("name", "cluster_auth"), cookie.get("key", "change-me")
        users = config["credentials"]["usernames"]
        for name, user in users.items():  # failures are counted by the server process
            user["failed_login_attempts"] = access.THROTTLE.failures(name)
        auth = stauth.Authenticate(config["credentials"], cookie_name, cookie_key,
                                   cookie.get("expiry_days", 1))
        _secure_cookie(auth)
        limit = access.idle_limit(config)
        if not st.session_state.get("authentication_status"):
            # the library signs a browser in from its cookie alone: only while the server
            # knows the cookie's session as open and recently active (access.Sessions)
            offered = access.session_of_cookie(st.context.cookies.get(cookie_name), cookie_key)
            if offered is not None and access.SESSIONS.touch(offered, limit):
                st.session_state["_session"] = offered
            else:
                st.session_state["logout"] = True  # the library's "ignore the cookie"
                st.session_state.pop("_session", None)
        try:
            auth.login(location="main", key="sign_in", max_login_attempts=access.THROTTLE.limit,
                       fields={"Form name": _("Sign in"), "Username": _("Username"),
                               "Password": _("Password"), "Login": _("Sign in")})
        except stauth.LoginError:
            st.error(_("Too many failed sign-in attempts for this user name. Try again in "
                       "{minutes} minutes.").format(minutes=round(access.THROTTLE.lockout / 60)))
            st.stop()
        for name, user in users.items():
            time.sleep(access.THROTTLE.record(name, user.get("failed_login_attempts", 0)))
        status = st.session_state.get("authentication_status")
        if status:
            session = st.session_state.get("_session")
            if session is None:  # signed in with the form just now: a new session
                session = access.session_id(st.session_state["username"],
                                            auth.cookie_controller.cookie_model.exp_date
                                            or secrets.token_hex(16))
                access.SESSIONS.open(session)
                st.session_state["_session"] = session
            elif not access.SESSIONS.touch(session, limit):
                # idle for too long, or signed out elsewhere (another tab, a copied cookie)
                for key in ("authentication_status", "username", "name", "_session"):
                    st.session_state.pop(key, None)
                st.session_state["logout"] = True
                st.rerun()
            me = access.from_username(config, st.session_state["username"])
            if me is not None:
                with st.sidebar:
                    st.caption(_("Signed in as {name} ({role})").format(name=me.name,
                                                                          role=_(me.role)))
                    auth.logout(_("Sign out"), location="sidebar", key="sign_out",
                                callback=lambda _event: access.SESSIONS.close(session))
                if st.session_state.get("authentication_status"):
                    return me
                st.session_state.pop("_session", None)
                st.info(_("You are signed out."))
                st.button(_("Sign in again"), key="sign_in_again")
                st.stop()
        elif status is False:
            st.error(_("Wrong username or password."))
    st.session_state["_signed_in_late"] = True  # the form is shown: a sign-in follows
    if config.get("oidc_users"):
        if st.user.get("is_logged_in"):
            me = access.from_email(config, st.user.get("email"))
            if me is None:
                st.error(_("Your account has no access to this dashboard. Ask the cluster "
                           "manager."))
                st.button(_("Sign out"), on_click=st.logout, key="oidc_sign_out_denied")
                st.stop()
            st.sidebar.caption(_("Signed in as {name} ({role})").format(name=me.name,
                                                                        role=_(me.role)))
            st.sidebar.button(_("Sign out"), on_click=st.logout, key="oidc_sign_out")
            return me
        st.button(_("Sign in with your organisation's account"), on_click=st.login,
                  key="oidc_sign_in")
    st.stop()
    raise AssertionError("unreachable")


def _secure_cookie(auth: Any) -> None:
    """The sign-in cookie is written by JavaScript (the library's design), so it cannot be
    HttpOnly; it is SameSite=Strict (the cookie component's default) and, when the page is
    served over HTTPS, Secure."""
    proto = st.context.headers.get("X-Forwarded-Proto", "")
    if (st.context.url or "").startswith("https:") or proto.lower() == "https":
        manager = auth.cookie_controller.cookie_model.cookie_manager
        manager.set = functools.partial(manager.set, secure=True, same_site="strict")


def _expire_idle(config: dict) -> None:
    """Sign out a session left idle for longer than session_minutes (this browser tab;
    across reloads, ``access.Sessions`` holds the limit)."""
    limit = access.idle_limit(config)
    now = time.time()
    last = st.session_state.get("_last_seen")
    st.session_state["_last_seen"] = now
    if last is not None and now - last > limit:
        for key in ("authentication_status", "username", "name"):
            st.session_state.pop(key, None)
        if st.user.get("is_logged_in"):
            st.logout()


def me() -> access.Principal:
    return st.session_state.get("_principal", access.LOCAL_MANAGER)


def require(*roles: str) -> access.Principal:
    """Stop the page unless the signed-in user has one of these roles (server-side check)."""
    who = me()
    if who.role not in roles:
        st.error(_("This page is not available with your access rights."))
        st.stop()
    return who


# -- cached, role-aware results -----------------------------------------------------------
@st.cache_data(max_entries=128, show_spinner=False)
def _overview(path: str, version: tuple[int, int], filters: Filters, protect: bool,
              medians: bool = False) -> dict[str, Any]:
    result = kpis.overview(_store(path), filters, medians=medians)
    return disclosure.protect_overview(_store(path), filters, result) if protect else result


def overview(filters: Filters, medians: bool = False) -> dict[str, Any]:
    """KPIs for the filters; after disclosure control for anyone but a manager. Medians
    (a pass over every row) only when asked for: the exports have them."""
    with st.spinner(_(COMPUTING)):  # words, not grey bars, when it takes over half a second
        return _overview(address(), data_version(), filters, not me().sees_members,
                         medians)


@st.cache_data(max_entries=64, show_spinner=False)
def _growth(path: str, version: tuple[int, int], filters: Filters, protect: bool) -> dict[str, Any]:
    store = _store(path)
    return {**growth.bundle(store, filters, protect),
            "high_growth": growth.high_growth_enterprises(store, filters)}


def growth_results(filters: Filters) -> dict[str, Any]:
    """Decomposition, membership flows, high-growth enterprises and targets, cached."""
    with st.spinner(_(COMPUTING)):
        return _growth(address(), data_version(), filters, not me().sees_members)


#: What a page says while its indicators are computed (st.spinner shows it after 0.5 s).
COMPUTING = N_("Computing the indicators…")


@st.cache_data(max_entries=32, show_spinner=False)
def _member_status(path: str, version: tuple[int, int], filters: Filters) -> pd.DataFrame:
    return kpis.member_status(_store(path), filters)


def member_status(filters: Filters) -> pd.DataFrame:
    return _member_status(address(), data_version(), filters)


@st.cache_data(max_entries=8, show_spinner=False)
def _years(path: str, version: tuple[int, int]) -> tuple[int, int] | None:
    return kpis.data_years(_store(path))


@st.cache_data(max_entries=8, show_spinner=False)
def _campaign(path: str, version: tuple[int, int]) -> list[collection.Year]:
    return collection.years(_store(path))


def campaign() -> list[collection.Year]:
    """Every year's collection status (cached per data version)."""
    return _campaign(address(), data_version())


def provisional_rows(f: Filters) -> pd.DataFrame:
    """By-year rows of the years still collecting after the filters' last year, to draw
    apart (hatched) in the by-year charts; never used as the latest year."""
    later = [y.year for y in campaign() if y.provisional and f.year_to is not None
             and y.year > f.year_to]
    if not later:
        return pd.DataFrame()
    rows = overview(replace(f, year_from=min(later), year_to=max(later)))["by_year"]
    return rows[rows["year"].isin(later)]


def sidebar_filters() -> Filters:
    """Draw the shared filters in the sidebar, bound to the URL; return them as Filters."""
    sidebar = st.sidebar
    sidebar.header(_("Filters"))
    years = _years(address(), data_version())
    year_from = year_to = None
    if years and years[0] < years[1]:
        # by default the period ends at the last closed year of the collection: a year still
        # collecting is shown apart and only read as the latest when picked here
        # ... and starts at the cluster's baseline year when it set one (Settings page)
        default = resolved(Filters())
        end = default.year_to or years[1]
        start = min(max(default.year_from or years[0], years[0]), end)
        year_from, year_to = sidebar.slider(_("Years"), years[0], years[1], (start, end),
                                            step=1, key="years", bind="query-params",
                                            help=_("Baseline is the first year, latest the last. "
                                                   "A year still collecting is provisional: it "
                                                   "is the latest only when you pick it."))
    chosen: dict[str, list[str]] = {}
    # funders and members see one dimension's selections at a time (what is published):
    # once one is chosen, the others are not offered
    picked = [d for d in FILTER_NAMES if st.session_state.get(d) or st.query_params.get_all(d)] \
        if not me().sees_members else []
    for dim, label in FILTER_NAMES.items():
        # the options are codes, and so are the values in the URL (a link made in English
        # opens in French); a bound widget would write its labels there, hence by hand
        voc = vocabulary(VOCABULARY_OF_DIMENSION[dim])
        if dim not in st.session_state:
            st.session_state[dim] = _codes_from_url(dim)
        closed = bool(picked) and dim not in picked
        chosen[dim] = sidebar.multiselect(
            _(label), voc.codes, format_func=lambda c, voc=voc: voc.label(c, lang()), key=dim,
            placeholder=_("All"), disabled=closed,
            help=_("Figures are published for one filter at a time: clear the other filter to "
                   "use this one.") if closed else None)
        if chosen[dim]:
            st.query_params[dim] = list(chosen[dim])
        elif dim in st.query_params:
            del st.query_params[dim]
    for notice in st.session_state.get("_url_notices", []):
        sidebar.warning(notice.render(lang()), icon=":material/warning:")
    estimated = sidebar.toggle(
        _("Estimate missing submissions"), key="estimated", bind="query-params",
        help=_("Fill a member's missing year with its last reported values (at most {years} "
               "years back). Estimated values are marked everywhere.").format(
            years=setting("carry_forward_years")))
    as_reported = sidebar.toggle(
        _("Classify by each year's submission"), key="as_reported", bind="query-params",
        help=_("Off: a member's latest type, sector and area apply to all its years. On: each "
               "year's own, as the member reported it that year (a member that outgrew SME "
               "status stays an SME in its earlier years)."))
    filters = resolved(Filters(
        year_from, year_to, tuple(chosen["member_type"]), tuple(chosen["sector"]),
        tuple(chosen["area"]), estimated=estimated,
        classification="reported" if as_reported else "current"))
    if not me().sees_members and publication.scope(filters) is None:
        sidebar.warning(_("Figures are published for the whole cluster or for one filter at a "
                          "time (member types, sectors or areas): a selection combining two "
                          "could single out members, so its figures read confidential."))
    sidebar.caption(_("The filters are in the page address: copy it to share this view."))
    st.session_state["_filters"] = filters
    return filters


def _codes_from_url(dim: str) -> list[str]:
    """A filter's values in the address, as codes (labels in either language accepted, for
    links made before); an unknown value is dropped with a notice in the sidebar."""
    built, notices = Filters.build(**{DIMENSION_FIELDS[dim]: st.query_params.get_all(dim)})
    st.session_state.setdefault("_url_notices", []).extend(notices)
    return list(built.selected(dim))


def filters() -> Filters:
    return st.session_state.get("_filters", Filters())


@st.cache_data(max_entries=32, show_spinner=False)
def _export_context(path: str, version: tuple[int, int], filters: Filters,
                    lang: str) -> export.ExportContext:
    return report.context(_store(path), filters, lang=lang)


def export_context() -> export.ExportContext:
    return _export_context(address(), data_version(), filters(), lang())


def show_chart(fig: go.Figure, key: str, unit: str = "") -> None:
    """Our template, not Streamlit's theme, so the screen matches exported files; under
    the chart, PNG/SVG/PDF downloads rendered on the server only when clicked. A chart
    with nothing to draw (every value hidden, or none reported) says so instead of drawing
    empty axes."""
    if not charts.has_data(fig):
        title = fig.layout.title.text or ""
        if me().sees_members:
            text = _("{chart}: no reported values for this selection.")
        else:
            rules = publication.Rules.of(store())
            text = _("{chart}: the figures for this selection are confidential (fewer than "
                     "{count} members, or one member makes most of them).").replace(
                "{count}", str(rules.min_units))
        st.info(text.format(chart=plain(title.split("<br>")[0])), icon=":material/lock:"
                if not me().sees_members else None)
        return
    ctx = export_context()
    stem = export.chart_stem(fig, ctx.shown)
    # on screen the title is text above the chart: it wraps on a phone, and the modebar
    # never covers it; the figure keeps it in ``meta`` (exports draw it inside the image)
    title = fig.layout.title.text or ""
    meta = dict(fig.layout.meta) if isinstance(fig.layout.meta, dict) else {}
    if meta.get("finding"):  # what happened first, what the chart is under it
        st.markdown(f"**{plain(meta['finding'])}**")
        st.caption(plain(title.replace("<br>", " ")))
    else:
        st.markdown(f"**{plain(title.replace('<br>', ' '))}**")
    summary = charts.summary_line(fig, unit, lang())  # with the title, its accessible name
    fig = go.Figure(fig).update_layout(title_text="", meta={**meta, "title": title,
                                                            "summary": summary},
                                       margin=dict(t=24))
    st.plotly_chart(fig, theme=None, key=key, config={
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "scale": 2, "filename": stem},
    })
    if export.find_browser() is None:
        if not st.session_state.get("_browser_hint_shown"):  # once a page
            st.session_state["_browser_hint_shown"] = True
            st.caption("ℹ️ " + _(export.INSTALL_HINT))
        return
    menu = st.popover(_("Download"), icon=":material/download:", key=f"{key}_downloads")
    for fmt in export.MIME:
        menu.download_button(
            fmt.upper(), data=lambda fmt=fmt: export.render(export.annotate(fig, ctx, unit), fmt),
            file_name=f"{stem}.{fmt}", mime=export.MIME[fmt], key=f"{key}_{fmt}",
            on_click="ignore", icon=":material/download:",
            help=_("Download this chart as {format}").format(format=fmt.upper()))


def flash(text: str) -> None:
    """A confirmation shown once, at the top of the page, after the rerun that follows an
    action (a load, an undo, a closed year)."""
    st.session_state.setdefault("_flash", []).append(text)


def show_flash() -> None:
    for text in st.session_state.pop("_flash", []):
        st.success(text, icon=":material/check_circle:")


def fmt_date(value) -> str:
    return formatting.date(value, lang())


STATUSES = {collection.COLLECTING: N_("collecting"), collection.CLOSED: N_("closed")}


def campaign_table(years: list[collection.Year]) -> pd.DataFrame:
    """Every year's collection, for reading."""
    return pd.DataFrame({
        _("Year"): [str(y.year) for y in years],
        _("Status"): [translate(STATUSES[y.status]) for y in years],
        _("Response rate"): [fmt_pct(y.response_rate, 0) for y in years],
        _("Members that sent figures"): [f"{y.responded} / {y.expected}" for y in years],
        _("Deadline"): [fmt_date(y.deadline) if y.deadline else "" for y in years]})


#: How many problems of a check report are written out on the page; all are in the download.
PROBLEMS_SHOWN = 30


def problems_list(report) -> None:
    """A check report's problems grouped (the same mistake on many rows is one line with
    its row ranges, errors first) and bounded whatever the file; every problem in a CSV."""
    from analytics.checks import bounded_lines

    lines, left_out = bounded_lines(report.problems, lang())
    lines = lines[:PROBLEMS_SHOWN]
    box = st.container(border=True, height=min(420, 40 + 28 * len(lines)))
    box.markdown("\n".join(f"- {plain(line)}" for line in lines))
    if report.problem_count > len(lines):
        st.caption(_("{shown} kinds of problem shown, {count} problems in all: download the "
                     "whole list.").format(shown=len(lines), count=report.problem_count))
    frame = report.problems_frame(lang())
    frame = frame.astype(object).where(frame.notna(), "")  # an empty cell, never 'None'
    st.download_button(_("Check report (CSV)"), frame.to_csv(index=False).encode("utf-8"),
                       file_name=export.file_stem(_("check report"), Filters()) + ".csv",
                       mime="text/csv", key="problems_csv")
    with st.expander(_("As a table")):
        st.dataframe(frame.head(1000), hide_index=True, key="problems",
                     column_config={frame.columns[-1]: st.column_config.TextColumn(width="large")})


def filter_caption(f: Filters) -> None:
    """What the page shows, and a warning when the period holds a year still collecting."""
    st.caption(_("Showing: {filters}").format(filters=f.describe(lang())))
    shown = collection.within(campaign(), f)
    if shown:
        st.warning(collection.warning_for(shown).render(lang()), icon=":material/warning:")


def no_data() -> bool:
    """Say so when the filters leave nothing; True if there is nothing to show."""
    if page_state()["is_empty"]:  # a new database: say how to start, offer the demo to try it
        if me().role == "manager":
            first_run()
        else:
            st.info(_("No figures yet: the cluster's manager has not loaded any."),
                    icon=":material/waving_hand:")
        return True
    data = overview(filters())["by_year"]
    if data.empty or data["members"].sum() == 0:
        st.warning(_("No submissions match these filters. Widen the filters in the sidebar."))
        return True
    return False


def first_run() -> None:
    """A new database, for its manager: the four steps from nothing to the first figures
    (name the cluster, check its lists, the template, the first file); the demo one click
    away, as long as no figure was loaded."""
    from analytics.templates import template_csv, template_xlsx

    current = store()
    st.subheader(_("Set up your cluster"))
    name = current.text_setting("cluster_name")
    st.markdown("**1. " + _("Name your cluster") + "**" + (f" — ✓ {name}" if name else ""))
    with st.form("first_run_name", border=False):
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        typed = left.text_input(_("Cluster name"), value=name, key="first_run_cluster_name")
        if right.form_submit_button(_("Save")) and typed.strip():
            current.set_settings({"cluster_name": typed}, user_name())
            st.rerun()
    st.caption(_("The region, country, funder and the rest are on the Settings page."))
    lists = current.reference_lists()
    st.markdown("**2. " + _("Check your reference lists") + "**")
    st.write(_("Files say where each member is, its sector and its type with these values: "
               "{areas} areas ({some}…), {sectors} sectors, {types} member types. Replace "
               "them with your own (a spreadsheet of codes and labels) on the Settings page.")
             .format(areas=len(lists["areas"].rows), sectors=len(lists["sectors"].rows),
                     types=len(lists["member_types"].rows),
                     some=", ".join(lists["areas"].label(c, lang())
                                    for c in lists["areas"].codes[:3])))
    st.page_link("app_pages/settings.py", label=_("Settings: the cluster and its lists"),
                 icon=":material/settings:")
    st.markdown("**3. " + _("Download the template") + "**")
    st.write(_("The columns your members' files need; the Excel one has drop-down lists of "
               "your values."))
    c1, c2, _c = st.columns([1, 1, 2])
    c1.download_button(_("Template (CSV)"), template_csv(lang()), "template.csv", "text/csv",
                       key="first_run_template_csv", on_click="ignore")
    c2.download_button(_("Template (Excel)"), template_xlsx(lang()), "template.xlsx",
                       key="first_run_template_xlsx", on_click="ignore")
    st.markdown("**4. " + _("Load your member list and your first file") + "**")
    st.page_link("app_pages/submissions.py", label=_("Submissions: check and load files"),
                 icon=":material/upload_file:")
    if not current.holds_data():
        st.divider()
        st.caption(_("Or look around first, with a fictional 30-member cluster's figures, "
                     "marked as demo everywhere and removed in one step before your first "
                     "load."))
        if st.button(_("Try the dashboard on demo data"), key="load_demo"):
            with st.spinner(_("Preparing the database with the demo data (first start)…")):
                try:
                    load_demo(current)
                except ValueError as exc:
                    st.error(error_text(exc))
                    return
            st.rerun()


def formatted_table(frame: pd.DataFrame, dimension: str | None = None) -> Any:
    """The indicators of ``frame`` as a table to read: numbers stay numbers (they sort as
    numbers and align right), written by a Styler with their unit and separators, and
    'confidential' in a cell disclosure control hid; codes shown as labels."""
    cols = ["year", *([dimension] if dimension else []), "turnover_eur", "jobs", "members",
            "active_members", "response_rate", "turnover_per_job", "export_share", "rd_intensity"]
    out = frame[cols].copy()
    if dimension:
        out[dimension] = [charts.dimension_label(dimension, c, lang()) for c in out[dimension]]
    out["year"] = out["year"].astype(str)
    hidden = list(frame["confidential"]) if "confidential" in frame.columns else [()] * len(frame)
    titles = {c: export.column_title(c, lang()) for c in cols}
    masks: dict[str, pd.Series] = {}
    for key in cols:
        if key in kpis.INDICATORS:
            mask = pd.Series([key in h for h in hidden], index=out.index)
            out[key] = pd.to_numeric(out[key], errors="coerce").astype(float).mask(mask)
            masks[titles[key]] = mask
    out = out.rename(columns=titles)
    styler = out.style
    for key, title in titles.items():
        if title not in masks:
            continue
        unit = kpis.INDICATORS[key].unit

        def write(v: float, unit: str = unit, key: str = key) -> str:
            return fmt_pct(v) if key == "response_rate" else formatting.by_unit(v, unit, lang())
        styler = styler.format(write, subset=[title], na_rep="–")
        if masks[title].any():
            styler = styler.format(write, subset=(masks[title].to_numpy(), [title]),
                                   na_rep=_(CONFIDENTIAL))
    return styler


def shown(value: float | None, unit: str, hidden: bool = False) -> str:
    """A value for a card: 'confidential' when disclosure control hid it, never a blank."""
    if hidden or (pd.isna(value) and not me().sees_members):
        return _(CONFIDENTIAL)
    return formatting.by_unit(value, unit, lang())


def breakdown_page(dimension: str, title: str) -> None:
    """The Sectors / Member types / Areas pages: one layout, one dimension."""
    st.title(_(title))
    f = filters()
    filter_caption(f)
    if no_data():
        return
    result = overview(f)
    if dimension == "sector":
        names = {"sector": _("Sectors"),
                 "sector_group": _("Protection vs resource management (CEPA / CReMA)")}
        level = st.segmented_control(_("Level"), list(names), default="sector",
                                     key="sector_level", format_func=names.get) or "sector"
        dimension = level
    frame = result[f"by_{dimension}"]
    if not me().sees_members and disclosure.breakdown_selection(f, dimension) is None:
        st.info(_("A breakdown inside a filtered selection is not published: it could single out "
                  "members. Clear the filters of the other dimensions to see it."))
        return
    measure = st.segmented_control(_("Measure"), ["turnover_eur", "jobs"], default="turnover_eur",
                                   format_func=lambda k: kpis.INDICATORS[k].name(lang()),
                                   key=f"{dimension}_measure") or "turnover_eur"
    unit = kpis.INDICATORS[measure].unit
    totals = None if me().sees_members else result["by_year"]
    groups = frame[dimension].nunique(dropna=False)
    every = groups > charts.TOP_GROUPS + 1 and st.toggle(
        _("Every group ({count})").format(count=groups), key=f"{dimension}_every",
        help=_("By default the chart shows the {top} largest groups and the others together.")
        .format(top=charts.TOP_GROUPS))
    show_chart(charts.stacked(frame, dimension, measure, totals=totals, lang=lang(),
                              top=None if every else charts.TOP_GROUPS),
               key=f"{measure}_by_{dimension}", unit=unit)
    latest = int(result["by_year"]["year"].max())
    share_unit = N_("share of turnover") if measure == "turnover_eur" else N_("share of jobs")
    show_chart(charts.shares(frame, dimension, measure, latest, totals=totals, lang=lang()),
               key=f"{measure}_share_by_{dimension}_{latest}", unit=share_unit)
    with st.expander(_("Table"), expanded=False):
        st.dataframe(formatted_table(frame, dimension), hide_index=True)


def user_name() -> str:
    """Who is acting, for the load history."""
    who = me()
    return who.username or who.name


def decomposition_table(decomposition: dict[str, Any], measure: str) -> pd.DataFrame:
    """The annual parts of a change, written for reading: a year nobody reported reads
    '–' (no data) for every role; a part disclosure control hid reads 'confidential'."""
    table = growth.annual_table(decomposition)
    no_data = [bool(a.get("no_data")) for a in decomposition["annual"]]
    unit = kpis.INDICATORS[measure].unit
    titles = i18n.translated(report.DECOMPOSITION_TITLES, lang())
    out = pd.DataFrame({titles["year"]: table["year"].astype(str)})
    for col in growth.ANNUAL_MONEY:
        out[titles[col]] = [formatting.MISSING if gap else shown(None if pd.isna(v) else v, unit)
                            for v, gap in zip(table[col], no_data, strict=True)]
    out[titles["like_for_like_rate"]] = [fmt_pct(v, signed=True) for v in table["like_for_like_rate"]]
    index = {i["year"]: i["index"] for i in decomposition["index"]}
    out[titles["like_for_like_index"]] = [fmt_number(index.get(y), 1) for y in table["year"]]
    return out


def flows_table(flows: pd.DataFrame) -> pd.DataFrame:
    titles = i18n.translated(report.FLOW_TITLES, lang())
    return pd.DataFrame({titles["year"]: flows["year"].astype(str),
                         titles["active_members"]: flows["active_members"],
                         titles["joined"]: flows["joined"], titles["left"]: flows["left"],
                         titles["retention_rate"]: [fmt_pct(v) for v in flows["retention_rate"]]})


def error_text(exc: BaseException) -> str:
    """An exception's message in the page's language (our errors carry a Message)."""
    return i18n.error_text(exc, lang())


def plain(text: str) -> str:
    """Text from users (file or member names) made inert for Markdown labels and messages."""
    import re

    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$])", r"\\\1", str(text))


# -- cluster life (issue 17) -------------------------------------------------------------------
@st.cache_data(max_entries=32, show_spinner=False)
def _satisfaction(path: str, version: tuple[int, int], filters: Filters, protect: bool
                  ) -> dict[str, Any]:
    from analytics import satisfaction

    store = _store(path)
    yearly = satisfaction.by_year(store, filters, protect=protect)
    latest = int(yearly["year"].max()) if not yearly.empty else None
    return {"by_year": yearly, "latest": latest,
            "by_member_type": satisfaction.by_member_type(store, filters, protect=protect),
            "distribution": None if latest is None else
            satisfaction.distribution(store, latest, filters, protect=protect)}


def satisfaction_results(filters: Filters) -> dict[str, Any]:
    """The members' satisfaction for the filters, protected for anyone but a manager."""
    with st.spinner(_(COMPUTING)):
        return _satisfaction(address(), data_version(), filters, not me().sees_members)


@st.cache_data(max_entries=32, show_spinner=False)
def _cluster_life(path: str, version: tuple[int, int], filters: Filters, protect: bool,
                  names: bool, lang: str) -> dict[str, Any]:
    from analytics import cluster_life

    store = _store(path)
    rec = cluster_life.records(store, filters)  # read once for the figures and the tables
    yearly = cluster_life.by_year(store, filters, protect=protect, rec=rec)
    latest = int(yearly["year"].max()) if not yearly.empty else None
    return {"by_year": yearly, "latest": latest,
            "groups": cluster_life.group_table(store, filters, names=names, lang=lang, rec=rec),
            "projects": cluster_life.project_table(store, filters, names=names, lang=lang,
                                                   rec=rec),
            "by_member_type": None if latest is None else
            cluster_life.participation_by_member_type(store, latest, filters, rec=rec)}


@st.cache_data(max_entries=32, show_spinner=False)
def _network(path: str, version: tuple[int, int], filters: Filters, year: int, names: bool
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    from analytics import cluster_life

    return cluster_life.network_frames(_store(path), year, filters, names=names)


def names_shown() -> bool:
    """Member names on the cluster-life page: the cluster's team, or a funder when the
    manager turned them on (``show_member_names``)."""
    return me().sees_members or bool(setting("show_member_names"))


def cluster_life_results(filters: Filters) -> dict[str, Any]:
    """The cluster's life for the filters: satisfaction protected and names left out for
    anyone but the cluster's team (unless the manager turned names on)."""
    with st.spinner(_(COMPUTING)):
        return _cluster_life(address(), data_version(), filters, not me().sees_members,
                             names_shown(), lang())


def network_results(filters: Filters, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    with st.spinner(_(COMPUTING)):
        return _network(address(), data_version(), filters, year, names_shown())

"""The report pack for the funder: standard charts, KPI tables, methodology, the report as
Word and PDF (one list of blocks, :func:`report_blocks`, written to both).

``build_pack`` writes everything into one ZIP; the page and ``python -m analytics report``
both call it, with a progress callback for their progress bar / progress line.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from . import charts, collection, disclosure, formatting, growth, kpis, publication, targets
from . import cluster_life as life_module
from .export import (
    INSTALL_HINT,
    BrowserMissing,
    ExportContext,
    annotate,
    file_name,
    file_stem,
    find_browser,
    kpi_tables,
    render,
    render_many,
    table_csv,
    tables_xlsx,
    titled,
)
from .filters import Filters
from .i18n import DEFAULT, LOCALES, N_, _l, gettext, translated, translator
from .schema import TARGETS, vocabulary
from .store import Store

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Chart:
    name: str  # file name stem: the chart's title, in the report's language
    fig: go.Figure
    unit: str
    caption: str


def standard_charts(result: dict, extra: dict | None = None, protect: bool = False,
                    lang: str = DEFAULT) -> list[Chart]:
    """The report's charts, from one overview() result and, if given, a growth.bundle()."""
    yearly, growth = result["by_year"], result["growth"]
    latest = int(yearly["year"].max())
    totals = yearly if protect else None
    specs = [
        (charts.trend(yearly, "turnover_eur", lang=lang), "EUR"),
        (charts.trend(yearly, "jobs", lang=lang), "FTE"),
        (charts.baseline_vs_latest(growth, "turnover_eur", lang=lang), "EUR"),
        (charts.baseline_vs_latest(growth, "jobs", lang=lang), "FTE"),
        (charts.stacked(result["by_sector"], "sector", "turnover_eur", totals=totals, lang=lang), "EUR"),
        (charts.stacked(result["by_sector"], "sector", "jobs", totals=totals, lang=lang), "FTE"),
        (charts.shares(result["by_sector"], "sector", "turnover_eur", latest, totals=totals,
                       lang=lang),
         N_("share of turnover")),
        (charts.stacked(result["by_member_type"], "member_type", "turnover_eur", totals=totals,
                        lang=lang), "EUR"),
        (charts.stacked(result["by_member_type"], "member_type", "jobs", totals=totals, lang=lang),
         "FTE"),
        (charts.response_rate(yearly, lang=lang), N_("share of active members")),
    ]
    if extra:
        for measure in kpis.GROWTH_MEASURES:
            part = extra["decomposition"][measure]["period"]
            if part is not None and part["like_for_like"] is not None:
                specs.append((charts.waterfall(part, measure, lang=lang), kpis.INDICATORS[measure].unit))
        specs.append((charts.membership_flows(extra["flows"], lang=lang), "members"))
        for measure in kpis.GROWTH_MEASURES:
            if extra["targets_in_scope"] and (extra["targets"]["indicator"] == measure).any():
                specs.append((charts.against_targets(yearly, extra["targets"], measure, lang=lang),
                              kpis.INDICATORS[measure].unit))
    life = (extra or {}).get("cluster_life")
    if life is not None and not life.empty:
        specs += [(charts.life_activity(life, lang), "members"),
                  (charts.life_participation(life, lang), N_("share of active members")),
                  (charts.life_projects(life, lang), "members")]
        if extra.get("network") is not None:  # type: ignore[union-attr]
            nodes, edges, year = extra["network"]  # type: ignore[index]
            specs.append((charts.collaboration_network(nodes, edges, year, lang), "members"))
        if life["staff_fte"].notna().any():
            specs.append((charts.funding_mix(life, lang), N_("share of income")))
    return [Chart(file_stem(fig.layout.title.text, Filters()), fig, unit, fig.layout.title.text)
            for fig, unit in specs if charts.has_data(fig)]  # an all-hidden chart is left out


CLUSTER_NAMES = {"demo": N_("Demo eco-business cluster (fictional)"), "default": N_("Business cluster")}


def context(store: Store, filters: Filters, cluster: str | None = None,
            lang: str = DEFAULT) -> ExportContext:
    store.refresh_lists()  # labels and captions in this database's lists
    known = collection.years(store)  # read once for the period and the provisional years
    filters = collection.resolve(store, filters, known)
    loaded = store.last_loaded()
    _ = translator(lang)
    name = cluster or store.text_setting("cluster_name") or gettext(
        CLUSTER_NAMES["demo" if store.shows_only_demo() else "default"], lang)
    years = kpis.data_years(store)
    if years:
        years = (filters.year_from or years[0], filters.year_to or years[1])
    shown = collection.within(known, filters)
    provisional = "; ".join(f"{y.year}: {collection.responded_text(y, lang)}" for y in shown)
    details = [store.text_setting(k) for k in ("region", "country")]
    rules = publication.Rules.of(store)
    return ExportContext(filters, loaded.date() if loaded else None, name, years, lang,
                         store.setting("carry_forward_years"), provisional,
                         tuple(y.year for y in shown), store.text_setting("description"),
                         " · ".join(d for d in details if d), store.text_setting("funder_name"),
                         (rules.min_units, rules.dominance, rules.protection), store.logo())


METHOD_HEADINGS = (N_("Indicators"), N_("Growth"), N_("Rules"), N_("Cluster life"))


def methodology(result: dict, ctx: ExportContext) -> str:
    """How every number was computed, for the annex of the contract report, in the
    context's language."""
    lang = ctx.lang
    _ = translator(lang)
    yearly, g = result["by_year"], result["growth"]["turnover_eur"]
    last = yearly[yearly["year"] == g["latest_year"]]
    reported = _("{members} of {active} active members reported for {year} (response rate "
                 "{rate})").format(members=int(last["members"].iloc[0]),
                                   active=int(last["active_members"].iloc[0]), year=g["latest_year"],
                                   rate=formatting.pct(last["response_rate"].iloc[0], lang=lang)) \
        if not last.empty else _("no data")
    years = ctx.carry_years
    estimation = (
        _("Estimated view: a member that did not report for a year while a member is given its "
          "last reported values, for at most {years} years; estimated values are marked in "
          "every chart and table.").format(years=years) if ctx.filters.estimated else
        _("Reported view (default): only values members reported; a missing submission is a "
          "gap, not a zero. An estimated view (last reported values carried forward for at most "
          "{years} years) is available and marked as such.").format(years=years))
    lines = [
        _("Methodology — {cluster}").format(cluster=ctx.cluster),
        "",
        _("Filters: {filters}").format(filters=ctx.filters_text),
        *([_("Provisional figures: {years}. A year still collecting is incomplete: its totals "
             "are not comparable with closed years.").format(years=ctx.provisional)]
          if ctx.provisional else []),
        _("Baseline year: {start}; latest year: {end}").format(start=g["baseline_year"],
                                                               end=g["latest_year"]),
        _("Data as of: {date} (date of the last load of members' submissions)").format(
            date=ctx.data_date),
        _("Members reporting: {reported}").format(reported=reported),
        estimation,
        "",
        _(METHOD_HEADINGS[0]),
    ]
    for ind in kpis.INDICATORS.values():
        lines.append(f"- {ind.name(lang)} ({kpis.unit_name(ind.unit, lang)}): {ind.explain(lang)}")
    lines += [
        "- " + _("Jobs created (gross): the sum of the job gains of members whose jobs grew "
                 "since the year before (Davis–Haltiwanger job creation by expanding units); "
                 "losses are not netted out; a new member's workforce and a member reporting "
                 "again after a gap are not creations. This is not the ERDF indicator RCR01."),
        "- " + _("High-growth enterprises (Eurostat, Commission Implementing Regulation (EU) "
                 "2020/1197): enterprises (member types flagged as enterprises in the reference "
                 "list) with at least {jobs} employees {years} years earlier and average "
                 "annualised employment growth greater than {growth} since; exactly {growth} "
                 "per year is not high growth. Jobs in full-time equivalents stand in for "
                 "employees.").format(
            jobs=growth.HGE_MIN_JOBS, years=growth.HGE_YEARS,
            growth=formatting.pct(growth.HGE_MIN_GROWTH, 0, lang=lang)),
        "- " + _("Active members: members in the year, from the year they joined until the year "
                 "they left; response rate = active members that reported / active members. A "
                 "submission from a member for a year it was not a member counts in the totals "
                 "and is listed as a non-member row, not in the response rate."),
        "",
        _(METHOD_HEADINGS[1]),
        "- " + _("Change = latest value - baseline value; change (%) = change / baseline. The "
                 "baseline and latest years are the first and last of the selected years (of "
                 "the data when none are selected), for growth and decomposition alike; a year "
                 "in which nobody reported the measure gives no change (never a change from "
                 "or to zero)."),
        "- " + _("Compound annual growth rate (CAGR) = (latest / baseline)^(1 / years) - 1, where "
                 "years = latest year - baseline year."),
        "- " + _("Totals are sums over the members that reported in each year: they grow both "
                 "because members grow and because members join."),
        "- " + _("Decomposition: total change = like-for-like change (members with a value in "
                 "both years) + joiners (members that were not members the earlier year) - "
                 "leavers (members that are no longer members the later year) + reporting "
                 "changes (members that did not report one of the two years while members: "
                 "their value counts in when they report again, out when they stop); the parts "
                 "add up exactly. Like-for-like growth = continuing members' total in the later "
                 "year / their total in the earlier year - 1; the chained like-for-like index "
                 "multiplies the annual like-for-like ratios (100 in the first year with "
                 "values); a year nobody reported is skipped, the next year linked to the last "
                 "year with values."),
        "- " + _("Progress to target = (latest - baseline) / (target - baseline); without a "
                 "baseline, the first year's value is the baseline. A target below its "
                 "baseline (energy, emissions) is met by going down. Targets are set for the "
                 "whole cluster: under a member type, sector or area filter they are not "
                 "compared."),
        "",
        _(METHOD_HEADINGS[2]),
        "- " + _("A value a member did not report is missing, never zero: it is left out of sums "
                 "and ratios and counted as missing."),
        "- " + (_("A member's type, sector and area are those of each year's own submission "
                  "(classification as reported each year; a year without one takes the last "
                  "one reported before it).") if ctx.filters.classification == "reported" else
                _("A member's type, sector and area are those of its latest submission and "
                  "apply to all its years (current classification).")),
        "- " + _("Medians over an even number of members are the mean of the two middle values, "
                 "rounded half-even to the cent."),
        "- " + _("Figures are stored as members sent them, to the cent (money) and to 0.01 FTE "
                 "(jobs): a value that differs from a cent only by a spreadsheet's or a "
                 "script's floating-point noise (less than a millionth of it) is that cent; a "
                 "value with more decimals is rounded half to even, and the check report says "
                 "which rows. Cells marked 'not available' (-, n/a, :, s, ..) are not reported, "
                 "never zero; numbers in scientific notation (1.2E+07) are read as the number "
                 "they stand for."),
        "- " + _("Ratios (turnover per job, export share, R&D intensity) are ratios of sums over "
                 "the members that reported both parts."),
        "- " + _("Confidentiality: figures shown to funders and members leave out every cell "
                 "built from fewer than {units} members or where one member makes more than "
                 "{share} of it, and further cells chosen by an audit: a linear-programming "
                 "solver, given every published figure (all tables, years, views, ratios and "
                 "growth parts), must not pin down any member's value or hidden cell within "
                 "{protection}, even for a member who knows its own figures; such cells read "
                 "'confidential'. Medians and gross job creation are not shown to funders.").format(
            units=ctx.rules[0], share=formatting.pct(ctx.rules[1], 0, lang=lang),
            protection=formatting.pct(ctx.rules[2], 0, lang=lang)),
        "- " + _("Sectors are the cluster's own list, each mapped to a Eurostat EGSS class (CEPA "
                 "for environmental protection, CReMA for resource management)."),
        "",
        _(METHOD_HEADINGS[3]),
        *("- " + line for line in life_methodology(lang)),
    ]
    return "\n".join(lines) + "\n"


def life_methodology(lang: str = DEFAULT) -> list[str]:
    """The definitions of the cluster-life indicators (``cluster_life.py``), one per line."""
    _ = translator(lang)
    return [
        _("Working groups: a group is active from its first to its last year (included); it is "
          "led by a member when a member company leads it. A member takes part in a year when "
          "it is on the group's list that year or leads it; the share is over the year's "
          "active members."),
        _("Activities count in the year of their date, with their participants from members "
          "and from outside. Working groups, activities and the cluster organisation are the "
          "cluster's own: member filters do not change them."),
        _("Collaborative projects: each project is counted once, whatever its number of "
          "partners; it runs from its start year to its end year (open-ended while none is "
          "given). Partners per project counts member and outside partners. Budget and public "
          "funding are those of the projects started in the year."),
        _("Co-opetition: the share of running projects with two member partners of the same "
          "sector (competitors); mixed projects: the share with member partners of two member "
          "types or more (e.g. an SME and a lab)."),
        _("Collaboration network: members are linked when they share a running project or a "
          "working group in the year; density = links / possible links among the year's "
          "active members (networkx). A member has a partner when it shares a running project "
          "with another member."),
        _("Cluster organisation: its staff in full-time equivalents, its budget, and each "
          "source's share of its income (membership fees, public funding, services sold, "
          "other income)."),
        _("Satisfaction: the members' answers (0 to 10) of the year; Net Promoter Score = % "
          "promoters (9-10) - % detractors (0-6); response rate = answers / active members. "
          "Funders see a figure only from the cluster's minimum number of answers, never a "
          "comment, and no member name in the network or the tables unless the manager turned "
          "names on; members' sizes are shown as EU size classes."),
    ]


def summary_rows(result: dict, lang: str = DEFAULT) -> list[tuple[str, str, str, str, str, str]]:
    """Indicator, baseline, latest, change, change %, CAGR: the KPI table of the report."""
    _ = translator(lang)
    rows = []
    for key, g in result["growth"].items():
        unit = kpis.INDICATORS[key].unit
        fmt = (lambda v: formatting.eur(v, lang=lang)) if unit == "EUR" else \
            (lambda v, u=unit: formatting.by_unit(v, u, lang))
        rows.append((f"{kpis.INDICATORS[key].name(lang)} ({kpis.unit_name(unit, lang)})",
                     f"{fmt(g['baseline'])} ({g['baseline_year']})",
                     f"{fmt(g['latest'])} ({g['latest_year']})", fmt(g["change"]),
                     formatting.pct(g["pct"], signed=True, lang=lang),
                     formatting.pct(g["cagr"], lang=lang)))
    yearly = result["by_year"]
    first, last = yearly.iloc[0], yearly.iloc[-1]
    for key in ("members", "turnover_per_job", "export_share", "rd_intensity"):
        unit = kpis.INDICATORS[key].unit
        rows.append((kpis.INDICATORS[key].name(lang),
                     f"{formatting.by_unit(first[key], unit, lang)} ({int(first['year'])})",
                     f"{formatting.by_unit(last[key], unit, lang)} ({int(last['year'])})", "", "", ""))
    rows.append((_("Response rate"),
                 f"{formatting.pct(first['response_rate'], lang=lang)} ({int(first['year'])})",
                 f"{formatting.pct(last['response_rate'], lang=lang)} ({int(last['year'])})",
                 "", "", ""))
    return rows


DECOMPOSITION_TITLES = {
    "year": N_("Year"), "like_for_like": N_("Like-for-like"), "joiners": N_("Joiners"),
    "leavers": N_("Leavers"), "reporting_changes": N_("Reporting changes"),
    "change": N_("Total change"), "like_for_like_rate": N_("Like-for-like growth"),
    "created": N_("Gross creation (growing members)"),
    "joining_members": N_("Joining members"), "leaving_members": N_("Leaving members"),
    "reporting_in_members": N_("Members reporting again"),
    "reporting_out_members": N_("Members not reporting"),
    "like_for_like_index": N_("Chained index")}
FLOW_TITLES = {"year": N_("Year"), "active_members": N_("Active members"), "joined": N_("Joined"),
               "left": N_("Left"), "retention_rate": N_("Retention rate")}
#: The targets table's columns are those of a targets file: one set of labels (schema.py).
TARGET_TITLES = {c.name: c.label for c in TARGETS.columns}


def growth_tables(extra: dict, lang: str = DEFAULT) -> dict:
    """Decomposition per year, membership flows and targets, as report tables."""
    import pandas as pd

    _ = translator(lang)

    out = {}
    for measure in kpis.GROWTH_MEASURES:
        table = growth.annual_table(extra["decomposition"][measure])
        index = {i["year"]: i["index"] for i in extra["decomposition"][measure]["index"]}
        table["like_for_like_index"] = [index.get(y) for y in table["year"]]
        money = "#,##0" if measure == "jobs" else '#,##0 "€"'
        out[f"decomposition_{measure.removesuffix('_eur')}"] = titled(
            table, translated(DECOMPOSITION_TITLES, lang),
            {**dict.fromkeys(growth.ANNUAL_MONEY, money),
             "like_for_like_rate": "0.0%", "like_for_like_index": "0.0"})
    out["membership"] = titled(extra["flows"], translated(FLOW_TITLES, lang), {"retention_rate": "0.0%"})
    targets_frame = pd.DataFrame(extra["targets"])
    if "indicator" in targets_frame.columns:
        kinds = vocabulary("target_kinds")
        targets_frame["indicator"] = [kpis.INDICATORS[i].name(lang) if i in kpis.INDICATORS else i
                                      for i in targets_frame["indicator"]]
        targets_frame["kind"] = [kinds.label(k, lang) for k in targets_frame["kind"]]
    out["targets"] = titled(targets_frame, translated(TARGET_TITLES, lang), {})
    return out


def _part_text(value, unit: str, lang: str, sign: str = "", no_data: bool = False) -> str:
    """A part of a change: '–' when a year has no value, 'confidential' when hidden."""
    if value is None:
        return formatting.MISSING if no_data else translator(lang)("confidential")
    return sign + formatting.by_unit(float(value), unit, lang)


@dataclass(frozen=True)
class Block:
    """One piece of the report, written to Word and to HTML (then PDF) alike: a heading
    (``level``), a paragraph (``style``: '', 'Title', 'Subtitle', 'Caption', 'List Bullet'),
    a table (``header`` and ``rows``) or an image (``image`` with its ``alt`` text)."""

    kind: str  # 'heading', 'paragraph', 'table', 'image', 'page_break'
    text: str = ""
    level: int = 1
    style: str = ""
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    image: bytes | None = None
    alt: str = ""
    height_cm: float | None = None


def executive_summary(result: dict, ctx: ExportContext, extra: dict | None = None) -> str:
    """One paragraph from the figures: baseline -> latest for turnover and jobs, where the
    change came from, the targets, the response rate. A hidden figure is left out."""
    _ = translator(ctx.lang)
    lang = ctx.lang
    sentences = []
    for key, up, down in (
            ("turnover_eur", N_("Between {start} and {end}, the members' turnover grew from "
                                "{before} to {after} ({change})."),
             N_("Between {start} and {end}, the members' turnover fell from {before} to "
                "{after} ({change}).")),
            ("jobs", N_("Their jobs went up from {before} to {after} FTE ({change})."),
             N_("Their jobs went down from {before} to {after} FTE ({change})."))):
        g = result["growth"][key]
        if g["baseline"] is None or g["latest"] is None:
            continue
        unit = kpis.INDICATORS[key].unit
        show = (lambda v, u=unit: formatting.eur(v, lang=lang)) if unit == "EUR" else \
            (lambda v: formatting.number(v, 0 if float(v).is_integer() else 1, lang=lang))
        message = up if g["latest"] >= g["baseline"] else down
        sentences.append(_(message).format(
            start=g["baseline_year"], end=g["latest_year"], before=show(g["baseline"]),
            after=show(g["latest"]), change=formatting.pct(g["pct"], signed=True, lang=lang)))
    if extra is not None:
        part = extra["decomposition"]["turnover_eur"]["period"]
        if part is not None and part.get("like_for_like") is not None and part["change"]:
            sentences.append(_(
                "Of the change in turnover, {like} came from members present in both years, "
                "{joiners} from members that joined and −{leavers} from members that left.")
                .format(like=formatting.eur(part["like_for_like"], lang=lang),
                        joiners=formatting.eur(part["joiners"], lang=lang),
                        leavers=formatting.eur(part["leavers"], lang=lang)))
        for p in targets.progress(result["by_year"], extra["targets"], lang, ctx.filters):
            if p["in_scope"] and p["target"] is not None and p["target_progress"] is not None:
                sentences.append(_("{indicator}: {progress} of the way from the baseline to the "
                                   "{year} target ({target}).").format(
                    indicator=p["label"], progress=formatting.pct(p["target_progress"], 0,
                                                                  lang=lang),
                    year=p["target_year"], target=formatting.by_unit(p["target"], p["unit"], lang)))
    last = result["by_year"].iloc[-1]
    if last["active_members"]:
        sentences.append(_("{rate} of the active members reported for {year} ({responded} of "
                           "{active}).").format(
            rate=formatting.pct(last["response_rate"], 0, lang=lang), year=int(last["year"]),
            responded=int(last["responded"]), active=int(last["active_members"])))
    if ctx.provisional:
        sentences.append(_("Provisional: {years}.").format(years=ctx.provisional))
    return " ".join(sentences) or _("The figures of this selection are confidential.")


def life_blocks(yearly: pd.DataFrame, lang: str) -> list[Block]:
    """The report's 'Cluster life' section: the cluster's working groups, activities,
    projects, co-opetition, network and organisation by year."""
    _ = translator(lang)

    def count(value: object) -> str:
        return "–" if value is None or pd.isna(value) else formatting.number(float(value), 0, lang)

    def share(value: object) -> str:
        return "–" if value is None or pd.isna(value) else formatting.pct(value, 0, lang=lang)
    rows = tuple((
        str(int(r["year"])),
        f"{count(r['working_groups_active'])} ({count(r['working_groups_led_by_members'])})",
        share(r["members_in_working_groups_share"]), count(r["activities"]),
        f"{count(r['projects_started'])} / {count(r['projects_running'])}",
        share(r["coopetition_share"]), share(r["network_density"]),
        "–" if pd.isna(r["staff_fte"]) else formatting.number(r["staff_fte"], 1, lang),
        share(r["public_funding_share"]))
        for r in yearly.to_dict("records"))
    return [Block("heading", _("Cluster life"), level=1),
            Block("paragraph", _(
                "What the cluster does beside what its members make: working groups led by "
                "member companies, activities, collaborative projects (co-opetition: "
                "competitors working together), the collaboration network and the cluster "
                "organisation. The methodology defines each figure.")),
            Block("table", header=(
                _("Year"), _("Working groups (led by members)"), _("Members in a working group"),
                _("Activities"), _("Projects started / running"), _("Co-opetition"),
                _("Network density"), _("Cluster staff (FTE)"), _("Public funding share")),
                rows=rows)]


def satisfaction_blocks(yearly: pd.DataFrame, minimum: int | None, protected: bool,
                        lang: str) -> list[Block]:
    """The report's 'Cluster life' part: the members' satisfaction by year (a figure from
    too few answers says confidential in a funder's report; comments are never in it)."""
    _ = translator(lang)
    yearly = yearly[yearly["satisfaction_responses"].notna()]
    if yearly.empty:
        return []
    confidential = _("confidential")

    def said(value: object, text: str) -> str:
        return confidential if value is None or pd.isna(value) else text
    rows = tuple((str(int(r["year"])), str(int(r["satisfaction_responses"])),
                  "–" if pd.isna(r["satisfaction_response_rate"]) else
                  formatting.pct(r["satisfaction_response_rate"], 0, lang=lang),
                  said(r["satisfaction_mean"], formatting.number(r["satisfaction_mean"], 1, lang)
                       if pd.notna(r["satisfaction_mean"]) else ""),
                  said(r["nps"], f"{r['nps']:+.0f}" if pd.notna(r["nps"]) else ""))
                 for r in yearly.to_dict("records"))
    text = _("Each year the members say how likely they are to recommend the cluster (0 to "
             "10). The Net Promoter Score is the share of promoters (9-10) minus the share of "
             "detractors (0-6), from -100 to +100.")
    if protected and minimum:
        text += " " + _("Figures from fewer than {count} answers are confidential.").format(
            count=minimum)
    return [Block("heading", _("Members' satisfaction"), level=2),
            Block("paragraph", text),
            Block("table", header=(_("Year"), _("Answers"), _("Response rate"), _("Mean (0-10)"),
                                   _("Net Promoter Score")), rows=rows)]


def report_blocks(result: dict, ctx: ExportContext, images: dict[str, bytes],
                  chart_list: list[Chart], extra: dict | None = None) -> list[Block]:
    """The report, in the context's language: cover, summary, KPI table, targets, where
    the growth came from, captioned charts (each with its alt text), methodology."""
    lang = ctx.lang
    _ = translator(lang)
    confidential = _("confidential")
    blocks: list[Block] = []
    if ctx.logo:  # checked when it was stored (Store.set_logo)
        blocks.append(Block("image", image=ctx.logo, alt=ctx.funder or _("Logo"), height_cm=2.5))
    blocks.append(Block("paragraph", ctx.cluster, style="Title"))
    blocks.append(Block("paragraph", _("Cluster indicators report"), style="Subtitle"))
    if ctx.years:
        blocks.append(Block("paragraph", f"{ctx.years[0]}–{ctx.years[1]}", style="Subtitle"))
    blocks += [Block("paragraph", line) for line in (ctx.description, ctx.place) if line]
    if ctx.funder:
        blocks.append(Block("paragraph", _("Prepared for {funder}").format(funder=ctx.funder)))
    blocks.append(Block("paragraph", _("Filters: {filters}").format(filters=ctx.filters_text)))
    blocks.append(Block("paragraph", _("Data as of {date} · Report generated on {today}").format(
        date=ctx.data_date, today=formatting.date(dt.date.today(), lang))))
    blocks.append(Block("page_break"))

    blocks.append(Block("heading", _("Summary"), level=1))
    blocks.append(Block("paragraph", executive_summary(result, ctx, extra)))
    blocks.append(Block("heading", _("Key indicators"), level=1))
    protected = "confidential" in result["by_year"].columns
    rows = summary_rows(result, lang)
    if protected:  # a value hidden by disclosure control says so, never a dash
        rows = [tuple(confidential if i and cell.startswith("–") else cell
                      for i, cell in enumerate(row)) for row in rows]
    blocks.append(Block("table", header=(_("Indicator"), _("Baseline"), _("Latest"), _("Change"),
                                         _("Change (%)"), _("CAGR")), rows=tuple(rows)))

    if extra is not None:
        progress = targets.progress(result["by_year"], extra["targets"], lang, ctx.filters)
        if progress:
            blocks.append(Block("heading", _("Progress to targets"), level=2))
        if progress and not progress[0]["in_scope"]:
            blocks.append(Block("paragraph", progress[0]["out_of_scope_reason"]))
        elif progress:
            def val(v: float | None, year: int | None, unit: str) -> str:
                return "–" if v is None else f"{formatting.by_unit(v, unit, lang)} ({year})"

            blocks.append(Block("table", header=(
                _("Indicator"), _("Baseline"), _("Milestone"), _("Latest"), _("Target"),
                _("Way to target")), rows=tuple(
                (p["label"], val(p["baseline"], p["baseline_year"], p["unit"]),
                 val(p["milestone"], p["milestone_year"], p["unit"]),
                 val(p["latest"], p["latest_year"], p["unit"]),
                 val(p["target"], p["target_year"], p["unit"]),
                 formatting.pct(p["target_progress"], lang=lang)) for p in progress)))
        blocks.append(Block("heading", _("Where the growth came from"), level=2))
        parts = []
        for measure in kpis.GROWTH_MEASURES:
            part = extra["decomposition"][measure]["period"]
            if part is None:
                continue
            ind = kpis.INDICATORS[measure]
            unit = ind.unit
            gap = bool(part.get("no_data"))
            parts.append((f"{ind.name(lang)} ({kpis.unit_name(unit, lang)})",
                          f"{_part_text(part['total_before'], unit, lang)} ({part['y0']})",
                          _part_text(part["like_for_like"], unit, lang, no_data=gap),
                          _part_text(part["joiners"], unit, lang, no_data=gap),
                          _part_text(part["leavers"], unit, lang, "−", no_data=gap),
                          _part_text(part["reporting_changes"], unit, lang, no_data=gap),
                          f"{_part_text(part['total_after'], unit, lang)} ({part['y1']})"))
        blocks.append(Block("table", header=(
            _("Indicator"), _("Baseline"), _("Like-for-like"), _("Joiners"), _("Leavers"),
            _("Reporting changes"), _("Latest")), rows=tuple(parts)))

    life = (extra or {}).get("cluster_life")
    if life is not None and not life.empty:
        blocks += life_blocks(life, lang)
        blocks += satisfaction_blocks(life, extra.get("satisfaction_min_answers"),  # type: ignore[union-attr]
                                      protected, lang)

    blocks.append(Block("heading", _("Charts"), level=1))
    for number, chart in enumerate(chart_list, start=1):
        blocks.append(Block("image", image=images[chart.name],
                            alt=f"{chart.caption}. {charts.summary_line(chart.fig, chart.unit, lang)}"))
        blocks.append(Block("paragraph", _(
            "Figure {number}: {caption}. {filters}. Data as of {date}.").format(
            number=number, caption=chart.caption, filters=ctx.filters_text, date=ctx.data_date),
            style="Caption"))

    blocks.append(Block("heading", _("Methodology"), level=1))
    headings = {_(h) for h in METHOD_HEADINGS}
    for line in methodology(result, ctx).splitlines()[2:]:
        if not line:
            continue
        if line in headings:
            blocks.append(Block("heading", line, level=2))
        elif line.startswith("- "):
            blocks.append(Block("paragraph", line[2:], style="List Bullet"))
        else:
            blocks.append(Block("paragraph", line))
    return blocks


#: The page the report is laid out on: A4 with European margins; the text is 16 cm wide,
#: and every image fits it.
PAGE_CM, MARGIN_CM = (21.0, 29.7), 2.5
TEXT_WIDTH_CM = PAGE_CM[0] - 2 * MARGIN_CM


def report_docx(result: dict, ctx: ExportContext, images: dict[str, bytes],
                chart_list: list[Chart], extra: dict | None = None) -> bytes:
    """The report as Word (:func:`report_blocks`): A4, images within the text width, alt
    text on every image, tables with bold headers and figures aligned right. The document's
    language is set too, so Word checks the spelling in the right language."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    lang = ctx.lang
    _ = translator(lang)
    doc = Document()
    for section in doc.sections:
        section.page_width, section.page_height = Cm(PAGE_CM[0]), Cm(PAGE_CM[1])
        section.left_margin = section.right_margin = Cm(MARGIN_CM)
        section.top_margin = section.bottom_margin = Cm(MARGIN_CM)
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    run_props = normal.element.get_or_add_rPr()
    lang_tag = run_props.find(qn("w:lang"))
    if lang_tag is None:
        lang_tag = run_props.makeelement(qn("w:lang"), {})
        run_props.append(lang_tag)
    lang_tag.set(qn("w:val"), LOCALES[lang].replace("_", "-"))
    doc.core_properties.language = LOCALES[lang].replace("_", "-")
    doc.core_properties.title = _("Cluster indicators report")
    for block in report_blocks(result, ctx, images, chart_list, extra):
        if block.kind == "heading":
            doc.add_heading(block.text, level=block.level)
        elif block.kind == "paragraph":
            doc.add_paragraph(block.text, style=block.style or None)
        elif block.kind == "page_break":
            doc.add_page_break()
        elif block.kind == "image":
            size = {"height": Cm(block.height_cm)} if block.height_cm else \
                {"width": Cm(TEXT_WIDTH_CM)}
            picture = doc.add_picture(io.BytesIO(block.image or b""), **size)
            picture._inline.docPr.set("descr", block.alt)  # the alt text Word reads out
            picture._inline.docPr.set("title", block.alt.split(". ")[0])
        elif block.kind == "table":
            table = doc.add_table(rows=1, cols=len(block.header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, block.header, strict=True):
                cell.text = text
                cell.paragraphs[0].runs[0].bold = True
            for row in block.rows:
                for i, (cell, text) in enumerate(zip(table.add_row().cells, row, strict=True)):
                    cell.text = text
                    if i:
                        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def report_html(result: dict, ctx: ExportContext, images: dict[str, bytes],
                chart_list: list[Chart], extra: dict | None = None) -> str:
    """The same report as one self-contained HTML page (images inline, no web font, no
    CDN), laid out for A4 printing: what :func:`report_pdf` prints."""
    from html import escape

    body = []
    for block in report_blocks(result, ctx, images, chart_list, extra):
        if block.kind == "heading":
            body.append(f"<h{block.level}>{escape(block.text)}</h{block.level}>")
        elif block.kind == "paragraph":
            tag = {"Title": "h1", "List Bullet": "li"}.get(block.style, "p")
            css = {"Title": "title", "Subtitle": "subtitle", "Caption": "caption"}.get(
                block.style, "")
            body.append(f'<{tag} class="{css}">{escape(block.text)}</{tag}>')
        elif block.kind == "page_break":
            body.append('<div class="break"></div>')
        elif block.kind == "image":
            data = base64.b64encode(block.image or b"").decode("ascii")
            kind = "jpeg" if (block.image or b"").startswith(b"\xff\xd8") else "png"
            style = f' style="height:{block.height_cm}cm;width:auto"' if block.height_cm else ""
            body.append(f'<img src="data:image/{kind};base64,{data}" alt="{escape(block.alt)}"'
                        f"{style}>")
        elif block.kind == "table":
            head = "".join(f"<th>{escape(h)}</th>" for h in block.header)
            rows = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>"
                           for row in block.rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    text = "\n".join(body).replace("</li>\n<li", "</li><li")
    text = re.sub(r"((?:<li[^>]*>.*?</li>\n?)+)", r"<ul>\1</ul>", text, flags=re.S)
    title = escape(translator(ctx.lang)("Cluster indicators report"))
    return f"""<!doctype html>
<html lang="{ctx.lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>
@page {{ size: A4; margin: {MARGIN_CM}cm; }}
body {{ font-family: Calibri, Carlito, "Liberation Sans", Arial, sans-serif; font-size: 10.5pt;
       color: #262730; }}
h1 {{ font-size: 16pt; color: {charts.PALETTE[0]}; }} h2 {{ font-size: 13pt; }}
h1.title {{ font-size: 26pt; margin-top: 3cm; }} p.subtitle {{ font-size: 14pt; color: #5f6368; }}
p.caption {{ font-size: 9pt; color: #5f6368; margin-top: 0; }}
img {{ width: {TEXT_WIDTH_CM}cm; max-width: 100%; }}
table {{ border-collapse: collapse; width: 100%; margin: 0.3cm 0; page-break-inside: avoid; }}
th, td {{ border: 1px solid #9aa0a6; padding: 2pt 4pt; font-size: 9pt; }}
td + td {{ text-align: right; }} th {{ text-align: left; }}
.break {{ page-break-after: always; }}
</style></head><body>
{text}
</body></html>
"""


def report_pdf(html_text: str) -> bytes:
    """The report as PDF, printed by the Chromium the chart images use (no office suite)."""
    import subprocess
    import tempfile

    browser = find_browser()
    if browser is None:
        raise BrowserMissing(INSTALL_HINT)
    with tempfile.TemporaryDirectory() as tmp:
        page, out = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        page.write_text(html_text, encoding="utf-8")
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                        "--no-pdf-header-footer", f"--user-data-dir={tmp}/profile",
                        f"--print-to-pdf={out}", page.as_uri()],
                       check=True, capture_output=True, timeout=120)
        return out.read_bytes()


def life_extra(store: Store, filters: Filters, protect: bool, extra: dict) -> None:
    """Add the cluster's life to a report's ``extra``: its indicators by year and the
    latest year's network (no member names for a funder unless the manager turned them on)."""
    rec = life_module.records(store, filters)
    life = life_module.by_year(store, filters, protect=protect, rec=rec)
    extra["cluster_life"] = life
    extra["satisfaction_min_answers"] = store.setting("satisfaction_min_answers")
    extra["network"] = None
    if not life.empty and (life["projects_running"] > 0).any():
        year = int(life["year"].max())
        names = not protect or bool(store.setting("show_member_names"))
        nodes, edges = life_module.network_frames(store, year, filters, names=names, rec=rec)
        extra["network"] = (nodes, edges, year) if not nodes.empty else None


def build_pack(store: Store, filters: Filters = Filters(), formats: tuple[str, ...] = ("png", "svg", "pdf"),
               progress: Progress | None = None, cluster: str | None = None,
               protect: bool = False, lang: str = DEFAULT) -> tuple[bytes, str]:
    """The ZIP of the report pack and its file name, every file in ``lang``. Raises
    BrowserMissing without a browser. With ``protect`` (a funder's pack) every number goes
    through disclosure control."""
    _ = translator(lang)
    filters = collection.resolve(store, filters)  # ends at the last closed year by default
    result = kpis.overview(store, filters, medians=True)
    if protect:
        result = disclosure.protect_overview(store, filters, result)
    if result["by_year"].empty:
        raise ValueError(_l("No submissions match these filters: nothing to report."))
    ctx = context(store, filters, cluster, lang)
    extra = growth.bundle(store, filters, protect)
    life_extra(store, filters, protect, extra)
    chart_list = standard_charts(result, extra, protect, lang)
    steps = len(chart_list) * len(formats) + 4
    done = 0

    def step(message: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, steps, message)

    folders = {"charts": file_stem(_("charts"), Filters()), "tables": file_stem(_("tables"), Filters())}
    out = io.BytesIO()
    pngs: dict[str, bytes] = {}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        # rendered in two batches: the browser's two tabs work in parallel, and the progress
        # bar still moves half-way
        half = (len(chart_list) + 1) // 2
        for batch in (chart_list[:half], chart_list[half:]):
            items = [(annotate(c.fig, ctx, c.unit), fmt) for c in batch for fmt in formats]
            images = iter(render_many(items))
            for chart in batch:
                for fmt in formats:
                    data = next(images)
                    if fmt == "png":
                        pngs[chart.name] = data
                    zf.writestr(f"{folders['charts']}/{file_stem(chart.name, ctx.shown)}.{fmt}", data)
                    step(_("Chart {name}").format(name=f"{chart.caption} ({fmt.upper()})"))
        tables = {**kpi_tables(result, lang, filters.estimated, ctx.provisional_years),
                  **growth_tables(extra, lang)}
        for key, frame in tables.items():
            zf.writestr(f"{folders['tables']}/{file_stem(file_name(key, lang), ctx.shown)}.csv",
                        table_csv(frame, lang))
        zf.writestr(f"{folders['tables']}/{file_stem(file_name('kpis', lang), ctx.shown)}.xlsx",
                    tables_xlsx(tables, lang))
        step(_("Tables"))
        zf.writestr(f"{file_stem(file_name('methodology', lang), Filters())}.txt",
                    methodology(result, ctx).encode("utf-8"))
        step(_("Methodology"))
        if "png" not in formats:
            pngs = {c.name: render(annotate(c.fig, ctx, c.unit), "png") for c in chart_list}
        zf.writestr(f"{file_stem(file_name('report', lang), ctx.shown)}.docx",
                    report_docx(result, ctx, pngs, chart_list, extra))
        step(_("Word report"))
        zf.writestr(f"{file_stem(file_name('report', lang), ctx.shown)}.pdf",
                    report_pdf(report_html(result, ctx, pngs, chart_list, extra)))
        step(_("PDF report"))
    return out.getvalue(), f"{file_stem(file_name('cluster_report', lang), ctx.shown)}.zip"

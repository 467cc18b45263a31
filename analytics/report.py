"""The report pack for the funder: standard charts, KPI tables, methodology, Word report.

``build_pack`` writes everything into one ZIP; the page and ``python -m analytics report``
both call it, with a progress callback for their progress bar / progress line.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import plotly.graph_objects as go

from . import charts, disclosure, formatting, growth, kpis, targets
from .export import (
    ExportContext,
    annotate,
    file_stem,
    kpi_tables,
    render,
    render_many,
    table_csv,
    tables_xlsx,
)
from .filters import Filters
from .store import Store

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Chart:
    name: str  # file name stem, e.g. turnover_by_sector
    fig: go.Figure
    unit: str
    caption: str


def standard_charts(result: dict, extra: dict | None = None, protect: bool = False) -> list[Chart]:
    """The report's charts, from one overview() result and, if given, a growth.bundle()."""
    yearly, growth = result["by_year"], result["growth"]
    latest = int(yearly["year"].max())
    totals = yearly if protect else None
    specs = [
        ("turnover_by_year", charts.trend(yearly, "turnover_eur"), "EUR"),
        ("jobs_by_year", charts.trend(yearly, "jobs"), "FTE"),
        ("turnover_baseline_latest", charts.baseline_vs_latest(growth, "turnover_eur"), "EUR"),
        ("jobs_baseline_latest", charts.baseline_vs_latest(growth, "jobs"), "FTE"),
        ("turnover_by_sector", charts.stacked(result["by_sector"], "sector", "turnover_eur",
                                              totals=totals), "EUR"),
        ("jobs_by_sector", charts.stacked(result["by_sector"], "sector", "jobs", totals=totals), "FTE"),
        (f"turnover_share_by_sector_{latest}",
         charts.shares(result["by_sector"], "sector", "turnover_eur", latest), "share of turnover"),
        ("turnover_by_member_type",
         charts.stacked(result["by_member_type"], "member_type", "turnover_eur", totals=totals), "EUR"),
        ("jobs_by_member_type",
         charts.stacked(result["by_member_type"], "member_type", "jobs", totals=totals), "FTE"),
        ("response_rate", charts.response_rate(yearly), "share of active members"),
    ]
    if extra:
        for measure in kpis.GROWTH_MEASURES:
            part = extra["decomposition"][measure]["period"]
            if part is not None and part["like_for_like"] is not None:
                specs.append((f"{measure.removesuffix('_eur')}_waterfall",
                              charts.waterfall(part, measure), kpis.INDICATORS[measure].unit))
        specs.append(("membership_flows", charts.membership_flows(extra["flows"]), "members"))
        for measure in kpis.GROWTH_MEASURES:
            if (extra["targets"]["indicator"] == measure).any():
                specs.append((f"{measure.removesuffix('_eur')}_against_targets",
                              charts.against_targets(yearly, extra["targets"], measure),
                              kpis.INDICATORS[measure].unit))
    return [Chart(name, fig, unit, fig.layout.title.text) for name, fig, unit in specs]


def context(store: Store, filters: Filters, cluster: str | None = None) -> ExportContext:
    loaded = store.last_loaded()
    name = cluster or ("Demo eco-business cluster (fictional)" if store.shows_only_demo()
                       else "Business cluster")
    years = kpis.data_years(store)
    if years:
        years = (filters.year_from or years[0], filters.year_to or years[1])
    return ExportContext(filters, loaded.date().isoformat() if loaded else "no data", name, years)


def methodology(result: dict, ctx: ExportContext) -> str:
    """How every number was computed, for the annex of the contract report."""
    yearly, g = result["by_year"], result["growth"]["turnover_eur"]
    last = yearly[yearly["year"] == g["latest_year"]]
    reported = (f"{int(last['members'].iloc[0])} of {int(last['active_members'].iloc[0])} active "
                f"members reported for {g['latest_year']} (response rate "
                f"{formatting.pct(last['response_rate'].iloc[0])})") if not last.empty else "no data"
    estimation = (
        f"Estimated view: a member that did not report for a year while a member is given its "
        f"last reported values, for at most {kpis.CARRY_FORWARD_YEARS} years; estimated values "
        "are marked in every chart and table." if ctx.filters.estimated else
        "Reported view (default): only values members reported; a missing submission is a gap, "
        "not a zero. An estimated view (last reported values carried forward for at most "
        f"{kpis.CARRY_FORWARD_YEARS} years) is available and marked as such.")
    lines = [
        f"Methodology — {ctx.cluster}",
        "",
        f"Filters: {ctx.filters_text}",
        f"Baseline year: {g['baseline_year']}; latest year: {g['latest_year']}",
        f"Data as of: {ctx.data_date} (date of the last load of members' submissions)",
        f"Members reporting: {reported}",
        estimation,
        "",
        "Indicators",
    ]
    for ind in kpis.INDICATORS.values():
        lines.append(f"- {ind.label} ({ind.unit}): {ind.description}")
    lines += [
        "- Jobs created (gross): jobs added by members whose jobs grew plus the jobs of new "
        "members; losses are not netted out.",
        f"- High-growth enterprises (Eurostat): at least {growth.HGE_MIN_JOBS} employees "
        f"{growth.HGE_YEARS} years earlier and at least {growth.HGE_MIN_GROWTH:.0%} average annual "
        "employment growth since.",
        "- Active members: members in the year, from the year they joined until the year they "
        "left; response rate = members that reported / active members.",
        "",
        "Growth",
        "- Change = latest value - baseline value; change (%) = change / baseline.",
        "- Compound annual growth rate (CAGR) = (latest / baseline)^(1 / years) - 1, where years "
        "= latest year - baseline year.",
        "- Totals are sums over the members that reported in each year: they grow both because "
        "members grow and because members join.",
        "- Decomposition: total change = like-for-like change (members with a value in both "
        "years) + entries (a value only in the later year) - exits (a value only in the earlier "
        "year); the parts add up exactly. Like-for-like growth = continuing members' total in "
        "the later year / their total in the earlier year - 1; the chained like-for-like index "
        "multiplies the annual like-for-like ratios (baseline = 100).",
        "- Progress to target = (latest - baseline) / (target - baseline), or latest / target "
        "without a baseline.",
        "",
        "Rules",
        "- A value a member did not report is missing, never zero: it is left out of sums and "
        "ratios and counted as missing.",
        "- A member's type, sector and area are those of its latest submission and apply to all "
        "its years.",
        "- Ratios (turnover per job, export share, R&D intensity) are ratios of sums over the "
        "members that reported both parts.",
        f"- Confidentiality: figures shown to funders and members leave out every cell built "
        f"from fewer than {disclosure.MIN_UNITS} members or where one member makes more than "
        f"{disclosure.DOMINANCE:.0%} of it, and further cells so that none can be recomputed "
        "from totals, other cells, other years or other selections; such cells read "
        "'confidential'. Medians are not shown to funders.",
        "- Sectors are the cluster's own list, each mapped to a Eurostat EGSS class (CEPA for "
        "environmental protection, CReMA for resource management).",
    ]
    return "\n".join(lines) + "\n"


def summary_rows(result: dict) -> list[tuple[str, str, str, str, str, str]]:
    """Indicator, baseline, latest, change, change %, CAGR: the KPI table of the report."""
    rows = []
    for key, g in result["growth"].items():
        unit = kpis.INDICATORS[key].unit
        fmt = (lambda v: formatting.eur(v, compact=False)) if unit == "EUR" else \
            (lambda v: formatting.number(v, 1))
        rows.append((f"{kpis.INDICATORS[key].label} ({unit})",
                     f"{fmt(g['baseline'])} ({g['baseline_year']})",
                     f"{fmt(g['latest'])} ({g['latest_year']})", fmt(g["change"]),
                     formatting.pct(g["pct"], signed=True), formatting.pct(g["cagr"])))
    yearly = result["by_year"]
    first, last = yearly.iloc[0], yearly.iloc[-1]
    for key in ("members", "turnover_per_job", "export_share", "rd_intensity"):
        unit = kpis.INDICATORS[key].unit
        rows.append((kpis.INDICATORS[key].label,
                     f"{formatting.by_unit(first[key], unit)} ({int(first['year'])})",
                     f"{formatting.by_unit(last[key], unit)} ({int(last['year'])})", "", "", ""))
    rows.append(("Response rate", f"{formatting.pct(first['response_rate'])} ({int(first['year'])})",
                 f"{formatting.pct(last['response_rate'])} ({int(last['year'])})", "", "", ""))
    return rows


def growth_tables(extra: dict) -> dict:
    """Decomposition per year, membership flows and targets, as report tables."""
    import pandas as pd

    out = {}
    for measure in kpis.GROWTH_MEASURES:
        table = growth.annual_table(extra["decomposition"][measure])
        index = {i["year"]: i["index"] for i in extra["decomposition"][measure]["index"]}
        table["like_for_like_index"] = [index.get(y) for y in table["year"]]
        out[f"decomposition_{measure.removesuffix('_eur')}"] = table.rename(columns={
            "year": "Year", "like_for_like": "Like-for-like", "entries": "Entries", "exits": "Exits",
            "change": "Total change", "like_for_like_rate": "Like-for-like growth",
            "created": "Gross creation", "entering_members": "Entering members",
            "exiting_members": "Exiting members", "like_for_like_index": "Chained index"})
    out["membership"] = extra["flows"].rename(columns={
        "year": "Year", "active_members": "Active members", "joined": "Joined", "left": "Left",
        "retention_rate": "Retention rate"})
    out["targets"] = pd.DataFrame(extra["targets"]).rename(columns=str.capitalize)
    return out


def _table(doc, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """A bordered Word table: bold header, figures aligned right."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        for i, (cell, text) in enumerate(zip(table.add_row().cells, row, strict=True)):
            cell.text = text
            if i:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _part_text(value, unit: str, sign: str = "") -> str:
    return "confidential" if value is None else sign + formatting.by_unit(float(value), unit)


def report_docx(result: dict, ctx: ExportContext, images: dict[str, bytes],
                chart_list: list[Chart], extra: dict | None = None) -> bytes:
    """A Word report: title page, KPI summary table, captioned charts, methodology."""
    from docx import Document
    from docx.shared import Cm, Pt

    doc = Document()
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(10.5)
    doc.add_paragraph(ctx.cluster, style="Title")
    doc.add_paragraph("Cluster indicators report", style="Subtitle")
    doc.add_paragraph(f"Filters: {ctx.filters_text}")
    doc.add_paragraph(f"Data as of {ctx.data_date} · Report generated on {dt.date.today().isoformat()}")
    doc.add_page_break()

    doc.add_heading("Key indicators", level=1)
    protected = "confidential" in result["by_year"].columns
    rows = summary_rows(result)
    if protected:  # a value hidden by disclosure control says so, never a dash
        rows = [tuple("confidential" if i and cell.startswith("–") else cell
                      for i, cell in enumerate(row)) for row in rows]
    _table(doc, ("Indicator", "Baseline", "Latest", "Change", "Change (%)", "CAGR"), rows)

    if extra is not None:
        progress = targets.progress(result["by_year"], extra["targets"])
        if progress:
            doc.add_heading("Progress to targets", level=2)

            def val(v: float | None, year: int | None, unit: str) -> str:
                return "–" if v is None else f"{formatting.by_unit(v, unit)} ({year})"

            _table(doc, ("Indicator", "Baseline", "Milestone", "Latest", "Target", "Way to target"),
                   [(p["label"], val(p["baseline"], p["baseline_year"], p["unit"]),
                     val(p["milestone"], p["milestone_year"], p["unit"]),
                     val(p["latest"], p["latest_year"], p["unit"]),
                     val(p["target"], p["target_year"], p["unit"]),
                     formatting.pct(p["target_progress"])) for p in progress])
        doc.add_heading("Where the growth came from", level=2)
        parts = []
        for measure in kpis.GROWTH_MEASURES:
            part = extra["decomposition"][measure]["period"]
            if part is None:
                continue
            unit = kpis.INDICATORS[measure].unit
            parts.append((f"{kpis.INDICATORS[measure].label} ({unit})",
                          f"{formatting.by_unit(float(part['total_before']), unit)} ({part['y0']})",
                          _part_text(part["like_for_like"], unit),
                          _part_text(part["entries"], unit),
                          _part_text(part["exits"], unit, "−"),
                          f"{formatting.by_unit(float(part['total_after']), unit)} ({part['y1']})"))
        _table(doc, ("Indicator", "Baseline", "Like-for-like", "Entries", "Exits", "Latest"), parts)

    doc.add_heading("Charts", level=1)
    for number, chart in enumerate(chart_list, start=1):
        doc.add_picture(io.BytesIO(images[chart.name]), width=Cm(16))
        doc.add_paragraph(f"Figure {number}: {chart.caption}. {ctx.filters_text}. "
                          f"Data as of {ctx.data_date}.", style="Caption")

    doc.add_heading("Methodology", level=1)
    for line in methodology(result, ctx).splitlines()[2:]:
        if not line:
            continue
        if line in ("Indicators", "Growth", "Rules"):
            doc.add_heading(line, level=2)
        elif line.startswith("- "):
            doc.add_paragraph(line[2:], style="List Bullet")
        else:
            doc.add_paragraph(line)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def build_pack(store: Store, filters: Filters = Filters(), formats: tuple[str, ...] = ("png", "svg", "pdf"),
               progress: Progress | None = None, cluster: str | None = None,
               protect: bool = False) -> tuple[bytes, str]:
    """The ZIP of the report pack and its file name. Raises BrowserMissing without a browser.
    With ``protect`` (a funder's pack) every number goes through disclosure control."""
    result = kpis.overview(store, filters)
    if protect:
        result = disclosure.protect_overview(store, filters, result)
    if result["by_year"].empty:
        raise ValueError("No submissions match these filters: nothing to report.")
    ctx = context(store, filters, cluster)
    extra = growth.bundle(store, filters, protect)
    chart_list = standard_charts(result, extra, protect)
    steps = len(chart_list) * len(formats) + 3
    done = 0

    def step(message: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, steps, message)

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
                    zf.writestr(f"charts/{file_stem(chart.name, ctx.shown)}.{fmt}", data)
                    step(f"chart {chart.name}.{fmt}")
        tables = {**kpi_tables(result), **growth_tables(extra)}
        for name, frame in tables.items():
            zf.writestr(f"tables/{file_stem(name, ctx.shown)}.csv", table_csv(frame))
        zf.writestr(f"tables/{file_stem('kpis', ctx.shown)}.xlsx", tables_xlsx(tables))
        step("tables")
        zf.writestr("methodology.txt", methodology(result, ctx).encode("utf-8"))
        step("methodology")
        if "png" not in formats:
            pngs = {c.name: render(annotate(c.fig, ctx, c.unit), "png") for c in chart_list}
        zf.writestr(f"{file_stem('report', ctx.shown)}.docx",
                    report_docx(result, ctx, pngs, chart_list, extra))
        step("Word report")
    return out.getvalue(), f"{file_stem('cluster_report', ctx.shown)}.zip"

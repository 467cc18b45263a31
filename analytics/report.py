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

from . import charts, formatting, kpis
from .export import ExportContext, annotate, file_stem, kpi_tables, render, table_csv, tables_xlsx
from .filters import Filters
from .store import Store

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Chart:
    name: str  # file name stem, e.g. turnover_by_sector
    fig: go.Figure
    unit: str
    caption: str


def standard_charts(result: dict) -> list[Chart]:
    """The ten charts of the report, from one overview() result."""
    yearly, growth = result["by_year"], result["growth"]
    latest = int(yearly["year"].max())
    specs = [
        ("turnover_by_year", charts.trend(yearly, "turnover_eur"), "EUR"),
        ("jobs_by_year", charts.trend(yearly, "jobs"), "FTE"),
        ("turnover_baseline_latest", charts.baseline_vs_latest(growth, "turnover_eur"), "EUR"),
        ("jobs_baseline_latest", charts.baseline_vs_latest(growth, "jobs"), "FTE"),
        ("turnover_by_sector", charts.stacked(result["by_sector"], "sector", "turnover_eur"), "EUR"),
        ("jobs_by_sector", charts.stacked(result["by_sector"], "sector", "jobs"), "FTE"),
        (f"turnover_share_by_sector_{latest}",
         charts.shares(result["by_sector"], "sector", "turnover_eur", latest), "share of turnover"),
        ("turnover_by_member_type",
         charts.stacked(result["by_member_type"], "member_type", "turnover_eur"), "EUR"),
        ("jobs_by_member_type", charts.stacked(result["by_member_type"], "member_type", "jobs"), "FTE"),
        ("response_rate", charts.response_rate(yearly), "share of active members"),
    ]
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
    lines = [
        f"Methodology — {ctx.cluster}",
        "",
        f"Filters: {ctx.filters_text}",
        f"Baseline year: {g['baseline_year']}; latest year: {g['latest_year']}",
        f"Data as of: {ctx.data_date} (date of the last load of members' submissions)",
        f"Members reporting: {reported}",
        "",
        "Indicators",
    ]
    for ind in kpis.INDICATORS.values():
        lines.append(f"- {ind.label} ({ind.unit}): {ind.description}")
    lines += [
        "- Active members: members in the year, from the year they joined until the year they "
        "left; response rate = members that reported / active members.",
        "",
        "Growth",
        "- Change = latest value - baseline value; change (%) = change / baseline.",
        "- Compound annual growth rate (CAGR) = (latest / baseline)^(1 / years) - 1, where years "
        "= latest year - baseline year.",
        "- Totals are sums over the members that reported in each year: they grow both because "
        "members grow and because members join.",
        "",
        "Rules",
        "- A value a member did not report is missing, never zero: it is left out of sums and "
        "ratios and counted as missing.",
        "- A member's type, sector and area are those of its latest submission and apply to all "
        "its years.",
        "- Ratios (turnover per job, export share, R&D intensity) are ratios of sums over the "
        "members that reported both parts.",
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


def report_docx(result: dict, ctx: ExportContext, images: dict[str, bytes],
                chart_list: list[Chart]) -> bytes:
    """A Word report: title page, KPI summary table, captioned charts, methodology."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
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
    header = ("Indicator", "Baseline", "Latest", "Change", "Change (%)", "CAGR")
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row in summary_rows(result):
        cells = table.add_row().cells
        for i, text in enumerate(row):
            cells[i].text = text
            if i:
                cells[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT

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
               progress: Progress | None = None, cluster: str | None = None) -> tuple[bytes, str]:
    """The ZIP of the report pack and its file name. Raises BrowserMissing without a browser."""
    result = kpis.overview(store, filters)
    if result["by_year"].empty:
        raise ValueError("No submissions match these filters: nothing to report.")
    ctx = context(store, filters, cluster)
    chart_list = standard_charts(result)
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
        for chart in chart_list:
            fig = annotate(chart.fig, ctx, chart.unit)
            for fmt in formats:
                data = render(fig, fmt)
                if fmt == "png":
                    pngs[chart.name] = data
                zf.writestr(f"charts/{file_stem(chart.name, ctx.shown)}.{fmt}", data)
                step(f"chart {chart.name}.{fmt}")
        tables = kpi_tables(result)
        for name, frame in tables.items():
            zf.writestr(f"tables/{file_stem(name, ctx.shown)}.csv", table_csv(frame))
        zf.writestr(f"tables/{file_stem('kpis', ctx.shown)}.xlsx", tables_xlsx(tables))
        step("tables")
        zf.writestr("methodology.txt", methodology(result, ctx).encode("utf-8"))
        step("methodology")
        if "png" not in formats:
            pngs = {c.name: render(annotate(c.fig, ctx, c.unit), "png") for c in chart_list}
        zf.writestr(f"{file_stem('report', ctx.shown)}.docx",
                    report_docx(result, ctx, pngs, chart_list))
        step("Word report")
    return out.getvalue(), f"{file_stem('cluster_report', ctx.shown)}.zip"

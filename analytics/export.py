"""Files for funders' reports: chart images (PNG, SVG, PDF) and KPI tables (CSV, XLSX).

Charts are rendered by kaleido, i.e. by Plotly.js in a headless Chrome/Chromium, from the
same figures and template the pages show, so a file looks like the screen. One kaleido
server is started per process on first use and reused (the first image costs seconds,
the next ones a fraction of a second). MathJax is switched off and Plotly.js comes from
the installed plotly package: no network is ever needed.
"""

from __future__ import annotations

import atexit
import io
import os
import re
import shutil
import threading
import warnings
from dataclasses import dataclass, replace

import pandas as pd
import plotly.graph_objects as go

from .charts import DIMENSION_TITLES, PALETTE, dimension_label
from .filters import Filters
from .kpis import INDICATORS

BROWSER_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome",
                      "/usr/bin/google-chrome-stable", "/snap/bin/chromium",
                      "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
                      r"C:\Program Files\Google\Chrome\Application\chrome.exe")
INSTALL_HINT = ("Chart images need Chrome or Chromium, and none was found. Install it "
                "(Debian/Ubuntu: `sudo apt-get install chromium`; or run `make run`, which does) "
                "or set BROWSER_PATH to the browser's program. Everything else keeps working.")
MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
WIDTH, HEIGHT, PNG_SCALE = 1100, 650, 2  # PNG: 2200 x 1300 px, print quality at 16 cm
SOURCE = "Cluster members' annual submissions"


class BrowserMissing(RuntimeError):
    """No Chrome/Chromium to render chart images with."""


def find_browser() -> str | None:
    """BROWSER_PATH if set and runnable, else the usual install places, else the PATH."""
    configured = os.environ.get("BROWSER_PATH")
    if configured and os.access(configured, os.X_OK):
        return configured
    for path in BROWSER_CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


_lock = threading.Lock()
_server_running = False


def _ensure_server() -> None:
    global _server_running
    if _server_running:
        return
    browser = find_browser()
    if browser is None:
        raise BrowserMissing(INSTALL_HINT)
    import kaleido

    os.environ["BROWSER_PATH"] = browser
    # two browser tabs: a batch (the report pack) renders two images at a time
    kaleido.start_sync_server(n=2, mathjax=False, timeout=120, silence_warnings=True)
    _server_running = True
    atexit.register(stop_server)


def stop_server() -> None:
    global _server_running
    if _server_running:
        import kaleido

        kaleido.stop_sync_server(silence_warnings=True)
        _server_running = False


def render(fig: go.Figure, fmt: str) -> bytes:
    """The figure as PNG, SVG or PDF bytes (raises BrowserMissing without a browser)."""
    if fmt not in MIME:
        raise ValueError(f"Unknown image format {fmt!r}; use png, svg or pdf.")
    import plotly.io as pio

    with _lock, warnings.catch_warnings():  # one kaleido server per process: one render at a time
        warnings.filterwarnings("ignore", message="The kopts argument is ignored")
        _ensure_server()
        return pio.to_image(fig, format=fmt, width=WIDTH, height=HEIGHT,
                            scale=PNG_SCALE if fmt == "png" else 1)


def render_many(items: list[tuple[go.Figure, str]]) -> list[bytes]:
    """Many (figure, format) pairs in one batch on the server's tabs: the report pack."""
    import tempfile

    import kaleido

    with _lock, tempfile.TemporaryDirectory() as tmp:
        _ensure_server()
        specs = [{"fig": fig.to_dict(), "path": f"{tmp}/{i}.{fmt}",
                  "opts": {"format": fmt, "width": WIDTH, "height": HEIGHT,
                           "scale": PNG_SCALE if fmt == "png" else 1}}
                 for i, (fig, fmt) in enumerate(items)]
        kaleido.write_fig_from_object_sync(specs)
        return [open(spec["path"], "rb").read() for spec in specs]  # noqa: SIM115


@dataclass(frozen=True)
class ExportContext:
    """What every exported file says about its data."""

    filters: Filters
    data_date: str  # when data was last loaded, YYYY-MM-DD
    cluster: str = "Business cluster"
    years: tuple[int, int] | None = None  # baseline and latest year shown

    @property
    def shown(self) -> Filters:
        """The filters with the years actually shown filled in."""
        f = self.filters
        if self.years and f.year_from is None and f.year_to is None:
            f = replace(f, year_from=self.years[0], year_to=self.years[1])
        return f

    @property
    def filters_text(self) -> str:
        return self.shown.describe()


def annotate(fig: go.Figure, ctx: ExportContext, unit: str = "") -> go.Figure:
    """A copy of the figure that carries its context inside the image: title, filters,
    unit, data date and source, for a chart pasted into a report on its own."""
    out = go.Figure(fig)
    title = out.layout.title.text or ""
    out.update_layout(
        title=dict(text=title, subtitle=dict(text=ctx.filters_text, font=dict(color="#5f6368"))),
        margin=dict(t=95, b=95, r=40 + (260 if len(out.data) > 1 else 0)),
        # a legend on the right leaves the bottom to the footer line
        legend=dict(orientation="v", x=1.02, xanchor="left", y=1, yanchor="top"),
    )
    footer = " · ".join(p for p in (f"Unit: {unit}" if unit else "", f"Data as of {ctx.data_date}",
                                    f"Source: {ctx.cluster}, {SOURCE.lower()}") if p)
    out.add_annotation(text=footer, xref="paper", yref="paper", x=0, y=0, xanchor="left",
                       yanchor="top", yshift=-45, showarrow=False,
                       font=dict(size=11, color="#5f6368"))
    return out


def file_stem(name: str, filters: Filters) -> str:
    """A safe, meaningful file name: 'turnover_by_sector_2009-2015'."""
    years = ""
    if filters.year_from or filters.year_to:
        years = f"_{filters.year_from or ''}-{filters.year_to or ''}"
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{name}{years}").strip("_")


# -- tables ------------------------------------------------------------------------------
TABLE_COLUMNS = ["turnover_eur", "jobs", "members", "active_members", "response_rate",
                 "turnover_per_job", "median_turnover_eur", "export_share", "rd_intensity",
                 "rd_jobs", "training_hours", "collaborative_projects"]
COLUMN_TITLES = {**{k: f"{i.label} ({i.unit})" if i.unit in ("EUR", "FTE", "EUR per FTE") else i.label
                    for k, i in INDICATORS.items()},
                 "year": "Year", "active_members": "Active members", "response_rate": "Response rate",
                 **{d: t for d, t in DIMENSION_TITLES.items()}}
SHARES = {"response_rate", "export_share", "rd_intensity"}


def kpi_tables(result: dict) -> dict[str, pd.DataFrame]:
    """The KPI tables of a filter selection with readable column names and labels."""
    tables: dict[str, pd.DataFrame] = {}
    for key, dim in (("by_year", None), ("by_sector", "sector"), ("by_member_type", "member_type"),
                     ("by_area", "area")):
        source = result[key]
        frame = source[["year", *([dim] if dim else []), *TABLE_COLUMNS]].copy()
        if "confidential" in source.columns:  # hidden by disclosure control: say so, never blank
            for col in TABLE_COLUMNS:
                marks = [col in hidden for hidden in source["confidential"]]
                if any(marks):
                    frame[col] = frame[col].astype(object)
                    frame.loc[marks, col] = "confidential"
        if dim:
            frame[dim] = [dimension_label(dim, c) for c in frame[dim]]
        tables[key] = frame.rename(columns=COLUMN_TITLES)
    rows = []
    for key, g in result["growth"].items():
        rows.append({"Indicator": INDICATORS[key].label, "Unit": INDICATORS[key].unit,
                     "Baseline year": g["baseline_year"], "Baseline": g["baseline"],
                     "Latest year": g["latest_year"], "Latest": g["latest"], "Change": g["change"],
                     "Change (%)": g["pct"], "CAGR": g["cagr"]})
    tables["growth"] = pd.DataFrame(rows)
    return tables


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """Text that a spreadsheet would run as a formula (=, +, -, @) is prefixed with '."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = [("'" + v) if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v
                        for v in out[col]]
    return out


def table_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, ';' and decimal comma: opens right in a French-locale Excel."""
    return neutralise(frame).to_csv(sep=";", decimal=",", index=False).encode("utf-8-sig")


def tables_xlsx(tables: dict[str, pd.DataFrame]) -> bytes:
    """One sheet per table, numbers stored as numbers with euro, FTE and % formats."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for name, frame in tables.items():
            neutralise(frame).to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            for i, title in enumerate(frame.columns, start=1):
                letter = get_column_letter(i)
                sheet.column_dimensions[letter].width = max(12, min(40, len(str(title)) + 2))
                head = sheet.cell(row=1, column=i)
                head.font = Font(bold=True, color="FFFFFF")
                head.fill = PatternFill("solid", fgColor=PALETTE[0].lstrip("#"))
                fmt = _number_format(str(title), frame[title])
                if fmt:
                    for cell in sheet[letter][1:]:
                        cell.number_format = fmt
            sheet.freeze_panes = "A2"
    return out.getvalue()


def _number_format(title: str, column: pd.Series) -> str | None:
    if not pd.api.types.is_numeric_dtype(column) or title.endswith("year") or title == "Year":
        return None if title not in ("Baseline", "Latest", "Change") else '#,##0.0'
    if "(EUR" in title or "Median turnover" in title:
        return '#,##0 "€"'
    if any(title.startswith(INDICATORS[k].label) for k in SHARES if k in INDICATORS) or \
            title in ("Response rate", "Change (%)", "CAGR"):
        return "0.0%"
    if "(FTE)" in title:
        return "#,##0.0"
    return "#,##0"

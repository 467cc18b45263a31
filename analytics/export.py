"""Files for funders' reports: chart images (PNG, SVG, PDF) and KPI tables (CSV, XLSX).

Charts are rendered by kaleido, i.e. by Plotly.js in a headless Chrome/Chromium, from the
same figures and template the pages show, so a file looks like the screen. One kaleido
server is started per process on first use and reused (the first image costs seconds,
the next ones a fraction of a second). MathJax is switched off and Plotly.js comes from
the installed plotly package: no network is ever needed.
"""

from __future__ import annotations

import atexit
import datetime as dt
import io
import os
import re
import shutil
import threading
import unicodedata
import warnings
from dataclasses import dataclass, replace

import pandas as pd
import plotly.graph_objects as go

from . import formatting
from .charts import PALETTE, dimension_label, dimension_title
from .filters import Filters
from .i18n import DEFAULT, N_, translator
from .kpis import INDICATORS, unit_name

BROWSER_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome",
                      "/usr/bin/google-chrome-stable", "/snap/bin/chromium",
                      "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
                      r"C:\Program Files\Google\Chrome\Application\chrome.exe")
INSTALL_HINT = N_("Chart images need Chrome or Chromium, and none was found. Install it "
                  "(Debian/Ubuntu: `sudo apt-get install chromium`; or run `make run`, which "
                  "does) or set BROWSER_PATH to the browser's program. Everything else keeps "
                  "working.")
MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
WIDTH, HEIGHT, PNG_SCALE = 1100, 650, 2  # PNG: 2200 x 1300 px, print quality at 16 cm
SOURCE = N_("cluster members' annual submissions")


class BrowserMissing(RuntimeError):
    """No Chrome/Chromium to render chart images with."""


def find_browser() -> str | None:
    """BROWSER_PATH if set and runnable, else the usual install places, else the PATH."""
    configured = os.environ.get("BROWSER_PATH")
    if configured and os.access(configured, os.X_OK):
        return configured
    places = os.environ.get("BROWSER_CANDIDATES")  # as scripts/ensure_chromium.sh reads it
    for path in BROWSER_CANDIDATES if places is None else places.split():
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
        raise BrowserMissing(INSTALL_HINT)  # English here; pages show the translated hint
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
    loaded: dt.date | None  # when data was last loaded
    cluster: str = "Business cluster"
    years: tuple[int, int] | None = None  # baseline and latest year shown
    lang: str = DEFAULT  # the language of every file written with this context
    carry_years: int = 2  # the cluster's carry-forward setting when the data was read
    #: the years of the period still collecting, said in every file ('2016: 4 of 28 members
    #: responded'); empty when every year shown is closed (``collection.py``)
    provisional: str = ""
    provisional_years: tuple[int, ...] = ()
    description: str = ""  # the cluster's details (Settings page, ``settings set``)
    place: str = ""  # 'region · country'
    funder: str = ""
    #: the confidentiality rules the figures follow: fewest members, largest share of one
    #: member, protection (``publication.Rules.of``), said in the methodology
    rules: tuple[int, float, float] = (3, 0.85, 0.10)
    logo: bytes | None = None  # the funder's logo, on the report's title page

    @property
    def shown(self) -> Filters:
        """The filters with the years actually shown filled in."""
        f = self.filters
        if self.years and f.year_from is None and f.year_to is None:
            f = replace(f, year_from=self.years[0], year_to=self.years[1])
        return f

    @property
    def filters_text(self) -> str:
        _ = translator(self.lang)
        text = self.shown.describe(self.lang, always_classification=True)
        if self.provisional:
            text += " · " + _("PROVISIONAL {years}").format(years=self.provisional)
        return text

    @property
    def data_date(self) -> str:
        """'26 Nov 2026' / '26/11/2026', or 'no data'."""
        if self.loaded is None:
            return translator(self.lang)("no data")
        return formatting.date(self.loaded, self.lang)


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
    _ = translator(ctx.lang)
    footer = " · ".join(p for p in (
        _("Unit: {unit}").format(unit=unit_name(unit, ctx.lang)) if unit else "",
        _("Data as of {date}").format(date=ctx.data_date),
        _("Source: {cluster}, {source}").format(cluster=ctx.cluster, source=_(SOURCE))) if p)
    out.add_annotation(text=footer, xref="paper", yref="paper", x=0, y=0, xanchor="left",
                       yanchor="top", yshift=-45, showarrow=False,
                       font=dict(size=11, color="#5f6368"))
    return out


def file_stem(name: str, filters: Filters) -> str:
    """A safe, meaningful file name from a name in any language: 'turnover_by_sector_2009-2015',
    'chiffre_d_affaires_par_secteur_2009-2015' (accents dropped, so every system copes)."""
    years = ""
    if (filters.year_from or filters.year_to) and not re.search(r"(19|20)\d\d", name):
        years = f"_{filters.year_from or ''}-{filters.year_to or ''}"
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{ascii_name}{years}".lower()).strip("_.")
    return stem[:100] or "file"


def chart_stem(fig: go.Figure, filters: Filters) -> str:
    """A chart's file name: its title, in the chart's language, plus the years shown."""
    return file_stem(fig.layout.title.text or "chart", filters)


#: Names of files and XLSX sheets (at most 31 characters: Excel's limit).
FILE_NAMES = {
    "kpis": N_("kpis"), "report": N_("report"), "cluster_report": N_("cluster report"),
    "methodology": N_("methodology"),
    "by_year": N_("By year"), "by_sector": N_("By sector"),
    "by_member_type": N_("By member type"), "by_area": N_("By area"), "growth": N_("Growth"),
    "decomposition_turnover": N_("Turnover decomposition"),
    "decomposition_jobs": N_("Jobs decomposition"), "membership": N_("Membership"),
    "targets": N_("Targets"),
}


def file_name(key: str, lang: str = DEFAULT) -> str:
    """The name of a standard file or sheet in ``lang``."""
    return translator(lang)(FILE_NAMES[key])


# -- tables ------------------------------------------------------------------------------
TABLE_COLUMNS = ["turnover_eur", "jobs", "members", "active_members", "response_rate",
                 "turnover_per_job", "median_turnover_eur", "export_share", "rd_intensity",
                 "rd_jobs", "training_hours", "collaborative_projects"]
#: In the estimated view, every table also says what was estimated, in its own columns.
ESTIMATED_COLUMNS = ["estimated_members", "turnover_eur_estimated", "turnover_estimated_share",
                     "jobs_estimated", "jobs_estimated_share"]
OTHER_TITLES = {"year": N_("Year"), "active_members": N_("Active members"),
                "response_rate": N_("Response rate"),
                "estimated_members": N_("Members estimated"),
                "turnover_eur_estimated": N_("Turnover estimated (EUR)"),
                "turnover_estimated_share": N_("Estimated share of turnover"),
                "jobs_estimated": N_("Jobs estimated (FTE)"),
                "jobs_estimated_share": N_("Estimated share of jobs")}
SHARES = {"response_rate", "export_share", "rd_intensity", "sme_share", "turnover_estimated_share",
          "jobs_estimated_share"}
#: Each estimated-view column's unit (for its Excel format) and what it is built from.
ESTIMATED_UNITS = {"estimated_members": "members", "turnover_eur_estimated": "EUR",
                   "jobs_estimated": "FTE"}
MONEY_FORMAT, SHARE_FORMAT, FTE_FORMAT, COUNT_FORMAT = '#,##0 "€"', "0.0%", "#,##0.0#", "#,##0"
#: Decimals a value keeps in exported tables, by its Excel format: money to the cent, FTE to
#: 0.01, rates and shares to 4 decimals (0.1 %), counts whole; never a float's 17 digits.
DECIMALS = {MONEY_FORMAT: 2, FTE_FORMAT: 2, SHARE_FORMAT: 4, COUNT_FORMAT: 0}


def rounded(values: pd.Series, fmt: str | None) -> pd.Series:
    """A numeric column rounded to what its unit means (``DECIMALS``); text left alone."""
    if fmt not in DECIMALS or not pd.api.types.is_numeric_dtype(values):
        return values
    out = pd.to_numeric(values, errors="coerce").astype(float).round(DECIMALS[fmt])
    return out.astype("Int64") if DECIMALS[fmt] == 0 and out.notna().any() else out


def column_title(key: str, lang: str = DEFAULT) -> str:
    """'Turnover (EUR)', 'Chiffre d'affaires (EUR)': an indicator with its unit."""
    _ = translator(lang)
    if key in INDICATORS:
        ind = INDICATORS[key]
        name = ind.name(lang)
        return f"{name} ({unit_name(ind.unit, lang)})" if ind.unit in ("EUR", "FTE", "EUR per FTE") \
            else name
    if key in OTHER_TITLES:
        return _(OTHER_TITLES[key])
    return dimension_title(key, lang)


def column_format(key: str) -> str | None:
    """The Excel number format of a KPI column (Excel shows it with the reader's separators)."""
    if key == "year" or key not in (*INDICATORS, *OTHER_TITLES):
        return None
    if key in SHARES:
        return SHARE_FORMAT
    unit = INDICATORS[key].unit if key in INDICATORS else ESTIMATED_UNITS.get(key, "members")
    return {"EUR": MONEY_FORMAT, "EUR per FTE": MONEY_FORMAT, "FTE": FTE_FORMAT}.get(unit, COUNT_FORMAT)


def titled(frame: pd.DataFrame, titles: dict[str, str], formats: dict[str, str | None]) -> pd.DataFrame:
    """Rename columns for readers and remember each column's Excel format (in ``attrs``)."""
    out = frame.rename(columns=titles)
    out.attrs["formats"] = {titles.get(k, k): f for k, f in formats.items() if f}
    return out


def with_estimated_shares(frame: pd.DataFrame) -> pd.DataFrame:
    """A KPI frame with the estimated share of turnover and jobs (estimated / total); a
    share is hidden wherever its estimated part or its total is."""
    out = frame.copy()
    for measure, share in (("turnover_eur", "turnover_estimated_share"),
                           ("jobs", "jobs_estimated_share")):
        total = out[measure].where(out[measure] > 0)
        out[share] = out[f"{measure}_estimated"].fillna(0).where(
            out["estimated_members"].notna()) / total
        if "confidential" in out.columns:
            out["confidential"] = [
                sorted({*hidden, share}) if {measure, f"{measure}_estimated"} & set(hidden)
                else hidden for hidden in out["confidential"]]
            hidden_rows = [share in hidden for hidden in out["confidential"]]
            out.loc[hidden_rows, share] = float("nan")
    return out


def kpi_tables(result: dict, lang: str = DEFAULT, estimated: bool = False,
               provisional: tuple[int, ...] = ()) -> dict[str, pd.DataFrame]:
    """The KPI tables of a filter selection with readable column names and labels; in the
    estimated view (``estimated``) with what was estimated in columns of its own. The years
    still collecting (``provisional``) say so in a last column of every table."""
    _ = translator(lang)
    tables: dict[str, pd.DataFrame] = {}
    columns = TABLE_COLUMNS + (ESTIMATED_COLUMNS if estimated else [])
    for key, dim in (("by_year", None), ("by_sector", "sector"), ("by_member_type", "member_type"),
                     ("by_area", "area")):
        source = with_estimated_shares(result[key]) if estimated else result[key]
        cols = ["year", *([dim] if dim else []), *columns]
        frame = source[cols].copy()
        for col in columns:
            frame[col] = rounded(frame[col], column_format(col))
        if "confidential" in source.columns:  # hidden by disclosure control: say so, never blank
            for col in columns:
                marks = [col in hidden for hidden in source["confidential"]]
                if any(marks):
                    frame[col] = frame[col].astype(object)
                    frame.loc[marks, col] = _("confidential")
        if dim:
            frame[dim] = [dimension_label(dim, c, lang) for c in frame[dim]]
        titles = {c: column_title(c, lang) for c in cols}
        if provisional:
            frame["collection"] = [_("provisional (collection still open)") if int(y) in provisional
                                   else "" for y in frame["year"]]
            titles["collection"] = _("Collection")
        tables[key] = titled(frame, titles, {c: column_format(c) for c in cols})
    rows = []
    for key, g in result["growth"].items():
        rows.append({"indicator": INDICATORS[key].name(lang),
                     "unit": unit_name(INDICATORS[key].unit, lang),
                     "baseline_year": g["baseline_year"], "baseline": g["baseline"],
                     "latest_year": g["latest_year"], "latest": g["latest"], "change": g["change"],
                     "pct": g["pct"], "cagr": g["cagr"]})
    growth = pd.DataFrame(rows, columns=list(GROWTH_TITLES))
    for col in ("baseline", "latest", "change"):  # money and FTE alike: two decimals
        growth[col] = rounded(growth[col], FTE_FORMAT)
    for col in ("pct", "cagr"):
        growth[col] = rounded(growth[col], SHARE_FORMAT)
    tables["growth"] = titled(growth, {k: _(t) for k, t in GROWTH_TITLES.items()},
                              {"baseline": FTE_FORMAT, "latest": FTE_FORMAT, "change": FTE_FORMAT,
                               "pct": SHARE_FORMAT, "cagr": SHARE_FORMAT})
    return tables


GROWTH_TITLES = {"indicator": N_("Indicator"), "unit": N_("Unit"), "baseline_year": N_("Baseline year"),
                 "baseline": N_("Baseline"), "latest_year": N_("Latest year"), "latest": N_("Latest"),
                 "change": N_("Change"), "pct": N_("Change (%)"), "cagr": N_("CAGR")}


FORMULA_START = ("=", "+", "-", "@")


def neutral_text(value: object) -> object:
    """Text a spreadsheet would run as a formula is prefixed with ': its first character
    after any spaces, tabs, CR or LF is = + - or @ (OWASP "CSV injection"; a leading CR
    would otherwise start the formula on the next line of the cell)."""
    if isinstance(value, str) and value.lstrip(" \t\r\n").startswith(FORMULA_START):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell through :func:`neutral_text` (CSV and XLSX exports alike)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = [neutral_text(v) for v in out[col]]
    return out


def table_csv(frame: pd.DataFrame, lang: str = DEFAULT) -> bytes:
    """UTF-8 with BOM, for Excel. French: ';' and decimal comma (a French Excel opens it
    right); English: ',' and decimal point."""
    if lang == "fr":
        text = neutralise(frame).to_csv(sep=";", decimal=",", index=False)
    else:
        text = neutralise(frame).to_csv(index=False)
    return text.encode("utf-8-sig")


def tables_xlsx(tables: dict[str, pd.DataFrame], lang: str = DEFAULT) -> bytes:
    """One sheet per table, named in ``lang``; numbers stored as numbers with euro, FTE and %
    formats (Excel writes them with the reader's own separators)."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for key, frame in tables.items():
            name = re.sub(r"[\[\]:*?/\\]", " ", file_name(key, lang) if key in FILE_NAMES else key)[:31]
            neutralise(frame).to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            formats = frame.attrs.get("formats", {})
            for i, title in enumerate(frame.columns, start=1):
                letter = get_column_letter(i)
                sheet.column_dimensions[letter].width = max(12, min(40, len(str(title)) + 2))
                head = sheet.cell(row=1, column=i)
                head.font = Font(bold=True, color="FFFFFF")
                head.fill = PatternFill("solid", fgColor=PALETTE[0].lstrip("#"))
                fmt = formats.get(title)
                if fmt:
                    for cell in sheet[letter][1:]:
                        cell.number_format = fmt
            sheet.freeze_panes = "A2"
    return out.getvalue()

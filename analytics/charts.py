"""Figure builders: pure functions DataFrame -> plotly Figure, all on one template.

The ``cluster`` template holds every style decision (palette, font, grid, margins), so a
figure looks the same in the page (``st.plotly_chart(fig, theme=None)``) and in exports.
"""

from __future__ import annotations

import html
import math

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from . import formatting
from .i18n import DEFAULT, N_, translator
from .kpis import INDICATORS
from .schema import VOCABULARY_OF_DIMENSION, vocabulary

#: Colour-blind-safe categories (after Okabe & Ito, darkened): every colour has at least 3:1
#: contrast on white (WCAG 1.4.11) and the pairs stay apart for deuteranopes and protanopes
#: (``tests/test_palette.py`` simulates both). Green is the cluster's colour; vermillion says
#: "down" or "missing"; grey is for totals and the rest. A chart of more categories than
#: colours shows the largest and groups the others (``stacked``).
PALETTE = ["#1b7f5f", "#d55e00", "#0072b2", "#cc79a7", "#8c510a", "#1f3a93", "#6c757d"]
#: The font the page loads (Streamlit ships "Source Sans"), then what exports find installed.
FONT = "Source Sans, Source Sans Pro, Segoe UI, Helvetica Neue, Arial, sans-serif"
DIMENSION_TITLES = {"member_type": N_("Member type"), "sector": N_("Sector"), "area": N_("Area"),
                    "sector_group": N_("Environmental purpose")}
SECTOR_GROUPS = {"CEPA": N_("Environmental protection (CEPA)"),
                 "CReMA": N_("Resource management (CReMA)")}

pio.templates["cluster"] = go.layout.Template(
    layout=dict(
        colorway=PALETTE,
        font=dict(family=FONT, size=13, color="#262730"),
        title=dict(font=dict(size=17), x=0, xanchor="left", xref="paper"),
        paper_bgcolor="white",
        plot_bgcolor="white",
        separators=".,",
        margin=dict(l=60, r=20, t=60, b=50),
        legend=dict(orientation="h", yanchor="top", y=-0.15, xanchor="left", x=0, title_text=""),
        xaxis=dict(showgrid=False, linecolor="#9aa0a6", ticks="outside", tickcolor="#9aa0a6",
                   dtick=1),
        yaxis=dict(gridcolor="#e6e6e6", zeroline=True, zerolinecolor="#9aa0a6", rangemode="tozero"),
        hoverlabel=dict(font=dict(family=FONT)),
        bargap=0.25,
    )
)
TEMPLATE = "cluster"


def _axis_format(unit: str, lang: str = DEFAULT) -> dict:
    """Tick and hover formats for an indicator's unit, in the language's style: '€70m' and
    '€1,234' in English, '70M €' and '1 234 €' in French (separators: ``_base``)."""
    _ = translator(lang)
    en = lang == "en"
    euro = {"tickprefix": "€", "ticksuffix": ""} if en else {"tickprefix": "", "ticksuffix": " €"}
    money = "€%{y:,.0f}" if en else "%{y:,.0f} €"
    if unit == "EUR":
        return {"tickformat": "~s", **euro, "hover": money}
    if unit == "share":
        return {"tickformat": ".0%", "tickprefix": "", "ticksuffix": "", "hover": "%{y:.1%}"}
    if unit == "FTE":
        return {"tickformat": ",~r", "tickprefix": "", "ticksuffix": "",
                "hover": "%{y:,.1f} " + _("FTE")}
    if unit == "EUR per FTE":
        return {"tickformat": "~s", **euro, "hover": money + " " + _("per FTE")}
    return {"tickformat": ",~r", "tickprefix": "", "ticksuffix": "", "hover": "%{y:,.0f}"}


def _base(title: str, unit: str, lang: str = DEFAULT) -> go.Figure:
    fmt = _axis_format(unit, lang)
    fig = go.Figure(layout=dict(template=TEMPLATE, title_text=title,
                                separators=formatting.plotly_separators(lang)))
    fig.update_yaxes(tickformat=fmt["tickformat"], tickprefix=fmt["tickprefix"],
                     ticksuffix=fmt["ticksuffix"], title_text=_unit_title(unit, lang))
    return fig


UNIT_TITLES = {"EUR": "", "FTE": N_("Jobs (FTE)"), "share": "", "members": N_("Members"),
               "EUR per FTE": N_("EUR per FTE")}


def _unit_title(unit: str, lang: str = DEFAULT) -> str:
    title = UNIT_TITLES.get(unit, unit.capitalize())
    return translator(lang)(title) if title else ""


def _percent_axis(fig: go.Figure, top: float, lang: str, axis: str = "y") -> None:
    """Percent ticks written by ``formatting.pct`` ('20%', '20 %'): Plotly's own percent
    format has no space before the sign, which French needs."""
    step = 0.05 if top <= 0.3 else 0.1 if top <= 0.6 else 0.2
    ticks = [round(i * step, 2) for i in range(int(top / step) + 2)]
    update = fig.update_yaxes if axis == "y" else fig.update_xaxes
    update(tickmode="array", tickvals=ticks, ticktext=[formatting.pct(t, 0, lang=lang) for t in ticks],
           tickformat=None)


def _money_axis(fig: go.Figure, top: float | None, lang: str, axis: str = "y") -> None:
    """Euro ticks written like the rest of the page ('€20m', '20 M€'): Plotly's SI format
    would write '20M €' in French. ``top`` is the largest value drawn."""
    if top is None or not math.isfinite(top) or top <= 0:
        return
    rough = top / 7
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= rough)
    ticks = [i * step for i in range(math.ceil(top / step) + 1)]
    if ticks[-1] < top * 1.03:  # the tallest bar never touches or passes the last line
        ticks.append(ticks[-1] + step)
    size = next((s for s in (1e9, 1e6, 1e3) if ticks[-1] >= s), 1.0)
    decimals = 0 if abs(step / size - round(step / size)) < 1e-9 else 1
    update = fig.update_yaxes if axis == "y" else fig.update_xaxes
    update(tickmode="array", tickvals=ticks, tickformat=None, tickprefix="", ticksuffix="",
           ticktext=[formatting.eur(t, lang=lang, decimals=decimals) for t in ticks],
           autorangeoptions=dict(include=[ticks[-1]]))


def clusters_bar(names: list[str], values: list[float | None], title: str,
                 lang: str = DEFAULT) -> go.Figure:
    """One bar per cluster (the Clusters page): a hidden or missing value draws no bar."""
    fig = _base(title, "EUR", lang)
    shown = [None if v is None or v != v else float(v) for v in values]
    fig.add_trace(go.Bar(x=list(names), y=shown, marker_color=SERIES[0],
                         hovertemplate="%{x}: %{customdata}<extra></extra>",
                         customdata=[formatting.eur(v, lang=lang) if v is not None else "–"
                                     for v in shown]))
    _money_axis(fig, max((v for v in shown if v is not None), default=None), lang)
    return fig


def has_data(fig: go.Figure) -> bool:
    """True when some trace has a value to draw (not every one hidden or missing)."""
    for trace in fig.data:
        horizontal = getattr(trace, "orientation", None) == "h"
        for axis in ("x" if horizontal else "y", "z", "values"):
            values = getattr(trace, axis, None)
            if values is None:
                continue
            cells = [c for v in values
                     for c in (v if hasattr(v, "__len__") and not isinstance(v, str) else [v])]
            if any(not pd.isna(c) for c in cells):
                return True
    return False


def summary_line(fig: go.Figure, unit: str, lang: str = DEFAULT) -> str:
    """A one-line text alternative of a chart (the report's alt text): each of its first
    series from its first to its last value, or its largest bar; shares in percent. A
    chart that is not a series (the network) carries its own in ``meta``."""
    _ = translator(lang)
    if isinstance(fig.layout.meta, dict) and fig.layout.meta.get("summary"):
        return str(fig.layout.meta["summary"])

    def said(value: float) -> str:
        if unit.startswith("share"):
            return formatting.pct(value, 1, lang=lang)
        if unit == "members":
            return formatting.number(value, 0, lang=lang)
        return _short(value, "EUR" if unit == "EUR" else unit, lang)

    parts = []
    for trace in fig.data[:3]:
        horizontal = getattr(trace, "orientation", None) == "h"
        values, labels = (trace.x, trace.y) if horizontal else (trace.y, trace.x)
        if values is None or labels is None:
            continue
        points = [(label, v) for label, v in zip(labels, values, strict=False)
                  if v is not None and not pd.isna(v) and not isinstance(v, str)]
        if not points:
            continue
        name = f"{trace.name}: " if trace.name else ""
        if horizontal:
            label, value = max(points, key=lambda p: p[1])
            parts.append(_("{name}largest {label} ({value})").format(
                name=name, label=html.unescape(str(label)).replace("<br>", " "),
                value=said(value)))
        elif len(points) == 1:
            parts.append(f"{name}{said(points[0][1])} ({points[0][0]})")
        else:
            (x0, v0), (x1, v1) = points[0], points[-1]
            parts.append(_("{name}{first} ({start}) to {last} ({end})").format(
                name=name, first=said(v0), start=x0, last=said(v1), end=x1))
    return "; ".join(parts)


def dimension_label(dimension: str, code: str | None, lang: str = DEFAULT) -> str:
    _ = translator(lang)
    if code is None or (isinstance(code, float) and pd.isna(code)):
        return _("Unclassified")
    if dimension == "sector_group":
        return _(SECTOR_GROUPS[code]) if code in SECTOR_GROUPS else code
    return vocabulary(VOCABULARY_OF_DIMENSION[dimension]).label(code, lang)


def dimension_title(dimension: str, lang: str = DEFAULT) -> str:
    return translator(lang)(DIMENSION_TITLES[dimension])


def trend(yearly: pd.DataFrame, measure: str, title: str | None = None,
          lang: str = DEFAULT, provisional: pd.DataFrame | None = None) -> go.Figure:
    """One measure over the years, as bars; estimated parts (non-responses carried
    forward) stacked on top in a hatched, lighter bar so they are never mistaken for data.
    ``provisional``: by-year rows of years still collecting, drawn after the others as
    hatched outlines labelled 'provisional, N of M members' (``collection.py``)."""
    _ = translator(lang)
    ind = INDICATORS[measure]
    fig = _base(title or _("{indicator} by year").format(indicator=ind.name(lang)), ind.unit, lang)
    hover = _axis_format(ind.unit, lang)["hover"]
    estimated = yearly.get(f"{measure}_estimated")
    top = yearly[measure].max()
    if estimated is not None and estimated.fillna(0).gt(0).any():
        est = estimated.fillna(0)
        fig.add_bar(x=yearly["year"], y=yearly[measure] - est, name=_("Reported"),
                    marker_color=PALETTE[0],
                    hovertemplate="%{x} " + _("reported") + "<br>" + hover + "<extra></extra>")
        fig.add_bar(x=yearly["year"], y=est, name=_(ESTIMATED_LABEL),
                    marker=dict(color="#a8d5c2", pattern=dict(shape="/", fgcolor=PALETTE[0])),
                    hovertemplate="%{x} " + _("estimated") + "<br>" + hover + "<extra></extra>")
        fig.update_layout(barmode="stack")
    else:
        fig.add_bar(x=yearly["year"], y=yearly[measure], name=ind.name(lang),
                    hovertemplate="%{x}<br>" + hover + "<extra></extra>")
    if provisional is not None and not provisional.empty:
        notes = [_("provisional, {responded} of {expected} members").format(
                     responded=int(r["members"]), expected=int(r["active_members"]))
                 for _i, r in provisional.iterrows()]
        fig.add_bar(x=provisional["year"], y=provisional[measure],
                    name=_("Provisional (collection still open)"), hovertext=notes,
                    marker=dict(color="white", line=dict(color=PALETTE[6], width=1.5),
                                pattern=dict(shape="x", fgcolor=PALETTE[6], size=6)),
                    hovertemplate="%{x} %{hovertext}<br>" + hover + "<extra></extra>")
        for year, value, note in zip(provisional["year"], provisional[measure], notes,
                                     strict=True):
            # above the bar, on two lines: a bar's own text would shrink to its width
            fig.add_annotation(x=year, y=0 if pd.isna(value) else value, yanchor="bottom",
                               text=note.replace(", ", ",<br>", 1), showarrow=False,
                               font=dict(size=11, color="#5f6368"))
        top = max(top, provisional[measure].max())
    if ind.unit == "EUR":
        _money_axis(fig, top, lang)
    return fig


ESTIMATED_LABEL = N_("Estimated (last reported value carried forward)")
WATERFALL_STEPS = (N_("Own growth (like-for-like)"), N_("New members"),
                   N_("Members who left"), N_("Reporting changes"),
                   N_("Joining, leaving, reporting (net; detail confidential)"))


def wrapped(text: str, width: int = 24) -> str:
    """A category label on lines of about ``width`` characters (``<br>`` between words),
    so that a chart keeps its bars on a phone's width."""
    lines: list[str] = []
    for word in str(text).split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def waterfall(part: dict, measure: str, title: str | None = None, lang: str = DEFAULT) -> go.Figure:
    """Baseline total -> like-for-like -> joiners -> leavers -> reporting changes (members
    that did not report one of the two years) -> latest total, top to bottom: horizontal
    bars keep their labels on one or two lines at any width, a phone's too."""
    _ = translator(lang)
    ind = INDICATORS[measure]
    y0, y1 = part["y0"], part["y1"]
    fig = _base(title or _("{indicator}: what changed from {start} to {end}").format(
        indicator=ind.name(lang), start=y0, end=y1), ind.unit, lang)
    labels = [f"{y0}", *(wrapped(_(step), 18) for step in WATERFALL_STEPS[:4]), f"{y1}"]
    values = [float(part["total_before"]), float(part["like_for_like"]),
              float(part["joiners"] or 0), -float(part["leavers"] or 0),
              float(part["reporting_changes"] or 0), float(part["total_after"])]
    measures = ["absolute", "relative", "relative", "relative", "relative", "total"]
    if part["joiners"] is None:  # disclosure control: only the net of the three
        labels[2:5] = [wrapped(_(WATERFALL_STEPS[4]), 18)]
        values[2:5] = [float(part["net_membership"] or 0)]
        measures[2:5] = ["relative"]
    fmt = _axis_format(ind.unit, lang)
    fig.add_trace(go.Waterfall(
        y=labels, measure=measures, x=values, orientation="h",
        text=[_short(v, ind.unit, lang) for v in values], textposition="outside", cliponaxis=False,
        connector=dict(line=dict(color="#9aa0a6")),
        increasing=dict(marker_color=PALETTE[0]), decreasing=dict(marker_color=PALETTE[1]),
        totals=dict(marker_color=PALETTE[6]),
        hovertemplate="%{y}<br>" + fmt["hover"].replace("%{y", "%{x") + "<extra></extra>"))
    steps = [values[0]]
    for v in values[1:-1]:
        steps.append(steps[-1] + v)
    top = max(*steps, values[-1])
    # the first step at the top; room on the right for the values written outside the bars
    fig.update_yaxes(type="category", autorange="reversed", automargin=True, dtick=None,
                     tickformat=None, tickprefix="", ticksuffix="", title_text="",
                     gridcolor="rgba(0,0,0,0)", zeroline=False)
    # tickmode 'auto': the template's one-year dtick is for year axes, not for values
    fig.update_xaxes(tickmode="auto", nticks=8, showgrid=True, gridcolor="#e6e6e6",
                     rangemode="tozero",
                     tickformat=fmt["tickformat"], tickprefix=fmt["tickprefix"],
                     ticksuffix=fmt["ticksuffix"], autorangeoptions=dict(include=[top * 1.25]),
                     title_text=_unit_title(ind.unit, lang))
    fig.update_layout(showlegend=False, height=380)
    if ind.unit == "EUR":
        _money_axis(fig, top, lang, axis="x")
    return fig


def _short(value: float, unit: str, lang: str = DEFAULT) -> str:
    """A bar label: '€20.0m', '−3,5'. The minus sign is the typographic one."""
    sign = "−" if value < 0 else ""
    if unit == "EUR":
        return sign + formatting.eur(abs(value), lang=lang)
    return sign + formatting.number(abs(value), 0 if float(value).is_integer() else 1, lang=lang)


def membership_flows(flows: pd.DataFrame, title: str | None = None,
                     lang: str = DEFAULT) -> go.Figure:
    """Two aligned panels on one year axis, never two scales on one panel: active members
    (a line, top) and the members who joined and left each year (bars side by side,
    bottom; both counts positive)."""
    _ = translator(lang)
    fig = _base(title or _("Members joining and leaving"), "members", lang)
    retention = [formatting.pct(v, lang=lang) for v in flows["retention_rate"]]
    fig.add_scatter(x=flows["year"], y=flows["active_members"], name=_("Active members"),
                    mode="lines+markers", line=dict(color=PALETTE[2]), customdata=retention,
                    hovertemplate="%{x}: %{y} " + _("active, retention") + " %{customdata}"
                                  "<extra></extra>")
    fig.add_bar(x=flows["year"], y=flows["joined"], name=_("Joined"), marker_color=PALETTE[0],
                yaxis="y2", hovertemplate="%{x}: %{y} " + _("joined") + "<extra></extra>")
    fig.add_bar(x=flows["year"], y=flows["left"], name=_("Left"), marker_color=PALETTE[1],
                yaxis="y2", hovertemplate="%{x}: %{y} " + _("left") + "<extra></extra>")
    top = max([*flows["joined"], *flows["left"], 1])
    fig.update_layout(
        barmode="group", xaxis=dict(anchor="y2"),  # the years under the lower panel
        yaxis=dict(domain=[0.5, 1], title_text=_("Active members"), rangemode="tozero",
                   tickformat="d"),
        yaxis2=dict(domain=[0, 0.38], anchor="x", title_text=_("Joined / left"),
                    rangemode="tozero", tickformat="d", dtick=1 if top <= 10 else None,
                    gridcolor="#e6e6e6", range=[0, top * 1.15]))
    return fig


TARGET_SYMBOLS = {"baseline": "circle-open", "milestone": "diamond", "target": "star"}


def against_targets(yearly: pd.DataFrame, targets: pd.DataFrame, measure: str,
                    title: str | None = None, lang: str = DEFAULT) -> go.Figure:
    """The measure over the years with its baseline, milestones and target marked."""
    _ = translator(lang)
    ind = INDICATORS[measure]
    fig = _base(title or _("{indicator} against targets").format(indicator=ind.name(lang)),
                ind.unit, lang)
    fmt = _axis_format(ind.unit, lang)
    fig.add_scatter(x=yearly["year"], y=yearly[measure], mode="lines+markers", name=_("Actual"),
                    line=dict(color=PALETTE[0], width=3),
                    hovertemplate="%{x}<br>" + fmt["hover"] + "<extra></extra>")
    rows = targets[targets["indicator"] == measure]
    kinds = vocabulary("target_kinds")
    years = [*yearly["year"], *rows["year"]]
    first, last = min(years, default=0), max(years, default=0)

    def place(year: int) -> str:
        """A marker's label stays inside the plot: to the right of the first year, to the
        left of the last one, above elsewhere."""
        return "top right" if year == first else "top left" if year == last else "top center"

    for kind, symbol in TARGET_SYMBOLS.items():
        part = rows[rows["kind"] == kind]
        if not part.empty:
            name = kinds.label(kind, lang)
            fig.add_scatter(x=part["year"], y=part["value"], mode="markers+text", name=name,
                            marker=dict(symbol=symbol, size=14, color=PALETTE[1],
                                        line=dict(width=2, color=PALETTE[1])),
                            text=[name] * len(part),
                            textposition=[place(int(y)) for y in part["year"]],
                            hovertemplate=f"{name} %{{x}}<br>" + fmt["hover"] + "<extra></extra>")
    if ind.unit == "EUR":
        _money_axis(fig, max(yearly[measure].max(), rows["value"].max() if not rows.empty else 0), lang)
    return fig


def baseline_vs_latest(growth: dict, measure: str, title: str | None = None,
                       lang: str = DEFAULT) -> go.Figure:
    """Baseline and latest value of a measure side by side, with the change written above."""
    _ = translator(lang)
    ind = INDICATORS[measure]
    g = growth[measure]
    fig = _base(title or _("{indicator}: {start} vs {end}").format(
        indicator=ind.name(lang), start=g["baseline_year"], end=g["latest_year"]), ind.unit, lang)
    labels = [_("Baseline {year}").format(year=g["baseline_year"]),
              _("Latest {year}").format(year=g["latest_year"])]
    # the values on the bars, and the change on the latest one: '€50.0m', '€70.0m (+40.0%)'
    values = [_short(v, ind.unit, lang) if v is not None else "" for v in (g["baseline"],
                                                                           g["latest"])]
    if g["pct"] is not None and values[1]:
        values[1] += f" ({formatting.pct(g['pct'], signed=True, lang=lang)})"
    fig.add_bar(x=labels, y=[g["baseline"], g["latest"]], text=values, textposition="outside",
                marker_color=[PALETTE[6], PALETTE[0]], cliponaxis=False,
                hovertemplate="%{x}<br>" + _axis_format(ind.unit, lang)["hover"] + "<extra></extra>")
    fig.update_xaxes(dtick=None, type="category")
    if ind.unit == "EUR":
        _money_axis(fig, max(g["baseline"] or 0, g["latest"] or 0), lang)
    finding = growth_finding(g, measure, lang)
    if finding:  # said above the chart on screen (ui.show_chart), the title under it
        fig.update_layout(meta={"finding": finding})
    return fig


#: What happened, as a sentence: per measure (French agrees the verb with the noun).
FINDINGS = {("turnover_eur", True): N_("Turnover grew {change} to {latest}, {start}–{end}"),
            ("turnover_eur", False): N_("Turnover fell {change} to {latest}, {start}–{end}"),
            ("jobs", True): N_("Jobs grew {change} to {latest} FTE, {start}–{end}"),
            ("jobs", False): N_("Jobs fell {change} to {latest} FTE, {start}–{end}")}


def growth_finding(g: dict, measure: str, lang: str = DEFAULT) -> str | None:
    """'Turnover grew 40.0% to €70.0m, 2009–2015' (None when a value is hidden or missing,
    or the period is one year)."""
    if g.get("pct") is None or g.get("latest") is None or (measure, True) not in FINDINGS \
            or g["baseline_year"] == g["latest_year"]:
        return None
    up = g["latest"] >= g["baseline"]
    latest = formatting.eur(g["latest"], lang=lang) if measure == "turnover_eur" else \
        formatting.by_unit(g["latest"], "FTE", lang)
    message = FINDINGS[(measure, up)]
    return translator(lang)(message).format(
        change=formatting.pct(abs(g["pct"]), lang=lang), latest=latest,
        start=g["baseline_year"], end=g["latest_year"])


CONFIDENTIAL_LABEL = N_("Confidential (not shown separately)")


#: How the hidden part of a stacked or share chart is drawn: grey, hatched.
CONFIDENTIAL_MARKER = dict(color="#e3e5e8", pattern=dict(shape="x", fgcolor="#6c757d"))


#: A stacked chart shows this many groups, the largest, and the others as one grey 'Other'.
TOP_GROUPS = 5
OTHER_LABEL = N_("Other ({count})")


def stacked(breakdown: pd.DataFrame, dimension: str, measure: str,
            title: str | None = None, totals: pd.DataFrame | None = None,
            lang: str = DEFAULT, top: int | None = TOP_GROUPS) -> go.Figure:
    """A measure by year, stacked by member type, sector or area: the ``top`` largest
    groups (over the period), the others summed as one grey 'Other' (``top=None``: every
    group). With ``totals`` (the protected by-year table), groups hidden by disclosure
    control are drawn together as one grey 'confidential' block, so the bars still reach
    the shown total."""
    _ = translator(lang)
    ind = INDICATORS[measure]
    fig = _base(title or _("{indicator} by {dimension} and year").format(
        indicator=ind.name(lang), dimension=dimension_title(dimension, lang).lower()), ind.unit, lang)
    order = list(breakdown.groupby(dimension, dropna=False)[measure].sum()
                 .sort_values(ascending=False).index)
    hover = _axis_format(ind.unit, lang)["hover"]
    rest = order[top:] if top is not None and len(order) > top + 1 else []
    for i, code in enumerate(c for c in order if c not in rest):
        part = breakdown[breakdown[dimension].isna()] if pd.isna(code) else \
            breakdown[breakdown[dimension] == code]
        part = part[part[measure].notna()]  # a gap is left out, not drawn as zero
        if not part.empty:
            name = dimension_label(dimension, code, lang)
            fig.add_bar(x=part["year"], y=part[measure], name=name,
                        marker_color=PALETTE[i % (len(PALETTE) - 1)],
                        hovertemplate=f"{name}<br>%{{x}}<br>{hover}<extra></extra>")
    if rest:
        others = breakdown[breakdown[dimension].isin([c for c in rest if not pd.isna(c)])
                           | (breakdown[dimension].isna() if any(pd.isna(c) for c in rest)
                              else False)]
        summed = others.groupby("year")[measure].sum(min_count=1).dropna()
        name = _(OTHER_LABEL).format(count=len(rest))
        if not summed.empty:  # every one of them hidden: the confidential block shows them
            fig.add_bar(x=summed.index, y=summed.values, name=name, marker_color=PALETTE[-1],
                        hovertemplate=f"{name}<br>%{{x}}<br>{hover}<extra></extra>")
    if totals is not None:
        shown_sum = breakdown.groupby("year")[measure].sum(min_count=1)
        rest = totals.set_index("year")[measure] - shown_sum.reindex(totals["year"]).fillna(0).values
        rest = rest[rest.notna() & (rest.abs() > 1e-6)]
        if not rest.empty:
            name = _(CONFIDENTIAL_LABEL)
            fig.add_bar(x=rest.index, y=rest.values, name=name, marker=CONFIDENTIAL_MARKER,
                        hovertemplate=f"{name}<br>%{{x}}<br>{hover}<extra></extra>")
    fig.update_layout(barmode="stack")
    if ind.unit == "EUR":
        top = breakdown.groupby("year")[measure].sum().max() if not breakdown.empty else None
        if totals is not None and not totals.empty:
            top = max(top or 0, totals[measure].max())
        _money_axis(fig, top, lang)
    return fig


#: Share titles per measure: French needs the article of each noun ('du', 'des').
SHARE_TITLES = {"turnover_eur": N_("Share of turnover by {dimension}, {year}"),
                "jobs": N_("Share of jobs by {dimension}, {year}")}


def shares(breakdown: pd.DataFrame, dimension: str, measure: str, year: int,
           title: str | None = None, totals: pd.DataFrame | None = None,
           lang: str = DEFAULT) -> go.Figure:
    """Each group's share of a measure in one year, largest first. With ``totals`` (the
    protected by-year table) the denominator is the whole selection, never the groups that
    happen to be shown, and the hidden groups are one grey 'confidential' bar; when the
    selection's own total is hidden, no share is drawn."""
    _ = translator(lang)
    rows = breakdown[(breakdown["year"] == year) & breakdown[measure].notna()].copy()
    total = rows[measure].sum()
    rows["label"] = [dimension_label(dimension, c, lang) for c in rows[dimension]]
    if totals is not None:
        whole = totals.loc[totals["year"] == year, measure]
        whole = None if whole.empty or pd.isna(whole.iloc[0]) else float(whole.iloc[0])
        rest = 0.0 if whole is None else whole - total
        rows = rows.iloc[0:0] if whole is None else rows
        if abs(rest) > 1e-6:
            rows = pd.concat([rows, pd.DataFrame({measure: [rest], "label": [_(CONFIDENTIAL_LABEL)],
                                                  "hidden": [True]})], ignore_index=True)
        total = whole or 0
    rows["share"] = rows[measure] / total if total else float("nan")
    rows = rows.sort_values("share")
    default = (_(SHARE_TITLES[measure]) if measure in SHARE_TITLES else
               INDICATORS[measure].name(lang) + _(": share by {dimension}, {year}"))
    fig = _base(title or default.format(dimension=dimension_title(dimension, lang).lower(),
                                        year=year), "share", lang)
    text = [formatting.pct(v, lang=lang) for v in rows["share"]]
    hidden = rows["hidden"].eq(True).tolist() if "hidden" in rows.columns else [False] * len(rows)
    fig.add_bar(y=[wrapped(label) for label in rows["label"]], x=rows["share"], orientation="h",
                text=text,
                textposition="outside", cliponaxis=False, customdata=text,
                marker=dict(color=[CONFIDENTIAL_MARKER["color"] if h else PALETTE[0] for h in hidden],
                            pattern=dict(shape=["x" if h else "" for h in hidden],
                                         fgcolor=CONFIDENTIAL_MARKER["pattern"]["fgcolor"])),
                hovertemplate="%{y}<br>%{customdata}<extra></extra>")
    largest = float(rows["share"].max()) if not rows.empty else 1.0
    _percent_axis(fig, largest, lang, axis="x")
    # room on the right for the percentages written outside the bars
    fig.update_xaxes(dtick=None, rangemode="tozero", autorangeoptions=dict(include=[largest * 1.3]))
    fig.update_yaxes(tickformat=None, tickprefix="", ticksuffix="", title_text="", type="category",
                     automargin=True)  # the margin follows the (wrapped) labels
    fig.update_layout(height=max(320, 44 * len(rows) + 120))
    return fig


def response_rate(yearly: pd.DataFrame, title: str | None = None, lang: str = DEFAULT) -> go.Figure:
    """Members who submitted over active members, per year."""
    _ = translator(lang)
    fig = _base(title or _("Response rate by year"), "share", lang)
    detail = [_("{rate} ({responded} of {active})").format(
        rate=formatting.pct(r, lang=lang), responded=int(n), active=int(a))
        for r, n, a in zip(yearly["response_rate"], yearly["responded"], yearly["active_members"],
                           strict=True)]
    fig.add_scatter(x=yearly["year"], y=yearly["response_rate"], mode="lines+markers",
                    name=_("Response rate"), customdata=detail,
                    hovertemplate="%{x}<br>%{customdata}<extra></extra>")
    _percent_axis(fig, 1.0, lang)
    fig.update_yaxes(range=[0, 1.05], rangemode=None)
    return fig


STATUS_COLOURS = {"submitted": PALETTE[0], "missing": PALETTE[1],
                  "submitted (not a member)": PALETTE[2]}
STATUS_LABELS = {"submitted": N_("submitted"), "missing": N_("missing"),
                 "submitted (not a member)": N_("submitted (not a member)")}


def submission_grid(status: pd.DataFrame, title: str | None = None,
                    lang: str = DEFAULT) -> go.Figure:
    """Member x year grid coloured by submission status."""
    _ = translator(lang)
    fig = go.Figure(layout=dict(template=TEMPLATE, title_text=title or _("Who submitted for which year"),
                                separators=formatting.plotly_separators(lang)))
    # member text is escaped: Plotly would otherwise render tags such as <a href> in labels
    labels = status.assign(label=[html.escape(f"{i} {n or ''}") for i, n in
                                  zip(status["member_id"], status["member_name"], strict=True)])
    for code, colour in STATUS_COLOURS.items():
        part = labels[labels["status"] == code]
        if not part.empty:
            name = _(STATUS_LABELS[code])
            fig.add_scatter(x=part["year"], y=part["label"], mode="markers", name=name,
                            marker=dict(symbol="square", size=14, color=colour),
                            hovertemplate="%{y}<br>%{x}: " + name + "<extra></extra>")
    members = labels["label"].drop_duplicates().tolist()
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=members[::-1],
                     gridcolor="#f2f2f2", rangemode=None)
    fig.update_layout(height=max(300, 22 * len(members) + 140), margin=dict(l=260))
    return fig


def nps_by_year(yearly: pd.DataFrame, lang: str = DEFAULT) -> go.Figure:
    """The Net Promoter Score by year (-100 to +100), its value on each bar; a year whose
    figures are hidden (too few answers for a funder) has no bar."""
    _ = translator(lang)
    fig = _base(_("Net Promoter Score by year"), "points", lang)
    shown = yearly[yearly["nps"].notna()]
    values = shown["nps"].astype(float)
    fig.add_bar(x=shown["year"], y=values, name=_("Net Promoter Score"),
                marker_color=[PALETTE[0] if v >= 0 else PALETTE[1] for v in values],
                text=[f"{v:+.0f}" for v in values], textposition="outside", cliponaxis=False,
                customdata=shown["satisfaction_responses"],
                hovertemplate="%{x}<br>NPS %{y:+.0f}<br>" + _("answers") +
                ": %{customdata}<extra></extra>")
    low = min(-20.0, float(values.min()) - 15) if len(values) else -20.0
    high = max(20.0, float(values.max()) + 15) if len(values) else 20.0
    fig.update_yaxes(range=[max(-100, low), min(100, high)], zeroline=True,
                     title_text=_("NPS (points)"))
    fig.update_xaxes(type="category")
    fig.update_layout(showlegend=False)
    return fig


def satisfaction_distribution(counts: pd.Series, year: int, lang: str = DEFAULT) -> go.Figure:
    """How many members gave each overall score in ``year``: detractors (0-6), passives
    (7-8) and promoters (9-10) in three colours, named in the legend."""
    _ = translator(lang)
    fig = _base(_("Overall satisfaction, {year}: answers by score").format(year=year),
                "members", lang)
    groups = ((_("Detractors (0-6)"), range(0, 7), PALETTE[1]),
              (_("Passives (7-8)"), range(7, 9), PALETTE[6]),
              (_("Promoters (9-10)"), range(9, 11), PALETTE[0]))
    for name, scores, colour in groups:
        part = counts.reindex(list(scores), fill_value=0)
        fig.add_bar(x=[str(s) for s in part.index], y=part.values, name=name,
                    marker_color=colour,
                    hovertemplate=_("score") + " %{x}: %{y}<extra>" + name + "</extra>")
    # no axis title: the title says "by score", and on a phone the legend would cover it
    fig.update_xaxes(type="category", categoryorder="array",
                     categoryarray=[str(s) for s in range(11)])
    fig.update_yaxes(title_text=_("Answers"), rangemode="tozero")
    return fig


# -- cluster life (issue 17) -------------------------------------------------------------
#: Colours of series that are all good news (vermillion says "down" or "missing").
SERIES = [PALETTE[i] for i in (0, 2, 4, 5, 3, 6)]


def _yearly_bars(yearly: pd.DataFrame, series: dict[str, str], title: str, unit: str,
                 lang: str = DEFAULT, barmode: str = "group") -> go.Figure:
    """Bars by year of some ``cluster_life.by_year`` columns (column -> legend name), each
    bar with its value written on it; a year with no value has no bar."""
    fig = _base(title, "share" if unit == "share" else "", lang)
    for i, (column, name) in enumerate(series.items()):
        shown = yearly[yearly[column].notna()]
        values = shown[column].astype(float)
        text = ([formatting.pct(v, 0, lang=lang) for v in values] if unit == "share" else
                [formatting.number(v, 1 if unit == "FTE" else 0, lang=lang) for v in values])
        fig.add_bar(x=shown["year"], y=values, name=name, marker_color=SERIES[i % len(SERIES)],
                    text=text, textposition="inside" if barmode == "stack" else "outside",
                    cliponaxis=False, hovertemplate="%{x}: %{text}<extra>" + name + "</extra>")
    fig.update_xaxes(type="category")
    # on a phone a label wider than its bar is left out, never drawn over its neighbour
    fig.update_layout(barmode=barmode, showlegend=len(series) > 1, uniformtext_minsize=9,
                      uniformtext_mode="hide")
    if unit == "share":
        _percent_axis(fig, 1.0, lang)
        fig.update_yaxes(range=[0, 1.05], rangemode=None)
    return fig


def life_activity(yearly: pd.DataFrame, lang: str = DEFAULT) -> go.Figure:
    """The cluster's activities by year, and its active working groups."""
    _ = translator(lang)
    return _yearly_bars(yearly, {"activities": _("Activities"),
                                 "working_groups_active": _("Active working groups")},
                        _("Activities and working groups by year"), "count", lang)


def life_participation(yearly: pd.DataFrame, lang: str = DEFAULT) -> go.Figure:
    """The share of active members taking part in a working group, and the share with a
    project partner inside the cluster, by year."""
    _ = translator(lang)
    return _yearly_bars(yearly, {
        "members_in_working_groups_share": _("Members in a working group"),
        "members_with_partner_share": _("Members with a project partner in the cluster")},
        _("Members taking part, by year (share of active members)"), "share", lang)


def life_projects(yearly: pd.DataFrame, lang: str = DEFAULT) -> go.Figure:
    """Collaborative projects started and running by year (each project counted once)."""
    _ = translator(lang)
    return _yearly_bars(yearly, {"projects_started": _("Projects started"),
                                 "projects_running": _("Projects running")},
                        _("Collaborative projects by year"), "count", lang)


FUNDING_SOURCES = {"fees_share": N_("Membership fees"), "public_funding_share": N_("Public funding"),
                   "services_share": N_("Services sold"), "other_income_share": N_("Other income")}


def funding_mix(yearly: pd.DataFrame, lang: str = DEFAULT) -> go.Figure:
    """The cluster organisation's income by source, as shares of each year's income."""
    _ = translator(lang)
    return _yearly_bars(yearly, {k: _(v) for k, v in FUNDING_SOURCES.items()},
                        _("The cluster organisation's funding mix by year"), "share", lang,
                        barmode="stack")


#: Marker sizes of the EU size classes (a funder's network) and of jobs (a manager's).
SYMBOLS = ("circle", "square", "diamond", "triangle-up")  # when sectors outnumber colours
CLASS_SIZES = {"0-9": 9, "10-49": 14, "50-249": 21, "250+": 28}
COMPETITORS_LABEL = N_("Competitors (same sector)")
PARTNERS_LABEL = N_("Other links")


def collaboration_network(nodes: pd.DataFrame, edges: pd.DataFrame, year: int,
                          lang: str = DEFAULT) -> go.Figure:
    """Members linked by a shared project or working group (``cluster_life.network_frames``):
    nodes coloured by sector and sized by jobs (or by size class for a funder); links
    between competitors dashed in their own colour, at the positions of its seeded layout
    (``cluster_life.layout``: the same picture on screen and in every export). A big
    network draws its project links only (``edges["drawn"]``), and says so in its title."""
    _ = translator(lang)
    every_link = bool(edges["drawn"].all())
    fig = _base((_("Collaboration network, {year}: members linked by a project or a working "
                   "group") if every_link else
                 _("Collaboration network, {year}: members linked by a project (working groups "
                   "left out at this size)")).format(year=year), "", lang)
    where = dict(zip(nodes["label"], zip(nodes["x"], nodes["y"], strict=True), strict=True))
    for competitors, name, style in ((False, _(PARTNERS_LABEL), dict(color="#b8bcc2", width=1)),
                                     (True, _(COMPETITORS_LABEL),
                                      dict(color=PALETTE[1], width=1.6, dash="dash"))):
        part = edges[(edges["competitors"] == competitors) & edges["drawn"]]
        xs: list[float | None] = []
        ys: list[float | None] = []
        for a, b in zip(part["a"], part["b"], strict=True):
            xs += [where[a][0], where[b][0], None]
            ys += [where[a][1], where[b][1], None]
        if xs:
            fig.add_scatter(x=xs, y=ys, mode="lines", line=style, name=name, hoverinfo="skip")
    sectors = vocabulary("sectors")
    types = vocabulary("member_types")
    scale = 1.0 if len(nodes) <= 300 else 0.5  # hundreds of members: smaller marks
    for i, (sector, part) in enumerate(nodes.groupby("sector", dropna=False, sort=True)):
        name = sectors.label(sector, lang) if isinstance(sector, str) else _("Unknown")
        sizes = [scale * (CLASS_SIZES.get(s, 9) if isinstance(s, str) else
                          8 + 2.2 * math.sqrt(float(s)) if s is not None and not pd.isna(s)
                          else 8) for s in part["size"]]
        detail = [f"{html.escape(str(label))}<br>{html.escape(types.label(t, lang))} · "
                  f"{html.escape(name)}<br>" + (
                      _("{count} links").format(count=d)) + (
                      "" if s is None or (not isinstance(s, str) and pd.isna(s)) else
                      "<br>" + (_("{size} jobs").format(size=s if isinstance(s, str) else
                                                        formatting.number(float(s), 1, lang=lang))))
                  for label, t, d, s in zip(part["label"], part["member_type"], part["degree"],
                                            part["size"], strict=True)]
        fig.add_scatter(x=[where[n][0] for n in part["label"]],
                        y=[where[n][1] for n in part["label"]], mode="markers", name=name,
                        marker=dict(size=sizes, color=PALETTE[i % len(PALETTE)],
                                    symbol=SYMBOLS[i // len(PALETTE) % len(SYMBOLS)],
                                    line=dict(color="white", width=1)),
                        customdata=detail, hovertemplate="%{customdata}<extra></extra>")
    fig.update_xaxes(visible=False, dtick=None)
    fig.update_yaxes(visible=False, zeroline=False, rangemode=None)
    fig.update_layout(height=560, legend=dict(y=-0.05, itemsizing="constant"), meta=dict(summary=_(
        "{members} members, {links} links, {competitors} of them between competitors").format(
        members=len(nodes), links=len(edges), competitors=int(edges["competitors"].sum()))))
    return fig

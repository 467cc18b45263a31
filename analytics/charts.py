"""Figure builders: pure functions DataFrame -> plotly Figure, all on one template.

The ``cluster`` template holds every style decision (palette, font, grid, margins), so a
figure looks the same in the page (``st.plotly_chart(fig, theme=None)``) and in exports.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from .kpis import INDICATORS
from .schema import VOCABULARY_OF_DIMENSION, vocabulary

PALETTE = ["#1b7f5f", "#f2a541", "#2e86ab", "#a23b72", "#4cae4f", "#e4572e", "#6c757d",
           "#c9d45c", "#17becf", "#8c564b", "#76b7b2", "#b07aa1"]
FONT = "Source Sans Pro, Segoe UI, Helvetica Neue, Arial, sans-serif"
DIMENSION_TITLES = {"member_type": "Member type", "sector": "Sector", "area": "Area",
                    "sector_group": "Environmental purpose"}
SECTOR_GROUPS = {"CEPA": "Environmental protection (CEPA)", "CReMA": "Resource management (CReMA)"}

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


def _axis_format(unit: str) -> dict:
    """Tick and hover formats for an indicator's unit."""
    if unit == "EUR":
        return {"tickformat": "~s", "ticksuffix": " €", "hover": "%{y:,.0f} €"}
    if unit == "share":
        return {"tickformat": ".0%", "ticksuffix": "", "hover": "%{y:.1%}"}
    if unit == "FTE":
        return {"tickformat": ",~r", "ticksuffix": "", "hover": "%{y:,.1f} FTE"}
    if unit == "EUR per FTE":
        return {"tickformat": "~s", "ticksuffix": " €", "hover": "%{y:,.0f} € per FTE"}
    return {"tickformat": ",~r", "ticksuffix": "", "hover": "%{y:,.0f}"}


def _base(title: str, unit: str) -> go.Figure:
    fmt = _axis_format(unit)
    fig = go.Figure(layout=dict(template=TEMPLATE, title_text=title))
    fig.update_yaxes(tickformat=fmt["tickformat"], ticksuffix=fmt["ticksuffix"],
                     title_text=_unit_title(unit))
    return fig


def _unit_title(unit: str) -> str:
    return {"EUR": "", "FTE": "Jobs (FTE)", "share": "", "members": "Members",
            "EUR per FTE": "EUR per FTE"}.get(unit, unit.capitalize())


def dimension_label(dimension: str, code: str | None, lang: str = "en") -> str:
    if code is None or (isinstance(code, float) and pd.isna(code)):
        return "Unclassified"
    if dimension == "sector_group":
        return SECTOR_GROUPS.get(code, code)
    return vocabulary(VOCABULARY_OF_DIMENSION[dimension]).label(code, lang)


def trend(yearly: pd.DataFrame, measure: str, title: str | None = None) -> go.Figure:
    """One measure over the years, as bars; estimated parts (non-responses carried
    forward) stacked on top in a hatched, lighter bar so they are never mistaken for data."""
    ind = INDICATORS[measure]
    fig = _base(title or f"{ind.label} by year", ind.unit)
    hover = _axis_format(ind.unit)["hover"]
    estimated = yearly.get(f"{measure}_estimated")
    if estimated is not None and estimated.fillna(0).gt(0).any():
        est = estimated.fillna(0)
        fig.add_bar(x=yearly["year"], y=yearly[measure] - est, name="Reported",
                    marker_color=PALETTE[0], hovertemplate="%{x} reported<br>" + hover + "<extra></extra>")
        fig.add_bar(x=yearly["year"], y=est, name=ESTIMATED_LABEL,
                    marker=dict(color="#a8d5c2", pattern=dict(shape="/", fgcolor=PALETTE[0])),
                    hovertemplate="%{x} estimated<br>" + hover + "<extra></extra>")
        fig.update_layout(barmode="stack")
        return fig
    fig.add_bar(x=yearly["year"], y=yearly[measure], name=ind.label,
                hovertemplate="%{x}<br>" + hover + "<extra></extra>")
    return fig


ESTIMATED_LABEL = "Estimated (last reported value carried forward)"


def waterfall(part: dict, measure: str, title: str | None = None) -> go.Figure:
    """Baseline total -> like-for-like -> entries -> exits -> latest total."""
    ind = INDICATORS[measure]
    y0, y1 = part["y0"], part["y1"]
    fig = _base(title or f"{ind.label}: what changed from {y0} to {y1}", ind.unit)
    labels = [f"{y0}", "Own growth<br>(like-for-like)", "New<br>members", "Members<br>who left",
              f"{y1}"]
    values = [float(part["total_before"]), float(part["like_for_like"]),
              float(part["entries"] or 0), -float(part["exits"] or 0), float(part["total_after"])]
    measures = ["absolute", "relative", "relative", "relative", "total"]
    if part["entries"] is None:  # disclosure control: only the net of joining and leaving
        labels[2:4] = ["Joining and leaving<br>(net; detail<br>confidential)"]
        values[2:4] = [float(part["net_membership"] or 0)]
        measures[2:4] = ["relative"]
    fmt = _axis_format(ind.unit)
    fig.add_trace(go.Waterfall(
        x=labels, measure=measures, y=values,
        text=[_short(v, ind.unit) for v in values], textposition="outside", cliponaxis=False,
        connector=dict(line=dict(color="#9aa0a6")),
        increasing=dict(marker_color=PALETTE[0]), decreasing=dict(marker_color=PALETTE[5]),
        totals=dict(marker_color=PALETTE[6]),
        hovertemplate="%{x}<br>" + fmt["hover"] + "<extra></extra>"))
    fig.update_xaxes(dtick=None, type="category", tickangle=0)
    fig.update_layout(showlegend=False)
    return fig


def _short(value: float, unit: str) -> str:
    sign = "−" if value < 0 else ""
    v = abs(value)
    if unit == "EUR":
        return f"{sign}{v / 1e6:,.1f} M€" if v >= 1e5 else f"{sign}{v:,.0f} €"
    return f"{sign}{v:,.1f}".rstrip("0").rstrip(".")


def membership_flows(flows: pd.DataFrame, title: str = "Members joining and leaving") -> go.Figure:
    """Joined and left per year as bars, active members as a line on a second axis."""
    fig = _base(title, "members")
    fig.add_bar(x=flows["year"], y=flows["joined"], name="Joined", marker_color=PALETTE[0],
                hovertemplate="%{x}: %{y} joined<extra></extra>")
    fig.add_bar(x=flows["year"], y=-flows["left"], name="Left", marker_color=PALETTE[5],
                customdata=flows["left"], hovertemplate="%{x}: %{customdata} left<extra></extra>")
    fig.add_scatter(x=flows["year"], y=flows["active_members"], name="Active members",
                    mode="lines+markers", yaxis="y2", line=dict(color=PALETTE[2]),
                    customdata=flows["retention_rate"],
                    hovertemplate="%{x}: %{y} active, retention %{customdata:.1%}<extra></extra>")
    small = max([*flows["joined"], *flows["left"], 0]) <= 10
    fig.update_layout(barmode="relative", margin=dict(r=80),
                      yaxis=dict(title_text="Joined / left", rangemode=None, tickformat="d",
                                 dtick=1 if small else None),
                      yaxis2=dict(title_text="Active members", overlaying="y", side="right",
                                  rangemode="tozero", showgrid=False, tickformat="d"))
    return fig


TARGET_SYMBOLS = {"baseline": "circle-open", "milestone": "diamond", "target": "star"}


def against_targets(yearly: pd.DataFrame, targets: pd.DataFrame, measure: str,
                    title: str | None = None) -> go.Figure:
    """The measure over the years with its baseline, milestones and target marked."""
    ind = INDICATORS[measure]
    fig = _base(title or f"{ind.label} against targets", ind.unit)
    fmt = _axis_format(ind.unit)
    fig.add_scatter(x=yearly["year"], y=yearly[measure], mode="lines+markers", name="Actual",
                    line=dict(color=PALETTE[0], width=3),
                    hovertemplate="%{x}<br>" + fmt["hover"] + "<extra></extra>")
    rows = targets[targets["indicator"] == measure]
    for kind, symbol in TARGET_SYMBOLS.items():
        part = rows[rows["kind"] == kind]
        if not part.empty:
            fig.add_scatter(x=part["year"], y=part["value"], mode="markers+text", name=kind.capitalize(),
                            marker=dict(symbol=symbol, size=14, color=PALETTE[1],
                                        line=dict(width=2, color=PALETTE[1])),
                            text=[kind.capitalize()] * len(part), textposition="top center",
                            hovertemplate=f"{kind.capitalize()} %{{x}}<br>" + fmt["hover"]
                                          + "<extra></extra>")
    return fig


def baseline_vs_latest(growth: dict, measure: str, title: str | None = None) -> go.Figure:
    """Baseline and latest value of a measure side by side, with the change written above."""
    ind = INDICATORS[measure]
    g = growth[measure]
    fig = _base(title or f"{ind.label}: {g['baseline_year']} vs {g['latest_year']}", ind.unit)
    labels = [f"Baseline {g['baseline_year']}", f"Latest {g['latest_year']}"]
    text = ["", f"{g['pct']:+.1%}" if g["pct"] is not None else ""]
    fig.add_bar(x=labels, y=[g["baseline"], g["latest"]], text=text, textposition="outside",
                marker_color=[PALETTE[6], PALETTE[0]], cliponaxis=False,
                hovertemplate="%{x}<br>" + _axis_format(ind.unit)["hover"] + "<extra></extra>")
    fig.update_xaxes(dtick=None, type="category")
    return fig


CONFIDENTIAL_LABEL = "Confidential (not shown separately)"


def stacked(breakdown: pd.DataFrame, dimension: str, measure: str,
            title: str | None = None, totals: pd.DataFrame | None = None) -> go.Figure:
    """A measure by year, stacked by member type, sector or area. With ``totals`` (the
    protected by-year table), groups hidden by disclosure control are drawn together as
    one grey 'confidential' block, so the bars still reach the shown total."""
    ind = INDICATORS[measure]
    fig = _base(title or f"{ind.label} by {DIMENSION_TITLES[dimension].lower()} and year", ind.unit)
    order = (breakdown.groupby(dimension, dropna=False)[measure].sum()
             .sort_values(ascending=False).index)
    hover = _axis_format(ind.unit)["hover"]
    for code in order:
        part = breakdown[breakdown[dimension].isna()] if pd.isna(code) else \
            breakdown[breakdown[dimension] == code]
        part = part[part[measure].notna()]  # a gap is left out, not drawn as zero
        if not part.empty:
            name = dimension_label(dimension, code)
            fig.add_bar(x=part["year"], y=part[measure], name=name,
                        hovertemplate=f"{name}<br>%{{x}}<br>{hover}<extra></extra>")
    if totals is not None:
        shown_sum = breakdown.groupby("year")[measure].sum(min_count=1)
        rest = totals.set_index("year")[measure] - shown_sum.reindex(totals["year"]).fillna(0).values
        rest = rest[rest.notna() & (rest.abs() > 1e-6)]
        if not rest.empty:
            fig.add_bar(x=rest.index, y=rest.values, name=CONFIDENTIAL_LABEL,
                        marker=dict(color="#d0d3d6", pattern=dict(shape="x", fgcolor="#9aa0a6")),
                        hovertemplate=f"{CONFIDENTIAL_LABEL}<br>%{{x}}: %{{y:,.0f}}<extra></extra>")
    fig.update_layout(barmode="stack")
    return fig


def shares(breakdown: pd.DataFrame, dimension: str, measure: str, year: int,
           title: str | None = None) -> go.Figure:
    """Each group's share of a measure in one year, largest first."""
    ind = INDICATORS[measure]
    rows = breakdown[(breakdown["year"] == year) & breakdown[measure].notna()].copy()
    total = rows[measure].sum()
    rows["share"] = rows[measure] / total if total else float("nan")
    rows = rows.sort_values("share")
    rows["label"] = [dimension_label(dimension, c) for c in rows[dimension]]
    fig = _base(title or f"Share of {ind.label.lower()} by {DIMENSION_TITLES[dimension].lower()}, "
                f"{year}", "share")
    fig.add_bar(y=rows["label"], x=rows["share"], orientation="h", text=rows["share"],
                texttemplate="%{text:.1%}", textposition="outside", cliponaxis=False,
                marker_color=PALETTE[0], hovertemplate="%{y}<br>%{x:.1%}<extra></extra>")
    fig.update_xaxes(tickformat=".0%", dtick=None, rangemode="tozero")
    fig.update_yaxes(tickformat=None, ticksuffix="", title_text="", type="category")
    fig.update_layout(height=max(320, 40 * len(rows) + 120), margin=dict(l=220))
    return fig


def response_rate(yearly: pd.DataFrame, title: str = "Response rate by year") -> go.Figure:
    """Members who submitted over active members, per year."""
    fig = _base(title, "share")
    fig.add_scatter(x=yearly["year"], y=yearly["response_rate"], mode="lines+markers",
                    name="Response rate", customdata=yearly[["responded", "active_members"]],
                    hovertemplate="%{x}<br>%{y:.1%} (%{customdata[0]} of %{customdata[1]})"
                                  "<extra></extra>")
    fig.update_yaxes(range=[0, 1.05], rangemode=None)
    return fig


STATUS_COLOURS = {"submitted": PALETTE[0], "missing": PALETTE[5],
                  "submitted (not a member)": PALETTE[1]}


def submission_grid(status: pd.DataFrame, title: str = "Who submitted for which year") -> go.Figure:
    """Member x year grid coloured by submission status."""
    fig = go.Figure(layout=dict(template=TEMPLATE, title_text=title))
    # member text is escaped: Plotly would otherwise render tags such as <a href> in labels
    labels = status.assign(label=[html.escape(f"{i} {n or ''}") for i, n in
                                  zip(status["member_id"], status["member_name"], strict=True)])
    for name, colour in STATUS_COLOURS.items():
        part = labels[labels["status"] == name]
        if not part.empty:
            fig.add_scatter(x=part["year"], y=part["label"], mode="markers", name=name,
                            marker=dict(symbol="square", size=14, color=colour),
                            hovertemplate="%{y}<br>%{x}: " + name + "<extra></extra>")
    members = labels["label"].drop_duplicates().tolist()
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=members[::-1],
                     gridcolor="#f2f2f2", rangemode=None)
    fig.update_layout(height=max(300, 22 * len(members) + 140), margin=dict(l=260))
    return fig

"""Funder-grade presentation (issue 15): a confidential selection says so instead of drawing
empty charts, the palette holds for colour-blind readers, exported numbers carry the digits of
their unit and no more, many groups become the largest ones and 'Other'."""

from __future__ import annotations

import io
import itertools
import math

import pandas as pd
import pytest

from analytics import charts, export, kpis
from analytics.filters import Filters
from tests.conftest import figures

# -- a confidential selection ---------------------------------------------------------------


def test_a_confidential_selection_shows_an_empty_state_not_empty_charts(signed):
    at = signed("funder@region.eu", area="23")  # 4 members: every figure is hidden
    cards = {m.label: m.value for m in at.metric}
    assert cards["Turnover 2015"] == "confidential"
    assert all(v != "–" for v in cards.values()), cards
    notes = [i.value for i in at.info]
    assert any("Turnover by year: the figures for this selection are confidential (fewer "
               "than 3 members" in n for n in notes)
    drawn = figures(at)
    assert all(charts.has_data(charts.go.Figure({"data": spec["data"]})) for spec in drawn)
    titles = [spec["layout"]["title"]["text"] for spec in drawn]
    assert "Turnover by year" not in titles
    # the manager sees the same selection drawn: it is not empty, only hidden
    manager = signed("manager@cluster.eu", area="23")
    assert "Turnover by year" in [f["layout"]["title"]["text"] for f in figures(manager)]


def test_has_data_reads_every_kind_of_trace():
    go = charts.go
    assert not charts.has_data(go.Figure(go.Bar(x=[2009, 2010], y=[None, float("nan")])))
    assert charts.has_data(go.Figure(go.Bar(x=[2009, 2010], y=[None, 3])))
    assert not charts.has_data(go.Figure(go.Bar(y=["a"], x=[None], orientation="h")))
    assert charts.has_data(go.Figure(go.Heatmap(z=[[None, 1]])))


# -- colours ---------------------------------------------------------------------------------
def _linear(hex_colour: str) -> list[float]:
    def one(c: int) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    h = hex_colour.lstrip("#")
    return [one(int(h[i:i + 2], 16)) for i in (0, 2, 4)]


def _contrast_on_white(hex_colour: str) -> float:
    r, g, b = _linear(hex_colour)
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


#: Machado, Oliveira & Fernandes (2009), severity 1.0, on linear RGB.
DEUTERANOPIA = ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                (-0.011820, 0.042940, 0.968881))
PROTANOPIA = ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
              (-0.003882, -0.048116, 1.051998))


def _lab(linear: list[float], matrix=None) -> tuple[float, float, float]:
    if matrix is not None:
        linear = [min(1.0, max(0.0, sum(m * c for m, c in zip(row, linear, strict=True))))
                  for row in matrix]
    r, g, b = linear
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116
    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def test_the_palette_has_contrast_and_survives_colour_blindness():
    template = charts.pio.templates[charts.TEMPLATE]
    colours = list(template.layout.colorway)
    assert colours == charts.PALETTE and len(colours) >= 6
    for colour in colours:  # WCAG 1.4.11: 3:1 for graphical objects
        assert _contrast_on_white(colour) >= 3, colour
    for matrix in (None, DEUTERANOPIA, PROTANOPIA):
        for a, b in itertools.combinations(colours, 2):
            distance = math.dist(_lab(_linear(a), matrix), _lab(_linear(b), matrix))
            assert distance >= 10, (a, b, matrix is not None)
    # the hatched 'confidential' block's lines stand out too
    assert _contrast_on_white(charts.CONFIDENTIAL_MARKER["pattern"]["fgcolor"]) >= 3


def test_the_simulation_would_catch_a_red_green_pair():
    """The check above can fail: a red and a green that deuteranopes confuse."""
    red, green = "#d62728", "#2ca02c"
    assert math.dist(_lab(_linear(red)), _lab(_linear(green))) > 50
    assert math.dist(_lab(_linear(red), DEUTERANOPIA), _lab(_linear(green), DEUTERANOPIA)) < 10


# -- many groups -----------------------------------------------------------------------------
def test_twelve_sectors_become_the_five_largest_and_other(demo_store):
    result = kpis.overview(demo_store, Filters())
    frame = result["by_sector"]
    fig = charts.stacked(frame, "sector", "turnover_eur")
    names = [t.name for t in fig.data]
    assert len(names) == charts.TOP_GROUPS + 1 and names[-1].startswith("Other (")
    # the bars still add up to the total of every year
    for year, total in zip(result["by_year"]["year"], result["by_year"]["turnover_eur"],
                           strict=True):
        drawn = sum(v for t in fig.data for x, v in zip(t.x, t.y, strict=True)
                    if x == year and v is not None)
        assert drawn == pytest.approx(float(total))
    every = charts.stacked(frame, "sector", "turnover_eur", top=None)
    assert len(every.data) == frame["sector"].nunique()


# -- exported numbers ------------------------------------------------------------------------
def test_csv_numbers_carry_the_digits_of_their_unit(demo_store):
    result = kpis.overview(demo_store, Filters(), medians=True)
    for key, frame in export.kpi_tables(result).items():
        back = pd.read_csv(io.BytesIO(export.table_csv(frame)), encoding="utf-8-sig", dtype=str)
        formats = frame.attrs.get("formats", {})
        for title, fmt in formats.items():
            allowed = export.DECIMALS.get(fmt)
            if allowed is None:
                continue
            for text in back[title].dropna():
                decimals = len(text.split(".")[1]) if "." in text else 0
                assert decimals <= allowed, (key, title, text)


# -- charts that say what happened -----------------------------------------------------------
def test_the_headline_comparison_writes_its_values_and_no_chart_has_two_scales(demo_store):
    from analytics import growth as growth_module

    result = kpis.overview(demo_store, Filters())
    g = result["growth"]["turnover_eur"]
    fig = charts.baseline_vs_latest(result["growth"], "turnover_eur")
    assert list(fig.data[0].text) == [f"€{g['baseline'] / 1e6:.1f}m",
                                      f"€{g['latest'] / 1e6:.1f}m (+40.0%)"]
    flows = charts.membership_flows(growth_module.bundle(demo_store, Filters(), False)["flows"])
    layout = flows.to_plotly_json()["layout"]
    assert not any(axis.get("overlaying") for key, axis in layout.items()
                   if key.startswith("yaxis"))
    assert all(v >= 0 for t in flows.data for v in t.y)  # no "−1 members"


def test_a_money_axis_goes_past_the_tallest_bar(demo_store):
    result = kpis.overview(demo_store, Filters())
    for fig, tallest in ((charts.stacked(result["by_sector"], "sector", "turnover_eur"),
                          float(result["by_year"]["turnover_eur"].max())),
                         (charts.trend(result["by_year"], "turnover_eur"),
                          float(result["by_year"]["turnover_eur"].max()))):
        axis = fig.layout.yaxis
        top = max(axis.tickvals)
        assert top >= tallest * 1.03 and top in axis.autorangeoptions.include


def test_the_chart_font_is_the_one_the_page_loads():
    from pathlib import Path

    import streamlit

    first = charts.FONT.split(",")[0].strip()
    bundle = Path(streamlit.__file__).parent / "static" / "static" / "js"
    assert any(f'"{first}"' in path.read_text(errors="ignore") for path in bundle.glob("*.js"))


def test_the_headline_chart_states_its_finding(demo_db, monkeypatch, demo_store):
    from tests.conftest import app

    g = kpis.overview(demo_store, Filters())["growth"]["turnover_eur"]
    expected = (f"Turnover grew {g['pct']:.1%} to €{g['latest'] / 1e6:.1f}m, "
                f"{g['baseline_year']}–{g['latest_year']}")
    at = app(demo_db, monkeypatch)
    # (the page escapes Markdown: '40\\.0%' reads 40.0%)
    assert any(m.value.replace("\\", "") == f"**{expected}**" for m in at.markdown)
    assert any(c.value == "Turnover: 2009 vs 2015" for c in at.caption)  # the title, under it
    # a funder's hidden figures state nothing
    assert charts.growth_finding({**g, "pct": None}, "turnover_eur") is None

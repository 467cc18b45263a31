"""Exported files open as what they claim and carry the numbers of the KPIs."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal

import pandas as pd
import pytest

from analytics import charts, cluster_life, document, export, kpis, report, satisfaction
from analytics.filters import Filters

pytestmark = pytest.mark.skipif(export.find_browser() is None, reason="needs Chrome/Chromium")


@pytest.fixture(scope="module")
def ctx(demo_store):
    return report.context(demo_store, Filters(member_types=("sme", "research_lab")))


@pytest.fixture(scope="module")
def result(demo_store):
    return kpis.overview(demo_store)


def test_png_is_print_resolution(result, ctx):
    data = export.render(export.annotate(charts.trend(result["by_year"], "jobs"), ctx, "FTE"), "png")
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (export.WIDTH * 2, export.HEIGHT * 2)


def test_svg_has_title_filters_unit_date_and_source(result, ctx):
    fig = export.annotate(charts.trend(result["by_year"], "turnover_eur"), ctx, "EUR")
    data = export.render(fig, "svg")
    root = ET.fromstring(data)  # parses as XML
    text = " ".join(t for t in root.itertext())
    assert "Turnover by year" in text
    assert "Member types: SME, Research lab" in text
    assert "Unit: EUR" in text and f"Data as of {ctx.data_date}" in text and "Source:" in text


def test_pdf_header(result, ctx):
    data = export.render(charts.trend(result["by_year"], "jobs"), "pdf")
    assert data.startswith(b"%PDF-")


def test_missing_browser_gives_install_hint(monkeypatch, result):
    monkeypatch.setattr(export, "_server_running", False)
    monkeypatch.setattr(export, "find_browser", lambda: None)
    with pytest.raises(export.BrowserMissing, match="apt-get install chromium"):
        export.render(charts.trend(result["by_year"], "jobs"), "png")


def test_renderer_page_needs_no_network():
    from kaleido import PageGenerator

    page = PageGenerator(mathjax=False).generate_index()
    assert "http://" not in page and "https://" not in page


def test_file_names_are_safe_and_meaningful():
    f = Filters(year_from=2009, year_to=2015)
    assert export.file_stem("turnover_by_sector", f) == "turnover_by_sector_2009-2015"
    assert export.file_stem("a/b c:d", Filters()) == "a_b_c_d"


def test_csv_round_trips(result):
    frame = export.kpi_tables(result)["by_sector"]
    back = pd.read_csv(io.BytesIO(export.table_csv(frame)), encoding="utf-8-sig")
    assert export.table_csv(frame)[:3] == b"\xef\xbb\xbf"
    pd.testing.assert_frame_equal(back, frame.reset_index(drop=True), check_dtype=False)


def test_csv_and_xlsx_neutralise_formulas():
    frame = pd.DataFrame({"name": ["=HYPERLINK(\"x\")", "+1", "safe"], "v": [1, 2, 3]})
    assert b"'=HYPERLINK" in export.table_csv(frame)
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(export.tables_xlsx({"t": frame})))
    assert book["t"]["A2"].value == "'=HYPERLINK(\"x\")" and book["t"]["A2"].data_type == "s"


def test_xlsx_numbers_are_numbers(result, demo_rows):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(export.tables_xlsx(export.kpi_tables(result))))
    assert book.sheetnames == ["By year", "By sector", "By member type", "By area", "Growth"]
    sheet = book["By year"]
    header = [c.value for c in sheet[1]]
    col = header.index("Turnover (EUR)")
    values = {row[0].value: row[col].value for row in sheet.iter_rows(min_row=2)}
    for year in (2009, 2012, 2015):
        expected = sum((r["turnover_eur"] for r in demo_rows
                        if r["year"] == year and r["turnover_eur"] is not None), Decimal(0))
        assert values[year] == pytest.approx(float(expected))
    assert "€" in sheet.cell(row=2, column=col + 1).number_format


@pytest.fixture(scope="module")
def pack(demo_store):
    data, name = report.build_pack(demo_store, Filters(year_from=2009, year_to=2015))
    return data, name


def test_report_pack_contents(pack):
    data, name = pack
    assert name == "cluster_report_2009-2015.zip"
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = zf.namelist()
    for fmt in ("png", "svg", "pdf"):
        assert sum(n.startswith("charts/") and n.endswith(f".{fmt}") for n in names) == 20
    assert "charts/turnover_by_sector_and_year_2009-2015.svg" in names
    assert "methodology.txt" in names and "tables/kpis_2009-2015.xlsx" in names
    text = zf.read("methodology.txt").decode()
    assert "Baseline year: 2009; latest year: 2015" in text
    assert "28 of 28 active members reported for 2015" in text


def test_word_report_has_charts_and_right_numbers(pack, demo_store):
    from docx import Document

    data, _ = pack
    zf = zipfile.ZipFile(io.BytesIO(data))
    doc = Document(io.BytesIO(zf.read("report_2009-2015.docx")))
    assert len(doc.inline_shapes) == 20
    table = doc.tables[0]
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows}
    growth = document.summary(demo_store)["growth"]
    turnover = rows["Turnover (EUR)"]
    # compact money: €50.0m (the exact values are in the tables)
    assert turnover[1] == f"€{growth['turnover_eur']['baseline'] / 1e6:.1f}m (2009)"
    assert turnover[2] == f"€{growth['turnover_eur']['latest'] / 1e6:.1f}m (2015)"
    assert rows["Jobs (FTE)"][3] == "200" and rows["Jobs (FTE)"][4].startswith("+40.0")
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert len(captions) == 20 and captions[0].startswith("Figure 1: Turnover by year")
    assert any("Collaboration network, 2015" in c for c in captions)
    # cluster life: the members' satisfaction by year, as computed from the answers
    life = next(t for t in doc.tables if t.rows[0].cells[-1].text == "Net Promoter Score")
    nps = {r.cells[0].text: r.cells[-1].text for r in life.rows[1:]}
    expected = satisfaction.by_year(demo_store).set_index("year")["nps"]
    assert nps == {str(y): f"{v:+.0f}" for y, v in expected.items()}
    # ... and the cluster's work: groups, activities, projects, as computed from the records
    work = next(t for t in doc.tables if t.rows[0].cells[3].text == "Activities")
    shown = {r.cells[0].text: [c.text for c in r.cells] for r in work.rows[1:]}
    for year, row in cluster_life.by_year(demo_store).set_index("year").iterrows():
        assert shown[str(year)][1] == (f"{row['working_groups_active']:.0f} "
                                       f"({row['working_groups_led_by_members']:.0f})")
        assert shown[str(year)][3] == f"{row['activities']:.0f}"
        assert shown[str(year)][4] == (f"{row['projects_started']:.0f} / "
                                       f"{row['projects_running']:.0f}")


def test_word_report_is_a4_with_a_summary_and_alt_text(pack, demo_store):
    from docx import Document

    data, _ = pack
    zf = zipfile.ZipFile(io.BytesIO(data))
    doc = Document(io.BytesIO(zf.read("report_2009-2015.docx")))
    section = doc.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    text_width = section.page_width - section.left_margin - section.right_margin
    assert all(shape.width <= text_width for shape in doc.inline_shapes)
    alts = [shape._inline.docPr.get("descr") for shape in doc.inline_shapes]
    assert all(alts) and alts[0] == "Turnover by year. Turnover: €50.0m (2009) to €70.0m (2015)"
    paragraphs = [p.text for p in doc.paragraphs]
    summary = paragraphs[paragraphs.index("Summary") + 1]
    growth = document.summary(demo_store)["growth"]
    assert summary.startswith(
        f"Between 2009 and 2015, the members' turnover grew from "
        f"€{growth['turnover_eur']['baseline'] / 1e6:.1f}m to "
        f"€{growth['turnover_eur']['latest'] / 1e6:.1f}m (+40.0%). Their jobs went up from 500 "
        "to 700 FTE (+40.0%).")
    assert "100% of the active members reported for 2015 (28 of 28)." in summary


def test_the_pdf_report_has_the_same_sections(pack):
    from docx import Document
    from pypdf import PdfReader

    data, _ = pack
    zf = zipfile.ZipFile(io.BytesIO(data))
    pdf = PdfReader(io.BytesIO(zf.read("report_2009-2015.pdf")))
    width, height = float(pdf.pages[0].mediabox.width), float(pdf.pages[0].mediabox.height)
    assert (round(width / 72 * 2.54, 1), round(height / 72 * 2.54, 1)) == (21.0, 29.7)  # A4
    text = " ".join(page.extract_text() for page in pdf.pages)
    words = " ".join(text.split())
    doc = Document(io.BytesIO(zf.read("report_2009-2015.docx")))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert len(headings) >= 6
    for heading in headings:
        assert heading in words
    assert "Figure 20:" in words and "Between 2009 and 2015" in words
    assert "Cluster life" in headings and "Members' satisfaction" in headings

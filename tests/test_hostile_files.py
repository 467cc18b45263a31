"""The hostile files of the security review (issue 19), each within the upload limits: a
control character deep in a CSV, a row of 100,000 cells, an .xlsx zip bomb, a workbook of
empty cells, 20,000 repeated keys on the page. Each is refused with its row and column, in
bounded time (asserted loosely here; measured in ``benchmarks/bench_limits.py``)."""

from __future__ import annotations

import time

import pytest

from analytics import readers
from analytics.ingest import check_file
from benchmarks.bench_limits import HEADER, zip_bomb
from tests.conftest import app

ROWS = "".join(f"M{i:03d},Member {i},SME,waste,87,2015,1000,2\n" for i in range(1, 300))


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f"])
def test_a_control_character_after_the_first_4_kb_is_refused_with_its_cell(char, demo_store):
    text = HEADER + ROWS + f"M999,Bad{char}name,SME,waste,87,2015,1000,2\n"
    assert text.index(char) > 4096  # past what the binary sniffing reads
    report = check_file(text.encode(), "f.csv", demo_store)
    assert not report.ok
    [error] = [e for e in report.errors if "control character" in e.text()]
    assert (error.row, error.column) == (301, "member_name")
    assert error.value == "Bad\ufffdname"


def test_tabs_and_line_breaks_in_a_quoted_cell_are_text(demo_store):
    text = HEADER + 'M01,"Ondivert\tRecyclage\r\nSud",SME,waste,87,2015,1000,2\n'
    assert check_file(text.encode(), "f.csv", demo_store).ok


def test_a_row_of_100000_cells_is_refused_by_its_number_at_once(demo_store):
    text = HEADER + ROWS + "1," * 99_999 + "1\n"
    start = time.perf_counter()
    report = check_file(text.encode(), "f.csv", demo_store)
    assert time.perf_counter() - start < 5  # 24 s and 2.6 GB before
    [error] = report.errors
    assert error.row == 301 and "100000 cells" in error.text()


def test_a_row_with_a_few_cells_too_many_is_one_error_a_row(demo_store):
    text = HEADER + "M01,A,SME,waste,87,2015,1000,2,9,9,9,9,9\n"
    [error] = check_file(text.encode(), "f.csv", demo_store).errors
    assert error.row == 2 and "more cells" in error.text()


def test_an_xlsx_zip_bomb_is_refused_before_it_is_parsed(tmp_path, monkeypatch, demo_store):
    monkeypatch.setattr(readers, "XLSX_RATIO_FROM_MB", 1)  # a small bomb, same ratio
    data = zip_bomb(tmp_path, rows=20_000).read_bytes()
    start = time.perf_counter()
    [error] = check_file(data, "bomb.xlsx", demo_store).errors
    assert time.perf_counter() - start < 2
    assert "never packs this tightly" in error.text()


def test_a_workbook_is_read_within_a_cell_budget(tmp_path, monkeypatch, demo_store):
    monkeypatch.setattr(readers, "MAX_XLSX_RATIO", 1e9)
    monkeypatch.setattr(readers, "MAX_XLSX_CELLS", 100_000)
    data = zip_bomb(tmp_path, rows=20_000).read_bytes()  # 6 million empty cells
    start = time.perf_counter()
    [error] = check_file(data, "empty.xlsx", demo_store).errors
    assert time.perf_counter() - start < 5
    assert "more than 100,000 cells" in error.text()


def test_20000_repeated_keys_on_the_page_give_one_message(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch, "app_pages/submissions.py")
    text = HEADER + "M01,Ondivert,SME,waste,87,2015,1000,2\n" * 20_000
    start = time.perf_counter()
    at.file_uploader[0].set_value(("dups.csv", text.encode(), "text/csv")).run()
    assert time.perf_counter() - start < 30
    assert not at.exception
    shown = " ".join(e.value for e in at.error) + " ".join(m.value for m in at.markdown)
    assert "appears 20000 times" in shown
    assert len(shown) < 20_000

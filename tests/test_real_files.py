"""Real files from scripts, spreadsheets and statistical offices (issue 16): read honestly,
and whatever the file, a check report that stays short."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

from analytics.checks import MAX_BYTES, MAX_LINES, bounded_lines, group, row_ranges
from analytics.ingest import check_file, load_checked
from analytics.store import Store
from tests.conftest import ROOT

HEADER = "member_id,member_name,member_type,sector,area,year,turnover_eur,jobs"


def test_floating_point_noise_loads_exact_to_the_cent_with_one_warning(store):
    """Every money and FTE cell written by a script with binary noise: the file loads, the
    totals are exact to the cent, and real extra decimals are rounded half to even."""
    rows = [HEADER + ",export_turnover_eur"]
    noisy = [("9289999.99999999", "440971.838450271", "1000000.0000001"),
             ("8060390000.00001", "12.3400000000001", "2.99999999999"),
             ("0.1", "0.30000000000000004", "100.00000000001")]
    for i, (money, fte, export) in enumerate(noisy):
        rows.append(f"M{i},N,sme,waste,87,2016,{money},{fte},{export}")
    report = check_file(("\n".join(rows) + "\n").encode(), "noise.csv", store)
    assert report.ok and report.warnings == [], [p.describe() for p in report.problems]
    load_checked(report, store)
    assert store.rows("SELECT sum(turnover_eur), sum(jobs), sum(export_turnover_eur) "
                      "FROM submissions") == [(Decimal("8069680000.10"), Decimal("440984.48"),
                                               Decimal("1000103.00"))]
    # a value with real extra decimals: rounded half to even, with a warning naming the rows
    more = HEADER + "\nM9,N,sme,waste,87,2016,12.345,1.125\nM8,N,sme,waste,87,2016,12.355,1\n"
    report = check_file(more.encode(), "more.csv", store)
    assert report.ok
    money = next(g for g in group(report.warnings) if g.first.column == "turnover_eur")
    assert money.rows == (2, 3) and "rounded to 2 (half to even)" in money.describe()
    load_checked(report, store)
    assert store.rows("SELECT member_id, turnover_eur, jobs FROM submissions WHERE member_id "
                      "IN ('M8', 'M9') ORDER BY 1") == [("M8", Decimal("12.36"), Decimal("1.00")),
                                                        ("M9", Decimal("12.34"), Decimal("1.12"))]


def test_trailing_empty_columns_are_ignored_with_one_warning(store):
    text = HEADER + ",,,\nM01,A,sme,waste,87,2016,1,1,,,\nM02,B,sme,waste,87,2016,2,2,,,\n"
    report = check_file(text.encode(), "excel.csv", store)
    assert report.ok
    [warning] = report.warnings
    assert warning.text() == "3 empty columns without a name (I, J, K) were ignored."
    # an unnamed column with values is an error, named by its spreadsheet letter
    bad = check_file((HEADER + ",\nM01,A,sme,waste,87,2016,1,1,oops\n").encode(), "f.csv", store)
    [error] = bad.errors
    assert error.column == "column I" and "has values but no name" in error.text()


def test_scientific_notation_and_not_available_markers(store):
    text = (HEADER + ",export_turnover_eur,rd_spend_eur\n"
            "M01,A,sme,waste,87,2016,1.2E+07,1,n/a,:\n"
            "M02,B,sme,waste,87,2016,1000,2,s,-\n")
    report = check_file(text.encode(), "stats.csv", store)
    assert report.ok
    kinds = {g.first.column: g for g in group(report.warnings)}
    assert "scientific notation" in kinds["turnover_eur"].describe()
    assert kinds["export_turnover_eur"].count == 2 and kinds["rd_spend_eur"].count == 2
    load_checked(report, store)
    assert store.rows("SELECT member_id, turnover_eur, export_turnover_eur, rd_spend_eur "
                      "FROM submissions ORDER BY 1") == [
        ("M01", Decimal("12000000.00"), None, None), ("M02", Decimal("1000.00"), None, None)]
    # a marker where a value is required is still an error (a year cannot be 'not available')
    report = check_file((HEADER + "\nM01,A,sme,waste,87,n/a,1,1\n").encode(), "f.csv", store)
    assert [e.column for e in report.errors] == ["year"]


def test_grouped_report_with_row_ranges():
    assert row_ranges([2, 3, 4, 5, 9, 11, 12]) == "2–5, 9, 11–12"
    text = HEADER + "\n" + "".join(f"M{i},A,sme,waste,87,2016,douze,1\n" for i in range(500))
    report = check_file(text.encode(), "f.csv", Store(":memory:"))
    [line], left_out = bounded_lines(report.problems)
    assert left_out == 0 and report.error_count == 500
    assert line.endswith("— rows 2–9 and 492 more")


def test_a_million_copies_of_one_row_make_a_short_report_and_change_nothing(tmp_path):
    """The worst case of the issue (75 GB of output before): one message, bounded output,
    the database exactly as before."""
    path = tmp_path / "repeated.csv"
    path.write_text(HEADER + "\n" + "M01,A,sme,waste,87,2016,1000.5,1\n" * 1_000_000)
    db = tmp_path / "db.duckdb"
    Store(db)
    before = Store(db).history()
    done = subprocess.run([sys.executable, "-m", "analytics", "ingest", str(path), "--db", str(db),
                           "--problems", str(tmp_path / "all.csv")], capture_output=True,
                          text=True, cwd=ROOT, env={"PATH": "/usr/bin:/bin", "CLUSTER_LANG": "en"},
                          timeout=120)
    assert done.returncode == 1
    assert len(done.stdout) + len(done.stderr) < 2_000
    assert "appears 1000000 times (rows 2, 3, 4, 5, 6 … (+999995))" in done.stderr
    assert Store(db).history().equals(before)
    assert (tmp_path / "all.csv").read_text().count("\n") == 2  # the header and the one problem


def test_output_is_bounded_whatever_the_number_of_kinds_of_problem():
    from analytics.checks import Problem

    problems = [Problem(f"problem number {i} " + "x" * 500, row=i) for i in range(5_000)]
    lines, left_out = bounded_lines(problems)
    assert len(lines) <= MAX_LINES and sum(len(x) + 1 for x in lines) <= MAX_BYTES
    assert left_out == 5_000 - len(lines)

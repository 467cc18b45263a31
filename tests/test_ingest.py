"""Reading, checking and loading files: formats, every error rule, all-or-nothing, history."""

from __future__ import annotations

import io
from decimal import Decimal

import duckdb
import pytest
from openpyxl import Workbook

from analytics.ingest import check_file, load_checked
from analytics.store import Store

HEADER_EN = "member_id,member_name,member_type,sector,area,year,turnover_eur,jobs"
GOOD_EN = HEADER_EN + "\nM01,Alpha,SME,waste,87,2014,1000000,10\nM02,Lab,research_lab,env_rd,19,2014,,20.5\n"


def load_text(store: Store, text: str, name: str = "f.csv", encoding: str = "utf-8"):
    report = check_file(text.encode(encoding), name, store)
    result = load_checked(report, store) if report.ok else None
    return report, result


def table(store: Store) -> list[tuple]:
    return store.rows("SELECT member_id, year, turnover_eur, jobs FROM submissions ORDER BY ALL")


def snapshot(store: Store) -> tuple:
    return (store.rows("SELECT * FROM submissions ORDER BY ALL"),
            store.rows("SELECT * FROM submissions_history ORDER BY ALL"),
            store.rows("SELECT count(*) FROM loads"))


def test_english_csv_loads_with_missing_turnover_kept_null(store):
    report, result = load_text(store, GOOD_EN)
    assert report.ok and result.rows_added == 2
    assert table(store) == [("M01", 2014, Decimal("1000000.00"), Decimal("10.00")),
                            ("M02", 2014, None, Decimal("20.50"))]
    assert any("count as missing, not as zero" in p.text() for p in report.warnings)


def test_french_cp1252_file_with_spaces_and_decimal_comma(store):
    text = ("Identifiant;Nom;Type de membre;Secteur;Département;Année;Chiffre d'affaires (€);"
            "Effectif (ETP)\n"
            "M01;Éco-Déchets;PME;Gestion et valorisation des déchets;Haute-Vienne;2014;"
            "1\u00a0234\u00a0567,89;12,5\n"
            "M02;Forêt Bois;pme;FOREST;19;2014;2 000 000;3\n"
            "M03;Génie Vert;École d'ingénieurs;Énergies renouvelables;Creuse;2014;1.234;1\n")
    report, result = load_text(store, text, encoding="cp1252")
    assert report.errors == [], report.errors
    rows = store.rows("SELECT member_id, member_name, member_type, sector, area, turnover_eur, jobs "
                      "FROM submissions ORDER BY member_id")
    assert rows == [
        ("M01", "Éco-Déchets", "sme", "waste", "87", Decimal("1234567.89"), Decimal("12.50")),
        ("M02", "Forêt Bois", "sme", "forest", "19", Decimal("2000000.00"), Decimal("3.00")),
        # ';'-separated file: a lone 1.234 is French for one thousand two hundred and thirty-four
        ("M03", "Génie Vert", "engineering_school", "renewables", "23", Decimal("1234.00"),
         Decimal("1.00")),
    ]


def test_utf8_bom_tab_separated_and_english_thousands(store):
    text = ("\ufeff" + HEADER_EN.replace(",", "\t") +
            "\nM01\tA\tSME\twaste\t87\t2014\t1,234,567.5\t2.5\nM02\tB\tSME\twaste\t87\t2014\t1,234\t1\n")
    report, _ = load_text(store, text)
    assert report.ok, report.errors
    assert table(store) == [("M01", 2014, Decimal("1234567.50"), Decimal("2.50")),
                            ("M02", 2014, Decimal("1234.00"), Decimal("1.00"))]


def test_semicolon_utf8_with_euro_sign_and_narrow_spaces(store):
    text = ("member_id;member_name;member_type;sector;area;year;turnover_eur;jobs\n"
            "M01;A;SME;waste;87;2014;1\u202f500\u202f000 €;4\n")
    report, _ = load_text(store, text)
    assert report.ok, report.errors
    assert table(store)[0][2] == Decimal("1500000.00")


def xlsx_bytes(rows: list[list], sheets: int = 1) -> bytes:
    book = Workbook()
    book.active.title = "notes"
    if sheets > 1:
        book.active.append(["nothing here"])
        sheet = book.create_sheet("data")
    else:
        sheet = book.active
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_typed_numbers_and_row_numbers(store):
    data = xlsx_bytes([HEADER_EN.split(","),
                       ["M01", "A", "SME", "waste", 87, 2014, 1234567.89, 12.375 + 0.005],
                       [None] * 8,
                       ["M02", "B", "SME", "nope", 87, 2014, 0.1 + 0.2, 1]])
    report = check_file(data, "f.xlsx", store)
    assert [(p.row, p.column) for p in report.errors] == [(4, "sector")]
    fixed = xlsx_bytes([HEADER_EN.split(","),
                        ["M01", "A", "SME", "waste", 87, 2014, 1234567.89, 12.38],
                        ["M02", "B", "SME", "waste", 87, 2014, "1 500,5", 1]])
    report = check_file(fixed, "f.xlsx", store)
    assert report.ok, report.errors
    load_checked(report, store)
    assert table(store) == [("M01", 2014, Decimal("1234567.89"), Decimal("12.38")),
                            ("M02", 2014, Decimal("1500.50"), Decimal("1.00"))]


def test_xlsx_three_decimal_float_is_not_read_as_thousands(store):
    report = check_file(xlsx_bytes([HEADER_EN.split(","),
                                    ["M01", "A", "SME", "waste", 87, 2014, 1000, 12.375]]),
                        "f.xlsx", store)
    # 12.375 jobs is a real value with 3 decimals: rounded half to even with a warning, not
    # read as 12375
    assert report.ok
    assert [p.text() for p in report.warnings] == [
        "More than 2 decimals: rounded to 2 (half to even)."]
    load_checked(report, store)
    assert table(store) == [("M01", 2014, Decimal("1000.00"), Decimal("12.38"))]


def test_xlsx_data_on_second_sheet(store):
    data = xlsx_bytes([HEADER_EN.split(","), ["M01", "A", "SME", "waste", 87, 2014, 5, 1]],
                      sheets=2)
    report = check_file(data, "f.xlsx", store)
    # the first sheet's header does not match: its unknown column is reported, nothing loaded
    assert not report.ok


@pytest.mark.parametrize("text, row, column, words", [
    (HEADER_EN + "\nM01,A,SME,waste,87,2014,abc,1\n", 2, "turnover_eur", "not a number"),
    (HEADER_EN + "\nM01,A,SME,waste,87,2014,-5,1\n", 2, "turnover_eur", "negative"),
    (HEADER_EN + "\nM01,A,SME,waste,87,1985,5,1\n", 2, "year", "from 1990"),
    (HEADER_EN + "\nM01,A,SME,waste,87,2999,5,1\n", 2, "year", "from 1990"),
    (HEADER_EN + "\nM01,A,startup,waste,87,2014,5,1\n", 2, "member_type", "research_lab"),
    (HEADER_EN + "\nM01,A,SME,gold mining,87,2014,5,1\n", 2, "sector", "renewables"),
    (HEADER_EN + "\nM01,A,SME,waste,75,2014,5,1\n", 2, "area", "Haute-Vienne"),
    (HEADER_EN + "\n,A,SME,waste,87,2014,5,1\n", 2, "member_id", "empty"),
])
def test_each_value_error_names_row_column_and_cause(store, text, row, column, words):
    report = check_file(text.encode(), "f.csv", store)
    assert not report.ok
    [error] = report.errors
    assert (error.row, error.column) == (row, column)
    assert words in error.text()


def test_all_errors_are_reported_at_once(store):
    text = HEADER_EN + "\nM01,A,SME,waste,87,2014,abc,1\nM02,B,SME,waste,87,1900,5,x\n"
    report = check_file(text.encode(), "f.csv", store)
    assert sorted((p.row, p.column) for p in report.errors) == [
        (2, "turnover_eur"), (3, "jobs"), (3, "year")]


def test_duplicate_member_year_in_one_file(store):
    text = (HEADER_EN + "\nM01,A,SME,waste,87,2014,5,1\nM02,A,SME,waste,87,2014,5,1"
            "\nM01,A,SME,waste,87,2014,6,1\n")
    report = check_file(text.encode(), "f.csv", store)
    [error] = report.errors
    assert error.row == 4 and "rows 2, 4" in error.text()


def test_header_problems(store):
    report = check_file(b"member_id,name,colour\nM01,A,red\n", "f.csv", store)
    messages = " ".join(p.text() for p in report.errors)
    assert "Unknown column 'colour'" in messages
    assert "Missing required columns: member_type, sector, area, year, turnover_eur, jobs" in messages


@pytest.mark.parametrize("data, words", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (HEADER_EN.encode() + b"\n", "no data rows"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text table"),
    (b"just some words\nwithout any separator\n", "does not look like a table"),
    (b"PK\x03\x04garbage", "cannot be opened"),
    (HEADER_EN.encode() + b"\nM01,A,SME,waste,87,2014,5\n", "fewer cells"),
    (HEADER_EN.encode() + b'\nM01,"A,SME,waste,87,2014,5,1\n', "cannot be read"),
])
def test_files_that_are_not_tables_are_rejected_clearly(store, data, words):
    report = check_file(data, "f.csv", store)
    assert not report.ok
    assert any(words in p.text() for p in report.errors), report.errors


def test_rejected_file_leaves_database_exactly_as_it_was(demo_store):
    before = snapshot(demo_store)
    text = HEADER_EN + "\nM01,A,SME,waste,87,2015,1,1\nM02,B,SME,waste,87,2015,oops,1\n"
    report = check_file(text.encode(), "f.csv", demo_store)
    assert not report.ok
    with pytest.raises(ValueError):
        load_checked(report, demo_store)
    assert snapshot(demo_store) == before


def test_failed_write_rolls_back(store, monkeypatch):
    load_text(store, GOOD_EN)
    before = snapshot(store)
    report = check_file((HEADER_EN + "\nM01,A,SME,waste,87,2014,2,2\n").encode(), "f.csv", store)
    report.table = report.table.to_pandas()
    report.table["jobs"] = report.table["jobs"].astype(object)
    report.table.loc[0, "jobs"] = "not a number"  # the insert fails after the history move
    with pytest.raises(duckdb.Error):
        load_checked(report, store)
    assert snapshot(store) == before


def test_resubmission_replaces_keeps_history_and_undo_restores(store):
    _, first = load_text(store, GOOD_EN, "first.csv")
    report, second = load_text(store, HEADER_EN + "\nM01,Alpha,SME,waste,87,2014,1500000,11\n",
                               "second.csv")
    assert report.replaces == 1 and second.rows_replaced == 1 and second.rows_added == 0
    assert table(store)[0] == ("M01", 2014, Decimal("1500000.00"), Decimal("11.00"))
    history = store.rows("SELECT member_id, turnover_eur, load_id, replaced_by FROM submissions_history")
    assert history == [("M01", Decimal("1000000.00"), first.load_id, second.load_id)]
    with pytest.raises(ValueError, match="undo load"):
        store.undo(first.load_id, "me")  # its row was replaced since
    undo_id = store.undo(second.load_id, "me")
    assert table(store)[0] == ("M01", 2014, Decimal("1000000.00"), Decimal("10.00"))
    # the undone load's row is kept aside (for a redo), not deleted
    assert store.rows("SELECT turnover_eur, replaced_by FROM submissions_history") == [
        (Decimal("1500000.00"), undo_id)]
    log = store.history()
    assert list(log["action"]) == ["undo", "load", "load"]
    assert log.iloc[1]["undone_by"] == log.iloc[0]["load_id"]
    assert log.iloc[2]["file_name"] == "first.csv" and len(log.iloc[2]["sha256"]) == 64
    redo_id = store.undo(undo_id, "me")  # undo the undo
    assert table(store)[0] == ("M01", 2014, Decimal("1500000.00"), Decimal("11.00"))
    assert store.rows("SELECT load_id, replaced_by FROM submissions_history") == [
        (first.load_id, second.load_id)]
    with pytest.raises(ValueError, match="already undone"):
        store.undo(undo_id, "me")
    store.undo(second.load_id, "me")
    assert store.history().iloc[0]["undoes"] == second.load_id and redo_id
    store.undo(first.load_id, "me")
    assert table(store) == []


def test_warnings_do_not_block_and_compare_with_stored_years(store):
    load_text(store, HEADER_EN + "\nM01,A,SME,waste,87,2013,1000000,10\n")
    report = check_file((HEADER_EN + "\nM01,A,large_company,waste,87,2014,1000000,20\n").encode(),
                        "f.csv", store)
    assert report.ok
    texts = [p.text() for p in report.warnings]
    assert any("jobs changed by +100%" in t for t in texts)
    assert any("member type was 'SME' and is now 'Large company'" in t for t in texts)
    french = [p.text("fr") for p in report.warnings]
    assert any("emplois\u00a0: évolution de +100\u00a0%" in t for t in french), french


def test_member_list_file_sets_joined_and_left_years(store):
    report = check_file(b"member_id,member_name,joined_year,left_year\nM01,A,2010,\nM02,B,2011,2010\n",
                        "members.csv", store)
    assert report.kind == "members"
    [error] = report.errors
    assert error.row == 3 and "after the year it joined" in error.text()
    report = check_file(b"id,nom,annee_adhesion,annee_sortie\nM01,A,2010,\nM02,B,2011,2014\n",
                        "members.csv", store)
    load_checked(report, store)
    assert store.rows("SELECT * EXCLUDE (load_id, email) FROM members ORDER BY 1") == [
        ("M01", "A", 2010, None), ("M02", "B", 2011, 2014)]


def test_row_numbers_count_blank_lines_like_a_spreadsheet(store):
    text = HEADER_EN + "\nM01,A,SME,waste,87,2014,1,1\n\n\nM02,B,SME,waste,87,2014,oops,1\n"
    [error] = check_file(text.encode(), "f.csv", store).errors
    assert error.row == 5  # header 1, M01 2, two empty rows 3-4, M02 5
    report = check_file(text.replace("oops", "2").encode(), "f.csv", store)
    assert report.ok and report.rows == 2

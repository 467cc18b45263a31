"""Bytes of an uploaded file -> a table of text cells in a scratch DuckDB connection.

Every cell is kept as text here; types are checked later, in SQL (see ``validate.py``),
so that a bad value becomes a clear error instead of a failed cast. Each row keeps the
row number the user sees in their spreadsheet (header = row 1) in the ``_row`` column.
"""

from __future__ import annotations

import codecs
import csv
import functools
import itertools
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

import charset_normalizer
import duckdb
import pandas as pd

from .checks import FileRejected, Problem
from .i18n import N_, _l

#: Encodings tried in this order when a file is not UTF-8. Spreadsheets saved on a
#: Western-European Windows machine are cp1252; charset detection alone often mistakes
#: short French text for cp1250, so cp1252 wins whenever it decodes the file plausibly.
PREFERRED_LEGACY_ENCODING = os.environ.get("CLUSTER_LEGACY_ENCODING", "cp1252")
MAX_UPLOAD_MB = float(os.environ.get("CLUSTER_MAX_UPLOAD_MB", "200"))
MAX_ROWS = int(os.environ.get("CLUSTER_MAX_ROWS", "2000000"))
MAX_COLUMNS = int(os.environ.get("CLUSTER_MAX_COLUMNS", "200"))
#: An .xlsx is a zip: refuse one that would unpack to more than this (a "zip bomb").
MAX_XLSX_UNPACKED_MB = float(os.environ.get("CLUSTER_MAX_XLSX_UNPACKED_MB", "500"))
#: ... or that packs tighter than this once it is big: a sheet of figures packs 5 to 20
#: times; a zip bomb under the size limit (2 MB unpacking to 489 MB took 442 s to parse)
#: packs hundreds of times.
MAX_XLSX_RATIO = float(os.environ.get("CLUSTER_MAX_XLSX_RATIO", "100"))
XLSX_RATIO_FROM_MB = 20
#: Cells parsed in a workbook, empty ones included: the reading stops there whatever the
#: sheets hold. openpyxl parses 100,000 to 300,000 cells a second, so 5 million (600,000
#: rows of 8 columns) take under a minute; a bigger table goes faster as CSV.
MAX_XLSX_CELLS = int(os.environ.get("CLUSTER_MAX_XLSX_CELLS", "5000000"))
DELIMITERS = (";", ",", "\t", "|")
XLSX_CHUNK_ROWS = 50_000  # rows of a sheet held as Python objects at a time
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls


@dataclass
class RawTable:
    """The file's cells as text, in table ``raw`` of ``con``."""

    con: duckdb.DuckDBPyConnection
    headers: list[str]  # as written in the file, in order
    delimiter: str | None  # None for Excel files
    rows: int
    #: the spreadsheet row of the column names: 1, or below title rows (``header_line``)
    header_row: int = 1
    #: the names given to columns whose header cell is empty ('column K', by spreadsheet letter)
    unnamed: tuple[str, ...] = ()


def read_upload(data: bytes, file_name: str, con: duckdb.DuckDBPyConnection) -> RawTable:
    """Read CSV or XLSX bytes into table ``raw``; raise FileRejected if it is not a table."""
    if not data or not data.strip():
        raise FileRejected([Problem(_l("The file is empty."))])
    if len(data) > MAX_UPLOAD_MB * 1e6:
        raise FileRejected([Problem(_l(
            "The file is {size:.0f} MB; the limit is {limit:.0f} MB (setting "
            "CLUSTER_MAX_UPLOAD_MB). Split it, e.g. one file per year.", size=len(data) / 1e6,
            limit=MAX_UPLOAD_MB))])
    lower = file_name.lower()
    if data.startswith(OLE_MAGIC) or lower.endswith(".xls"):
        raise FileRejected([Problem(_l(
            "This is an old Excel .xls file. Open it in your spreadsheet and save it as "
            ".xlsx or as CSV, then upload it again."))])
    if data.startswith(ZIP_MAGIC) or lower.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data, con)
    return _read_csv(decode_text(data), con)


def decode_text(data: bytes) -> str:
    """Bytes -> text: UTF-8 (with or without BOM), UTF-16 with BOM, else detected."""
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRejected([Problem(_l(
            "This file is not a text table (it contains binary data). Upload a CSV or an "
            ".xlsx file."))])
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                     (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(enc)
            except UnicodeDecodeError as exc:
                raise FileRejected([Problem(_l(
                    "The file says it is {encoding} but byte {byte} is not valid {encoding}. "
                    "Save it again as 'CSV UTF-8'.", encoding=enc.upper(), byte=exc.start))]) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    _reject_mixed_encodings(data)
    legacy = _western_european(data)
    if legacy is not None:
        return legacy
    best = charset_normalizer.from_bytes(data).best()
    return str(best) if best is not None else data.decode(PREFERRED_LEGACY_ENCODING, "replace")


def _reject_mixed_encodings(data: bytes) -> None:
    """A file whose lines are partly UTF-8 and partly another encoding (pasted together
    from two sources) cannot be read right whatever we pick: say which line to fix."""
    utf8_line = other_line = None
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8_line = utf8_line or number
        except UnicodeDecodeError:
            other_line = other_line or number
        if utf8_line and other_line:
            raise FileRejected([Problem(_l(
                "The file mixes two text encodings: line {utf8} is UTF-8 but line {other} is "
                "not. Open it in your spreadsheet and save it again as 'CSV UTF-8'.",
                utf8=utf8_line, other=other_line), row=other_line)])


#: Characters a Western-European spreadsheet writes outside ASCII.
_WESTERN = set("àâäáãåæçéèêëíìîïñóòôöõøœùúûüýÿßÀÂÄÁÃÅÆÇÉÈÊËÍÌÎÏÑÓÒÔÖÕØŒÙÚÛÜÝŸ"
               "€£°«»’‘“”–—…\u00a0·²³µ§ºª")


def _western_european(data: bytes) -> str | None:
    """Decode as cp1252 when nearly all non-ASCII characters are Western-European ones.

    Charset detection often reads short French text as cp1250 or a Cyrillic code page;
    a file whose every accented character is a plausible French/German/Spanish letter
    in cp1252 is taken as cp1252.
    """
    try:
        text = data.decode(PREFERRED_LEGACY_ENCODING)
    except (UnicodeDecodeError, LookupError):
        return None
    high = [ch for ch in text if ord(ch) > 127]
    if high and sum(ch in _WESTERN for ch in high) >= 0.9 * len(high):
        return text
    return None


#: How far down a file the column names are looked for, below title rows.
HEADER_SEARCH_ROWS = 30


@functools.cache
def _known_headers() -> frozenset[str]:
    from .schema import SPECS  # schema does not read files: no cycle, imported when used

    return frozenset(h for spec in SPECS for c in spec.columns for h in c.accepted_headers())


def is_header(cells: list[object]) -> bool:
    """A row of column names: at least two cells are names we know (any language)."""
    from .schema import normalise_header

    known = _known_headers()
    return sum(normalise_header(str(c)) in known for c in cells if c not in (None, "")) >= 2


def header_line(lines: list[str]) -> int:
    """The index of the line holding the column names: the first of the first lines whose
    cells, split on any separator, hold two known names; 0 when none does (the first line
    is then taken, as before, and the unknown names are reported)."""
    for i, line in enumerate(lines[:HEADER_SEARCH_ROWS]):
        line = line.rstrip("\r")
        for d in DELIMITERS:
            if d not in line:
                continue
            try:
                cells = next(csv.reader([line], delimiter=d, quotechar='"'), [])
            except csv.Error:  # a broken line is not the header; the reader will say why
                continue
            if is_header(cells):
                return i
    return 0


#: What str.splitlines() breaks lines on.
_LINE = re.compile("[^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")


def _first_line(text: str) -> str:
    """The first line with anything on it, as ``text.splitlines()`` would give it, without
    splitting the whole text (a file may be one line of 200 MB)."""
    return next((m.group() for m in _LINE.finditer(text) if m.group().strip()), "")


def _detect_delimiter(text: str) -> str | None:
    """The separator is the character the header line uses most; None if it uses none."""
    header = _first_line(text)
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else None


def _read_csv(text: str, con: duckdb.DuckDBPyConnection) -> RawTable:
    if text.lower().startswith("sep="):  # Excel's "sep=;" hint line
        text = text.split("\n", 1)[1] if "\n" in text else ""
    head = text.split("\n", HEADER_SEARCH_ROWS)  # the first lines, and the rest in one piece
    skip = header_line(head[:HEADER_SEARCH_ROWS])  # title rows above the column names
    if skip:
        text = "\n".join(head[skip:])
    del head
    delimiter = _detect_delimiter(text)
    if delimiter is None:
        raise FileRejected([Problem(_l(
            "This does not look like a table: the first line has no column separator "
            "(; , tab or |). Check that the first line holds the column names."))])
    _reject_long_lines(text)
    columns = _header_columns(text, delimiter)  # too many column names is said first
    _reject_wide_rows(text, delimiter, skip)
    text = _keep_blank_lines(text, delimiter)
    with tempfile.NamedTemporaryFile("w", suffix=".csv", encoding="utf-8", newline="",
                                     delete=False) as fh:
        fh.write(text)
        path = fh.name
    try:
        con.execute(
            "CREATE OR REPLACE TABLE raw_csv AS SELECT * FROM read_csv(?, delim = ?, "
            "quote = '\"', escape = '\"', header = true, all_varchar = true, "
            "auto_detect = false, columns = ?, store_rejects = true, ignore_errors = true, "
            "null_padding = false, max_line_size = 10000000)",
            [path, delimiter, columns],
        )
        rejects = con.execute(  # one problem a line (the reader may record several)
            "SELECT line, min(error_type), min(error_message) FROM reject_errors GROUP BY line "
            "ORDER BY line LIMIT 200").fetchall()
    except duckdb.Error as exc:
        raise FileRejected([Problem(_l("The file could not be read as a table: {reason}",
                                        reason=_short(exc)))]) from exc
    finally:
        os.unlink(path)
    if rejects:
        raise FileRejected([_reject_problem(line, etype, msg) for line, etype, msg in rejects[:200]])
    headers = [d[0] for d in con.execute("SELECT * FROM raw_csv LIMIT 0").description]
    _check_size(len(headers), con.execute("SELECT count(*) FROM raw_csv").fetchall()[0][0])
    # rowid is the position in the file: the header is spreadsheet row 1 (or below the
    # skipped title rows), data starts on the row after it.
    con.execute(f"CREATE OR REPLACE TABLE raw AS SELECT rowid + {skip + 2} AS _row, * FROM raw_csv")
    con.execute("DROP TABLE raw_csv")
    # Rows with no value at all (";;;;" lines) are blank rows, not submissions.
    cells = ", ".join(f'"{h.replace(chr(34), chr(34) * 2)}"' for h in headers)
    con.execute(f"DELETE FROM raw WHERE trim(concat_ws('', {cells})) = ''")
    rows = con.execute("SELECT count(*) FROM raw").fetchall()[0][0]
    unnamed = tuple(unnamed_label(i) for i, h in enumerate(headers) if h == unnamed_label(i))
    return RawTable(con, headers, delimiter, rows, header_row=skip + 1, unnamed=unnamed)


MAX_LINE_BYTES = 10_000_000  # as read_csv's max_line_size below


def _reject_long_lines(text: str) -> None:
    """A line longer than the reader takes is named, not silently skipped (DuckDB drops it
    without a reject record)."""
    if len(text) <= MAX_LINE_BYTES:
        return
    start, number = 0, 1
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if end - start > MAX_LINE_BYTES:
            raise FileRejected([Problem(_l(
                "Row {row} is {size} MB long: a row of a table is never this long. Is this "
                "really the CSV of a spreadsheet?", row=number,
                size=round((end - start) / 1e6)), row=number)])
        start, number = end + 1, number + 1


def _reject_wide_rows(text: str, delimiter: str, skip: int) -> None:
    """A row with more cells than a table may have columns is named before the reader sees
    it: DuckDB records one error per extra cell, and a row of 100,000 cells took 24 s and
    2.6 GB that way. Separators are counted first (cheap); only a line with too many is
    split properly (a quoted value may hold the separator)."""
    if text.count(delimiter) <= MAX_COLUMNS:
        return
    lines = iter(text.split("\n"))
    next(lines)  # the column names: too many of them is said by _header_columns
    for number, line in enumerate(lines, start=skip + 2):
        if line.count(delimiter) >= MAX_COLUMNS:
            cells = len(next(csv.reader([line], delimiter=delimiter, quotechar='"'), []))
            if cells > MAX_COLUMNS:
                raise FileRejected([Problem(_l(
                    "Row {row} has {cells} cells; a submission has at most {limit} columns "
                    "(setting CLUSTER_MAX_COLUMNS). Is the separator right?", row=number,
                    cells=cells, limit=MAX_COLUMNS), row=number)])


def _keep_blank_lines(text: str, delimiter: str) -> str:
    """DuckDB's reader skips empty lines, which a spreadsheet shows as empty rows; an empty
    line becomes a row of empty cells so row numbers match the spreadsheet (later dropped
    as a blank row). Only when the file has no quotes: inside a quoted value an empty line
    is part of the value."""
    if '"' in text or "\n\n" not in text.replace("\r", ""):
        return text
    lines = text.split("\n")
    filler = delimiter * text.split("\n", 1)[0].count(delimiter)
    for i in range(1, len(lines) - 1):  # the text after the last newline is not a line
        if not lines[i].strip("\r"):
            lines[i] = filler
    return "\n".join(lines)


def _check_size(columns: int, rows: int) -> None:
    if columns > MAX_COLUMNS:
        raise FileRejected([Problem(_l(
            "The file has {columns} columns; a submission has at most {limit} (setting "
            "CLUSTER_MAX_COLUMNS). Is the first row the column names?", columns=columns,
            limit=MAX_COLUMNS))])
    if rows > MAX_ROWS:
        raise FileRejected([Problem(_l(
            "The file has {rows} rows; the limit is {limit} (setting CLUSTER_MAX_ROWS).",
            rows=rows, limit=MAX_ROWS))])


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA': the column as a spreadsheet names it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def unnamed_label(index: int) -> str:
    return f"column {column_letter(index)}"


def _header_columns(text: str, delimiter: str) -> dict[str, str]:
    """Name every column from the header line (quotes honoured; a blank header is named
    by its spreadsheet letter, a repeat gets ' (again)')."""
    names = next(csv.reader([_first_line(text)], delimiter=delimiter, quotechar='"'))
    _check_size(len(names), 0)  # before reading: a 100,000-column file stops here
    columns: dict[str, str] = {}
    for i, name in enumerate(names):
        label = name.strip() or unnamed_label(i)
        while label in columns:
            label += " (again)"
        columns[label] = "VARCHAR"
    return columns


def _reject_problem(line: int, error_type: str, message: str) -> Problem:
    plain = {
        "MISSING COLUMNS": N_("this row has fewer cells than there are columns"),
        "TOO MANY COLUMNS": N_("this row has more cells than there are columns"),
        "UNQUOTED VALUE": N_("a quote is not closed or is followed by other text"),
        "LINE SIZE OVER MAXIMUM": N_("this line is too long"),
        "INVALID UNICODE": N_("this row has characters that are not valid text"),
    }.get(error_type)
    return Problem(_l("The row cannot be read: {reason}.",
                      reason=_l(plain) if plain else message), row=int(line))


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:300]


def _cell_text(value: object) -> str | None:
    """An Excel cell as the text a user would type. Numbers use '.' for decimals.

    Floats keep the 15 significant digits Excel displays. A number with exactly three
    decimals (12.375) would read like a thousands
    separator to the number parser, so it gets a fourth digit (12.3750): same value,
    no ambiguity.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # 15 significant digits, as Excel shows them: hides binary noise of formulas
        text = format(Decimal(format(value, ".15g")), "f")
        whole, _, decimals = text.partition(".")
        return text + "0" if len(decimals) == 3 else text
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _flush_rows(con: duckdb.DuckDBPyConnection, records: list[list], names: list[str],
                first: bool) -> None:
    """A sheet's rows into table ``raw`` a chunk at a time, so that a big sheet never sits
    in memory as Python objects all at once; ``records`` is emptied."""
    casts = ", ".join(f'CAST("{n.replace(chr(34), chr(34) * 2)}" AS VARCHAR) AS '
                      f'"{n.replace(chr(34), chr(34) * 2)}"' for n in names)
    frame = pd.DataFrame(records, columns=["_row", *names], dtype=object)
    frame["_row"] = frame["_row"].astype("int64")
    con.register("xlsx_frame", frame)
    into = "CREATE OR REPLACE TABLE raw AS" if first else "INSERT INTO raw"
    con.execute(f"{into} SELECT _row, {casts} FROM xlsx_frame")
    con.unregister("xlsx_frame")
    records.clear()


def _sheet_size_from_its_head(sheet: object) -> None:
    """Stand-in for openpyxl's ``ReadOnlyWorksheet._get_size`` (openpyxl 3.1).

    openpyxl looks for a sheet's ``<dimension>`` element when the workbook opens, but with
    the parser's "end" events, and ``<sheetData>`` ends only after the whole sheet: a sheet
    written without ``<dimension>`` (a zip bomb, and some programs' exports) was parsed in
    full before a single row was read (442 s for 490 MB of empty cells). "start" events
    find the same element and stop where the rows begin.
    """
    from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
    from openpyxl.worksheet.dimensions import SheetDimension
    from openpyxl.xml.functions import iterparse

    src = sheet._get_source()  # type: ignore[attr-defined]
    try:
        for _event, element in iterparse(src, events=("start",)):
            if element.tag == DIMENSION_TAG:
                (sheet._min_column, sheet._min_row, sheet._max_column,  # type: ignore[attr-defined]
                 sheet._max_row) = SheetDimension.from_tree(element).boundaries
                return
            if element.tag == DATA_TAG:
                return
    finally:
        src.close()


def _read_xlsx(data: bytes, con: duckdb.DuckDBPyConnection) -> RawTable:
    import zipfile

    import openpyxl

    try:
        unpacked = sum(i.file_size for i in zipfile.ZipFile(BytesIO(data)).infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise FileRejected([Problem(_l(
            "This Excel file cannot be opened (it is damaged or not really an .xlsx). Open it "
            "in your spreadsheet and save it as .xlsx again, or export it as CSV."))]) from exc
    if unpacked > MAX_XLSX_UNPACKED_MB * 1e6:
        raise FileRejected([Problem(_l(
            "This Excel file would unpack to {size:.0f} MB, more than the {limit:.0f} MB "
            "allowed. Save it as CSV, or split it.", size=unpacked / 1e6,
            limit=MAX_XLSX_UNPACKED_MB))])
    if unpacked > XLSX_RATIO_FROM_MB * 1e6 and unpacked > MAX_XLSX_RATIO * len(data):
        raise FileRejected([Problem(_l(
            "This Excel file would unpack to {size:.0f} MB from {packed:.1f} MB ({ratio:.0f} "
            "times): a sheet of figures never packs this tightly (the limit is {limit:.0f} "
            "times, setting CLUSTER_MAX_XLSX_RATIO). Save it as CSV.", size=unpacked / 1e6,
            packed=len(data) / 1e6, ratio=unpacked / len(data), limit=MAX_XLSX_RATIO))])
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    ReadOnlyWorksheet._get_size = _sheet_size_from_its_head  # same result, bounded time
    try:
        book = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise FileRejected([Problem(_l(
            "This Excel file cannot be opened ({reason}). Open it in your spreadsheet, save "
            "it as .xlsx again, or export it as CSV.", reason=type(exc).__name__))]) from exc
    budget = [MAX_XLSX_CELLS]

    def counted(rows: Iterator[tuple]) -> Iterator[tuple]:
        """The sheet's rows, each paid for with its cells, empty ones too (a sheet of
        millions of empty rows is otherwise read to its end)."""
        for values in rows:
            budget[0] -= max(len(values), 1)
            if budget[0] < 0:
                raise FileRejected([Problem(_l(
                    "This Excel file holds more than {limit} cells, empty ones included: "
                    "more than a table of submissions needs (setting CLUSTER_MAX_XLSX_CELLS). "
                    "Delete the empty rows and columns below and beside the table, or save "
                    "it as CSV.", limit=f"{MAX_XLSX_CELLS:,}"))])
            yield values

    try:
        for sheet in book.worksheets:
            rows = counted(sheet.iter_rows(values_only=True))
            # the column names: the first of the first rows that holds two known names
            # (title rows above are skipped), else the first row with anything in it
            top = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
            filled = [(n, v) for n, v in enumerate(top, start=1) if any(c not in (None, "") for c in v)]
            if not filled:
                continue
            header_row, header = next(((n, v) for n, v in filled if is_header(list(v))), filled[0])
            rows = itertools.chain(top[header_row:], rows)
            _check_size(len(header), 0)
            names: list[str] = []
            for i, v in enumerate(header):
                label = str(v).strip() if v not in (None, "") and str(v).strip() else unnamed_label(i)
                while label in names:
                    label += " (again)"
                names.append(label)
            total, records = 0, []
            for number, values in enumerate(rows, start=header_row + 1):
                if total >= MAX_ROWS:
                    _check_size(len(names), total + 1)
                cells = [_cell_text(v) for v in values[: len(names)]]
                if any(c not in (None, "") for c in cells):
                    cells += [None] * (len(names) - len(cells))
                    records.append([number, *cells])
                    total += 1
                    if len(records) >= XLSX_CHUNK_ROWS:
                        _flush_rows(con, records, names, first=total == len(records))
            _flush_rows(con, records, names, first=total == len(records))
            unnamed = tuple(unnamed_label(i) for i, h in enumerate(names) if h == unnamed_label(i))
            return RawTable(con, names, None, total, header_row=header_row, unnamed=unnamed)
    finally:
        book.close()
    raise FileRejected([Problem(_l("This Excel file has no data in any sheet."))])

"""Check a raw table of text cells against a TableSpec, in SQL, before anything is written.

Design note: each rule is one vectorised query that yields (row, column, value, message)
for the offending cells, so all errors of a file are gathered in one pass and a million
rows cost seconds. Numbers are parsed by the ``num_text`` macro below, which accepts what
French and English spreadsheets write (``1 234 567,89``, ``1,234,567.89``, ``12,5``, ``€``).
A lone ``1.234`` or ``1,234`` is ambiguous; it is read the French way (thousands ``.``,
decimal ``,``) when the file is ``;``-separated or elsewhere uses a decimal comma.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb
import pyarrow as pa

from . import kpis  # noqa: F401  (registers the 'indicators' vocabulary)
from .checks import Problem
from .i18n import N_, Message, _l, _lp, gettext
from .readers import RawTable
from .schema import (
    FIRST_YEAR,
    LIST_SEPARATOR,
    MAX_DECIMALS,
    MEASURE_NOUNS,
    NUMERIC_KINDS,
    SPECS,
    SUBMISSIONS,
    Column,
    TableSpec,
    normalise_header,
    vocabulary,
)

MAX_ERRORS_PER_RULE = 200
SHOWN_ROWS = 5  # rows named in one message; the others are counted
MAX_TEXT_LENGTH = 500  # a name or note longer than this is a broken file, not a name

#: What official statistics write for "not available" (Eurostat ':', INSEE 's' for secret,
#: OECD '..'): a cell holding one of these is read as not reported, with a warning.
NOT_AVAILABLE = ("-", "–", "—", "n/a", "na", "n.a.", "n.a", ":", "..", "s", "c", "nd", "n.d.",
                 "n/d", "nc", "n.c.")

_MACROS = r"""
CREATE OR REPLACE TEMP MACRO is_scientific(c) AS
    regexp_full_match(c, '-?[0-9]+([.,][0-9]+)?[eE][+-]?[0-9]+');
CREATE OR REPLACE TEMP MACRO num_clean(s) AS
    regexp_replace(regexp_replace(trim(s), 'eur|€', '', 'gi'),
                   '[\s\x{00A0}\x{202F}\x{2009}''’]', '', 'g');
CREATE OR REPLACE TEMP MACRO num_text(c, comma_decimal) AS (
    CASE
        WHEN c IS NULL OR c = '' THEN NULL
        WHEN regexp_full_match(c, '-?[0-9]+') THEN c
        WHEN NOT comma_decimal AND regexp_full_match(c, '-?[0-9]*\.[0-9]+') THEN c
        WHEN comma_decimal AND regexp_full_match(c, '-?[0-9]*,[0-9]+') THEN replace(c, ',', '.')
        WHEN regexp_full_match(c, '-?[0-9]{1,3}(\.[0-9]{3})+,[0-9]+')
            THEN replace(replace(c, '.', ''), ',', '.')
        WHEN regexp_full_match(c, '-?[0-9]{1,3}(,[0-9]{3})+\.[0-9]+') THEN replace(c, ',', '')
        WHEN regexp_full_match(c, '-?[0-9]{1,3}(\.[0-9]{3}){2,}') THEN replace(c, '.', '')
        WHEN regexp_full_match(c, '-?[0-9]{1,3}(,[0-9]{3}){2,}') THEN replace(c, ',', '')
        WHEN regexp_full_match(c, '-?[0-9]{1,3}[.,][0-9]{3}') THEN
            CASE WHEN comma_decimal THEN replace(replace(c, '.', ''), ',', '.')
                 ELSE replace(c, ',', '') END
        WHEN regexp_full_match(c, '-?[0-9]*,[0-9]+') THEN replace(c, ',', '.')
        WHEN regexp_full_match(c, '-?[0-9]*\.[0-9]+') THEN c
        WHEN is_scientific(c) THEN CAST(TRY_CAST(replace(c, ',', '.') AS DOUBLE) AS VARCHAR)
        ELSE '#' END);
-- a day as a file writes it: ISO (what Excel cells read as), or day first as in Europe
CREATE OR REPLACE TEMP MACRO parse_day(c) AS CAST(coalesce(
    try_strptime(c, '%Y-%m-%d'), try_strptime(c, '%d/%m/%Y'), try_strptime(c, '%d.%m.%Y'),
    try_strptime(c, '%d-%m-%Y'), try_strptime(c, '%Y-%m-%dT%H:%M:%S'),
    try_strptime(c, '%Y-%m-%d %H:%M:%S'), try_strptime(c, '%Y/%m/%d')) AS DATE);
-- the values of a list cell ("M001; M004", or , | or line breaks between them)
CREATE OR REPLACE TEMP MACRO list_items(c) AS list_filter(
    list_transform(regexp_split_to_array(c, '[;,|\n]'), lambda x: trim(x)), lambda x: x <> '');
CREATE OR REPLACE TEMP MACRO comma_evidence(s) AS regexp_full_match(num_clean(s),
    '-?[0-9]*,([0-9]{1,2}|[0-9]{4,})|-?[0-9]{1,3}(\.[0-9]{3})+,[0-9]+');
"""


def q(identifier: str) -> str:
    """Quote a column name taken from a user's file for use in SQL."""
    return '"' + identifier.replace('"', '""') + '"'


def detect_spec(headers: list[str]) -> TableSpec:
    """Submissions unless the file has the member-list marker column (joined year)."""
    normalised = {normalise_header(h) for h in headers}
    for spec in SPECS:  # most specific first
        if spec.column(spec.marker).accepted_headers() & normalised:
            return spec
    return SUBMISSIONS


def _unnamed_columns(raw: RawTable) -> tuple[list[str], list[Problem]]:
    """The headers to read, without the columns that have neither a name nor a value (a
    spreadsheet's formatted but empty cells beyond the table): those are ignored with one
    warning; an unnamed column with values is an error, named by its letter."""
    if not raw.unnamed:
        return raw.headers, []
    counts = raw.con.execute("SELECT " + ", ".join(
        f"count(nullif(trim({q(h)}), ''))" for h in raw.unnamed) + " FROM raw").fetchall()[0]
    empty = [h for h, n in zip(raw.unnamed, counts, strict=True) if n == 0]
    problems = [Problem(_l("This column has values but no name in the row of column names. "
                           "Give it one of the expected names, or delete it."), column=h)
                for h, n in zip(raw.unnamed, counts, strict=True) if n]
    if empty:
        letters = ", ".join(h.removeprefix("column ") for h in empty[:10]) + \
            (f" … (+{len(empty) - 10})" if len(empty) > 10 else "")
        problems.append(Problem(_lp(len(empty), N_(
            "An empty column without a name ({columns}) was ignored."), N_(
            "{number} empty columns without a name ({columns}) were ignored."),
            number=len(empty), columns=letters), severity="warning"))
    named = [h for h, n in zip(raw.unnamed, counts, strict=True) if n]  # reported above
    return [h for h in raw.headers if h not in empty and h not in named], problems


def map_headers(headers: list[str], spec: TableSpec) -> tuple[dict[str, str], list[Problem]]:
    """Canonical column name -> the header as written; problems for unknown/missing/twice."""
    mapping: dict[str, str] = {}
    problems: list[Problem] = []
    unknown = 0
    accepted = [(c, c.accepted_headers()) for c in spec.columns]  # once, not once per header
    for header in headers:
        norm = normalise_header(header)
        col = next((c for c, names in accepted if norm in names), None)
        if col is None:
            unknown += 1
            if unknown > 20:
                continue  # listed once below, not one line each
            problems.append(Problem(_l(
                "Unknown column '{header}'. Allowed columns: {names} (see the template).",
                header=header, names=lambda lang: ", ".join(
                    f"{c.header(lang)}" for c in spec.columns)), column=header))
        elif col.name in mapping:
            problems.append(Problem(_l(
                "Two columns mean '{name}': '{first}' and '{second}'. Keep only one.",
                name=col.name, first=mapping[col.name], second=header), column=header))
        else:
            mapping[col.name] = header
    if unknown > 20:
        problems.append(Problem(_l("... and {count} more unknown columns.", count=unknown - 20)))
    missing = [c for c in spec.columns if c.required and c.name not in mapping]
    if missing:
        problems.append(Problem(_lp(len(missing), N_(
            "Missing required column: {names}. The row of column names must hold it; download "
            "the template to see them."), N_(
            "Missing required columns: {names}. The row of column names must hold them; "
            "download the template to see them."),
            names=lambda lang: ", ".join(c.header(lang) for c in missing))))
    return mapping, problems


def check_raw(raw: RawTable, spec: TableSpec | None = None, today: dt.date | None = None
              ) -> tuple[TableSpec, pa.Table | None, list[Problem], tuple[str, ...]]:
    """Validate table ``raw``; return the spec, typed canonical rows (None on error),
    problems, and the canonical columns the file has (a column it lacks is not updated)."""
    spec = spec or detect_spec(raw.headers)
    headers, problems = _unnamed_columns(raw)
    mapping, more = map_headers(headers, spec)
    problems += more
    if raw.header_row > 1:
        problems.append(Problem(_lp(raw.header_row - 1, N_(
            "The column names are on row {row}: the row above them (a title) was skipped."),
            N_("The column names are on row {row}: the {skipped} rows above them (a title) "
               "were skipped."), row=raw.header_row, skipped=raw.header_row - 1),
            row=raw.header_row, severity="warning"))
    present = tuple(c.name for c in spec.columns if c.name in mapping)
    if any(p.severity == "error" for p in problems):
        return spec, None, problems, present
    if raw.rows == 0:
        return spec, None, [Problem(_l("The file has column names but no data rows."))], present
    con = raw.con
    con.execute(_MACROS)
    this_year = (today or dt.date.today()).year
    comma = raw.delimiter == ";" or _has_comma_evidence(con, spec, mapping)
    _register_vocabularies(con, spec)
    _create_typed(con, spec, mapping, comma)
    for col in spec.columns:
        if col.name in mapping:
            problems += _column_problems(con, col, mapping[col.name], this_year)
    problems += _duplicate_keys(con, spec)
    problems += _ordered_years(con, spec, mapping)
    problems += _project_rules(con, spec, mapping)
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    if any(p.severity == "error" for p in problems):
        return spec, None, problems, present
    problems += _inconsistent_members(con, spec, mapping)
    problems += _missing_measures(con, spec, mapping)
    # Arrow, not pandas: three times faster for a million rows, and far less memory
    table = con.sql(
        f"SELECT {', '.join(_final_expr(c) for c in spec.columns)}, _row FROM typed ORDER BY _row"
    ).to_arrow_table()
    return spec, table, problems, present


def _has_comma_evidence(con: duckdb.DuckDBPyConnection, spec: TableSpec,
                        mapping: dict[str, str]) -> bool:
    cols = [mapping[c.name] for c in spec.columns if c.kind in NUMERIC_KINDS and c.name in mapping]
    if not cols:
        return False
    test = " OR ".join(f"comma_evidence({q(h)})" for h in cols)
    return bool(con.execute(f"SELECT coalesce(bool_or({test}), false) FROM raw").fetchall()[0][0])


def _register_vocabularies(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> None:
    for col in spec.columns:
        if col.vocabulary:
            pairs = list(vocabulary(col.vocabulary).lookup().items())
            con.execute(f"CREATE OR REPLACE TEMP TABLE vocab_{col.name} (spelling VARCHAR, code VARCHAR)")
            con.executemany(f"INSERT INTO vocab_{col.name} VALUES (?, ?)", pairs)


def _create_typed(con: duckdb.DuckDBPyConnection, spec: TableSpec, mapping: dict[str, str],
                  comma: bool) -> None:
    """Table ``typed``: per canonical column its trimmed text (name__raw), its parsed number
    (name__num) or its code from the reference list (name__code).

    Two stages, so the costly clean-up (spaces, euro signs) runs only on values that need
    it, and reference lists are hash-joined rather than looked up row by row.
    """
    pre, final, joins = ["_row"], ["p._row"], []
    for col in spec.columns:
        n = col.name
        if n not in mapping:
            pre.append(f"NULL::VARCHAR AS {n}__raw")
            final.append(f"p.{n}__raw")
            if col.kind in NUMERIC_KINDS:
                final += [f"false AS {n}__na", f"false AS {n}__sci",
                          f"NULL::DECIMAL(38,10) AS {n}__num"]
            if col.vocabulary:
                final.append(f"NULL::VARCHAR AS {n}__code")
            if col.kind == "date":
                final.append(f"NULL::DATE AS {n}__date")
            continue
        src = f"nullif(trim({q(mapping[n])}), '')"
        pre.append(f"{src} AS {n}__raw")
        final.append(f"p.{n}__raw")
        if col.kind in NUMERIC_KINDS:
            markers = ", ".join(f"'{m}'" for m in NOT_AVAILABLE)
            pre.append(f"coalesce(lower({src}) IN ({markers}), false) AS {n}__na")
            pre.append(f"CASE WHEN regexp_full_match({src}, '-?[0-9]*[.,]?[0-9]+') THEN {src} "
                       f"WHEN lower({src}) IN ({markers}) THEN NULL "
                       f"ELSE num_clean({src}) END AS {n}__c")
            final.append(f"p.{n}__na")
            final.append(f"coalesce(is_scientific(p.{n}__c), false) AS {n}__sci")
            final.append(f"TRY_CAST(num_text(p.{n}__c, {str(comma).lower()}) AS DECIMAL(38,10)) "
                         f"AS {n}__num")
        if col.kind == "date":
            final.append(f"parse_day(p.{n}__raw) AS {n}__date")
        if col.vocabulary:
            pre.append(f"regexp_replace(lower(strip_accents({src})), '[^a-z0-9]+', '_', 'g')"
                       f".trim('_') AS {n}__key")
            final.append(f"v_{n}.code AS {n}__code")
            joins.append(f"LEFT JOIN vocab_{n} v_{n} ON v_{n}.spelling = p.{n}__key")
    con.execute(f"CREATE OR REPLACE TEMP TABLE typed AS SELECT {', '.join(final)} "
                f"FROM (SELECT {', '.join(pre)} FROM raw) p {' '.join(joins)}")


def _final_expr(col: Column) -> str:
    if col.kind in NUMERIC_KINDS:  # to the cent (or the column's decimals), half to even
        return (f"CAST(round_even({col.name}__num, {MAX_DECIMALS[col.kind]}) AS {col.sql_type}) "
                f"AS {col.name}")
    if col.vocabulary:
        return f"{col.name}__code AS {col.name}"
    if col.kind == "date":
        return f"{col.name}__date AS {col.name}"
    if col.kind == "list":  # one spelling: 'M001;M004'
        return (f"nullif(array_to_string(list_items({col.name}__raw), '{LIST_SEPARATOR}'), '') "
                f"AS {col.name}")
    return f"{col.name}__raw AS {col.name}"


#: Control characters (RE2), other than tab, line feed and carriage return.
CONTROL = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]"


def _rule(con: duckdb.DuckDBPyConnection, header: str, value_sql: str, where: str,
          message: Message, severity: str = "error") -> list[Problem]:
    rows = con.execute(
        f"SELECT _row, {value_sql} FROM typed WHERE {where} ORDER BY _row LIMIT {MAX_ERRORS_PER_RULE + 1}"
    ).fetchall()
    problems = [Problem(message, row=r, column=header, value=v, severity=severity)  # type: ignore[arg-type]
                for r, v in rows[:MAX_ERRORS_PER_RULE]]
    if len(rows) > MAX_ERRORS_PER_RULE:  # the others are counted on the last one listed
        total = con.execute(f"SELECT count(*) FROM typed WHERE {where}").fetchall()[0][0]
        problems[-1] = dataclasses.replace(problems[-1], more=total - MAX_ERRORS_PER_RULE)
    return problems


def _column_problems(con: duckdb.DuckDBPyConnection, col: Column, header: str,
                     this_year: int) -> list[Problem]:
    raw, num = f"{col.name}__raw", f"{col.name}__num"
    out: list[Problem] = []
    numeric = col.kind in NUMERIC_KINDS
    # a NUL or another control character is never typed in a spreadsheet cell; kept, it
    # would travel into the database, the exports and other programs (tab and line breaks
    # are text: a quoted cell may hold them)
    out += _rule(con, header, f"regexp_replace(left({raw}, 40), '{CONTROL}', '\ufffd', 'g')",
                 f"regexp_matches({raw}, '{CONTROL}')",
                 _l("This cell holds a control character (shown as \ufffd), which no "
                    "spreadsheet types: the file was damaged or made by a program. Retype "
                    "the cell."))
    if col.value_required:
        out += _rule(con, header, raw, f"{raw} IS NULL" + (f" OR {col.name}__na" if numeric else ""),
                     _l("This cell is empty; every row needs a value here ({label}).",
                        label=_l(col.label)))
    if col.kind == "date":
        out += _rule(con, header, raw, f"{raw} IS NOT NULL AND {col.name}__date IS NULL",
                     _l("This is not a date. Write it as 2015-03-12 or 12/03/2015."))
        out += _rule(con, header, raw, f"year({col.name}__date) < {FIRST_YEAR} OR "
                     f"year({col.name}__date) > {this_year + 1}",
                     _l("The date must be from {first} to {last}.", first=FIRST_YEAR,
                        last=this_year + 1))
    if col.kind in ("text", "code", "list"):
        out += _rule(con, header, f"left({raw}, 40) || '…'", f"length({raw}) > {MAX_TEXT_LENGTH}",
                     _l("This text is too long (more than {count} characters).",
                        count=MAX_TEXT_LENGTH))
    if numeric:
        na, sci = f"{col.name}__na", f"{col.name}__sci"
        out += _rule(con, header, raw, f"{raw} IS NOT NULL AND {num} IS NULL AND NOT {na}",
                     _l("This is not a number. Write digits only, e.g. 1234567,89 or 1 234 567."))
        if not col.value_required:
            out += _rule(con, header, raw, na, _l(
                "Read as not reported: this is how statistics write 'not available'.",
            ), severity="warning")
        out += _rule(con, header, raw, f"{sci} AND {num} IS NOT NULL", _l(
            "Written in scientific notation, as a spreadsheet shows large numbers, and read "
            "as the number it stands for (1.2E+07 is 12,000,000). A spreadsheet may have "
            "rounded it when saving: check the original."), severity="warning")
        if col.max_value is not None:
            out += _rule(con, header, raw, f"{num} > {col.max_value}",
                         _l("A score goes from 0 to {max}.", max=col.max_value))
        if col.kind == "year":
            last = this_year + col.years_ahead
            out += _rule(con, header, raw, f"{num} IS NOT NULL AND ({num} < {FIRST_YEAR} OR "
                         f"{num} > {last} OR {num} <> round({num}))",
                         _l("The year must be a whole year from {first} to {last}.",
                            first=FIRST_YEAR, last=last))
        else:
            out += _rule(con, header, raw, f"{num} < 0",
                         _l("A negative number is not allowed here."))
            decimals = MAX_DECIMALS[col.kind]
            # floating-point noise of a formula or a script (9289999.99999999) is the value
            # it stands for: rounded silently; more decimals than the column keeps are
            # rounded half to even with a warning (money to the cent, FTE to 0.01), and a
            # count with a fraction is an error
            extra = (f"{num} >= 0 AND round_even({num}, {decimals}) <> {num} AND "
                     f"abs({num} - round_even({num}, {decimals})) >= abs({num}) * 0.000001")
            if decimals == 0:
                out += _rule(con, header, raw, extra, _l("Use a whole number here."))
            else:
                out += _rule(con, header, raw, extra, _l(
                    "More than {count} decimals: rounded to {count} (half to even).",
                    count=decimals), severity="warning")
    if col.vocabulary:
        out += _unknown_values(con, col, header)
    return out


def _unknown_values(con: duckdb.DuckDBPyConnection, col: Column, header: str) -> list[Problem]:
    """One error per value that is not in the reference list ('3 rows use BE'), naming a
    few of its rows: a file of another region's codes makes a short list of its codes."""
    voc = vocabulary(col.vocabulary)
    found = con.execute(
        f"SELECT {col.name}__raw, count(*), list(_row ORDER BY _row)[1:{SHOWN_ROWS}] FROM typed "
        f"WHERE {col.name}__raw IS NOT NULL AND {col.name}__code IS NULL "
        f"GROUP BY 1 ORDER BY min(_row) LIMIT {MAX_ERRORS_PER_RULE}").fetchall()
    return [Problem(_lp(count, N_("Unknown value for {label}: 1 row uses '{value}'. Use one of: "
                                  "{allowed} (code, English or French name)."),
                        N_("Unknown value for {label}: {count} rows use '{value}'. Use one of: "
                           "{allowed} (code, English or French name)."),
                        value=value, count=count, label=_l(col.label), allowed=voc.allowed_text),
                    row=rows[0], column=header, value=value, more=count - 1,
                    vocabulary=col.vocabulary)
            for value, count, rows in found]


def _duplicate_keys(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> list[Problem]:
    """One problem per repeated key, naming a few of its rows and counting the others: a
    file of a million copies of one row makes one short message, not a million long ones."""
    keys = [f"{k}__num" if spec.column(k).kind in NUMERIC_KINDS else f"{k}__raw" for k in spec.key]
    rows = con.execute(
        f"SELECT list(_row ORDER BY _row)[1:{SHOWN_ROWS}], count(*), "
        f"{', '.join(f'any_value({k}__raw)' for k in spec.key)} "
        f"FROM typed WHERE {' AND '.join(f'{k} IS NOT NULL' for k in keys)} "
        f"GROUP BY {', '.join(keys)} HAVING count(*) > 1 ORDER BY min(_row) "
        f"LIMIT {MAX_ERRORS_PER_RULE}").fetchall()
    out = []
    for row_list, count, *key_values in rows:
        what = ", ".join(f"{k} {v}" for k, v in zip(spec.key, key_values, strict=True))
        shown = ", ".join(map(str, row_list)) + (f" … (+{count - len(row_list)})"
                                                  if count > len(row_list) else "")
        out.append(Problem(_l("The same {key} appears {count} times (rows {rows}). Keep one "
                              "row.", key=what, count=count, rows=shown), row=row_list[1]))
    return out


#: Pairs of years in one row where the second may not come before the first (strictly
#: after for a member: it leaves the year after its last one as a member).
ORDERED_YEARS = {"members": ("joined_year", "left_year", True),
                 "working_groups": ("opened_year", "closed_year", False),
                 "projects": ("start_year", "end_year", False)}


def _ordered_years(con: duckdb.DuckDBPyConnection, spec: TableSpec,
                   mapping: dict[str, str]) -> list[Problem]:
    if spec.name not in ORDERED_YEARS or ORDERED_YEARS[spec.name][1] not in mapping:
        return []
    first, last, strict = ORDERED_YEARS[spec.name]
    message = (_l("The year a member left must come after the year it joined.") if strict else
               _l("The last year cannot come before the first year ({first}).",
                  first=lambda lang: gettext(spec.column(first).label, lang)))
    return _rule(con, mapping[last], f"{last}__raw",
                 f"{last}__num IS NOT NULL AND {first}__num IS NOT NULL "
                 f"AND {last}__num {'<=' if strict else '<'} {first}__num", message)


def _project_rules(con: duckdb.DuckDBPyConnection, spec: TableSpec,
                   mapping: dict[str, str]) -> list[Problem]:
    """A collaborative project has at least two partners (members and outside partners
    together); its lead member is one of its partner members; its public funding is not
    more than its budget."""
    if spec.name != "projects":
        return []
    outside = ("coalesce(len(list_items(outside_partners__raw)), 0)" if "outside_partners" in mapping
               else "0")
    out = _rule(con, mapping["partner_members"], "partner_members__raw",
                f"coalesce(len(list_items(partner_members__raw)), 0) + {outside} < 2",
                _l("A collaborative project needs at least two partners: list every partner "
                   "member (separated by ;), and the outside partners if any."))
    out += _rule(con, mapping["partner_members"], "partner_members__raw",
                 "len(list_items(partner_members__raw)) <> "
                 "len(list_distinct(list_items(partner_members__raw)))",
                 _l("A member is listed twice among the partner members."))
    if "lead_member_id" in mapping:
        out += _rule(con, mapping["lead_member_id"], "lead_member_id__raw",
                     "lead_member_id__raw IS NOT NULL AND NOT list_contains("
                     "list_items(partner_members__raw), lead_member_id__raw)",
                     _l("The lead member must also be listed among the partner members."))
    if "public_funding_eur" in mapping and "budget_eur" in mapping:
        out += _rule(con, mapping["public_funding_eur"], "public_funding_eur__raw",
                     "public_funding_eur__num > budget_eur__num",
                     _l("The public funding is more than the project's budget."))
    return out


def _inconsistent_members(con: duckdb.DuckDBPyConnection, spec: TableSpec,
                          mapping: dict[str, str]) -> list[Problem]:
    """A member whose name, type, sector or area differs between rows of one file."""
    out: list[Problem] = []
    if spec is not SUBMISSIONS:
        return out
    for attr in ("member_name", "member_type", "sector", "area"):
        value = f"{attr}__code" if spec.column(attr).vocabulary else f"{attr}__raw"
        rows = con.execute(
            f"SELECT member_id__raw, list(DISTINCT {value} ORDER BY {value}), min(_row) FROM typed "
            f"GROUP BY member_id__raw HAVING count(DISTINCT {value}) > 1 ORDER BY 3 "
            f"LIMIT {MAX_ERRORS_PER_RULE}").fetchall()
        for member, values, first_row in rows:
            out.append(Problem(_l(
                "Member {member} has different values in different rows ({values}); the value "
                "of its latest year is used for all years.", member=member,
                values=", ".join(map(str, values))), row=first_row, column=mapping[attr],
                severity="warning"))
    return out


def _missing_measures(con: duckdb.DuckDBPyConnection, spec: TableSpec,
                      mapping: dict[str, str]) -> list[Problem]:
    """One note per main measure left empty: it counts as missing, never as zero."""
    out: list[Problem] = []
    for name in ("turnover_eur", "jobs"):
        if spec is not SUBMISSIONS or name not in mapping:
            continue
        rows = [r for (r,) in con.execute(
            f"SELECT _row FROM typed WHERE {name}__raw IS NULL ORDER BY _row").fetchall()]
        if rows:
            shown = ", ".join(map(str, rows[:20])) + (" ..." if len(rows) > 20 else "")
            out.append(Problem(_l(
                "{count} row(s) have no {measure} (rows {rows}). They count as missing, not as "
                "zero.", count=len(rows), measure=_l(MEASURE_NOUNS[name]), rows=shown),
                column=mapping[name], severity="warning"))
    return out

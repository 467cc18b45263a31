"""What a check of an uploaded file found: errors block a load, warnings do not."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd
import pyarrow as pa

from .i18n import DEFAULT, N_, Message, gettext, render, translator

SEVERITIES = {"error": N_("error"), "warning": N_("warning")}


@dataclass(frozen=True)
class Problem:
    """One finding, located as the user sees it in their spreadsheet."""

    message: str | Message  # rendered in the reader's language when shown
    row: int | None = None  # spreadsheet row number (the header is row 1)
    column: str | None = None  # the header as written in the user's file
    value: str | None = None
    severity: Literal["error", "warning"] = "error"
    #: the same problem on this many further rows, counted and not listed (a rule stops
    #: listing rows after ``validate.MAX_ERRORS_PER_RULE``)
    more: int = 0
    #: for a value not in a reference list: which list (the page offers to add it)
    vocabulary: str | None = None

    def severity_text(self, lang: str = DEFAULT) -> str:
        """'error' / 'erreur'."""
        return gettext(SEVERITIES[self.severity], lang)

    def text(self, lang: str = DEFAULT) -> str:
        """The message alone, in ``lang``."""
        return render(self.message, lang)

    def describe(self, lang: str = DEFAULT) -> str:
        """'row 4, column 'jobs': This is not a number. (value: 'n/a')', in ``lang``."""
        _ = translator(lang)
        where = []
        if self.row is not None:
            where.append(_("row {row}").format(row=self.row))
        if self.column:
            where.append(_("column '{column}'").format(column=self.column))
        value = _(" (value: '{value}')").format(value=self.value) if self.value not in (None, "") else ""
        text = self.text(lang) + value
        return _("{place}: {message}").format(place=", ".join(where), message=text) if where else text

    def __str__(self) -> str:
        return self.describe(DEFAULT)


@dataclass(frozen=True)
class Group:
    """The problems of one kind (severity, column, message) and the rows they are on."""

    first: Problem
    rows: tuple[int, ...]
    count: int

    def describe(self, lang: str = DEFAULT, shown: int = 8) -> str:
        """'column 'jobs': This is not a number. (value: 'douze') — rows 2–5, 9 and 120 more'."""
        _ = translator(lang)
        if self.count == 1:  # one problem reads as it always did: 'row 4, column ...'
            return self.first.describe(lang)
        text = Problem(self.first.message, None, self.first.column, self.first.value,
                       self.first.severity).describe(lang)
        if not self.rows:
            return text
        ranges = row_ranges(self.rows[:shown])
        more = self.count - min(len(self.rows), shown)
        where = _("row {rows}").format(rows=ranges) if self.count == 1 else \
            _("rows {rows}").format(rows=ranges)
        if more:
            where += " " + _("and {count} more").format(count=more)
        return f"{text} — {where}"


def row_ranges(rows: tuple[int, ...] | list[int]) -> str:
    """(2, 3, 4, 5, 9) -> '2–5, 9'."""
    out: list[str] = []
    start = prev = None
    for r in sorted(rows):
        if start is None:
            start = prev = r
        elif r == prev + 1:
            prev = r
        else:
            out.append(f"{start}–{prev}" if prev != start else f"{start}")
            start = prev = r
    if start is not None:
        out.append(f"{start}–{prev}" if prev != start else f"{start}")
    return ", ".join(out)


def group(problems: list[Problem]) -> list[Group]:
    """Problems of one severity, column and message text together (errors first), so that
    what a check report says stays short whatever the file: the same mistake on 20,000
    rows is one line with its row ranges."""
    groups: dict[tuple, list[Problem]] = {}
    for p in problems:
        text = p.message.text if isinstance(p.message, Message) else p.message
        groups.setdefault((p.severity != "error", p.column or "", text), []).append(p)
    return [Group(ps[0], tuple(p.row for p in ps if p.row is not None),
                  sum(1 + p.more for p in ps))
            for _key, ps in sorted(groups.items(), key=lambda kv: (kv[0][0], min(
                (p.row or 0) for p in kv[1])))]


#: What a check report may print (the command line, the page): whatever the file, at most
#: this many lines and bytes; the whole list goes to a CSV of problems.
MAX_LINES, MAX_BYTES = 200, 64_000


def bounded_lines(problems: list[Problem], lang: str = DEFAULT) -> tuple[list[str], int]:
    """The grouped report as lines, cut at MAX_LINES / MAX_BYTES; and how many groups were
    left out."""
    _ = translator(lang)
    lines, size = [], 0
    groups = group(problems)
    for i, g in enumerate(groups):
        line = f"{g.first.severity_text(lang)}: {g.describe(lang)}"
        if len(line) > 2_000:
            line = line[:2_000] + "…"
        if len(lines) >= MAX_LINES or size + len(line) > MAX_BYTES:
            return lines, len(groups) - i
        lines.append(line)
        size += len(line.encode("utf-8")) + 1
    return lines, 0


class FileRejected(Exception):
    """The file cannot be read as a table at all; carries the problems found."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class CheckReport:
    """The outcome of checking one file, before anything is written."""

    file_name: str
    sha256: str
    kind: str = "submissions"
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    table: pa.Table | None = None  # typed, canonical rows ready to load (None if rejected)
    replaces: int = 0  # rows that would replace values already stored
    #: the canonical columns the file has: a column it lacks keeps the stored values
    columns: tuple[str, ...] = ()

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def problem_count(self) -> int:
        return sum(1 + p.more for p in self.problems)

    @property
    def error_count(self) -> int:
        """Every error, the counted ones too (rows beyond a rule's list)."""
        return sum(1 + p.more for p in self.errors)

    @property
    def ok(self) -> bool:
        return not self.errors and self.table is not None

    def unknown_values(self) -> dict[str, list[str]]:
        """Values not in a reference list, by list ('areas': ['BE', ...])."""
        out: dict[str, list[str]] = {}
        for p in self.problems:
            if p.vocabulary and p.value is not None and p.value not in out.get(p.vocabulary, []):
                out.setdefault(p.vocabulary, []).append(p.value)
        return out

    def problems_frame(self, lang: str = DEFAULT) -> pd.DataFrame:
        """A table for screens and CSV, headed and worded in ``lang``: severity, row,
        column, value, message."""
        _ = translator(lang)
        columns = [_("Severity"), _("Row"), _("Column"), _("Value"), _("Message")]
        rows = [(p.severity_text(lang), p.row, p.column, p.value, p.text(lang))
                for p in self.problems]
        rows += [(p.severity_text(lang), None, p.column, None,
                  _("... and {count} more rows with the same problem.").format(count=p.more))
                 for p in self.problems if p.more]
        return pd.DataFrame(rows, columns=columns).astype({columns[1]: "Int64"})

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
    def ok(self) -> bool:
        return not self.errors and self.table is not None

    def problems_frame(self, lang: str = DEFAULT) -> pd.DataFrame:
        """A table for screens and CSV, headed and worded in ``lang``: severity, row,
        column, value, message."""
        _ = translator(lang)
        columns = [_("Severity"), _("Row"), _("Column"), _("Value"), _("Message")]
        return pd.DataFrame(
            [(p.severity_text(lang), p.row, p.column, p.value, p.text(lang)) for p in self.problems],
            columns=columns,
        ).astype({columns[1]: "Int64"})

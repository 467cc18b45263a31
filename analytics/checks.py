"""What a check of an uploaded file found: errors block a load, warnings do not."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd
import pyarrow as pa


@dataclass(frozen=True)
class Problem:
    """One finding, located as the user sees it in their spreadsheet."""

    message: str
    row: int | None = None  # spreadsheet row number (the header is row 1)
    column: str | None = None  # the header as written in the user's file
    value: str | None = None
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        value = f" (value: '{self.value}')" if self.value not in (None, "") else ""
        prefix = (", ".join(where) + ": ") if where else ""
        return f"{prefix}{self.message}{value}"


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

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors and self.table is not None

    def problems_frame(self) -> pd.DataFrame:
        """A table for screens and CSV: severity, row, column, value, message."""
        return pd.DataFrame(
            [
                {"severity": p.severity, "row": p.row, "column": p.column,
                 "value": p.value, "message": p.message}
                for p in self.problems
            ],
            columns=["severity", "row", "column", "value", "message"],
        ).astype({"row": "Int64"})

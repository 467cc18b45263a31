"""Empty submission templates (CSV and XLSX) that list the allowed values."""

from __future__ import annotations

import csv
import io

from .i18n import DEFAULT, translator
from .schema import SUBMISSIONS, TableSpec, vocabulary


def template_csv(lang: str = DEFAULT, spec: TableSpec = SUBMISSIONS) -> bytes:
    """The header row (French labels in French), UTF-8 with BOM and ';' so French Excel
    opens it right."""
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerow([c.header(lang) for c in spec.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(lang: str = DEFAULT, spec: TableSpec = SUBMISSIONS) -> bytes:
    """A workbook: the header to fill in, drop-down lists, and a sheet of allowed values,
    explained in ``lang``. The column names stay the canonical ones: accepted in any language."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    _ = translator(lang)
    allowed = _("allowed values")[:31]
    book = Workbook()
    sheet = book.active
    sheet.title = spec.name
    sheet.append([c.header(lang) for c in spec.columns])
    for i, col in enumerate(spec.columns, start=1):
        cell = sheet.cell(row=1, column=i)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEFE7" if col.required else "F2F2F2")
        sheet.column_dimensions[get_column_letter(i)].width = max(14, len(col.header(lang)) + 4)
    lists = book.create_sheet(allowed)
    lists.append([_("column"), _("code"), _("English"), _("French")])
    help_sheet = book.create_sheet(_("columns")[:31])
    help_sheet.append([_("column"), _("name"), _("required"), _("description")])
    for col in spec.columns:
        help_sheet.append([col.header(lang), _(col.label), _("yes") if col.required else _("no"),
                           _(col.description)])
    row = 2
    for i, col in enumerate(spec.columns, start=1):
        if not col.vocabulary:
            continue
        first = row
        for entry in vocabulary(col.vocabulary).rows:
            lists.append([col.header(lang), entry["code"], entry["label_en"], entry["label_fr"]])
            row += 1
        rule = DataValidation(type="list", formula1=f"='{allowed}'!$B${first}:$B${row - 1}",
                              allow_blank=True, showErrorMessage=False)
        sheet.add_data_validation(rule)
        letter = get_column_letter(i)
        rule.add(f"{letter}2:{letter}2000")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

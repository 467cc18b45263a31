"""The cluster's own reference lists (areas, sectors, member types): check an edited list,
rename and merge codes, add a file's unknown values, export and import list files.

Every change goes through :func:`plan` (the checks a file of figures gets: each problem
names its row and column) and is written by ``Store.write_list`` as one load, traced and
undoable. A code that stored figures use is never deleted: it is renamed (its rows move
to the new code) or merged into another value (its rows join that value's), and the plan
says beforehand how many rows move. The lists start as the files shipped in ``data/``.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from .checks import FileRejected, Problem
from .i18n import DEFAULT, N_, Message, _l, _lp, translator
from .readers import read_upload
from .schema import DIMENSION_OF_VOCABULARY, REFERENCE, REFERENCE_LISTS, flag, normalise_value
from .store import LoadResult, Store
from .validate import map_headers

#: The columns each list uses (the others stay empty).
LIST_COLUMNS: dict[str, tuple[str, ...]] = {
    "areas": ("code", "label_en", "label_fr"),
    "sectors": ("code", "label_en", "label_fr", "egss_code", "egss_group"),
    "member_types": ("code", "label_en", "label_fr", "is_sme", "is_enterprise"),
}
LIST_NAMES = {"areas": N_("Areas"), "sectors": N_("Sectors"), "member_types": N_("Member types")}
#: The two families of environmental activities (domain.md): protection, resource management.
EGSS_GROUPS = ("CEPA", "CReMA")
MAX_CODE_LENGTH = 60
MAX_LABEL_LENGTH = 200
#: A list longer than this is not a reference list (France has 35,000 communes).
MAX_VALUES = 50_000


def usage(store: Store, name: str) -> dict[str, int]:
    """Stored submission rows per code of list ``name``."""
    column = DIMENSION_OF_VOCABULARY[name]
    return {code: int(n) for code, n in store.rows(
        f"SELECT {column}, count(*) FROM submissions GROUP BY 1")}


def stored_rows(store: Store, name: str) -> list[dict[str, str]]:
    """List ``name`` as stored now (read from the database, not the lists in force)."""
    return [{c: r.get(c, "") for c in LIST_COLUMNS[name]}
            for r in store.reference_lists()[name].rows]


@dataclass
class ListChange:
    """What saving an edited list would do, worked out before anything is written."""

    name: str
    rows: list[dict[str, object]] = field(default_factory=list)  # the new list, checked
    moves: dict[str, str] = field(default_factory=dict)  # stored rows: old code -> new code
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)
    merged: dict[str, str] = field(default_factory=dict)
    relabelled: list[str] = field(default_factory=list)
    moved_rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    load_id: int | None = None  # once written

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    @property
    def changes(self) -> bool:
        return bool(self.added or self.removed or self.renamed or self.merged or self.relabelled)

    def describe(self, lang: str = DEFAULT) -> str:
        """'Areas: 'BE' renamed 'BE-BRU' (34 rows move); 2 added (…); 1 label changed'."""
        _ = translator(lang)
        parts = [_("'{old}' renamed '{new}'").format(old=o, new=n) for o, n in self.renamed.items()]
        parts += [_("'{old}' merged into '{new}'").format(old=o, new=n)
                  for o, n in self.merged.items()]
        if self.moved_rows:
            parts.append(_lp(self.moved_rows, N_("1 stored row moves"),
                             N_("{count} stored rows move"), count=self.moved_rows).render(lang))
        for codes, one, many in ((self.added, N_("{count} added ({codes})"),
                                  N_("{count} added ({codes})")),
                                 (self.removed, N_("{count} removed ({codes})"),
                                  N_("{count} removed ({codes})"))):
            if codes:
                shown = ", ".join(codes[:5]) + (" …" if len(codes) > 5 else "")
                parts.append(_lp(len(codes), one, many, count=len(codes), codes=shown).render(lang))
        if self.relabelled:
            parts.append(_lp(len(self.relabelled), N_("{count} label or detail changed"),
                             N_("{count} labels or details changed"),
                             count=len(self.relabelled)).render(lang))
        return f"{_(LIST_NAMES[self.name])}: " + ("; ".join(parts) or _("no change"))


def _clean(name: str, raw: dict[str, object], row: int, problems: list[Problem],
           headers: dict[str, str]) -> dict[str, object]:
    """One row of a list, trimmed and typed; problems located at ``row``."""
    def text(column: str) -> str:
        value = raw.get(column)
        return "" if value is None or (isinstance(value, float) and pd.isna(value)) \
            else " ".join(str(value).split())

    def problem(column: str, message: Message, value: str | None = None) -> None:
        problems.append(Problem(message, row=row, column=headers.get(column, column),
                                value=value))

    out: dict[str, object] = {"list": name}
    for column in ("code", "label_en", "label_fr"):
        out[column] = text(column)
        if not out[column]:
            problem(column, _l("Every value needs a code and a label in English and in French."))
        elif len(str(out[column])) > (MAX_CODE_LENGTH if column == "code" else MAX_LABEL_LENGTH):
            problem(column, _l("This is too long (at most {count} characters).", count=(
                MAX_CODE_LENGTH if column == "code" else MAX_LABEL_LENGTH)), str(out[column])[:40])
    out["egss_code"] = out["egss_group"] = None
    out["is_sme"] = out["is_enterprise"] = None
    if name == "sectors":
        group, code = text("egss_group"), text("egss_code")
        if group:
            found = next((g for g in EGSS_GROUPS if g.lower() == group.lower()), None)
            if found is None:
                problem("egss_group", _l("Write CEPA or CReMA (or leave it empty)."), group)
            group = found or group
        if code and not group:  # 'CEPA 3' says its family
            group = next((g for g in EGSS_GROUPS if code.lower().startswith(g.lower())), "")
        if code and group and not code.lower().startswith(group.lower()):
            problem("egss_code", _l("A {group} class starts with {group} (e.g. {group} 3).",
                                    group=group), code)
        out["egss_code"], out["egss_group"] = code or None, group or None
    if name == "member_types":
        for column in ("is_sme", "is_enterprise"):
            value = flag(raw.get(column))
            if value is None:
                problem(column, _l("Write yes or no."), text(column))
            out[column] = bool(value)
        if out["is_sme"] and not out["is_enterprise"]:
            problem("is_enterprise", _l("An SME is an enterprise: answer yes here too."))
    return out


def plan(store: Store, name: str, rows: list[dict[str, object]],
         renames: dict[str, str] | None = None, first_row: int = 1,
         headers: dict[str, str] | None = None) -> ListChange:
    """The edited list ``rows`` of ``name`` against the stored one. ``renames``: old code
    -> new code of values renamed in place (an editor's changed code cell); a new code
    already in the list is a merge. ``first_row``: the row number of ``rows[0]`` for the
    messages (2 in a file under its header, 1 in an editor)."""
    if name not in REFERENCE_LISTS:
        raise ValueError(_l("There is no list {list}: use {lists}.", list=name,
                            lists=", ".join(REFERENCE_LISTS)))
    change, headers = ListChange(name), headers or {}
    renames = {o: n for o, n in (renames or {}).items() if o != n}
    if len(rows) > MAX_VALUES:
        change.problems.append(Problem(_l("A list holds at most {count} values.", count=MAX_VALUES)))
        return change
    if not rows:
        change.problems.append(Problem(_l("The list {list} cannot be left empty.", list=name)))
        return change
    change.rows = [_clean(name, r, first_row + i, change.problems, headers)
                   for i, r in enumerate(rows)]
    before = {r["code"]: r for r in stored_rows(store, name)}
    spelled: dict[str, tuple[str, int]] = {}
    seen: dict[str, int] = {}
    for i, r in enumerate(change.rows):
        row, code = first_row + i, str(r["code"])
        if not code:
            continue
        if code in seen:
            change.problems.append(Problem(_l(
                "The code '{code}' is in the list twice (rows {first} and {row}). To merge two "
                "values, rename one into the other.", code=code, first=seen[code], row=row),
                row=row, column=headers.get("code", "code"), value=code))
            continue
        seen[code] = row
        for column in ("code", "label_en", "label_fr"):  # what a file may write for it
            key = normalise_value(str(r[column]))
            other = spelled.get(key)
            if other and other[0] != code:
                change.problems.append(Problem(_l(
                    "'{value}' would mean both '{first}' and '{second}' in files (spellings are "
                    "compared without case, accents or punctuation). Make it distinct.",
                    value=r[column], first=other[0], second=code), row=row,
                    column=headers.get(column, column), value=str(r[column])))
            spelled.setdefault(key, (code, row))
    used = usage(store, name)
    for old, new in renames.items():
        if old not in before:
            change.problems.append(Problem(_l("There is no value '{code}' in the list {list}.",
                                              code=old, list=name)))
        elif new not in seen:
            change.problems.append(Problem(_l("'{new}' is not in the edited list.", new=new)))
        elif new in before and old not in seen:
            change.merged[old] = new
        elif new not in before:
            change.renamed[old] = new
        else:
            change.problems.append(Problem(_l(
                "'{old}' cannot become '{new}' while both stay in the list.", old=old, new=new)))
    change.moves = {o: n for o, n in {**change.renamed, **change.merged}.items() if used.get(o)}
    change.moved_rows = sum(used[o] for o in change.moves)
    new_codes = set(seen)
    change.added = [c for c in seen if c not in before and c not in change.renamed.values()]
    change.removed = [c for c in before if c not in new_codes and c not in renames]
    for code in change.removed:
        if used.get(code):
            change.problems.append(Problem(_lp(used[code], N_(
                "'{code}' cannot be removed: 1 stored row uses it. Rename it, or merge it into "
                "another value (its rows move there)."), N_(
                "'{code}' cannot be removed: {count} stored rows use it. Rename it, or merge it "
                "into another value (its rows move there)."), code=code, count=used[code]),
                value=code))
    old_of = {n: o for o, n in change.renamed.items()}
    change.relabelled = [c for c in seen if (o := old_of.get(c, c)) in before and any(
        str(before[o].get(k) or "") != _text(next(r for r in change.rows if r["code"] == c)[k])
        for k in LIST_COLUMNS[name] if k != "code")]
    return change


def _text(value: object) -> str:
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def apply(store: Store, change: ListChange, user: str | None) -> LoadResult | None:
    """Write a checked change as one load; None when it changes nothing."""
    if not change.ok:
        raise ValueError(_l("The list has errors and was not saved."))
    if not change.changes:
        return None
    frame = pd.DataFrame(change.rows, columns=REFERENCE.names)
    result = store.write_list(change.name, frame, change.moves,
                              file_name=change.describe(DEFAULT)[:200], user=user)
    change.load_id = result.load_id
    return result


def rename(store: Store, name: str, old: str, new: str, user: str | None,
           dry_run: bool = False) -> ListChange:
    """Rename ``old`` to ``new`` (keeping its labels), or merge it into ``new`` when the list
    has it: its stored rows move, in one load. The plan is returned, applied if it is ok
    (unless ``dry_run``: the page's and the command line's preview)."""
    if name not in REFERENCE_LISTS:
        return plan(store, name, [])
    rows = stored_rows(store, name)
    new = " ".join(new.split())
    if any(r["code"] == new for r in rows):
        rows = [r for r in rows if r["code"] != old]
    else:
        rows = [{**r, "code": new} if r["code"] == old else r for r in rows]
    change = plan(store, name, rows, {old: new})
    if change.ok and not dry_run:
        apply(store, change, user)
    return change


def add_values(store: Store, name: str, values: list[str], user: str | None) -> ListChange:
    """Add a file's unknown values to the list, each as its own code and label (in both
    languages: edit them on the Settings page); a sector gets no CEPA/CReMA class and a
    member type counts as neither SME nor enterprise until set there."""
    rows: list[dict[str, object]] = list(stored_rows(store, name))
    known = {normalise_value(str(r[c])) for r in rows for c in ("code", "label_en", "label_fr")}
    for value in values:
        value = " ".join(str(value).split())
        if value and normalise_value(value) not in known:
            known.add(normalise_value(value))
            rows.append({"code": value, "label_en": value, "label_fr": value,
                         "is_sme": "false", "is_enterprise": "false"})
    change = plan(store, name, rows)
    if change.ok:
        apply(store, change, user)
    return change


# -- files ------------------------------------------------------------------------------
def export_frame(store: Store, lang: str = DEFAULT, names: tuple[str, ...] = REFERENCE_LISTS
                 ) -> pd.DataFrame:
    """Every list in one table, headed as a template is (English code names, or French
    labels), ready for :func:`import_file`."""
    rows = [{"list": name, **r} for name in names for r in stored_rows(store, name)]
    frame = pd.DataFrame(rows, columns=REFERENCE.names).fillna("")
    return frame.rename(columns={c.name: c.header(lang) for c in REFERENCE.columns})


def export_bytes(store: Store, file_format: str = "csv", lang: str = DEFAULT,
                 names: tuple[str, ...] = REFERENCE_LISTS) -> bytes:
    frame = export_frame(store, lang, names)
    if file_format == "xlsx":
        out = io.BytesIO()
        with pd.ExcelWriter(out, engine="openpyxl") as writer:
            frame.to_excel(writer, index=False, sheet_name="lists")
        return out.getvalue()
    return frame.to_csv(index=False).encode("utf-8")


def read_file(store: Store, data: bytes, file_name: str, list_name: str | None = None
              ) -> tuple[list[ListChange], list[Problem]]:
    """The changes a list file asks for, one per list it holds (a file without a ``list``
    column is the list ``list_name``), checked; and the problems of the file itself.
    Values a list has and the file does not are removed (refused if stored rows use them)."""
    con = duckdb.connect(":memory:")
    try:
        try:
            raw = read_upload(data, file_name, con)
        except FileRejected as rejected:
            return [], rejected.problems
        spec = REFERENCE
        if list_name is not None:
            spec = dataclasses.replace(REFERENCE, columns=tuple(
                dataclasses.replace(c, required=False) if c.name == "list" else c
                for c in REFERENCE.columns))
        mapping, problems = map_headers(raw.headers, spec)
        if "list" not in mapping and list_name is None:
            problems = [p for p in problems if p.column is not None] + [Problem(_l(
                "The file has no 'list' column saying which list each row is in. Add one "
                "(areas, sectors or member_types), or import it as one list: on the "
                "Settings page under that list, or with --list areas on the command line."))]
        if any(p.severity == "error" for p in problems):
            return [], problems
        names = ", ".join(f'"{h}"' for h in mapping.values())
        table = con.execute(f"SELECT _row, {names} FROM raw ORDER BY _row").fetchall()
    finally:
        con.close()
    columns = list(mapping)
    by_list: dict[str, list[tuple[int, dict[str, object]]]] = {}
    for row, *values in table:
        record = dict(zip(columns, values, strict=True))
        if all(v in (None, "") for v in values):
            continue
        name = str(record.get("list") or list_name or "").strip()
        key = next((n for n in REFERENCE_LISTS if normalise_value(n) == normalise_value(name)
                    or normalise_value(LIST_NAMES[n]) == normalise_value(name)), None)
        if key is None:
            problems.append(Problem(_l("Unknown list '{list}': use {lists}.", list=name,
                                       lists=", ".join(REFERENCE_LISTS)),
                                    row=row, column=mapping.get("list"), value=name))
            continue
        by_list.setdefault(key, []).append((row, record))
    changes = []
    for name, records in by_list.items():
        # rows keep their file row numbers: plan numbers from the first, so pass them on
        change = plan(store, name, [r for _row, r in records], first_row=records[0][0],
                      headers=mapping)
        offset = records[0][0]
        rows_of = [row for row, _r in records]
        change.problems = [dataclasses.replace(p, row=rows_of[p.row - offset])
                           if p.row is not None and 0 <= p.row - offset < len(rows_of) else p
                           for p in change.problems]
        changes.append(change)
    return changes, problems

"""Read, check and load uploaded files: the only way data gets into the store.

``check_file`` reads and validates without writing; ``load_checked`` writes a file that
passed, in one transaction. ``ingest_file`` does both, for the command line and the demo.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa

from . import formatting
from .checks import CheckReport, FileRejected, Problem
from .i18n import DEFAULT, Message, _l, gettext
from .quality import jumps_sql
from .readers import read_upload
from .schema import (
    ACTIVITIES,
    CLUSTER_LIFE,
    DATA_DIR,
    LIST_SEPARATOR,
    MEASURE_NOUNS,
    PARTICIPATION,
    PROJECTS,
    SATISFACTION,
    SUBMISSIONS,
    WORKING_GROUPS,
    TableSpec,
    spec_named,
)
from .store import LoadResult, Store
from .validate import MAX_ERRORS_PER_RULE, check_raw

#: What the scratch database of one check may hold in memory before it spills to disk.
CHECK_MEMORY_MB = int(os.environ.get("CLUSTER_CHECK_MEMORY_MB", "400"))

DEMO_DIR = DATA_DIR / "demo"


Progress = Callable[[float, Message], None]


def check_file(data: bytes, file_name: str, store: Store | None = None,
               today: dt.date | None = None, progress: Progress | None = None,
               member_id: str | None = None, kind: str | None = None) -> CheckReport:
    """Validate a whole file; nothing is written. Warnings compare with stored data.
    ``progress(fraction, step)`` is told where a long check is (page bar, CLI line).

    ``member_id``: the file comes from that member, who may send only its own rows. Any
    other member's row is an error, and then nothing is compared with stored data: the
    check report of a member's upload never carries another member's stored figure.

    ``kind``: the file's kind (``submissions``, ``projects``, ...) when the caller knows it;
    else it is told by the file's column names."""
    def tell(fraction: float, step: Message) -> None:
        if progress:
            progress(fraction, step)

    tell(0.0, _l("Reading the file"))
    if store is not None:
        store.refresh_lists()  # another process may have changed them
    report = CheckReport(file_name=file_name, sha256=hashlib.sha256(data).hexdigest())
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    # a big file spills to disk rather than growing past the memory a check may use
    con.execute(f"SET memory_limit = '{CHECK_MEMORY_MB}MB'")
    con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/cluster-check-spill'")
    try:
        raw = read_upload(data, file_name, con)
        report.rows = raw.rows
        tell(0.3, _l("Checking {rows} rows", rows=raw.rows))
        spec, frame, problems, present = check_raw(
            raw, spec=spec_named(kind) if kind else None, today=today)
        report.kind, report.problems, report.table = spec.name, problems, frame
        report.columns = present
    except FileRejected as rejected:
        report.problems = rejected.problems
        return report
    finally:
        con.close()
    if member_id is not None:
        restrict_to_member(report, member_id)
    if report.table is not None and store is not None and spec is SUBMISSIONS:
        tell(0.8, _l("Comparing with the stored figures"))
        report.problems += _compare_with_store(report.table, store)
        report.replaces = _count_replaced(report.table, store)
    if report.table is not None and store is not None:
        report.problems += _compare_with_records(spec, report.table, store)
    tell(1.0, _l("Checked"))
    return report


#: The columns of a kind that name members (a list column names several): each must be a
#: member the cluster knows.
MEMBER_COLUMNS: dict[str, tuple[str, ...]] = {
    SATISFACTION.name: ("member_id",), PARTICIPATION.name: ("member_id",),
    WORKING_GROUPS.name: ("lead_member_id",), PROJECTS.name: ("partner_members",)}
#: Statements over ``incoming`` (the checked file) and the store, each selecting the rows
#: of one error as (_row, value), with the column and the message.
_KNOWN_MEMBERS = "(SELECT member_id FROM members UNION SELECT member_id FROM submissions)"
RECORD_RULES: dict[str, list[tuple[str, str, Message]]] = {
    PARTICIPATION.name: [
        ("group_id", "SELECT _row, group_id FROM incoming WHERE group_id NOT IN "
                     "(SELECT group_id FROM working_groups)",
         _l("No working group has this ID: load the list of working groups first, or "
            "correct it.")),
        ("year", "SELECT i._row, i.year FROM incoming i JOIN working_groups g USING (group_id) "
                 "WHERE i.year < g.opened_year OR i.year > g.closed_year",
         _l("The working group was not open that year (see its first and last years in the "
            "list of working groups).")),
    ],
    ACTIVITIES.name: [
        ("group_id", "SELECT _row, group_id FROM incoming WHERE group_id NOT IN "
                     "(SELECT group_id FROM working_groups)",
         _l("No working group has this ID: load the list of working groups first, or "
            "correct it.")),
    ],
}
#: Warnings of the same form: the file loads, and the manager knows what follows.
RECORD_WARNINGS: dict[str, list[tuple[str, str, Message]]] = {
    WORKING_GROUPS.name: [
        ("closed_year", "SELECT i._row, i.group_id FROM incoming i JOIN participation p "
                        "USING (group_id) WHERE p.year < i.opened_year OR p.year > "
                        "i.closed_year GROUP BY ALL",
         _l("Members are recorded in this group for years outside its new first and last "
            "years: those years no longer count (correct the years, or the participation "
            "list).")),
    ],
}


def _compare_with_records(spec: TableSpec, table: pa.Table, store: Store) -> list[Problem]:
    """Errors that need the stored records: a member the cluster does not know (in neither
    its member list nor its submissions: a typo would count a member that does not exist),
    a working group that does not exist or was not open that year; and warnings (a group's
    new years leave some of its recorded participation outside them)."""
    unknown = _l("No member has this ID: add it to the member list first, or correct it.")
    rules = [(c, f"SELECT _row, m FROM (SELECT _row, unnest(string_split({c}, "
                 f"'{LIST_SEPARATOR}')) AS m FROM incoming) WHERE m NOT IN {_KNOWN_MEMBERS}",
              unknown) for c in MEMBER_COLUMNS.get(spec.name, ())]
    rules += RECORD_RULES.get(spec.name, [])
    warnings = len(rules)
    rules += RECORD_WARNINGS.get(spec.name, [])
    problems: list[Problem] = []
    if not rules:
        return problems
    with store.connect() as con:
        con.register("incoming", table)
        try:
            for number, (column, select, message) in enumerate(rules):
                rows = con.execute(f"{select} ORDER BY 1 LIMIT {MAX_ERRORS_PER_RULE}").fetchall()
                total = con.execute(f"SELECT count(*) FROM ({select})").fetchall()[0][0]
                problems += [Problem(message, row=int(r), column=column, value=str(v),
                                     severity="warning" if number >= warnings else "error",
                                     more=total - len(rows) if i == len(rows) - 1 else 0)
                             for i, (r, v) in enumerate(rows)]
        finally:
            con.unregister("incoming")
    return problems


def restrict_to_member(report: CheckReport, member_id: str) -> None:
    """An error for every row of a member's upload that is not its own; the table goes."""
    if report.table is None:
        return
    if report.kind != SUBMISSIONS.name:
        report.problems.append(Problem(_l("Members can only send their own submissions.")))
        report.table = None
        return
    ids = report.table.column("member_id").to_pylist()
    rows = report.table.column("_row").to_pylist()
    foreign = [(row, mid) for row, mid in zip(rows, ids, strict=True) if mid != member_id]
    for row, mid in foreign[:MAX_ERRORS_PER_RULE]:  # the others are counted on the last one
        report.problems.append(Problem(
            _l("You can only send figures for your own member ID ({member}).", member=member_id),
            row=int(row), column="member_id", value=str(mid),
            more=max(0, len(foreign) - MAX_ERRORS_PER_RULE) if (row, mid) == foreign[
                min(len(foreign), MAX_ERRORS_PER_RULE) - 1] else 0))
    if foreign:
        report.table = None


def load_checked(report: CheckReport, store: Store, user: str | None = None,
                 is_demo: bool = False) -> LoadResult:
    if not report.ok:
        raise ValueError(_l("This file has errors and cannot be loaded."))
    return store.load(spec_named(report.kind), report.table,  # type: ignore[arg-type]
                      file_name=report.file_name, sha256=report.sha256, user=user, is_demo=is_demo,
                      columns=report.columns or None)


def kept_columns(report: CheckReport) -> list[str]:
    """The columns of the file's kind that it does not have: their stored values stay."""
    spec = spec_named(report.kind)
    return [c.name for c in spec.columns if report.columns and c.name not in report.columns]


def ingest_file(path: str | Path, store: Store, user: str | None = None, dry_run: bool = False,
                is_demo: bool = False, lang: str = DEFAULT, kind: str | None = None
                ) -> tuple[CheckReport, LoadResult | None]:
    path = Path(path)
    data = path.read_bytes()
    big = len(data) > 5_000_000

    def line(fraction: float, step: Message) -> None:
        print(f"{path.name}: {formatting.pct(fraction, 0, lang=lang)} {step.render(lang)}",
              file=sys.stderr, flush=True)

    report = check_file(data, path.name, store, progress=line if big else None, kind=kind)
    if not report.ok or dry_run:
        return report, None
    return report, load_checked(report, store, user=user, is_demo=is_demo)


#: The order the demo files load in: the members before what names them, the working
#: groups before who takes part in them.
DEMO_ORDER = ("members", "submissions", *(s.name for s in CLUSTER_LIFE), "satisfaction",
              "targets")


def demo_files() -> list[Path]:
    """The demo member list first, then the yearly submission files, then the rest."""
    def rank(path: Path) -> tuple[int, str]:
        first = next((i for i, kind in enumerate(DEMO_ORDER) if path.name.startswith(kind)),
                     len(DEMO_ORDER))
        return first, path.name
    return sorted(DEMO_DIR.glob("*.csv"), key=rank)


def load_demo(store: Store, user: str | None = "demo") -> list[LoadResult]:
    """The demo cluster, into an empty database only (demo and real figures never mix);
    every load is marked as demo, so ``Store.remove_demo`` takes it all away in one step.
    Its years are complete, so their collection is closed."""
    from .collection import close_years

    if store.holds_data():
        raise ValueError(_l("The demo data loads only into a database without figures; this "
                            "one has some already."))
    results = []
    for path in demo_files():
        report, result = ingest_file(path, store, user=user, is_demo=True)
        if result is None and any(p.column in ("area", "sector", "member_type")
                                  for p in report.errors):
            for done in reversed(results):
                store.undo(done.load_id, user)
            raise ValueError(_l("The demo data uses the reference lists shipped with the "
                                "product, and this cluster's lists no longer have all of their "
                                "values. Try the demo in a new database."))
        if result is None:
            raise RuntimeError(f"Demo file {path.name} failed its checks: {report.errors[:3]}")
        results.append(result)
    years = [int(y) for (y,) in store.rows("SELECT DISTINCT year FROM submissions")]
    results.append(close_years(store, years, user, is_demo=True))
    return results


def _count_replaced(frame: pa.Table, store: Store) -> int:
    with store.connect() as con:
        con.register("incoming", frame)
        try:
            return con.execute("SELECT count(*) FROM submissions s JOIN incoming i "
                               "USING (member_id, year)").fetchall()[0][0]
        finally:
            con.unregister("incoming")


def _label(column: str, code: str | None, lang: str) -> str:
    """A member type, sector or area as the reader calls it, not its code."""
    from .schema import vocabulary

    name = SUBMISSIONS.column(column).vocabulary
    return vocabulary(name).label(code, lang) if name and code is not None else str(code)


def _compare_with_store(frame: pa.Table, store: Store) -> list[Problem]:
    """Warnings that need stored data: big jumps from last year, changed classification."""
    problems: list[Problem] = []
    with store.connect() as con:
        con.register("incoming", frame)
        try:
            jumps = con.execute(jumps_sql("""
                SELECT member_id, year, jobs, turnover_eur, _row FROM incoming
                UNION ALL
                SELECT member_id, year, jobs, turnover_eur, NULL FROM submissions s
                WHERE NOT EXISTS (SELECT 1 FROM incoming i
                                  WHERE i.member_id = s.member_id AND i.year = s.year)""",
                only_rows=True)).fetchall()
            changed = con.execute("""
                SELECT min(i._row), i.member_id, c.attr, c.old, c.new FROM incoming i
                JOIN (SELECT member_id, arg_max(member_type, year) AS member_type,
                             arg_max(sector, year) AS sector, arg_max(area, year) AS area
                      FROM submissions GROUP BY member_id) s USING (member_id),
                LATERAL (VALUES ('member_type', s.member_type, i.member_type),
                                ('sector', s.sector, i.sector),
                                ('area', s.area, i.area)) c(attr, old, new)
                WHERE c.old IS DISTINCT FROM c.new
                GROUP BY ALL ORDER BY 1 LIMIT 200""").fetchall()
        finally:
            con.unregister("incoming")
    for row, member, year, prev_year, what, now, before in jumps:
        rate, old, new = float((now - before) / before), float(before), float(now)
        problems.append(Problem(_l(
            "Member {member}'s {measure} changed by {change} from {before_year} ({before}) to "
            "{year} ({now}). Please check.", member=member,
            measure=_l(MEASURE_NOUNS[what]),
            change=lambda lang, r=rate: formatting.pct(r, 0, signed=True, lang=lang),
            before_year=prev_year, year=year,
            before=lambda lang, v=old: formatting.number(v, 2, lang=lang),
            now=lambda lang, v=new: formatting.number(v, 2, lang=lang)),
            row=row, column=what, value=f"{now}", severity="warning"))
    for row, member, attr, old, new in changed:
        problems.append(Problem(_l(
            "Member {member}'s {attribute} was '{old}' and is now '{new}'. The latest year's "
            "value is used for all years.", member=member,
            attribute=lambda lang, a=attr: gettext(SUBMISSIONS.column(a).label, lang).lower(),
            old=lambda lang, a=attr, v=old: _label(a, v, lang),
            new=lambda lang, a=attr, v=new: _label(a, v, lang)),
            row=row, column=attr, severity="warning"))
    return problems

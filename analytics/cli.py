"""The command line: ``python -m analytics COMMAND [--db PATH] [--lang fr] ...``.

Exit codes: 0 done, 1 a file was rejected or an action refused, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from . import collection, document, formatting, kpis, reference
from .checks import bounded_lines
from .export import column_title, with_estimated_shares
from .filters import Filters
from .history import history_table
from .i18n import LANGUAGES, N_, error_text, from_environment, ngettext, translator
from .ingest import demo_files, ingest_file, kept_columns, load_demo
from .schema import (
    REFERENCE_LISTS,
    SETTING_DEFAULTS,
    SPECS,
    SUBMISSIONS,
    TEXT_SETTINGS,
    spec_named,
)
from .store import LOGO_KEY, Store, StoreBusy, default_db_path
from .templates import template_csv, template_xlsx

#: argparse's own words (usage, errors), translated by handing argparse our ``_``.
ARGPARSE_TEXTS = (
    N_("usage: "), N_("positional arguments"), N_("options"), N_("show this help message and exit"),
    N_("the following arguments are required: %s"), N_("unrecognized arguments: %s"),
    N_("argument %(argument_name)s: %(message)s"), N_("expected one argument"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"), N_("%(prog)s: error: %(message)s\n"))


#: The kinds of file ``ingest`` and ``template`` take.
KIND_NAMES = tuple(s.name for s in SPECS)


def _parser(lang: str) -> argparse.ArgumentParser:
    _ = translator(lang)
    argparse._ = _  # type: ignore[attr-defined]  # argparse looks its words up through _
    parser = argparse.ArgumentParser(
        prog="python -m analytics",
        description=_("Cluster indicators: load member submissions and compute KPIs."))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    language = _("language of messages and files: en or fr (default: $CLUSTER_LANG, else "
                 "the system's language)")
    parser.add_argument("--lang", choices=tuple(LANGUAGES), help=language)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--db", default=None,
                       help=_("database file (default: $CLUSTER_DB or {path})").format(
                           path=default_db_path()))
        p.add_argument("--cluster", default=None, metavar="CODE",
                       help=_("the cluster to work on, in a database of several (default: "
                              "$CLUSTER_CODE, else the database's own)"))
        p.add_argument("--lang", choices=tuple(LANGUAGES), help=language)
        return p

    command("init", _("create the database file and its tables (with --cluster: a new "
                      "cluster in it)"))
    command("clusters", _("list the clusters of the database"))
    p = command("demo", _("load the demo cluster's data into an empty database, or remove it"))
    p.add_argument("--remove", action="store_true",
                   help=_("remove every demo row in one step (undoable)"))
    p.add_argument("--user", default=None)
    p = command("collection", _("the yearly collection: who sent their figures; open or close "
                                "a year"))
    p.add_argument("action", choices=("status", "open", "close"))
    p.add_argument("year", nargs="?", type=int, metavar="YEAR")
    p.add_argument("--deadline", metavar="YYYY-MM-DD", help=_("when the figures are due"))
    p.add_argument("--user", default=None)
    p = command("ingest", _("check and load files (CSV or XLSX): submissions, the member list, "
                            "targets, satisfaction answers, working groups, participation, "
                            "activities, projects, the cluster organisation"))
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--kind", choices=KIND_NAMES,
                   help=_("what the files hold (default: told by their column names)"))
    p.add_argument("--dry-run", action="store_true", help=_("check only, write nothing"))
    p.add_argument("--user", default=None, help=_("who loads (default: your login name)"))
    p.add_argument("--problems", metavar="FILE.csv",
                   help=_("write every problem found to this CSV (the screen shows them "
                          "grouped, at most 200 lines)"))
    p.add_argument("--remove-demo", action="store_true",
                   help=_("remove the demo data first (one step, undoable), so that demo and "
                          "real figures never mix"))
    p.add_argument("--add-new-values", action="store_true",
                   help=_("add the areas, sectors and member types the cluster's lists do not "
                          "have yet (one undoable load per list), then load the file"))
    p = command("kpis", _("print the KPIs for a filter selection"))
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument("--role", choices=("manager", "funder", "member"), default="manager",
                   help=_("funder/member: after disclosure control (hidden values are null)"))
    _filter_options(p, _)
    p = command("report", _("write the report pack (charts, tables, methodology, Word report) "
                            "as a ZIP"))
    p.add_argument("--out", required=True, metavar="DIR", help=_("folder to write the ZIP into"))
    p.add_argument("--format", action="append", choices=("png", "svg", "pdf"), default=None,
                   help=_("chart image format(s) (repeatable; default: png, svg and pdf)"))
    p.add_argument("--role", choices=("manager", "funder", "member"), default="manager",
                   help=_("funder/member: after disclosure control (hidden values are null)"))
    _filter_options(p, _)
    command("history", _("list the loads and undos, newest first"))
    p = command("undo", _("undo one load: its rows go, the values it replaced come back"))
    p.add_argument("load_id", type=int)
    p.add_argument("--user", default=None)
    p = command("add-user", _("add or update a user who signs in with a password"))
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=("manager", "funder", "member"))
    p.add_argument("--member-id", help=_("for a member user: the member it speaks for"))
    p.add_argument("--name")
    p.add_argument("--email")
    p.add_argument("--password", help=_("(default: asked for, not echoed)"))
    p.add_argument("--auth-file", help=_("sign-in file (default: $CLUSTER_AUTH_FILE or auth.yaml)"))
    p = command("backup", _("back the database up into a new folder (Parquet files, checksums)"))
    p.add_argument("--out", required=True, metavar="DIR")
    p = command("restore", _("restore a backup folder into an empty or new database file"))
    p.add_argument("backup_dir", metavar="DIR")
    p = command("settings", _("show the cluster's settings and details, or change one (traced "
                              "and undoable): settings [show] | settings [set] KEY VALUE; "
                              "settings set funder_logo FILE.png|none"))
    p.add_argument("words", nargs="*", metavar="show|set KEY VALUE")
    p.add_argument("--user", default=None)
    p = command("lists", _("the cluster's reference lists (areas, sectors, member types): show, "
                           "export to a file, import a file, or rename or merge a value"))
    p.add_argument("action", choices=("show", "export", "import", "rename"))
    p.add_argument("words", nargs="*", metavar="FILE | LIST OLD NEW")
    p.add_argument("--list", dest="list_name", choices=REFERENCE_LISTS,
                   help=_("the list a file without a 'list' column holds; for show: one list"))
    p.add_argument("--dry-run", action="store_true", help=_("check only, write nothing"))
    p.add_argument("--user", default=None)
    p = command("template", _("write an empty template of a file kind (submissions unless "
                              "--kind says otherwise)"))
    p.add_argument("out", help=_("file to write: .csv or .xlsx"))
    p.add_argument("--kind", choices=KIND_NAMES, default=SUBMISSIONS.name,
                   help=_("which kind of file"))
    return parser


def _filter_options(p: argparse.ArgumentParser, _: Callable[[str], str]) -> None:
    p.add_argument("--from", dest="year_from", type=int, metavar="YEAR")
    p.add_argument("--to", dest="year_to", type=int, metavar="YEAR")
    p.add_argument("--member-type", action="append", default=[], metavar="T")
    p.add_argument("--sector", action="append", default=[], metavar="S")
    p.add_argument("--area", action="append", default=[], metavar="A")
    p.add_argument("--estimated", action="store_true",
                   help=_("fill missing submissions with the last reported values (marked)"))
    p.add_argument("--classification", choices=("current", "reported"), default="current",
                   help=_("current: a member's latest type, sector and area for all its years "
                          "(default); reported: each year's own"))


def _filters(args: argparse.Namespace) -> Filters:
    filters, notices = Filters.build(args.year_from, args.year_to, args.member_type,
                                     args.sector, args.area, estimated=args.estimated,
                                     classification=args.classification)
    for notice in notices:
        print(notice.render(args.lang), file=sys.stderr)
    return filters


def _language(argv: list[str] | None) -> str:
    """--lang wherever it is on the line, else the environment's language."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--lang", choices=tuple(LANGUAGES))
    known, _rest = pre.parse_known_args(argv)
    return known.lang or from_environment()


#: Characters a terminal would act on (escape sequences, carriage return, bidi overrides).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """Text from files and the database, printed as visible escapes: a member name
    with an ESC sequence or a CR cannot rewrite the manager's terminal."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class _SafeStream:
    """stdout/stderr of the CLI: everything written goes through terminal_safe."""

    def __init__(self, inner):
        self._inner = inner

    def write(self, text: str) -> int:
        return self._inner.write(terminal_safe(text))

    def __getattr__(self, name: str):
        return getattr(self._inner, name)


def main(argv: list[str] | None = None) -> int:
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _SafeStream(out), _SafeStream(err)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = out, err


def _main(argv: list[str] | None = None) -> int:
    lang = _language(argv)
    args = _parser(lang).parse_args(argv)
    args.lang = lang
    _ = translator(lang)
    if args.command == "add-user":
        from .access import MIN_PASSWORD_LENGTH, add_user

        password = args.password
        if not password:
            print(_("The password needs at least {count} characters; it is stored as a bcrypt "
                    "hash, never as typed.").format(count=MIN_PASSWORD_LENGTH))
            password = getpass.getpass(_("Password for {user}: ").format(user=args.username))
            if len(password) >= MIN_PASSWORD_LENGTH and getpass.getpass(
                    _("The same password again: ")) != password:
                print(_("The two passwords differ; nothing was saved."), file=sys.stderr)
                return 1
        try:
            path = add_user(args.username, password, args.role, name=args.name, email=args.email,
                            member_id=args.member_id, cluster=args.cluster,
                            path=Path(args.auth_file) if args.auth_file else None)
        except ValueError as exc:
            print(error_text(exc, lang), file=sys.stderr)
            return 1
        print(_("User {user} ({role}) saved in {path}").format(user=args.username, role=args.role,
                                                               path=path))
        return 0
    if args.command == "template":
        if args.db or Path(default_db_path()).exists():  # the cluster's own lists
            Store(args.db, cluster=args.cluster).refresh_lists()
        spec = spec_named(args.kind)
        data = (template_xlsx(lang, spec) if args.out.lower().endswith(".xlsx")
                else template_csv(lang, spec))
        Path(args.out).write_bytes(data)
        print(_("Wrote {path}").format(path=args.out))
        return 0
    if args.command == "restore":
        from .backup import restore

        try:
            store = restore(args.backup_dir, args.db or default_db_path(), args.cluster)
        except (ValueError, OSError, duckdb.Error) as exc:
            print(_("Restore failed, nothing changed: {reason}").format(reason=error_text(exc, lang)),
                  file=sys.stderr)
            return 1
        print(_("Restored {backup} into {path}").format(backup=args.backup_dir, path=store.where))
        return 0
    try:
        try:
            store = Store(args.db, cluster=args.cluster, create=args.command == "init")
        except ValueError as exc:  # a cluster that is not there (init creates one)
            print(error_text(exc, lang), file=sys.stderr)
            return 1
        return COMMANDS[args.command](store, args)
    except StoreBusy as exc:
        print(error_text(exc, lang), file=sys.stderr)
        return 1


def _user(args: argparse.Namespace) -> str:
    if getattr(args, "user", None):
        return args.user
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "cli"


def cmd_init(store: Store, args: argparse.Namespace) -> int:
    _ = translator(args.lang)
    print(_("Database ready: {path} (schema version {version})").format(
        path=store.where, version=store.schema_version()))
    return 0


def cmd_clusters(store: Store, args: argparse.Namespace) -> int:
    for code in store.clusters():
        name = Store(store.path, cluster=code).text_setting("cluster_name")
        print(f"{code}\t{name}" if name else code)
    return 0


def cmd_demo(store: Store, args: argparse.Namespace) -> int:
    _ = translator(args.lang)
    if args.remove:
        removal = store.remove_demo(_user(args))
        if removal is None:
            print(_("There is no demo data in {path}.").format(path=store.where))
        else:
            print(_("Removed the demo data: {rows} rows (recorded as load {load}; undo it to "
                    "bring them back).").format(rows=removal.rows_replaced, load=removal.load_id))
        return 0
    try:
        results = load_demo(store)
    except ValueError as exc:
        print(error_text(exc, args.lang), file=sys.stderr)
        return 1
    rows = sum(r.rows_added + r.rows_replaced for r in results)
    print(_("Loaded the demo data: {files} files, {rows} rows into {path}").format(
        files=len(demo_files()), rows=rows, path=store.where))
    return 0


def cmd_collection(store: Store, args: argparse.Namespace) -> int:
    import datetime as dt

    lang = args.lang
    _ = translator(lang)
    if args.action != "status":
        if args.year is None:
            print(_("Name the year: collection {action} YEAR").format(action=args.action),
                  file=sys.stderr)
            return 2
        try:
            if args.action == "open":
                deadline = dt.date.fromisoformat(args.deadline) if args.deadline else None
                result = collection.open_year(store, args.year, _user(args), deadline)
            else:
                result = collection.close_years(store, [args.year], _user(args))
        except ValueError as exc:  # ours carry a Message; fromisoformat's a plain text
            plain = exc.args and isinstance(exc.args[0], str)
            print(_("Not a date: {value} (write YYYY-MM-DD).").format(value=args.deadline)
                  if plain else error_text(exc, lang), file=sys.stderr)
            return 1
        done = _("Opened {year}") if args.action == "open" else _("Closed {year}")
        print(done.format(year=args.year) + " " + _("(recorded as load {load}).").format(
            load=result.load_id))
    years = collection.years(store)
    if not years:
        print(_("No figures yet."))
        return 0
    statuses = {collection.COLLECTING: _("collecting"), collection.CLOSED: _("closed")}
    for y in years:
        line = f"{y.year}  {statuses[y.status]:<12} {collection.responded_text(y, lang)} " \
               f"({formatting.pct(y.response_rate, 0, lang=lang)})"
        if y.deadline is not None and y.status == collection.COLLECTING:
            line += "  " + _("deadline {date} ({days} days)").format(
                date=formatting.date(y.deadline, lang), days=y.days_left)
        if y.ready_to_close:
            line += "  " + _("ready to close: collection close {year}").format(year=y.year)
        print(line)
    for y in years:
        if y.status == collection.COLLECTING and y.responded < y.expected:
            late = collection.members(store, y.year)
            late = late[~late["submitted"]]
            print("\n" + _("Still to send figures for {year}:").format(year=y.year))
            for row in late.itertuples():
                print(f"  {row.member_id}  {row.member_name or ''}  {row.email or ''}".rstrip())
    return 0


def cmd_ingest(store: Store, args: argparse.Namespace) -> int:
    lang = args.lang
    _ = translator(lang)
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            print(_("{file}: no such file").format(file=name), file=sys.stderr)
            return 2
    if not args.dry_run and store.holds_demo():
        if args.remove_demo:
            removal = store.remove_demo(_user(args))
            if removal is not None:
                print(_("Removed the demo data first (load {load}, undoable).").format(
                    load=removal.load_id))
        else:
            print(_("Note: this database holds the demo data, which would mix with your "
                    "figures. Add --remove-demo to remove it first (undoable), or run: "
                    "python -m analytics demo --remove"), file=sys.stderr)
    status = 0
    for name in args.files:
        report, result = ingest_file(name, store, user=_user(args), dry_run=args.dry_run, lang=lang,
                                     kind=args.kind)
        unknown = _new_values(report)
        if unknown and args.add_new_values and all(p.vocabulary for p in report.errors):
            for list_name, values in unknown.items():
                if args.dry_run:
                    print(_("{file}: would add to the list {list}: {values}.").format(
                        file=name, list=list_name, values=", ".join(values)))
                    continue
                change = reference.add_values(store, list_name, values, _user(args))
                for problem in change.problems:
                    print(f"{name}: {problem.describe(lang)}", file=sys.stderr)
                if change.ok:
                    print(_("{file}: added to the list {list}: {values} (undoable; set their "
                            "labels with: python -m analytics lists export).").format(
                        file=name, list=list_name, values=", ".join(values)))
            if not args.dry_run:
                report, result = ingest_file(name, store, user=_user(args), lang=lang,
                                             kind=args.kind)
        elif unknown:
            print(_("{file}: values not in the cluster's lists: {values}. Add --add-new-values "
                    "to add them (or fix the file).").format(file=name, values="; ".join(
                        f"{k}: {', '.join(v[:10])}" + (" …" if len(v) > 10 else "")
                        for k, v in unknown.items())), file=sys.stderr)
        # grouped (the same mistake on many rows is one line) and bounded, whatever the file
        lines, left_out = bounded_lines(report.problems, lang)
        for line in lines:
            print(f"{name}: {line}", file=sys.stderr if not report.ok else sys.stdout)
        if left_out:
            print(_("{file}: {count} more kinds of problem not shown.").format(
                file=name, count=left_out), file=sys.stderr)
        if args.problems and report.problems:
            report.problems_frame(lang).to_csv(args.problems, index=False)
            print(_("{file}: every problem ({count}) written to {path}.").format(
                file=name, count=report.problem_count, path=args.problems))
        elif report.problem_count > len(lines):
            print(_("{file}: {count} problems in all; add --problems FILE.csv for the whole "
                    "list.").format(file=name, count=report.problem_count), file=sys.stderr)
        if not report.ok:
            print(ngettext(report.error_count, N_("{file}: rejected, nothing loaded ({count} "
                                                  "error)."),
                           N_("{file}: rejected, nothing loaded ({count} errors)."), lang).format(
                file=name, count=report.error_count), file=sys.stderr)
            status = 1
            continue
        kept = kept_columns(report)
        if kept:
            print(_("{file}: not in the file, stored values kept: {columns}.").format(
                file=name, columns=", ".join(kept)))
        if result is None:
            print(_("{file}: OK, {rows} rows would be loaded ({replaced} replacing stored "
                    "values). Dry run: nothing written.").format(
                file=name, rows=report.rows, replaced=report.replaces))
        else:
            print(_("{file}: loaded as load {load}: {added} rows added, {replaced} replaced.").format(
                file=name, load=result.load_id, added=result.rows_added,
                replaced=result.rows_replaced))
    return status


def cmd_kpis(store: Store, args: argparse.Namespace) -> int:
    lang = args.lang
    _ = translator(lang)
    filters = _filters(args)
    if args.format == "json":  # the document resolves the period itself
        print(json.dumps(document.summary(store, filters, role=args.role, lang=lang), indent=2,
                         ensure_ascii=False))
        return 0
    filters = collection.resolve(store, filters)
    warning = collection.warning(store, filters)
    if warning is not None:
        print(warning.render(lang), file=sys.stderr)
    result = kpis.overview(store, filters, medians=args.format == "csv")
    if args.role != "manager":
        from .disclosure import protect_overview

        result = protect_overview(store, filters, result)
    if args.format == "csv":  # machine-readable: codes and plain numbers in any language
        frames = []
        for key in ("by_year", "by_sector", "by_member_type", "by_area"):
            frame = with_estimated_shares(result[key]) if filters.estimated else result[key]
            frames.append(frame.drop(columns=[c for c in frame.columns if "__" in c])
                          .assign(breakdown=key))
        pd.concat(frames, ignore_index=True).to_csv(sys.stdout, index=False)
        return 0
    print(_("Filters: {filters}").format(filters=filters.describe(lang, True)) + "\n")
    cols = ["year", "turnover_eur", "jobs", "members", "active_members", "response_rate"]
    yearly = result["by_year"]
    if filters.estimated:  # what was estimated, in columns of its own
        yearly = with_estimated_shares(yearly)
        cols += ["estimated_members", "turnover_estimated_share", "jobs_estimated_share"]
    table = yearly[cols].copy()
    table["turnover_eur"] = table["turnover_eur"].map(lambda v: formatting.eur(v, False, lang))
    table["jobs"] = table["jobs"].map(lambda v: formatting.number(v, 1, lang))
    for share in ("response_rate", "turnover_estimated_share", "jobs_estimated_share"):
        if share in table.columns:
            table[share] = table[share].map(lambda v: formatting.pct(v, lang=lang))
    print(table.rename(columns={c: column_title(c, lang) for c in cols}).to_string(index=False))
    print()
    for key, g in result["growth"].items():
        fmt = (lambda v: formatting.eur(v, False, lang)) if key == "turnover_eur" else \
            (lambda v: formatting.number(v, 1, lang))
        print(_("{indicator}: {start} {baseline} -> {end} {latest}  change {change} ({pct}), "
                "CAGR {cagr}").format(
            indicator=kpis.INDICATORS[key].name(lang), start=g["baseline_year"],
            baseline=fmt(g["baseline"]), end=g["latest_year"], latest=fmt(g["latest"]),
            change=fmt(g["change"]), pct=formatting.pct(g["pct"], signed=True, lang=lang),
            cagr=formatting.pct(g["cagr"], lang=lang)))
    return 0


def cmd_history(store: Store, args: argparse.Namespace) -> int:
    _ = translator(args.lang)
    frame = store.history()
    if frame.empty:
        print(_("No loads yet."))
        return 0
    frame["sha256"] = frame["sha256"].str.slice(0, 12)
    print(history_table(frame.drop(columns=["is_demo"]), args.lang).to_string(index=False))
    return 0


def cmd_undo(store: Store, args: argparse.Namespace) -> int:
    _ = translator(args.lang)
    try:
        undo_id = store.undo(args.load_id, _user(args))
    except ValueError as exc:
        print(error_text(exc, args.lang), file=sys.stderr)
        return 1
    print(_("Undid load {load} (recorded as {undo}).").format(load=args.load_id, undo=undo_id))
    return 0


def cmd_report(store: Store, args: argparse.Namespace) -> int:
    from .export import INSTALL_HINT, BrowserMissing
    from .report import build_pack

    _ = translator(args.lang)

    def progress(done: int, total: int, message: str) -> None:
        print(f"[{done:>3}/{total}] {message}", file=sys.stderr, flush=True)

    formats = tuple(dict.fromkeys(args.format or ("png", "svg", "pdf")))
    try:
        data, name = build_pack(store, _filters(args), formats=formats, progress=progress,
                                protect=args.role != "manager", lang=args.lang)
    except BrowserMissing:
        print(_(INSTALL_HINT), file=sys.stderr)
        return 1
    except ValueError as exc:
        print(error_text(exc, args.lang), file=sys.stderr)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_bytes(data)
    print(_("Wrote {path} ({size} MB)").format(path=out / name,
                                               size=formatting.number(len(data) / 1e6, 1, args.lang)))
    return 0


def cmd_backup(store: Store, args: argparse.Namespace) -> int:
    from .backup import backup

    folder = backup(store, args.out)
    print(translator(args.lang)("Backup written to {path}").format(path=folder))
    return 0


def cmd_settings(store: Store, args: argparse.Namespace) -> int:
    _ = translator(args.lang)
    words = list(args.words)
    if words[:1] == ["show"]:
        words = words[1:]
    elif words[:1] == ["set"]:
        words = words[1:]
        if len(words) < 2:
            print(_("Write: settings set KEY VALUE"), file=sys.stderr)
            return 2
    known = (*SETTING_DEFAULTS, *TEXT_SETTINGS)
    if words[:1] == [LOGO_KEY] and len(words) == 2:  # a file, or 'none' to remove it
        try:
            data = None if words[1] == "none" else Path(words[1]).read_bytes()
            result = store.set_logo(data, Path(words[1]).name, _user(args))
        except (OSError, ValueError) as exc:
            print(error_text(exc, args.lang), file=sys.stderr)
            return 1
        print(_("Set {key} to {value} (recorded as {load}).").format(
            key=LOGO_KEY, value=words[1], load=result.load_id))
        return 0
    if words and words[0] not in known:
        print(_("There is no setting {key}. The settings: {keys}.").format(
            key=words[0], keys=", ".join(known)), file=sys.stderr)
        return 2
    if len(words) >= 2:
        key, value = words[0], " ".join(words[1:])
        try:
            result = store.set_setting(key, value, _user(args))
        except ValueError as exc:
            print(error_text(exc, args.lang), file=sys.stderr)
            return 1
        if result is not None:
            print(_("Set {key} to {value} (recorded as {load}).").format(
                key=key, value=store.settings()[key], load=result.load_id))
    values = store.settings()
    for key in ([words[0]] if words else known):
        print(f"{key} = {values[key]}")
    return 0


def _new_values(report) -> dict[str, list[str]]:
    """The values of a file that the cluster's reference lists do not have."""
    return {k: v for k, v in report.unknown_values().items() if k in REFERENCE_LISTS}


def cmd_lists(store: Store, args: argparse.Namespace) -> int:
    _ = translator(args.lang)
    words = list(args.words)
    if args.action == "show":
        frame = reference.export_frame(store, args.lang, (args.list_name,) if args.list_name
                                       else REFERENCE_LISTS)
        print(frame.to_string(index=False))
        return 0
    if args.action == "export":
        out = Path(words[0]) if words else None
        data = reference.export_bytes(store, "xlsx" if out and out.suffix.lower() == ".xlsx"
                                      else "csv", args.lang)
        if out is None:
            sys.stdout.write(data.decode("utf-8"))
            return 0
        out.write_bytes(data)
        print(_("Wrote {path}").format(path=out))
        return 0
    if args.action == "rename":
        if len(words) != 3 or words[0] not in REFERENCE_LISTS:
            print(_("Write: lists rename LIST OLD NEW (LIST: {lists})").format(
                lists=", ".join(REFERENCE_LISTS)), file=sys.stderr)
            return 2
        change = reference.rename(store, *words, user=_user(args), dry_run=args.dry_run)
        return _said(change, args, store)
    if len(words) != 1 or not Path(words[0]).is_file():
        print(_("Write: lists import FILE (CSV or XLSX)"), file=sys.stderr)
        return 2
    path = Path(words[0])
    changes, problems = reference.read_file(store, path.read_bytes(), path.name, args.list_name)
    lines, _left = bounded_lines(problems + [p for c in changes for p in c.problems], args.lang)
    for line in lines:
        print(f"{path.name}: {line}", file=sys.stderr)
    if any(p.severity == "error" for p in problems) or not all(c.ok for c in changes) \
            or not changes:
        if not changes and not problems:
            print(_("{file}: no list in the file.").format(file=path.name), file=sys.stderr)
        print(_("{file}: rejected, no list changed.").format(file=path.name), file=sys.stderr)
        return 1
    for change in changes:
        _said(change, args, store, quiet=True)
    return 0


def _said(change: reference.ListChange, args: argparse.Namespace, store: Store,
          quiet: bool = False) -> int:
    """Print what a list change did or would do (an import's is applied here), or why it
    was refused (``quiet``: its problems were printed already)."""
    _ = translator(args.lang)
    if not quiet:
        for problem in change.problems:
            print(problem.describe(args.lang), file=sys.stderr)
    if not change.ok:
        print(_("Nothing changed."), file=sys.stderr)
        return 1
    if args.dry_run or not change.changes:
        print(_("Would save: {change}. Dry run: nothing written.").format(
            change=change.describe(args.lang)) if args.dry_run else change.describe(args.lang))
        return 0
    if change.load_id is None:
        reference.apply(store, change, _user(args))
    print(_("Saved: {change} (recorded as load {load}, undoable).").format(
        change=change.describe(args.lang), load=change.load_id))
    return 0


COMMANDS = {"init": cmd_init, "clusters": cmd_clusters, "demo": cmd_demo, "ingest": cmd_ingest,
            "kpis": cmd_kpis,
            "history": cmd_history, "undo": cmd_undo, "report": cmd_report, "backup": cmd_backup,
            "settings": cmd_settings, "collection": cmd_collection, "lists": cmd_lists}

"""The command line: ``python -m analytics COMMAND [--db PATH] ...``.

Exit codes: 0 done, 1 a file was rejected or an action refused, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

import duckdb
import pandas as pd

from . import formatting, kpis
from .filters import Filters
from .ingest import ingest_file, load_demo
from .store import Store, StoreBusy, default_db_path
from .templates import template_csv, template_xlsx


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analytics",
        description="Cluster indicators: load member submissions and compute KPIs.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--db", default=None,
                       help=f"database file (default: $CLUSTER_DB or {default_db_path()})")
        return p

    command("init", "create the database file and its tables")
    command("demo", "load the demo cluster's data")
    p = command("ingest", "check and load submission or member-list files (CSV or XLSX)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--dry-run", action="store_true", help="check only, write nothing")
    p.add_argument("--user", default=None, help="who loads (default: your login name)")
    p = command("kpis", "print the KPIs for a filter selection")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument("--role", choices=("manager", "funder", "member"), default="manager",
                   help="funder/member: after disclosure control (hidden values are null)")
    _filter_options(p)
    p = command("report", "write the report pack (charts, tables, methodology, Word report) as a ZIP")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the ZIP into")
    p.add_argument("--format", action="append", choices=("png", "svg", "pdf"), default=None,
                   help="chart image format(s) (repeatable; default: png, svg and pdf)")
    _filter_options(p)
    command("history", "list the loads and undos, newest first")
    p = command("undo", "undo one load: its rows go, the values it replaced come back")
    p.add_argument("load_id", type=int)
    p.add_argument("--user", default=None)
    p = command("add-user", "add or update a user who signs in with a password")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=("manager", "funder", "member"))
    p.add_argument("--member-id", help="for a member user: the member it speaks for")
    p.add_argument("--name")
    p.add_argument("--email")
    p.add_argument("--password", help="(default: asked for, not echoed)")
    p.add_argument("--auth-file", help="sign-in file (default: $CLUSTER_AUTH_FILE or auth.yaml)")
    p = command("backup", "back the database up into a new folder (Parquet files, checksums)")
    p.add_argument("--out", required=True, metavar="DIR")
    p = command("restore", "restore a backup folder into an empty or new database file")
    p.add_argument("backup_dir", metavar="DIR")
    p = command("template", "write an empty submission template")
    p.add_argument("out", help="file to write: .csv or .xlsx")
    return parser


def _filter_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="year_from", type=int, metavar="YEAR")
    p.add_argument("--to", dest="year_to", type=int, metavar="YEAR")
    p.add_argument("--member-type", action="append", default=[], metavar="T")
    p.add_argument("--sector", action="append", default=[], metavar="S")
    p.add_argument("--area", action="append", default=[], metavar="A")
    p.add_argument("--estimated", action="store_true",
                   help="fill missing submissions with the last reported values (marked)")


def _filters(args: argparse.Namespace) -> Filters:
    filters, notices = Filters.build(args.year_from, args.year_to, args.member_type,
                                     args.sector, args.area, estimated=args.estimated)
    for notice in notices:
        print(notice, file=sys.stderr)
    return filters


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "add-user":
        from .access import add_user

        password = args.password or getpass.getpass(f"Password for {args.username}: ")
        try:
            path = add_user(args.username, password, args.role, name=args.name, email=args.email,
                            member_id=args.member_id,
                            path=Path(args.auth_file) if args.auth_file else None)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 1
        print(f"User {args.username} ({args.role}) saved in {path}")
        return 0
    if args.command == "template":
        data = template_xlsx() if args.out.lower().endswith(".xlsx") else template_csv()
        Path(args.out).write_bytes(data)
        print(f"Wrote {args.out}")
        return 0
    if args.command == "restore":
        from .backup import restore

        try:
            store = restore(args.backup_dir, args.db or default_db_path())
        except (ValueError, OSError, duckdb.Error) as exc:
            print(f"Restore failed, nothing changed: {exc}", file=sys.stderr)
            return 1
        print(f"Restored {args.backup_dir} into {store.path}")
        return 0
    try:
        store = Store(args.db)
        return COMMANDS[args.command](store, args)
    except StoreBusy as exc:
        print(exc, file=sys.stderr)
        return 1


def _user(args: argparse.Namespace) -> str:
    if getattr(args, "user", None):
        return args.user
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "cli"


def cmd_init(store: Store, args: argparse.Namespace) -> int:
    print(f"Database ready: {store.path} (schema version {store.schema_version()})")
    return 0


def cmd_demo(store: Store, args: argparse.Namespace) -> int:
    results = load_demo(store)
    rows = sum(r.rows_added + r.rows_replaced for r in results)
    print(f"Loaded the demo data: {len(results)} files, {rows} rows into {store.path}")
    return 0


def cmd_ingest(store: Store, args: argparse.Namespace) -> int:
    reports = []
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            print(f"{name}: no such file", file=sys.stderr)
            return 2
    status = 0
    for name in args.files:
        report, result = ingest_file(name, store, user=_user(args), dry_run=args.dry_run)
        reports.append(report)
        for problem in report.problems:
            stream = sys.stderr if problem.severity == "error" else sys.stdout
            print(f"{name}: {problem.severity}: {problem}", file=stream)
        if not report.ok:
            print(f"{name}: rejected, nothing loaded ({len(report.errors)} error(s)).",
                  file=sys.stderr)
            status = 1
        elif result is None:
            print(f"{name}: OK, {report.rows} rows would be loaded "
                  f"({report.replaces} replacing stored values). Dry run: nothing written.")
        else:
            print(f"{name}: loaded as load {result.load_id}: {result.rows_added} rows added, "
                  f"{result.rows_replaced} replaced.")
    return status


def cmd_kpis(store: Store, args: argparse.Namespace) -> int:
    filters = _filters(args)
    if args.format == "json":
        print(json.dumps(kpis.summary(store, filters, role=args.role), indent=2, ensure_ascii=False))
        return 0
    result = kpis.overview(store, filters)
    if args.role != "manager":
        from .disclosure import protect_overview

        result = protect_overview(store, filters, result)
    if args.format == "csv":
        frames = []
        for key in ("by_year", "by_sector", "by_member_type", "by_area"):
            frames.append(result[key].assign(breakdown=key))
        pd.concat(frames, ignore_index=True).to_csv(sys.stdout, index=False)
        return 0
    print(f"Filters: {filters.describe()}\n")
    table = result["by_year"][["year", "turnover_eur", "jobs", "members", "active_members",
                               "response_rate"]].copy()
    table["turnover_eur"] = table["turnover_eur"].map(lambda v: formatting.eur(v, compact=False))
    table["jobs"] = table["jobs"].map(lambda v: formatting.number(v, 1))
    table["response_rate"] = table["response_rate"].map(formatting.pct)
    print(table.to_string(index=False))
    print()
    for key, g in result["growth"].items():
        fmt = (lambda v: formatting.eur(v, compact=False)) if key == "turnover_eur" else \
            (lambda v: formatting.number(v, 1))
        print(f"{kpis.INDICATORS[key].label}: {g['baseline_year']} {fmt(g['baseline'])} -> "
              f"{g['latest_year']} {fmt(g['latest'])}  change {fmt(g['change'])} "
              f"({formatting.pct(g['pct'], signed=True)}), CAGR {formatting.pct(g['cagr'])}")
    return 0


def cmd_history(store: Store, args: argparse.Namespace) -> int:
    frame = store.history()
    if frame.empty:
        print("No loads yet.")
        return 0
    frame["sha256"] = frame["sha256"].str.slice(0, 12)
    print(frame.drop(columns=["is_demo"]).to_string(index=False))
    return 0


def cmd_undo(store: Store, args: argparse.Namespace) -> int:
    try:
        undo_id = store.undo(args.load_id, _user(args))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Undid load {args.load_id} (recorded as {undo_id}).")
    return 0


def cmd_report(store: Store, args: argparse.Namespace) -> int:
    from .export import BrowserMissing
    from .report import build_pack

    def progress(done: int, total: int, message: str) -> None:
        print(f"[{done:>3}/{total}] {message}", file=sys.stderr, flush=True)

    formats = tuple(dict.fromkeys(args.format or ("png", "svg", "pdf")))
    try:
        data, name = build_pack(store, _filters(args), formats=formats, progress=progress)
    except BrowserMissing as exc:
        print(exc, file=sys.stderr)
        return 1
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_bytes(data)
    print(f"Wrote {out / name} ({len(data) / 1e6:.1f} MB)")
    return 0


def cmd_backup(store: Store, args: argparse.Namespace) -> int:
    from .backup import backup

    folder = backup(store, args.out)
    print(f"Backup written to {folder}")
    return 0


COMMANDS = {"init": cmd_init, "demo": cmd_demo, "ingest": cmd_ingest, "kpis": cmd_kpis,
            "history": cmd_history, "undo": cmd_undo, "report": cmd_report, "backup": cmd_backup}

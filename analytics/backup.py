"""Backups with DuckDB's own EXPORT DATABASE (Parquet files and the schema), a manifest
with row counts and SHA-256 checksums, and a restore that checks them first."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from pathlib import Path

import duckdb

from .i18n import _l
from .store import SCHEMA_VERSION, Store

MANIFEST = "manifest.json"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def backup(store: Store, out_dir: str | Path) -> Path:
    """Write a new backup folder inside out_dir and return it."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = Path(out_dir).resolve() / f"cluster-backup-{stamp}"
    n = 1
    while target.exists():
        n += 1
        target = Path(out_dir).resolve() / f"cluster-backup-{stamp}-{n}"
    target.parent.mkdir(parents=True, exist_ok=True)
    with store.connect() as con:
        con.execute(f"EXPORT DATABASE '{_sql_path(target)}' (FORMAT parquet)")
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "ORDER BY 1").fetchall()]
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] for t in tables}
    manifest = {"created_at": dt.datetime.now(dt.UTC).isoformat(), "schema_version": SCHEMA_VERSION,
                "source": os.path.basename(store.path), "rows": counts,
                "files": {p.name: _sha256(p) for p in sorted(target.iterdir())}}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return target


def verify(backup_dir: str | Path) -> dict:
    """The manifest, after checking that every file is there and unchanged."""
    folder = Path(backup_dir)
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise ValueError(_l("{folder} is not a backup: it has no {manifest}.", folder=folder,
                            manifest=MANIFEST))
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for name, digest in manifest["files"].items():
        path = folder / name
        if not path.is_file():
            raise ValueError(_l("The backup is incomplete: {name} is missing.", name=name))
        if _sha256(path) != digest:
            raise ValueError(_l("The backup is damaged: {name} does not match its checksum.",
                                name=name))
    return manifest


def restore(backup_dir: str | Path, db_path: str | Path) -> Store:
    """Restore a verified backup into an empty (or new) database file."""
    folder = Path(backup_dir).resolve()
    manifest = verify(folder)
    db_path = Path(db_path)
    if db_path.exists():
        existing = Store(db_path)
        if not existing.is_new():
            raise ValueError(_l("{path} already holds data; restore into a new or empty file.",
                                path=db_path))
        db_path.unlink()
        wal = Path(str(db_path) + ".wal")
        if wal.exists():
            wal.unlink()
    con = duckdb.connect(str(db_path))
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute((folder / "schema.sql").read_text(encoding="utf-8"))
        for line in (folder / "load.sql").read_text(encoding="utf-8").splitlines():
            match = re.match(r"COPY (\S+) FROM '.*?([^/\\']+\.parquet)'", line.strip())
            if match:
                con.execute(f"COPY {match.group(1)} FROM '{_sql_path(folder / match.group(2))}' "
                            "(FORMAT parquet)")
        for table, rows in manifest["rows"].items():
            got = con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0]
            if got != rows:
                raise ValueError(_l("Restored {got} rows of {table}, the backup says {rows}.",
                                    got=got, table=table, rows=rows))
        if "publication_cache" in manifest["rows"]:
            # what funders may see is decided again from the restored rows, never taken
            # from a file that anyone could have edited
            con.execute("DELETE FROM publication_cache")
        con.execute("COMMIT")
    except BaseException:
        con.close()
        db_path.unlink(missing_ok=True)
        raise
    con.close()
    return Store(db_path)  # applies any migration newer than the backup

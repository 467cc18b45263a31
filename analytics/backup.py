"""Backups with DuckDB's own EXPORT DATABASE (Parquet files and the schema), a manifest
with row counts and SHA-256 checksums (signed with HMAC when the deployment sets
``CLUSTER_BACKUP_KEY``), and a restore that trusts nothing in the folder but its rows.

Design note: a backup folder is input from outside, like an uploaded file. The restore
refuses any file the manifest does not list or the product does not write, checks every
checksum, creates the schema with the product's migrations (never the backup's
``schema.sql``), loads the stored tables column by column from Parquet and rebuilds the
derived ones (KPI cube, publication) from them. What it cannot tell without a key is an
edit made consistently to a Parquet file and its checksum: that is what the signature is for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from pathlib import Path

import duckdb

from .i18n import _l
from .store import (
    DEFAULT_CLUSTER,
    SCHEMA_VERSION,
    SCHEMA_VERSION_DDL,
    Store,
    _refresh_cube,
    apply_migrations,
    default_cluster,
    is_postgres,
    split_address,
)

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
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "current_schema() AND table_catalog = current_database() ORDER BY 1").fetchall()]
        if store.backend == "duckdb" and store.schema == "main":
            con.execute(f"EXPORT DATABASE '{_sql_path(target)}' (FORMAT parquet)")
        else:  # a cluster's schema, or PostgreSQL: its tables one by one, the same files
            target.mkdir()
            for t in tables:
                con.execute(f"COPY (SELECT * FROM \"{t}\") TO "
                            f"'{_sql_path(target / (t + '.parquet'))}' (FORMAT parquet)")
            # as EXPORT DATABASE writes them: for a person to read, never run by a restore
            (target / "schema.sql").write_text(
                f"-- the tables of schema version {SCHEMA_VERSION}, made by the product's "
                "migrations (analytics/store.py) when this backup is restored\n",
                encoding="utf-8")
            (target / "load.sql").write_text("".join(
                f"COPY \"{t}\" FROM '{t}.parquet' (FORMAT parquet);\n" for t in tables),
                encoding="utf-8")
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] for t in tables}
    source = os.path.basename(store.path) if store.backend == "duckdb" else "PostgreSQL"
    manifest = {"created_at": dt.datetime.now(dt.UTC).isoformat(), "schema_version": SCHEMA_VERSION,
                "source": source, "cluster": store.cluster, "rows": counts,
                "files": {p.name: _sha256(p) for p in sorted(target.iterdir())}}
    key = _key()
    if key is not None:
        manifest["signature"] = _signature(manifest, key)
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return target


#: Built from the stored rows, never restored: a backup's copy could have been edited
#: (a forged KPI cube would make every KPI read forged numbers).
DERIVED = ("kpi_cube", "publication_cache")
#: Written by EXPORT DATABASE beside the Parquet files: checked and kept for a person to
#: read, never executed (SQL appended to them would run with the restorer's rights).
SQL_FILES = ("schema.sql", "load.sql")
#: Where a deployment keeps the key that signs its backups (HMAC-SHA256 of the manifest).
KEY_VARIABLE = "CLUSTER_BACKUP_KEY"


def _key() -> bytes | None:
    key = os.environ.get(KEY_VARIABLE)
    return key.encode() if key else None


def _signature(manifest: dict, key: bytes) -> str:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return hmac.new(key, json.dumps(body, sort_keys=True).encode(), hashlib.sha256).hexdigest()


def product_tables(version: int) -> dict[str, list[str]]:
    """The stored (not derived) tables of schema ``version`` and their columns, as the
    product's own migrations create them: what a restore reads from a backup of it."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(SCHEMA_VERSION_DDL)
        apply_migrations(con, range(1, version + 1))
        return {t: [c for (c,) in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                    "ORDER BY ordinal_position", [t]).fetchall()]
                for (t,) in con.execute("SELECT table_name FROM information_schema.tables "
                                        "ORDER BY 1").fetchall()
                if t not in DERIVED and t != "schema_version"}
    finally:
        con.close()


def verify(backup_dir: str | Path) -> dict:
    """The manifest, after checking that every file is listed in it, is there and unchanged,
    is one the product writes, and (with a signing key) that the manifest is signed."""
    folder = Path(backup_dir)
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise ValueError(_l("{folder} is not a backup: it has no {manifest}.", folder=folder,
                            manifest=MANIFEST))
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files, rows = dict(manifest["files"]), dict(manifest["rows"])
        version = int(manifest["schema_version"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(_l("The backup is damaged: {manifest} cannot be read.",
                            manifest=MANIFEST)) from exc
    key = _key()
    if key is not None and not hmac.compare_digest(str(manifest.get("signature", "")),
                                                   _signature(manifest, key)):
        raise ValueError(_l("The backup is not signed with this installation's key "
                            "({variable}): it was edited, or made elsewhere.",
                            variable=KEY_VARIABLE))
    if not 1 <= version <= SCHEMA_VERSION:
        raise ValueError(_l("The backup has schema version {version}; this version of the "
                            "product reads 1 to {latest}.", version=version,
                            latest=SCHEMA_VERSION))
    for path in sorted(folder.iterdir()):
        if path.name != MANIFEST and path.name not in files:
            raise ValueError(_l("The backup holds a file its manifest does not list: {name}.",
                                name=path.name))
    tables = product_tables(version)
    expected = {f"{t}.parquet" for t in tables} | {f"{t}.parquet" for t in DERIVED} | {
        "schema_version.parquet", *SQL_FILES}
    for name, digest in files.items():
        if name not in expected:
            raise ValueError(_l("The backup holds a file this product does not write: {name}.",
                                name=name))
        path = folder / name
        if not path.is_file():
            raise ValueError(_l("The backup is incomplete: {name} is missing.", name=name))
        if not hmac.compare_digest(_sha256(path), str(digest)):
            raise ValueError(_l("The backup is damaged: {name} does not match its checksum.",
                                name=name))
    for table in tables:
        if f"{table}.parquet" not in files or table not in rows:
            raise ValueError(_l("The backup is incomplete: {name} is missing.",
                                name=f"{table}.parquet"))
    return manifest


def _restore_rows(con: duckdb.DuckDBPyConnection, folder: Path, manifest: dict,
                  backend: str) -> None:
    """In ``con``'s transaction, on an empty schema: the product's tables of the backup's
    version, its rows, the migrations since, the derived tables built again."""
    version = int(manifest["schema_version"])
    con.execute(SCHEMA_VERSION_DDL)
    apply_migrations(con, range(1, version + 1), backend)
    for table, columns in product_tables(version).items():
        names = ", ".join(f'"{c}"' for c in columns)
        con.execute(f'DELETE FROM "{table}"')  # rows a migration seeded: the backup's win
        try:
            con.execute(f'INSERT INTO "{table}" ({names}) SELECT {names} FROM '
                        "read_parquet(?)", [str(folder / f"{table}.parquet")])
        except duckdb.Error as exc:
            raise ValueError(_l("The backup's {table} does not have the columns of schema "
                                "version {version}: {reason}", table=table, version=version,
                                reason=str(exc).splitlines()[0])) from exc
        got = con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0]
        if got != manifest["rows"][table]:
            raise ValueError(_l("Restored {got} rows of {table}, the backup says {rows}.",
                                got=got, table=table, rows=manifest["rows"][table]))
    if backend == "duckdb":  # files made before issue 18 number loads with it
        after = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchall()[0][0]
        con.execute("DROP SEQUENCE load_id_seq")
        con.execute(f"CREATE SEQUENCE load_id_seq START {int(after)}")
    apply_migrations(con, range(version + 1, SCHEMA_VERSION + 1), backend)  # an older backup
    _refresh_cube(con)  # the cube is built from the restored rows, as every write does


def restore(backup_dir: str | Path, db_path: str | Path, cluster: str | None = None) -> Store:
    """Restore a verified backup into an empty (or new) database file, or into a new or
    empty cluster (of a DuckDB file or of PostgreSQL).

    The schema comes from the product's own migrations (up to the backup's version), the
    rows from the backup's Parquet files, read column by column into it; no SQL text of the
    backup is run, and what is derived from the rows is built again from them.
    """
    folder = Path(backup_dir).resolve()
    manifest = verify(folder)
    path, named = split_address(db_path)
    cluster = cluster or named or default_cluster()
    if is_postgres(path) or cluster != DEFAULT_CLUSTER:
        return _restore_into_cluster(folder, manifest, path, cluster)
    db_path = Path(path)
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
        _restore_rows(con, folder, manifest, "duckdb")
        con.execute("COMMIT")
    except BaseException:
        con.close()
        db_path.unlink(missing_ok=True)
        Path(str(db_path) + ".wal").unlink(missing_ok=True)
        raise
    con.close()
    return Store(db_path)


def _restore_into_cluster(folder: Path, manifest: dict, path: str, cluster: str) -> Store:
    """The restore into a cluster's schema: one transaction that empties the (new) cluster
    and fills it, so that a failure or a kill leaves it as it was."""
    target = Store(path, cluster=cluster, create=True)
    if not target.is_new():
        raise ValueError(_l("The cluster '{code}' already holds data; restore into a new or "
                            "empty cluster.", code=cluster))
    with target.transaction() as con:
        for (table,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                "current_schema() AND table_catalog = current_database()").fetchall():
            con.execute(f'DROP TABLE "{table}"')
        if target.backend == "duckdb":
            con.execute("DROP SEQUENCE IF EXISTS load_id_seq")
        _restore_rows(con, folder, manifest, target.backend)
    return Store(path, cluster=cluster)

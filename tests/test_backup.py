"""Restoring a backup trusts nothing in its folder but the rows: each attack of the security
review (an unlisted file, an extra file, a missing one, SQL appended to ``schema.sql``, a
forged KPI cube, consistent edits without the signing key) is tried on a real backup."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from analytics import document
from analytics.backup import KEY_VARIABLE, MANIFEST, _sha256, backup, restore
from analytics.store import MIGRATIONS, SCHEMA_VERSION_DDL


@pytest.fixture
def folder(demo_store, tmp_path) -> Path:
    return backup(demo_store, tmp_path / "backups")


def manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text())


def rewrite_manifest(folder: Path, data: dict, checksums: bool = True) -> None:
    """What an attacker who edits files does next: make the manifest agree with them."""
    if checksums:
        data["files"] = {name: _sha256(folder / name) for name in data["files"]
                         if (folder / name).exists()}
    (folder / MANIFEST).write_text(json.dumps(data))


def edit_parquet(folder: Path, table: str, sql: str) -> None:
    """Rewrite ``table``'s Parquet file as ``sql`` (over ``t``, the file's rows) makes it."""
    path = folder / f"{table}.parquet"
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{path}')")
    con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet)")
    con.close()


def test_a_file_whose_manifest_entry_was_deleted_is_refused(folder, tmp_path):
    data = manifest(folder)
    del data["files"]["submissions.parquet"]
    rewrite_manifest(folder, data, checksums=False)
    with pytest.raises(ValueError, match="does not list: submissions.parquet"):
        restore(folder, tmp_path / "r.duckdb")
    assert not (tmp_path / "r.duckdb").exists()


def test_an_extra_or_missing_file_is_refused(folder, tmp_path):
    (folder / "evil.parquet").write_bytes((folder / "members.parquet").read_bytes())
    data = manifest(folder)
    data["files"]["evil.parquet"] = ""
    rewrite_manifest(folder, data)
    with pytest.raises(ValueError, match="does not write: evil.parquet"):
        restore(folder, tmp_path / "r.duckdb")
    (folder / "evil.parquet").unlink()
    (folder / "members.parquet").unlink()
    rewrite_manifest(folder, data)
    with pytest.raises(ValueError, match="members.parquet is missing"):
        restore(folder, tmp_path / "r.duckdb")
    assert not (tmp_path / "r.duckdb").exists()


def test_sql_in_the_backup_is_never_executed(folder, demo_store, tmp_path):
    marker = tmp_path / "pwned.csv"
    for name in ("schema.sql", "load.sql"):
        with open(folder / name, "a") as fh:
            fh.write(f"\nCOPY (SELECT 'pwned') TO '{marker}';\nDROP TABLE IF EXISTS loads;\n")
    rewrite_manifest(folder, manifest(folder))
    restored = restore(folder, tmp_path / "r.duckdb")
    assert not marker.exists()
    assert document.summary(restored) == document.summary(demo_store)


def test_a_forged_kpi_cube_is_rebuilt_from_the_rows(folder, demo_store, tmp_path):
    edit_parquet(folder, "kpi_cube", "SELECT * REPLACE (sum__turnover_eur * 10 AS "
                                     "sum__turnover_eur) FROM t")
    edit_parquet(folder, "publication_cache", "SELECT * FROM t")  # stays a valid file
    rewrite_manifest(folder, manifest(folder))
    restored = restore(folder, tmp_path / "r.duckdb")
    assert document.summary(restored) == document.summary(demo_store)
    assert restored.rows("SELECT count(*) FROM publication_cache") == [(0,)]


def test_edited_rows_are_refused_when_backups_are_signed(demo_store, tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, "a secret of the deployment")
    folder, untouched = backup(demo_store, tmp_path / "b1"), backup(demo_store, tmp_path / "b2")
    assert "signature" in manifest(folder)
    edit_parquet(folder, "submissions", "SELECT * REPLACE (turnover_eur * 2 AS turnover_eur) "
                                        "FROM t")
    rewrite_manifest(folder, manifest(folder))  # checksums agree, the signature cannot
    with pytest.raises(ValueError, match="not signed with this installation's key"):
        restore(folder, tmp_path / "r.duckdb")
    restore(untouched, tmp_path / "ok.duckdb")
    monkeypatch.setenv(KEY_VARIABLE, "another installation's key")
    with pytest.raises(ValueError, match="not signed"):
        restore(untouched, tmp_path / "r.duckdb")
    # without a key configured, a consistent edit cannot be told from the real thing
    monkeypatch.delenv(KEY_VARIABLE)
    doubled = restore(folder, tmp_path / "r.duckdb")
    assert document.summary(doubled) != document.summary(demo_store)


def test_a_backup_with_a_wrong_column_is_refused_and_leaves_no_file(folder, tmp_path):
    edit_parquet(folder, "members", "SELECT * EXCLUDE (member_name) FROM t")
    rewrite_manifest(folder, manifest(folder))
    with pytest.raises(ValueError, match="does not have the columns"):
        restore(folder, tmp_path / "r.duckdb")
    assert not (tmp_path / "r.duckdb").exists()


def test_a_backup_of_an_older_schema_is_restored_and_upgraded(tmp_path):
    """A version-6 database (before the reference lists): its rows come back and the
    restore upgrades them, loads numbered on from the backup's."""
    old = tmp_path / "old.duckdb"
    con = duckdb.connect(str(old))
    con.execute(SCHEMA_VERSION_DDL)
    for step, statements in MIGRATIONS:
        if step <= 6:
            for statement in statements:
                if statement != "__refresh_cube__":
                    con.execute(statement)
            con.execute("INSERT INTO schema_version (version) VALUES (?)", [step])
    con.execute("INSERT INTO loads (load_id, loaded_by, action, kind) "
                "VALUES (nextval('load_id_seq'), 'alice', 'load', 'submissions')")
    con.execute("INSERT INTO submissions (member_id, member_name, member_type, sector, area, "
                "year, turnover_eur, jobs, load_id) VALUES ('M01', 'A', 'SME', 'waste', '87', "
                "2015, 1000, 2, 1)")
    folder = tmp_path / "b"
    con.execute(f"EXPORT DATABASE '{folder}' (FORMAT parquet)")
    tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables")
              .fetchall()]
    rows = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] for t in tables}
    con.close()
    rewrite_manifest(folder, {"schema_version": 6, "rows": rows,
                              "files": {p.name: "" for p in folder.iterdir()}})
    restored = restore(folder, tmp_path / "r.duckdb")
    assert restored.schema_version() > 6
    assert restored.rows("SELECT member_id, turnover_eur FROM submissions") == [("M01", 1000)]
    assert restored.reference_lists()["sectors"].codes  # the lists a new version brings
    assert restored.rows("SELECT nextval('load_id_seq')")[0][0] > 1

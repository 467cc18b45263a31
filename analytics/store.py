"""The store: a DuckDB file by default, or a PostgreSQL database; connections, schema
migrations, clusters, and the single write path.

Design note: DuckDB lets one process hold a database file, so the store never keeps a
connection open between pieces of work. ``Store.connect()`` opens one for the work at
hand (inside a process DuckDB shares the open database, so this costs ~2 ms while another
thread has it open) and closes it afterwards, which lets the command line write while the
dashboard runs. Opening waits, with a bounded retry, while another process holds the file.
Every write goes through ``Store.transaction()``: one process-wide lock, one transaction.
Loads never delete data: replaced rows move to ``<table>_history`` with the load that
replaced them, which is what makes every load traceable and undoable.

Design note, PostgreSQL (issue 18): ``CLUSTER_DB=postgresql://…`` puts the tables in a
PostgreSQL database, for several app servers and the command line writing at once. The SQL
stays DuckDB's: each process runs an in-memory DuckDB with the PostgreSQL database attached
through DuckDB's ``postgres`` extension (the ``duckdb-extension-postgres`` wheel, loaded from
the installed package, never downloaded; it is built for one DuckDB version, which
requirements.txt pins). Every query, the KPI cube, the checks and the exports run unchanged;
PostgreSQL holds the rows, the transactions and the locks. The alternative, translating the
SQL into PostgreSQL's dialect (sqlglot) and running it there, was measured
(``benchmarks/bench_dialect.py``): 7 of the 10 read statements of an Overview run fail on
PostgreSQL as translated (DuckDB-only syntax), and the 3 that run take the time they take
through the extension (0.042 s against 0.040 s). It would make most queries a second query
to write and test, for no speed; at 300 clusters the Overview's KPIs read through the
extension take 0.045 s, less than from the cluster's own DuckDB file (BENCHMARKS.md,
"Many clusters").
What differs is kept here: PostgreSQL has no DuckDB sequences, so a load's number is the
next after the last (``_NEXT_LOAD``) under a per-cluster advisory lock taken on a separate
connection *before* the transaction begins (the extension reads in REPEATABLE READ, so a
lock taken inside would leave the transaction with the snapshot of before the wait); the
same lock, on a federation-wide key, runs the migrations once when servers start together.
A load is one DuckDB transaction, which the extension runs as one PostgreSQL transaction:
a killed connection rolls it back whole.

Design note, clusters: a cluster is a schema (``cluster_<code>``) holding the tables below,
its members, settings, lists, targets and history; the default cluster is the database's
own schema (``main`` in a DuckDB file, ``public`` in PostgreSQL), so a single-cluster
deployment never names one. A ``Store`` is bound to one cluster when it is made and every
connection it hands out is set to that schema (``USE``): no query of the product names a
schema, so none can reach another cluster's rows through a store. (In a DuckDB file a name
missing from the schema in use is looked up in ``main`` as well: every cluster's tables are
made by the same migrations, and whether a cluster is migrated is asked of the catalogue
for its own schema, never by a table's name.) Who may open which cluster is
``access.py``'s; the store refuses a cluster that does not exist.
"""

from __future__ import annotations

import base64
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from .i18n import _l
from .schema import (
    CLUSTER_LIFE,
    COLLECTION,
    CURRENCIES,
    DATA_DIR,
    DIMENSION_OF_VOCABULARY,
    FIRST_YEAR,
    MAX_SETTING_LENGTH,
    MEMBERS,
    REFERENCE,
    REFERENCE_LISTS,
    SATISFACTION,
    SETTING_DEFAULTS,
    SETTING_LIMITS,
    SETTINGS,
    STORED,
    SUBMISSIONS,
    TARGETS,
    TEXT_SETTINGS,
    TableSpec,
    Vocabulary,
    lists_in_force_by,
    shipped_vocabulary,
    spec_named,
    use_lists,
)

DEFAULT_DB = DATA_DIR / "cluster.duckdb"
#: The cluster of a deployment that names none: the database's own schema.
DEFAULT_CLUSTER = "default"
#: A cluster's code: what ``--cluster``, the ``cluster`` URL parameter and auth.yaml name.
CLUSTER_CODE = re.compile(r"[a-z][a-z0-9_]{0,29}")
#: Where the clusters other than the default one live: a schema each.
CLUSTER_SCHEMA_PREFIX = "cluster_"
#: The schema of the database's default cluster, per back end.
HOME_SCHEMA = {"duckdb": "main", "postgres": "public"}
#: The funder's logo, kept in the settings table (base64) so that it is traced and undoable.
LOGO_KEY, MAX_LOGO_BYTES = "funder_logo", 1_000_000
LOCK_WAIT_SECONDS = float(os.environ.get("CLUSTER_DB_WAIT", "60"))


def default_db_path() -> str:
    return os.environ.get("CLUSTER_DB") or str(DEFAULT_DB)


def default_cluster() -> str:
    """The cluster a process serves when none is named (``CLUSTER_CODE``, else the
    database's default cluster)."""
    return os.environ.get("CLUSTER_CODE") or DEFAULT_CLUSTER


def is_postgres(path: str | Path) -> bool:
    return str(path).startswith(("postgresql://", "postgres://"))


def split_address(address: str | Path) -> tuple[str, str | None]:
    """``"<database>#<cluster>"`` (the address the pages cache by) into its two parts."""
    path, sep, code = str(address).rpartition("#")
    return (path, code) if sep and CLUSTER_CODE.fullmatch(code) else (str(address), None)


def check_cluster_code(code: str) -> str:
    if not CLUSTER_CODE.fullmatch(code or ""):
        raise ValueError(_l("'{code}' is not a cluster code: use 1 to 30 lower-case letters, "
                            "digits or _, starting with a letter.", code=code))
    return code


def cluster_schema(code: str, backend: str) -> str:
    return HOME_SCHEMA[backend] if code == DEFAULT_CLUSTER else CLUSTER_SCHEMA_PREFIX + code


#: What is built from the stored tables and rebuilt by every write, inside its transaction
#: (the KPI cube: ``kpis.refresh_cube`` registers itself). The store announces that data
#: changed; it does not know what the layers above build on it.
_ON_CHANGE: list[Callable[[duckdb.DuckDBPyConnection], None]] = []


def on_change(builder: Callable[[duckdb.DuckDBPyConnection], None]
              ) -> Callable[[duckdb.DuckDBPyConnection], None]:
    """Register ``builder(con)``, run in the transaction of every write that changes what
    it reads (and once by a migration that asks for it). Usable as a decorator."""
    if builder not in _ON_CHANGE:
        _ON_CHANGE.append(builder)
    return builder


def _refresh_cube(con: duckdb.DuckDBPyConnection) -> None:
    """Data changed: rebuild what is derived from it (the package imports ``kpis``, which
    registers the cube, so no write can skip it)."""
    for builder in _ON_CHANGE:
        builder(con)


class StoreBusy(RuntimeError):
    """Another program kept the database file locked for longer than we wait."""


def _table_ddl(spec: TableSpec, history: bool = False) -> str:
    """A stored table (a spec's columns, then ``load_id``) or its history (then
    ``replaced_by``): the writes copy rows by position, so the order matters."""
    cols = [f"{c.name} {c.sql_type}" for c in spec.columns]
    cols.append("load_id INTEGER NOT NULL")
    if history:
        cols.append("replaced_by INTEGER NOT NULL")
    else:
        cols.append(f"PRIMARY KEY ({', '.join(spec.key)})")
    name = f"{spec.name}_history" if history else spec.name
    return f"CREATE TABLE {name} ({', '.join(cols)})"


#: The member list as version 1 shipped it (no e-mail column): migration 1 stays as shipped.
MEMBERS_V1 = replace(MEMBERS, columns=MEMBERS.columns[:4])


def _rebuild(spec: TableSpec, old: TableSpec) -> list[str]:
    """Statements that give a table and its history ``spec``'s columns in order (a new
    column cannot just be added: it would come after ``load_id``)."""
    statements = []
    for history in (False, True):
        name = f"{spec.name}_history" if history else spec.name
        tail = ", load_id, replaced_by" if history else ", load_id"
        cols = ", ".join(c if c in old.names else f"NULL AS {c}" for c in spec.names)
        statements += [f"ALTER TABLE {name} RENAME TO {name}_old",
                       _table_ddl(spec, history),
                       f"INSERT INTO {name} SELECT {cols}{tail} FROM {name}_old",
                       f"DROP TABLE {name}_old"]
    return statements


#: Ordered schema migrations. Never edit a shipped one: append a new one.
MIGRATIONS: list[tuple[int, list[str]]] = [
    (1, [
        "CREATE SEQUENCE load_id_seq START 1",
        """CREATE TABLE loads (
            load_id INTEGER PRIMARY KEY,
            loaded_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
            loaded_by VARCHAR,
            action VARCHAR NOT NULL,      -- 'load' or 'undo'
            kind VARCHAR NOT NULL,        -- which table: 'submissions' or 'members'
            file_name VARCHAR,
            sha256 VARCHAR,
            rows_added INTEGER NOT NULL DEFAULT 0,
            rows_replaced INTEGER NOT NULL DEFAULT 0,
            undoes INTEGER,               -- for an undo: the load it undid
            undone_by INTEGER,            -- for a load: the undo that reverted it
            is_demo BOOLEAN NOT NULL DEFAULT false
        )""",
        _table_ddl(SUBMISSIONS), _table_ddl(SUBMISSIONS, history=True),
        _table_ddl(MEMBERS_V1), _table_ddl(MEMBERS_V1, history=True),
    ]),
]
MIGRATIONS.append((2, [_table_ddl(TARGETS), _table_ddl(TARGETS, history=True)]))
#: 3: the KPI cube (kpis.refresh_cube), rebuilt by every write; a callable step runs with
#: the migration's connection.
MIGRATIONS.append((3, ["__refresh_cube__"]))
#: 4: the protected publication of a data version (publication.py), built on first read and
#: kept so that every process and restart reads the same, audited pattern.
MIGRATIONS.append((4, ["""CREATE TABLE publication_cache (
    loads BIGINT NOT NULL, last_load BIGINT NOT NULL, settings VARCHAR NOT NULL,
    built_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp, payload VARCHAR NOT NULL,
    PRIMARY KEY (loads, last_load, settings))"""]))
#: 5: the cluster's settings (schema.SETTINGS), read by the queries themselves, so the cube
#: and every query of one document use the same value; the cube is rebuilt to match.
MIGRATIONS.append((5, [_table_ddl(SETTINGS), _table_ddl(SETTINGS, history=True),
                       "__refresh_cube__"]))
#: 6: the yearly collection campaign (collection.py); the years already in the database
#: were collected before the campaign existed and count as closed (one traced load); the
#: member list gains a contact e-mail for reminders.
MIGRATIONS.append((6, [
    _table_ddl(COLLECTION), _table_ddl(COLLECTION, history=True),
    """INSERT INTO loads (load_id, loaded_by, action, kind, file_name, rows_added)
       SELECT nextval('load_id_seq'), 'upgrade', 'load', 'collection',
              'years collected before the campaign existed', count(DISTINCT year)
       FROM submissions HAVING count(*) > 0""",
    """INSERT INTO collection SELECT DISTINCT year, 'closed', NULL,
       (SELECT max(load_id) FROM loads) FROM submissions""",
    *_rebuild(MEMBERS, MEMBERS_V1),
    "__refresh_cube__"]))
#: Who the shipped reference lists are loaded by in a new database (not a user's load),
#: as load 0, so that the loads people make are numbered from 1 as before.
SETUP_USER, SETUP_LOAD = "set-up", 0


def _sql_literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(value).lower()
    return "'" + str(value).replace("'", "''") + "'"


def _shipped_lists_sql() -> str:
    """The INSERT of the lists shipped in ``data/``, as load ``SETUP_LOAD``."""
    rows = []
    for name in REFERENCE_LISTS:
        for r in shipped_vocabulary(name).rows:
            values = [name, r["code"], r["label_en"], r["label_fr"], r.get("egss_code") or None,
                      r.get("egss_group") or None,
                      *((r.get(f, "").lower() == "true") if name == "member_types" else None
                        for f in ("is_sme", "is_enterprise"))]
            rows.append("(" + ", ".join(map(_sql_literal, values)) + f", {SETUP_LOAD})")
    return f"INSERT INTO {REFERENCE.name} VALUES " + ", ".join(rows)


#: 7: the reference lists in the database, so that each cluster edits its own (Settings
#: page, ``lists`` command); they start as the lists shipped in ``data/``, loaded by
#: ``set-up`` as one traced load (load 0). The KPI cube reads a sector's class and a member type's
#: flags from them, so it is rebuilt.
MIGRATIONS.append((7, [
    _table_ddl(REFERENCE), _table_ddl(REFERENCE, history=True),
    f"""INSERT INTO loads (load_id, loaded_by, action, kind, file_name, rows_added)
        VALUES ({SETUP_LOAD}, '{SETUP_USER}', 'load', '{REFERENCE.name}',
                'Reference lists shipped with the product', 0)""",
    _shipped_lists_sql(),
    f"""UPDATE loads SET rows_added = (SELECT count(*) FROM {REFERENCE.name})
        WHERE load_id = {SETUP_LOAD}""",
    "__refresh_cube__"]))
#: 8: the members' satisfaction answers (issue 17), one per member and year.
MIGRATIONS.append((8, [_table_ddl(SATISFACTION), _table_ddl(SATISFACTION, history=True)]))
#: 9: the cluster's own life (issue 17): working groups, participation, activities,
#: collaborative projects, the cluster organisation's staff and budget.
MIGRATIONS.append((9, [ddl for spec in CLUSTER_LIFE
                       for ddl in (_table_ddl(spec), _table_ddl(spec, history=True))]))
SCHEMA_VERSION = MIGRATIONS[-1][0]
#: A load's number: the one after the last. Every write holds its cluster's lock (the
#: process lock and the file's, or PostgreSQL's advisory lock), so two never take the same.
#: (Files made before issue 18 also have a sequence ``load_id_seq``, no longer read.)
_NEXT_LOAD = "SELECT coalesce(max(load_id), 0) + 1 FROM loads"


def _for_backend(statement: str, backend: str) -> str | None:
    """A migration's statement as the back end runs it: migration 6 numbers its load as
    loads do now; PostgreSQL has no DuckDB sequence, so migration 1's is left out there."""
    if backend == "postgres" and statement.startswith("CREATE SEQUENCE"):
        return None
    return statement.replace("nextval('load_id_seq')", f"({_NEXT_LOAD})")
#: Which migrations a database file has had (kept by ``Store.migrate``, not a migration).
SCHEMA_VERSION_DDL = ("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                      "applied_at TIMESTAMPTZ DEFAULT current_timestamp)")
#: ``loads.kind`` of the removal of the demo data, a load over every stored table.
DEMO_REMOVAL = "demo"
#: The rows in force that came from the demo (any stored table).
DEMO_ROWS = "load_id IN (SELECT load_id FROM loads WHERE is_demo)"
#: Tables the KPI cube does not read: a write to them does not rebuild it. (The collection
#: is read: a member that stopped reporting has left only once a later year is closed.)
NOT_IN_CUBE = (TARGETS.name, SATISFACTION.name, *(s.name for s in CLUSTER_LIFE))
#: The tables one load of a kind writes (a load writes its own table, except these): a
#: change of a reference list recodes the stored rows that use a renamed code.
KIND_TABLES: dict[str, tuple[TableSpec, ...]] = {DEMO_REMOVAL: STORED,
                                                 REFERENCE.name: (REFERENCE, SUBMISSIONS)}
#: Data tables: what the demo data may not be loaded beside (settings and lists may be set).
DATA_TABLES = (SUBMISSIONS, MEMBERS, TARGETS, COLLECTION, SATISFACTION, *CLUSTER_LIFE)


_DATA_VERSION = "SELECT count(*), coalesce(max(load_id), 0) FROM loads"
_HOLDS_DEMO = f"SELECT count(*) > 0 FROM submissions WHERE {DEMO_ROWS}"
#: from the (small) loads table: every load still in force is a demo load
_SHOWS_ONLY_DEMO = ("SELECT count(*) > 0 AND bool_and(is_demo) FROM loads "
                    "WHERE action = 'load' AND kind = 'submissions' AND undone_by IS NULL")


def apply_migrations(con: duckdb.DuckDBPyConnection, steps: range,
                     backend: str = "duckdb") -> bool:
    """Run the migrations numbered ``steps`` in ``con``'s transaction, each recorded in
    ``schema_version``; True when one asks for the derived tables to be rebuilt (the caller
    does it once, after the last step: the cube reads later tables)."""
    refresh = False
    for step, statements in MIGRATIONS:
        if step in steps:
            for statement in statements:
                if statement == "__refresh_cube__":
                    refresh = True
                elif (sql := _for_backend(statement, backend)) is not None:
                    con.execute(sql)
            con.execute("INSERT INTO schema_version (version) VALUES (?)", [step])
    return refresh


def setting_sql(key: str) -> str:
    """A SQL expression for a stored setting (its default when unset): queries read it
    from the database, so one query never mixes two values."""
    default = SETTING_DEFAULTS[key]
    return (f"coalesce((SELECT TRY_CAST(value AS INTEGER) FROM settings WHERE key = "
            f"'{key}'), {int(default)})")


@dataclass(frozen=True)
class LoadResult:
    load_id: int
    rows_added: int
    rows_replaced: int


class _Postgres:
    """A process's way into one PostgreSQL database: an in-memory DuckDB with it attached
    as ``pg`` (shared by every store of the process on that database: attaching costs a
    connection and a catalog read), and a plain connection (psycopg) holding the advisory
    locks of this process's writes."""

    _all: dict[str, _Postgres] = {}
    _made = threading.Lock()

    def __init__(self, dsn: str):
        self.dsn = dsn
        self.duck = duckdb.connect(":memory:")
        self.duck.execute(f"LOAD '{_postgres_extension()}'")
        self.duck.execute(f"ATTACH {_sql_literal(dsn)} AS pg (TYPE postgres)")
        self._locks = None

    @classmethod
    def of(cls, dsn: str) -> _Postgres:
        with cls._made:
            if dsn not in cls._all:
                cls._all[dsn] = cls(dsn)
            return cls._all[dsn]

    @classmethod
    def close(cls, dsn: str) -> None:
        """Drop this process's connections to ``dsn`` (tests copy a database only when
        nobody is connected to it)."""
        with cls._made:
            made = cls._all.pop(dsn, None)
        if made is not None:
            made.duck.close()
            if made._locks is not None:
                made._locks.close()

    def execute(self, sql: str, params: tuple = ()) -> list[tuple]:
        """A statement of PostgreSQL's own (locks, schemas) on the lock connection."""
        import psycopg

        for attempt in (1, 2):
            try:
                if self._locks is None or self._locks.closed:
                    self._locks = psycopg.connect(self.dsn, autocommit=True)
                cur = self._locks.execute(sql, params)
                return cur.fetchall() if cur.description else []
            except psycopg.OperationalError:
                if attempt == 2 or (self._locks is not None and not self._locks.closed and
                                    self._locks.info.transaction_status == 0):
                    raise
                self._locks = None  # the connection was lost (a restart): once more
        return []

    @contextmanager
    def lock(self, key: str, wait_seconds: float) -> Iterator[None]:
        """PostgreSQL's advisory lock ``key`` for this process, across every server: what
        the file lock does for a DuckDB file."""
        import psycopg

        self.execute(f"SET lock_timeout = '{int(wait_seconds * 1000)}ms'")
        try:
            self.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
        except psycopg.errors.LockNotAvailable as exc:
            raise StoreBusy(_l("The database is busy with another server's change for "
                               "longer than {seconds:.0f} s. Try again in a moment.",
                               seconds=wait_seconds)) from exc
        try:
            yield
        finally:
            try:
                self.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))
            except psycopg.Error:
                self._locks = None  # a lost connection took its locks with it


def _postgres_extension() -> str:
    """The ``postgres`` extension shipped in the ``duckdb-extension-postgres`` wheel, under
    the file name DuckDB expects of it (``postgres_scanner``: its entry point's name)."""
    import tempfile

    import duckdb_extension_postgres

    shipped = next(Path(duckdb_extension_postgres.__file__).parent.glob(
        f"extensions/v{duckdb.__version__}/*.duckdb_extension"), None)
    if shipped is None:
        raise RuntimeError(f"duckdb-extension-postgres has no build for DuckDB "
                           f"{duckdb.__version__}: install the versions requirements.txt pins.")
    target = Path(tempfile.gettempdir()) / f"cluster-duckdb-{duckdb.__version__}" / \
        "postgres_scanner.duckdb_extension"
    if not target.exists() or target.stat().st_size != shipped.stat().st_size:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(shipped.read_bytes())
        partial.replace(target)  # whole or absent, whatever another process does meanwhile
    return str(target)


#: The lock every server takes to migrate (so two starting together migrate once).
MIGRATION_LOCK = "cluster-migrations"


class Store:
    """One cluster's tables: in a DuckDB file (or ':memory:' for tests) or in PostgreSQL
    (``postgresql://…``). ``path`` may end in ``#<cluster>`` (the pages' address)."""

    _write_lock = threading.RLock()
    #: Writes committed by this process (any store): what a per-run memo of the pages
    #: compares, so that a page never reuses what it read before its own write.
    writes = 0

    def __init__(self, path: str | Path | None = None, wait_seconds: float = LOCK_WAIT_SECONDS,
                 cluster: str | None = None, create: bool = False):
        path, named = split_address(path or default_db_path())
        self.path = path
        self.cluster = check_cluster_code(cluster or named or default_cluster())
        self.backend = "postgres" if is_postgres(path) else "duckdb"
        self.schema = cluster_schema(self.cluster, self.backend)
        #: the database and the cluster: what caches of the pages and the publication key by
        self.address = path if self.cluster == DEFAULT_CLUSTER else f"{path}#{self.cluster}"
        self.wait_seconds = wait_seconds
        #: tells this store from any other, for in-process caches (an id() can be reused)
        self.instance = uuid.uuid4().hex
        self._memory = self.path == ":memory:"
        self._memory_con = duckdb.connect(":memory:") if self._memory else None
        self._pg = _Postgres.of(path) if self.backend == "postgres" else None
        if not self._memory and self._pg is None:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        if self.cluster != DEFAULT_CLUSTER and not self._schema_exists():
            if not create:
                raise ValueError(_l("There is no cluster '{code}' in this database.",
                                    code=self.cluster))
            self._create_schema()
        self.migrate()
        self._settings_from_environment()
        self.use_lists()

    @property
    def where(self) -> str:
        """The database and cluster, for a person to read (never a PostgreSQL password)."""
        if self._pg is not None:
            from urllib.parse import urlsplit

            url = urlsplit(self.path)
            place = f"PostgreSQL {url.hostname or 'localhost'}:{url.port or 5432}{url.path}"
        else:
            place = self.path
        return place if self.cluster == DEFAULT_CLUSTER else f"{place}, cluster {self.cluster}"

    # -- clusters ----------------------------------------------------------------------
    def clusters(self) -> list[str]:
        """The codes of the clusters in this database, the default one first."""
        sql = ("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE "
               f"'{CLUSTER_SCHEMA_PREFIX}%' ORDER BY 1")
        with self._raw() as con:
            if self._pg is not None:  # PostgreSQL's own list: the attached catalog may lag
                found = con.execute("SELECT * FROM postgres_query('pg', ?)", [sql]).fetchall()
            else:
                found = con.execute(sql.replace("WHERE", "WHERE catalog_name = "
                                                "current_database() AND")).fetchall()
        return [DEFAULT_CLUSTER, *(s[len(CLUSTER_SCHEMA_PREFIX):] for (s,) in found)]

    def cluster_names(self, codes: list[str]) -> dict[str, str]:
        """Each cluster's name (its ``cluster_name`` setting, else its code), in one query."""
        parts = []
        if not codes:
            return {}
        with self._raw() as con:
            catalog = "pg" if self._pg is not None else \
                con.execute("SELECT current_database()").fetchall()[0][0]
            for code in map(check_cluster_code, codes):
                table = f'"{catalog}"."{cluster_schema(code, self.backend)}".settings'
                parts.append(f"SELECT '{code}', (SELECT value FROM {table} WHERE key = "
                             "'cluster_name')")
            found = dict(con.execute(" UNION ALL ".join(parts)).fetchall())
        return {code: found.get(code) or code for code in codes}

    def _schema_exists(self) -> bool:
        return self.cluster in self.clusters()

    def _create_schema(self) -> None:
        with self._write_lock, self._raw() as con:
            if self._pg is not None:
                con.execute("CALL postgres_execute('pg', ?)",
                            [f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'])
                con.execute("CALL pg_clear_cache()")  # the attached catalog learns of it
            else:
                con.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')

    # -- connections -------------------------------------------------------------------
    @contextmanager
    def _raw(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the database, on no cluster in particular."""
        if self._memory_con is not None or self._pg is not None:
            cur = (self._memory_con or self._pg.duck).cursor()
            try:
                yield cur
            finally:
                cur.close()
            return
        con = self._open()
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for one piece of work, set to this store's cluster; closed (file
        released) afterwards."""
        with self._raw() as con:
            if self._pg is not None:
                con.execute(f'USE pg."{self.schema}"')
            elif self.schema != "main":
                con.execute(f'USE "{self.schema}"')
            yield con

    def _open(self) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.wait_seconds
        delay = 0.02
        while True:
            try:
                return duckdb.connect(self.path)
            except duckdb.BinderException as exc:
                # two threads of this process opening the file at the same moment: DuckDB
                # shares one open database between them, and one may see the other's half
                # made; a moment later it is made
                if "file handle conflict" not in str(exc).lower() or \
                        time.monotonic() >= deadline:
                    raise
                time.sleep(0.005)
                continue
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise
                if time.monotonic() >= deadline:
                    raise StoreBusy(_l(
                        "The database {path} is in use by another program and stayed locked "
                        "for {seconds:.0f} s. Try again in a moment.", path=self.path,
                        seconds=self.wait_seconds)) from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    def query(self, sql: str, params: list | dict | None = None) -> pd.DataFrame:
        """Run a read query and return all its rows (fetched fully before returning)."""
        with self.connect() as con:
            return con.execute(sql, params or []).df()

    def rows(self, sql: str, params: list | dict | None = None) -> list[tuple]:
        with self.connect() as con:
            return con.execute(sql, params or []).fetchall()

    @contextmanager
    def _cluster_lock(self, key: str | None = None) -> Iterator[None]:
        """Across processes: PostgreSQL's advisory lock (for a DuckDB file, its own lock
        does it when the connection opens)."""
        if self._pg is None:
            yield
            return
        with self._pg.lock(key or f"cluster:{self.schema}", self.wait_seconds):
            yield

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The single write path: process-wide lock, the cluster's lock across processes,
        one transaction, rollback on error."""
        with self._write_lock, self._cluster_lock(), self.connect() as con:
            con.execute("SET enable_progress_bar = false")
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                try:
                    con.execute("ROLLBACK")
                except duckdb.Error:
                    pass  # a lost PostgreSQL connection: PostgreSQL rolled it back
                raise
            con.execute("COMMIT")
            Store.writes += 1

    # -- schema ------------------------------------------------------------------------
    def schema_version(self) -> int:
        """The migrations the cluster has had (0: none). Asked of the cluster's own schema
        in the catalogue, never by the table's name alone: in a DuckDB file a name missing
        from a cluster's schema is looked up in ``main`` (the default cluster's), so a new
        cluster would read as migrated. (PostgreSQL's own catalogue is asked directly: the
        attached one lists the thousands of tables of hundreds of clusters.)"""
        with self.connect() as con:
            sql = ("SELECT count(*) FROM information_schema.tables WHERE table_name = "
                   f"'schema_version' AND table_schema = '{self.schema}'")
            if self._pg is not None:
                exists = con.execute("SELECT * FROM postgres_query('pg', ?)", [sql]
                                     ).fetchall()[0][0]
            else:
                exists = con.execute(sql + " AND table_catalog = current_database()"
                                     ).fetchall()[0][0]
            if not exists:
                return 0
            return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]

    def migrate(self) -> None:
        """Bring the cluster's tables to SCHEMA_VERSION, in one transaction; on PostgreSQL
        under the migration lock, so that servers starting together migrate once."""
        if self.schema_version() >= SCHEMA_VERSION:
            return
        with self._write_lock, self._cluster_lock(MIGRATION_LOCK):
            if self._pg is not None:
                with self._pg.duck.cursor() as cur:
                    cur.execute("CALL pg_clear_cache()")  # another server may have migrated
                if self.schema_version() >= SCHEMA_VERSION:
                    return
            with self.transaction() as con:
                con.execute(SCHEMA_VERSION_DDL)
                current = con.execute("SELECT coalesce(max(version), 0) FROM schema_version"
                                      ).fetchall()[0][0]
                if apply_migrations(con, range(current + 1, SCHEMA_VERSION + 1), self.backend):
                    _refresh_cube(con)  # once, at the end: the cube reads later tables

    # -- settings ----------------------------------------------------------------------
    def setting(self, key: str) -> int:
        """A cluster setting's stored value (its default until the cluster sets one)."""
        return int(self.rows(f"SELECT {setting_sql(key)}")[0][0])

    def text_setting(self, key: str) -> str:
        """One of the cluster's details (``schema.TEXT_SETTINGS``), or its default."""
        found = self.rows("SELECT value FROM settings WHERE key = ?", [key])
        return found[0][0] if found else TEXT_SETTINGS[key]

    def settings(self) -> dict[str, int | str]:
        """Every setting, numbers and texts, as stored or by default."""
        return {**{k: self.setting(k) for k in SETTING_DEFAULTS},
                **{k: self.text_setting(k) for k in TEXT_SETTINGS}}

    def set_setting(self, key: str, value: int | str, user: str | None) -> LoadResult | None:
        """Store a setting (traced and undoable like a load); what depends on it (the KPI
        cube) is rebuilt in the same transaction. None when it already had that value."""
        return self.set_settings({key: value}, user)

    def set_settings(self, values: dict[str, int | str], user: str | None) -> LoadResult | None:
        """Store several settings as one load (one entry of the history, undone together),
        after checking every value; None when none changes."""
        current, changed = self.settings(), {}
        stored = {k for (k,) in self.rows("SELECT key FROM settings")}
        for key, value in values.items():
            if key in SETTING_DEFAULTS:
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    raise ValueError(_l("{key} takes a whole number.", key=key)) from None
                low, high = SETTING_LIMITS[key]
                if key == "baseline_year" and value:
                    low = FIRST_YEAR
                if not low <= value <= high:
                    raise ValueError(_l(
                        "{key} takes a whole number from {low} to {high}{why}.", key=key,
                        low=low, high=high, why=_l(": the confidentiality rules can be made "
                                                   "stricter, never looser") if key.startswith(
                            "confidential_") else ""))
            elif key in TEXT_SETTINGS:
                value = " ".join(str(value).split())  # one line, no stray spaces
                if len(value) > MAX_SETTING_LENGTH:
                    raise ValueError(_l("{key} is longer than {count} characters.", key=key,
                                        count=MAX_SETTING_LENGTH))
                if key == "currency" and value not in CURRENCIES:
                    raise ValueError(_l("The figures can only be in {currencies} for now.",
                                        currencies=", ".join(CURRENCIES)))
            else:
                raise ValueError(_l("There is no setting {key}.", key=key))
            # a setting named on its own is stored even at its default (it is then fixed,
            # whatever later versions default to); a form's unchanged fields are not
            if value != current[key] or (len(values) == 1 and key not in stored):
                changed[key] = value
        if not changed:
            return None
        frame = pd.DataFrame({"key": list(changed), "value": [str(v) for v in changed.values()]})
        name = "; ".join(f"{k} = {v}" for k, v in changed.items())
        return self.load(SETTINGS, frame, file_name=name[:200], sha256="", user=user)

    def logo(self) -> bytes | None:
        """The funder's logo for the report's title page (PNG or JPEG), if one was set."""
        found = self.rows("SELECT value FROM settings WHERE key = ?", [LOGO_KEY])
        return base64.b64decode(found[0][0]) if found and found[0][0] else None

    def set_logo(self, data: bytes | None, file_name: str, user: str | None) -> LoadResult:
        """Store (or with None, remove) the funder's logo: a settings load like any other,
        traced and undoable. Only a PNG or JPEG image of at most ``MAX_LOGO_BYTES``."""
        if data is not None:
            if len(data) > MAX_LOGO_BYTES:
                raise ValueError(_l("The logo is {size:.1f} MB; the limit is {limit:.0f} MB.",
                                    size=len(data) / 1e6, limit=MAX_LOGO_BYTES / 1e6))
            from docx.image.image import Image  # the Word report's own reader says if it can

            try:
                if not data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
                    raise ValueError
                Image.from_blob(data)
            except Exception:
                raise ValueError(_l("The logo must be a PNG or JPEG image.")) from None
        value = base64.b64encode(data).decode("ascii") if data is not None else ""
        frame = pd.DataFrame({"key": [LOGO_KEY], "value": [value]})
        name = f"{LOGO_KEY} = {file_name}" if data is not None else f"{LOGO_KEY} removed"
        return self.load(SETTINGS, frame, file_name=name[:200], sha256="", user=user)

    def _settings_from_environment(self) -> None:
        """``CLUSTER_CARRY_FORWARD_YEARS`` (older set-ups) becomes the stored setting, so
        that what was built and what is queried never disagree."""
        raw = os.environ.get("CLUSTER_CARRY_FORWARD_YEARS")
        if raw is None or not raw.strip().isdigit():
            return
        if self.setting("carry_forward_years") != int(raw):
            self.set_setting("carry_forward_years", int(raw), user="CLUSTER_CARRY_FORWARD_YEARS")

    # -- reference lists ---------------------------------------------------------------
    def reference_lists(self) -> dict[str, Vocabulary]:
        """This database's reference lists (``schema.REFERENCE``), in their stored order."""
        if self._pg is None:
            frame = self.query(f"SELECT * EXCLUDE (load_id) FROM {REFERENCE.name} "
                               "ORDER BY list, rowid")
        else:  # PostgreSQL's rows have no rowid for DuckDB: its own ctid, the same order
            frame = self.query(
                "SELECT * EXCLUDE (load_id) FROM postgres_query('pg', ?)",
                [f'SELECT * FROM "{self.schema}".{REFERENCE.name} ORDER BY list, ctid'])
        out = {}
        for name in REFERENCE_LISTS:
            part = frame[frame["list"] == name]
            rows = []
            for rec in part.drop(columns="list").to_dict("records"):
                rows.append({k: ("" if v is None or (isinstance(v, float) and pd.isna(v))
                                 else str(v).lower() if isinstance(v, bool) else str(v))
                             for k, v in rec.items()})
            out[name] = Vocabulary(name, tuple(rows))
        return out

    def use_lists(self) -> None:
        """Put this cluster's lists in force for the thread (``schema.use_lists``), as
        stored now (kept with their data version, for ``refresh_lists``)."""
        version = self.data_version()
        self._lists = (version, self.reference_lists())
        use_lists(self._lists[1], (self.instance, version))

    def refresh_lists(self, version: tuple[int, int] | None = None) -> None:
        """Put the lists in force again if they may have changed since (a write by another
        process), or if this thread has another cluster's (or none) in force: one small
        query otherwise (none when the caller read the data ``version`` already)."""
        version = version or self.data_version()
        if lists_in_force_by() != (self.instance, version):
            held = getattr(self, "_lists", None)
            if held is not None and held[0] == version:  # another thread's: read already
                use_lists(held[1], (self.instance, version))
            else:
                self.use_lists()

    def write_list(self, name: str, frame: pd.DataFrame, moves: dict[str, str], *,
                   file_name: str, user: str | None) -> LoadResult:
        """Replace reference list ``name`` by ``frame`` (``REFERENCE``'s columns) and recode
        the stored submissions that use a code of ``moves`` (old -> new), as one load.

        Refused (nothing written) when a stored row would then use a code that is no longer
        in the list: a code in use is renamed or merged, never deleted."""
        column = DIMENSION_OF_VOCABULARY[name]
        cols = ", ".join(REFERENCE.names)
        with self.transaction() as con:
            load_id = con.execute(_NEXT_LOAD).fetchall()[0][0]
            replaced = con.execute(
                f"INSERT INTO {REFERENCE.name}_history SELECT t.*, ? FROM {REFERENCE.name} t "
                "WHERE list = ?", [load_id, name]).fetchall()[0][0]
            con.execute(f"DELETE FROM {REFERENCE.name} WHERE list = ?", [name])
            con.register("incoming", frame[REFERENCE.names])
            try:
                added = con.execute(f"INSERT INTO {REFERENCE.name} SELECT {cols}, ? FROM incoming",
                                    [load_id]).fetchall()[0][0]
            finally:
                con.unregister("incoming")
            moved = 0
            if moves:
                con.register("moves", pd.DataFrame({"old": list(moves), "new": list(moves.values())}))
                try:
                    moved = con.execute(
                        f"INSERT INTO submissions_history SELECT s.*, ? FROM submissions s "
                        f"WHERE {column} IN (SELECT old FROM moves)", [load_id]).fetchall()[0][0]
                    con.execute(f"DELETE FROM submissions WHERE {column} IN (SELECT old FROM moves)")
                    recoded = ", ".join("m.new" if c == column else f"h.{c}"
                                        for c in SUBMISSIONS.names)
                    con.execute(f"INSERT INTO submissions SELECT {recoded}, ? FROM "
                                f"submissions_history h JOIN moves m ON h.{column} = m.old "
                                "WHERE h.replaced_by = ?", [load_id, load_id])
                finally:
                    con.unregister("moves")
            self._check_lists(con)
            con.execute(
                "INSERT INTO loads (load_id, loaded_by, action, kind, file_name, sha256, "
                "rows_added, rows_replaced) VALUES (?, ?, 'load', ?, ?, '', ?, ?)",
                [load_id, user, REFERENCE.name, file_name, added - replaced, replaced + moved])
            _refresh_cube(con)
        self.use_lists()
        return LoadResult(load_id, added - replaced, replaced + moved)

    @staticmethod
    def _check_lists(con: duckdb.DuckDBPyConnection) -> None:
        """Every list keeps a value, and every stored code is in its list (else the write,
        or the undo, is refused and rolled back)."""
        for name in REFERENCE_LISTS:
            column = DIMENSION_OF_VOCABULARY[name]
            if not con.execute(f"SELECT count(*) FROM {REFERENCE.name} WHERE list = ?",
                               [name]).fetchall()[0][0]:
                raise ValueError(_l("The list {list} cannot be left empty.", list=name))
            orphans = con.execute(
                f"SELECT {column}, count(*) FROM submissions WHERE {column} NOT IN "
                f"(SELECT code FROM {REFERENCE.name} WHERE list = ?) GROUP BY 1 ORDER BY 1 "
                "LIMIT 5", [name]).fetchall()
            if orphans:
                raise ValueError(_l(
                    "{codes} would no longer be in the list {list} but stored figures use it "
                    "({rows} rows). Rename or merge it into another value instead of removing "
                    "it (or undo the later loads first).",
                    codes=", ".join(f"'{c}'" for c, _n in orphans), list=name,
                    rows=sum(n for _c, n in orphans)))

    # -- writes ------------------------------------------------------------------------
    def load(self, spec: TableSpec, frame: pd.DataFrame | pa.Table, *, file_name: str, sha256: str,
             user: str | None, is_demo: bool = False, replace_all: bool = False,
             columns: tuple[str, ...] | None = None) -> LoadResult:
        """Insert or replace rows by key; replaced rows go to history. All or nothing.

        ``columns``: the columns the file had. A replaced row keeps its stored value in
        every other column (a resubmission of the core columns does not erase the stored
        optional ones); an empty cell in a column the file has means "not reported".
        With ``replace_all`` the incoming rows become the whole table (an edited list of
        targets): every stored row is replaced, so rows left out are removed, undoably.
        """
        cols = ", ".join(spec.names)
        key_match = " AND ".join(f"t.{k} = i.{k}" for k in spec.key)
        matched = "true" if replace_all else f"EXISTS (SELECT 1 FROM incoming i WHERE {key_match})"
        kept = [] if replace_all or columns is None else \
            [c for c in spec.names if c not in columns and c not in spec.key]
        with self.transaction() as con:
            if kept:  # only rows that replace stored ones have stored values to keep
                con.register("incoming_keys", frame.select(list(spec.key)) if isinstance(
                    frame, pa.Table) else frame[list(spec.key)])
                try:
                    kept = kept if con.execute(
                        f"SELECT EXISTS (SELECT 1 FROM incoming_keys i JOIN {spec.name} t "
                        f"ON {key_match})").fetchall()[0][0] else []
                finally:
                    con.unregister("incoming_keys")
            con.register("incoming_file" if kept else "incoming",
                         frame.select(spec.names) if isinstance(frame, pa.Table) else frame[spec.names])
            try:
                if kept:  # the rows to write: the file's columns, the stored values of the others
                    select = ", ".join(f"t.{c}" if c in kept else f"i.{c}" for c in spec.names)
                    con.execute(f"CREATE TEMP TABLE incoming AS SELECT {select} FROM incoming_file i "
                                f"LEFT JOIN {spec.name} t ON {key_match}")
                load_id = con.execute(_NEXT_LOAD).fetchall()[0][0]
                replaced = con.execute(
                    f"INSERT INTO {spec.name}_history SELECT t.*, ? FROM {spec.name} t "
                    f"WHERE {matched}", [load_id]).fetchall()[0][0]
                con.execute(f"DELETE FROM {spec.name} t WHERE {matched}")
                added = con.execute(f"INSERT INTO {spec.name} SELECT {cols}, ? FROM incoming",
                                    [load_id]).fetchall()[0][0]
                con.execute(
                    "INSERT INTO loads (load_id, loaded_by, action, kind, file_name, sha256, "
                    "rows_added, rows_replaced, is_demo) VALUES (?, ?, 'load', ?, ?, ?, ?, ?, ?)",
                    [load_id, user, spec.name, file_name, sha256, added - replaced, replaced, is_demo],
                )
                if kept:
                    con.execute("DROP TABLE incoming")
                if spec.name not in NOT_IN_CUBE:
                    _refresh_cube(con)
            finally:
                con.unregister("incoming_file" if kept else "incoming")
        return LoadResult(load_id, added - replaced, replaced)

    def undo(self, load_id: int, user: str | None) -> int:
        """Undo a load (its rows go to history, the rows it replaced come back), or undo an
        undo (the load's rows come back). Both are recorded; returns the new action's id.
        A removal of the demo data is one load over several tables, undone as one."""
        with self.transaction() as con:
            found = con.execute("SELECT kind, action, undone_by, undoes, loaded_by FROM loads "
                                "WHERE load_id = ?", [load_id]).fetchall()
            if not found:
                raise ValueError(_l("There is no load {load}.", load=load_id))
            kind, action, undone_by, undoes, by = found[0]
            if by == SETUP_USER:
                raise ValueError(_l("Load {load} is the set-up of the database (the lists it "
                                    "started with): change the lists on the Settings page "
                                    "instead.", load=load_id))
            if undone_by is not None:
                raise ValueError(_l("{load} was already undone (by {undo}).", load=load_id,
                                    undo=undone_by))
            if kind == DEMO_REMOVAL and action == "undo" and con.execute(
                    "SELECT action FROM loads WHERE load_id = ?", [undoes]).fetchall()[0][0] != "load":
                raise ValueError(_l("Undo the removal of the demo data itself (load {load}).",
                                    load=con.execute("SELECT undoes FROM loads WHERE load_id = ?",
                                                     [undoes]).fetchall()[0][0]))
            new_id = con.execute(_NEXT_LOAD).fetchall()[0][0]
            restored = removed = 0
            redo = self._redo_demo_removal if kind == DEMO_REMOVAL else self._redo_load
            for spec in KIND_TABLES[kind] if kind in KIND_TABLES else (spec_named(kind),):
                r, m = (self._undo_load if action == "load" else redo)(
                    con, spec, load_id, new_id, undoes)
                restored, removed = restored + r, removed + m
            if kind in (REFERENCE.name, SUBMISSIONS.name, DEMO_REMOVAL):
                self._check_lists(con)
            if action != "load":
                con.execute("UPDATE loads SET undone_by = NULL WHERE load_id = ?", [undoes])
            con.execute(
                "INSERT INTO loads (load_id, loaded_by, action, kind, rows_added, rows_replaced, "
                "undoes) VALUES (?, ?, 'undo', ?, ?, ?, ?)",
                [new_id, user, kind, restored, removed, load_id])
            con.execute("UPDATE loads SET undone_by = ? WHERE load_id = ?", [new_id, load_id])
            if kind not in NOT_IN_CUBE:
                _refresh_cube(con)
        if kind in (REFERENCE.name, DEMO_REMOVAL):
            self.use_lists()
        return new_id

    @staticmethod
    def _undo_load(con: duckdb.DuckDBPyConnection, spec: TableSpec, load_id: int, new_id: int,
                   _undoes: int | None) -> tuple[int, int]:
        """The load's rows step aside (kept, for a redo); the rows it replaced return."""
        kind, cols = spec.name, ", ".join([*spec.names, "load_id"])
        later = con.execute(f"SELECT min(replaced_by) FROM {kind}_history h JOIN loads l "
                            "ON l.load_id = h.replaced_by WHERE h.load_id = ? "
                            "AND l.action = 'load'", [load_id]).fetchall()[0][0]
        if later is not None:
            raise ValueError(_l("Rows of load {load} were replaced by load {later} "
                                "since; undo load {later} first.", load=load_id, later=later))
        keys = ", ".join(spec.key)
        clash = con.execute(f"SELECT min(t.load_id) FROM {kind} t JOIN {kind}_history h "
                            f"USING ({keys}) WHERE h.replaced_by = ? AND t.load_id <> ?",
                            [load_id, load_id]).fetchall()[0][0]
        if clash is not None:  # e.g. the demo's rows, removed, then the same keys loaded
            raise ValueError(_l("Load {later} has since stored rows for the same members and "
                                "years; undo load {later} first.", later=clash))
        removed = con.execute(f"INSERT INTO {kind}_history SELECT {cols}, ? FROM {kind} "
                              "WHERE load_id = ?", [new_id, load_id]).fetchall()[0][0]
        con.execute(f"DELETE FROM {kind} WHERE load_id = ?", [load_id])
        restored = con.execute(f"INSERT INTO {kind} SELECT {cols} FROM {kind}_history "
                               "WHERE replaced_by = ?", [load_id]).fetchall()[0][0]
        con.execute(f"DELETE FROM {kind}_history WHERE replaced_by = ?", [load_id])
        return restored, removed

    @staticmethod
    def _redo_load(con: duckdb.DuckDBPyConnection, spec: TableSpec, load_id: int, _new_id: int,
                   original: int) -> tuple[int, int]:
        """Undo the undo ``load_id`` of load ``original``: the rows that the undo brought
        back step aside again, replaced by the load's rows."""
        kind, cols, keys = spec.name, ", ".join([*spec.names, "load_id"]), ", ".join(spec.key)
        removed = con.execute(
            f"INSERT INTO {kind}_history SELECT t.*, ? FROM {kind} t WHERE ({keys}) IN "
            f"(SELECT {keys} FROM {kind}_history WHERE replaced_by = ?)",
            [original, load_id]).fetchall()[0][0]
        con.execute(f"DELETE FROM {kind} WHERE ({keys}) IN (SELECT {keys} FROM "
                    f"{kind}_history WHERE replaced_by = ?)", [load_id])
        restored = con.execute(f"INSERT INTO {kind} SELECT {cols} FROM {kind}_history "
                               "WHERE replaced_by = ?", [load_id]).fetchall()[0][0]
        con.execute(f"DELETE FROM {kind}_history WHERE replaced_by = ?", [load_id])
        return restored, removed

    @staticmethod
    def _redo_demo_removal(con: duckdb.DuckDBPyConnection, spec: TableSpec, _load_id: int,
                           _new_id: int, original: int) -> tuple[int, int]:
        """Undo the undo of a demo removal: the demo rows go again, replaced by it."""
        removed = con.execute(f"INSERT INTO {spec.name}_history SELECT t.*, ? FROM {spec.name} t "
                              f"WHERE {DEMO_ROWS}", [original]).fetchall()[0][0]
        con.execute(f"DELETE FROM {spec.name} WHERE {DEMO_ROWS}")
        return 0, removed

    # -- the demo data -----------------------------------------------------------------
    def remove_demo(self, user: str | None) -> LoadResult | None:
        """Remove every demo row in force, in every table, as one load (undoable in one
        step: the rows go to history, replaced by this load). None when there is none."""
        demo = DEMO_ROWS
        with self.transaction() as con:
            if not con.execute("SELECT " + " + ".join(f"(SELECT count(*) FROM {s.name} WHERE {demo})"
                                          for s in STORED)).fetchall()[0][0]:
                return None
            load_id = con.execute(_NEXT_LOAD).fetchall()[0][0]
            removed = 0
            for spec in STORED:
                removed += con.execute(f"INSERT INTO {spec.name}_history SELECT t.*, ? FROM "
                                       f"{spec.name} t WHERE {demo}", [load_id]).fetchall()[0][0]
                con.execute(f"DELETE FROM {spec.name} WHERE {demo}")
            con.execute("INSERT INTO loads (load_id, loaded_by, action, kind, file_name, "
                        "rows_replaced) VALUES (?, ?, 'load', ?, ?, ?)",
                        [load_id, user, DEMO_REMOVAL, "Remove the demo data", removed])
            _refresh_cube(con)
        return LoadResult(load_id, -removed, removed)

    # -- reads about loads -------------------------------------------------------------
    def history(self) -> pd.DataFrame:
        """The loads and undos people made, newest first (not the set-up of the database:
        the shipped lists it starts with, kept in ``loads`` all the same)."""
        return self.query(
            "SELECT load_id, loaded_at, loaded_by, action, kind, file_name, sha256, rows_added, "
            "rows_replaced, undoes, undone_by, is_demo FROM loads "
            "WHERE loaded_by IS DISTINCT FROM ? ORDER BY load_id DESC", [SETUP_USER])

    def data_version(self) -> tuple[int, int]:
        """Changes whenever data changes: (number of loads and undos, last id). For caches."""
        count, last = self.rows(_DATA_VERSION)[0]
        return int(count), int(last)

    def figures_version(self) -> tuple[int, int, str]:
        """``data_version`` and the time of the last change, over the loads that can change
        the members' figures (not targets, not satisfaction answers): what is built from the
        figures (the protected publication) is built again only when they change."""
        count, last, when = self.rows(
            "SELECT count(*), coalesce(max(load_id), 0), max(loaded_at) FROM loads "
            f"WHERE kind NOT IN ({', '.join(repr(k) for k in NOT_IN_CUBE)})")[0]
        return int(count), int(last), str(when)

    def is_empty(self) -> bool:
        return self.rows("SELECT count(*) FROM submissions")[0][0] == 0

    def is_new(self) -> bool:
        """Nothing was ever done in it but the set-up (a backup may be restored into it)."""
        return self.rows("SELECT count(*) = 0 FROM loads WHERE loaded_by IS DISTINCT FROM ?",
                         [SETUP_USER])[0][0]

    def holds_data(self) -> bool:
        """Any member figure, member, target or collection year in force (the cluster's
        settings and lists are not data: the demo may be tried after setting them)."""
        return bool(self.rows("SELECT " + " + ".join(
            f"(SELECT count(*) FROM {s.name})" for s in DATA_TABLES))[0][0])

    def holds_demo(self) -> bool:
        """True while any demo figure is in force (the banner stays until it is removed)."""
        return bool(self.rows(_HOLDS_DEMO)[0][0])

    def shows_only_demo(self) -> bool:
        """True when every row on show came from the demo data."""
        return bool(self.rows(_SHOWS_ONLY_DEMO)[0][0])

    def page_state(self) -> dict[str, Any]:
        """What a dashboard page asks first, read with one connection: the data version,
        whether there are figures and demo figures, the numeric settings. (Opening a
        connection costs 10 to 20 ms; a page run opened eight for the data version alone.)"""
        with self.connect() as con:
            count, last = con.execute(_DATA_VERSION).fetchall()[0]
            empty = con.execute("SELECT count(*) = 0 FROM submissions").fetchall()[0][0]
            demo = con.execute(_HOLDS_DEMO).fetchall()[0][0]
            only_demo = con.execute(_SHOWS_ONLY_DEMO).fetchall()[0][0]
            settings = con.execute("SELECT " + ", ".join(
                setting_sql(k) for k in SETTING_DEFAULTS)).fetchall()[0]
        return {"data_version": (int(count), int(last)), "is_empty": bool(empty),
                "holds_demo": bool(demo), "shows_only_demo": bool(only_demo),
                "settings": dict(zip(SETTING_DEFAULTS, map(int, settings), strict=True))}

    def last_loaded(self):
        """When data last changed (a load or an undo): the 'data date' of exports."""
        value = self.rows("SELECT max(loaded_at) FROM loads")[0][0]
        return value

"""Shared fixtures: fresh stores, a demo-loaded database, and an independent reading of
the demo files (Python's csv module, not our DuckDB reader) to check numbers against."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from analytics.ingest import DEMO_DIR, load_demo
from analytics.schema import use_lists
from analytics.store import Store

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "files"


@pytest.fixture(autouse=True)
def shipped_lists():
    """Each test starts with the shipped reference lists in force (a test that gives a
    store other lists leaves them in force for the process: ``schema.use_lists``)."""
    use_lists({}, None)
    yield
    use_lists({}, None)


#: Test files whose ``store`` and ``demo_store`` tests run on both back ends: a DuckDB
#: file's (in memory) and PostgreSQL's (a database of its own on a throw-away server).
BOTH_BACKENDS = {"test_kpis", "test_ingest", "test_growth", "test_backup", "test_disclosure",
                 "test_cluster_work", "test_postgres"}


def pytest_generate_tests(metafunc):
    if metafunc.module.__name__.rsplit(".", 1)[-1] not in BOTH_BACKENDS:
        return
    for name, scope in (("store", "function"), ("demo_store", "session")):
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, ["duckdb", "postgres"], indirect=True, scope=scope)


@pytest.fixture(scope="session")
def pg_server():
    """One PostgreSQL server for this test process (skips where none can be started)."""
    from tests import postgres

    if not postgres.available():
        pytest.skip("needs PostgreSQL's initdb and pg_ctl (make test installs them)")
    server = postgres.Server()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_template(pg_server) -> str:
    """A migrated, empty database that the PostgreSQL stores are copied from (a copy takes
    a tenth of the time of the migrations)."""
    from analytics.store import _Postgres

    dsn = pg_server.new_database()
    Store(dsn)
    _Postgres.close(dsn)  # PostgreSQL copies a database nobody is connected to
    return dsn.rsplit("/", 1)[1]


def new_pg_store(request) -> Store:
    import uuid

    import psycopg

    server, template = (request.getfixturevalue("pg_server"),
                        request.getfixturevalue("pg_template"))
    name = "t" + uuid.uuid4().hex[:12]
    with psycopg.connect(server.dsn(), autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return Store(server.dsn(name))


@pytest.fixture
def store(request) -> Store:
    """An empty store: in memory, or (in ``BOTH_BACKENDS``) also on PostgreSQL."""
    if getattr(request, "param", "duckdb") == "postgres":
        return new_pg_store(request)
    return Store(":memory:")


@pytest.fixture(scope="session")
def demo_store(request) -> Store:
    """The demo data loaded through the real ingest, in memory (or on PostgreSQL).
    Read-only: tests that write use ``store``."""
    s = new_pg_store(request) if getattr(request, "param", "duckdb") == "postgres" else \
        Store(":memory:")
    load_demo(s)
    return s


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> str:
    """A database file with the demo data, shared by read-only tests (pages, CLI)."""
    path = tmp_path_factory.mktemp("db") / "demo.duckdb"
    load_demo(Store(path))
    return str(path)


def _french_or_english_number(text: str) -> Decimal | None:
    text = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if not text:
        return None
    return Decimal(text.replace(",", "."))


def read_demo_rows() -> list[dict]:
    """Every demo submission row as {canonical name: value}, read independently."""
    french = {"Identifiant": "member_id", "Nom": "member_name", "Type de membre": "member_type",
              "Secteur": "sector", "Département": "area", "Année": "year",
              "Chiffre d'affaires (€)": "turnover_eur", "Effectif (ETP)": "jobs",
              "CA export (€)": "export_turnover_eur", "Dépenses R&D (€)": "rd_spend_eur",
              "Effectif R&D (ETP)": "rd_jobs", "Heures de formation": "training_hours",
              "Projets collaboratifs": "collaborative_projects"}
    rows = []
    for path in sorted(DEMO_DIR.glob("submissions_*.csv")):
        raw = path.read_bytes()
        try:
            text, delimiter = raw.decode("utf-8"), ","
        except UnicodeDecodeError:
            text, delimiter = raw.decode("cp1252"), ";"
        for rec in csv.DictReader(text.splitlines(), delimiter=delimiter):
            row = {french.get(k, k): v for k, v in rec.items()}
            for key in ("turnover_eur", "jobs", "export_turnover_eur", "rd_spend_eur"):
                row[key] = _french_or_english_number(row[key])
            row["year"] = int(row["year"])
            row["member_type"] = row["member_type"].lower()
            rows.append(row)
    return rows


@pytest.fixture(scope="session")
def demo_rows() -> list[dict]:
    return read_demo_rows()


USERS = {"manager@cluster.eu": {"role": "manager"}, "funder@region.eu": {"role": "funder"},
         "m01@ondivert.fr": {"role": "member", "member_id": "M01"}}


def app(db: str | None, monkeypatch, page: str | None = None, user: dict | None = None,
        **params) -> AppTest:
    """The dashboard in AppTest on database ``db`` (None: the one CLUSTER_DB names), on
    ``page``, with these URL parameters, as the local manager or as ``user`` (st.user of a
    sign-in); fails on any exception."""
    if db is not None:
        monkeypatch.setenv("CLUSTER_DB", db)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    if user is not None:
        at.user = user
    at.query_params.update(params)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def figures(at: AppTest) -> list[dict]:
    """The Plotly figures a page drew, as dicts; each with its title back in
    ``layout.title.text`` (on screen it is text above the chart, kept in ``layout.meta``)."""
    import json

    out = []
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        meta = spec["layout"].get("meta")
        if isinstance(meta, dict) and "title" in meta:
            spec["layout"]["title"] = {"text": meta["title"]}
        out.append(spec)
    return out


def signed_app(tmp_path, monkeypatch, db: str, users: dict):
    """``run(email, page, **params)``: the app with sign-in configured (identity-provider
    ``users``) on database ``db``, as the user of ``email`` (None: nobody signed in)."""
    auth = tmp_path / "auth.yaml"
    auth.write_text(yaml.safe_dump({"oidc_users": users, "session_minutes": 60}))
    monkeypatch.setenv("CLUSTER_AUTH_FILE", str(auth))
    monkeypatch.setenv("CLUSTER_DB", db)

    def run(email: str | None, page: str | None = None, **params) -> AppTest:
        user = {"is_logged_in": email is not None, **({"email": email} if email else {})}
        return app(None, monkeypatch, page, user=user, **params)
    return run


@pytest.fixture
def signed(tmp_path, monkeypatch, demo_db):
    """An app with sign-in configured (identity-provider users), on the demo database."""
    run = signed_app(tmp_path, monkeypatch, demo_db, USERS)
    return run

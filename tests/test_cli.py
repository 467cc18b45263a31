"""The command line as a user runs it: python -m analytics ..., exit codes, JSON shape."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from analytics.templates import template_csv, template_xlsx
from tests.conftest import ROOT


def cli(*args: str, db: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, text=True,
                          capture_output=True, env={"CLUSTER_DB": db, "PATH": "/usr/bin:/bin"},
                          timeout=120)


@pytest.fixture
def db(tmp_path) -> str:
    return str(tmp_path / "cli.duckdb")


def test_demo_then_kpis_json_reports_reference_cluster(db):
    assert cli("demo", db=db).returncode == 0
    out = cli("kpis", "--format", "json", db=db)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    g = doc["growth"]
    assert (g["turnover_eur"]["baseline_year"], g["turnover_eur"]["latest_year"]) == (2009, 2015)
    assert (g["turnover_eur"]["baseline"], g["turnover_eur"]["latest"]) == (50_000_000, 70_000_000)
    assert (g["jobs"]["baseline"], g["jobs"]["latest"]) == (500, 700)
    first = doc["by_year"][0]
    assert first == {**first, "year": 2009, "turnover_eur": 50_000_000, "jobs": 500, "members": 23}


def test_db_option_after_command_and_filters(db, tmp_path):
    other = str(tmp_path / "other.duckdb")
    assert cli("demo", "--db", other, db=db).returncode == 0
    out = cli("kpis", "--db", other, "--format", "json", "--member-type", "SME", "--from", "2010",
              "--to", "2012", db=db)
    doc = json.loads(out.stdout)
    assert [r["year"] for r in doc["by_year"]] == [2010, 2011, 2012]
    assert {r["member_type"] for r in doc["by_member_type"]} == {"sme"}
    assert doc["growth"]["jobs"]["baseline_year"] == 2010
    table = cli("kpis", "--db", other, db=db)
    assert "70,000,000" in table.stdout and "CAGR" in table.stdout
    csv_out = cli("kpis", "--db", other, "--format", "csv", db=db)
    assert csv_out.stdout.splitlines()[0].startswith("year,")


def test_ingest_exit_codes_and_messages(db, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("member_id;member_name;member_type;sector;area;year;turnover_eur;jobs\n"
                    "M01;A;PME;waste;87;2014;1 000,50;2\n", encoding="cp1252")
    bad = tmp_path / "bad.csv"
    bad.write_text("member_id,member_name,member_type,sector,area,year,turnover_eur,jobs\n"
                   "M01,A,SME,waste,87,2014,lots,2\n")
    dry = cli("ingest", str(good), "--dry-run", db=db)
    assert dry.returncode == 0 and "Dry run" in dry.stdout
    assert "No loads yet" in cli("history", db=db).stdout
    rejected = cli("ingest", str(bad), db=db)
    assert rejected.returncode == 1
    assert "row 2, column 'turnover_eur': This is not a number" in rejected.stderr
    assert cli("ingest", str(good), db=db).returncode == 0
    assert "good.csv" in cli("history", db=db).stdout
    assert cli("ingest", "--bogus", db=db).returncode == 2
    assert cli("ingest", str(tmp_path / "missing.csv"), db=db).returncode == 2
    assert cli("undo", "1", db=db).returncode == 0
    again = cli("undo", "1", db=db)
    assert again.returncode == 1 and "already undone" in again.stderr


def test_templates_have_every_column_and_reload_cleanly(store, tmp_path):
    from analytics.ingest import check_file
    from analytics.schema import SUBMISSIONS

    text = template_csv().decode("utf-8-sig")
    assert text.strip().split(";") == SUBMISSIONS.names
    report = check_file(template_csv(), "t.csv", store)
    assert [p.text() for p in report.errors] == ["The file has column names but no data rows."]
    import io

    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(template_xlsx()))
    assert [c.value for c in book["submissions"][1]] == SUBMISSIONS.names
    assert "sme" in [c.value for c in book["allowed values"]["B"]]

"""Nothing lost, ever: hostile files, crashes, backups, undo and redo."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from analytics import document
from analytics.backup import backup, restore
from analytics.checks import CheckReport
from analytics.ingest import check_file, load_checked
from analytics.store import Store
from tests.conftest import ROOT

BROKEN = ROOT / "tests" / "files" / "broken"
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_clean_outcome(report: CheckReport) -> None:
    """Either a clean load candidate or a clear rejection with a message, never a crash."""
    assert isinstance(report, CheckReport)
    if not report.ok:
        assert report.errors and all(p.text() for p in report.errors)


@pytest.mark.parametrize("path", sorted(BROKEN.iterdir()), ids=lambda p: p.name)
def test_broken_corpus_is_rejected_clearly_and_loads_nothing(path, demo_store):
    before = demo_store.rows("SELECT count(*) FROM loads")
    started = time.monotonic()
    report = check_file(path.read_bytes(), path.name, demo_store)
    assert time.monotonic() - started < 60  # no hang
    assert_clean_outcome(report)
    if path.name == "merged_cells.xlsx":  # merged cells leave the other cells empty: an error
        assert any(p.row == 3 and p.column == "member_type" for p in report.errors)
    elif path.name == "formulas.xlsx":  # never calculated: no cached values, so empty cells
        assert report.ok or report.errors
    else:
        assert not report.ok, path.name
    assert demo_store.rows("SELECT count(*) FROM loads") == before


def test_messages_for_hostile_files():
    def first(name: str) -> str:
        return check_file((BROKEN / name).read_bytes(), name).errors[0].text()

    assert "unpack to" in first("zip_bomb.xlsx")
    assert "10000 columns" in first("ten_thousand_columns.csv")
    assert "fewer cells" in first("ragged_rows.csv")
    assert "cannot be opened" in first("truncated.xlsx")
    assert "no data" in first("no_data.xlsx")


@FUZZ
@given(st.binary(max_size=4000), st.sampled_from(["f.csv", "f.xlsx", "f.txt"]))
@example(b"\r,", "f.csv")  # a carriage return alone ends the header line (found by this test)
def test_random_bytes_never_crash(data, name):
    assert_clean_outcome(check_file(data, name))


CELL = st.text(alphabet=st.sampled_from(list("0123456789,.;\"' -€abcéM\t\r\n=+@")), max_size=12)


@FUZZ
@given(st.lists(st.lists(CELL, min_size=1, max_size=10), min_size=1, max_size=8),
       st.sampled_from([",", ";", "\t"]))
def test_random_tables_never_crash(rows, sep):
    header = sep.join(["member_id", "member_name", "member_type", "sector", "area", "year",
                       "turnover_eur", "jobs"])
    text = header + "\n" + "\n".join(sep.join(r) for r in rows)
    for encoding in ("utf-8", "cp1252", "utf-16"):
        assert_clean_outcome(check_file(text.encode(encoding, errors="replace"), "f.csv"))


def test_upload_limits_are_settings(monkeypatch):
    import analytics.readers as readers

    monkeypatch.setattr(readers, "MAX_ROWS", 2)
    text = "member_id,member_name,member_type,sector,area,year,turnover_eur,jobs\n" + \
        "".join(f"M{i},A,SME,waste,87,2014,1,1\n" for i in range(3))
    [error] = check_file(text.encode(), "f.csv").errors
    assert "the limit is 2" in error.text()
    monkeypatch.setattr(readers, "MAX_UPLOAD_MB", 0.0001)
    assert "CLUSTER_MAX_UPLOAD_MB" in check_file(text.encode(), "f.csv").errors[0].text()


def test_backup_restore_gives_identical_kpis(demo_store, tmp_path):
    folder = backup(demo_store, tmp_path / "backups")
    restored = restore(folder, tmp_path / "restored.duckdb")
    assert document.summary(restored) == document.summary(demo_store)
    assert len(restored.history()) == len(demo_store.history())
    with pytest.raises(ValueError, match="already holds data"):
        restore(folder, tmp_path / "restored.duckdb")
    (folder / "submissions.parquet").write_bytes(b"tampered")
    with pytest.raises(ValueError, match="damaged"):
        restore(folder, tmp_path / "other.duckdb")
    assert not (tmp_path / "other.duckdb").exists()


def test_killing_a_restore_leaves_no_half_database(demo_store, tmp_path):
    """SIGKILL ``restore`` at random moments: the target is then absent, empty, or the
    whole backup, and restoring again into it works."""
    folder = backup(demo_store, tmp_path / "backups")
    expected = document.summary(demo_store)
    rng = random.Random(19)
    for attempt in range(4):
        target = tmp_path / f"r{attempt}.duckdb"
        proc = subprocess.Popen([sys.executable, "-m", "analytics", "restore", str(folder),
                                 "--db", str(target)], cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.4, 1.2))  # the restore takes about 1 s
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if target.exists():
            store = Store(target)
            assert store.is_new() or document.summary(store) == expected, attempt
            if not store.is_new():
                continue
        assert document.summary(restore(folder, target)) == expected


def test_undo_redo_round_trip_gives_identical_kpis(tmp_path):
    from analytics.ingest import load_demo

    store = Store(tmp_path / "u.duckdb")
    load_demo(store)
    before = document.summary(store)
    text = ("member_id,member_name,member_type,sector,area,year,turnover_eur,jobs\n"
            "M01,Ondivert Recyclage,SME,waste,87,2015,9999999,99\n"
            "M99,Newcomer,SME,water,19,2015,123456,3\n")
    report = check_file(text.encode(), "fix.csv", store)
    load_id = load_checked(report, store).load_id
    after = document.summary(store)
    assert after != before
    undo_id = store.undo(load_id, "test")
    assert document.summary(store) == before
    store.undo(undo_id, "test")  # redo
    assert document.summary(store) == after


BIG_ROWS = 60_000


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.csv"
    with open(path, "w") as fh:
        fh.write("member_id,member_name,member_type,sector,area,year,turnover_eur,jobs\n")
        for i in range(BIG_ROWS):
            fh.write(f"B{i},Member {i},SME,waste,87,{2000 + i % 20},{1000 + i}.50,{i % 50}\n")
    return path


def kill_an_ingest(path: Path, db: str, user: str, seconds: float) -> None:
    """A real ``ingest`` of ``path`` into ``db``, SIGKILLed after ``seconds``."""
    proc = subprocess.Popen([sys.executable, "-m", "analytics", "ingest", str(path),
                             "--user", user], cwd=ROOT, env={**os.environ, "CLUSTER_DB": db},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def test_killing_a_load_leaves_the_database_before_or_after(big_file, tmp_path):
    """SIGKILL a real ingest process at random moments; the next start needs no repair."""
    db = tmp_path / "crash.duckdb"
    Store(db)
    rng = random.Random(7)
    for attempt in range(8):
        kill_an_ingest(big_file, str(db), f"try{attempt}", rng.uniform(0.5, 4.0))
        store = Store(db)  # opens and recovers on its own
        loads = store.rows("SELECT load_id, rows_added, rows_replaced FROM loads ORDER BY 1")
        rows = store.rows("SELECT load_id, count(*) FROM submissions GROUP BY 1")
        total = sum(n for _, n in rows)
        assert total in (0, BIG_ROWS), f"half a load after kill {attempt}: {total} rows"
        for load_id, count in rows:  # every row belongs to a recorded, complete load
            recorded = [lo for lo in loads if lo[0] == load_id]
            assert recorded and recorded[0][1] + recorded[0][2] == count
        assert store.rows("SELECT count(*) FROM submissions_history")[0][0] in (0, BIG_ROWS * (
            len(loads) - 1), BIG_ROWS)


def test_long_checks_report_progress(demo_store):
    steps: list[tuple[float, str]] = []
    text = ("member_id,member_name,member_type,sector,area,year,turnover_eur,jobs\n"
            "M01,A,SME,waste,87,2015,1,1\n")
    report = check_file(text.encode(), "f.csv", demo_store, progress=lambda f, s: steps.append((f, s)))
    assert report.ok
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert any("Comparing" in s.render("en") for _, s in steps)
    assert any("Comparaison" in s.render("fr") for _, s in steps)

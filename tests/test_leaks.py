"""One regression test per leak of the adversarial audit (issue: confidentiality that
survives an intruder). Each failed on the main branch before the protected publication."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import zipfile
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics import access, cli, document, export, growth, kpis
from analytics.filters import Filters
from analytics.ingest import check_file
from analytics.schema import SUBMISSIONS
from analytics.store import Store
from tests.conftest import ROOT


def unsafe(n: int, biggest: float, total: float) -> bool:
    return n < 3 or (total > 0 and biggest / total > 0.85)


# 1 -------------------------------------------------------------------------------------
def test_decomposition_of_a_hidden_selection_is_hidden_too(demo_store):
    doc = document.summary(demo_store, Filters(member_types=("tech_transfer",)), role="funder")
    assert all(r["turnover_eur"] is None for r in doc["by_year"] if r["members"])
    for measure in ("turnover_eur", "jobs"):
        d = doc["decomposition"][measure]
        assert d["total_before"] is None and d["total_after"] is None and d["change"] is None
        assert all(a["change"] is None and a["like_for_like"] is None for a in d["annual"])


# 2 -------------------------------------------------------------------------------------
def test_entries_and_exits_never_give_one_or_two_members_figures(demo_store):
    doc = document.summary(demo_store, role="funder")["decomposition"]
    for measure in ("turnover_eur", "jobs"):
        truth = growth.decompose(demo_store, Filters(), measure)
        published = {a["year"]: a for a in doc[measure]["annual"]}
        for part in truth["annual"]:
            shown = published[part["y1"]]
            if 0 < part["entering_members"] < 3 or 0 < part["exiting_members"] < 3:
                assert shown["entries"] is None and shown["exits"] is None, (measure, part["y1"])
            if shown["change"] is not None and shown["like_for_like"] is not None:
                # change - like-for-like is the net of entries and exits: never 1-2 members
                assert part["entering_members"] + part["exiting_members"] in (0,) or \
                    part["entering_members"] + part["exiting_members"] >= 3
            assert shown["created"] is None


# 3 -------------------------------------------------------------------------------------
def test_estimated_view_never_shows_a_single_carried_member(demo_store):
    manager = {r["year"]: r for r in document.summary(demo_store, Filters(estimated=True))["by_year"]}
    funder = document.summary(demo_store, Filters(estimated=True), role="funder")["by_year"]
    assert any(0 < manager[r["year"]]["estimated_members"] < 3 for r in funder)  # the case exists
    for row in funder:
        if 0 < manager[row["year"]]["estimated_members"] < 3:
            assert row["turnover_eur_estimated"] is None and row["jobs_estimated"] is None
            assert row["turnover_eur"] is None and row["jobs"] is None  # total = reported + carried


# 4 -------------------------------------------------------------------------------------
def test_sector_group_minus_the_shown_sectors_is_never_a_small_or_dominated_cell(demo_store):
    from analytics.schema import vocabulary

    group_of = {r["code"]: r["egss_group"] for r in vocabulary("sectors").rows}
    full = kpis.overview(demo_store)["by_sector"]
    funder = document.summary(demo_store, role="funder")
    groups = {(r["year"], r["sector_group"]): r for r in funder["by_sector_group"]}
    shown = {(r["year"], r["sector"]): r["turnover_eur"] is not None for r in funder["by_sector"]}
    checked = 0
    for (year, group), row in groups.items():
        if row["turnover_eur"] is None:
            continue
        cells = full[(full["year"] == year) & full["sector"].map(group_of).eq(group)
                     & (full["n__turnover_eur"] > 0)]
        hidden = cells[[not shown[(year, s)] for s in cells["sector"]]]
        if hidden.empty:
            continue
        checked += 1
        assert not unsafe(int(hidden["n__turnover_eur"].sum()), float(hidden["max__turnover_eur"].max()),
                          float(hidden["sum__turnover_eur"].sum())), (year, group)
    assert checked  # the demo has groups with hidden sectors


def test_a_sector_group_never_gives_back_its_only_hidden_sector():
    """CEPA = waste (4 members) + consulting (2, hidden); the sector table alone hid a CReMA
    sector as its second cell, and CEPA - waste gave consulting to the euro."""
    sizes = {"waste": 4, "consulting": 2, "water": 4, "forest": 3}
    rows, n = [], 0
    for sector, count in sizes.items():
        for _ in range(count):
            n += 1
            rows.append({"member_id": f"M{n:02d}", "member_name": f"M{n}", "member_type": "sme",
                         "sector": sector, "area": "87", "year": 2015,
                         "turnover_eur": Decimal(1_000_000 + 10_000 * n), "jobs": Decimal(10 + n)})
    store = Store(":memory:")
    store.load(SUBMISSIONS, pd.DataFrame(rows).reindex(columns=SUBMISSIONS.names), file_name="t",
               sha256="", user="t")
    doc = document.summary(store, role="funder")
    group = {r["sector_group"]: r["turnover_eur"] for r in doc["by_sector_group"]}
    sector = {r["sector"]: r["turnover_eur"] for r in doc["by_sector"]}
    assert sector["consulting"] is None
    if group["CEPA"] is not None and sector["waste"] is not None:
        consulting = sum(float(r["turnover_eur"]) for r in rows if r["sector"] == "consulting")
        assert abs(group["CEPA"] - sector["waste"] - consulting) > 0.1 * consulting


# 5 -------------------------------------------------------------------------------------
def test_a_year_range_never_changes_the_pattern(demo_store):
    def pattern(y0: int, y1: int) -> dict:
        doc = document.summary(demo_store, Filters(year_from=y0, year_to=y1), role="funder")
        out = {}
        for key in ("by_year", "by_sector", "by_member_type", "by_area", "by_sector_group"):
            for r in doc[key]:
                if r["year"] == 2014:
                    out[(key, r.get(key.removeprefix("by_")))] = r["confidential"]
        return out

    assert pattern(2013, 2014) == pattern(2014, 2014) == pattern(2009, 2015) == pattern(2014, 2015)


# 6 -------------------------------------------------------------------------------------
def test_a_ratio_and_the_totals_never_give_the_members_without_jobs():
    rows = [{"member_id": f"M{i}", "member_name": f"M{i}", "member_type": "sme", "sector": "waste",
             "area": "87", "year": 2015, "turnover_eur": Decimal(1_000_000 + 37_000 * i),
             "jobs": Decimal(10 + i)} for i in range(6)]
    rows.append({**rows[0], "member_id": "X", "member_name": "X", "turnover_eur": Decimal(450_000),
                 "jobs": None})
    store = Store(":memory:")
    store.load(SUBMISSIONS, pd.DataFrame(rows).reindex(columns=SUBMISSIONS.names), file_name="t",
               sha256="", user="t")
    row = document.summary(store, role="funder")["by_year"][0]
    assert row["turnover_eur"] is not None and row["jobs"] is not None  # totals stay useful
    if row["turnover_per_job"] is not None:
        recovered = row["turnover_eur"] - row["turnover_per_job"] * row["jobs"]
        assert abs(recovered - 450_000) > 45_000, "turnover of the member without jobs"


# 7 -------------------------------------------------------------------------------------
def test_a_members_upload_never_shows_another_members_stored_figures(demo_store):
    stored = demo_store.query("SELECT turnover_eur, jobs FROM submissions "
                              "WHERE member_id = 'M02' AND year = 2015").iloc[0]
    data = (b"member_id,member_name,member_type,sector,area,year,turnover_eur,jobs\n"
            b"M02,Sylvatek,SME,forest,19,2016,1,1\n")
    report = check_file(data, "mine.csv", demo_store, member_id="M01")
    texts = [p.describe(lang) for p in report.problems for lang in ("en", "fr")]
    assert report.table is None and report.errors and not report.warnings
    assert not any(f"{float(stored['turnover_eur']):,.0f}".replace(",", "") in t.replace(",", "")
                   .replace("\u202f", "").replace(" ", "") for t in texts)
    assert not any("Sylvatek" in t or "changed by" in t for t in texts)
    # the same row from its own member is compared with its own history only
    own = check_file(data, "mine.csv", demo_store, member_id="M02")
    assert own.table is not None and any("changed by" in p.describe("en") for p in own.warnings)


# 8 -------------------------------------------------------------------------------------
def test_cli_report_for_a_funder_masks_the_pack(demo_db, tmp_path):
    out = tmp_path / "pack"
    run = subprocess.run([sys.executable, "-m", "analytics", "report", "--db", demo_db, "--role", "funder",
                          "--format", "png", "--member-type", "tech_transfer", "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    (pack,) = out.iterdir()
    zf = zipfile.ZipFile(pack)
    xlsx = next(n for n in zf.namelist() if n.endswith(".xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(zf.read(xlsx))).worksheets[0]
    header = [c.value for c in sheet[1]]
    turnover = header.index("Turnover (EUR)") if "Turnover (EUR)" in header else \
        next(i for i, h in enumerate(header) if h and h.startswith("Turnover"))
    values = [row[turnover].value for row in sheet.iter_rows(min_row=2)]
    assert values and all(v in (None, "confidential") for v in values), values


# 9 -------------------------------------------------------------------------------------
def test_sign_in_attempts_are_limited_per_user_name():
    throttle = access.LoginThrottle(limit=3, lockout=60)
    waits = [throttle.record("alice", n, now=100.0 + n) for n in (1, 2, 3)]
    assert waits == [0.0, 0.25, 0.5]  # slowed
    assert throttle.locked("alice", now=104.0) and not throttle.locked("bob", now=104.0)
    assert throttle.record("alice", 3, now=200.0) == 0.0  # nothing new: the lockout keeps its start
    assert throttle.failures("alice", now=103.0 + 61) == 0  # lockout over


def test_sign_in_form_refuses_after_too_many_failures(tmp_path, monkeypatch, demo_db):
    path = tmp_path / "auth.yaml"
    access.add_user("alice", "correct horse", "manager", path=path)
    monkeypatch.setenv("CLUSTER_AUTH_FILE", str(path))
    monkeypatch.setenv("CLUSTER_DB", demo_db)
    monkeypatch.setattr(access, "THROTTLE", access.LoginThrottle(limit=2, lockout=600))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    for password in ("wrong one", "wrong two", "correct horse"):
        at.text_input[0].input("alice")
        at.text_input[1].input(password)
        at.button[0].click().run()
    assert any("Too many failed sign-in attempts" in e.value for e in at.error)
    assert not at.metric  # the right password no longer opens the dashboard


def test_a_sign_in_cookie_is_honoured_only_while_its_session_is_open_and_active():
    """The server side of sign-out and idleness (browser test: test_browser's
    test_a_sign_in_ends_with_sign_out_or_idleness_whatever_the_cookie)."""
    import jwt

    sessions = access.Sessions()
    expires = time.time() + 86_400
    token = jwt.encode({"username": "alice", "exp_date": expires}, "key", algorithm="HS256")
    session = access.session_of_cookie(token, "key")
    assert session == access.session_id("alice", expires)
    assert not sessions.touch(session, 60, now=1000.0)  # never opened (e.g. before a restart)
    sessions.open(session, now=1000.0)
    assert sessions.touch(session, 60, now=1059.0)
    assert sessions.touch(session, 60, now=1118.0)  # each run counts as activity
    assert not sessions.touch(session, 60, now=1179.0)  # idle past the limit: closed
    assert not sessions.touch(session, 60, now=1180.0)
    sessions.open(session, now=2000.0)
    sessions.close(session)  # sign-out
    assert not sessions.touch(session, 60, now=2001.0)
    forged = jwt.encode({"username": "alice", "exp_date": expires}, "guess", algorithm="HS256")
    expired = jwt.encode({"username": "alice", "exp_date": time.time() - 1}, "key",
                         algorithm="HS256")
    assert [access.session_of_cookie(t, "key") for t in (forged, expired, "junk", None)] == [
        None] * 4


@pytest.mark.parametrize("text", ["=1+1", "\r=cmd|' /C calc'!A0", "\t=HYPERLINK(\"x\")", "  @SUM(A1)",
                                  "\n+1", "-2+3"])
def test_formulas_are_neutralised_after_blanks_in_csv_and_xlsx(text):
    frame = pd.DataFrame({"note": [text], "value": [1]})
    csv_text = export.table_csv(frame, "en").decode("utf-8-sig")
    cell = next(iter(pd.read_csv(io.StringIO(csv_text), keep_default_na=False)["note"]))
    assert cell.startswith("'")
    book = openpyxl.load_workbook(io.BytesIO(export.tables_xlsx({"t": frame}, "en")))
    assert book.worksheets[0]["A2"].value.startswith("'")


def test_cli_prints_control_characters_as_visible_escapes(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("member_id,member_name,member_type,sector,area,year,turnover_eur,jobs\n"
                   "M1,Evil\x1b]0;owned\x07,SME,waste,87,2015,\x1b[2Jx,3\n", encoding="utf-8")
    code = cli.main(["ingest", "--db", str(tmp_path / "d.duckdb"), str(bad)])
    out = capsys.readouterr()
    assert code == 1
    assert "\x1b" not in out.out + out.err and "\x07" not in out.out + out.err
    assert "\\u001b" in out.err


def test_kpis_json_still_parses_with_escaped_output(demo_db, capsys):
    assert cli.main(["kpis", "--db", demo_db, "--role", "funder", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["role"] == "funder"


# 7, every member path ----------------------------------------------------------------------
def _everything_shown(at: AppTest) -> str:
    """All text a member's page shows: titles, text, metrics, messages and table cells."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "error", "warning",
                 "info", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    for frame in at.dataframe:
        parts.append(frame.value.to_csv(index=False))
    return "\n".join(parts)


def _their_figures(demo_db: str) -> tuple[list[str], list[str]]:
    """Other members' names, and their turnover and jobs written as a page or CSV would."""
    rows = Store(demo_db).query("SELECT member_name, turnover_eur, jobs FROM submissions "
                                "WHERE member_id <> 'M01'")
    names = sorted(set(rows["member_name"]))
    values = set()
    for v in rows["turnover_eur"].dropna():
        v = float(v)
        values |= {f"{v:,.0f}", f"{v:.2f}", f"{v:,.2f}", f"{v:,.0f}".replace(",", "\u202f")}
    return names, sorted(values)


def test_no_member_path_shows_another_members_name_or_figure(signed, demo_db):
    names, values = _their_figures(demo_db)
    shown = []
    at = signed("m01@ondivert.fr")  # My figures, with the position band and cluster total
    shown.append(_everything_shown(at))
    at = signed("m01@ondivert.fr", "app_pages/submissions.py")
    shown.append(_everything_shown(at))
    for data in (  # a foreign row (rejected), and its own rows (checked against its history)
            b"member_id,member_name,member_type,sector,area,year,turnover_eur,jobs\n"
            b"M02,Sylvatek,SME,forest,19,2016,1,1\n",
            b"member_id,member_name,member_type,sector,area,year,turnover_eur,jobs\n"
            b"M01,Ondivert,SME,waste,87,2016,1,1\n"):
        at.file_uploader[0].set_value(("f.csv", data, "text/csv")).run()
        assert not at.exception
        shown.append(_everything_shown(at))
    text = "\n".join(shown)
    assert "Ondivert" in text or "M01" in text  # the pages did render the member's own data
    leaked = [n for n in names if n in text] + [v for v in values if v in text]
    assert not leaked, leaked[:10]


def test_a_funder_is_offered_one_dimension_at_a_time(signed):
    at = signed("funder@region.eu", None, member_type="SME")
    boxes = {m.key: m for m in at.multiselect}
    assert not boxes["member_type"].disabled
    assert boxes["sector"].disabled and boxes["area"].disabled
    both = signed("funder@region.eu", None, member_type="SME", sector="Waste management and recycling")
    assert any("one filter at a time" in w.value for w in both.sidebar.warning)
    figures = [m.value for m in both.metric if m.label.startswith(("Turnover", "Jobs"))]
    assert figures and not any(ch.isdigit() for v in figures for ch in v), figures

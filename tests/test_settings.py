"""The cluster's own details and settings (issue 16, part): stored in the database, set
from the command line or the Settings page, each save one undoable entry, used by exports."""

from __future__ import annotations

import pytest

from analytics import growth, kpis, report
from analytics.cli import main
from analytics.filters import Filters
from analytics.store import Store
from tests.conftest import app


def test_cli_sets_a_cluster_outside_france(tmp_path, capsys):
    db = str(tmp_path / "be.duckdb")
    assert main(["settings", "set", "cluster_name", "Wallonie", "Cleantech", "--db", db]) == 0
    assert main(["settings", "set", "country", "Belgique", "--db", db, "--user", "ana"]) == 0
    assert main(["settings", "show", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "cluster_name = Wallonie Cleantech" in out and "country = Belgique" in out
    assert main(["settings", "set", "currency", "USD", "--db", db]) == 1
    assert main(["settings", "set", "colour", "blue", "--db", db]) == 2
    store = Store(db)
    ctx = report.context(store, Filters())
    assert ctx.cluster == "Wallonie Cleantech" and ctx.place == "Belgique"
    history = store.history()
    assert list(history["kind"]) == ["settings", "settings"]
    store.undo(int(history.iloc[0]["load_id"]), "ana")
    assert store.text_setting("country") == ""


def test_settings_page_saves_in_one_undoable_step(tmp_path, monkeypatch):
    db = str(tmp_path / "page.duckdb")
    Store(db)
    at = app(db, monkeypatch, "app_pages/settings.py")
    at.text_input(key="setting_cluster_name").input("Cluster Éco Lorraine")
    at.text_input(key="setting_funder_name").input("Région Grand Est")
    at.number_input(key="setting_close_at_response_rate").set_value(80)
    at.button[0].click().run()
    assert not at.exception
    assert any("Saved (recorded as load" in s.value for s in at.success)
    store = Store(db)
    assert store.settings()["cluster_name"] == "Cluster Éco Lorraine"
    assert store.setting("close_at_response_rate") == 80
    [load] = store.history().itertuples()
    assert load.kind == "settings" and load.rows_added == 3  # one entry for the three
    store.undo(load.load_id, "manager")
    assert store.settings()["cluster_name"] == "" and store.setting("close_at_response_rate") == 90


def test_confidentiality_can_be_made_stricter_never_looser(tmp_path, demo_rows, demo_db):
    import shutil

    from analytics import document

    shutil.copy(demo_db, tmp_path / "strict.duckdb")  # its publication is cached in the file
    store = Store(tmp_path / "strict.duckdb")
    for key, looser in (("confidential_min_members", 2), ("confidential_max_share", 90),
                        ("confidential_protection", 5)):
        with pytest.raises(ValueError, match="stricter, never looser"):
            store.set_setting(key, looser, "manager")
    hidden_before = _hidden(document.summary(store, role="funder"))
    store.set_setting("confidential_min_members", 6, "manager")
    funder = document.summary(store, role="funder")
    assert _hidden(funder) > hidden_before
    # independently: every area figure a funder sees comes from at least 6 members
    latest: dict[str, tuple[int, str]] = {}
    for r in demo_rows:
        if r["member_id"] not in latest or r["year"] > latest[r["member_id"]][0]:
            latest[r["member_id"]] = (r["year"], r["area"])
    for row in funder["by_area"]:
        if row["turnover_eur"] is not None:
            senders = {r["member_id"] for r in demo_rows if r["year"] == row["year"]
                       and latest[r["member_id"]][1] == row["area"] and r["turnover_eur"] is not None}
            assert len(senders) >= 6, row
    ctx = report.context(store, Filters())
    assert "fewer than 6 members" in report.methodology(kpis.overview(store, ctx.filters), ctx)


def _hidden(doc: dict) -> int:
    return sum(len(r.get("confidential") or []) for key in ("by_year", "by_sector", "by_area",
                                                            "by_member_type")
               for r in doc[key])


def test_the_baseline_year_setting_starts_every_default_period(demo_db, tmp_path):
    import shutil

    from analytics import document

    db = tmp_path / "baseline.duckdb"
    shutil.copy(demo_db, db)
    store = Store(db)
    store.set_setting("baseline_year", 2011, "manager")
    summary = document.summary(store)
    assert summary["growth"]["turnover_eur"]["baseline_year"] == 2011
    assert summary["by_year"][0]["year"] == 2011
    assert document.summary(store, Filters(year_from=2009))["by_year"][0]["year"] == 2009
    with pytest.raises(ValueError, match="from 1990 to 2100"):
        store.set_setting("baseline_year", 1200, "manager")


def test_the_funders_logo_is_on_the_title_page_and_undoable(tmp_path, capsys):
    import io

    from docx import Document
    from PIL import Image


    picture = io.BytesIO()
    Image.new("RGB", (120, 60), (0, 110, 80)).save(picture, format="PNG")
    (tmp_path / "logo.png").write_bytes(picture.getvalue())
    (tmp_path / "fake.png").write_bytes(b"\x89PNG\r\n\x1a\nnot an image")
    db = str(tmp_path / "logo.duckdb")
    assert main(["settings", "set", "funder_logo", str(tmp_path / "fake.png"), "--db", db]) == 1
    assert "PNG or JPEG" in capsys.readouterr().err
    assert main(["settings", "set", "funder_logo", str(tmp_path / "logo.png"), "--db", db]) == 0
    store = Store(db)
    assert store.logo() == picture.getvalue()
    from analytics.ingest import load_demo
    load_demo(store)  # the cluster's settings come first; the demo may follow
    ctx = report.context(store, Filters())
    result = kpis.overview(store, ctx.filters)
    doc = Document(io.BytesIO(report.report_docx(result, ctx, {}, [],
                                                 growth.bundle(store, ctx.filters, False))))
    assert len(doc.inline_shapes) == 1
    history = store.history()
    [logo_load] = history.loc[history["file_name"] == "funder_logo = logo.png", "load_id"]
    store.undo(int(logo_load), "manager")
    assert store.logo() is None

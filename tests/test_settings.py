"""The cluster's own details and settings (issue 16, part): stored in the database, set
from the command line or the Settings page, each save one undoable entry, used by exports."""

from __future__ import annotations

from analytics import report
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

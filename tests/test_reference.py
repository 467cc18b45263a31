"""The cluster's own reference lists (issue 16): stored in the database, edited from the
command line and the Settings page, renamed and merged with their rows, unknown values
added on request; a cluster outside France set up from scratch."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal

import pytest

from analytics import document, reference
from analytics.cli import main
from analytics.filters import Filters
from analytics.ingest import check_file
from analytics.schema import vocabulary
from analytics.store import Store
from tests.conftest import ROOT, app

BELGIAN_AREAS = ("code;libellé anglais;libellé\n"
                 "BE-BRU;Brussels-Capital Region;Région de Bruxelles-Capitale\n"
                 "BE-VLG;Flemish Region;Région flamande\n"
                 "BE-WAL;Walloon Region;Région wallonne\n")
#: money and FTE written by a script: floating-point noise in every cell
BELGIAN_FIGURES = (
    "member_id,member_name,member_type,sector,area,year,turnover_eur,jobs\n"
    "B01,Alpha,SME,waste,BE-BRU,2023,9289999.99999999,12.4999999999\n"
    "B02,Beta,SME,water,Flemish Region,2023,1000000.0000001,4.00000000001\n"
    "B03,Gamma,Large company,water,Région wallonne,2023,8060390000.00001,440.710000000001\n"
    "B04,Delta,University,env_rd,BE-WAL,2023,,30\n")


@pytest.fixture
def demo(tmp_path, demo_db) -> Store:
    """A copy of the session's demo database, for a test that writes (faster than loading)."""
    shutil.copy(demo_db, tmp_path / "demo.duckdb")
    return Store(tmp_path / "demo.duckdb")


def by_area(store: Store, renamed: dict[str, str] | None = None) -> dict:
    """The area table of the manager's document, with the codes renamed."""
    renamed = renamed or {}
    rows = document.summary(store)["by_area"]
    return {(r["year"], renamed.get(r["area"], r["area"])): {k: v for k, v in r.items()
                                                             if k != "area"} for r in rows}


def test_a_cluster_outside_france_is_set_up_from_scratch_with_the_cli(tmp_path, capsys):
    db = str(tmp_path / "be.duckdb")
    (tmp_path / "areas.csv").write_text(BELGIAN_AREAS, encoding="utf-8")
    (tmp_path / "figures.csv").write_text(BELGIAN_FIGURES, encoding="utf-8")
    assert main(["settings", "set", "cluster_name", "Brussels", "Cleantech", "--db", db]) == 0
    assert main(["settings", "set", "country", "Belgium", "--db", db]) == 0
    # a file of one list needs to say which
    assert main(["lists", "import", str(tmp_path / "areas.csv"), "--db", db]) == 1
    assert "--list areas" in capsys.readouterr().err
    assert main(["lists", "import", str(tmp_path / "areas.csv"), "--list", "areas",
                 "--db", db]) == 0
    assert "3 added (BE-BRU, BE-VLG, BE-WAL); 12 removed" in capsys.readouterr().out
    assert main(["ingest", str(tmp_path / "figures.csv"), "--db", db]) == 0
    out = capsys.readouterr()
    assert "loaded as load" in out.out and "error" not in out.err
    store = Store(db)
    stored = {r[0]: r[1:] for r in store.rows(
        "SELECT member_id, area, turnover_eur, jobs FROM submissions")}
    # totals exact to the cent: the noise was the value it stands for
    assert stored["B01"] == ("BE-BRU", Decimal("9290000.00"), Decimal("12.50"))
    assert stored["B02"] == ("BE-VLG", Decimal("1000000.00"), Decimal("4.00"))
    assert stored["B03"] == ("BE-WAL", Decimal("8060390000.00"), Decimal("440.71"))
    summary = document.summary(store)
    assert summary["by_year"][0]["turnover_eur"] == 9290000 + 1000000 + 8060390000
    assert {r["area"] for r in summary["by_area"]} == {"BE-BRU", "BE-VLG", "BE-WAL"}
    # the labels come from the cluster's list, in both languages
    assert vocabulary("areas").label("BE-WAL", "fr") == "Région wallonne"
    assert main(["--lang", "fr", "lists", "show", "--list", "areas", "--db", db]) == 0
    assert "Région de Bruxelles-Capitale" in capsys.readouterr().out
    # the template's drop-downs offer the cluster's areas
    assert main(["template", str(tmp_path / "t.xlsx"), "--db", db]) == 0
    from openpyxl import load_workbook
    book = load_workbook(tmp_path / "t.xlsx")
    cells = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert "BE-BRU" in cells and "87" not in cells


def test_unknown_values_are_grouped_and_added_only_when_asked(tmp_path, capsys):
    db = str(tmp_path / "u.duckdb")
    figures = tmp_path / "figures.csv"
    figures.write_text(BELGIAN_FIGURES, encoding="utf-8")
    assert main(["ingest", str(figures), "--db", db]) == 1
    err = capsys.readouterr().err
    # one line per value, not one per row, and the way out
    assert "Unknown value for Area: 1 row uses 'BE-BRU'" in err
    assert "Add --add-new-values" in err and Store(db).is_empty()
    assert main(["ingest", str(figures), "--add-new-values", "--dry-run", "--db", db]) == 1
    assert "would add to the list areas: BE-BRU, Flemish Region, Région wallonne, BE-WAL" in \
        capsys.readouterr().out
    assert Store(db).reference_lists()["areas"].codes[0] == "16"  # dry run: unchanged
    assert main(["ingest", str(figures), "--add-new-values", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "added to the list areas" in out and "loaded as load 2" in out
    store = Store(db)
    assert {"BE-BRU", "Flemish Region", "BE-WAL"} <= set(store.reference_lists()["areas"].codes)
    # another error in the file: nothing is added, nothing loaded
    bad = tmp_path / "bad.csv"
    bad.write_text(BELGIAN_FIGURES.replace("BE-WAL,2023,,30", "NL-NH,2023,,lots"), encoding="utf-8")
    version = store.data_version()
    assert main(["ingest", str(bad), "--add-new-values", "--db", db]) == 1
    assert store.data_version() == version


def test_rename_moves_rows_and_changes_only_the_label(demo):
    before = by_area(demo)
    used = reference.usage(demo, "areas")["87"]
    change = reference.rename(demo, "areas", "87", "HV", "manager")
    assert change.ok and change.moved_rows == used and change.renamed == {"87": "HV"}
    assert by_area(demo, {"HV": "87"}) == before
    assert vocabulary("areas").label("HV", "fr") == "Haute-Vienne"  # its labels stay
    history = demo.history()
    assert history.iloc[0]["kind"] == "reference" and "'87' renamed 'HV'" in \
        history.iloc[0]["file_name"]
    # a file may now write the new code, not the old one
    row = ("member_id,member_name,member_type,sector,area,year,turnover_eur,jobs\n"
           "Z01,Zeta,SME,waste,{},2015,1,1\n")
    assert check_file(row.format("HV").encode(), "f.csv", demo).ok
    assert not check_file(row.format("87").encode(), "f.csv", demo).ok
    demo.undo(int(history.iloc[0]["load_id"]), "manager")
    assert by_area(demo) == before and "87" in vocabulary("areas").codes


def test_merge_moves_rows_into_the_other_value_and_undoes_in_one_step(demo):
    before = by_area(demo)
    used = reference.usage(demo, "areas")
    change = reference.rename(demo, "areas", "86", "87", "manager")
    assert change.merged == {"86": "87"} and change.moved_rows == used["86"]
    assert reference.usage(demo, "areas")["87"] == used["87"] + used["86"]
    assert "86" not in vocabulary("areas").codes
    # the merged area's totals are the two areas' totals, year by year
    after = by_area(demo)
    for year in {y for y, _a in before}:
        parts = [before.get((year, a)) for a in ("86", "87")]
        expected = sum(p["turnover_eur"] or 0 for p in parts if p)
        assert after[(year, "87")]["turnover_eur"] == pytest.approx(expected)
    demo.undo(int(demo.history().iloc[0]["load_id"]), "manager")
    assert by_area(demo) == before


def test_a_code_in_use_cannot_be_deleted_and_nothing_changes(demo):
    version = demo.data_version()
    rows = [r for r in reference.stored_rows(demo, "areas") if r["code"] != "87"]
    change = reference.plan(demo, "areas", rows)
    assert not change.ok and "'87' cannot be removed: 101 stored rows use it" in \
        change.problems[0].describe()
    with pytest.raises(ValueError):
        reference.apply(demo, change, "manager")
    # the store refuses too, even when asked directly
    import pandas as pd
    frame = pd.DataFrame([{**r, "list": "areas"} for r in rows]).reindex(
        columns=["list", "code", "label_en", "label_fr", "egss_code", "egss_group", "is_sme",
                 "is_enterprise"])
    with pytest.raises(ValueError, match="stored figures use it"):
        demo.write_list("areas", frame, {}, file_name="x", user="manager")
    assert demo.data_version() == version and "87" in vocabulary("areas").codes
    # an unused one can go
    unused = [r for r in reference.stored_rows(demo, "areas") if r["code"] != "16"]
    assert reference.apply(demo, reference.plan(demo, "areas", unused), "manager") is not None


def test_an_undo_that_would_orphan_stored_rows_is_refused(demo):
    reference.rename(demo, "areas", "87", "HV", "manager")
    rename_load = int(demo.history().iloc[0]["load_id"])
    ingest_file_text = ("member_id,member_name,member_type,sector,area,year,turnover_eur,jobs\n"
                        "Z01,Zeta,SME,waste,HV,2016,1,1\n")
    report = check_file(ingest_file_text.encode(), "z.csv", demo)
    from analytics.ingest import load_checked
    load_checked(report, demo, "manager")
    with pytest.raises(ValueError, match="HV"):
        demo.undo(rename_load, "manager")  # Z01 would use a code the list no longer has
    assert "HV" in vocabulary("areas").codes


def test_list_checks_name_the_row_and_column_of_each_problem(demo, tmp_path):
    text = ("list,code,label_en,label_fr,egss_code,egss_group,is_sme,is_enterprise\n"
            "sectors,waste,Waste,Déchets,CEPA 3,CEPA,,\n"
            "sectors,waste,Waste again,Déchets bis,CEPA 3,CEPA,,\n"
            "sectors,recycling,Recycling,,CEPA 3,CEPA,,\n"
            "sectors,circular,waste,Économie circulaire,CReMA 14,CReMA,,\n"
            "sectors,odd,Odd,Bizarre,XYZ 1,XYZ,,\n"
            "member_types,sme,SME,PME,,,oui,non\n"
            "member_types,big,Big,Grande,,,peut-être,yes\n"
            "planets,mars,Mars,Mars,,,,\n")
    changes, problems = reference.read_file(demo, text.encode(), "lists.csv")
    said = [p.describe() for c in changes for p in c.problems] + [p.describe() for p in problems]
    joined = "\n".join(said)
    assert "row 3" in joined and "'waste' is in the list twice (rows 2 and 3)" in joined
    assert "row 4, column 'label_fr': Every value needs a code and a label" in joined
    assert "row 5, column 'label_en': 'waste' would mean both 'waste' and 'circular'" in joined
    assert "row 6, column 'egss_group': Write CEPA or CReMA" in joined
    assert "row 7, column 'is_enterprise': An SME is an enterprise" in joined
    assert "row 8, column 'is_sme': Write yes or no." in joined
    assert "row 9, column 'list': Unknown list 'planets'" in joined
    # sectors that stored rows use and the file leaves out cannot be removed
    assert "'renewables' cannot be removed" in joined


def test_a_sector_class_and_a_member_type_flag_change_the_figures(demo, demo_rows):
    def group_totals(store):
        return {(r["year"], r["sector_group"]): r["turnover_eur"]
                for r in document.summary(store)["by_sector_group"]}

    rows = reference.stored_rows(demo, "sectors")
    for r in rows:
        if r["code"] == "waste":
            r["egss_code"], r["egss_group"] = "CReMA 14", "CReMA"
    change = reference.plan(demo, "sectors", rows)
    assert change.ok and change.relabelled == ["waste"]
    reference.apply(demo, change, "manager")
    # independently: each member's latest sector, the new class of waste
    latest: dict[str, tuple[int, str]] = {}
    for r in demo_rows:
        if r["member_id"] not in latest or r["year"] > latest[r["member_id"]][0]:
            latest[r["member_id"]] = (r["year"], r["sector"])
    group = {r["code"]: r["egss_group"] for r in rows}
    expected: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for r in demo_rows:
        if r["turnover_eur"] is not None:
            expected[(r["year"], group[latest[r["member_id"]][1]])] += r["turnover_eur"]
    got = group_totals(demo)
    assert got == {k: pytest.approx(float(v)) for k, v in expected.items()}
    # a research lab counted as an SME from now on
    types = reference.stored_rows(demo, "member_types")
    share_before = document.summary(demo)["by_year"][-1]["sme_share"]
    for r in types:
        if r["code"] == "research_lab":
            r["is_sme"] = r["is_enterprise"] = "yes"
    reference.apply(demo, reference.plan(demo, "member_types", types), "manager")
    assert document.summary(demo)["by_year"][-1]["sme_share"] > share_before


def test_lists_export_and_import_round_trip_in_french(demo, tmp_path, capsys):
    db = demo.path
    out = tmp_path / "listes.xlsx"
    assert main(["--lang", "fr", "lists", "export", str(out), "--db", db]) == 0
    assert main(["lists", "import", str(out), "--db", db]) == 0
    assert "no change" in capsys.readouterr().out  # what was exported reads back the same
    csv_text = reference.export_bytes(demo, "csv", "fr").decode()
    assert csv_text.splitlines()[0].startswith("Liste,Code,Libellé anglais,Libellé français")
    edited = csv_text.replace("Haute-Vienne,Haute-Vienne", "Haute-Vienne,Haute-Vienne (87)")
    (tmp_path / "edited.csv").write_text(edited, encoding="utf-8")
    assert main(["lists", "import", str(tmp_path / "edited.csv"), "--db", db]) == 0
    assert "1 label or detail changed" in capsys.readouterr().out
    assert Store(db).reference_lists()["areas"].label("87", "fr") == "Haute-Vienne (87)"


def test_a_list_changed_by_another_process_is_used_by_the_next_check(tmp_path):
    db = tmp_path / "two.duckdb"
    store = Store(db)
    (tmp_path / "areas.csv").write_text(BELGIAN_AREAS, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "analytics", "lists", "import",
                    str(tmp_path / "areas.csv"), "--list", "areas", "--db", str(db)],
                   cwd=ROOT, check=True, capture_output=True)
    assert check_file(BELGIAN_FIGURES.encode(), "f.csv", store).ok
    assert document.summary(store, Filters())["by_area"] == []


# -- pages ----------------------------------------------------------------------------------
def test_settings_page_imports_a_list_and_renames_a_value(tmp_path, monkeypatch):
    db = str(tmp_path / "page.duckdb")
    Store(db)
    at = app(db, monkeypatch, "app_pages/settings.py")
    upload = next(u for u in at.file_uploader if u.key == "import_areas")
    upload.set_value(("areas.csv", BELGIAN_AREAS.encode(), "text/csv")).run()
    assert any("3 added (BE-BRU, BE-VLG, BE-WAL)" in c.value for c in at.caption)
    next(b for b in at.button if b.key == "import_save_areas").click().run()
    assert not at.exception
    store = Store(db)
    assert store.reference_lists()["areas"].codes == ["BE-BRU", "BE-VLG", "BE-WAL"]
    at.selectbox(key="rename_old_areas").set_value("BE-WAL")
    at.text_input(key="rename_new_areas").input("BE-WAL-2").run()
    assert any("'BE-WAL' renamed 'BE-WAL-2'" in c.value for c in at.caption)
    next(b for b in at.button if b.key == "rename_areas").click().run()
    assert not at.exception
    assert Store(db).reference_lists()["areas"].codes == ["BE-BRU", "BE-VLG", "BE-WAL-2"]
    assert list(Store(db).history()["kind"]) == ["reference", "reference"]


def test_first_run_names_the_cluster_and_offers_the_demo(tmp_path, monkeypatch):
    db = str(tmp_path / "new.duckdb")
    at = app(db, monkeypatch)
    assert any(s.value == "Set up your cluster" for s in at.subheader)
    assert any(b.key == "load_demo" for b in at.button)
    at.text_input(key="first_run_cluster_name").input("Cleantech Wallonie")
    at.button(key="FormSubmitter:first_run_name-Save").click().run()
    assert not at.exception
    assert Store(db).text_setting("cluster_name") == "Cleantech Wallonie"
    # the cluster's settings are not figures: the demo can still be tried
    assert any(b.key == "load_demo" for b in at.button)
    at.button(key="load_demo").click().run()
    assert not at.exception and Store(db).holds_demo()


def test_submissions_page_adds_unknown_values_then_the_file_passes(tmp_path, monkeypatch):
    db = str(tmp_path / "sub.duckdb")
    Store(db)
    at = app(db, monkeypatch, "app_pages/submissions.py")
    at.file_uploader[0].set_value(("be.csv", BELGIAN_FIGURES.encode(), "text/csv")).run()
    assert any("Values not in the cluster's lists" in i.value for i in at.info)
    at.button(key="add_new_values").click().run()
    assert not at.exception
    assert any(b.key == "confirm_load" for b in at.button)  # checked again: it passes
    at.button(key="confirm_load").click().run()
    assert not Store(db).is_empty()

"""The one schema definition and the database agree; header and value matching."""

from analytics.schema import (
    CLUSTER_LIFE,
    MEMBERS,
    SUBMISSIONS,
    TARGETS,
    normalise_header,
    shipped_vocabulary,
    vocabularies,
)
from analytics.store import MIGRATIONS, SCHEMA_VERSION, Store
from tests.conftest import ROOT

LIFE = tuple(s.name for s in CLUSTER_LIFE)


def test_database_columns_follow_the_schema(store):
    for spec in (SUBMISSIONS, MEMBERS, TARGETS):
        cols = [r[0] for r in store.rows(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "ORDER BY ordinal_position", [spec.name])]
        assert cols == [*spec.names, "load_id"]
    assert store.schema_version() == SCHEMA_VERSION


def test_migrations_are_idempotent_on_a_file(tmp_path):
    from analytics.store import Store

    path = tmp_path / "x.duckdb"
    Store(path)
    Store(path).migrate()
    assert Store(path).rows("SELECT count(*) FROM schema_version")[0][0] == SCHEMA_VERSION


def test_header_normalisation():
    assert normalise_header("Chiffre d'affaires (€)") == "chiffre_d_affaires"
    assert normalise_header("  Année ") == "annee"
    assert normalise_header("TYPE DE MEMBRE") == "type_de_membre"
    for col in SUBMISSIONS.columns:  # no alias is claimed by two columns
        for other in SUBMISSIONS.columns:
            if other is not col:
                assert not (col.accepted_headers() & other.accepted_headers()), (col.name, other.name)


def test_vocabularies_have_both_languages_and_egss_codes():
    vocabs = vocabularies()
    assert len(vocabs["member_types"].rows) >= 9
    for voc in vocabs.values():
        for row in voc.rows:
            assert row["code"] and row["label_en"] and row["label_fr"]
    groups = {r["egss_group"] for r in vocabs["sectors"].rows}
    assert groups == {"CEPA", "CReMA"}


def _derived_from_files(alias: str) -> list[str]:
    """kpis._derived as it was before schema 7: the lists of data/ written into the SQL."""
    from analytics.schema import shipped_vocabulary

    def text(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    group = " ".join(f"WHEN {text(r['code'])} THEN {text(r['egss_group'])}"
                     for r in shipped_vocabulary("sectors").rows)

    def flagged(flag: str) -> str:
        return ", ".join(text(r["code"]) for r in shipped_vocabulary("member_types").rows
                         if r[flag] == "true")

    return [f"CASE {alias}.sector {group} END AS sector_group",
            f"{alias}.member_type IN ({flagged('is_sme')}) AS is_sme",
            f"{alias}.member_type IN ({flagged('is_enterprise')}) AS is_enterprise"]


def test_every_earlier_schema_version_migrates_without_losing_data(tmp_path, monkeypatch):
    import analytics.kpis as kpis_module
    import analytics.store as store_module
    from analytics.document import summary
    from analytics.ingest import ingest_file, load_demo

    reference = Store(":memory:")
    load_demo(reference)
    expected = summary(reference)
    expected.pop("targets")  # targets came with schema 2; the old files have none
    expected.pop("cluster_life")  # satisfaction answers came with schema 8, the rest with 9
    for version in range(1, SCHEMA_VERSION):
        path = tmp_path / f"v{version}.duckdb"
        monkeypatch.setattr(store_module, "SCHEMA_VERSION", version)
        monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS[:version])
        # the code of those versions carried forward a constant 2 years (no settings table)
        monkeypatch.setattr(kpis_module, "setting_sql", lambda key: "2")
        if version < 6:  # ... and had no collection campaign and no member e-mail (schema 6)
            import analytics.ingest as ingest_module
            import analytics.validate as validate_module
            monkeypatch.setattr(validate_module, "SPECS", tuple(
                store_module.MEMBERS_V1 if s.name == "members" else s
                for s in validate_module.SPECS))
            monkeypatch.setattr(
                ingest_module, "spec_named", lambda name, named=ingest_module.spec_named:
                store_module.MEMBERS_V1 if name == "members" else named(name))
            monkeypatch.setattr(
                kpis_module, "member_dim_ctes", lambda ctes=kpis_module.member_dim_ctes: ctes(
                ).replace("(SELECT max(year) FROM collection WHERE status = 'closed')", "NULL"))
        # ... and read the reference lists from data/ (schema 7 stores them)
        monkeypatch.setattr(kpis_module, "_derived", _derived_from_files)
        monkeypatch.setattr(store_module.Store, "use_lists", lambda self: None)
        old = Store(path)
        for demo in sorted((ROOT / "data" / "demo").glob("*.csv")):
            if demo.name.startswith("members") and version < 6:  # e-mail: schema 6
                lines = demo.read_text(encoding="utf-8").splitlines()
                demo = tmp_path / "members.csv"
                demo.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n")
            if not demo.name.startswith(("targets", "satisfaction", *LIFE)):  # schemas 2, 8, 9
                report, result = ingest_file(demo, old)
                assert result is not None, report.errors
        if version >= 6:  # the manager closed the years (before schema 6, the upgrade did)
            from analytics.collection import close_years
            close_years(old, list(range(2009, 2016)), "manager")
        monkeypatch.undo()
        migrated = Store(path)
        assert migrated.schema_version() == SCHEMA_VERSION
        got = summary(migrated)
        assert got.pop("targets") == []
        life = got.pop("cluster_life")["by_year"]  # the years, with nothing to say yet
        assert [r["year"] for r in life] == list(range(2009, 2016))
        assert all(r["working_groups_active"] == 0 and r["satisfaction_mean"] is None
                   and r["staff_fte"] is None for r in life)
        assert got == expected
        # the files, the member list, closing the years already collected (schema 6 or the
        # manager); schema 7 stored the shipped reference lists (the set-up, not listed)
        assert len(migrated.history()) == len(list((ROOT / "data" / "demo").glob(
            "submissions*.csv"))) + 2
        assert migrated.rows("SELECT count(*) FROM loads WHERE loaded_by = 'set-up'") == [(1,)]
        for name, stored in migrated.reference_lists().items():
            assert [{k: v for k, v in r.items() if v} for r in stored.rows] == \
                [{k: v for k, v in r.items() if v} for r in shipped_vocabulary(name).rows]
        assert migrated.rows("SELECT count(*) FROM collection WHERE status = 'closed'") == [(7,)]


def test_a_kind_marker_is_never_a_column_of_a_kind_tried_after_it():
    """A file is of the first kind whose marker column it has: were a marker's header (in
    any language) a column of a later kind, that kind's files would be read as the first."""
    from analytics.schema import SPECS

    for i, spec in enumerate(SPECS):
        marker = spec.column(spec.marker).accepted_headers()
        for later in SPECS[i + 1:]:
            for column in later.columns:
                assert not marker & column.accepted_headers(), (spec.name, later.name, column.name)

"""Many clusters in one store (issue 18): no path from one cluster's manager, members or
funder to another cluster's rows — through the store, the pages, the address's ``cluster``
parameter, the command line and the exports — and the Clusters page of a funder given
several, checked against each cluster's own document and its disclosure control."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from analytics import access, document, federation, publication
from analytics.ingest import check_file, load_checked, load_demo
from analytics.store import Store
from tests.conftest import ROOT, signed_app

HEADER = "member_id,member_name,member_type,sector,area,year,turnover_eur,jobs\n"
#: The Alpes cluster: eight members of its own, figures unlike the demo's.
ALPES = HEADER + "".join(f"A{i:02d},Alpes {i},SME,waste,87,{y},{1_000_000 + 37_000 * i + y},"
                         f"{10 + i}\n" for i in range(1, 9) for y in (2014, 2015))
#: The Loire cluster: two members, so a funder sees none of its totals.
LOIRE = HEADER + "".join(f"L{i},Loire {i},SME,waste,19,2015,{500_000 * i},{5 * i}\n"
                         for i in (1, 2))


def load(store: Store, text: str, name: str) -> None:
    report = check_file(text.encode(), name, store)
    assert report.ok, report.errors
    load_checked(report, store, user="test")


def three_clusters(path: str) -> dict[str, Store]:
    """The demo in the default cluster, Alpes and Loire beside it, each with its name."""
    stores = {"default": Store(path)}
    load_demo(stores["default"])
    for code, text in (("alpes", ALPES), ("loire", LOIRE)):
        stores[code] = Store(path, cluster=code, create=True)
        load(stores[code], text, f"{code}.csv")
        stores[code].set_setting("cluster_name", code.title() + " cluster", user="test")
    return stores


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def clusters(request, tmp_path_factory) -> dict[str, Store]:
    if request.param == "postgres":
        server = request.getfixturevalue("pg_server")
        path = server.new_database()
    else:
        path = str(tmp_path_factory.mktemp("clusters") / "many.duckdb")
    return three_clusters(path)


def test_each_cluster_store_holds_only_its_rows(clusters):
    default, alpes, loire = clusters["default"], clusters["alpes"], clusters["loire"]
    assert default.clusters() == ["default", "alpes", "loire"]
    members = {code: {m for (m,) in s.rows("SELECT DISTINCT member_id FROM submissions")}
               for code, s in clusters.items()}
    assert members["alpes"] == {f"A{i:02d}" for i in range(1, 9)}
    assert members["loire"] == {"L1", "L2"}
    assert not members["default"] & (members["alpes"] | members["loire"])
    # history, settings and the KPI cube are the cluster's own
    assert set(alpes.history()["file_name"]) == {"alpes.csv", "cluster_name = Alpes cluster"}
    assert default.text_setting("cluster_name") == ""
    assert alpes.rows("SELECT max(members) FROM kpi_cube WHERE year = 2015")[0][0] == 8
    # an undo in one cluster names that cluster's loads only: the other is untouched
    before = default.data_version(), loire.data_version()
    alpes.undo(int(alpes.history()["load_id"].iloc[-1]), user="test")
    assert alpes.rows("SELECT count(*) FROM submissions")[0][0] == 0
    assert (default.data_version(), loire.data_version()) == before
    alpes.undo(int(alpes.history()["load_id"].iloc[0]), user="test")  # redo
    assert alpes.rows("SELECT count(*) FROM submissions")[0][0] == 16


def test_a_cluster_that_does_not_exist_is_refused(clusters):
    with pytest.raises(ValueError, match="no cluster 'savoie'"):
        Store(clusters["default"].path, cluster="savoie")
    with pytest.raises(ValueError, match="not a cluster code"):
        Store(clusters["default"].path, cluster="x; DROP TABLE loads")


def test_a_user_is_only_ever_in_the_clusters_given():
    config = {"credentials": {"usernames": {
        "region": {"name": "Region", "password": "x", "roles": ["funder"],
                   "clusters": {"alpes": "funder", "loire": "funder", "savoie": "admin"}},
        "bob": {"name": "Bob", "password": "x", "roles": ["manager"]}}}}
    region = access.from_username(config, "region")
    assert region.cluster_roles() == {"alpes": "funder", "loire": "funder"}  # no "admin"
    assert region.in_cluster("loire").role == "funder"
    with pytest.raises(PermissionError):
        region.in_cluster("default")
    bob = access.from_username(config, "bob")
    assert bob.cluster_roles() == {"default": "manager"}
    with pytest.raises(PermissionError):
        bob.in_cluster("alpes")


# -- the pages ----------------------------------------------------------------------------
USERS = {"alpes@manager.eu": {"clusters": {"alpes": "manager"}},
         "region@funder.eu": {"clusters": {"default": "funder", "alpes": "funder",
                                           "loire": "funder"}},
         "m01@ondivert.fr": {"role": "member", "member_id": "M01"},
         "home@funder.eu": {"role": "funder"}}


@pytest.fixture(scope="module")
def many_db(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("pages") / "many.duckdb")
    three_clusters(path)
    return path


@pytest.fixture
def signed_in(tmp_path, monkeypatch, many_db):
    return signed_app(tmp_path, monkeypatch, many_db, USERS)


def same(value, published) -> bool:
    return pd.isna(value) if published is None else value == published


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_a_manager_sees_its_own_cluster_and_no_other(signed_in):
    at = signed_in("alpes@manager.eu")
    assert metrics(at)["Turnover 2015"] != "€70.0m"  # not the demo cluster's
    assert "Alpes" in " ".join(str(m.value) for m in at.markdown) or metrics(at)
    for other in ("default", "loire", "savoie"):
        at = signed_in("alpes@manager.eu", cluster=other)
        assert any("no access" in e.value or "no cluster" in e.value for e in at.error), other
        assert not at.metric and not at.dataframe and not at.get("plotly_chart")


@pytest.mark.parametrize("page", ["app_pages/export.py", "app_pages/submissions.py",
                                  "app_pages/my_figures.py", "app_pages/cluster_life.py"])
def test_no_page_opens_on_another_cluster_through_the_address(signed_in, page):
    at = signed_in("m01@ondivert.fr", cluster="alpes")
    assert any("no access" in e.value for e in at.error)
    with pytest.raises(Exception):  # noqa: B017 - the run stopped before any navigation
        at.switch_page(page).run()
        assert not at.exception and not at.error
        raise RuntimeError("page opened")


def test_the_funder_compares_its_clusters_as_each_publishes_them(signed_in, many_db):
    for code in ("default", "alpes", "loire"):  # built, as after their first funder's view
        publication.get(Store(many_db, cluster=code))
    at = signed_in("region@funder.eu", "app_pages/clusters.py")
    table = next(d.value for d in at.dataframe if "Cluster" in d.value.columns)
    assert list(table["Cluster"]) == ["default", "Alpes cluster", "Loire cluster"]
    loire = table.set_index("Cluster").loc["Loire cluster"]
    assert loire["Turnover"] == "confidential" and loire["Jobs"] == "confidential"
    # each line is the cluster's own document for a funder, value for value
    frame = federation.compare(many_db, {"default": "funder", "alpes": "funder",
                                         "loire": "funder"})
    for code, row in frame.set_index("cluster").iterrows():
        own = document.summary(Store(many_db, cluster=code), role="funder")["by_year"][-1]
        for key in ("year", "turnover_eur", "jobs", "members", "response_rate"):
            assert same(row[key], own[key]), (code, key)
    assert pd.isna(frame.set_index("cluster").loc["loire", "turnover_eur"])
    alpes = [v for v in ALPES.splitlines()[1:] if ",2015," in v]
    assert frame.set_index("cluster").loc["alpes", "turnover_eur"] == sum(
        int(v.split(",")[6]) for v in alpes)


def test_no_funder_sees_a_cluster_it_was_not_given(signed_in):
    at = signed_in("home@funder.eu")  # a funder of the default cluster only
    assert metrics(at)["Turnover 2015"] == "€70.0m"
    for other in ("alpes", "loire"):
        at = signed_in("home@funder.eu", cluster=other)
        assert any("no access" in e.value for e in at.error)
        assert not at.metric and not at.dataframe
    at = signed_in("region@funder.eu", cluster="alpes")  # given it: its own figures
    assert metrics(at)["Turnover 2015"] not in ("€70.0m", "confidential")


@pytest.mark.parametrize("email", ["alpes@manager.eu", "home@funder.eu"])
def test_a_user_of_one_cluster_has_no_clusters_page(signed_in, email):
    at = signed_in(email)
    with pytest.raises(Exception):  # noqa: B017 - not in its navigation
        at.switch_page("app_pages/clusters.py").run()
        assert not at.dataframe
        raise RuntimeError("page opened")


# -- the command line and the exports ---------------------------------------------------------
def cli(*args: str, db: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analytics", *args, "--db", db], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_the_command_line_works_on_the_named_cluster_only(tmp_path):
    db = str(tmp_path / "cli.duckdb")
    stores = {"default": Store(db), "alpes": Store(db, cluster="alpes", create=True)}
    load(stores["default"], LOIRE, "default.csv")
    before = stores["default"].data_version()
    path = tmp_path / "alpes.csv"
    path.write_text(ALPES)
    done = cli("ingest", str(path), "--cluster", "alpes", db=db)
    assert done.returncode == 0, done.stderr
    assert stores["default"].data_version() == before
    shown = json.loads(cli("kpis", "--format", "json", "--cluster", "alpes", db=db).stdout)
    assert shown["by_year"][-1]["members"] == 8
    shown = json.loads(cli("kpis", "--format", "json", db=db).stdout)
    assert shown["by_year"][-1]["members"] == 2
    refused = cli("kpis", "--cluster", "savoie", db=db)
    assert refused.returncode == 1 and "no cluster 'savoie'" in refused.stderr
    listed = cli("clusters", db=db)
    assert listed.stdout.split() == ["default", "alpes"]
    # a backup of a cluster holds its rows only, and restores into a new cluster
    out = cli("backup", "--out", str(tmp_path / "b"), "--cluster", "alpes", db=db)
    assert out.returncode == 0, out.stderr
    folder = next((tmp_path / "b").iterdir())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["cluster"] == "alpes" and manifest["rows"]["submissions"] == 16
    restored = cli("restore", str(folder), "--cluster", "savoie", db=db)
    assert restored.returncode == 0, restored.stderr
    savoie = Store(db, cluster="savoie")
    assert savoie.rows("SELECT count(*) FROM submissions")[0][0] == 16
    assert stores["default"].data_version() == before


def test_the_pack_across_clusters_hides_what_each_cluster_hides(many_db):
    import io
    import zipfile

    roles = {"default": "funder", "alpes": "funder", "loire": "funder"}
    data = federation.pack(many_db, roles)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert sorted(z.namelist()) == ["README.txt", "clusters.csv", "clusters.xlsx"]
        csv_text = z.read("clusters.csv").decode("utf-8-sig")
        sheets = pd.read_excel(io.BytesIO(z.read("clusters.xlsx")), sheet_name=None)
    loire = next(line for line in csv_text.splitlines() if line.startswith("Loire"))
    assert "confidential" in loire and "1000000" not in loire and "1500000" not in loire
    assert len(sheets) == 4  # the comparison, then one sheet per cluster
    loire_sheet = next(v for k, v in sheets.items() if "loire" in k)
    assert not (loire_sheet == 1_500_000).any().any()  # the two members' total stays hidden


def test_two_clusters_keep_their_own_lists_in_threads_of_one_process(tmp_path):
    """A server thread serves one cluster's page while another serves another's: each
    reads its own cluster's reference lists (labels, and the codes a file is checked
    against), whatever the other puts in force meanwhile."""
    import threading

    from analytics import reference
    from analytics.schema import vocabulary

    db = str(tmp_path / "lists.duckdb")
    home, other = Store(db), Store(db, cluster="belgium", create=True)
    rows = [{"code": "BE-BRU", "label_en": "Brussels", "label_fr": "Bruxelles"}]
    assert reference.apply(other, reference.plan(other, "areas", rows), "manager") is not None
    seen: dict[str, set] = {"default": set(), "belgium": set()}
    errors: list[Exception] = []

    def serve(store: Store, code: str) -> None:
        try:
            for _ in range(200):
                store.refresh_lists()
                seen[code].add(tuple(vocabulary("areas").codes))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=serve, args=(s, c)) for s, c in
               ((home, "default"), (other, "belgium"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert seen["belgium"] == {("BE-BRU",)}
    assert len(seen["default"]) == 1 and "87" in next(iter(seen["default"]))
    report = check_file(HEADER.encode() + b"B1,B,SME,waste,BE-BRU,2015,1,1\n", "b.csv", other)
    assert report.ok, report.errors
    assert not check_file(HEADER.encode() + b"B1,B,SME,waste,BE-BRU,2015,1,1\n", "b.csv",
                          home).ok


def test_lines_not_yet_published_say_so_and_come_once_built(tmp_path, monkeypatch):
    """A funder's cluster whose protected publication is not built yet shows no figure:
    its line says it is being prepared, the build runs in the background, and the page
    shows the figures once it is done."""
    import threading
    import time

    db = str(tmp_path / "fresh.duckdb")
    first, second = Store(db), Store(db, cluster="alpes", create=True)
    load(first, LOIRE.replace("L1", "X1").replace("L2", "X2") + "X3,X 3,SME,waste,19,2015,"
         "700000,7\n", "x.csv")
    load(second, ALPES, "alpes.csv")
    users = {"both@funder.eu": {"clusters": {"default": "funder", "alpes": "funder"}}}
    run = signed_app(tmp_path, monkeypatch, db, users)
    gate, build = threading.Event(), publication.build

    def slow_build(store, *args, **kwargs):  # a large cluster's build takes minutes
        if store.cluster == "default":
            gate.wait(120)
        return build(store, *args, **kwargs)

    monkeypatch.setattr(publication, "build", slow_build)
    # the user's first cluster (alpes) opens on its Overview, which builds its publication
    at = run("both@funder.eu", "app_pages/clusters.py")
    table = next(d.value for d in at.dataframe if "Cluster" in d.value.columns).set_index(
        "Cluster")
    assert set(table.loc["default"]) - {"default"} == {"being prepared"}
    assert table.loc["alpes", "Members"] == "8"
    assert any("being prepared" in i.value for i in at.info)
    gate.set()
    deadline = time.monotonic() + 120
    while not all(publication.ready(s) for s in (first, second)):
        assert time.monotonic() < deadline, "the background build did not finish"
        time.sleep(0.2)
    at.run()
    table = next(d.value for d in at.dataframe if "Cluster" in d.value.columns)
    assert "being prepared" not in set(table["Turnover"])
    assert table.set_index("Cluster").loc["alpes", "Members"] == "8"

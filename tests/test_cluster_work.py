"""Cluster life, second part (issue 17): working groups, participation, activities,
collaborative projects and the cluster organisation. Each indicator is checked against an
independent computation (plain Python over the files' rows) on random panels; each file kind
against bad records; the funder's view against member names."""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass, field

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import charts, cluster_life, document
from analytics.filters import Filters
from analytics.ingest import check_file, load_checked
from analytics.store import Store
from tests.conftest import figures

TYPES = ("sme", "large_company", "university", "research_lab")
SECTORS = ("waste", "water", "energy_efficiency", "forest", "renewables")
YEARS = range(2010, 2016)


@dataclass
class Panel:
    """A random cluster and its life, as the rows of the files it loads from."""

    members: dict[str, dict] = field(default_factory=dict)
    groups: list[dict] = field(default_factory=list)
    participation: set[tuple[str, str, int]] = field(default_factory=set)
    activities: list[dict] = field(default_factory=list)
    projects: list[dict] = field(default_factory=list)
    organisation: dict[int, dict] = field(default_factory=dict)

    def active(self, year: int) -> set[str]:
        return {m for m, r in self.members.items()
                if r["joined"] <= year and (r["left"] is None or year < r["left"])}

    def files(self) -> list[tuple[str, str]]:
        def csv(header: list[str], rows: list[list]) -> str:
            def cell(v: object) -> str:
                text = "" if v is None else str(v)
                return f'"{text}"' if any(c in text for c in ",;\n") else text
            return ",".join(header) + "\n" + "".join(
                ",".join(cell(v) for v in row) + "\n" for row in rows)
        subs = [[m, r["name"], r["type"], r["sector"], "87", y, 1000 + i, 2 + i % 7]
                for i, (m, r) in enumerate(self.members.items()) for y in YEARS
                if m in self.active(y)]
        return [
            ("members.csv", csv(["member_id", "member_name", "joined_year", "left_year"],
                                [[m, r["name"], r["joined"], r["left"]]
                                 for m, r in self.members.items()])),
            ("figures.csv", csv(["member_id", "member_name", "member_type", "sector", "area",
                                 "year", "turnover_eur", "jobs"], subs)),
            ("groups.csv", csv(["group_id", "group_name", "lead_member_id", "opened_year",
                                "closed_year"],
                               [[g["id"], g["name"], g["lead"], g["opened"], g["closed"]]
                                for g in self.groups])),
            ("participation.csv", csv(["member_id", "group_id", "year"],
                                      sorted(map(list, self.participation)))),
            ("activities.csv", csv(["activity_id", "activity_date", "activity_kind", "group_id",
                                    "member_participants", "outside_participants"],
                                   [[a["id"], a["date"], "workshop", a["group"], a["members"],
                                     a["outside"]] for a in self.activities])),
            ("projects.csv", csv(["project_id", "title", "start_year", "end_year",
                                  "partner_members", "outside_partners", "budget_eur",
                                  "public_funding_eur"],
                                 [[p["id"], p["id"], p["start"], p["end"], ";".join(p["members"]),
                                   "; ".join(p["outside"]), p["budget"], p["public"]]
                                  for p in self.projects])),
            ("organisation.csv", csv(["year", "staff_fte", "budget_eur", "fees_eur",
                                      "public_funding_eur", "services_eur"],
                                     [[y, o["staff"], o["budget"], o["fees"], o["public"],
                                       o["services"]] for y, o in self.organisation.items()])),
        ]


def random_panel(rng: random.Random, members: int = 24, names: list[str] | None = None) -> Panel:
    panel = Panel()
    for i in range(members):
        joined = rng.choice([2008, 2010, 2011, 2013])
        left = rng.choice([None, None, None, joined + 2])
        panel.members[f"K{i:02d}"] = dict(
            name=names[i] if names else f"Company {i}", type=rng.choice(TYPES),
            sector=rng.choice(SECTORS), joined=joined,
            left=left if left is None or left <= YEARS[-1] else None)
    ids = list(panel.members)
    for g in range(4):
        opened = rng.choice(list(YEARS))
        closed = rng.choice([None, min(YEARS[-1], opened + rng.randint(0, 3))])
        panel.groups.append(dict(id=f"G{g}", name=f"Group {g}", lead=rng.choice([None, *ids]),
                                 opened=opened, closed=closed))
    for g in panel.groups:
        for year in YEARS:
            if g["opened"] <= year and (g["closed"] is None or year <= g["closed"]):
                for m in ids:
                    if rng.random() < 0.3:  # members and non-members of the year alike
                        panel.participation.add((m, g["id"], year))
    for n in range(rng.randint(5, 30)):
        group = rng.choice([None, *[g for g in panel.groups]])
        day = f"{rng.choice(list(YEARS))}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
        panel.activities.append(dict(id=f"A{n}", date=day,
                                     group=group["id"] if group else None,
                                     members=rng.choice([None, rng.randint(1, 30)]),
                                     outside=rng.randint(0, 9)))
    for n in range(rng.randint(3, 14)):
        start = rng.choice(list(YEARS))
        partners = rng.sample(ids, rng.randint(1, 4))
        outside = [f"Lab {k}" for k in range(rng.randint(0 if len(partners) > 1 else 1, 2))]
        budget = rng.randint(10, 900) * 1000
        panel.projects.append(dict(id=f"P{n}", start=start,
                                   end=rng.choice([None, start, start + rng.randint(1, 4)]),
                                   members=partners, outside=outside, budget=budget,
                                   public=rng.choice([None, budget // 2])))
    for year in YEARS:
        if rng.random() < 0.8:
            panel.organisation[year] = dict(staff=rng.choice([0.5, 1, 2, 2.5]),
                                            budget=rng.randint(50, 200) * 1000,
                                            fees=rng.randint(5, 20) * 1000,
                                            public=rng.randint(20, 100) * 1000,
                                            services=rng.choice([None, rng.randint(1, 30) * 1000]))
    return panel


def loaded_store(panel: Panel) -> Store:
    store = Store(":memory:")
    for name, text in panel.files():
        if text.count("\n") < 2:  # a kind the panel has none of
            continue
        report = check_file(text.encode(), name, store)
        assert report.ok, (name, [p.text() for p in report.errors][:3])
        load_checked(report, store, "test")
    return store


def expected(panel: Panel, chosen: set[str] | None = None) -> pd.DataFrame:
    """The indicators computed directly from the panel's rows, by their definitions."""
    def selected(year: int) -> set[str]:
        return panel.active(year) & (chosen if chosen is not None else set(panel.members))
    everywhere = set().union(*(selected(y) for y in YEARS))
    projects = [p for p in panel.projects if chosen is None or set(p["members"]) & everywhere]
    rows = []
    for year in YEARS:
        active = selected(year)
        groups = [g for g in panel.groups
                  if g["opened"] <= year and (g["closed"] is None or year <= g["closed"])]
        members_of = {g["id"]: {m for (m, gid, y) in panel.participation
                                if gid == g["id"] and y == year} | ({g["lead"]} - {None})
                      for g in groups}
        taking_part = set().union(*members_of.values()) & active
        acts = [a for a in panel.activities if int(a["date"][:4]) == year]
        running = [p for p in projects
                   if p["start"] <= year and (p["end"] is None or year <= p["end"])]
        started = [p for p in projects if p["start"] == year]
        # a classification comes from a member's submissions: none, none known
        reported = set().union(*(panel.active(y) for y in YEARS))
        sector = {m: r["sector"] for m, r in panel.members.items() if m in reported}
        kind = {m: r["type"] for m, r in panel.members.items() if m in reported}
        links = set()
        for together in [p["members"] for p in running] + list(members_of.values()):
            links |= {frozenset(pair) for pair in itertools.combinations(
                sorted(set(together) & active), 2)}
        org = panel.organisation.get(year)
        income = {k: v for k, v in (org or {}).items()
                  if k in ("fees", "public", "services") and v is not None}
        rows.append({
            "year": year,
            "working_groups_active": len(groups),
            "working_groups_led_by_members": sum(g["lead"] is not None for g in groups),
            "members_in_working_groups": len(taking_part),
            "members_in_working_groups_share": len(taking_part) / len(active) if active else None,
            "activities": len(acts),
            "activity_member_participants": sum(a["members"] or 0 for a in acts),
            "activity_outside_participants": sum(a["outside"] for a in acts),
            "projects_started": len(started),
            "projects_running": len(running),
            "partners_per_project": sum(len(p["members"]) + len(p["outside"]) for p in running)
            / len(running) if running else None,
            "projects_budget_eur": sum(p["budget"] for p in started) if started else None,
            "projects_public_funding_eur": sum(p["public"] or 0 for p in started)
            if started else None,
            "coopetition_share": sum(
                len({sector[m] for m in p["members"] if m in sector})
                < len([m for m in p["members"] if m in sector]) for p in running)
            / len(running) if running else None,
            "mixed_types_share": sum(len({kind[m] for m in p["members"] if m in kind}) > 1
                                     for p in running) / len(running) if running else None,
            "network_density": len(links) / (len(active) * (len(active) - 1) / 2)
            if len(active) > 1 else None,
            "members_with_partner_share": len({m for p in running if len(p["members"]) > 1
                                               for m in p["members"]} & active) / len(active)
            if active else None,
            "staff_fte": org["staff"] if org else None,
            "cluster_budget_eur": org["budget"] if org else None,
            "fees_share": income["fees"] / sum(income.values()) if org else None,
            "public_funding_share": income["public"] / sum(income.values()) if org else None,
            "services_share": income["services"] / sum(income.values())
            if org and "services" in income else None,
            "other_income_share": None,
        })
    return pd.DataFrame(rows)


def same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    got = got.set_index("year").loc[list(YEARS), [c for c in want.columns if c != "year"]]
    want = want.set_index("year")
    for column in want.columns:
        for year in want.index:
            a, b = got.loc[year, column], want.loc[year, column]
            if b is None or pd.isna(b):
                assert a is None or pd.isna(a), (column, year, a)
            else:
                assert a == pytest.approx(float(b)), (column, year, a, b)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_indicator_matches_an_independent_computation(seed):
    rng = random.Random(seed)
    panel = random_panel(rng)
    store = loaded_store(panel)
    same(cluster_life.by_year(store), expected(panel))
    # a member filter: the projects with a partner in the selection, shares among it
    chosen = {m for m, r in panel.members.items() if r["sector"] in ("waste", "water")}
    same(cluster_life.by_year(store, Filters(sectors=("waste", "water"))),
         expected(panel, chosen))


def test_a_project_of_three_partners_is_counted_once():
    panel = Panel(members={f"K{i}": dict(name=f"C{i}", type="sme", sector="waste", joined=2010,
                                         left=None) for i in range(3)})
    panel.projects.append(dict(id="P", start=2012, end=2013, members=["K0", "K1", "K2"],
                               outside=[], budget=300000, public=100000))
    store = loaded_store(panel)
    got = cluster_life.by_year(store).set_index("year")
    assert got.loc[2012, "projects_started"] == 1 and got.loc[2013, "projects_running"] == 1
    assert got.loc[2012, "partners_per_project"] == 3
    assert got.loc[2012, "projects_budget_eur"] == 300000  # not 900,000
    assert got.loc[2014, "projects_running"] == 0
    assert got.loc[2012, "coopetition_share"] == 1  # three competitors
    assert got.loc[2012, "network_density"] == 1 and got.loc[2011, "network_density"] == 0
    # a member filter no partner is in: no project, and no error
    other = cluster_life.by_year(store, Filters(member_types=("university",)))
    assert (other["projects_running"] == 0).all() and other["coopetition_share"].isna().all()


# -- the files: checked, loaded, traced, undone ------------------------------------------
@pytest.fixture
def small() -> Store:
    panel = Panel(members={f"K{i}": dict(name=f"C{i}", type="sme", sector="waste", joined=2010,
                                         left=None) for i in range(4)})
    store = Store(":memory:")
    for name, text in panel.files()[:2]:
        load_checked(check_file(text.encode(), name, store), store, "test")
    load_checked(check_file(b"group_id,group_name,lead_member_id,opened_year,closed_year\n"
                            b"G1,Water,K1,2011,2013\n", "groups.csv", store), store, "test")
    return store


def snapshot(store: Store) -> tuple:
    return tuple(store.rows(f"SELECT count(*) FROM {t}")[0][0] for t in (
        "working_groups", "participation", "activities", "projects", "organisation", "loads"))


@pytest.mark.parametrize("name, text, row, column, words", [
    ("participation.csv", "member_id,group_id,year\nK1,G1,2012\nK9,G1,2012\n", 3, "member_id",
     "No member has this ID"),
    ("participation.csv", "member_id,group_id,year\nK1,G1,2012\nK2,G1,2014\n", 3, "year",
     "was not open that year"),
    ("participation.csv", "member_id,group_id,year\nK1,G2,2012\n", 2, "group_id",
     "No working group has this ID"),
    ("projects.csv", "project_id,title,start_year,partner_members\nP1,A,2012,K1;K2\n"
     "P2,Solo,2013,K3\n", 3, "partner_members", "at least two partners"),
    ("projects.csv", "project_id,title,start_year,partner_members\nP1,A,2012,\"K1; K7\"\n", 2,
     "partner_members", "No member has this ID"),
    ("projects.csv", "project_id,title,start_year,end_year,partner_members\nP1,A,2012,2011,K1;K2\n",
     2, "end_year", "cannot come before"),
    ("groups.csv", "group_id,group_name,lead_member_id,opened_year\nG2,Air,K8,2012\n", 2,
     "lead_member_id", "No member has this ID"),
    ("activities.csv", "activity_id,activity_date,activity_kind,group_id\nA1,31/02/2012,workshop,"
     "\n", 2, "activity_date", "not a date"),
    ("activities.csv", "activity_id,activity_date,activity_kind,group_id\nA1,2012-05-02,"
     "workshop,G7\n", 2, "group_id", "No working group"),
    ("organisation.csv", "year,staff_fte\n2012,-1\n", 2, "staff_fte", "negative"),
])
def test_a_bad_record_is_refused_with_row_and_column_and_nothing_loads(small, name, text, row,
                                                                         column, words):
    before = snapshot(small)
    report = check_file(text.encode(), name, small)
    assert not report.ok
    found = [p for p in report.errors if p.row == row and p.column == column]
    assert found and words in found[0].text(), [p.text() for p in report.errors]
    with pytest.raises(ValueError):
        load_checked(report, small, "test")
    assert snapshot(small) == before


def test_each_kind_loads_into_the_history_and_is_undone(small):
    files = {
        "participation": "member_id,group_id,year\nK1,G1,2012\nK2,G1,2012\n",
        "activities": "activity_id,date,type_activite,titre\nA1,12/03/2012,Atelier,Méthanisation\n",
        "projects": "project_id;titre;annee_debut;membres_partenaires;partenaires_externes\n"
                    "P1;Biogaz;2012;\"K1; K2\";INRAE\n",
        "organisation": "année;Équipe du cluster (ETP);Cotisations (€)\n2012;2,5;12 000\n",
    }
    for kind, text in files.items():
        report = check_file(text.encode("utf-8"), f"{kind}.csv", small)
        assert report.ok and report.kind == kind, [p.text() for p in report.errors]
        result = load_checked(report, small, "manager")
        history = small.history()
        assert history.iloc[0]["kind"] == kind and history.iloc[0]["rows_added"] == result.rows_added
    assert small.rows("SELECT staff_fte, fees_eur FROM organisation") == [(2.5, 12000)]
    assert small.rows("SELECT partner_members, outside_partners FROM projects") == [
        ("K1;K2", "INRAE")]
    assert small.rows("SELECT activity_kind, year(activity_date) FROM activities") == [
        ("workshop", 2012)]
    for load_id in small.history()["load_id"][:4]:
        small.undo(int(load_id), "manager")
    assert snapshot(small)[:5] == (1, 0, 0, 0, 0)


def test_new_years_of_a_group_warn_about_the_participation_they_leave_out(small):
    load_checked(check_file(b"member_id,group_id,year\nK1,G1,2011\nK2,G1,2013\n",
                            "participation.csv", small), small, "manager")
    report = check_file(b"group_id,group_name,opened_year,closed_year\nG1,Water,2011,2012\n",
                        "groups.csv", small)
    assert report.ok and [(p.row, p.column, p.severity) for p in report.problems] == [
        (2, "closed_year", "warning")]
    load_checked(report, small, "manager")
    year = cluster_life.by_year(small).set_index("year")
    assert year.loc[2011, "members_in_working_groups"] == 1  # K1 (the lead is no longer K1)
    assert year.loc[2013, "working_groups_active"] == 0


# -- what a funder sees -------------------------------------------------------------------
NAMES = st.lists(st.from_regex(r"[A-Z][a-z]{4,9} (Recyclage|Energie|Eaux|Bois)", fullmatch=True),
                 min_size=12, max_size=12, unique=True)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=NAMES, seed=st.integers(0, 10_000))
def test_a_funder_never_sees_a_member_name_or_id_in_the_network_or_tables(names, seed):
    """Whatever the names and the links: the funder's network, tables, chart and document
    carry no member name, ID or job figure; the manager's carry the names."""
    panel = random_panel(random.Random(seed), members=12, names=names)
    store = loaded_store(panel)
    secrets = set(names) | set(panel.members)
    for year in YEARS:
        nodes, edges = cluster_life.network_frames(store, year, names=False)
        shown = json.dumps([nodes.to_dict("records"), edges.to_dict("records"),
                            charts.collaboration_network(nodes, edges, year).to_plotly_json()],
                           default=str)
        assert not [s for s in secrets if s in shown], year
        assert set(nodes["size"].dropna()) <= {c for _l, c in cluster_life.SIZE_CLASSES}
    tables = json.dumps([cluster_life.group_table(store, names=False).to_dict("records"),
                         cluster_life.project_table(store, names=False).to_dict("records"),
                         document.cluster_life(store, Filters(), True)], default=str)
    assert not [s for s in names if s in tables]
    manager = cluster_life.network_frames(store, YEARS[-1], names=True)[0]
    assert set(manager["label"]) <= set(names)


def test_a_big_network_draws_its_project_links_only(monkeypatch):
    """Above ``BIG_NETWORK`` members the working groups' cliques would cover the chart: it
    draws the project links (and says so), while the figures count every link."""
    panel = random_panel(random.Random(5))
    store = loaded_store(panel)
    nodes, edges = cluster_life.network_frames(store, YEARS[-1])
    assert edges["drawn"].all()
    monkeypatch.setattr(cluster_life, "BIG_NETWORK", 5)
    nodes, edges = cluster_life.network_frames(store, YEARS[-1])
    assert list(edges["drawn"]) == list(edges["projects"] > 0)
    fig = charts.collaboration_network(nodes, edges, YEARS[-1])
    assert "working groups left out" in fig.layout.title.text
    drawn = sum(len([x for x in t.x if x is not None]) // 2 for t in fig.data if t.mode == "lines")
    assert drawn == int(edges["drawn"].sum())


def test_the_cluster_life_json_carries_the_issue_fields_for_the_demo_years(demo_store):
    rows = document.summary(demo_store, role="funder")["cluster_life"]["by_year"]
    assert [r["year"] for r in rows] == list(range(2009, 2016))
    for row in rows:
        for key in ("working_groups_active", "working_groups_led_by_members",
                    "members_in_working_groups_share", "activities", "projects_started",
                    "projects_running", "coopetition_share", "satisfaction_mean", "nps",
                    "satisfaction_responses"):
            assert row[key] is not None, (row["year"], key)
    # the demo as the reference case tells it: groups led by member SMEs, two staff from
    # the year the cluster became an official structure (2010)
    assert all(r["working_groups_led_by_members"] == r["working_groups_active"] for r in rows)
    assert [r["staff_fte"] for r in rows] == [0.5] + [2] * 6


def test_cluster_life_page_in_english_and_french_for_manager_and_funder(signed, demo_store):
    want = cluster_life.by_year(demo_store).set_index("year").loc[2015]
    names = {n for (n,) in demo_store.rows("SELECT member_name FROM members")}
    manager = signed("manager@cluster.eu", "app_pages/cluster_life.py")
    metrics = {m.label: m.value for m in manager.metric}
    assert metrics["Active working groups 2015"] == str(int(want["working_groups_active"]))
    assert metrics["Activities 2015"] == str(int(want["activities"]))
    assert metrics["Projects running 2015"] == str(int(want["projects_running"]))
    titles = [f["layout"]["title"]["text"] for f in figures(manager)]
    assert titles[:3] == ["Activities and working groups by year",
                          "Members taking part, by year (share of active members)",
                          "Collaborative projects by year"]
    network = next(f for f in figures(manager) if "network" in f["layout"]["title"]["text"])
    assert any(n in json.dumps(network) for n in names)
    funder = signed("funder@region.eu", "app_pages/cluster_life.py")
    page = json.dumps([f for f in figures(funder)]) + " ".join(
        str(e.value) for e in funder.dataframe) + " ".join(m.value for m in funder.markdown)
    assert not [n for n in names if n in page]
    french = signed("funder@region.eu", "app_pages/cluster_life.py", lang="fr")
    assert french.title[0].value == "Vie du cluster"
    assert "Groupes de travail actifs 2015" in {m.label for m in french.metric}
    assert not french.exception and not manager.exception and not funder.exception

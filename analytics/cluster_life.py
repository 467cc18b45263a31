"""The cluster's own life (issue 17): working groups, activities, collaborative projects,
the cluster organisation, and the collaboration network they make between members.

What the cluster does, beside what its members make: the funder's collective action
contract and the European cluster labels (ESCA, ECCP) report on it. The definitions, once:

- A working group is *active* in a year from its first to its last year (``closed_year``,
  included; open-ended while empty). It is *led by a member* when it names a lead member.
  A member *takes part* in a year when the participation list says so or it leads an
  active group.
- An activity counts in the year of its date. Activities, working groups and the
  cluster organisation are the cluster's own: the member filters (type, sector, area) do
  not change them, the years do.
- A collaborative project is counted once, whatever its number of partners. It *runs*
  from its start year to its end year (open-ended while empty). With a member filter, the
  projects counted are those with a partner member in the selection.
- *Co-opetition*: a project running that year with two member partners of the same
  sector (competitors); *mixed*: one with member partners of two member types or more
  (e.g. an SME and a lab). Both as a share of the projects running.
- The *collaboration network* of a year links two members that share a running project
  or take part in the same working group. Its density is networkx's (edges over possible
  edges) among the year's active members; a member *has a partner* when it shares a
  running project with another member.
- Members' classification (type, sector) is the one the figures use (``kpis.base_ctes``:
  the latest by default, each year's own with "as reported").

Disclosure: these are counts of the cluster's own activity, not members' business
figures, so the cells are not suppressed like turnover. What identifies a member is its
name and its size: a funder's network has no names (unless the manager turns them on,
``show_member_names``) and sizes in the EU's size classes, never jobs. Satisfaction
figures come from ``satisfaction.py``, protected there.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import pandas as pd

from . import satisfaction
from .filters import Filters
from .kpis import base_ctes, member_dim_ctes
from .schema import LIST_SEPARATOR
from .store import Store

#: The fields of ``by_year``, in the order the JSON and the report show them.
FIELDS = (
    "working_groups_active", "working_groups_led_by_members", "members_in_working_groups",
    "members_in_working_groups_share", "activities", "activity_member_participants",
    "activity_outside_participants", "projects_started", "projects_running",
    "partners_per_project", "projects_budget_eur", "projects_public_funding_eur",
    "coopetition_share", "mixed_types_share", "network_density", "members_with_partner_share",
    "staff_fte", "cluster_budget_eur", "fees_share", "public_funding_share", "services_share",
    "other_income_share",
)
SATISFACTION_FIELDS = ("satisfaction_responses", "satisfaction_response_rate",
                       "satisfaction_mean", "nps")
#: A network of more members draws its project links only.
BIG_NETWORK = 300
#: The EU's enterprise size classes by staff: what a funder sees of a member's size.
SIZE_CLASSES = ((10, "0-9"), (50, "10-49"), (250, "50-249"), (None, "250+"))
INCOME = {"fees_eur": "fees_share", "public_funding_eur": "public_funding_share",
          "services_eur": "services_share", "other_income_eur": "other_income_share"}


@dataclass
class Records:
    """Everything the indicators read, fetched once: the stored cluster-life tables, the
    members active each year within the filters (``active``), each member's
    classification, name and latest jobs (``members``)."""

    groups: pd.DataFrame
    participation: pd.DataFrame
    activities: pd.DataFrame
    projects: pd.DataFrame
    organisation: pd.DataFrame
    active: pd.DataFrame
    members: pd.DataFrame
    filtered: bool
    #: (group, year) -> its participants on the list, and year -> the active members:
    #: built once (``index``), read many times per year and group
    listed: dict[tuple[str, int], set[str]] = field(default_factory=dict)
    chosen: dict[int, set[str]] = field(default_factory=dict)
    #: the groups (id, first year, last year or None, lead or None), the projects as
    #: dicts, each year's activities (count, members, outsiders) and organisation row:
    #: plain Python, as a year's figures look them up dozens of times
    group_list: list[tuple[str, int, int | None, str | None]] = field(default_factory=list)
    project_list: list[dict[str, Any]] = field(default_factory=list)
    activity_years: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    organisation_years: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: member -> (type, sector) as the figures classify it (``_classes``)
    classes: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def index(self) -> None:
        def plain(value: Any) -> Any:
            return None if value is None or pd.isna(value) else value
        self.listed = {(g, int(y)): set(part["member_id"]) for (g, y), part in
                       self.participation.groupby(["group_id", "year"])}
        self.chosen = {int(y): set(part["member_id"]) for y, part in
                       self.active.groupby("year")}
        self.group_list = [(g, int(o), None if plain(c) is None else int(c), plain(lead))
                           for g, o, c, lead in self.groups[[
                               "group_id", "opened_year", "closed_year", "lead_member_id"]]
                           .itertuples(index=False)]
        self.project_list = [{
            "id": p.project_id, "start": int(p.start_year),
            "end": None if plain(p.end_year) is None else int(p.end_year),
            "partners": p.partners, "outside": p.outside,
            "budget": float(p.budget_eur) if plain(p.budget_eur) is not None else 0.0,
            "public": float(p.public_funding_eur) if plain(p.public_funding_eur) is not None
            else 0.0} for p in self.projects.itertuples()]
        acts = self.activities.dropna(subset=["year"])
        self.activity_years = {int(y): (len(a), int(a["member_participants"].fillna(0).sum()),
                                        int(a["outside_participants"].fillna(0).sum()))
                               for y, a in acts.groupby("year")}
        self.organisation_years = {int(r["year"]): r for r in
                                   self.organisation.to_dict("records")}

    def selection(self, year: int) -> set[str]:
        return self.chosen.get(year, set())


def records(store: Store, filters: Filters = Filters()) -> Records:
    ctes, params = base_ctes(filters)
    with store.connect() as con:
        def read(sql: str, args: Any = None) -> pd.DataFrame:
            return con.execute(sql, args).df()
        out = Records(
            groups=read("SELECT * EXCLUDE (load_id) FROM working_groups ORDER BY group_id"),
            participation=read("SELECT member_id, group_id, year FROM participation"),
            activities=read("SELECT * EXCLUDE (load_id), year(activity_date) AS year "
                            "FROM activities ORDER BY activity_date, activity_id"),
            projects=read("SELECT * EXCLUDE (load_id) FROM projects ORDER BY start_year, "
                          "project_id"),
            organisation=read("SELECT * EXCLUDE (load_id) FROM organisation ORDER BY year"),
            active=read(f"{ctes} SELECT year, member_id, member_type, sector FROM active",
                        params),
            members=read(f"""WITH {member_dim_ctes()} unused AS (SELECT 1)
                SELECT d.member_id, d.member_name, d.member_type, d.sector, j.jobs
                FROM member_dim d LEFT JOIN (
                    SELECT member_id, arg_max(jobs, year) AS jobs FROM submissions
                    WHERE jobs IS NOT NULL GROUP BY member_id) j USING (member_id)"""),
            filtered=bool(filters.member_types or filters.sectors or filters.areas))
    lo = filters.year_from if filters.year_from is not None else -1
    hi = filters.year_to if filters.year_to is not None else 10_000
    out.active = out.active[(out.active["year"] >= lo) & (out.active["year"] <= hi)]
    out.projects["partners"] = [_items(p) for p in out.projects["partner_members"]]
    out.projects["outside"] = [_items(p) for p in out.projects["outside_partners"]]
    if out.filtered:  # the projects with a partner member in the selection
        chosen = set(out.active["member_id"])
        out.projects = out.projects[pd.Series([bool(chosen & set(p)) for p in out.projects[
            "partners"]], index=out.projects.index, dtype=bool)]
    out.index()
    out.classes = _classes(out)
    return out


def _items(cell: object) -> list[str]:
    return [] if cell is None or pd.isna(cell) else str(cell).split(LIST_SEPARATOR)


def years_of(rec: Records, filters: Filters) -> list[int]:
    """The years with members or any record of the cluster's life, within the filters."""
    years = set(rec.active["year"]) | set(rec.organisation["year"]) | set(
        rec.activities["year"].dropna()) | set(rec.participation["year"]) | set(
        rec.projects["start_year"])
    lo = filters.year_from if filters.year_from is not None else -1
    hi = filters.year_to if filters.year_to is not None else 10_000
    return sorted(int(y) for y in years if lo <= y <= hi)


def groups_in(rec: Records, year: int) -> list[tuple[str, str | None]]:
    """The groups active in ``year``, each as (id, lead or None)."""
    return [(g, lead) for g, opened, closed, lead in rec.group_list
            if opened <= year and (closed is None or year <= closed)]


def participants(rec: Records, year: int) -> dict[str, set[str]]:
    """Each active group's members that year (its lead included)."""
    out: dict[str, set[str]] = {}
    for group, lead in groups_in(rec, year):
        out[group] = set(rec.listed.get((group, year), ()))
        if lead is not None:
            out[group].add(lead)
    return out


def projects_running(rec: Records, year: int) -> list[dict[str, Any]]:
    return [p for p in rec.project_list
            if p["start"] <= year and (p["end"] is None or year <= p["end"])]


def layout(graph: nx.Graph) -> dict[str, tuple[float, float]]:
    """Where each member sits in the network chart: linked members by a seeded spring layout
    in the unit square (fewer iterations for a big network: 80 at 300 members and under,
    down to 25), members without a link in a row under it (left in, they would push the
    others into a line; rows of 40)."""
    linked = graph.subgraph([n for n in graph if graph.degree(n) > 0])
    size = max(1, len(linked))
    where = {n: (float(x), float(y)) for n, (x, y) in nx.spring_layout(
        linked, seed=17, k=2.2 / size ** 0.5,
        iterations=max(25, min(80, 24_000 // size))).items()} if len(linked) else {}
    alone = sorted(n for n in graph if graph.degree(n) == 0)
    per_row = min(len(alone), 40)
    for i, n in enumerate(alone):
        where[n] = (-1 + 2 * (i % per_row + 0.5) / per_row, -1.3 - 0.15 * (i // per_row))
    return where


def network(rec: Records, year: int, detail: bool = True) -> nx.Graph:
    """The year's collaboration network: its active members (within the filters), linked
    by a running project (edge attribute ``projects``) or a shared working group
    (``groups``; without ``detail``, the links only: what the density needs). The pairs are
    gathered first and added in one call: a group of 30 makes 435 links, and networkx's
    edge-by-edge updates were most of the page's time."""
    chosen = rec.selection(year)
    links: dict[tuple[str, str], dict[str, list[str]]] = {}
    pairs: set[tuple[str, str]] = set()

    def link(members: list[str] | set[str], what: str, name: str) -> None:
        together = itertools.combinations(sorted(set(members) & chosen), 2)
        if not detail:
            pairs.update(together)
            return
        for pair in together:
            links.setdefault(pair, {"projects": [], "groups": []})[what].append(name)
    for project in projects_running(rec, year):
        link(project["partners"], "projects", project["id"])
    for group, members in participants(rec, year).items():
        link(members, "groups", group)
    graph = nx.Graph()
    graph.add_nodes_from(sorted(chosen))
    if detail:
        graph.add_edges_from((a, b, d) for (a, b), d in links.items())
    else:
        graph.add_edges_from(pairs)
    return graph


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def joins_competitors(partners: list[str], classes: dict[str, tuple[Any, Any]]) -> bool:
    """Two member partners of one sector (members without a known sector left out)."""
    sectors = [classes[m][1] for m in partners if m in classes and classes[m][1]]
    return len(sectors) != len(set(sectors))


def _year_row(rec: Records, year: int) -> dict[str, Any]:
    classes = rec.classes
    chosen = rec.selection(year)
    groups = groups_in(rec, year)
    taking_part = set().union(*participants(rec, year).values()) & chosen
    acts = rec.activity_years.get(year, (0, 0, 0))
    running = projects_running(rec, year)
    started = [p for p in rec.project_list if p["start"] == year]

    def mixed(partners: list[str]) -> bool:
        return len({classes[m][0] for m in partners if m in classes and classes[m][0]}) > 1

    with_partner = {m for p in running for m in p["partners"] if len(p["partners"]) > 1} & chosen
    graph = network(rec, year, detail=False)
    row: dict[str, Any] = {
        "year": year,
        "working_groups_active": len(groups),
        "working_groups_led_by_members": sum(lead is not None for _g, lead in groups),
        "members_in_working_groups": len(taking_part),
        "members_in_working_groups_share": _share(len(taking_part), len(chosen)),
        "activities": acts[0],
        "activity_member_participants": acts[1],
        "activity_outside_participants": acts[2],
        "projects_started": len(started),
        "projects_running": len(running),
        "partners_per_project": sum(len(p["partners"]) + len(p["outside"]) for p in running)
        / len(running) if running else None,
        "projects_budget_eur": sum(p["budget"] for p in started) if started else None,
        "projects_public_funding_eur": sum(p["public"] for p in started) if started else None,
        "coopetition_share": _share(sum(joins_competitors(p["partners"], classes)
                                        for p in running), len(running)),
        "mixed_types_share": _share(sum(mixed(p["partners"]) for p in running), len(running)),
        "network_density": nx.density(graph) if graph.number_of_nodes() > 1 else None,
        "members_with_partner_share": _share(len(with_partner), len(chosen)),
    }
    o = rec.organisation_years.get(year)
    if o is not None:
        income = {k: float(o[k]) for k in INCOME if pd.notna(o[k])}
        total = sum(income.values())
        row.update(staff_fte=float(o["staff_fte"]), cluster_budget_eur=(
            float(o["budget_eur"]) if pd.notna(o["budget_eur"]) else None),
            **{share: _share(income[k], total) if k in income else None
               for k, share in INCOME.items()})
    else:
        row.update(staff_fte=None, cluster_budget_eur=None,
                   **dict.fromkeys(INCOME.values()))
    return row


def _classes(rec: Records) -> dict[str, tuple[Any, Any]]:
    """member -> (type, sector) as the figures classify it (latest, or the filters')."""
    def known(value: Any) -> Any:  # a member with no submission has no classification
        return value if isinstance(value, str) else None
    latest = rec.active.sort_values("year").groupby("member_id").last()
    out = {m: (known(t), known(s)) for m, t, s in rec.members[[
        "member_id", "member_type", "sector"]].itertuples(index=False)}
    out.update({m: (known(r.member_type), known(r.sector)) for m, r in latest.iterrows()})
    return out


def by_year(store: Store, filters: Filters = Filters(), protect: bool = False,
            yearly: pd.DataFrame | None = None, rec: Records | None = None) -> pd.DataFrame:
    """One row per year: every indicator of ``FIELDS`` (None where there is nothing to
    say) and the members' satisfaction (``satisfaction.by_year``, protected for funders).
    ``rec``: the records of these filters when the caller read them already (a page reads
    them once for its figures and its tables)."""
    rec = records(store, filters) if rec is None else rec  # one read serves several
    frame = pd.DataFrame([_year_row(rec, y) for y in years_of(rec, filters)],
                         columns=["year", *FIELDS])
    said = satisfaction.by_year(store, filters, protect=protect, yearly=yearly)
    keep = ["year", *SATISFACTION_FIELDS, *(["confidential"] if protect else [])]
    frame = frame.merge(said[keep], on="year", how="outer").sort_values("year")
    frame["year"] = frame["year"].astype(int)
    if protect:
        frame["confidential"] = [c if isinstance(c, list) else [] for c in frame["confidential"]]
    return frame.reset_index(drop=True)


def size_class(jobs: object) -> str | None:
    if jobs is None or pd.isna(jobs):
        return None
    return next(label for limit, label in SIZE_CLASSES if limit is None or float(jobs) < limit)


def _anonymous_order(member_id: str) -> str:
    """An order for the funder's anonymous labels that says nothing of the member IDs."""
    return hashlib.sha256(member_id.encode()).hexdigest()


def network_frames(store: Store, year: int, filters: Filters = Filters(),
                   names: bool = True, rec: Records | None = None
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The year's network as two tables for the chart: nodes (label, position, type,
    sector, size, degree) and edges (the two labels, what links them, whether they are competitors).
    Without ``names`` (a funder, unless the manager turned names on) a node is "Member 7"
    and its size is its size class; its ID, name and jobs are not in the tables."""
    rec = records(store, filters) if rec is None else rec  # one read serves several
    graph = network(rec, year)
    classes = rec.classes
    info = rec.members.set_index("member_id")
    ids = sorted(graph.nodes, key=(lambda m: m) if names else _anonymous_order)
    labels = {m: (str(info.loc[m, "member_name"]) if m in info.index and pd.notna(
        info.loc[m, "member_name"]) else m) if names else f"#{i}" for i, m in enumerate(ids, 1)}
    # above BIG_NETWORK members the working groups' links (cliques of dozens) would cover the
    # chart: it draws, and lays out, the project links only (the figures count them all)
    drawn = graph if graph.number_of_nodes() <= BIG_NETWORK else graph.edge_subgraph(
        [(a, b) for a, b, d in graph.edges(data=True) if d["projects"]])
    where = layout(graph if drawn is graph else _with_nodes(drawn, graph))
    nodes = pd.DataFrame([{
        "label": labels[m], "x": where[m][0], "y": where[m][1],
        "member_type": classes.get(m, (None, None))[0],
        "sector": classes.get(m, (None, None))[1],
        "size": (float(info.loc[m, "jobs"]) if m in info.index and pd.notna(info.loc[m, "jobs"])
                 else None) if names else size_class(info.loc[m, "jobs"] if m in info.index
                                                     else None),
        "degree": graph.degree(m)} for m in ids],
        columns=["label", "x", "y", "member_type", "sector", "size", "degree"])
    edges = pd.DataFrame([{
        "a": labels[a], "b": labels[b], "projects": len(d["projects"]), "groups": len(d["groups"]),
        "competitors": bool(classes.get(a, (None, None))[1]) and
        classes.get(a, (None, None))[1] == classes.get(b, (None, None))[1],
        "drawn": drawn is graph or bool(d["projects"])}
        for a, b, d in graph.edges(data=True)],
        columns=["a", "b", "projects", "groups", "competitors", "drawn"])
    return nodes, edges


def _with_nodes(drawn: nx.Graph, graph: nx.Graph) -> nx.Graph:
    """``drawn``'s links over all of ``graph``'s members."""
    out = nx.Graph()
    out.add_nodes_from(graph.nodes)
    out.add_edges_from(drawn.edges)
    return out


def group_table(store: Store, filters: Filters = Filters(), names: bool = True,
                lang: str = "en", rec: Records | None = None) -> pd.DataFrame:
    """The working groups: name, theme, who leads it, years, members taking part in its
    latest year within the filters, activities. Without ``names`` the lead is its member
    type."""
    from .schema import vocabulary

    rec = records(store, filters) if rec is None else rec  # one read serves several
    classes = rec.classes
    info = rec.members.set_index("member_id")["member_name"].to_dict()
    years = years_of(rec, filters)
    rows = []
    for g in rec.groups.itertuples():
        last = min(int(g.closed_year) if pd.notna(g.closed_year) else max(years or [0]),
                   max(years or [0]))
        lead = g.lead_member_id if isinstance(g.lead_member_id, str) else None
        members = participants(rec, last).get(g.group_id, set()) & rec.selection(last)
        rows.append({
            "group_name": g.group_name, "theme": g.theme,
            "lead": None if lead is None else (info.get(lead) or lead) if names else
            vocabulary("member_types").label(classes.get(lead, (None,))[0], lang),
            "opened_year": int(g.opened_year),
            "closed_year": int(g.closed_year) if pd.notna(g.closed_year) else None,
            "members": len(members) if g.opened_year <= last else None,
            "activities": int((rec.activities["group_id"] == g.group_id).sum())})
    return pd.DataFrame(rows, columns=["group_name", "theme", "lead", "opened_year",
                                       "closed_year", "members", "activities"])


def project_table(store: Store, filters: Filters = Filters(), names: bool = True,
                  lang: str = "en", rec: Records | None = None) -> pd.DataFrame:
    """The collaborative projects within the filters, one row each: title, years, partners
    (member names, or their types without ``names``), outside partners, money, status,
    whether it joins competitors."""
    from .schema import vocabulary

    rec = records(store, filters) if rec is None else rec  # one read serves several
    classes = rec.classes
    info = rec.members.set_index("member_id")["member_name"].to_dict()
    types = vocabulary("member_types")
    rows = []
    for p in rec.projects.itertuples():
        rows.append({
            "project_id": p.project_id, "title": p.title, "start_year": int(p.start_year),
            "end_year": int(p.end_year) if pd.notna(p.end_year) else None,
            "partner_members": ", ".join(
                (info.get(m) or m) if names else types.label(classes.get(m, (None,))[0], lang)
                for m in p.partners),
            "outside_partners": ", ".join(p.outside),
            "partners": len(p.partners) + len(p.outside),
            "budget_eur": p.budget_eur, "public_funding_eur": p.public_funding_eur,
            "funder": p.funder,
            "status": vocabulary("project_statuses").label(p.status, lang)
            if isinstance(p.status, str) else None,
            "competitors": joins_competitors(p.partners, classes)})
    return pd.DataFrame(rows, columns=["project_id", "title", "start_year", "end_year",
                                       "partner_members", "outside_partners", "partners",
                                       "budget_eur", "public_funding_eur", "funder", "status",
                                       "competitors"])


def participation_by_member_type(store: Store, year: int, filters: Filters = Filters(),
                                 rec: Records | None = None) -> pd.DataFrame:
    """Active members and those taking part in a working group, by member type, in a year."""
    rec = records(store, filters) if rec is None else rec  # one read serves several
    taking_part = set().union(*participants(rec, year).values())
    active = rec.active[rec.active["year"] == year]
    out = active.assign(taking_part=active["member_id"].isin(taking_part)).groupby(
        "member_type", dropna=False).agg(active_members=("member_id", "count"),
                                         taking_part=("taking_part", "sum")).reset_index()
    out["share"] = out["taking_part"] / out["active_members"]
    return out

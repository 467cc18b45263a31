"""Write the demo cluster's files into data/demo/ (seeded: the same files every time).

A fictional 30-member environmental cluster, 2009-2015: SMEs of many sizes, two large
companies, a university, engineering schools, research labs with no turnover, a
technology transfer centre, a training body and a competitiveness cluster; members join
in later years, two leave, two skip a year (non-response). All members' totals are
exactly EUR 50,000,000 and 500 jobs in 2009, EUR 70,000,000 and 700 jobs in 2015.

Years 2009-2011 are written as a French spreadsheet saves them (cp1252, ';', decimal
comma, spaces as thousands separators), later years as UTF-8 CSV, so the demo exercises
the same reader that members' files go through.

Run: python scripts/make_demo_data.py
"""

from __future__ import annotations

import csv
import random
import re
import sys
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "data" / "demo"
YEARS = list(range(2009, 2016))
TARGETS = {2009: (Decimal(50_000_000), Decimal(500)), 2015: (Decimal(70_000_000), Decimal(700))}
FRENCH_YEARS = {2009, 2010, 2011}

# id, name, type, sector, area, joined, left (no figures from that year on), base jobs
MEMBERS = [
    ("M01", "Ondivert Recyclage", "sme", "waste", "87", 2006, None, 42),
    ("M02", "Sylvatek Bois Energie", "sme", "forest", "19", 2006, None, 28),
    ("M03", "Hydrolis Services", "sme", "water", "87", 2006, None, 35),
    ("M04", "Brisaval Ingenierie", "sme", "consulting", "87", 2006, None, 12),
    ("M05", "Calorique Habitat", "sme", "energy_efficiency", "23", 2007, None, 22),
    ("M06", "Aerovia Mesures", "sme", "air_climate", "87", 2007, None, 9),
    ("M07", "Terrassol Depollution", "sme", "soil_water", "19", 2007, None, 18),
    ("M08", "Phonema Acoustique", "sme", "noise", "87", 2008, None, 6),
    ("M09", "Solaris Creuse", "sme", "renewables", "23", 2008, None, 15),
    ("M10", "Epurex Stations", "sme", "wastewater", "87", 2006, None, 31),
    ("M11", "Verdaline Paysages", "sme", "biodiversity", "19", 2008, None, 11),
    ("M12", "Recytal Plastiques", "sme", "waste", "87", 2006, 2012, 14),
    ("M13", "Thermivert Reseaux", "sme", "energy_efficiency", "87", 2008, None, 24),
    ("M14", "Granulis Biomasse", "sme", "forest", "19", 2009, None, 8),
    ("M15", "Aquanova Controle", "sme", "water", "86", 2009, None, 7),
    ("M16", "Groupe Valmetal Environnement", "large_company", "waste", "87", 2006, None, 120),
    ("M17", "Hydrauval Industries", "large_company", "wastewater", "24", 2006, None, 95),
    ("M18", "Universite du Plateau", "university", "env_rd", "87", 2006, None, 25),
    ("M19", "Ecole d'ingenieurs Vienne-Briance", "engineering_school", "env_rd", "87", 2006, None, 12),
    ("M20", "Laboratoire Eaux et Sols", "research_lab", "soil_water", "87", 2006, None, 14),
    ("M21", "Laboratoire Bois et Climat", "research_lab", "forest", "19", 2007, 2014, 9),
    ("M22", "Centre de transfert Ecotech", "tech_transfer", "consulting", "87", 2006, None, 8),
    ("M23", "Pole Eco-Industries Centre-Ouest", "competitiveness_cluster", "consulting", "86", 2006, None, 4),
    ("M24", "Formavert Limousin", "training_body", "consulting", "87", 2010, None, 6),
    ("M25", "Methavia", "sme", "renewables", "23", 2010, None, 5),
    ("M26", "Ecole superieure Genie Vert", "engineering_school", "energy_efficiency", "19", 2011, None, 10),
    ("M27", "Lumivent", "sme", "renewables", "87", 2011, None, 4),
    ("M28", "Compostia", "sme", "waste", "23", 2012, None, 6),
    ("M29", "Isolterre", "sme", "energy_efficiency", "87", 2013, None, 5),
    ("M30", "Captair Solutions", "sme", "air_climate", "19", 2014, None, 3),
]
SKIPPED = {("M11", 2012), ("M07", 2013)}  # members that did not send figures that year
NO_TURNOVER = {"university", "research_lab"}
TURNOVER_PER_JOB = {"sme": (70_000, 140_000), "large_company": (110_000, 160_000),
                    "engineering_school": (40_000, 60_000), "tech_transfer": (50_000, 80_000),
                    "competitiveness_cluster": (60_000, 90_000), "training_body": (50_000, 70_000)}


def raw_panel(rng: random.Random) -> list[dict]:
    rows = []
    for mid, name, mtype, sector, area, joined, left, jobs0 in MEMBERS:
        growth = rng.uniform(0.0, 0.09) if mtype != "large_company" else rng.uniform(0.01, 0.04)
        per_job = rng.uniform(*TURNOVER_PER_JOB.get(mtype, (0, 0)))
        first = max(joined, YEARS[0])
        for year in YEARS:
            if year < first or (left and year >= left) or (mid, year) in SKIPPED:
                continue
            jobs = jobs0 * (1 + growth) ** (year - first) * rng.uniform(0.97, 1.03)
            turnover = None if mtype in NO_TURNOVER else jobs * per_job * rng.uniform(0.95, 1.05)
            rows.append(dict(member_id=mid, member_name=name, member_type=mtype, sector=sector,
                             area=area, year=year, turnover_eur=turnover, jobs=jobs))
    return rows


def scale_to_targets(rows: list[dict]) -> None:
    """Scale each year so the end years hit the targets exactly, years between smoothly."""
    def totals(year: int, key: str) -> Decimal:
        return sum((Decimal(str(r[key])) for r in rows if r["year"] == year and r[key] is not None),
                   Decimal(0))

    factors = {}
    for i, key in enumerate(("turnover_eur", "jobs")):
        f0 = TARGETS[2009][i] / totals(2009, key)
        f1 = TARGETS[2015][i] / totals(2015, key)
        for year in YEARS:
            t = (year - 2009) / (2015 - 2009)
            factors[(year, key)] = float(f0) ** (1 - t) * float(f1) ** t
    for r in rows:
        for key, step in (("turnover_eur", Decimal(1)), ("jobs", Decimal("0.5"))):
            if r[key] is not None:
                value = Decimal(str(r[key] * factors[(r["year"], key)]))
                r[key] = (value / step).quantize(Decimal(1), ROUND_HALF_UP) * step
    for year in (2009, 2015):  # rounding residue goes to the largest member of the year
        for i, key in enumerate(("turnover_eur", "jobs")):
            largest = max((r for r in rows if r["year"] == year and r[key] is not None),
                          key=lambda r: r[key])
            largest[key] += TARGETS[year][i] - totals(year, key)


def add_optional(rows: list[dict], rng: random.Random) -> None:
    shares = {r[0]: rng.uniform(0.0, 0.35) for r in MEMBERS}
    for r in rows:
        company = r["member_type"] in ("sme", "large_company")
        t = r["turnover_eur"]
        r["export_turnover_eur"] = (t * Decimal(str(round(shares[r["member_id"]], 3)))).quantize(
            Decimal(1)) if company and t is not None else None
        if t is not None and company:
            r["rd_spend_eur"] = (t * Decimal(str(round(rng.uniform(0.01, 0.08), 3)))).quantize(Decimal(1))
        elif r["member_type"] in NO_TURNOVER:
            r["rd_spend_eur"] = Decimal(int(r["jobs"] * 70_000))
        else:
            r["rd_spend_eur"] = None
        r["rd_jobs"] = (r["jobs"] * Decimal("0.9") if r["member_type"] in NO_TURNOVER
                        else (r["jobs"] * Decimal(str(round(rng.uniform(0, 0.15), 2))))
                        ).quantize(Decimal("0.5"))
        r["training_hours"] = (r["jobs"] * rng.randint(6, 20)).quantize(Decimal(1))
        r["collaborative_projects"] = rng.randint(0, 4)


def french_number(value: Decimal | int | None) -> str:
    if value is None:
        return ""
    text = f"{value:,.2f}" if Decimal(value) % 1 else f"{int(value):,}"
    text = text.replace(",", "\u00a0").replace(".", ",")
    return text


#: The funder's targets of the reference case's collective action contract.
TARGETS_FILE = """indicator,kind,year,value,note
turnover_eur,baseline,2009,50000000,Collective action contract 2009-2018
turnover_eur,milestone,2015,70000000,Mid-term review
turnover_eur,target,2018,80000000,End of contract
jobs,baseline,2009,500,Collective action contract 2009-2018
jobs,milestone,2015,700,Mid-term review
jobs,target,2018,800,End of contract
members,target,2018,35,Membership growth
"""


def slug(name: str) -> str:
    """'Ondivert Recyclage' -> 'ondivert-recyclage' (the demo's contact addresses)."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def write_files(rows: list[dict]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.csv"):
        old.unlink()
    (OUT / "targets.csv").write_text(TARGETS_FILE, encoding="utf-8")
    with open(OUT / "members.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["member_id", "member_name", "joined_year", "left_year", "email"])
        for mid, name, *_rest in MEMBERS:
            joined, left = _rest[3], _rest[4]
            w.writerow([mid, name, joined, left or "", f"contact@{slug(name)}.example"])
    english = ["member_id", "member_name", "member_type", "sector", "area", "year", "turnover_eur",
               "jobs", "export_turnover_eur", "rd_spend_eur", "rd_jobs", "training_hours",
               "collaborative_projects"]
    french = ["Identifiant", "Nom", "Type de membre", "Secteur", "Département", "Année",
              "Chiffre d'affaires (€)", "Effectif (ETP)", "CA export (€)", "Dépenses R&D (€)",
              "Effectif R&D (ETP)", "Heures de formation", "Projets collaboratifs"]
    for year in YEARS:
        year_rows = [r for r in rows if r["year"] == year]
        if year in FRENCH_YEARS:
            with open(OUT / f"submissions_{year}.csv", "w", encoding="cp1252", newline="") as fh:
                w = csv.writer(fh, delimiter=";")
                w.writerow(french)
                for r in year_rows:
                    w.writerow([r["member_id"], r["member_name"], r["member_type"].upper()
                                if r["member_type"] == "sme" else r["member_type"], r["sector"],
                                r["area"], year, *(french_number(r[k]) for k in english[6:])])
        else:
            with open(OUT / f"submissions_{year}.csv", "w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(english)
                for r in year_rows:
                    w.writerow([("" if r[k] is None else r[k]) for k in english])


COMMENTS = ("More meetings on public tenders, please.", "Plus de visites de sites.",
            "The export club is very useful.", "Trop de réunions en semaine.",
            "Keep the newsletter short.")


def write_satisfaction(rows: list[dict]) -> None:
    """The yearly satisfaction survey (issue 17): about two members in three answer; the
    scores rise once the cluster has its two permanent staff (2012). Its own random stream,
    so the figures above stay as they are."""
    rng = random.Random(2012)
    with open(OUT / "satisfaction.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["member_id", "year", "satisfaction", "services_score", "events_score",
                    "comment"])
        for r in sorted(rows, key=lambda r: (r["year"], r["member_id"])):
            if rng.random() > 0.65:
                continue
            base = 7.3 + (1.1 if r["year"] >= 2012 else 0.0)

            def score(shift: float = 0.0, base: float = base) -> int:
                return max(0, min(10, round(rng.gauss(base + shift, 1.6))))
            w.writerow([r["member_id"], r["year"], score(), score(0.3),
                        score(-0.4) if rng.random() < 0.8 else "",
                        rng.choice(COMMENTS) if rng.random() < 0.15 else ""])


# -- cluster life (issue 17) -------------------------------------------------------------
# Working groups led by member SMEs (the reference case): id, name, theme, lead, opened,
# closed (last year).
WORKING_GROUPS = [
    ("GT-DECHETS", "Valorisation des déchets", "Circular economy, recycling", "M01", 2009, None),
    ("GT-EAU", "Eau et assainissement", "Drinking water and wastewater", "M03", 2009, None),
    ("GT-BOIS", "Bois-énergie", "Wood fuel supply chains", "M02", 2010, 2013),
    ("GT-BATIMENT", "Énergie et bâtiment", "Energy efficiency of buildings", "M13", 2011, None),
    ("GT-EXPORT", "Club export", "Trade fairs and markets abroad", "M04", 2012, None),
]
#: Which sectors a working group draws its members from (the lead always takes part).
GROUP_SECTORS = {"GT-DECHETS": {"waste", "soil_water", "consulting"},
                 "GT-EAU": {"water", "wastewater", "soil_water", "env_rd"},
                 "GT-BOIS": {"forest", "renewables"},
                 "GT-BATIMENT": {"energy_efficiency", "renewables", "air_climate", "noise"},
                 "GT-EXPORT": set()}
# Collaborative projects, 2009-2015: id, title, start, end, lead, member partners, outside
# partners, budget, public funding, funder, status. Some join competitors (same sector),
# some an SME and a lab.
PROJECTS = [
    ("METHACOL", "Collective biogas unit", 2009, 2011, "M01", "M01;M16;M20", "", 850000,
     340000, "FEDER", "completed"),
    ("EAUSURE", "Leak detection for small water networks", 2009, 2012, "M03", "M03;M10;M18",
     "INRAE", 620000, 300000, "ANR", "completed"),
    ("BOISSEC", "Wood chip drying", 2010, 2012, "M02", "M02;M14", "CRITT Bois", 280000, 120000,
     "Région", "completed"),
    ("RECYPLAST", "Recycled plastic pallets", 2010, 2013, "M12", "M12;M01;M16", "", 540000,
     200000, "ADEME", "completed"),
    ("THERMOLOG", "Monitoring of district heating", 2011, 2014, "M13", "M13;M09;M19",
     "Pôle Derbi", 460000, 210000, "Région", "completed"),
    ("SOLCREUSE", "Solar farm on a closed landfill", 2011, 2013, "M09", "M09;M25", "", 390000,
     90000, "Région", "completed"),
    ("PHYTOSOL", "Phytoremediation of brownfields", 2012, 2015, "M07", "M07;M20;M22",
     "BRGM", 710000, 380000, "ADEME", "completed"),
    ("ACOUSTIBAT", "Acoustic insulation from recycled fibres", 2012, 2014, "M08",
     "M08;M29;M19", "", 300000, 150000, "FUI", "completed"),
    ("EPURVERT", "Reed-bed treatment for villages", 2013, 2016, "M10", "M10;M17;M18",
     "Agence de l'eau", 920000, 460000, "Agence de l'eau", "running"),
    ("EXPOMAROC", "Water services for Morocco", 2013, 2015, "M17", "M17;M03;M04",
     "Cluster Eau Maroc", 250000, 100000, "Business France", "completed"),
    ("COMPOST+", "Green waste compost for farms", 2014, 2016, "M28", "M28;M01", "", 180000,
     60000, "Région", "running"),
    ("AIRSENS", "Low-cost air quality sensors", 2015, 2017, "M06", "M06;M18",
     "Atmo Nouvelle-Aquitaine", 480000, 240000, "H2020", "running"),
]
#: The cluster organisation: staff (FTE) and money, EUR. An association with a part-time
#: coordinator until the State labelled it in 2010; two permanent staff from then on.
ORGANISATION = {2009: (0.5, 60000), 2010: (2.0, 150000), 2011: (2.0, 160000),
                2012: (2.0, 165000), 2013: (2.0, 170000), 2014: (2.0, 175000),
                2015: (2.0, 180000)}
ACTIVITY_TITLES = {"meeting": "Réunion", "workshop": "Atelier", "training": "Formation",
                   "trade_fair": "Salon Pollutec", "study_visit": "Visite de site",
                   "conference": "Rencontres éco-industries"}
ACTIVITY_KINDS = tuple(ACTIVITY_TITLES)


def write_cluster_life(rows: list[dict]) -> None:
    """Working groups, their members by year, activities, collaborative projects and the
    cluster organisation, coherent with the members' years. Its own random stream."""
    rng = random.Random(2010)
    members = {(r["member_id"], r["year"]): r for r in rows}
    sectors = {m[0]: m[3] for m in MEMBERS}
    kinds = {m[0]: m[2] for m in MEMBERS}
    spans = {m[0]: (max(m[5], YEARS[0]), m[6]) for m in MEMBERS}

    def member_in(mid: str, year: int) -> bool:
        first, left = spans[mid]
        return first <= year and (left is None or year < left)

    with open(OUT / "working_groups.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["group_id", "group_name", "theme", "lead_member_id", "opened_year",
                    "closed_year"])
        for gid, name, theme, lead, opened, closed in WORKING_GROUPS:
            w.writerow([gid, name, theme, lead, opened, closed or ""])
    with open(OUT / "participation.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["member_id", "group_id", "year"])
        for gid, _name, _theme, lead, opened, closed in WORKING_GROUPS:
            for year in YEARS:
                if year < opened or (closed and year > closed):
                    continue
                for mid, *_rest in MEMBERS:
                    if not member_in(mid, year):
                        continue
                    near = sectors[mid] in GROUP_SECTORS[gid] or (
                        not GROUP_SECTORS[gid] and kinds[mid] in ("sme", "large_company")
                        and rng.random() < 0.5)
                    if mid == lead or rng.random() < (0.7 if near else 0.08):
                        w.writerow([mid, gid, year])
    with open(OUT / "activities.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["activity_id", "activity_date", "activity_kind", "title", "group_id",
                    "member_participants", "outside_participants"])
        number = 0
        for year in YEARS:
            groups = [g[0] for g in WORKING_GROUPS if g[4] <= year and not (g[5] and year > g[5])]
            for _ in range(6 + 2 * (year - YEARS[0]) + rng.randint(0, 3)):
                number += 1
                kind = rng.choice(ACTIVITY_KINDS)
                group = rng.choice(groups) if kind in ("meeting", "workshop") and groups else ""
                day = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                w.writerow([f"A{number:03d}", day, kind,
                            f"{ACTIVITY_TITLES[kind]} {group}".strip(), group, rng.randint(4, 25),
                            rng.randint(0, 30) if kind in ("conference", "trade_fair",
                                                           "training") else 0])
    with open(OUT / "projects.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["project_id", "title", "start_year", "end_year", "lead_member_id",
                    "partner_members", "outside_partners", "budget_eur", "public_funding_eur",
                    "funder", "status"])
        for project in PROJECTS:
            w.writerow(project)
    with open(OUT / "organisation.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["year", "staff_fte", "budget_eur", "fees_eur", "public_funding_eur",
                    "services_eur", "other_income_eur"])
        for year, (staff, budget) in ORGANISATION.items():
            fees = 500 * sum(1 for (_m, y) in members if y == year)
            services = int(round(budget * (0.05 + 0.02 * (year - YEARS[0])), -2))
            w.writerow([year, staff, budget, fees, budget - fees - services - 2000, services,
                        2000])


def main() -> None:
    rng = random.Random(2009)
    rows = raw_panel(rng)
    scale_to_targets(rows)
    add_optional(rows, rng)
    if sys.argv[1:] == ["--satisfaction-only"]:  # the files written before it stay as they are
        write_satisfaction(rows)
        return
    write_files(rows)
    write_satisfaction(rows)
    write_cluster_life(rows)
    for year in (2009, 2015):
        t = sum(r["turnover_eur"] for r in rows if r["year"] == year and r["turnover_eur"] is not None)
        j = sum(r["jobs"] for r in rows if r["year"] == year)
        print(year, t, j)


if __name__ == "__main__":
    main()

"""The one definition of what a submission file holds.

Columns, their SQL types, the header aliases accepted in English and French, and the
reference lists (member types, sectors, areas): shipped as the CSV files in ``data/``,
stored in each database (``REFERENCE``, editable by the cluster) and put in force by the
store that opens it (``use_lists``).
Everything else (ingest, store DDL, templates, the README table) is derived from here.
"""

from __future__ import annotations

import csv
import re
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Literal

from .i18n import LANGUAGES, N_, gettext

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

Kind = Literal["text", "code", "year", "money", "quantity", "count", "decimal", "flag", "date",
               "list"]

#: SQL type of each kind of column. Money is exact to the cent; quantities (FTE, hours)
#: keep two decimals; counts are whole numbers.
SQL_TYPES: dict[str, str] = {
    "text": "VARCHAR",
    "code": "VARCHAR",
    "year": "INTEGER",
    "money": "DECIMAL(18,2)",
    "quantity": "DECIMAL(14,2)",
    "count": "INTEGER",
    "decimal": "DECIMAL(18,4)",
    "flag": "BOOLEAN",
    "date": "DATE",
    # several values in one cell ("M001; M004"), stored as one text joined by LIST_SEPARATOR
    "list": "VARCHAR",
}
#: How a list cell's values are stored (a file may separate them by ; , | or a line break).
LIST_SEPARATOR = ";"
NUMERIC_KINDS = ("year", "money", "quantity", "count", "decimal")
MAX_DECIMALS = {"money": 2, "quantity": 2, "count": 0, "year": 0, "decimal": 4}
FIRST_YEAR = 1990


@dataclass(frozen=True)
class Column:
    """One canonical column of an upload."""

    name: str
    kind: Kind
    label: str
    description: str
    aliases: tuple[str, ...] = ()
    required: bool = True  # the column must be in the file
    value_required: bool = True  # every row must have a value
    vocabulary: str | None = None  # for kind == "code": name of the reference list
    years_ahead: int = 0  # for kind == "year": how far after the current year is allowed
    max_value: int | None = None  # for a score: the highest value allowed (0 is the lowest)

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.kind]

    def accepted_headers(self) -> set[str]:
        """The name, its aliases and its label in every language (so a template written in
        French reads back)."""
        labels = [gettext(self.label, lang) for lang in LANGUAGES]
        return {normalise_header(h) for h in (self.name, *self.aliases, *labels)}

    def header(self, lang: str = "en") -> str:
        """The column's header in a template: the code name in English (what other
        programs write), the label in other languages."""
        return self.name if lang == "en" else gettext(self.label, lang)


@dataclass(frozen=True)
class TableSpec:
    """A kind of upload: the columns it holds and the key a resubmission replaces."""

    name: str
    label: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    marker: str  # a column only this kind of file has, used to tell files apart

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


SUBMISSIONS = TableSpec(
    name="submissions",
    label=N_("member submissions"),
    key=("member_id", "year"),
    marker="year",
    columns=(
        Column("member_id", "text", N_("Member ID"), N_("The member's identifier, stable across years."),
               ("id", "member", "member_code", "id_membre", "membre_id", "identifiant",
                "code_membre", "numero_adherent", "adherent")),
        Column("member_name", "text", N_("Member name"), N_("The member's name."),
               ("name", "nom", "nom_membre", "raison_sociale", "organisation", "organization",
                "entreprise", "societe")),
        Column("member_type", "code", N_("Member type"), N_("SME, university, research lab, ..."),
               ("type", "type_de_membre", "type_membre", "categorie", "category",
                "categorie_de_membre"), vocabulary="member_types"),
        Column("sector", "code", N_("Sector"), N_("The member's main environmental activity."),
               ("secteur", "filiere", "activite", "domaine", "activity"),
               vocabulary="sectors"),
        Column("area", "code", N_("Area"),
               N_("Where the member is based: a value of the cluster's list of areas."),
               ("departement", "dept", "territoire", "zone", "region", "department",
                "territory"), vocabulary="areas"),
        Column("year", "year", N_("Year"), N_("The year the figures are for."),
               ("annee", "exercice", "fiscal_year", "annee_fiscale")),
        Column("turnover_eur", "money", N_("Turnover (EUR)"),
               N_("Annual turnover in euros; empty when the member has none (e.g. a lab)."),
               ("turnover", "revenue", "sales", "chiffre_affaires", "chiffre_d_affaires",
                "ca", "ca_eur", "ca_ht"), value_required=False),
        Column("jobs", "quantity", N_("Jobs (FTE)"), N_("Jobs in full-time equivalents."),
               ("fte", "employees", "staff", "headcount", "effectif", "effectifs", "etp",
                "emplois", "effectif_etp", "salaries"), value_required=False),
        Column("export_turnover_eur", "money", N_("Export turnover (EUR)"),
               N_("Part of the turnover made outside France."),
               ("export_turnover", "exports", "ca_export", "chiffre_affaires_export",
                "chiffre_d_affaires_export", "ca_a_l_export"),
               required=False, value_required=False),
        Column("rd_spend_eur", "money", N_("R&D spend (EUR)"), N_("Research and development spending."),
               ("rd_spend", "r_d_spend", "rd", "depenses_rd", "depenses_r_d", "depenses_de_r_d",
                "budget_rd"), required=False, value_required=False),
        Column("rd_jobs", "quantity", N_("R&D jobs (FTE)"), N_("Jobs in R&D, full-time equivalents."),
               ("r_d_jobs", "effectif_rd", "effectif_r_d", "etp_rd", "etp_r_d", "emplois_rd"),
               required=False, value_required=False),
        Column("training_hours", "quantity", N_("Training hours"), N_("Hours of staff training."),
               ("training", "heures_formation", "heures_de_formation", "formation_heures"),
               required=False, value_required=False),
        Column("collaborative_projects", "count", N_("Collaborative projects"),
               N_("Collaborative projects the member took part in."),
               ("projects", "projets_collaboratifs", "projets", "nb_projets_collaboratifs"),
               required=False, value_required=False),
    ),
)

MEMBERS = TableSpec(
    name="members",
    label=N_("member list"),
    key=("member_id",),
    marker="joined_year",
    columns=(
        SUBMISSIONS.column("member_id"),
        Column("member_name", "text", N_("Member name"), N_("The member's name."),
               SUBMISSIONS.column("member_name").aliases, required=False, value_required=False),
        Column("joined_year", "year", N_("Joined in"), N_("First year as a member."),
               ("joined", "join_year", "annee_adhesion", "adhesion", "annee_d_adhesion",
                "entree", "annee_entree")),
        Column("left_year", "year", N_("Left in"),
               N_("Year the member left (no figures expected from that year on); empty if still a member."),
               ("left", "exit_year", "annee_sortie", "sortie", "annee_de_sortie", "depart"),
               required=False, value_required=False),
        Column("email", "text", N_("Contact e-mail"),
               N_("Who to remind when the member's figures are due (seen by the manager only)."),
               ("e_mail", "mail", "courriel", "adresse_mail", "adresse_e_mail", "contact",
                "email_contact", "mel"), required=False, value_required=False),
    ),
)

TARGETS = TableSpec(
    name="targets",
    label=N_("indicator targets"),
    key=("indicator", "kind", "year"),
    marker="indicator",
    columns=(
        Column("indicator", "code", N_("Indicator"), N_("Which indicator (e.g. jobs, turnover_eur)."),
               ("indicateur", "kpi"), vocabulary="indicators"),
        Column("kind", "code", N_("Kind"), N_("baseline, milestone or target."),
               ("type", "nature", "type_de_valeur"), vocabulary="target_kinds"),
        Column("year", "year", N_("Year"), N_("The year the value is for."), ("annee", "echeance"),
               years_ahead=30),
        Column("value", "decimal", N_("Value"), N_("The value, in the indicator's unit."),
               ("valeur", "objectif", "montant")),
        Column("note", "text", N_("Note"), N_("Where the value comes from."),
               ("commentaire", "source", "remarque"), required=False, value_required=False),
    ),
)

#: The cluster's settings, stored like any table (every change traced and undoable, and a
#: change rebuilds what depends on it in the same transaction): see ``store.setting``.
SETTINGS = TableSpec(
    name="settings",
    label=N_("cluster settings"),
    key=("key",),
    marker="setting",
    columns=(
        Column("key", "text", N_("Setting"), N_("Which setting.")),
        Column("value", "text", N_("Value"), N_("Its value.")),
    ),
)
#: Each setting's default, used until the cluster sets its own.
SETTING_DEFAULTS: dict[str, int] = {
    # the estimated view carries a member's last reported values forward this many years
    "carry_forward_years": 2,
    # a year still collecting is offered for closing once this share of members (%) responded
    "close_at_response_rate": 90,
    # the year growth is measured from when the user names none (0: the first year with figures)
    "baseline_year": 0,
    # confidentiality (publication.py): a cell from fewer members, or where one member makes
    # more than this share (%), is hidden; no hidden value may be narrowed to within this
    # share (%) of itself by a solver. A cluster may make them stricter, never looser.
    "confidential_min_members": 3,
    "confidential_max_share": 85,
    "confidential_protection": 10,
    # a satisfaction figure is shown to funders only from this many answers (a survey standard)
    "satisfaction_min_answers": 5,
    # 1: funders see member names in the cluster-life network and tables (the manager's
    # choice; by default a funder sees "#7" and a member type, never a name)
    "show_member_names": 0,
}
#: The values a setting may take (inclusive): confidentiality only stricter than the defaults.
SETTING_LIMITS: dict[str, tuple[int, int]] = {
    "carry_forward_years": (0, 10), "close_at_response_rate": (0, 100),
    "baseline_year": (0, 2100),
    "confidential_min_members": (3, 100), "confidential_max_share": (1, 85),
    "confidential_protection": (10, 100), "satisfaction_min_answers": (5, 100),
    "show_member_names": (0, 1),
}

#: The cluster's own details, as text (the report pack's title page, the Settings page).
TEXT_SETTINGS: dict[str, str] = {
    "cluster_name": "", "description": "", "region": "", "country": "", "funder_name": "",
    "currency": "EUR",
}
#: Currencies the figures may be in (amounts are stored as sent; no conversion).
CURRENCIES = ("EUR",)
MAX_SETTING_LENGTH = 300

#: The yearly collection campaign (``collection.py``): a year is *collecting* from its first
#: submission (no row here) or from when the manager opens it, *closed* when the manager
#: closes it. Stored like any table, so opening and closing are traced and undoable.
COLLECTION = TableSpec(
    name="collection",
    label=N_("collection campaign"),
    key=("year",),
    marker="status",
    columns=(
        Column("year", "year", N_("Year"), N_("The year the figures are for.")),
        Column("status", "text", N_("Status"), N_("collecting or closed.")),
        Column("deadline", "text", N_("Deadline"), N_("When the figures are due (YYYY-MM-DD)."),
               value_required=False),
    ),
)

#: The reference lists a cluster edits (Settings page, ``lists`` on the command line), in
#: one table: each list's codes with an English and a French label, and what follows from
#: a code (a sector's CEPA/CReMA class, a member type's SME and enterprise flags).
REFERENCE_LISTS = ("areas", "sectors", "member_types")
REFERENCE = TableSpec(
    name="reference",
    label=N_("reference lists"),
    key=("list", "code"),
    marker="list",
    columns=(
        Column("list", "text", N_("List"), N_("areas, sectors or member_types."),
               ("liste", "reference_list", "liste_de_reference", "referentiel")),
        Column("code", "text", N_("Code"), N_("What files write (a code, or a name)."),
               ("identifiant", "id", "valeur", "value")),
        Column("label_en", "text", N_("English label"), N_("The name shown in English."),
               ("english", "english_label", "label", "name", "name_en", "en", "libelle_anglais",
                "libelle_en", "nom_anglais", "anglais")),
        Column("label_fr", "text", N_("French label"), N_("The name shown in French."),
               ("french", "french_label", "name_fr", "fr", "libelle", "libelle_francais",
                "libelle_fr", "nom", "nom_francais", "francais")),
        Column("egss_code", "text", N_("CEPA/CReMA code"),
               N_("Sectors: the environmental activity class (e.g. CEPA 3, CReMA 13A)."),
               ("cepa_crema", "code_cepa_crema", "cepa_crema_code", "egss", "code_egss",
                "classe", "classe_cepa_crema"), required=False, value_required=False),
        Column("egss_group", "text", N_("CEPA or CReMA"),
               N_("Sectors: CEPA (protection) or CReMA (resource management)."),
               ("group", "groupe", "famille", "cepa_or_crema", "cepa_ou_crema"),
               required=False, value_required=False),
        Column("is_sme", "flag", N_("SME"), N_("Member types: an SME (yes or no)."),
               ("sme", "pme", "est_pme", "is_pme"), required=False, value_required=False),
        Column("is_enterprise", "flag", N_("Enterprise"),
               N_("Member types: an enterprise, SME or not (yes or no)."),
               ("enterprise", "entreprise", "est_entreprise", "is_company", "company"),
               required=False, value_required=False),
    ),
)

#: The main measures as nouns in a sentence ("3 rows have no turnover").
MEASURE_NOUNS = {"turnover_eur": N_("turnover"), "jobs": N_("jobs")}
#: The members' satisfaction with the cluster (issue 17): one answer per member and year,
#: sent in a file by the manager or typed by the member on its page (a new answer replaces
#: its own). Scores from 0 to 10: the overall one gives the Net Promoter Score.
SATISFACTION = TableSpec(
    name="satisfaction",
    label=N_("satisfaction answers"),
    key=("member_id", "year"),
    marker="satisfaction",
    columns=(
        SUBMISSIONS.column("member_id"),
        Column("year", "year", N_("Year"), N_("The year the answer is about."),
               ("annee", "exercice")),
        Column("satisfaction", "count", N_("Overall satisfaction (0-10)"),
               N_("How likely the member is to recommend the cluster, from 0 to 10."),
               ("overall", "overall_satisfaction", "satisfaction_globale", "note_globale",
                "recommandation", "nps"), max_value=10),
        Column("services_score", "count", N_("Services (0-10)"),
               N_("The cluster's services: information, support, introductions."),
               ("services", "note_services", "satisfaction_services"), required=False,
               value_required=False, max_value=10),
        Column("events_score", "count", N_("Events (0-10)"),
               N_("Meetings, workshops, trade fairs and visits."),
               ("events", "activities", "note_evenements", "evenements",
                "satisfaction_evenements"), required=False, value_required=False, max_value=10),
        Column("comment", "text", N_("Comment"),
               N_("What the member would like (seen by the manager only)."),
               ("commentaire", "remarque", "suggestion"), required=False, value_required=False),
    ),
)

#: -- Cluster life (issue 17): the cluster's own working groups, activities, collaborative
#: projects and organisation, loaded like submissions. A file's kind is told by its marker
#: column, so a marker's headers are never a column of a kind tried after it (tested).
GROUP_ID = Column("group_id", "text", N_("Working group ID"),
                  N_("The working group's identifier, as in the list of working groups."),
                  ("working_group_id", "id_groupe", "code_groupe", "groupe_id", "id_gt",
                   "gt"))
WORKING_GROUPS = TableSpec(
    name="working_groups",
    label=N_("working groups"),
    key=("group_id",),
    marker="group_name",
    columns=(
        GROUP_ID,
        Column("group_name", "text", N_("Working group"), N_("The working group's name."),
               ("working_group_name", "nom_du_groupe", "nom_groupe", "nom_du_groupe_de_travail",
                "intitule_du_groupe")),
        Column("theme", "text", N_("Theme"), N_("What the group works on."),
               ("thematique", "sujet", "topic"), required=False, value_required=False),
        Column("lead_member_id", "text", N_("Lead member"),
               N_("The member company that leads the group (its member ID); empty when the "
                  "cluster's team leads it."),
               ("lead", "leader", "lead_member", "animateur", "pilote", "chef_de_file",
                "membre_pilote", "membre_animateur"), required=False, value_required=False),
        Column("opened_year", "year", N_("Opened in"), N_("The group's first year."),
               ("opened", "created", "annee_creation", "creation", "ouverture",
                "annee_ouverture", "annee_de_creation")),
        Column("closed_year", "year", N_("Closed in"),
               N_("The group's last year; empty while it is active."),
               ("closed", "annee_fermeture", "fermeture", "cloture", "annee_cloture",
                "annee_de_fin_du_groupe"), required=False, value_required=False),
    ),
)
PARTICIPATION = TableSpec(
    name="participation",
    label=N_("working group participation"),
    key=("member_id", "group_id", "year"),
    marker="group_id",
    columns=(
        SUBMISSIONS.column("member_id"),
        GROUP_ID,
        Column("year", "year", N_("Year"), N_("The year the member took part."),
               ("annee", "exercice")),
    ),
)
ACTIVITIES = TableSpec(
    name="activities",
    label=N_("cluster activities"),
    key=("activity_id",),
    marker="activity_kind",
    columns=(
        Column("activity_id", "text", N_("Activity ID"), N_("The activity's identifier."),
               ("id", "id_activite", "code_activite", "activite_id", "reference")),
        Column("activity_date", "date", N_("Date"),
               N_("The day it took place (2015-03-12 or 12/03/2015)."),
               ("date", "date_activite", "date_de_l_activite", "jour")),
        Column("activity_kind", "code", N_("Activity kind"),
               N_("Meeting, workshop, training, trade fair, study visit, ..."),
               ("type_activite", "type_d_activite", "nature_activite", "format_activite",
                "kind_of_activity", "activity_type"), vocabulary="activity_kinds"),
        Column("title", "text", N_("Title"), N_("What it was."),
               ("titre", "intitule", "objet", "name", "nom"), required=False,
               value_required=False),
        replace(GROUP_ID, required=False, value_required=False,
                description=N_("The working group it belongs to, if any.")),
        Column("member_participants", "count", N_("Participants from members"),
               N_("How many people from member organisations took part."),
               ("participants", "participants_membres", "nb_participants", "membres_presents",
                "participants_adherents"), required=False, value_required=False),
        Column("outside_participants", "count", N_("Outside participants"),
               N_("How many people from outside the cluster took part."),
               ("external_participants", "participants_externes", "externes", "non_membres",
                "guests", "invites"), required=False, value_required=False),
    ),
)
PROJECTS = TableSpec(
    name="projects",
    label=N_("collaborative projects"),
    key=("project_id",),
    marker="partner_members",
    columns=(
        Column("project_id", "text", N_("Project ID"), N_("The project's identifier or acronym."),
               ("id", "projet", "id_projet", "code_projet", "acronyme", "acronym", "project")),
        Column("title", "text", N_("Title"), N_("The project's title."),
               ("titre", "intitule", "nom_du_projet", "name", "nom", "project_title")),
        Column("start_year", "year", N_("Start year"), N_("The year the project started."),
               ("start", "debut", "annee_debut", "annee_de_debut", "lancement"),
               years_ahead=5),
        Column("end_year", "year", N_("End year"),
               N_("The year it ended (or will end); empty while open-ended."),
               ("end", "fin", "annee_fin", "annee_de_fin"), required=False,
               value_required=False, years_ahead=15),
        Column("lead_member_id", "text", N_("Lead member"),
               N_("The member that leads the project (one of the partner members); empty when "
                  "an outside partner leads it."),
               ("lead", "chef_de_file", "porteur", "coordinator", "coordinateur",
                "lead_partner", "membre_porteur"), required=False, value_required=False),
        Column("partner_members", "list", N_("Partner members"),
               N_("The member IDs of every member in the project, lead included, separated "
                  "by ; (e.g. M001; M004)."),
               ("member_partners", "partenaires_membres", "membres_partenaires",
                "partenaires_du_cluster", "partner_member_ids")),
        Column("outside_partners", "list", N_("Outside partners"),
               N_("Partners outside the cluster (research, other clusters, abroad), "
                  "separated by ;."),
               ("external_partners", "partenaires_externes", "autres_partenaires",
                "partenaires_hors_cluster"), required=False, value_required=False),
        Column("budget_eur", "money", N_("Budget (EUR)"), N_("The project's total budget."),
               ("budget", "total_budget", "budget_total", "cout_total", "montant_total"),
               required=False, value_required=False),
        Column("public_funding_eur", "money", N_("Public funding (EUR)"),
               N_("The public funding it received."),
               ("public_funding", "subvention", "financement_public", "aide_publique",
                "subventions"), required=False, value_required=False),
        Column("funder", "text", N_("Funder"), N_("Who funds it (programme, body)."),
               ("financeur", "funding_body", "programme", "dispositif", "bailleur"),
               required=False, value_required=False),
        Column("status", "code", N_("Status"), N_("Planned, running, completed or stopped."),
               ("statut", "etat", "outcome", "resultat"), required=False,
               value_required=False, vocabulary="project_statuses"),
    ),
)
ORGANISATION = TableSpec(
    name="organisation",
    label=N_("cluster organisation"),
    key=("year",),
    marker="staff_fte",
    columns=(
        Column("year", "year", N_("Year"), N_("The year the figures are for."),
               ("annee", "exercice")),
        Column("staff_fte", "quantity", N_("Cluster staff (FTE)"),
               N_("The cluster organisation's own staff, in full-time equivalents."),
               ("cluster_staff", "cluster_staff_fte", "equipe_du_cluster", "etp_cluster",
                "salaries_du_cluster", "equipe_permanente", "permanents_du_cluster")),
        Column("budget_eur", "money", N_("Budget (EUR)"),
               N_("The cluster organisation's yearly budget (its spending)."),
               ("budget", "budget_total", "charges", "depenses"), required=False,
               value_required=False),
        Column("fees_eur", "money", N_("Membership fees (EUR)"), N_("Income from members' fees."),
               ("membership_fees", "cotisations", "cotisations_membres", "adhesions"),
               required=False, value_required=False),
        Column("public_funding_eur", "money", N_("Public funding (EUR)"),
               N_("Regional, national or European funding of the cluster organisation."),
               ("public_funding", "subventions", "financement_public", "aides_publiques"),
               required=False, value_required=False),
        Column("services_eur", "money", N_("Services sold (EUR)"),
               N_("Income from services the cluster sells."),
               ("services_sold", "prestations", "ventes_de_services", "recettes_services"),
               required=False, value_required=False),
        Column("other_income_eur", "money", N_("Other income (EUR)"), N_("Any other income."),
               ("other_income", "autres_recettes", "autres_produits"), required=False,
               value_required=False),
    ),
)
#: The cluster-life kinds, in the order they load (a participation names a working group).
CLUSTER_LIFE = (WORKING_GROUPS, PARTICIPATION, ACTIVITIES, PROJECTS, ORGANISATION)

#: Most specific first: a file is of the first kind whose marker column it has.
SPECS = (TARGETS, MEMBERS, SATISFACTION, WORKING_GROUPS, ACTIVITIES, PROJECTS, ORGANISATION,
         PARTICIPATION, SUBMISSIONS)
#: Every table stored with a history (what undo and the demo removal go through).
STORED = (*SPECS, SETTINGS, COLLECTION, REFERENCE)


def spec_named(name: str) -> TableSpec:
    """The table spec stored under ``name`` (a file kind, the settings, the collection)."""
    return next(s for s in STORED if s.name == name)
MEASURES = [c.name for c in SUBMISSIONS.columns if c.kind in ("money", "quantity", "count")]
DIMENSIONS = ("member_type", "sector", "area")


def normalise_header(text: str) -> str:
    """'Chiffre d'affaires (€)' -> 'chiffre_d_affaires': case, accents, units and spacing ignored."""
    text = re.sub(r"\(.*?\)|\[.*?\]", " ", str(text))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def normalise_value(text: str) -> str:
    """How code-list values are compared: case, accents, spacing and punctuation ignored."""
    return normalise_header(text)


@dataclass(frozen=True)
class Vocabulary:
    """A reference list: code, English and French labels, extras (``REFERENCE``'s columns)."""

    name: str
    rows: tuple[dict[str, str], ...] = field(default=())

    @property
    def codes(self) -> list[str]:
        return [r["code"] for r in self.rows]

    def label(self, code: str | None, lang: str = "en") -> str:
        for r in self.rows:
            if r["code"] == code:
                return r.get(f"label_{lang}") or r["label_en"]
        return "" if code is None else str(code)

    def lookup(self) -> dict[str, str]:
        """Every accepted spelling (code, English or French label), normalised, -> code."""
        out: dict[str, str] = {}
        for r in self.rows:
            for spelling in (r["code"], r["label_en"], r["label_fr"]):
                out.setdefault(normalise_value(spelling), r["code"])
        return out

    def allowed_text(self, lang: str = "en") -> str:
        return ", ".join(f"{r['code']} ({self.label(r['code'], lang)})" for r in self.rows)


_REGISTERED: dict[str, Vocabulary] = {}


def register_vocabulary(voc: Vocabulary) -> None:
    """A list defined in code rather than in data/ (the indicators, from kpis.py)."""
    _REGISTERED[voc.name] = voc


#: The lists of the database in use, put in force by ``Store.use_lists`` (with who put
#: them: the store's instance and data version), else the shipped files: for the thread
#: that put them (a server thread serves one cluster's page at a time, and clusters have
#: lists of their own), and for the process (threads that put none: the last ones put).
_IN_FORCE: dict[str, Vocabulary] = {}
_IN_FORCE_BY: list[tuple[str, tuple[int, int]] | None] = [None]
_THREAD = threading.local()


def use_lists(lists: dict[str, Vocabulary], by: tuple[str, tuple[int, int]] | None) -> None:
    """Put a database's reference lists in force for this thread (and the process).

    Design note: labels and spellings are looked up in many places that have no store at
    hand (chart labels, filter captions, the reading of a file), so a cluster's lists are
    held here rather than passed down every call. A store puts its lists in force when it
    opens and after it writes them; ``Store.refresh_lists`` (every page run, every check of
    a file) does so again when another process changed them or another store took over.
    Several clusters are served by one process at once (issue 18), so the lists are the
    thread's: a page run of one cluster never reads another's lists mid-way."""
    _THREAD.lists, _THREAD.by = dict(lists), by
    _IN_FORCE.clear()
    _IN_FORCE.update(lists)
    _IN_FORCE_BY[0] = by


def lists_in_force_by() -> tuple[str, tuple[int, int]] | None:
    """Who put this thread's lists in force (None: this thread put none)."""
    return getattr(_THREAD, "by", None)


@contextmanager
def thread_lists_kept() -> Iterator[None]:
    """Whatever a block puts in force (reading several clusters), the thread's lists after
    it are the ones before it."""
    saved = getattr(_THREAD, "lists", None), getattr(_THREAD, "by", None)
    try:
        yield
    finally:
        if saved[0] is None:
            for name in ("lists", "by"):
                if hasattr(_THREAD, name):
                    delattr(_THREAD, name)
        else:
            _THREAD.lists, _THREAD.by = saved


def vocabulary(name: str, data_dir: Path = DATA_DIR) -> Vocabulary:
    if name in _REGISTERED:
        return _REGISTERED[name]
    lists = getattr(_THREAD, "lists", _IN_FORCE)
    if name in lists and data_dir == DATA_DIR:
        return lists[name]
    return _file_vocabulary(name, data_dir)


def shipped_vocabulary(name: str) -> Vocabulary:
    """A list as shipped in ``data/`` (what a new database starts with)."""
    return _file_vocabulary(name, DATA_DIR)


@lru_cache(maxsize=16)
def _file_vocabulary(name: str, data_dir: Path) -> Vocabulary:
    with open(data_dir / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return Vocabulary(name, tuple(csv.DictReader(fh)))


def vocabularies(data_dir: Path = DATA_DIR) -> dict[str, Vocabulary]:
    return {n: vocabulary(n, data_dir) for n in ("member_types", "sectors", "areas")}


def flag(value: object) -> bool | None:
    """A yes/no cell as files write it (true, yes, oui, x, 1 / false, no, non, 0, empty)."""
    text = normalise_value("" if value is None else str(value))
    if text in ("true", "yes", "y", "oui", "o", "x", "1", "vrai"):
        return True
    if text in ("false", "no", "n", "non", "0", "faux", "", "nan", "none"):
        return False
    return None


VOCABULARY_OF_DIMENSION = {"member_type": "member_types", "sector": "sectors", "area": "areas"}
#: The submissions column each reference list classifies ('areas' -> 'area').
DIMENSION_OF_VOCABULARY = {v: k for k, v in VOCABULARY_OF_DIMENSION.items()}

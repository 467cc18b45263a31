"""French and English: the catalogue is complete, numbers follow the language, and every
page, error message, command-line message and export is checked in both languages."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import json
import re
import subprocess
import sys
import zipfile

import pytest
from streamlit.testing.v1 import AppTest

from analytics import export, formatting, i18n, kpis, report
from analytics.filters import Filters
from analytics.ingest import check_file
from tests.conftest import ROOT
from tests.test_pages import PAGES, app, figures, metric

NBSP, NNBSP = "\u00a0", "\u202f"


def _messages_tool():
    spec = importlib.util.spec_from_file_location("messages", ROOT / "scripts" / "messages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.fixture(scope="module")
def catalogues():
    tool = _messages_tool()
    return tool, tool.extract(), tool.read("fr")


# -- the catalogue ------------------------------------------------------------------------
def test_every_text_of_the_code_is_translated_and_no_translation_is_unused(catalogues):
    tool, template, french = catalogues
    assert len(template) > 300  # the extraction really found the code's texts
    assert tool.problems(template, french) == []


def test_translations_keep_placeholders_and_markup(catalogues):
    _tool, _template, french = catalogues
    for message in french:
        if not message.id:
            continue
        for pattern in (r"\{[^}]*\}", r"%\(\w+\)[sr]|%[sr]", r"\*\*", r"`"):
            assert sorted(re.findall(pattern, message.id)) == sorted(re.findall(pattern, message.string)), \
                (message.id, message.string)
        # line breaks in chart labels may differ (French words are longer), but not vanish
        assert ("<br>" in message.id) == ("<br>" in message.string), message.id


def test_a_missing_translation_would_be_found(catalogues):
    """The check above can fail: a text added to the code is reported."""
    tool, template, french = catalogues
    template.add("A text nobody translated yet")
    try:
        assert "missing from catalogue: 'A text nobody translated yet'" in tool.problems(template, french)
    finally:
        template.delete("A text nobody translated yet")


def test_vocabularies_have_both_languages():
    from analytics.schema import vocabulary

    for name in ("sectors", "member_types", "areas", "target_kinds", "indicators"):
        for row in vocabulary(name).rows:
            assert row["label_en"] and row["label_fr"], (name, row)
    assert vocabulary("indicators").label("turnover_eur", "fr") == "Chiffre d'affaires"


# -- numbers, money, percentages, dates ----------------------------------------------------
@pytest.mark.parametrize("lang, money, full, share, day", [
    ("fr", f"70,0{NBSP}M€", f"1{NNBSP}234{NNBSP}567{NBSP}€", f"12,5{NBSP}%", "26/11/2026"),
    ("en", "€70.0m", "€1,234,567", "12.5%", "26 Nov 2026"),
])
def test_numbers_follow_the_language(lang, money, full, share, day):
    assert formatting.eur(70_000_000, lang=lang) == money
    assert formatting.eur(1_234_567, compact=False, lang=lang) == full
    assert formatting.pct(0.125, lang=lang) == share
    assert formatting.date(dt.date(2026, 11, 26), lang) == day


def test_language_codes_from_browsers_and_systems():
    assert [i18n.normalise(x) for x in ("fr-FR", "fr_BE.UTF-8", "FR", "en-US", "de-DE", None)] == \
        ["fr", "fr", "fr", "en", "en", "en"]


# -- validation messages -------------------------------------------------------------------
BAD = (b"member_id;member_name;member_type;sector;area;year;turnover_eur;jobs\n"
       b"M40;New;SME;waste;87;2015;douze;3\nM41;Other;Spaceship;waste;87;2015;1;-3\n")


def test_check_report_in_both_languages():
    report_ = check_file(BAD, "bad.csv")
    english = report_.problems_frame("en")
    french = report_.problems_frame("fr")
    assert list(english.columns) == ["Severity", "Row", "Column", "Value", "Message"]
    assert list(french.columns) == ["Gravité", "Ligne", "Colonne", "Valeur", "Message"]
    assert french["Ligne"].tolist() == english["Row"].tolist() == [2, 3, 3]
    assert french["Gravité"].tolist() == ["erreur"] * 3
    messages = dict(zip(french["Colonne"], french["Message"], strict=True))
    assert messages["turnover_eur"].startswith("Ce n'est pas un nombre.")
    assert "Valeur inconnue pour Type de membre" in messages["member_type"]
    assert "sme (PME)" in messages["member_type"]
    assert messages["jobs"] == "Un nombre négatif n'est pas autorisé ici."
    assert dict(zip(english["Column"], english["Message"], strict=True))["jobs"] == \
        "A negative number is not allowed here."
    assert str(report_.errors[0]) == report_.errors[0].describe("en")
    assert report_.errors[0].describe("fr").startswith("ligne 2, colonne «\u00a0turnover_eur\u00a0»")


def test_unreadable_files_are_explained_in_french():
    assert check_file(b"", "e.csv").errors[0].text("fr") == "Le fichier est vide."
    old_excel = check_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls")
    assert old_excel.errors[0].text("fr").startswith("C'est un ancien fichier Excel .xls.")


# -- pages ---------------------------------------------------------------------------------
def _texts(at: AppTest) -> list[str]:
    """What a reader sees as words on a page: titles, headings, captions, alerts, labels."""
    out = [e.value for kind in ("title", "header", "subheader", "caption", "markdown", "info",
                                "warning", "success", "error") for e in getattr(at, kind)]
    out += [m.label for m in at.metric] + [b.label for b in at.button]
    out += [e.label for e in at.expander]
    for fig in figures(at):
        out.append(fig["layout"]["title"]["text"])
        out += [t.get("name", "") for t in fig["data"]]
    return [t for t in out if t]


@pytest.fixture(scope="module")
def english_only(catalogues):
    """English texts that read differently in French (so must not appear on a French page)."""
    _tool, _template, french = catalogues
    return {m.id for m in french if m.id and m.string != m.id and "{" not in m.id and len(m.id) > 3}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_in_both_languages(demo_db, monkeypatch, page, english_only):
    en = app(demo_db, monkeypatch, page, lang="en")
    fr = app(demo_db, monkeypatch, page, lang="fr")
    en_texts, fr_texts = _texts(en), _texts(fr)
    assert fr.title[0].value == i18n.gettext(en.title[0].value, "fr")
    leftovers = [t for t in fr_texts if t in english_only]
    assert leftovers == [], f"English left on the French page: {leftovers}"
    en_titles = [f["layout"]["title"]["text"] for f in figures(en)]
    fr_titles = [f["layout"]["title"]["text"] for f in figures(fr)]
    assert len(en_titles) == len(fr_titles)
    assert all(a != b for a, b in zip(en_titles, fr_titles, strict=True)), (en_titles, fr_titles)
    assert len(set(en_texts) & set(fr_texts)) < len(en_texts) / 2


def test_french_overview_numbers_and_navigation(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch, lang="fr")
    assert metric(at, "Chiffre d'affaires 2015") == f"70,0{NBSP}M€"
    assert metric(at, "Emplois 2015 (ETP)") == "700"
    assert metric(at, "Emplois : progression".replace(" :", f"{NBSP}:")) == f"66,7{NBSP}%"
    turnover = next(f for f in figures(at) if f["layout"]["title"]["text"] == "Chiffre d'affaires par année")
    assert turnover["layout"]["separators"] == ",\u202f"
    # not Plotly's '70M €'; the axis goes one line past the tallest bar (€70m)
    assert turnover["layout"]["yaxis"]["ticktext"][-2:] == [f"70{NBSP}M€", f"80{NBSP}M€"]
    assert any("données de démonstration" in i.value for i in at.info)


def test_language_comes_from_the_url_and_switching_keeps_the_filters(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch, member_type="PME", lang="fr")
    assert at.multiselect(key="member_type").value == ["sme"]
    assert any(f"Types de membres{NBSP}: PME" in c.value for c in at.caption)
    at.segmented_control(key="lang").set_value("en").run()
    assert not at.exception
    assert at.multiselect(key="member_type").value == ["sme"]
    assert any("Member types: SME" in c.value for c in at.caption)
    assert at.title[0].value == "Cluster overview"


def test_default_language_without_url_is_english_here(demo_db, monkeypatch):
    at = app(demo_db, monkeypatch)
    assert at.title[0].value == "Cluster overview"


def test_upload_errors_on_the_french_page(tmp_path, monkeypatch):
    at = app(str(tmp_path / "t.duckdb"), monkeypatch, "app_pages/submissions.py", lang="fr")
    at.file_uploader[0].set_value(("mauvais.csv", BAD, "text/csv")).run()
    assert any("contient 3 erreurs. Rien n'a été chargé" in e.value for e in at.error)
    problems = next(d.value for d in at.dataframe if "Gravité" in d.value.columns)
    assert problems.iloc[0]["Message"].startswith("Ce n'est pas un nombre.")


# -- command line --------------------------------------------------------------------------
def _cli(*args: str, db: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analytics", *args, "--db", db],
                          capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})


def test_cli_speaks_french(demo_db, tmp_path):
    out = _cli("kpis", "--lang", "fr", db=demo_db)
    assert out.returncode == 0, out.stderr
    assert "Filtres\u00a0: Tous les membres, toutes les années" in out.stdout
    money = f"{NNBSP}000{NNBSP}000{NBSP}€"
    assert f"Chiffre d'affaires{NBSP}: 2009 50{money} -> 2015 70{money}" in out.stdout
    bad = tmp_path / "mauvais.csv"
    bad.write_bytes(BAD)
    out = _cli("ingest", str(bad), "--lang", "fr", db=str(tmp_path / "x.duckdb"))
    assert out.returncode == 1
    assert "ligne 2, colonne «\u00a0turnover_eur\u00a0»\u00a0: Ce n'est pas un nombre." in out.stderr
    assert "refusé, rien n’a été chargé (3 erreurs)." in out.stderr
    usage = _cli("kpis", "--lang", "fr", "--format", "xml", db=demo_db)
    assert usage.returncode == 2 and "erreur\u00a0: argument --format\u00a0: choix invalide" in usage.stderr
    english = _cli("ingest", str(bad), "--lang", "en", db=str(tmp_path / "x.duckdb"))
    assert "rejected, nothing loaded (3 errors)." in english.stderr


def test_cli_json_keeps_codes_and_describes_filters_in_the_language(demo_db):
    out = _cli("kpis", "--format", "json", "--member-type", "PME", "--lang", "fr", db=demo_db)
    doc = json.loads(out.stdout)
    assert doc["filters"].startswith("Types de membres\u00a0: PME") and doc["language"] == "fr"
    assert "turnover_eur" in doc["by_year"][0]
    assert "Emplois" in [t["label"] for t in doc["targets"]]


# -- exports -------------------------------------------------------------------------------
def test_xlsx_in_french(demo_store):
    from openpyxl import load_workbook

    result = kpis.overview(demo_store, Filters())
    book = load_workbook(io.BytesIO(export.tables_xlsx(export.kpi_tables(result, "fr"), "fr")))
    assert book.sheetnames == ["Par année", "Par secteur", "Par type de membre", "Par territoire",
                               "Croissance"]
    sheet = book["Par année"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Année", "Chiffre d'affaires (EUR)", "Emplois (ETP)"]
    assert sheet["B2"].value == 50_000_000 and sheet["B2"].number_format == '#,##0 "€"'
    sectors = book["Par secteur"]
    assert "Gestion et valorisation des déchets" in [c.value for c in sectors["B"]]
    growth = [c.value for c in book["Croissance"][1]]
    assert growth[:2] == ["Indicateur", "Unité"]


def test_csv_follows_the_language(demo_store):
    frame = export.kpi_tables(kpis.overview(demo_store, Filters()), "fr")["by_year"]
    french = export.table_csv(frame, "fr").decode("utf-8-sig").splitlines()
    assert french[0].startswith("Année;Chiffre d'affaires (EUR);")
    english = export.table_csv(export.kpi_tables(kpis.overview(demo_store, Filters()))["by_year"], "en")
    assert english.decode("utf-8-sig").startswith("Year,Turnover (EUR),")


def test_methodology_in_french(demo_store):
    result = kpis.overview(demo_store, Filters())
    ctx = report.context(demo_store, Filters(member_types=("sme",)), lang="fr")
    text = report.methodology(result, ctx)
    assert text.startswith("Méthodologie — Cluster d'éco-entreprises de démonstration (fictif)")
    assert f"Filtres{NBSP}: Types de membres{NBSP}: PME · 2009–2015" in text
    assert f"taux de réponse 100,0{NBSP}%" in text and f"plus de 85{NBSP}%" in text
    assert re.search(r"Données au\u00a0: \d\d/\d\d/\d{4}", text)


@pytest.mark.skipif(export.find_browser() is None, reason="needs Chrome/Chromium")
def test_report_pack_in_french(demo_store):
    from docx import Document

    data, name = report.build_pack(demo_store, Filters(year_from=2009, year_to=2015),
                                   formats=("png",), lang="fr")
    assert name == "rapport_du_cluster_2009-2015.zip"
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = zf.namelist()
    assert "graphiques/chiffre_d_affaires_par_annee_2009-2015.png" in names
    assert "tableaux/indicateurs_2009-2015.xlsx" in names
    assert "methodologie.txt" in names
    doc = Document(io.BytesIO(zf.read("rapport_2009-2015.docx")))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Rapport d'indicateurs du cluster" in text and "Indicateurs clés" in text
    assert "Figure 1\u00a0: Chiffre d'affaires par année." in text
    assert "Méthodologie" in text and "Confidentialité" in text
    cells = [c.text for c in doc.tables[0].rows[0].cells]
    assert cells == ["Indicateur", "Référence", "Dernière valeur", "Évolution", "Évolution (%)", "TCAM"]
    first = [c.text for c in doc.tables[0].rows[1].cells]
    assert first[0] == "Chiffre d'affaires (EUR)"
    assert first[1] == f"50,0{NBSP}M€ (2009)" and first[4] == f"+40,0{NBSP}%"
    assert doc.core_properties.language == "fr-FR"
    english_words = {"Key indicators", "Figure 1:", "Methodology", "Where the growth came from"}
    assert not [w for w in english_words if w in text]


def test_good_upload_on_the_french_page(tmp_path, monkeypatch):
    at = app(str(tmp_path / "t.duckdb"), monkeypatch, "app_pages/submissions.py", lang="fr")
    good = BAD.replace(b"douze", b"12,5").replace(b"Spaceship", b"PME").replace(b";-3", b";3")
    at.file_uploader[0].set_value(("bon.csv", good, "text/csv")).run()
    assert any("a passé les vérifications\u00a0: 2 lignes de déclarations des membres" in s.value
               for s in at.success)
    preview = next(d.value for d in at.dataframe if "Chiffre d'affaires (EUR)" in d.value.columns)
    assert list(preview["Identifiant du membre"]) == ["M40", "M41"]
    at.button(key="confirm_load").click().run()
    assert any(s.value.startswith("Chargé sous le numéro") for s in at.success)
    history = next(d.value for d in at.dataframe if "Date (UTC)" in d.value.columns)
    assert history.iloc[0]["Action"] == "chargement" and history.iloc[0]["Fichier"] == "bon.csv"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_templates_in_each_language_read_back(lang, store):
    from openpyxl import load_workbook

    from analytics.schema import SUBMISSIONS
    from analytics.templates import template_csv, template_xlsx

    header = template_csv(lang).decode("utf-8-sig").strip()
    if lang == "fr":
        assert header.startswith("Identifiant du membre;Nom du membre;Type de membre;Secteur;")
    else:
        assert header.split(";") == SUBMISSIONS.names
    row = "M01;Une entreprise;PME;Gestion de l'eau;Haute-Vienne;2015;1 234,5;3;;;;;"
    report_ = check_file(f"{header}\n{row}\n".encode(), "t.csv", store)
    assert report_.ok, [str(p) for p in report_.problems]
    assert report_.table.column("turnover_eur")[0].as_py() == pytest.approx(1234.5)
    book = load_workbook(io.BytesIO(template_xlsx(lang)))
    assert book.sheetnames[1] == ("valeurs autorisées" if lang == "fr" else "allowed values")


@pytest.fixture
def pseudo_french(monkeypatch):
    """Pseudo-localisation: every French text comes wrapped in ⟦ ⟧, so any text on a French
    page without the brackets was never marked for translation."""
    real = i18n.catalogue("fr")
    marked = {k: f"⟦{v}⟧" for k, v in real.items()}
    monkeypatch.setattr(i18n, "catalogue", lambda lang: marked if lang == "fr" else {})


@pytest.mark.parametrize("page", PAGES)
def test_no_unmarked_text_on_french_pages(demo_db, monkeypatch, pseudo_french, page):
    at = app(demo_db, monkeypatch, page, lang="fr")
    texts = [e.value for kind in ("title", "header", "subheader") for e in getattr(at, kind)]
    texts += [m.label for m in at.metric] + [e.label for e in at.expander]
    texts += [b.label for b in at.button if b.label not in ("PNG", "SVG", "PDF")]
    texts += [w.label for kind in ("multiselect", "slider", "toggle", "selectbox", "text_input")
              for w in getattr(at, kind)]
    for fig in figures(at):
        texts.append(fig["layout"]["title"]["text"])
        texts += [axis["title"]["text"] for key, axis in fig["layout"].items()
                  if key.startswith(("xaxis", "yaxis")) and axis.get("title", {}).get("text")]
    unmarked = [t for t in texts if "⟦" not in t]
    assert texts and unmarked == [], f"texts never marked for translation: {unmarked}"


BROKEN = ROOT / "tests" / "files" / "broken"
MORE_PROBLEMS = [  # one file per kind of check, beyond the broken-file corpus
    b"member_id;member_name;member_type;sector;area;year;turnover_eur;jobs;colour\n"
    b"M1;A;SME;waste;87;1890;1,234;2.5;red\n",
    b"member_id;member_name;member_type;sector;area;year;turnover_eur\nM1;A;SME;waste;87;2015;1\n",
    b"member_id;member_name;member_type;sector;area;year;turnover_eur;jobs\n"
    b"M1;A;SME;waste;87;2015;;1\nM1;B;SME;mars;87;2015;1;1,123\n;;;;;;;\nM2;C;SME;waste;87;2014;1;\n",
    b"member_id;joined_year;left_year\nM1;2012;2010\nM1;2012;\n",
]


@pytest.mark.parametrize("source", [*sorted(BROKEN.iterdir()), *range(len(MORE_PROBLEMS))],
                         ids=lambda s: s.name if hasattr(s, "name") else f"case{s}")
def test_every_check_message_reads_in_french(source, store):
    if isinstance(source, int):
        data, name = MORE_PROBLEMS[source], "f.csv"
    else:
        data, name = source.read_bytes(), source.name
    problems = check_file(data, name, store).problems
    assert problems
    for problem in problems:
        english, french = problem.describe("en"), problem.describe("fr")
        assert "{" not in french and "⟦" not in french
        assert french != english, english
        assert i18n.gettext(problem.message.text, "fr") != problem.message.text  # type: ignore[union-attr]

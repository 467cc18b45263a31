"""Roles with AppTest: what each role sees and cannot see; sign-in; members' uploads."""

from __future__ import annotations

import pyarrow.ipc
import pytest
from streamlit.testing.v1 import AppTest

from analytics import access
from analytics.store import Store
from tests.conftest import ROOT, USERS  # noqa: F401 - USERS: who signs in


def page_titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def test_signed_out_user_sees_only_the_sign_in(signed):
    at = signed(None)
    assert [b.label for b in at.button] == ["Sign in with your organisation's account"]
    assert not at.title and not at.metric
    assert [w.key for w in at.sidebar.children.values()] == ["lang"]  # only the language switch


def test_unknown_account_gets_no_access(signed):
    at = signed("stranger@example.com")
    assert any("no access" in e.value for e in at.error)
    assert not at.metric


def test_funder_sees_protected_aggregates_only(signed):
    at = signed("funder@region.eu")
    assert page_titles(at) == ["Cluster overview"]
    values = {m.label: m.value for m in at.metric}
    assert values["Turnover 2015"] == "€70.0m"  # the headline stays visible
    at = signed("funder@region.eu", member_type="Technology transfer centre")
    assert {m.label: m.value for m in at.metric}["Turnover 2015"] == "confidential"


def test_funder_sector_table_says_confidential(signed):
    at = signed("funder@region.eu", "app_pages/sectors.py")
    element = next(d for d in at.dataframe if "Sector" in d.value.columns)
    table = element.value  # numbers stay numbers: they sort as numbers
    assert table["Turnover (EUR)"].dtype == float and table["Turnover (EUR)"].isna().any()
    shown = pyarrow.ipc.open_stream(element.proto.arrow_data.styler.display_values).read_pandas()
    hidden = table["Turnover (EUR)"].isna().to_numpy()
    column = list(table.columns).index("Turnover (EUR)")
    assert "confidential" in set(shown.iloc[hidden, column])  # the others: nothing to show
    assert all(v.startswith("€") for v in shown.iloc[~hidden, column])
    import json

    stacked = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "Confidential (not shown separately)" in {t["name"] for t in stacked["data"]}


@pytest.mark.parametrize("page", ["app_pages/submissions.py", "app_pages/data_quality.py",
                                  "app_pages/targets.py", "app_pages/my_figures.py"])
def test_funder_cannot_open_manager_or_member_pages(signed, page):
    at = signed("funder@region.eu")
    with pytest.raises(Exception):  # noqa: B017 - not even registered in the navigation
        at.switch_page(page).run()
        assert page_titles(at) == []
        raise RuntimeError("page did not open")


def test_pages_check_the_role_on_the_server(signed, monkeypatch):
    monkeypatch.setattr(access, "PAGES", {**access.PAGES, "funder": (*access.PAGES["funder"],
                                                                        "data_quality")})
    at = signed("funder@region.eu", "app_pages/data_quality.py")
    assert any("not available with your access rights" in e.value for e in at.error)
    assert not at.dataframe


def test_member_sees_own_figures_and_a_position_band(signed):
    at = signed("m01@ondivert.fr")
    assert page_titles(at) == ["My figures"]
    own = next(d.value for d in at.dataframe if "Member ID" in d.value.columns)
    assert set(own["Member ID"]) == {"M01"}
    labels = [m.label for m in at.metric]
    assert "Your position" in labels
    assert all("quarter" in m.value or "enough" in m.value for m in at.metric
               if m.label == "Your position")


def test_member_cannot_upload_another_members_rows(signed, tmp_path, monkeypatch):
    db = str(tmp_path / "w.duckdb")
    monkeypatch.setenv("CLUSTER_DB", db)
    Store(db)
    at = signed("m01@ondivert.fr", "app_pages/submissions.py")
    monkeypatch.setenv("CLUSTER_DB", db)
    data = (b"member_id,member_name,member_type,sector,area,year,turnover_eur,jobs\n"
            b"M01,Ondivert,SME,waste,87,2016,1,1\nM02,Other,SME,waste,87,2016,1,1\n")
    at.file_uploader[0].set_value(("f.csv", data, "text/csv")).run()
    assert not at.exception
    assert any("Nothing was loaded" in e.value for e in at.error)
    problems = next(d.value for d in at.dataframe if "Severity" in d.value.columns)
    errors = problems[problems["Severity"] == "error"]
    assert errors[["Row", "Value"]].values.tolist() == [[3, "M02"]]
    assert not any(b.label.startswith("Load ") for b in at.button)


def test_add_user_hashes_passwords(tmp_path):
    path = tmp_path / "auth.yaml"
    access.add_user("alice", "correct horse", "manager", path=path)
    access.add_user("m01", "battery staple", "member", member_id="M01", path=path)
    config = access.load_config(path)
    assert "correct horse" not in path.read_text()
    assert access.check_password(config, "alice", "correct horse")
    assert not access.check_password(config, "alice", "wrong")
    assert access.from_username(config, "m01") == access.Principal("m01", "member", "M01", "m01")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(ValueError):
        access.add_user("bob", "short", "funder", path=path)


def test_password_sign_in_form_renders_alone(tmp_path, monkeypatch, demo_db):
    path = tmp_path / "auth.yaml"
    access.add_user("alice", "correct horse", "manager", path=path)
    monkeypatch.setenv("CLUSTER_AUTH_FILE", str(path))
    monkeypatch.setenv("CLUSTER_DB", demo_db)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert not at.metric and not at.title


def test_idle_session_expires(signed):
    at = signed("funder@region.eu")
    assert at.metric
    at.session_state["_last_seen"] = 0.0  # last activity long ago
    at.run()
    assert not at.exception
    assert not at.metric
    assert [b.label for b in at.button] == ["Sign in with your organisation's account"]


def test_sign_in_and_member_page_in_french(signed):
    at = signed(None, lang="fr")
    assert [b.label for b in at.button] == ["Se connecter avec le compte de votre organisation"]
    at = signed("stranger@example.com", lang="fr")
    assert any("n'a pas accès à ce tableau de bord" in e.value for e in at.error)
    at = signed("m01@ondivert.fr", lang="fr")
    assert page_titles(at) == ["Mes chiffres"]
    own = next(d.value for d in at.dataframe if "Identifiant du membre" in d.value.columns)
    assert set(own["Identifiant du membre"]) == {"M01"}
    positions = [m.value for m in at.metric if m.label == "Votre position"]
    assert positions and all("quart" in v or "pas assez" in v for v in positions)
    assert any(c.value.startswith("Connecté en tant que") and "(membre)" in c.value
               for c in at.sidebar.caption)


def test_funder_sees_confidential_in_french(signed):
    at = signed("funder@region.eu", member_type="Centre de transfert de technologie", lang="fr")
    assert {m.label: m.value for m in at.metric}["Chiffre d'affaires 2015"] == "confidentiel"

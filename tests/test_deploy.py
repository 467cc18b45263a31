"""The deployment for many clusters (compose.yaml, Dockerfile, deploy/Caddyfile), checked
as far as this machine allows: no container runs here, so the compose file's shape is read
and the proxy's configuration validated by Caddy itself; the same topology runs without
containers in tests/test_postgres.py."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import ROOT


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_runs_two_app_servers_on_one_postgresql_behind_the_proxy():
    services = compose()["services"]
    assert set(services) == {"db", "app1", "app2", "proxy"}
    apps = [services["app1"], services["app2"]]
    assert apps[0] == apps[1]  # the same server, twice
    env = apps[0]["environment"]
    assert env["CLUSTER_DB"].startswith("postgresql://cluster:") and "@db:5432/" in env["CLUSTER_DB"]
    assert env["CLUSTER_DEMO"] == "0"  # a real deployment never gets the demo mixed in
    assert apps[0]["depends_on"]["db"]["condition"] == "service_healthy"
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["db"]["environment"]["POSTGRES_USER"] == "cluster"
    assert env["CLUSTER_DB"].rsplit("/", 1)[1] == services["db"]["environment"]["POSTGRES_DB"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in services["proxy"]["volumes"]
    assert "pgdata" in compose()["volumes"]


def test_the_proxy_keeps_each_browser_on_its_server_and_reaches_both():
    text = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    assert re.search(r"lb_policy cookie \w+", text)
    assert "{$APP_SERVERS:app1:8501 app2:8501}" in text  # the compose services by default
    if shutil.which("caddy") is None:
        pytest.skip("needs Caddy (make test installs it)")
    done = subprocess.run(["caddy", "validate", "--config", str(ROOT / "deploy" / "Caddyfile"),
                           "--adapter", "caddyfile"], capture_output=True, text=True,
                          env={**os.environ, "PROXY_PORT": "8080"}, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_image_holds_what_the_dashboard_runs_on():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install --no-cache-dir -r requirements.txt" in text
    for line in text.splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source
    copied = " ".join(line for line in text.splitlines() if line.startswith("COPY"))
    for needed in ("analytics", "app_pages", "data", "locale", "dashboard.py", "ui.py"):
        assert needed in copied
    assert '"dashboard.py"' in text and "0.0.0.0" in text

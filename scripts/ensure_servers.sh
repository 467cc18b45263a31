#!/usr/bin/env bash
# Make sure the servers of the deployment for many clusters are there for the tests and
# benchmarks that run it without containers: PostgreSQL's server programs (initdb, pg_ctl;
# tests/postgres.py starts a throw-away server) and Caddy, the reverse proxy of compose.yaml.
# Installs Debian's postgresql and caddy with apt-get when missing and apt-get can be used.
# Never fails: without them those tests are skipped, and the dashboard's default store (a
# DuckDB file) needs neither.
set -u
missing=""
found_pg=""
for dir in /usr/lib/postgresql/*/bin; do
  if [ -x "$dir/initdb" ]; then found_pg=1; fi
done
if [ -z "$found_pg" ] && ! command -v initdb >/dev/null 2>&1; then missing="postgresql"; fi
if ! command -v caddy >/dev/null 2>&1; then missing="$missing caddy"; fi
if [ -z "$missing" ]; then exit 0; fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "Installing Debian's$missing for the tests of the PostgreSQL store (a minute, once)..."
  export DEBIAN_FRONTEND=noninteractive
  # no service is started: the tests start their own, in temporary directories
  if apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null; then
    echo "Installed:$missing."
    exit 0
  fi
  echo "Could not install$missing with apt-get: the tests that need them will be skipped." >&2
  exit 0
fi
echo "Not found:$missing. The tests that need them will be skipped" >&2
echo "(Debian/Ubuntu: sudo apt-get install$missing)." >&2
exit 0

#!/usr/bin/env bash
# Make sure PostgreSQL's server programs (initdb, pg_ctl) are there for the tests and
# benchmarks that run the store on PostgreSQL (tests/postgres.py starts a throw-away server).
# Installs Debian's postgresql with apt-get when they are missing and apt-get can be used.
# Never fails: without them the PostgreSQL tests are skipped, and the dashboard's default
# store (a DuckDB file) needs no server.
set -u
for dir in /usr/lib/postgresql/*/bin; do
  if [ -x "$dir/initdb" ]; then exit 0; fi
done
if command -v initdb >/dev/null 2>&1; then exit 0; fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "Installing Debian's postgresql for the PostgreSQL tests (a minute, once)..."
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; then
    echo "PostgreSQL installed."
    exit 0
  fi
  echo "Could not install postgresql with apt-get: the PostgreSQL tests will be skipped." >&2
  exit 0
fi
echo "No PostgreSQL server programs found: the PostgreSQL tests will be skipped" >&2
echo "(Debian/Ubuntu: sudo apt-get install postgresql)." >&2
exit 0

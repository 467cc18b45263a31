# The two commands of the README: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
# `make run` starts on the demo data when the database is new; DEMO=0 starts empty
DEMO ?= 1
# `make test` runs the suite in this many processes (pytest-xdist); a file's tests share one,
# so its module fixtures (the browser tests' server) are made once
TEST_WORKERS ?= 2

.PHONY: run test lint demo browser servers bench clean messages

$(PY):
	@echo "Creating the Python environment in $(VENV)..."
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(PY)
	@echo "Installing dependencies... (about 2 minutes the first time)"
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@
	@echo "Dependencies installed."

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	@echo "Installing the test tools..."
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

browser:
	@bash scripts/ensure_chromium.sh

# PostgreSQL and Caddy, for the tests and benchmarks of the deployment for many clusters
servers:
	@bash scripts/ensure_servers.sh

## Start the dashboard on the embedded database (demo data loaded on first start; DEMO=0: empty).
run: $(VENV)/.runtime browser
	@echo "Starting the dashboard on http://localhost:$(PORT) (Ctrl+C stops it)..."
	CLUSTER_DEMO=$(DEMO) $(PY) -m streamlit run dashboard.py --server.port $(PORT)

## Install everything the tests need and run the whole suite (lint included).
test: $(VENV)/.dev browser servers
	$(PY) -m ruff check .
	@echo "Running the test suite on $(TEST_WORKERS) cores (about 18 minutes)..."
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

lint: $(VENV)/.dev
	$(PY) -m ruff check .

## Benchmarks at every scale (QUICK=1: the two smallest, one repetition, < 1 minute).
bench: $(VENV)/.dev browser servers
	$(PY) benchmarks/bench_disclosure.py $(if $(QUICK),--quick,)
	$(PY) benchmarks/bench.py $(if $(QUICK),--quick,)
	$(if $(QUICK),,$(PY) benchmarks/bench_limits.py)
	$(PY) benchmarks/bench_browser.py $(if $(QUICK),--runs 1,)
	$(if $(QUICK),,$(PY) benchmarks/bench_browser.py --members 1000)
	$(PY) benchmarks/bench_federation.py $(if $(QUICK),--clusters 5,)

demo: $(VENV)/.runtime
	$(PY) -m analytics demo

# re-extract the texts marked in the code and merge them into locale/*/messages.po
messages: $(VENV)/.runtime
	$(PY) scripts/messages.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# The two commands of the README: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test lint demo browser bench clean messages

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

browser:
	@bash scripts/ensure_chromium.sh

## Start the dashboard on the embedded database (demo data loaded on first start).
run: $(VENV)/.runtime browser
	$(PY) -m streamlit run dashboard.py --server.port $(PORT)

## Install everything the tests need and run the whole suite (lint included).
test: $(VENV)/.dev browser
	$(PY) -m ruff check .
	$(PY) -m pytest

lint: $(VENV)/.dev
	$(PY) -m ruff check .

## Benchmarks at every scale (QUICK=1: the two smallest, one repetition, < 1 minute).
bench: $(VENV)/.dev browser
	$(PY) benchmarks/bench_disclosure.py $(if $(QUICK),--quick,)
	$(PY) benchmarks/bench.py $(if $(QUICK),--quick,)

demo: $(VENV)/.runtime
	$(PY) -m analytics demo

# re-extract the texts marked in the code and merge them into locale/*/messages.po
messages: $(VENV)/.runtime
	$(PY) scripts/messages.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

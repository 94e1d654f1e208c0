# Two commands on a fresh machine: `make run` and `make test`. Each sets up only what is
# missing or changed (stamps live inside .venv/ and node_modules/, so deleting those redoes setup).
PYTHON ?= python3
BIN := .venv/bin
PORT ?= 8000
DDB_PORT ?= 8001
WEB_SOURCES := $(shell find web -type f -not -path 'web/node_modules/*' 2>/dev/null)

.PHONY: setup run test web browser clean help

help:
	@echo "make run   - set up what is missing, serve the app on http://127.0.0.1:$(PORT)"
	@echo "make test  - set up what is missing, run every test"

setup: .venv/.installed node_modules/.installed .venv/.java

.venv/.installed: requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv .venv
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.venv/.java: .venv/.installed
	$(BIN)/python -m studytracker.setup java
	@touch $@

web: chalicelib/web/index.html

chalicelib/web/index.html: $(WEB_SOURCES)
	@if [ -f web/package.json ]; then \
		npm --prefix web ci --no-audit --no-fund --loglevel=error && npm --prefix web run build; \
	else echo "web: no UI sources yet"; fi

browser: .venv/.installed
	$(BIN)/python -m studytracker.setup browser

run: setup web
	$(BIN)/python -m studytracker dev --port $(PORT) --ddb-port $(DDB_PORT)

test: setup web browser
	$(BIN)/python -m pytest

clean:
	rm -rf .venv node_modules web/node_modules chalicelib/web .pytest_cache

# Measurements, not tests: cold start, warm latency per route, DynamoDB units, 100 req/s through
# `chalice local`; writes .data/bench/results.json for `python -m studytracker cost`. About 6 minutes.
.PHONY: bench
bench: setup web
	$(BIN)/python bench/run.py

# Two commands on a fresh machine: `make run` and `make test`. Each sets up only what is
# missing or changed (stamps live inside .venv/ and node_modules/, so deleting those redoes setup).
PYTHON ?= python3
BIN := .venv/bin
PORT ?= 8000
DDB_PORT ?= 8001
WEB_SOURCES := $(shell find web -type f -not -path 'web/node_modules/*' 2>/dev/null)

.PHONY: setup run test test-slow lint web browser clean help

help:
	@echo "make run   - set up what is missing, serve the app on http://127.0.0.1:$(PORT)"
	@echo "make test  - set up what is missing, run every test (make lint first) but the full-scale ones"
	@echo "make test-slow - the full-scale tests (minutes each): the stream, an import and a property test at scale"
	@echo "make lint  - ruff (lint + format check), mypy, eslint (web/)"

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

web/node_modules/.installed: web/package.json web/package-lock.json
	npm --prefix web ci --no-audit --no-fund --loglevel=error
	@touch $@

chalicelib/web/index.html: web/node_modules/.installed $(WEB_SOURCES)
	npm --prefix web run build

browser: .venv/.installed
	$(BIN)/python -m studytracker.setup browser

run: setup web
	$(BIN)/python -m studytracker dev --port $(PORT) --ddb-port $(DDB_PORT)

# Style and types first: they fail in seconds, the suite takes minutes.
lint: setup web/node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	npm --prefix web run lint

test: lint web browser
	npm --prefix web test
	node web/scripts/size.mjs
	$(BIN)/python -m pytest

# The full-scale runs (marked slow) of what `make test` checks smaller, with the audit that every AWS
# call they make is granted (whether each grant is needed is `make test`'s audit); CI runs it after `make test`.
test-slow: setup browser
	$(BIN)/python -m pytest -m "slow or iam_audit" -k "not test_every_grant_was_needed"

clean:
	rm -rf .venv node_modules web/node_modules chalicelib/web .pytest_cache

# Measurements, not tests: cold start, warm latency per route, DynamoDB units, 100 req/s through
# `chalice local`; writes .data/bench/results.json for `python -m studytracker cost`. About 6 minutes.
.PHONY: bench
bench: setup web
	$(BIN)/python bench/run.py

# `chalice package` for STAGE merged with infra/ into out/STAGE (sam.yaml + deployment.zip with
# compiled bytecode); offline: needs a region, no credentials. Deploy it: docs/deployment.md. The Python
# that runs it is the Lambda runtime: from a .venv of another Python it stops and says how to rebuild it.
STAGE ?= prod
.PHONY: package bench-package
package: setup web
	$(BIN)/python -m studytracker infra runtime
	rm -rf out/$(STAGE)
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(BIN)/chalice package --stage $(STAGE) \
		--merge-template infra/sam-merge-$(STAGE).yaml out/$(STAGE)
	$(BIN)/python -m studytracker infra bytecode out/$(STAGE)/deployment.zip

# Package size and cold start with and without the bytecode step, side by side.
bench-package: setup web
	$(BIN)/python bench/package.py

# Per-area measurements (scripts that print figures; none is part of `make test`).
.PHONY: bench-stats bench-backup bench-imports bench-web backup
bench-stats: setup
	$(BIN)/python bench/stats.py
bench-backup: setup
	$(BIN)/python bench/backup.py
bench-imports: setup
	$(BIN)/python bench/imports.py
bench-web: setup web browser
	$(BIN)/python bench/web.py
	$(BIN)/python bench/import_ui.py

# Back up the local table now (needs `make run` running); backups land in .data/backups/.
backup: setup
	$(BIN)/python -m studytracker backup

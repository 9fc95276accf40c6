# The two commands: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PY := $(shell bash scripts/find-python.sh)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: run import reset test deps system-deps lint typecheck jslint jstest unit bench clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -n "$(PY)" || exit 1
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

deps: $(STAMP) $(NODE_STAMP)

## Debian's chromium for the browser tests (idempotent; apt-get only when missing).
## CHROMIUM=/path/to/chromium uses a browser that is already there instead (no apt).
export CHROMIUM
system-deps:
	@bash scripts/install-system-deps.sh

## make run: the whole service locally on http://127.0.0.1:7071 (Ctrl-C stops it).
## exec: the program is make's own child, so it sees make's signals (localdev/stopping.py).
run: deps
	@exec $(BIN)/python -m localdev.run

## make import FILE=records.jsonl: load CRM records into the running `make run` stack
import: $(STAMP)
	@exec $(BIN)/python -m localdev.import_records "$(FILE)"

## make reset: forget the saved local state (tracked items, settings, queues) under .local/
reset: $(STAMP)
	@exec $(BIN)/python -m localdev.reset

## make test: lint, type check, and every test tier against the real emulators
test: deps system-deps lint typecheck jslint jstest
	@$(BIN)/python -m pytest -q -p no:cacheprovider; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest selected no test: that is a failure here"; exit 1; fi; exit $$rc

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

## the web page's JavaScript: eslint (eslint.config.mjs), and node's test runner on its pure modules
jslint: $(NODE_STAMP)
	node_modules/.bin/eslint web eslint.config.mjs

jstest:
	node --test web/test/*.test.mjs

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

bench: deps
	$(BIN)/python -m bench

clean:
	rm -rf .local .pytest_cache .mypy_cache .ruff_cache

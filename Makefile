# NewsNotes developer commands. `make demo` sets up and serves the app; `make test` runs every test.
# Both create or refresh the virtual environment in .venv themselves.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# The first Python 3.12+ on PATH (pyenv's shims honour .python-version).
PYTHON ?= $(shell for p in python3 python3.12 python3.13 python3.14 python; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; \
	then echo $$p; break; fi; done)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo serve test lint check worker venv venv-dev clean lock

$(VENV)/bin/python:
	@if [ -z "$(PYTHON)" ]; then echo "NewsNotes needs Python 3.12 or newer on PATH." >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamps: reinstall only when a lock file changes.
$(VENV)/.installed: requirements.lock | $(VENV)/bin/python
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	@touch $@

$(VENV)/.installed-dev: requirements-dev.lock | $(VENV)/bin/python
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	@touch $@ $(VENV)/.installed

venv: $(VENV)/.installed
venv-dev: $(VENV)/.installed-dev

## Set up the database and demo data, start the task worker, serve http://127.0.0.1:8000
demo: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo
	@# The worker runs imports' NER in the background; it stops with the server (Ctrl+C).
	@$(PY) manage.py worker --no-startup-delay --verbosity 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	NEWSNOTES_DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

## Run the whole test suite (DATABASE_URL picks the database; SQLite by default)
test: venv-dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

check: venv-dev
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

worker: venv
	$(PY) manage.py worker

## Re-pin dependencies after editing pyproject.toml (needs uv: pip install uv)
lock:
	uv pip compile pyproject.toml --python-version 3.12 --generate-hashes -o requirements.lock
	uv pip compile pyproject.toml --group dev --python-version 3.12 --generate-hashes -o requirements-dev.lock

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .mypy_cache

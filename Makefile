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
# The W3C Web Annotation test suite's checker, for `make w3c` (optional; not in this repository).
W3C_CHECKER ?= ../shared/w3c-annotation-model/check_annotation.py
DEBIAN_CHROMIUM := /usr/bin/chromium

.PHONY: demo serve test browser lint check w3c worker venv venv-dev clean lock gazetteer

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
test: venv-dev browser
	$(PY) -m pytest $(PYTEST_ARGS)

# The Chromium the browser tests drive, provided as .venv is: nothing to do when there is one
# (NEWSNOTES_CHROMIUM, or Debian's /usr/bin/chromium); as root on Debian or Ubuntu, Debian's
# chromium package; otherwise, or if that fails, Playwright's own Chromium. If none can be had,
# the tests stop at once and say what to install.
browser: venv-dev
	@if [ -n "$$NEWSNOTES_CHROMIUM" ] || [ -x $(DEBIAN_CHROMIUM) ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Chromium for the browser tests (apt-get install chromium fonts-noto-core)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && \
		apt-get install -y -qq --no-install-recommends chromium fonts-noto-core >/dev/null; \
	fi; \
	if [ ! -x $(DEBIAN_CHROMIUM) ]; then \
		echo "Installing Playwright's Chromium for the browser tests"; \
		$(PY) -m playwright install chromium || \
		echo "Could not install Chromium; the browser tests will say what is missing." >&2; \
	fi

lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Regenerate annotations/nlp/data/gazetteer.jsonl from its packages and data/sources/ (docs/nlp.md).
gazetteer: venv-dev
	$(PY) -m annotations.nlp.data.build_gazetteer

check: venv-dev
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

## Check a JSON-LD export of the demo data with the W3C test suite's own checker, if you have it
## (W3C_CHECKER=path/to/check_annotation.py). Optional: the tests check the project's schema.
w3c: venv-dev
	@if [ ! -f "$(W3C_CHECKER)" ]; then \
		echo "make w3c: skipped, no W3C checker at $(W3C_CHECKER) (set W3C_CHECKER=.../check_annotation.py)."; \
		exit 0; \
	fi; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	export NEWSNOTES_ENV=development NEWSNOTES_VAR_DIR="$$tmp" DATABASE_URL="sqlite:///$$tmp/w3c.sqlite3"; \
	$(PY) manage.py migrate --noinput --verbosity 0 && \
	{ $(PY) manage.py demo >"$$tmp/demo.log" 2>&1 || { cat "$$tmp/demo.log" >&2; exit 1; }; } && \
	$(PY) manage.py export_annotations --team demo --format jsonld --user analyst \
		--base-url http://$(HOST):$(PORT) -o "$$tmp/demo.jsonld" && \
	$(PY) "$(W3C_CHECKER)" "$$tmp/demo.jsonld"

worker: venv
	$(PY) manage.py worker

## Re-pin dependencies after editing pyproject.toml (needs uv: pip install uv)
lock:
	uv pip compile pyproject.toml --python-version 3.12 --generate-hashes -o requirements.lock
	uv pip compile pyproject.toml --group dev --python-version 3.12 --generate-hashes -o requirements-dev.lock

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .mypy_cache

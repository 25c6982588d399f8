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

.PHONY: demo serve test browser redis cluster lint check w3c worker venv venv-dev clean lock gazetteer

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
test: venv-dev browser redis
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

# redis-server, which the broker tests start privately (tests/redis_server.py) as the Redis
# broker: nothing to do when it is on PATH; as root on Debian or Ubuntu, Debian's package.
redis:
	@if command -v redis-server >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing redis-server for the broker tests (apt-get install redis-server)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends redis-server >/dev/null; \
	fi; \
	command -v redis-server >/dev/null 2>&1 || \
		echo "redis-server is missing; the broker tests will fail until it is installed." >&2

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

## The many-process layout on this machine: 2 web processes (WSGI :8000, ASGI streams :8001),
## 2 workers on a private Redis (:6390), PostgreSQL (docs/deployment.md). Ctrl+C stops it.
CLUSTER_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/newsnotes_cluster
CLUSTER_ENV = DATABASE_URL=$(CLUSTER_DATABASE_URL) NEWSNOTES_TASKS=rq \
	NEWSNOTES_REDIS_URL=redis://127.0.0.1:6390/0 NEWSNOTES_REDIS_PORT=6390 \
	NEWSNOTES_WEB_PORT=8000 NEWSNOTES_STREAM_PORT=8001 NEWSNOTES_DEBUG=1
cluster: venv redis
	@pg_isready -q -h 127.0.0.1 -p 5432 || { [ "$$(id -u)" = 0 ] && \
		pg_ctlcluster --skip-systemctl-redirect "$$(ls /etc/postgresql | head -1)" main start; } || \
		{ echo "make cluster needs PostgreSQL on 127.0.0.1:5432 (user postgres)." >&2; exit 1; }
	@$(PY) -c 'import sys, psycopg; from urllib.parse import urlsplit; u = urlsplit(sys.argv[1]); \
		c = psycopg.connect(host=u.hostname, port=u.port or 5432, user=u.username, dbname="postgres", autocommit=True); \
		name = u.path.lstrip("/"); \
		c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() or c.execute(f"CREATE DATABASE \"{name}\"")' \
		"$(CLUSTER_DATABASE_URL)"
	$(CLUSTER_ENV) NEWSNOTES_TASKS=db $(PY) manage.py migrate --noinput --verbosity 0
	$(CLUSTER_ENV) NEWSNOTES_TASKS=db $(PY) manage.py demo
	$(CLUSTER_ENV) $(VENV)/bin/honcho -f newsnotes/Procfile -d . start

## Re-pin dependencies after editing pyproject.toml (needs uv: pip install uv)
lock:
	uv pip compile pyproject.toml --python-version 3.12 --generate-hashes -o requirements.lock
	uv pip compile pyproject.toml --group dev --python-version 3.12 --generate-hashes -o requirements-dev.lock

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .mypy_cache

# Cercle — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# Exact versions of every dependency and tool: a dependency update is a
# deliberate commit (`make constraints`, review the diff), never a surprise.
CONSTRAINTS := requirements/constraints.txt
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help run test lint format bench messages clean constraints

help:
	@echo "make run    set up everything and serve the demo on http://$(HOST):$(PORT)"
	@echo "make test   run the whole test suite (PostgreSQL + Redis when DATABASE_URL/REDIS_URL are set)"
	@echo "make lint   ruff check and format check"
	@echo "make bench  run the benchmarks in bench/"
	@echo "make constraints  re-pin requirements/constraints.txt to the virtualenv (a deliberate update)"

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Cercle needs Python 3.11 or newer; set PYTHON=python3.11")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade -c $(CONSTRAINTS) pip
	$(PY) -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev]'
	@touch $(STAMP)

# Re-pin every dependency to what the virtualenv has now (after a deliberate
# `pip install -U …`); commit the diff of requirements/constraints.txt.
constraints: $(STAMP)
	$(PY) requirements/freeze.py

# The local settings file: a generated secret key, never committed.
.env:
	@$(PY) -c 'import secrets; print("DEBUG=1\nSECRET_KEY=" + secrets.token_urlsafe(50))' > .env
	@echo "Wrote .env with a new secret key (kept out of git)."

# The links the demo's emails and feeds carry point at the server `make run`
# starts (PORT, and HOST unless it is every interface), unless SITE_URL is set
# in the environment or .env.
LINK_HOST = $(if $(filter 0.0.0.0 :: [::],$(HOST)),127.0.0.1,$(HOST))
RUN_SITE_URL := $(shell grep -qs '^SITE_URL=' .env || echo "$${SITE_URL:-http://$(LINK_HOST):$(PORT)}")

run: $(STAMP) .env
	@mkdir -p var
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py seed_demo
	@echo ""
	@echo "Cercle is served on http://$(HOST):$(PORT)/  (stop with Ctrl+C)"
	@# No reloader: one process, a quick start. (daphne's runserver always runs the
	@# system checks; they take well under a second.) RUN_HOST lets the
	@# development server answer to the host it was given (see config/settings.py).
	@# The job worker (emails, notifications, reminders, digests) runs beside the
	@# server and stops with it (Ctrl+C, or the server exiting).
	@$(PY) manage.py run_worker --interval 2 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	RUN_HOST=$(HOST) $(PY) manage.py runserver $(HOST):$(PORT) --noreload
ifneq ($(RUN_SITE_URL),)
run: export SITE_URL = $(RUN_SITE_URL)
endif

# Two test processes by default (the machines have two cores); TEST_WORKERS=0
# runs them in this process.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP)
	@for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

# Regenerates the French catalogue (needs GNU gettext); the compiled .mo is
# committed so that a fresh machine needs no system package.
messages: $(STAMP)
	DEBUG=1 $(PY) manage.py makemessages -l fr --no-location -e html,txt,py,svg --ignore '.venv/*' --ignore 'var/*' --ignore 'bench/*' --ignore 'tests/*'
	DEBUG=1 $(PY) manage.py compilemessages -l fr --ignore '.venv/*'

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

# Social Widget Kit - the two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The demo's SQLite database and generated secret key live here (git-ignored).
export WIDGETSERVER_INSTANCE_PATH ?= $(CURDIR)/instance
# An editable install of a package at the top of a checkout makes setuptools add a note
# ("Editable installation. Please be careful with folders in your working directory with the
# same name as your package"), which pip prints even with --quiet. It is information, not a
# warning (setuptools' InformationOnly), and in a checkout that folder is the package: only
# this note is silenced, every setuptools warning still shows.
PIP_EDITABLE := PYTHONWARNINGS="ignore:Editable installation" $(BIN)/python -m pip install --quiet -e

.PHONY: run test lint format bench bench-referrals bench-attack bench-dashboard bench-widgets size install clean translations

run: $(VENV)/.installed  ## Install into .venv, create the SQLite database, seed and serve the demo.
	$(BIN)/widgetserver db upgrade
	$(BIN)/widgetserver demo

test: $(VENV)/.installed-test  ## Install test tools, provide Chromium, PostgreSQL and PHP, run everything.
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	url=$$(PYTHON=$(BIN)/python bash scripts/test-services.sh) && \
	  WIDGETSERVER_TEST_POSTGRES_URL="$$url" $(BIN)/python -m pytest
	bash scripts/test-php.sh

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

WRK := command -v wrk >/dev/null || { [ "$$(id -u)" -eq 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; } \
	  || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

bench: $(VENV)/.installed  ## Ingest throughput against a bare Flask ceiling (needs wrk).
	@$(WRK)
	$(BIN)/python bench/ingest.py

bench-referrals: $(VENV)/.installed  ## Referral links made per second against the bare Flask ceiling (needs wrk).
	@$(WRK)
	$(BIN)/python bench/referrals.py

size: $(VENV)/.installed  ## Sizes of the widget files (raw, gzip -9, brotli) against their budgets.
	$(BIN)/python bench/sizes.py

bench-dashboard: $(VENV)/.installed  ## The stats page's figures at a million events (SQLite; PostgreSQL if reachable).
	$(BIN)/python bench/dashboard.py

bench-widgets: $(VENV)/.installed-test  ## What share buttons cost a page in real Chromium.
	PYTHON=$(BIN)/python bash scripts/test-services.sh >/dev/null
	$(BIN)/python bench/widgets.py

bench-attack: $(VENV)/.installed  ## Hostile requests at every endpoint; the database growth abuse can still cause.
	$(BIN)/python bench/attack.py

translations: $(VENV)/.installed  ## Collect the owners' pages' texts, update and compile the catalogs.
	$(BIN)/pybabel extract -F widgetserver/admin/translations/babel.cfg -k _l -k lazy_gettext \
	  --no-location --omit-header --sort-output -o widgetserver/admin/translations/messages.pot .
	$(BIN)/pybabel update -i widgetserver/admin/translations/messages.pot \
	  -d widgetserver/admin/translations --ignore-obsolete
	$(BIN)/pybabel compile -d widgetserver/admin/translations --statistics

install: $(VENV)/.installed

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); [ "$$(id -u)" -eq 0 ] \
	  && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv \
	  && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml setup.py | $(BIN)/python
	$(PIP_EDITABLE) .
	touch $@

$(VENV)/.installed-test: pyproject.toml setup.py | $(BIN)/python
	$(PIP_EDITABLE) '.[test]'
	touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

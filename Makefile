# Häme Funding Radar. `make run` serves the app, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
PORT ?= 8000
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: install system-packages translations messages browser run demo-data region-actors user test lint bench bench-scale clean

# Finnish analysis: Voikko's morphology and FreeDict's Finnish-English dictionary (Debian).
DEBIAN_PACKAGES := libvoikko1 voikko-fi dict-freedict-fin-eng
system-packages:
	dpkg -s $(DEBIAN_PACKAGES) >/dev/null 2>&1 || (apt-get update && apt-get install -y $(DEBIAN_PACKAGES))

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: system-packages $(STAMP) translations

# Compiled catalogs (.mo) are built here, never committed; the .po sources are.
translations: $(STAMP)
	$(BIN)/pybabel compile -d webapp/translations >/dev/null

# After changing texts: extract them and merge into the catalogs, then translate webapp/translations/fi.
messages: $(STAMP)
	$(BIN)/pybabel extract -F webapp/babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o webapp/translations/messages.pot .
	$(BIN)/pybabel update -i webapp/translations/messages.pot -d webapp/translations --no-fuzzy-matching --ignore-obsolete

# The browser tests drive Debian's Chromium, never a downloaded browser.
browser:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

# Live sources when they answer (one short check), else the real recorded responses in
# ../shared; then the Kanta-Häme organisations of CORDIS as actors, matched.
run: install
	$(BIN)/radar init
	@if $(BIN)/radar online; then \
		$(BIN)/radar scrape || echo "Some sources failed: see '$(BIN)/radar sources'."; \
	else \
		echo "Loading the recorded responses of $(FIXTURES) instead."; \
		$(MAKE) --no-print-directory demo-data; \
	fi
	$(MAKE) --no-print-directory region-actors
	$(BIN)/radar serve --port $(PORT)

FIXTURES := $(SHARED)/fixtures
demo-data: install
	$(BIN)/radar load-recordings $(SHARED)

region-actors: install
	$(BIN)/radar load-region-actors $(SHARED)

# A user: make user EMAIL=kirsi@hame.fi ROLE=admin (ROLE member needs ACTOR=id, see radar actors).
user: install
	$(BIN)/radar create-user $(EMAIL) --role $(or $(ROLE),member) $(if $(ACTOR),--actor-id $(ACTOR))

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy callrules scrapers matcher

test: lint browser
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_stream_bulk.py
	$(BIN)/python bench/bench_fixtures.py
	command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)
	$(BIN)/python bench/bench_web.py
	$(BIN)/python bench/bench_writes_during_ingest.py

bench-scale: install
	command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)
	$(BIN)/python bench/bench_scale.py sqlite
	$(BIN)/python bench/bench_scale.py postgresql

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .mypy_cache .hypothesis

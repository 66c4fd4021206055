# Häme Funding Radar. `make run` serves the app, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
PORT ?= 8000
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: install run demo-data test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

# Live sources when the network answers, else the real recorded responses in ../shared.
run: install
	$(BIN)/radar init
	$(BIN)/radar scrape || $(MAKE) --no-print-directory demo-data
	$(BIN)/radar serve --port $(PORT)

FIXTURES := $(SHARED)/fixtures
demo-data: install
	$(BIN)/radar ingest ft_search $(FIXTURES)/sedia/*.json
	$(BIN)/radar ingest ft_bulk $(FIXTURES)/grants_tenders/*.json
	$(BIN)/radar ingest eu_grants_feed $(FIXTURES)/sedia/derived/*.json
	$(BIN)/radar ingest euro_access $(FIXTURES)/euro_access/call_detail_135.html
	$(BIN)/radar ingest interreg $(FIXTURES)/interreg/*.json
	$(BIN)/radar ingest haeavustuksia $(FIXTURES)/finland/haeavustuksia_list-items_page1_reduced.json

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy scrapers matcher

test: lint
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_stream_bulk.py
	$(BIN)/python bench/bench_fixtures.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .mypy_cache

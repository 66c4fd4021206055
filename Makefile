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
	$(BIN)/radar scrape ft_search ft_bulk || $(MAKE) --no-print-directory demo-data
	$(BIN)/radar serve --port $(PORT)

demo-data: install
	$(BIN)/radar ingest ft_search $(SHARED)/fixtures/sedia/*.json
	$(BIN)/radar ingest ft_bulk $(SHARED)/fixtures/grants_tenders/*.json

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy scrapers matcher

test: lint
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_stream_bulk.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .mypy_cache

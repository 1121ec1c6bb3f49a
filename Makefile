# The pipeline's DAG. Every rule builds real files from their prerequisites, so a second
# `make all` with nothing changed does no work. `make help` lists the commands.
#
# Override the input and outputs to run on another copy of the appendix:
#   make all SOURCE=path/to/appendix.txt WAREHOUSE=dir REPORTS=dir

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := all
JOBS ?= 2
# Independent stages run side by side (the checks beside dedup); each recipe's output is printed whole.
MAKEFLAGS += --no-builtin-rules --jobs=$(JOBS) --output-sync=target

PYTHON_BOOT ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
SOURCE ?= raw/appendix2_interview_questions.txt
WAREHOUSE ?= warehouse
REPORTS ?= reports
STRICT ?=
DECISIONS ?= raw/duplicate_decisions.csv
EMBEDDINGS ?= auto

# GX must not phone home (no network here) nor draw progress bars into logs.
export GX_ANALYTICS_ENABLED := false

SHARED_PY := $(wildcard pipeline/*.py)
INGEST_PY := $(SHARED_PY) $(wildcard pipeline/ingest/*.py)

CHECK_PY := $(SHARED_PY) $(wildcard pipeline/check/*.py)
SIMILARITY_PY := $(wildcard pipeline/similarity/*.py)
DEDUP_PY := $(SHARED_PY) $(wildcard pipeline/dedup/*.py) $(SIMILARITY_PY)
WAREHOUSE_PY := $(SHARED_PY) $(wildcard pipeline/warehouse/*.py) pipeline/check/claims.py
SQL_FILES := $(wildcard pipeline/warehouse/sql/*/*.sql)
REPORT_PY := $(SHARED_PY) $(wildcard pipeline/report/*.py)
EXTERNAL_PY := $(SHARED_PY) $(wildcard pipeline/external/*.py) $(SIMILARITY_PY)
EXTERNAL_BANKS ?= raw/external_banks.csv
EXTERNAL_FILES := $(wildcard raw/external/*.md)
ALIASES ?= raw/ref_aliases.csv
GENERIC_TERMS ?= raw/generic_terms.csv

INGESTED := $(WAREHOUSE)/ingest.json
QUALITY := $(REPORTS)/quality.json
DEDUPED := $(WAREHOUSE)/duplicate_pairs.parquet
EXTERNALS := $(WAREHOUSE)/external_questions.parquet
OVERLAP := $(WAREHOUSE)/external_coverage.parquet
DATABASE := $(WAREHOUSE)/questions.duckdb
COVERAGE := $(REPORTS)/coverage.html

.PHONY: all help venv test test-browser chromium bench ingest external overlap check dedup warehouse report sql eval-dedup clean

all: $(INGESTED) $(EXTERNALS) $(QUALITY) $(DEDUPED) $(OVERLAP) $(DATABASE) $(COVERAGE) ## rebuild every table, check and report from raw/

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | column -t -s $$'\t'

venv: $(VENV)/.installed ## create the virtual environment (make all and make test do it too)

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

ingest: $(INGESTED) ## parse the appendix into Parquet tables (the external banks are read in the same process)

# Stages joined by `+` run in one process, so their imports are paid once (see `make bench`):
# ingest with external (both read raw text), dedup with overlap (both score with scikit-learn and rapidfuzz).
# A grouped target (&:) is built by one run of its recipe; each stage still writes its own files atomically.
$(INGESTED) $(EXTERNALS) &: $(SOURCE) $(INGEST_PY) $(EXTERNAL_BANKS) $(EXTERNAL_FILES) $(EXTERNAL_PY) | $(VENV)/.installed
	$(PY) -m pipeline ingest --source $(SOURCE) --warehouse $(WAREHOUSE) + external --warehouse $(WAREHOUSE) --registry $(EXTERNAL_BANKS)

external: $(EXTERNALS) ## read the question banks registered in raw/external_banks.csv (with ingest, in one process)

overlap: $(OVERLAP) ## match the external banks' questions to the appendix (with dedup, in one process); write reports/external_coverage.md and .html

# make all records the checks' results but does not stop on them; make check is the gate.
$(QUALITY): $(INGESTED) $(EXTERNALS) $(DEDUPED) $(wildcard expectations/*.json) $(CHECK_PY) | $(VENV)/.installed
	$(PY) -m pipeline check --warehouse $(WAREHOUSE) --reports $(REPORTS)

check: $(INGESTED) $(EXTERNALS) $(DEDUPED) | $(VENV)/.installed ## run the quality gate: exit 1 on a critical failure (STRICT=1: on warnings too, such as undecided flagged duplicates)
	$(PY) -m pipeline check --warehouse $(WAREHOUSE) --reports $(REPORTS) --gate $(if $(STRICT),--strict)

dedup: $(DEDUPED) ## score near-duplicates, apply raw/duplicate_decisions.csv, write reports/duplicates.html and .csv

# duplicate_pairs.parquet is moved into place last of the dedup stage's files: it stands for all of them.
# The mode stamp (.dedup-auto, .dedup-on or .dedup-off) makes a switch of EMBEDDINGS rerun both stages.
$(DEDUPED) $(OVERLAP) &: $(INGESTED) $(EXTERNALS) $(DECISIONS) $(DEDUP_PY) $(EXTERNAL_PY) $(WAREHOUSE)/.dedup-$(EMBEDDINGS) | $(VENV)/.installed
	$(PY) -m pipeline dedup --warehouse $(WAREHOUSE) --decisions $(DECISIONS) --reports $(REPORTS) --embeddings $(EMBEDDINGS) \
		+ overlap --warehouse $(WAREHOUSE) --reports $(REPORTS) --embeddings $(EMBEDDINGS)

$(WAREHOUSE)/.dedup-%:
	mkdir -p $(WAREHOUSE) && rm -f $(WAREHOUSE)/.dedup-* && touch $@

warehouse: $(DATABASE) ## link questions to references and build warehouse/questions.duckdb (tables and report views)

$(DATABASE): $(INGESTED) $(DEDUPED) $(EXTERNALS) $(OVERLAP) $(ALIASES) $(GENERIC_TERMS) $(SQL_FILES) $(WAREHOUSE_PY) | $(VENV)/.installed
	$(PY) -m pipeline warehouse --warehouse $(WAREHOUSE) --aliases $(ALIASES) --generic-terms $(GENERIC_TERMS)

report: $(COVERAGE) ## write reports/coverage.md and coverage.html (with charts) from the warehouse

$(COVERAGE): $(DATABASE) $(REPORT_PY) | $(VENV)/.installed
	$(PY) -m pipeline report --warehouse $(WAREHOUSE) --reports $(REPORTS)

sql: $(DATABASE) ## run Q="select …" on the warehouse and print the result; without Q, an interactive session
	$(PY) -m pipeline sql --warehouse $(WAREHOUSE) $(if $(Q),"$$Q")

eval-dedup: | $(VENV)/.installed ## measure the duplicate scorer (embeddings on and off) on the labelled pairs and the blind rewrites in tests/data
	$(PY) -m pipeline eval-dedup --source $(SOURCE)

SIZES ?= 10000 100000
bench: $(VENV)/.installed ## time every stage and make all (real appendix, then generated banks of SIZES questions); writes reports/bench.json
	$(PY) -m pipeline.bench.run $(SIZES)

test: $(VENV)/.installed ## run the test suite (the browser tests skip, saying why, without Chromium: see make test-browser)
	$(PY) -m pytest -q $(PYTEST_ARGS)

chromium: ## install Debian's headless Chromium and its driver if missing (apt-get, as root), for the browser tests
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else echo "install Debian's chromium and chromium-driver (sudo apt-get install chromium chromium-driver), then rerun"; exit 1; fi; }

test-browser: chromium $(VENV)/.installed ## run the browser tests only (installs Chromium first where it can)
	REQUIRE_BROWSER=1 $(PY) -m pytest -q -m browser $(PYTEST_ARGS)

clean: ## delete the warehouse and reports (raw/ is never touched)
	rm -rf $(WAREHOUSE)/*.parquet $(WAREHOUSE)/*.json $(WAREHOUSE)/*.duckdb $(WAREHOUSE)/.dedup-* $(REPORTS)/*

# The front door. The build graph is declared once, in pipeline/flow/graph.py, and run in one process by its runner
# (`python -m pipeline build`): each stage whose inputs, code or options changed by content runs, in order, into a work
# area ($(BUILDS)/work) never where readers look; then publish makes the finished build current in one atomic step:
# warehouse/ and reports/ are symbolic links into it (docs/reliability.md). A second `make all` with nothing changed
# does no work. `make help` lists the commands.
#
# Override the input and outputs to run on another copy of the appendix:
#   make all SOURCE=path/to/appendix.txt WAREHOUSE=dir/warehouse REPORTS=dir/reports

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := all
# `make sql Q=…` and `BASE=…`: a variable given on Make's command line is exported to every recipe, and exporting
# expands it (`$(shell …)` would run). Q and BASE are never exported themselves, nor written into a recipe line (a
# newline in them would split it into two commands, and `make -i` would run the second): each reaches the program
# through an environment variable that holds its text unexpanded, `$(value …)`, newlines and all.
unexport Q BASE
export PIPELINE_QUERY = $(value Q)

PYTHON_BOOT ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
SOURCE ?= raw/appendix2_interview_questions.txt
WAREHOUSE ?= warehouse
REPORTS ?= reports
# Beside the warehouse link: the work area, the published generations and the `current` link.
BUILDS ?= $(dir $(WAREHOUSE)).$(notdir $(WAREHOUSE))-builds
STRICT ?=
DECISIONS ?= raw/duplicate_decisions.csv
TAG_DECISIONS ?= raw/tag_decisions.csv
EMBEDDINGS ?= auto

# Stage messages name the folders readers open (the published links), not the work area.
export PIPELINE_SHOW_REPORTS := $(REPORTS)
export PIPELINE_SHOW_WAREHOUSE := $(WAREHOUSE)

# GX must not phone home (no network here) nor draw progress bars into logs.
export GX_ANALYTICS_ENABLED := false
# Embeddings outlive a build here, by text: a rebuild encodes only the questions that changed (the base builds of
# make diff and make history share it).
EMBEDDINGS_CACHE ?= $(BUILDS)/cache
export PIPELINE_EMBEDDINGS_CACHE := $(EMBEDDINGS_CACHE)
# One BLAS thread: the tag audit fits its folds side by side in threads (one per core); BLAS threads spinning against
# them made the tag model 4× slower (docs/benchmarks.md).
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1

EXTERNAL_BANKS ?= raw/external_banks.csv
ALIASES ?= raw/ref_aliases.csv
GENERIC_TERMS ?= raw/generic_terms.csv
VERDICT_HISTORY ?= raw/verdict_history.csv

# make diff compares with BASE (the last commit unless given); make check compares only when BASE is given.
# BASE, like Q, is read unexpanded and never exported: a ref is only ever a word passed to git.
BASE_REF := $(value BASE)
define NEWLINE


endef
# A ref is one word: a newline in BASE is refused before anything runs (under `make -i` too, which would go on past a
# failed recipe and build the rest).
ifneq ($(findstring $(NEWLINE),$(BASE_REF)),)
$(error BASE holds a newline: a git ref is one word (BASE=origin/main))
endif
ifneq ($(filter diff,$(MAKECMDGOALS)),)
ifeq ($(BASE_REF),)
BASE_REF := HEAD
endif
endif
export PIPELINE_BASE_REF = $(value BASE_REF)
VERSIONS := $(BUILDS)/versions
BASE_REPO ?= .
HISTORY_POINTS := $(BUILDS)/history.json

# Two builds into one work area at once would publish a mix of both. A goal that builds runs Make again under the
# builds folder's lock (flock, released by the OS however Make ends): a second build waits for the first, up to
# BUILD_LOCK_WAIT seconds, then refuses in one line. `check` and `sql` build under the lock, then read the published
# build without it (publishing is atomic), so an open SQL session holds no lock.
BUILD_GOALS := all ingest external overlap check dedup tags warehouse report changes diff history publish sql review
READ_GOALS := check sql review
BUILD_LOCK_WAIT ?= 900
GOALS := $(or $(MAKECMDGOALS),$(.DEFAULT_GOAL))
ifneq ($(if $(PIPELINE_BUILD_LOCKED),,$(filter $(BUILD_GOALS),$(GOALS))),)

LOCKED_GOALS := $(filter-out $(READ_GOALS),$(GOALS)) $(if $(filter $(READ_GOALS),$(GOALS)),all)
.PHONY: $(GOALS)
$(firstword $(GOALS)):
	@mkdir -p $(BUILDS) && PIPELINE_BUILD_LOCKED=1 flock --conflict-exit-code 75 --wait $(BUILD_LOCK_WAIT) $(BUILDS)/.build.lock $(MAKE) --no-print-directory $(LOCKED_GOALS) \
	  || { code=$$?; [ $$code != 75 ] || echo "error: $(BUILDS): another build has held it for $(BUILD_LOCK_WAIT) s (BUILD_LOCK_WAIT): try again when it ends" >&2; exit $$code; }
	$(if $(filter $(READ_GOALS),$(GOALS)),@PIPELINE_BUILD_LOCKED=1 $(MAKE) --no-print-directory BUILT=1 $(filter $(READ_GOALS),$(GOALS)))
$(filter-out $(firstword $(GOALS)),$(GOALS)): $(firstword $(GOALS)) ; @:

else
# One process builds (the runner); `make sql`, `make bench` and `make review` print as they go.
MAKEFLAGS += --no-builtin-rules

.PHONY: all help venv lint test test-slow test-browser chromium bench mutate ingest external overlap check dedup tags warehouse report changes diff history publish sql review eval-dedup eval-tags eval-external external-preview clean

all: | $(VENV)/.installed ## rebuild every table, check and report from raw/ that changed, in one process, then publish them at once (warehouse/, reports/)
	@$(BUILD) $(if $(BASE_REF),--base-ref-env PIPELINE_BASE_REF)

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | column -t -s $$'\t'

venv: $(VENV)/.installed ## create the virtual environment (make all and make test do it too)

# A venv whose python is gone (deleted, or its base Python removed) is built again, not run into bash's "127".
ifneq ($(shell test -x $(PY) || echo gone),)
$(shell rm -f $(VENV)/.installed)
endif
$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON_BOOT) -m venv --clear $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

# The inputs, by the names pipeline/flow/graph.py declares (INPUTS): each is read by content, so an older file given
# by another path is a change and a touched file is not; a missing input, a FIFO, a device or a link out of its folder
# is refused in one line before anything runs.
INPUTS := SOURCE DECISIONS TAG_DECISIONS EXTERNAL_BANKS ALIASES GENERIC_TERMS VERDICT_HISTORY
BUILD = $(PY) -m pipeline build --builds $(BUILDS) --warehouse $(WAREHOUSE) --reports $(REPORTS) --embeddings $(EMBEDDINGS) \
	--versions $(VERSIONS) --points $(HISTORY_POINTS) --repo $(BASE_REPO) $(foreach name,$(INPUTS),$(name)=$($(name)))

# A stage by itself, and what it reads, into the work area (not published): `make dedup`, `make tags`, …
ingest external overlap dedup tags warehouse report changes: | $(VENV)/.installed
	@$(BUILD) --only $@

ingest: ## parse the appendix into Parquet tables in the work area
external: ## read the question banks registered in raw/external_banks.csv
overlap: ## match the external banks' questions to the appendix
dedup: ## score near-duplicates, apply raw/duplicate_decisions.csv, write the review page and CSV
tags: ## audit every question's tag against its wording, apply raw/tag_decisions.csv, write the tag audit report
warehouse: ## link questions to references and build the DuckDB database (tables and report views)
report: ## write the coverage report (Markdown and HTML, with charts) from the database
changes: ## this build's measures (history table, history.html); with `BASE=<ref>`, what it changed against raw/ at BASE

# make all records the checks' results but does not stop on them; make check is the gate.
check: $(if $(BUILT),,all) ## `make all`, then the quality gate on the published build: fails on a critical problem, naming its line (`STRICT=1`: on warnings too; `BASE=<ref>`: only on problems the change since BASE introduced)
	$(PY) -m pipeline $(if $(BASE_REF),gate-changes,gate) --reports $(REPORTS) $(if $(STRICT),--strict)

diff: all ## build raw/ as it is at `BASE` (default HEAD: your uncommitted edit), in the same process, and say what the change did: reports/changes.md (the pull-request comment), changes.html, changes.json
	@echo "diff: reports/changes.md (post it on the pull request), reports/changes.html, reports/changes.json"

history: | $(VENV)/.installed ## build raw/ at every commit that changed it (kept per tree of raw/), then this build, in one process: the warehouse table history and reports/history.html chart each measure
	@$(BUILD) --history $(if $(BASE_REF),--base-ref-env PIPELINE_BASE_REF)

publish: all ## make the finished build current: warehouse/ and reports/ switch to it at once (make all does it)

review: $(if $(BUILT),,all) ## the editors' workbench: a local server (127.0.0.1, prints its address) whose verdicts go straight into raw/ and whose pages show each rebuild (`PORT=`)
	@$(PY) -m pipeline review --builds $(BUILDS) --warehouse $(WAREHOUSE) --reports $(REPORTS) --embeddings $(EMBEDDINGS) \
		$(if $(PORT),--port $(PORT)) $(foreach name,$(INPUTS),$(name)=$($(name)))

sql: $(if $(BUILT),,all) ## run `Q="select …"` on the warehouse and print the result (Q reaches it untouched, read-only); without Q, an interactive session
	@$(PY) -m pipeline sql --warehouse $(WAREHOUSE) --query-env PIPELINE_QUERY

eval-tags: | $(VENV)/.installed ## the tag audit: out-of-fold accuracy, per-tag F1, and 15 tags flipped at random (10 seeds) found among the top 15/30/45
	$(PY) -m pipeline eval-tags --source $(SOURCE)

eval-dedup: | $(VENV)/.installed ## measure the duplicate scorer before #36 and now (embeddings on and off) on every labelled set in pipeline/evaluation/data, and whether the shipped weights are the rule's choice
	$(PY) -m pipeline eval-dedup --choose --source $(SOURCE)

external-preview: | $(VENV)/.installed ## print what is read from a bank, line by line, with its confidence, before any build: `BANK=<bank_id>` (as the registry says) or `FILE=<path>`
	@$(PY) -m pipeline external-preview $(if $(BANK),--bank '$(BANK)' --registry $(EXTERNAL_BANKS)) $(if $(FILE),'$(FILE)')

eval-external: | $(VENV)/.installed ## each bank layout's precision and recall on the fixture banks written by hand (pipeline/evaluation/data/banks)
	$(PY) -m pipeline eval-external

SIZES ?= 10000 100000
CHAPTERS ?= 1000 10000
$(VENV)/.bench: requirements-bench.lock $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-bench.lock
	touch $@

bench: $(VENV)/.bench ## time every process of `make all`, peers beside ours, on the real appendix and generated banks (`SIZES`, `CHAPTERS`), make diff and the workbench; writes docs/bench.json (the README's speed table)
	$(PY) -m pipeline.bench.run $(SIZES) --chapters $(CHAPTERS)

# Mutation testing: mutmut (requirements-mutate.lock) goes into a folder of its own, never into the shared .venv; its
# configuration (the rule modules, the fast tests that cover them) is pyproject.toml's [tool.mutmut]. A run resumes
# where the last one stopped and keeps its results in mutants/; `rm -rf mutants` starts afresh.
MUTATE_LIB ?= .mutmut-lib
MUTATE_JOBS ?= 2
# The rules measured: whole modules, and of the runner and the server only their rule functions (the rest of them, the
# build loop and HTTP, is tested through builds and a server, too slow to run once a mutant).
MUTANTS ?= pipeline.changes.match.* pipeline.similarity.frames.* pipeline.similarity.score.* \
	pipeline.external.layouts.* pipeline.external.clean.* pipeline.external.blocks.* pipeline.external.auto.* \
	pipeline.external.markdown.* pipeline.flow.runner.x_keys_* pipeline.flow.runner.x_code_digest_* \
	pipeline.flow.runner.x_stale_* pipeline.flow.runner.x_why_* pipeline.publish.stage.* pipeline.workbench.files.* \
	pipeline.workbench.server.x__overwrites_* pipeline.workbench.server.x_pair_key_* \
	pipeline.workbench.server.x_tag_key_* pipeline.suites.*
MUTMUT = PYTHONPATH=$(MUTATE_LIB) $(PY) -m mutmut
$(MUTATE_LIB)/.installed: requirements-mutate.lock $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --upgrade --target $(MUTATE_LIB) -r requirements-mutate.lock
	touch $@

mutate: $(MUTATE_LIB)/.installed ## mutation testing (mutmut) of the rule modules against their fast tests, then each module's score and its surviving mutants (`MUTANTS='pipeline.changes.match.*'`: some; docs/development.md reviews them)
	$(MUTMUT) run --max-children $(MUTATE_JOBS) $(foreach name,$(MUTANTS),'$(name)')
	$(MUTMUT) results --all true | .ci/mutation-score $(foreach name,$(MUTANTS),'$(name)')

lint: $(VENV)/.installed ## ruff: the lint rules of pyproject.toml and the formatter, checked (CI runs it; `ruff format` fixes the layout)
	$(VENV)/bin/ruff check pipeline tests
	$(VENV)/bin/ruff format --check pipeline tests

test: $(VENV)/.installed ## run the tests but the slow end-to-end ones (`PYTEST_ARGS=…` passes options to pytest; the browser tests skip, saying why, without Chromium)
	$(PY) -m pytest -q -m "not slow" $(PYTEST_ARGS)

test-slow: $(VENV)/.installed ## run the slow end-to-end tests: Make runs, the build killed at 50 points, two builds at once, a full disk
	$(PY) -m pytest -q -m slow $(PYTEST_ARGS)

chromium: ## install Debian's headless Chromium and its driver if missing (apt-get, as root), for the browser tests
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else echo "install Debian's chromium and chromium-driver (sudo apt-get install chromium chromium-driver), then rerun"; exit 1; fi; }

test-browser: chromium $(VENV)/.installed ## run the browser tests only (installs Chromium first where it can)
	REQUIRE_BROWSER=1 $(PY) -m pytest -q -m browser $(PYTEST_ARGS)

clean: ## delete the warehouse and reports, published and in progress (raw/ is never touched)
	rm -rf $(BUILDS) $(WAREHOUSE) $(REPORTS)

endif

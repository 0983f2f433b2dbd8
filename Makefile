# Meethuis — every target a user needs. `make help` lists them.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
export PATH := $(abspath $(VENV))/bin:$(PATH)
export PYTHONHASHSEED := 0
export MPLBACKEND := Agg
ORG ?= data/sample/molensloot.yml
OUT ?= reports
JOBS ?= 2

.PHONY: help setup tools report reports community validate test test-fast test-notebooks book test-book bench bench-scale sample clean

help: ## list every target with a one-line explanation
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $@

setup: $(VENV)/.installed ## create .venv and install pinned requirements + meethuis (fast when done before)

report: setup ## the main job: the rendered report for gemeente Molensloot (ORG=..., OUT=...)
	$(VENV)/bin/meethuis report --config $(ORG) --out $(OUT)/$$(basename $(ORG) .yml)

reports: setup ## reports for every sample organisation, in parallel (JOBS=2)
	$(VENV)/bin/meethuis report --all data/sample --out $(OUT) --jobs $(JOBS)

community: setup ## the community report of the sample pool (samples + 40 generated organisations, all fictional)
	$(VENV)/bin/meethuis benchmark sample --pool $(OUT)/gemeenschap.duckdb --replace
	$(VENV)/bin/meethuis benchmark report --pool $(OUT)/gemeenschap.duckdb --out $(OUT)/gemeenschap

validate: setup ## validate every sample organisation and print its data-quality summary
	$(VENV)/bin/meethuis validate --all data/sample

node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --ignore-scripts --no-audit --no-fund && touch $@; \
	else echo "npm not found: the handbook's browser checks (axe-core) will be skipped"; fi

tools: node_modules/.installed ## browser-side tools of the handbook checks (axe-core, MathJax) via npm

test: setup tools ## the full test suite (unit tests, handbook, notebooks with nbval, end-to-end)
	$(PY) -m pytest -q -p no:cacheprovider tests
	$(MAKE) --no-print-directory test-notebooks

test-notebooks: setup ## run every chapter notebook with its default parameters (nbval)
	$(PY) -m pytest -q -p no:cacheprovider --nbval-lax notebooks

test-fast: setup ## unit tests only, skipping the slow end-to-end tests
	$(PY) -m pytest -q -p no:cacheprovider -m "not slow" tests

book: setup ## build the handbook into _build/html (offline, warnings are errors; prints the build time)
	@start=$$(date +%s); $(VENV)/bin/jupyter-book build . --all -W --keep-going; rc=$$?; \
	echo "book build: $$(( $$(date +%s) - start )) s"; exit $$rc

test-book: book tools ## check the built handbook: no third-party requests, axe-core WCAG 2.1 AA, links, screenshots
	$(PY) tests/book/check_book.py _build/html --screenshots _build/screenshots

bench: setup ## print the speed figures (intake, weighting, drivers, report, linkage, scrubbing, community pool, journeys) next to their peers
	$(PY) bench/bench_intake.py
	$(PY) bench/bench_weights.py
	$(PY) bench/bench_drivers.py
	$(PY) bench/bench_report.py
	$(PY) bench/bench_linkage.py
	$(PY) bench/bench_feedback.py
	$(PY) bench/bench_pool.py
	$(PY) bench/bench_journeys.py

bench-scale: setup ## full reports today vs new at 3k, 100k and 1M responses, and the batch of 40 organisations on Dask (20-40 min)
	$(PY) bench/bench_scale.py
	$(PY) bench/bench_batch.py

sample: setup ## regenerate data/sample byte-identically from the seeded generator
	$(VENV)/bin/meethuis sample --out data/sample

clean: ## remove build output (keeps .venv)
	rm -rf _build reports .pytest_cache

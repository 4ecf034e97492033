# Two commands on a fresh machine: `make run` and `make test`.
# Both create .venv and install what they need; Java 17+ is the only prerequisite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RAW_EVENTS := data/01_raw/events
ENV ?= base

export KEDRO_DISABLE_TELEMETRY := 1
export PYSPARK_PYTHON := $(abspath $(BIN)/python)
export PYSPARK_DRIVER_PYTHON := $(abspath $(BIN)/python)

.PHONY: run test install demo-data lint format viz java clean-data

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

java:
	@scripts/check_java.sh

# Generate demo events unless some raw CSV is already there (yours or generated).
demo-data: install java
	@if ls $(RAW_EVENTS)/*.csv >/dev/null 2>&1; then \
	  echo "Raw events found in $(RAW_EVENTS)/: not generating demo data."; \
	else \
	  $(BIN)/kedro run --pipelines=demo_data --env=$(ENV); \
	fi

run: demo-data
	$(BIN)/kedro run --env=$(ENV)

test: install java
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

viz: install
	$(BIN)/kedro viz run

# Removes generated data and outputs (keeps the folder layout).
clean-data:
	find data -mindepth 2 ! -name .gitkeep -delete 2>/dev/null || true
	find data -mindepth 2 -type d -empty -delete 2>/dev/null || true

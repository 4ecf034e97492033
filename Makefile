# Two commands on a fresh machine: `make run` and `make test`.
# Both create .venv and install what they need; Java 17+ is the only prerequisite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RAW := data/01_raw
ENV ?= base

export KEDRO_DISABLE_TELEMETRY := 1
export PYSPARK_PYTHON := $(abspath $(BIN)/python)
export PYSPARK_DRIVER_PYTHON := $(abspath $(BIN)/python)

.PHONY: run test install demo-data lint format viz dashboard mlflow java clean-data benchmark quality

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

java:
	@scripts/check_java.sh

# Sets $missing to the sources whose raw folder holds no file (yours are kept; the
# run then says what to do about a file it cannot read, such as a .zip).
define missing_sources
files() { ls "$$1" 2>/dev/null | grep -q '^[^._]'; }; missing=""; \
files $(RAW)/events || missing="events"; \
[ -e $(RAW)/orders/olist_orders_dataset.csv ] || missing="$$missing orders"; \
files $(RAW)/interactions || missing="$$missing interactions"
endef

# Generates demo data for the sources in $missing.
define generate_missing
namespaces=$$(echo $$missing | tr ' ' ','); \
echo "Generating demo data for: $$namespaces"; \
$(BIN)/kedro run --pipelines=demo_data --namespaces=$$namespaces --env=$(ENV)
endef

# Generate demo data for each source whose raw folder holds no file.
demo-data: install java
	@$(missing_sources); \
	if [ -z "$$missing" ]; then \
	  echo "Raw data found for every source in $(RAW)/: not generating demo data."; \
	else $(generate_missing); fi

# Every pipeline, two nodes at a time: the sources' nodes overlap, so one
# node's Spark jobs use the cores while the other's driver plans and commits
# (docs/speed-and-scale.md#make-run). With no raw file of any source (a fresh
# clone) the demo data is generated in the same run: one Spark start, not two.
RUNNER ?= ThreadRunner
run: install java
	@$(missing_sources); \
	if [ "$$missing" = "events orders interactions" ]; then \
	  echo "No raw data in $(RAW)/: generating demo data for every source in this run."; \
	  $(BIN)/kedro run --pipelines=demo_data,__default__ --runner=$(RUNNER) --env=$(ENV); \
	else \
	  if [ -n "$$missing" ]; then $(generate_missing) || exit 1; fi; \
	  $(BIN)/kedro run --runner=$(RUNNER) --env=$(ENV); \
	fi

# Two workers: the shared end-to-end run on one, the other tests beside it.
TEST_WORKERS ?= 2
test: install java
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

viz: install
	$(BIN)/kedro viz run

# The dashboard on http://127.0.0.1:$(PORT) (this machine only; make dashboard ENV=test).
PORT ?= 8501
dashboard: install
	$(BIN)/streamlit run src/ecom_recsys/dashboard/server.py \
	  --server.address=127.0.0.1 --server.port=$(PORT) --server.headless=true \
	  --browser.gatherUsageStats=false --client.toolbarMode=viewer -- --env=$(ENV)

# The MLflow UI on http://127.0.0.1:$(MLFLOW_PORT) (this machine only): every
# tracked run of this project, from the local store mlruns/ (docs/tracking.md).
# A shared tracking server (MLFLOW_TRACKING_URI) has its own UI: open its address.
# One worker and no job runner (MLflow's GenAI background jobs): a UI for one person.
MLFLOW_PORT ?= 5000
MLRUNS := $(CURDIR)/mlruns
mlflow: install
	@mkdir -p $(MLRUNS)
	MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false \
	  $(BIN)/mlflow ui --backend-store-uri sqlite:///$(MLRUNS)/mlflow.db \
	  --artifacts-destination $(MLRUNS)/artifacts \
	  --host 127.0.0.1 --port $(MLFLOW_PORT) --workers 1

# Times the events pipeline on N generated events, node by node (docs/speed-and-scale.md):
# make benchmark EVENTS="1M 10M" [BENCHMARK_ARGS="--driver-memory 14g"]
EVENTS ?= 1M
benchmark: install java
	$(BIN)/python -m ecom_recsys.benchmark --events $(EVENTS) $(BENCHMARK_ARGS)

# Removes generated data and outputs (keeps the folder layout). The MLflow runs
# in mlruns/ stay: delete that folder to forget them.
clean-data:
	find data -mindepth 2 ! -name .gitkeep -delete 2>/dev/null || true
	find data -mindepth 2 -type d -empty -delete 2>/dev/null || true

# The quality report: every model on the real datasets in ../shared/data (or
# DATASETS=movielens_small), under global and per-user splits (docs/evaluation.md).
quality: install java
	$(BIN)/python -m ecom_recsys.quality $(if $(DATASETS),--datasets $(DATASETS))

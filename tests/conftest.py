"""Shared fixtures: one SparkSession for the whole test session."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from kedro.config import OmegaConfigLoader
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.io import DataCatalog
from kedro.runner import ThreadRunner
from pyspark.sql import DataFrame, SparkSession

PROJECT_PATH = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_PATH.parent / "shared" / "data"

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
# Runs are not tracked in MLflow unless a test asks (the shared demo run does).
os.environ.setdefault("ECOM_RECSYS_MLFLOW", "0")
# The test environment's Spark settings (conf/test/spark.yml).
TEST_SPARK = yaml.safe_load((PROJECT_PATH / "conf" / "test" / "spark.yml").read_text())


# Under pytest-xdist (``make test`` runs two workers) the tests that read the
# shared demo run go to one worker (an ``xdist_group``), which makes the run
# first. So that both workers carry about the same, the Spark Connect run (it
# reads the demo run's events, which no test reruns) is left out of the group and
# collected last: the other worker takes it once its own tests are done, by then
# the demo run is there. The sequential-runner test (no demo run) joins the
# group instead. Measured per worker in docs/testing.md.
OUTSIDE_THE_GROUP = "test_the_events_pipeline_runs_through_spark_connect"
INTO_THE_GROUP = "test_default_pipeline_runs_through_the_sequential_runner"


def pytest_itemcollected(item: pytest.Item) -> None:
    """Readers of the shared demo run (but one) and the runner test: one
    xdist group."""
    reads_demo = "demo_project" in getattr(item, "fixturenames", ())
    name = getattr(item, "originalname", item.name)
    if (reads_demo and name != OUTSIDE_THE_GROUP) or name == INTO_THE_GROUP:
        item.add_marker(pytest.mark.xdist_group("demo_project"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The Connect run last (see OUTSIDE_THE_GROUP)."""
    items.sort(key=lambda item: getattr(item, "originalname", "") == OUTSIDE_THE_GROUP)


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> SparkSession:
    """A small local SparkSession shared by every test (JVM start-up is slow)."""
    checkpoints = tmp_path_factory.mktemp("spark-checkpoints")
    # conf/test's master, memory, partitions and JVM options: the test
    # environment's runs use this session
    session = (
        SparkSession.builder.config(map={k: str(v) for k, v in TEST_SPARK.items()})
        .appName("ecom_recsys-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.csv.parser.columnPruning.enabled", "false")  # spark.yml
        .config("spark.log.structuredLogging.enabled", "false")
        .config("spark.checkpoint.dir", str(checkpoints))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    session.sparkContext.setCheckpointDir(str(checkpoints))
    yield session
    session.stop()


def ts(value: str) -> datetime:
    """A naive datetime for tiny frames (the test session's time zone is UTC)."""
    return datetime.fromisoformat(value)


def rows(df: DataFrame, *order: str) -> list[tuple]:
    """All rows of a tiny frame as tuples, sorted for stable comparisons."""
    ordered = df.orderBy(*order) if order else df
    return [tuple(r) for r in ordered.collect()]


def make_project(root: Path) -> dict[str, Path]:
    """A copy of the configuration whose ``test`` environment writes under ``root``."""
    conf = root / "conf"
    shutil.copytree(PROJECT_PATH / "conf", conf, ignore=shutil.ignore_patterns("local"))
    (conf / "local").mkdir()
    data_root = root / "data"
    (conf / "test" / "globals.yml").write_text(f"data_root: {data_root}\n")
    return {"data": data_root, "conf": conf, "root": root}


def run(
    project: dict[str, Path],
    pipeline: str,
    namespaces=None,
    runtime_params: dict | None = None,
    **kwargs,
) -> None:
    """One ``KedroSession`` run of ``pipeline`` on the project's ``test`` environment
    (``runtime_params`` as with ``kedro run --params``)."""
    bootstrap_project(PROJECT_PATH)
    with KedroSession.create(
        project_path=PROJECT_PATH,
        env="test",
        conf_source=str(project["conf"]),
        runtime_params=runtime_params,
    ) as session:
        session.run(pipeline_names=[pipeline], namespaces=namespaces, **kwargs)


@pytest.fixture(scope="session")
def demo_project(spark, tmp_path_factory, worker_id) -> dict[str, Any]:
    """Demo data and the default pipeline, run once for every test that reads outputs.

    The default pipeline runs two nodes at a time, through Kedro's
    ``ThreadRunner``, as ``make run`` runs it (the sequential runner has its
    own test, test_pipeline_runner.py). Tests that only read outputs share
    this run; a test that reruns a pipeline must leave outputs equal to what
    it found (the rerun-equality test does). The
    default run is tracked in MLflow, in a SQLite store beside the data
    (``project["mlflow"]``, its tracking URI). Under pytest-xdist the first
    worker that needs it makes it, under a lock; the other reads its record.
    """
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        shared = shared.parent  # where every worker's own base folder is
    record = shared / "demo_project.json"
    with (shared / "demo_project.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if record.exists():
            saved = json.loads(record.read_text())
            return {k: v if k == "mlflow" else Path(v) for k, v in saved.items()}
        project = make_project(tmp_path_factory.mktemp("e2e"))
        run(project, "demo_data")
        store = f"sqlite:///{project['root'] / 'mlruns' / 'mlflow.db'}"
        tracked = {"ECOM_RECSYS_MLFLOW": "1", "MLFLOW_TRACKING_URI": store}
        with mock.patch.dict(os.environ, tracked):
            run(project, "__default__", runner=ThreadRunner())
        project = {**project, "mlflow": store}
        record.write_text(json.dumps({k: str(v) for k, v in project.items()}))
        return project


def latest(path: Path) -> Path:
    """The newest version of a versioned output (``<path>/<version>/<name>``)."""
    versions = sorted(v for v in path.iterdir() if (v / path.name).exists())
    assert versions, f"no version of {path}"
    return versions[-1] / path.name


def raw_dataset(name: str, path: Path, **load_args):
    """The catalog's (``conf/base``) raw dataset ``name`` reading ``path``, with
    ``load_args`` added to its own (as an override in conf/local would)."""
    loader = OmegaConfigLoader(
        str(PROJECT_PATH / "conf"), base_env="base", default_run_env="base"
    )
    config = dict(loader["catalog"][name])
    config["filepath"] = str(path)
    config["load_args"] = {**config.get("load_args", {}), **load_args}
    return DataCatalog.from_config({name: config})[name]


def raw_load_args(name: str, **load_args) -> dict:
    """The load_args of the catalog's raw dataset ``name`` (``load_args`` added)."""
    return raw_dataset(name, Path("unused"), **load_args)._describe()["load_args"]

"""Shared fixtures: one SparkSession for the whole test session."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession

PROJECT_PATH = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_PATH.parent / "shared" / "data"

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> SparkSession:
    """A small local SparkSession shared by every test (JVM start-up is slow)."""
    checkpoints = tmp_path_factory.mktemp("spark-checkpoints")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("ecom_recsys-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.log.structuredLogging.enabled", "false")
        .config("spark.driver.memory", "2g")
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

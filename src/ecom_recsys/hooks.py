"""Kedro hooks: one SparkSession per run, built from ``conf/<env>/spark.yml``, and
the wall time of every node."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import time
from pathlib import Path

from kedro.framework.context import KedroContext
from kedro.framework.hooks import hook_impl
from kedro.pipeline import Node
from pyspark import SparkConf
from pyspark.sql import SparkSession

from ecom_recsys.params import validate_parameters

logger = logging.getLogger(__name__)


def require_java() -> None:
    """Fail with a clear message when no Java runtime is available for Spark."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return
    if shutil.which("java") is None:
        raise RuntimeError(
            "Spark needs Java 17 or newer, and no `java` was found on PATH (nor "
            "JAVA_HOME set). Install it, e.g. `sudo apt-get install "
            "openjdk-17-jre-headless` or `brew install openjdk@17`, then run again."
        )


def build_spark_session(config: dict[str, object], app_name: str) -> SparkSession:
    """Create (or reuse) the SparkSession from a flat ``spark.*`` config mapping.

    Settings only take effect if no session exists yet in this process, which is
    why the hook runs in ``after_context_created``, before any dataset loads.
    """
    conf = SparkConf().setAll([(str(k), str(v)) for k, v in config.items()])
    checkpoint_dir = config.get("spark.checkpoint.dir")
    if checkpoint_dir and "://" not in str(checkpoint_dir):
        # Local checkpoints: make the folder absolute so it does not depend on
        # the working directory of whoever starts the JVM.
        checkpoint_dir = str(Path(str(checkpoint_dir)).resolve())
        conf.set("spark.checkpoint.dir", checkpoint_dir)
    spark = SparkSession.builder.appName(app_name).config(conf=conf).getOrCreate()
    spark.sparkContext.setLogLevel(str(config.get("spark.log.level", "WARN")))
    if checkpoint_dir:
        # ALS only checkpoints when the context has a checkpoint directory;
        # without one, long lineages overflow the stack.
        spark.sparkContext.setCheckpointDir(str(checkpoint_dir))
    return spark


class SparkHooks:
    """Initialise Spark from the active environment's ``spark.yml``."""

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        """Check the parameters, then build the SparkSession before any Spark
        dataset is created."""
        # The raw values: context.params would run Kedro's own validation of
        # the typed node inputs first, with less helpful messages.
        validate_parameters(
            context.config_loader["parameters"],
            Path(context.config_loader.conf_source),
            context.env,
            context.config_loader.runtime_params,
        )
        require_java()
        # Python workers must use this interpreter (the project's venv).
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        config = dict(context.config_loader["spark"])
        spark = build_spark_session(config, app_name=context.project_path.name)
        logger.info(
            "Spark %s on %s (%s shuffle partitions)",
            spark.version,
            spark.sparkContext.master,
            spark.conf.get("spark.sql.shuffle.partitions"),
        )


class NodeTimingHooks:
    """Wall time of every node, logged when it finishes and summed up at the end.

    Spark is lazy: a node's work mostly happens when its outputs are saved, so a
    node's time runs from loading its first input to saving its last output.
    ``timings`` keeps ``(node name, seconds)`` of the last run (the benchmark
    reads it); ``current`` names the node running now. One node at a time, as
    Kedro's default ``SequentialRunner`` runs them: under a parallel or thread
    runner the times of overlapping nodes would mix.
    """

    def __init__(self) -> None:
        self.timings: list[tuple[str, float]] = []
        self.current: str | None = None
        self._started: float | None = None

    def _start(self, node: Node) -> None:
        if self.current != node.name:
            self._finish()
            self.current, self._started = node.name, time.perf_counter()

    def _finish(self) -> None:
        if self.current is not None and self._started is not None:
            seconds = time.perf_counter() - self._started
            self.timings.append((self.current, seconds))
            logger.info("%s took %.1fs", self.current, seconds)
        self.current, self._started = None, None

    @hook_impl
    def before_pipeline_run(self) -> None:
        """Start a new list of timings."""
        self.timings, self.current, self._started = [], None, None

    @hook_impl
    def before_dataset_loaded(self, node: Node) -> None:
        """A node starts when it loads its first input."""
        self._start(node)

    @hook_impl
    def before_node_run(self, node: Node) -> None:
        """Nodes without inputs start here."""
        self._start(node)

    @hook_impl
    def after_pipeline_run(self) -> None:
        """Close the last node and log the slowest ones."""
        self._finish()
        slowest = sorted(self.timings, key=lambda t: -t[1])[:5]
        total = sum(s for _, s in self.timings)
        logger.info(
            "Nodes took %.1fs in all; slowest: %s",
            total,
            ", ".join(f"{name} {seconds:.1f}s" for name, seconds in slowest),
        )

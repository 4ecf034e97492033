"""The SparkSession: one per Kedro run, built from ``conf/<env>/spark.yml`` by a hook."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kedro.framework.context import KedroContext
from kedro.framework.hooks import hook_impl

from ecom_recsys.params import validate_parameters

if TYPE_CHECKING:  # imported when a session is built: the settings load without it
    from pyspark.sql import SparkSession

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
    from pyspark import SparkConf  # noqa: PLC0415
    from pyspark.sql import SparkSession  # noqa: PLC0415

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

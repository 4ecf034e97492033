"""The SparkSession: one per Kedro run, built from ``conf/<env>/spark.yml`` by a hook.

A classic session starts Spark's JVM in this process (``spark.master``); with
``spark.remote`` (``conf/connect``, or ``SPARK_REMOTE`` in the environment, as
PySpark itself reads it) the session is a Spark Connect client of a server
that runs Spark, and only the Spark SQL settings apply to it.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from kedro.framework.context import KedroContext
from kedro.framework.hooks import hook_impl

from ecom_recsys.params import validate_parameters
from ecom_recsys.spark import jvm

if TYPE_CHECKING:  # imported when a session is built: the settings load without it
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)

# The settings a Spark Connect client sets on its session; the others (master,
# memory, serializer, Java options, checkpoint folder) are the server's.
CONNECT_SETTINGS = "spark.sql."
DEFAULT_PORT = 15002  # Spark Connect's, when the URL names none


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


def remote_url(config: dict[str, object]) -> str | None:
    """The Spark Connect URL (``sc://host:port``): ``spark.remote`` of
    ``spark.yml``, else ``SPARK_REMOTE``, else None (a classic session)."""
    url = config.get("spark.remote") or os.environ.get("SPARK_REMOTE")
    return str(url) if url else None


def require_server(url: str | None) -> None:
    """Fail with a clear message when nothing answers at the Connect URL (the
    client would retry for minutes before it says so)."""
    if not url:
        raise RuntimeError(
            "No Spark Connect server to use: set SPARK_REMOTE=sc://<host>:15002, "
            "or spark.remote in conf/<env>/spark.yml (docs/connect.md)."
        )
    address = urlsplit(url.split(";", 1)[0].replace("sc://", "http://", 1))
    host, port = address.hostname or "localhost", address.port or DEFAULT_PORT
    try:
        socket.create_connection((host, port), timeout=10).close()
    except OSError as error:
        raise RuntimeError(
            f"Cannot reach the Spark Connect server at {host}:{port} "
            f"({error.strerror or error}). Start it (docs/connect.md) or point "
            "SPARK_REMOTE at a running one."
        ) from error


def _text(value: object) -> str:
    """A setting as Spark reads it (YAML's booleans as ``true``/``false``)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def build_spark_session(config: dict[str, object], app_name: str) -> SparkSession:
    """Create (or reuse) the SparkSession from a flat ``spark.*`` config mapping:
    a Spark Connect session when ``remote_url`` gives one, else a classic one.

    Settings only take effect if no session exists yet in this process, which is
    why the hook runs in ``after_context_created``, before any dataset loads.
    """
    from pyspark import SparkConf  # noqa: PLC0415
    from pyspark.sql import SparkSession  # noqa: PLC0415

    url = remote_url(config)
    if url is not None or not jvm.classic():
        return connect_session(url, config)
    conf = SparkConf().setAll([(str(k), str(v)) for k, v in config.items()])
    checkpoint_dir = config.get("spark.checkpoint.dir")
    if checkpoint_dir and "://" not in str(checkpoint_dir):
        # Local checkpoints: make the folder absolute so it does not depend on
        # the working directory of whoever starts the JVM.
        checkpoint_dir = str(Path(str(checkpoint_dir)).resolve())
        conf.set("spark.checkpoint.dir", checkpoint_dir)
    spark = SparkSession.builder.appName(app_name).config(conf=conf).getOrCreate()
    jvm.set_log_level(spark, str(config.get("spark.log.level", "WARN")))
    if checkpoint_dir:
        # ALS only checkpoints when the context has a checkpoint directory;
        # without one, long lineages overflow the stack.
        jvm.set_checkpoint_dir(spark, str(checkpoint_dir))
    return spark


def connect_session(url: str | None, config: dict[str, object]) -> SparkSession:
    """A Spark Connect session with the ``spark.sql.*`` settings of ``config``;
    the others are the server's, set where it starts.

    The session this process already has when there is one (a Databricks
    notebook's or job's), else a new one to ``url``. Warns about settings the
    server kept at another value (a managed one may refuse some) and about a
    server without ``spark.checkpoint.dir``.
    """
    from pyspark.errors import PySparkException  # noqa: PLC0415
    from pyspark.sql import SparkSession  # noqa: PLC0415

    settings = {
        str(k): _text(v)
        for k, v in config.items()
        if str(k).startswith(CONNECT_SETTINGS)
    }
    active = None if jvm.classic() else SparkSession.getActiveSession()
    if active is not None:
        spark = active
        for key, value in settings.items():
            try:
                spark.conf.set(key, value)
            except PySparkException:
                pass  # refused: named in the warning below
    else:
        require_server(url)
        spark = SparkSession.builder.remote(url).config(map=settings).getOrCreate()
        # Release the server's session before Python tears down: the finalizers
        # of Spark ML models would otherwise call the server while gRPC's
        # threads are gone, and the process would hang at exit.
        atexit.register(spark.stop)
    server = [str(k) for k in config if not str(k).startswith(CONNECT_SETTINGS)]
    logger.info(
        "Spark Connect: %d spark.yml setting(s) apply to the session; %d are the "
        "server's and left out (%s)",
        len(settings),
        len(server) - 1,  # spark.remote itself
        ", ".join(k for k in sorted(server) if k != "spark.remote"),
    )
    kept = {k: spark.conf.get(k, None) for k in settings}
    refused = {
        k: v for k, v in kept.items() if (v or "").lower() != settings[k].lower()
    }
    if refused:
        logger.warning(
            "The Spark Connect server kept its own value of %s",
            ", ".join(f"{k} ({v!r}, not {settings[k]!r})" for k, v in refused.items()),
        )
    if not spark.conf.get("spark.checkpoint.dir", None):
        logger.warning(
            "The Spark Connect server has no spark.checkpoint.dir: the dense ids' "
            "checkpoint fails and ALS fits without checkpoints. Start the server "
            "with --conf spark.checkpoint.dir=<folder every executor can reach> "
            "(docs/connect.md)."
        )
    return spark


def describe(spark: SparkSession, url: str | None) -> str:
    """Where ``spark`` runs, for the log: ``local[2]``, ``spark://host:7077``,
    or ``Spark Connect sc://host:15002 (server master local[2])`` (``url``:
    the one the session was made for, None for a session found running)."""
    master = spark.conf.get("spark.master", None) or "an unknown master"
    if jvm.classic():
        return master
    shown = url.split(";", 1)[0] if url else "session"  # no token in the log
    return f"Spark Connect {shown} (server master {master})"


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
        config = dict(context.config_loader["spark"])
        url = remote_url(config)
        running = not jvm.classic()  # a Connect session made before the run
        if url is None and not running:
            # a classic session: Spark's JVM runs in this process
            require_java()
            # Python workers must use this interpreter (the project's venv).
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        spark = build_spark_session(config, app_name=context.project_path.name)
        logger.info(
            "Spark %s on %s (%s shuffle partitions)",
            spark.version,
            describe(spark, None if running else url),
            spark.conf.get("spark.sql.shuffle.partitions"),
        )

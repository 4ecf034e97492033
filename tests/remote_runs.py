"""Helpers of the tests that run the project against a Spark server started on
127.0.0.1 (a standalone cluster, a Spark Connect server): free ports, stopping
the server's processes, a ``conf/`` with the test parameters in another
environment, and ``kedro run`` in a separate process."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import PROJECT_PATH


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    """Stop a process started with ``start_new_session=True``, children included."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def conf_with_test_parameters(root: Path, env: str, spark: dict) -> Path:
    """A copy of ``conf/`` whose ``env`` environment has ``conf/test``'s
    parameters and ``spark`` over its own ``spark.yml``."""
    conf = root / "conf"
    shutil.copytree(PROJECT_PATH / "conf", conf, ignore=shutil.ignore_patterns("local"))
    (conf / "local").mkdir()
    for params in (conf / "test").glob("parameters_*.yml"):
        shutil.copy(params, conf / env / params.name)
    spark_yml = conf / env / "spark.yml"
    settings = yaml.safe_load(spark_yml.read_text())
    spark_yml.write_text(yaml.safe_dump({**settings, **spark}))
    return conf


def kedro_run(conf: Path, env: str, environ: dict[str, str], *options: str) -> str:
    """``kedro run --env=<env>`` on ``conf`` in a separate process with
    ``environ`` added to this one's; its output, once it succeeded."""
    command = [sys.executable, "-m", "kedro", "run", f"--env={env}"]
    command += [f"--conf-source={conf}", *options]
    result = subprocess.run(
        command,
        cwd=PROJECT_PATH,
        env={
            **os.environ,
            "KEDRO_DISABLE_TELEMETRY": "1",
            # wide log lines: rich must not wrap the session's URL
            "COLUMNS": "400",
            **environ,
        },
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-5000:]
    return log

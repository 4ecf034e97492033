"""The same project on a real Spark cluster.

A standalone master and one worker are started on 127.0.0.1 from the pyspark
installation's own classes (``bin/spark-class``), and ``kedro run --env=cluster``
runs the default pipeline of one source against them in a separate process
(the interactions source, the quickest: every source runs the same Spark
stages, and the local runs test each): the ``cluster``
environment's ``spark.yml`` and ``globals.yml``, with the master URL and the
data root taken from the environment (``SPARK_MASTER_URL``,
``ECOM_RECSYS_DATA_ROOT``) and executors small enough for the test worker. The
parameters are ``conf/test``'s (small ALS, few trials), in place of the
cluster's, which are sized for a real cluster.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pyspark
import pytest

from tests.conftest import latest
from tests.remote_runs import conf_with_test_parameters, free_port, kedro_run, stop

pytestmark = pytest.mark.e2e

SOURCE = "interactions"

# Executors that fit the test worker (2 cores, 3 GB); the rest is conf/cluster's.
SMALL_EXECUTORS = {
    "spark.driver.memory": "1g",
    "spark.executor.memory": "1g",
    "spark.executor.cores": 2,
    "spark.cores.max": 2,
    "spark.executor.instances": 1,
    "spark.sql.shuffle.partitions": 2,
    "spark.default.parallelism": 2,
    "spark.ui.enabled": False,
}


def _master_state(webui: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{webui}/json/", timeout=5) as r:
        return json.loads(r.read())


def _wait(ready: Callable[[], bool], what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except OSError:  # the web UI is not up yet
            pass
        time.sleep(1)
    raise AssertionError(f"{what} did not start within {seconds}s")


@pytest.fixture(scope="module")
def standalone_cluster(tmp_path_factory) -> Iterator[dict]:
    """A Spark standalone master and one worker (2 cores, 3 GB) on 127.0.0.1."""
    spark_home = Path(pyspark.__file__).parent
    spark_class = str(spark_home / "bin" / "spark-class")
    folder = tmp_path_factory.mktemp("standalone")
    port, webui = free_port(), free_port()
    url = f"spark://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SPARK_HOME": str(spark_home),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_DAEMON_MEMORY": "512m",
        "SPARK_MASTER_OPTS": "-Dspark.master.rest.enabled=false",
    }
    daemons: list[subprocess.Popen] = []

    def start(name: str, *args: str) -> None:
        with open(folder / f"{name}.log", "w") as log:
            daemons.append(
                subprocess.Popen(
                    [spark_class, *args],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # stopped with its children below
                )
            )

    try:
        start("master", "org.apache.spark.deploy.master.Master", "--host",
              "127.0.0.1", "--port", str(port), "--webui-port", str(webui))  # fmt: skip
        _wait(lambda: _master_state(webui)["status"] == "ALIVE", "The master")
        start("worker", "org.apache.spark.deploy.worker.Worker", url, "--host",
              "127.0.0.1", "--cores", "2", "--memory", "3g", "--work-dir",
              str(folder / "work"), "--webui-port", str(free_port()))  # fmt: skip
        _wait(lambda: _master_state(webui)["aliveworkers"] == 1, "The worker")
        yield {"url": url, "webui": webui, "logs": folder}
    finally:
        for daemon in reversed(daemons):
            stop(daemon)


def _served_rows(path: Path) -> int:
    return pq.ParquetDataset(latest(path)).read(columns=["user_idx"]).num_rows


def test_the_default_pipeline_runs_on_a_standalone_cluster(
    standalone_cluster, demo_project, tmp_path
):
    conf = conf_with_test_parameters(tmp_path, "cluster", SMALL_EXECUTORS)
    data = tmp_path / "data"
    # The demo run's raw data (the ratings and the item details file): the
    # cluster run must give the same results.
    for folder in (SOURCE, f"{SOURCE}_items"):
        shutil.copytree(
            demo_project["data"] / "01_raw" / folder, data / "01_raw" / folder
        )
    environ = {
        "SPARK_MASTER_URL": standalone_cluster["url"],
        "ECOM_RECSYS_DATA_ROOT": str(data),
        # untracked: conf/cluster's store would be this one if it were tracked
        "ECOM_RECSYS_MLFLOW": "0",
        "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}",
    }
    # the Spark stages (reporting's small tables and charts run as locally)
    stages = "--pipelines=data_processing,feature_engineering,modeling"
    log = kedro_run(conf, "cluster", environ, stages, f"--namespaces={SOURCE}")
    assert f"on {standalone_cluster['url']}" in log  # the hook's session
    assert "MLflow tracking is off (ECOM_RECSYS_MLFLOW=0)" in log
    assert not (tmp_path / "mlruns").exists()  # nothing recorded

    # The master ran it: one finished application, with executors on the worker.
    apps = _master_state(standalone_cluster["webui"])["completedapps"]
    assert [a["state"] for a in apps] == ["FINISHED"]
    assert apps[0]["cores"] == 2

    # Same data, same parameters: the same results as the local run.
    local, cluster = demo_project["data"], data
    name = f"08_reporting/{SOURCE}/data_quality.csv"
    pd.testing.assert_frame_equal(
        pd.read_csv(cluster / name), pd.read_csv(local / name)
    )
    served = f"07_model_output/{SOURCE}/served_recommendations.parquet"
    assert _served_rows(cluster / served) == _served_rows(local / served) > 0
    metrics = f"07_model_output/{SOURCE}/ranking_metrics.csv"
    index = ["model", "metric", "protocol"]
    ours = pd.read_csv(latest(cluster / metrics)).set_index(index)
    theirs = pd.read_csv(latest(local / metrics)).set_index(index)
    assert ours["users_evaluated"].equals(theirs["users_evaluated"])
    baselines = ["popularity", "recent_popularity", "random"]
    pd.testing.assert_series_equal(
        ours.loc[baselines, "value"], theirs.loc[baselines, "value"], rtol=1e-9
    )
    assert ours.loc[("als", "ndcg", "configured"), "value"] == pytest.approx(
        theirs.loc[("als", "ndcg", "configured"), "value"], abs=0.02
    )

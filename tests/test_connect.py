"""The same project on Spark Connect.

A Spark Connect server is started on 127.0.0.1 from the pyspark installation
(its ``sbin/start-connect-server.sh`` and connect jar), with the test
environment's Spark settings (``conf/base`` and ``conf/test`` ``spark.yml``:
master, memory, Java options) and a checkpoint folder. ``kedro run
--env=connect`` then runs the events source's pipelines through it in a
separate process, with ``SPARK_REMOTE`` naming the server, the raw data of
the shared local run (``demo_project``) and ``conf/test``'s parameters and
Spark SQL settings in place of the ``connect`` environment's (which are
``conf/base``'s). That process has no Java to start (``JAVA_HOME`` points
nowhere): everything goes through the public APIs. Its metrics and served lists
must equal the local run's. The reporting pipeline (tables and charts of the
outputs compared here, tested on the local run) is left out: it would add about
a tenth to the run's time.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyspark
import pytest
import yaml

from ecom_recsys.spark.session import remote_url, require_server
from tests.conftest import PROJECT_PATH, latest
from tests.remote_runs import conf_with_test_parameters, free_port, kedro_run, stop

SOURCE = "events"
PIPELINES = "data_processing,feature_engineering,modeling"
SQL = "spark.sql."  # the settings a Connect client sets on its session


def _test_spark_settings() -> dict[str, object]:
    """``conf/base/spark.yml`` with ``conf/test/spark.yml`` over it, key by key."""
    settings = {}
    for env in ("base", "test"):
        settings.update(
            yaml.safe_load((PROJECT_PATH / "conf" / env / "spark.yml").read_text())
        )
    return settings


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def connect_server(tmp_path_factory) -> Iterator[dict]:
    """A Spark Connect server on 127.0.0.1 with the test environment's settings."""
    spark_home = Path(pyspark.__file__).parent
    folder = tmp_path_factory.mktemp("connect")
    port = free_port()
    settings = {
        k: v for k, v in _test_spark_settings().items() if not k.startswith(SQL)
    }
    master = settings.pop("spark.master")
    settings["spark.checkpoint.dir"] = str(folder / "checkpoints")
    settings["spark.connect.grpc.binding.address"] = "127.0.0.1"
    settings["spark.connect.grpc.binding.port"] = port
    command = [str(spark_home / "sbin" / "start-connect-server.sh"), "--wait"]
    command += ["--master", str(master)]
    for key, value in settings.items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        command += ["--conf", f"{key}={text}"]
    env = {
        **os.environ,
        "SPARK_HOME": str(spark_home),
        "SPARK_LOCAL_IP": "127.0.0.1",
        # the daemon script's log and pid files: not in the installation
        "SPARK_LOG_DIR": str(folder),
        "SPARK_PID_DIR": str(folder),
    }
    log = folder / "server.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            command,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # stopped with its children below
        )
    try:
        deadline = time.monotonic() + 120
        while not _listening(port):
            assert server.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "The Connect server did not start"
            time.sleep(1)
        yield {"url": f"sc://127.0.0.1:{port}", "log": log}
    finally:
        stop(server)


def _latest_csv(data: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(latest(data / "07_model_output" / SOURCE / name))


def _parquet(data: Path, name: str, order: list[str]) -> pd.DataFrame:
    path = data / "07_model_output" / SOURCE / name
    if not (path / "_SUCCESS").exists():  # versioned
        path = latest(path)
    return pd.read_parquet(path).sort_values(order).reset_index(drop=True)


def _als_lists(data: Path) -> pd.DataFrame:
    """The ALS similar-product lists, one row per entry: the path that ranks
    given factors (DataFrame operations on Connect, ALS's own locally)."""
    lists = _parquet(data, "similar_lists.parquet", ["method", "item_idx"])
    lists = lists[lists["method"] == "als"].explode("similar", ignore_index=True)
    entries = pd.json_normalize(lists["similar"].tolist())
    return pd.concat([lists[["item_idx"]], entries], axis=1)


@pytest.mark.e2e
def test_the_events_pipeline_runs_through_spark_connect(
    connect_server, demo_project, tmp_path
):
    sql = {k: v for k, v in _test_spark_settings().items() if k.startswith(SQL)}
    conf = conf_with_test_parameters(tmp_path, "connect", sql)
    data = tmp_path / "data"
    # The local run's raw data: the Connect run must give the same results.
    shutil.copytree(demo_project["data"] / "01_raw" / SOURCE, data / "01_raw" / SOURCE)
    environ = {
        "SPARK_REMOTE": connect_server["url"],
        "ECOM_RECSYS_DATA_ROOT": str(data),
        "JAVA_HOME": str(tmp_path / "no-java"),  # a JVM here would fail to start
    }
    log = kedro_run(
        conf, "connect", environ, f"--pipelines={PIPELINES}", f"--namespaces={SOURCE}"
    )
    assert f"Spark Connect {connect_server['url']} (server master local[2])" in log
    assert "kept its own value" not in log  # every spark.sql.* setting applied
    assert "has no spark.checkpoint.dir" not in log

    local, remote = demo_project["data"], data
    quality = Path("08_reporting") / SOURCE / "data_quality.csv"
    pd.testing.assert_frame_equal(
        pd.read_csv(remote / quality), pd.read_csv(local / quality)
    )
    # Every metric of every model, on validation and test.
    for name in ("validation_metrics.csv", "ranking_metrics.csv"):
        pd.testing.assert_frame_equal(
            _latest_csv(remote, name), _latest_csv(local, name), rtol=1e-9
        )
    served_model = Path("07_model_output") / SOURCE / "served_model.json"
    assert (remote / served_model).read_text() == (local / served_model).read_text()
    # The served lists, scores included.
    for name, order in (
        ("served_recommendations.parquet", ["user_idx", "rank"]),
        ("similar_products.parquet", ["item_idx", "rank"]),
    ):
        pd.testing.assert_frame_equal(
            _parquet(remote, name, order), _parquet(local, name, order)
        )
    # ALS's similar products: the same lists, scores to float's last bits.
    ours, theirs = _als_lists(remote), _als_lists(local)
    assert len(ours) > 0
    pd.testing.assert_frame_equal(ours, theirs, check_exact=False, rtol=1e-6)
    pd.testing.assert_frame_equal(
        ours.drop(columns="score"), theirs.drop(columns="score")
    )


def test_the_connect_url_comes_from_spark_yml_or_the_environment(monkeypatch):
    monkeypatch.delenv("SPARK_REMOTE", raising=False)
    assert remote_url({"spark.master": "local[2]"}) is None
    monkeypatch.setenv("SPARK_REMOTE", "sc://from-env:15002")
    assert remote_url({}) == "sc://from-env:15002"  # as PySpark reads it
    assert remote_url({"spark.remote": "sc://from-yml:1"}) == "sc://from-yml:1"


def test_an_unreachable_server_is_named_at_once_without_its_token():
    port = free_port()  # nothing listens there
    started = time.monotonic()
    with pytest.raises(RuntimeError) as error:
        require_server(f"sc://127.0.0.1:{port}/;token=secret")
    assert time.monotonic() - started < 5  # not the client's minutes of retries
    assert f"Cannot reach the Spark Connect server at 127.0.0.1:{port}" in str(
        error.value
    )
    assert "secret" not in str(error.value)
    with pytest.raises(RuntimeError, match="set SPARK_REMOTE"):
        require_server(None)

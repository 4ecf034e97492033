"""Crashes and reruns: a killed run keeps the last good outputs, and runs resume.

Works on a copy of the session's demo run (``demo_project``), so the shared
outputs are not touched.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from tests.conftest import PROJECT_PATH, make_project, run

pytestmark = pytest.mark.e2e

SOURCE = "interactions"  # the quickest source to rerun


@pytest.fixture(scope="module")
def project(demo_project, tmp_path_factory) -> dict[str, Path]:
    """A new project whose data is a copy of the demo run's."""
    project = make_project(tmp_path_factory.mktemp("recovery"))
    shutil.copytree(demo_project["data"], project["data"])
    return project


def _catalog_load(project: dict[str, Path], name: str):
    """Load ``name`` through the project's catalog (latest complete version)."""
    bootstrap_project(PROJECT_PATH)
    with KedroSession.create(
        project_path=PROJECT_PATH, env="test", conf_source=str(project["conf"])
    ) as session:
        return session.load_context().catalog.load(name)


def _snapshot(project: dict[str, Path]) -> tuple[list[tuple], pd.DataFrame]:
    served = _catalog_load(project, f"{SOURCE}.served_recommendations")
    metrics = _catalog_load(project, f"{SOURCE}.model_metrics")
    return sorted(tuple(r) for r in served.collect()), metrics


def _versions(path: Path) -> set[str]:
    return {p.name for p in path.iterdir()} if path.exists() else set()


def test_a_killed_run_keeps_the_last_good_outputs_and_a_rerun_completes(project):
    served = (
        project["data"] / f"07_model_output/{SOURCE}/served_recommendations.parquet"
    )
    before = _snapshot(project)
    known = _versions(served)

    command = [sys.executable, "-m", "kedro", "run", "--env=test"]
    command += [f"--conf-source={project['conf']}", "--pipelines=modeling,reporting"]
    command += [f"--namespaces={SOURCE}"]
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "1"}
    process = subprocess.Popen(
        command,
        cwd=PROJECT_PATH,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: kill the JVM with it
    )
    try:
        # Kill it (Python and the JVM, SIGKILL) as Spark starts writing the new
        # version of the served recommendations: mid-run, and mid-write.
        deadline = time.monotonic() + 600
        while not _versions(served) - known and process.poll() is None:
            assert time.monotonic() < deadline, "the run never reached serving"
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL, "the run ended before the kill"
    (killed,) = _versions(served) - known
    assert not (served / killed / served.name / "_SUCCESS").exists()

    # The last good versions still load, with the same contents.
    after_kill = _snapshot(project)
    assert after_kill[0] == before[0]
    pd.testing.assert_frame_equal(after_kill[1], before[1])

    # A rerun completes, gives the same results, and prunes the leftover.
    run(project, "modeling", [SOURCE])
    run(project, "reporting", [SOURCE])
    rerun = _snapshot(project)
    assert rerun[0] == before[0]
    pd.testing.assert_frame_equal(rerun[1], before[1])
    assert killed not in _versions(served)
    assert known < _versions(served)


def test_only_missing_outputs_reruns_what_an_interrupted_run_did_not_finish(
    spark, project
):
    data = project["data"]
    model_input = data / f"05_model_input/{SOURCE}"
    train, test = model_input / "train.parquet", model_input / "test.parquet"
    expected = {p: sorted(spark.read.parquet(str(p)).collect()) for p in (train, test)}
    interactions = data / f"04_feature/{SOURCE}/interactions.parquet/_SUCCESS"
    untouched = interactions.stat().st_mtime_ns
    # As a run killed in feature engineering leaves them: one output half
    # written (no _SUCCESS), one never started.
    (train / "_SUCCESS").unlink()
    shutil.rmtree(test)

    run(project, "__default__", [SOURCE], only_missing_outputs=True)

    for path, rows in expected.items():
        assert (path / "_SUCCESS").exists()
        assert sorted(spark.read.parquet(str(path)).collect()) == rows
    assert interactions.stat().st_mtime_ns == untouched  # complete: not rerun


def test_from_nodes_resumes_and_ends_with_the_same_results(project):
    before = _snapshot(project)
    served = (
        project["data"] / f"07_model_output/{SOURCE}/served_recommendations.parquet"
    )
    known = _versions(served)
    run(project, "__default__", [SOURCE], from_nodes=[f"{SOURCE}.train_als"])
    assert _versions(served) - known  # the resumed part ran and wrote a version
    after = _snapshot(project)
    assert after[0] == before[0]
    pd.testing.assert_frame_equal(after[1], before[1])

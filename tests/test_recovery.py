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


def _item_factors(project: dict[str, Path]) -> list[tuple]:
    """The item factors of the model the catalog loads (a few hundred rows)."""
    model = _catalog_load(project, f"{SOURCE}.als_model")
    return [tuple(r) for r in model.itemFactors.orderBy("id").collect()]


def _versions(path: Path) -> set[str]:
    return {p.name for p in path.iterdir()} if path.exists() else set()


def _kill_while_writing(project: dict[str, Path], output: Path, node: str) -> str:
    """Start ``kedro run --from-nodes=<node>`` (the node that writes ``output``,
    and everything after it) in a process and kill it (Python and the JVM,
    SIGKILL) as soon as it starts writing a new version of ``output``: mid-run,
    and mid-write. Returns the version it left."""
    known = _versions(output)
    command = [sys.executable, "-m", "kedro", "run", "--env=test"]
    command += [f"--conf-source={project['conf']}", f"--from-nodes={SOURCE}.{node}"]
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
        deadline = time.monotonic() + 600
        while not _versions(output) - known and process.poll() is None:
            assert time.monotonic() < deadline, f"the run never wrote {output}"
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL, "the run ended before the kill"
    (killed,) = _versions(output) - known
    return killed


def _resume(project: dict[str, Path]) -> None:
    """``kedro run --only-missing-outputs`` for the source."""
    run(project, "__default__", [SOURCE], only_missing_outputs=True)


def test_a_killed_run_keeps_the_last_good_outputs_and_a_resumed_run_completes(
    project,
):
    data = project["data"]
    models = data / f"06_models/{SOURCE}/als_model"
    served = data / f"07_model_output/{SOURCE}/served_recommendations.parquet"
    before, factors = _snapshot(project), _item_factors(project)
    previous_model = max(_versions(models))

    # 1. Killed while saving the model: the previous model is still the one
    # loaded, and resuming retrains it (its newest version is incomplete).
    killed = _kill_while_writing(project, models, "train_als")
    assert not (models / killed / "als_model/itemFactors/_SUCCESS").exists()
    assert _item_factors(project) == factors
    assert max(_versions(models) - {killed}) == previous_model
    served_versions = _versions(served)
    _resume(project)
    newest = max(_versions(models))
    assert newest > killed and (models / newest / "als_model/itemFactors/_SUCCESS")
    assert killed not in _versions(models)  # pruned after the resumed run
    assert _versions(served) == served_versions  # complete: not rerun

    # 2. Killed while writing the served recommendations: the last good
    # versions still load, and resuming writes them again, identical.
    killed = _kill_while_writing(project, served, "serve_recommendations")
    assert not (served / killed / served.name / "_SUCCESS").exists()
    after_kill = _snapshot(project)
    assert after_kill[0] == before[0]
    pd.testing.assert_frame_equal(after_kill[1], before[1])
    _resume(project)
    newest = max(_versions(served))
    assert newest > killed and (served / newest / served.name / "_SUCCESS").exists()
    assert killed not in _versions(served)
    resumed = _snapshot(project)
    assert resumed[0] == before[0]
    pd.testing.assert_frame_equal(resumed[1], before[1])


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


def test_from_nodes_reruns_the_modeling_with_identical_results(project):
    """A rerun from the first modeling node (tuning, validation, choice,
    training, evaluation) to the served lists and the metrics writes new
    versions, keeps the previous ones, and gives identical lists and metrics."""
    before = _snapshot(project)
    served = (
        project["data"] / f"07_model_output/{SOURCE}/served_recommendations.parquet"
    )
    known = _versions(served)
    run(
        project,
        "__default__",
        [SOURCE],
        from_nodes=[f"{SOURCE}.tune_als"],
        # what _snapshot reads: 14 of the 32 nodes from tune_als on
        to_outputs=[f"{SOURCE}.served_recommendations", f"{SOURCE}.model_metrics"],
    )
    assert _versions(served) - known  # the resumed part ran and wrote a version
    assert all((served / v / served.name / "_SUCCESS").exists() for v in known)
    after = _snapshot(project)
    assert after[0] == before[0]
    pd.testing.assert_frame_equal(after[1], before[1])


def _catalog_exists(project: dict[str, Path], name: str) -> bool:
    bootstrap_project(PROJECT_PATH)
    with KedroSession.create(
        project_path=PROJECT_PATH, env="test", conf_source=str(project["conf"])
    ) as session:
        return session.load_context().catalog.exists(name)


def test_a_bi_export_a_kill_left_empty_is_rerun_by_only_missing_outputs(project):
    """Issue 14, item 2: a kill during the BI recommendations export left the
    folder empty (plain Spark deletes it before writing), and
    ``--only-missing-outputs`` crashed with UNABLE_TO_INFER_SCHEMA."""
    reporting = project["data"] / f"08_reporting/{SOURCE}"
    bi = reporting / "bi/recommendations"
    rows = sorted(
        line for p in bi.glob("part-*.csv") for line in p.read_text().splitlines()
    )
    untouched = (reporting / "bi/products/_SUCCESS").stat().st_mtime_ns
    # as the kill left it: the folder emptied, a staged copy never committed
    shutil.rmtree(bi)
    bi.mkdir()
    half = reporting / "bi/.recommendations.staging-1-x"
    half.mkdir()
    (half / "part-00000.csv").write_text("user_id\n")
    assert not _catalog_exists(project, f"{SOURCE}.bi_recommendations")

    run(project, "__default__", [SOURCE], only_missing_outputs=True)

    assert (bi / "_SUCCESS").exists()
    assert rows == sorted(
        line for p in bi.glob("part-*.csv") for line in p.read_text().splitlines()
    )
    assert not half.exists()  # the leftover is removed, never read
    assert (reporting / "bi/products/_SUCCESS").stat().st_mtime_ns == untouched

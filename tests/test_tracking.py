"""Experiment tracking in MLflow (``ecom_recsys.tracking``, docs/tracking.md).

What one tracked run records is read back with the MLflow client from the
shared demo run (``demo_project``, tracked in its own SQLite store); the names,
the switch and a store that cannot be reached are checked without Spark. That
an untracked run records nothing is checked in the cluster test's run
(``tests/test_cluster.py``).
"""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from kedro.io import DataCatalog
from kedro.pipeline import Pipeline
from pydantic import BaseModel

from ecom_recsys import tracking
from ecom_recsys.names import SOURCES
from ecom_recsys.tracking import (
    TrackingHooks,
    data_quality_metrics,
    flat_params,
    metrics_of_models,
    served_model,
    trial_records,
    with_local_store,
)
from tests.conftest import latest

RUN_PARAMS = {
    "tags": None,
    "node_names": None,
    "from_nodes": None,
    "to_nodes": None,
    "from_inputs": None,
    "load_versions": None,
    "pipeline_names": ["__default__"],
}


# --- what is recorded, by name ----------------------------------------------


def _metrics_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model": ["als", "popularity", "als", "als", "global_mean"],
            "protocol": [
                "configured",
                "configured",
                "new_items",
                "configured",
                "configured",
            ],
            "metric": ["ndcg", "ndcg", "ndcg", "rmse", "rmse"],
            "k": [10, 10, 10, 10, 10],
            "value": [0.25, 0.125, 0.0625, float("nan"), 1.5],
            "users_evaluated": [40, 40, 30, 900, 900],
            "users_cold": [5, 5, 4, 0, 0],
            "served": [True, False, True, True, False],
        }
    )


def test_every_metric_is_named_by_source_model_metric_and_protocol():
    assert metrics_of_models("events", _metrics_table()) == {
        "events.als.ndcg_at_10.configured": 0.25,
        "events.popularity.ndcg_at_10.configured": 0.125,
        "events.als.ndcg_at_10.new_items": 0.0625,
        "events.global_mean.rmse_at_10.configured": 1.5,
        # the users of the ranking metrics (the RMSE counts rated pairs)
        "events.users_evaluated.configured": 40.0,
        "events.users_cold.configured": 5.0,
        "events.users_evaluated.new_items": 30.0,
        "events.users_cold.new_items": 4.0,
    }
    assert served_model(_metrics_table()) == "als"
    assert served_model(_metrics_table().assign(served=False)) is None


def test_data_quality_counts_are_metrics_per_table_and_outcome():
    quality = pd.DataFrame(
        {
            "table": ["orders", "orders", "orders", "items"],
            "rows_in": [10, 10, 10, 3],
            "outcome": ["kept", "duplicate", "rejected:missing order_id", "kept"],
            "rows": [7, 1, 2, 3],
            "share": [0.7, 0.1, 0.2, 1.0],
        }
    )
    assert data_quality_metrics("orders", quality) == {
        "orders.data_quality.items.rows_in": 3.0,
        "orders.data_quality.orders.rows_in": 10.0,
        "orders.data_quality.orders.kept": 7.0,
        "orders.data_quality.orders.duplicate": 1.0,
        "orders.data_quality.orders.rejected:missing order_id": 2.0,
        "orders.data_quality.items.kept": 3.0,
    }


class _Als(BaseModel):
    rank: int = 10
    alpha: float = 1.0


def test_parameters_are_flattened_with_the_models_defaults():
    params = {
        "modeling.events.als": _Als(rank=8),
        "modeling.events.tuning": {"grid": {"rank": [4, 8]}, "seed": None},
        "reporting.events.top_products.by": "purchases",
    }
    assert flat_params(params) == {
        "modeling.events.als.rank": "8",
        "modeling.events.als.alpha": "1.0",
        "modeling.events.tuning.grid.rank": "[4, 8]",
        "modeling.events.tuning.seed": "None",
        "reporting.events.top_products.by": "purchases",
    }


def test_each_trial_is_a_nested_run_with_its_configuration_and_scores():
    trials = pd.DataFrame(
        {
            "trial": [0, 1],
            "rank": [4, 8],
            "reg_param": [0.05, 0.05],
            "alpha": [10.0, 10.0],
            "max_iter": [4, 4],
            "ndcg": [0.125, float("nan")],
            "fit_seconds": [1.5, 2.5],
            "chosen": [True, False],
        }
    )
    assert trial_records(trials) == [
        (
            {"rank": "4", "reg_param": "0.05", "alpha": "10.0", "max_iter": "4"},
            {"ndcg": 0.125, "fit_seconds": 1.5},
            {"trial": "0", "chosen": "true", "period": "validation"},
        ),
        (
            {"rank": "8", "reg_param": "0.05", "alpha": "10.0", "max_iter": "4"},
            {"fit_seconds": 2.5},
            {"trial": "1", "chosen": "false", "period": "validation"},
        ),
    ]


def test_a_relative_sqlite_store_lives_in_the_project_with_its_artifacts(tmp_path):
    config = {"server": {"mlflow_tracking_uri": "sqlite:///mlruns/mlflow.db"}}
    local = with_local_store(config, tmp_path)
    assert local["server"]["mlflow_tracking_uri"] == (
        f"sqlite:///{tmp_path}/mlruns/mlflow.db"
    )
    experiment = local["tracking"]["experiment"]["create_experiment_kwargs"]
    assert experiment["artifact_location"] == str(tmp_path / "mlruns" / "artifacts")
    assert (tmp_path / "mlruns").is_dir()
    assert config == {"server": {"mlflow_tracking_uri": "sqlite:///mlruns/mlflow.db"}}
    server = {"server": {"mlflow_tracking_uri": "http://mlflow.example:5000"}}
    assert with_local_store(server, tmp_path) == server


# --- never breaking a run -----------------------------------------------------


class _Loader(dict):
    """A config loader holding ``mlflow.yml`` as given."""

    config_patterns: dict = {}


def _context(tmp_path: Path, uri: str) -> SimpleNamespace:
    return SimpleNamespace(
        config_loader=_Loader(mlflow={"server": {"mlflow_tracking_uri": uri}}),
        project_path=tmp_path,
        env="test",
        _package_name="ecom_recsys",
    )


def _run_untracked(hooks: TrackingHooks, catalog: DataCatalog) -> None:
    """The hook calls of a run, as Kedro makes them."""
    pipeline = Pipeline([])
    hooks.before_pipeline_run(RUN_PARAMS, pipeline, catalog)
    hooks.after_dataset_saved("events.data_quality", pd.DataFrame(), None)
    hooks.after_pipeline_run(RUN_PARAMS, pipeline, catalog)


def _warnings(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == tracking.__name__ and r.levelno == logging.WARNING
    ]


def test_switched_off_nothing_is_read_or_recorded(monkeypatch, caplog):
    monkeypatch.setenv(tracking.SWITCH, "off")
    hooks = TrackingHooks()
    context = SimpleNamespace(config_loader=None)  # reading mlflow.yml would fail
    hooks.after_context_created(context)
    _run_untracked(hooks, DataCatalog())
    assert _warnings(caplog) == []
    assert hooks._plugin is None and hooks._run_id is None


def test_an_unreachable_server_gives_one_warning_and_the_run_goes_on(
    monkeypatch, tmp_path, caplog
):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv(tracking.SWITCH, "1")
    hooks = TrackingHooks()
    hooks.after_context_created(_context(tmp_path, f"http://127.0.0.1:{port}"))
    _run_untracked(hooks, DataCatalog())
    (warning,) = _warnings(caplog)
    assert f"http://127.0.0.1:{port} does not answer" in warning
    assert "The run goes on" in warning


def test_a_store_failing_mid_run_gives_one_warning_and_stops_recording(
    monkeypatch, caplog
):
    class _FailingClient:
        calls = 0

        def log_batch(self, *args, **kwargs):
            _FailingClient.calls += 1
            raise OSError("disk I/O error")

    hooks = TrackingHooks()
    hooks._plugin = SimpleNamespace(after_pipeline_run=lambda **kwargs: None)
    hooks._run_id = "a-run-id"
    monkeypatch.setattr(hooks, "_client", _FailingClient)
    quality = pd.DataFrame(
        {"table": ["t"], "rows_in": [1], "outcome": ["kept"], "rows": [1]}
    )
    hooks.after_dataset_saved("events.data_quality", quality, None)
    hooks.after_dataset_saved("orders.data_quality", quality, None)
    hooks.after_pipeline_run(RUN_PARAMS, Pipeline([]), DataCatalog())
    (warning,) = _warnings(caplog)
    assert "recording events.data_quality failed: OSError: disk I/O error" in warning
    assert _FailingClient.calls == 1


def test_a_model_mlflow_cannot_log_gives_one_warning_and_the_rest_is_recorded(
    monkeypatch, caplog
):
    import mlflow.spark  # noqa: PLC0415

    def unsupported(*args, **kwargs):
        raise TypeError("not a model MLflow can save")

    monkeypatch.setattr(mlflow, "active_run", lambda: "the run")
    monkeypatch.setattr(mlflow.spark, "log_model", unsupported)
    hooks = TrackingHooks()
    hooks._plugin, hooks._run_id = object(), "a-run-id"
    model = SimpleNamespace(
        getUserCol=lambda: "user_idx",
        getItemCol=lambda: "item_idx",
        getPredictionCol=lambda: "prediction",
    )
    for source in SOURCES:
        hooks.after_dataset_saved(f"{source}.als_model", model, None)
    (warning,) = _warnings(caplog)
    assert "The ALS model of events is not logged" in warning
    assert "TypeError: not a model MLflow can save" in warning
    assert hooks._run_id == "a-run-id"  # still tracking


# --- the demo run, read back --------------------------------------------------


@pytest.fixture(scope="module")
def recorded(demo_project):
    """The demo run's MLflow run and its nested trial runs."""
    from mlflow import MlflowClient  # noqa: PLC0415

    client = MlflowClient(demo_project["mlflow"])
    experiment = client.get_experiment_by_name("ecom_recsys")
    runs = client.search_runs([experiment.experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert len(parents) == 1, [r.info.run_name for r in parents]
    (run,) = parents
    trials = [
        r for r in runs if r.data.tags.get("mlflow.parentRunId") == run.info.run_id
    ]
    return SimpleNamespace(
        client=client,
        run=run,
        trials=trials,
        data=demo_project["data"],
        uri=demo_project["mlflow"],
    )


@pytest.mark.e2e
def test_one_run_records_parameters_metrics_and_charts_of_every_source(recorded):
    run, data = recorded.run, recorded.data
    assert run.info.status == "FINISHED"
    assert run.data.tags["sources"] == ",".join(sorted(SOURCES))
    assert run.data.tags["env"] == "test"
    params = run.data.params
    assert params["modeling.events.als.rank"] == "8"  # conf/test
    assert params["modeling.events.tuning.grid.rank"] == "[4, 8]"
    assert params["feature_engineering.orders.split.test_start"]
    for source in SOURCES:
        reporting = data / "08_reporting" / source
        table = pd.read_csv(latest(reporting / "model_metrics.csv"))
        expected = metrics_of_models(source, table)
        recorded_metrics = {
            k: v for k, v in run.data.metrics.items() if k.startswith(f"{source}.")
        }
        quality = pd.read_csv(reporting / "data_quality.csv")
        expected |= data_quality_metrics(source, quality)
        assert recorded_metrics == pytest.approx(expected, rel=1e-12)
        assert run.data.tags[f"{source}.served_model"] == served_model(table)
        charts = {p.name for p in reporting.glob("*.png")}
        assert charts and charts == _artifacts(recorded, f"{source}/charts")
        assert "model_metrics.csv" in _artifacts(recorded, source)


def _artifacts(recorded, folder: str) -> set[str]:
    listed = recorded.client.list_artifacts(recorded.run.info.run_id, folder)
    return {Path(a.path).name for a in listed if not a.is_dir}


@pytest.mark.e2e
def test_the_tuning_trials_are_nested_runs(recorded):
    for source in SOURCES:
        trials = pd.read_csv(recorded.data / f"08_reporting/{source}/tuning_trials.csv")
        nested = sorted(
            (r for r in recorded.trials if r.data.tags["source"] == source),
            key=lambda r: int(r.data.tags["trial"]),
        )
        assert len(nested) == len(trials)
        for run, trial in zip(nested, trials.itertuples(), strict=True):
            assert run.data.params["rank"] == str(trial.rank)
            assert run.data.metrics["ndcg"] == pytest.approx(trial.ndcg, rel=1e-12)
            assert run.data.metrics["fit_seconds"] > 0  # a rerun would change it
            assert run.data.tags["chosen"] == str(trial.chosen).lower()
    # conf/test tunes events (two ranks) and not interactions
    assert {r.data.tags["source"] for r in recorded.trials} >= {"events"}
    assert not [r for r in recorded.trials if r.data.tags["source"] == "interactions"]


@pytest.mark.e2e
def test_the_logged_model_loads_back_and_scores_users_as_the_runs_model(
    spark, recorded
):
    import mlflow.spark  # noqa: PLC0415
    from pyspark.ml.recommendation import ALSModel  # noqa: PLC0415

    mlflow.set_tracking_uri(recorded.uri)
    uri = f"runs:/{recorded.run.info.run_id}/events_als_model"
    (logged,) = mlflow.spark.load_model(uri).stages
    saved = ALSModel.load(str(latest(recorded.data / "06_models/events/als_model")))
    users = saved.userFactors.selectExpr(f"id AS {saved.getUserCol()}").limit(5)
    items = saved.itemFactors.selectExpr(f"id AS {saved.getItemCol()}").limit(5)
    pairs = users.crossJoin(items)
    expected = sorted(saved.transform(pairs).collect())
    assert logged.rank == saved.rank
    assert sorted(logged.transform(pairs).collect()) == expected
    assert len(expected) == 25

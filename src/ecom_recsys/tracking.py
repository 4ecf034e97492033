"""Experiment tracking: every ``kedro run`` recorded as one MLflow run.

kedro-mlflow's hook, configured by ``conf/<env>/mlflow.yml``, opens the MLflow
run when a pipeline starts (tagged with the run's command, environment and
pipelines), sets up the store, the experiment and credentials, and ends the
run (``FAILED`` when the pipeline fails). ``TrackingHooks`` drives that hook
(its automatic registration is off in ``settings.py``) and records the rest
itself, each when its dataset is saved:

- the parameters the run's nodes read, flattened (``modeling.events.als.rank``),
  in one batch when the run starts: the plugin logs them one call per node and
  key, and logs a typed parameter model as its ``repr``;
- per source, every row of ``model_metrics`` as a metric
  (``events.als.ndcg_at_10.configured``), the served model as a tag, the
  data-quality counts as metrics (``events.data_quality.events.kept``), the
  tuning trials as nested runs, the charts and ``model_metrics.csv`` as
  artifacts, and the fitted ALS model in MLflow's Spark flavour.

Why not kedro-mlflow's datasets in the catalog: a failure to log inside
``MlflowArtifactDataset.save`` fails the node and the run (e.g. a server whose
artifact store the client cannot write), ``MlflowMetricsHistoryDataset.exists``
raises without an active run (``--only-missing-outputs`` with tracking off),
and a node feeding ``MlflowModelTrackingDataset`` would reload the model from
disk in every run, tracked or not.

Tracking never breaks a run: ``ECOM_RECSYS_MLFLOW=0`` switches it off (no store
is opened, nothing recorded), and a store that cannot be reached, or any
failure to record, gives one WARNING and the run goes on untracked (a model
the Spark flavour cannot write: one WARNING, and the rest is still recorded).
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from copy import deepcopy
from pathlib import Path, PurePosixPath
from tempfile import TemporaryDirectory
from typing import Any

import pandas as pd
from kedro.framework.hooks import hook_impl
from kedro.io.core import get_filepath_str
from kedro.pipeline import Node, Pipeline
from pydantic import BaseModel

from ecom_recsys.names import (
    ALS_MODEL_DATASET,
    CHART_SUFFIX,
    DATA_QUALITY_DATASET,
    MODEL_METRICS_DATASET,
    TUNING_TRIALS_DATASET,
)

logger = logging.getLogger(__name__)

# ECOM_RECSYS_MLFLOW=0 (or false, off, no) switches tracking off.
SWITCH = "ECOM_RECSYS_MLFLOW"
_OFF = {"0", "false", "off", "no"}

# Seconds to wait for a tracking server to answer before the run goes on
# without it (MLflow's own client retries for minutes).
PROBE_SECONDS = 5

# MLflow's limits: a parameter value's length, and the characters of a key.
_MAX_PARAM_LENGTH = 6000
_NOT_IN_KEY = re.compile(r"[^\w./\- :]")

# The tuning trials' columns that are the configuration tried (the others but
# ``trial`` and ``chosen`` are validation metrics and fit seconds).
TRIAL_PARAMS = ("rank", "reg_param", "alpha", "max_iter")

_SQLITE = "sqlite:///"


def tracking_enabled() -> bool:
    """False when ``ECOM_RECSYS_MLFLOW`` is 0, false, off or no."""
    return os.environ.get(SWITCH, "1").strip().lower() not in _OFF


def key(*parts: Any) -> str:
    """An MLflow metric, parameter or tag name from ``parts`` joined by dots
    (characters MLflow does not allow become ``_``)."""
    return _NOT_IN_KEY.sub("_", ".".join(str(p) for p in parts))


def flat_params(params: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested parameters as ``{"a.b.c": "value"}``: dictionaries and typed
    parameter models are opened (with their defaults), other values written as
    text (lists as ``[4, 8]``), cut to MLflow's 6,000 characters."""
    flat: dict[str, str] = {}
    for name, given in params.items():
        value = given.model_dump() if isinstance(given, BaseModel) else given
        if isinstance(value, Mapping):
            flat.update(flat_params(value, f"{prefix}{name}."))
        else:
            flat[key(f"{prefix}{name}")] = str(value)[:_MAX_PARAM_LENGTH]
    return flat


def metrics_of_models(source: str, metrics: pd.DataFrame) -> dict[str, float]:
    """Every value of a ``model_metrics`` table, named
    ``<source>.<model>.<metric>_at_<k>.<protocol>``, and per protocol the users
    evaluated and skipped as cold (``<source>.users_evaluated.<protocol>``).

    Empty values (an RMSE that was not computed) are left out.
    """
    named: dict[str, float] = {}
    for row in metrics.itertuples(index=False):
        metric = row.metric if pd.isna(row.k) else f"{row.metric}_at_{int(row.k)}"
        if pd.notna(row.value):
            named[key(source, row.model, metric, row.protocol)] = float(row.value)
    ranked = metrics[metrics["metric"] != "rmse"]
    for protocol, rows in ranked.groupby("protocol", sort=True):
        for column in ("users_evaluated", "users_cold"):
            named[key(source, column, protocol)] = float(rows[column].iloc[0])
    return named


def served_model(metrics: pd.DataFrame) -> str | None:
    """The model the run serves (``served`` in ``model_metrics``), if any."""
    served = metrics.loc[metrics["served"].eq(True), "model"]
    return str(served.iloc[0]) if len(served) else None


def data_quality_metrics(source: str, quality: pd.DataFrame) -> dict[str, float]:
    """A ``data_quality`` table as metrics: per raw table its rows in and the
    rows of each outcome (``<source>.data_quality.<table>.rejected:<reason>``)."""
    named = {
        key(source, "data_quality", table, "rows_in"): float(rows["rows_in"].iloc[0])
        for table, rows in quality.groupby("table", sort=True)
    }
    for row in quality.itertuples(index=False):
        named[key(source, "data_quality", row.table, row.outcome)] = float(row.rows)
    return named


def trial_records(
    trials: pd.DataFrame,
) -> list[tuple[dict[str, str], dict[str, float], dict[str, str]]]:
    """Per tuning trial, its nested run's parameters (the configuration),
    metrics (validation metrics and ``fit_seconds``; empty ones left out) and
    tags (``trial``, ``chosen``)."""
    measured = [
        c for c in trials.columns if c not in (*TRIAL_PARAMS, "trial", "chosen")
    ]
    records = []
    for row in trials.to_dict("records"):
        params = {c: str(row[c]) for c in TRIAL_PARAMS if c in row and pd.notna(row[c])}
        metrics = {
            c: float(row[c])
            for c in measured
            if pd.notna(row[c]) and math.isfinite(float(row[c]))
        }
        tags = {
            "trial": str(row["trial"]),
            "chosen": str(bool(row["chosen"])).lower(),
            "period": "validation",
        }
        records.append((params, metrics, tags))
    return records


def _section(parent: dict[str, Any], name: str) -> dict[str, Any]:
    """``parent[name]``, a new empty section when absent or empty."""
    parent[name] = parent.get(name) or {}
    return parent[name]


def with_local_store(config: Mapping[str, Any], project_path: Path) -> dict[str, Any]:
    """``mlflow.yml`` with a relative SQLite store made absolute under the
    project, its folder created, and the runs' files in ``artifacts/`` beside
    it (MLflow would put them in the current folder); other stores as they are."""
    config = deepcopy(dict(config))
    server = _section(config, "server")
    uri = server.get("mlflow_tracking_uri") or os.environ.get("MLFLOW_TRACKING_URI")
    if not uri or not uri.startswith(_SQLITE):
        return config
    path = Path(uri.removeprefix(_SQLITE))
    if not path.is_absolute():
        path = project_path / path
    path.parent.mkdir(parents=True, exist_ok=True)
    server["mlflow_tracking_uri"] = f"{_SQLITE}{path}"
    experiment = _section(_section(config, "tracking"), "experiment")
    created = _section(experiment, "create_experiment_kwargs")
    if not created.get("artifact_location"):
        created["artifact_location"] = str(path.parent / "artifacts")
    return config


def unreachable(uri: str | None) -> str | None:
    """Why the tracking server at ``uri`` does not answer within
    ``PROBE_SECONDS``, or None when it answers (any HTTP status) or ``uri`` is
    not an HTTP address (a local store fails fast by itself)."""
    if not uri or not uri.startswith(("http://", "https://")):
        return None
    import requests  # noqa: PLC0415 (an MLflow dependency, needed only here)

    try:
        requests.get(f"{uri.rstrip('/')}/health", timeout=PROBE_SECONDS)
    except requests.RequestException as exc:
        return f"{uri} does not answer ({type(exc).__name__})"
    return None


@contextmanager
def _one_attempt() -> Iterator[None]:
    """MLflow's HTTP client without its retries, for the last calls after a
    failure (ending the run), which would otherwise retry for minutes."""
    quick = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "5"}
    saved = {name: os.environ.get(name) for name in quick}
    os.environ.update(quick)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _sources(pipeline: Pipeline) -> list[str]:
    """The sources (top-level namespaces) the pipeline's nodes belong to."""
    return sorted({n.namespace.split(".")[0] for n in pipeline.nodes if n.namespace})


class TrackingHooks:
    """One MLflow run per ``kedro run``, through kedro-mlflow; never breaks a run.

    Register it first in ``HOOKS``: hooks registered later run first before a
    pipeline, so the run only starts once the other checks passed, and it ends
    after the old versions are pruned.
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._plugin: Any = None  # kedro-mlflow's MlflowHook, while tracking works
        self._uri: str | None = None
        self._catalog: Any = None
        self._run_id: str | None = None
        self._experiment_id: str | None = None
        self._model_warned = False

    # ---------------------------------------------------------------- guard
    def _guard(self, what: str, action: Callable[[], None]) -> None:
        """Run ``action``; on any failure warn once and stop tracking."""
        if self._plugin is None:
            return
        try:
            action()
        except Exception as exc:  # noqa: BLE001 (tracking must never break a run)
            self._stop(f"{what} failed: {type(exc).__name__}: {exc}")

    def _stop(self, reason: str) -> None:
        """One WARNING, then drop the run this hook started without waiting on
        the store."""
        logger.warning(
            "MLflow tracking is off for the rest of this run (%s). The run goes "
            "on and writes its outputs as usual. Check the store "
            "(conf/<env>/mlflow.yml, MLFLOW_TRACKING_URI), or set %s=0 to run "
            "untracked (docs/tracking.md).",
            reason.splitlines()[0][:500],
            SWITCH,
        )
        plugin, started = self._plugin, self._run_id is not None
        self._plugin, self._run_id = None, None
        if not started or getattr(plugin, "_already_active_mlflow", False):
            return
        import mlflow  # noqa: PLC0415 (imported only when tracking is on)

        with _one_attempt():
            while mlflow.active_run():
                try:
                    mlflow.end_run("FAILED")
                except Exception:  # noqa: BLE001 (already warned)
                    continue

    def _check_server(self) -> None:
        """Raise when the tracking server stopped answering (HTTP stores)."""
        problem = unreachable(self._uri)
        if problem:
            raise ConnectionError(problem)

    # ---------------------------------------------------------------- hooks
    @hook_impl
    def after_context_created(self, context: Any) -> None:
        """Set up the store and experiment (kedro-mlflow), unless switched off
        or the store cannot be reached."""
        self._reset()
        if not tracking_enabled():
            logger.info("MLflow tracking is off (%s=%s)", SWITCH, os.environ[SWITCH])
            return
        try:
            config = with_local_store(
                context.config_loader["mlflow"], Path(context.project_path)
            )
            context.config_loader["mlflow"] = config
            uri = config["server"].get("mlflow_tracking_uri")
            problem = unreachable(uri)
            if problem:
                raise ConnectionError(problem)
            from kedro_mlflow.framework.hooks.mlflow_hook import (  # noqa: PLC0415
                MlflowHook,
            )

            self._plugin, self._uri = MlflowHook(), uri
            self._plugin.after_context_created(context)
        except Exception as exc:  # noqa: BLE001 (tracking must never break a run)
            self._stop(f"setting up the store failed: {type(exc).__name__}: {exc}")

    @hook_impl
    def before_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Pipeline, catalog: Any
    ) -> None:
        """Start the MLflow run and record the parameters the nodes read."""

        def start() -> None:
            self._plugin.before_pipeline_run(
                run_params=run_params, pipeline=pipeline, catalog=catalog
            )
            if not self._plugin._is_mlflow_enabled:  # noqa: SLF001 (mlflow.yml)
                return
            from mlflow import MlflowClient  # noqa: PLC0415
            from mlflow.entities import Param, RunTag  # noqa: PLC0415

            self._catalog, self._run_id = catalog, self._plugin.run_id
            client = MlflowClient()
            self._experiment_id = client.get_run(self._run_id).info.experiment_id
            params = {
                name.removeprefix("params:"): catalog.get(name).load()
                for name in sorted(pipeline.inputs())
                if name.startswith("params:")
            }
            client.log_batch(
                self._run_id,
                params=[Param(k, v) for k, v in flat_params(params).items()],
                tags=[RunTag("sources", ",".join(_sources(pipeline)))],
            )

        self._guard("starting the MLflow run", start)

    @hook_impl
    def after_dataset_saved(self, dataset_name: str, data: Any, node: Node) -> None:
        """Record a tracked dataset of a source when it is saved."""
        if self._run_id is None or "." not in dataset_name:
            return
        source, name = dataset_name.split(".", 1)
        record = {
            MODEL_METRICS_DATASET: self._record_metrics,
            DATA_QUALITY_DATASET: self._record_data_quality,
            TUNING_TRIALS_DATASET: self._record_trials,
            ALS_MODEL_DATASET: self._record_model,
        }.get(name)
        if record is None and name.endswith(CHART_SUFFIX):
            record = self._record_chart
        if record is not None:
            self._guard(
                f"recording {dataset_name}",
                lambda: self._recorded(record, source, name, data),
            )

    @hook_impl
    def after_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Pipeline, catalog: Any
    ) -> None:
        """End the MLflow run (kedro-mlflow)."""
        self._guard(
            "ending the MLflow run",
            lambda: self._plugin.after_pipeline_run(
                run_params=run_params, pipeline=pipeline, catalog=catalog
            ),
        )
        self._reset()

    @hook_impl
    def on_pipeline_error(
        self,
        error: Exception,
        run_params: dict[str, Any],
        pipeline: Pipeline,
        catalog: Any,
    ) -> None:
        """End the MLflow run as failed (kedro-mlflow)."""
        self._guard(
            "ending the failed MLflow run",
            lambda: self._plugin.on_pipeline_error(
                error=error, run_params=run_params, pipeline=pipeline, catalog=catalog
            ),
        )
        self._reset()

    # ------------------------------------------------------------ recording
    def _recorded(self, record: Callable, source: str, name: str, data: Any) -> None:
        self._check_server()
        record(source, name, data)

    def _client(self) -> Any:
        from mlflow import MlflowClient  # noqa: PLC0415

        return MlflowClient()

    def _log_metrics(self, metrics: dict[str, float]) -> None:
        from mlflow.entities import Metric  # noqa: PLC0415
        from mlflow.utils.time import get_current_time_millis  # noqa: PLC0415

        now = get_current_time_millis()
        self._client().log_batch(
            self._run_id, metrics=[Metric(k, v, now, 0) for k, v in metrics.items()]
        )

    def _log_saved_file(self, dataset_name: str, folder: str) -> None:
        """Log the file ``dataset_name`` wrote (its newest version) under
        ``folder``, read through the dataset's own file system."""
        dataset = self._catalog.get(dataset_name)
        path = get_filepath_str(dataset._get_load_path(), dataset._protocol)  # noqa: SLF001
        with TemporaryDirectory() as tmp:
            local = Path(tmp) / PurePosixPath(path).name
            dataset._fs.get(path, str(local))  # noqa: SLF001
            self._client().log_artifact(self._run_id, str(local), folder)

    def _record_metrics(self, source: str, name: str, metrics: pd.DataFrame) -> None:
        self._log_metrics(metrics_of_models(source, metrics))
        served = served_model(metrics)
        if served is not None:
            self._client().set_tag(self._run_id, key(source, "served_model"), served)
        self._log_saved_file(f"{source}.{name}", source)

    def _record_data_quality(
        self, source: str, name: str, quality: pd.DataFrame
    ) -> None:
        self._log_metrics(data_quality_metrics(source, quality))

    def _record_chart(self, source: str, name: str, figure: Any) -> None:
        self._log_saved_file(f"{source}.{name}", f"{source}/charts")

    def _record_trials(self, source: str, name: str, trials: pd.DataFrame) -> None:
        """Each trial as a run nested in this one."""
        from mlflow.entities import Metric, Param  # noqa: PLC0415
        from mlflow.utils.mlflow_tags import MLFLOW_PARENT_RUN_ID  # noqa: PLC0415
        from mlflow.utils.time import get_current_time_millis  # noqa: PLC0415

        client = self._client()
        for params, metrics, tags in trial_records(trials):
            trial = client.create_run(
                self._experiment_id,
                run_name=f"{source} trial {tags['trial']}",
                tags={MLFLOW_PARENT_RUN_ID: self._run_id, "source": source, **tags},
            )
            now = get_current_time_millis()
            client.log_batch(
                trial.info.run_id,
                metrics=[Metric(k, v, now, 0) for k, v in metrics.items()],
                params=[Param(k, v) for k, v in params.items()],
            )
            client.set_terminated(trial.info.run_id)

    def _record_model(self, source: str, name: str, model: Any) -> None:
        """The fitted ALS model in MLflow's Spark flavour (``<source>_als_model``):
        ``mlflow.spark.load_model("runs:/<run id>/events_als_model")`` gives a
        ``PipelineModel`` whose one stage is the ``ALSModel``."""
        import mlflow  # noqa: PLC0415
        import mlflow.spark  # noqa: PLC0415
        import pyspark  # noqa: PLC0415
        from mlflow.models import ModelSignature  # noqa: PLC0415
        from mlflow.types import ColSpec, Schema  # noqa: PLC0415

        signature = ModelSignature(
            inputs=Schema(
                [
                    ColSpec("integer", model.getUserCol()),
                    ColSpec("integer", model.getItemCol()),
                ]
            ),
            outputs=Schema([ColSpec("float", model.getPredictionCol())]),
        )
        try:
            if mlflow.active_run() is None:
                # a runner thread other than the one that started the run
                mlflow.start_run(run_id=self._run_id)
            mlflow.spark.log_model(
                model,
                f"{source}_{name}",
                signature=signature,
                # as is: inferring them would load the model in a new process
                pip_requirements=[f"pyspark=={pyspark.__version__}"],
            )
        except Exception as exc:  # noqa: BLE001 (the rest of the run is recorded)
            # e.g. a model MLflow's Spark flavour cannot write (Spark Connect)
            if not self._model_warned:
                self._model_warned = True
                logger.warning(
                    "The ALS model of %s is not logged in MLflow (%s: %s); the "
                    "rest of the run is recorded, and the model is saved in "
                    "06_models/ as usual.",
                    source,
                    type(exc).__name__,
                    str(exc).splitlines()[0][:300] if str(exc) else "",
                )

"""What the dashboard reads, and how: the project's Kedro catalog, without Spark.

The catalog is the one ``kedro run --env=<env>`` uses (same config loader, same
paths), built without the project's hooks, which would start a SparkSession.
Spark outputs are read through their pandas twins (``<dataset>@pandas`` in
``conf/base/catalog/dashboard.yml``), with ``columns`` and pyarrow ``filters``
added per read, so one user's page reads that user's rows only. Every read makes
a fresh dataset from the catalog's config, so versioned outputs resolve to the
latest committed version at each read, not the one of the first read.
"""

from __future__ import annotations

import argparse
import copy
import functools
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import pyarrow as pa
from kedro.framework.hooks.manager import _NullPluginManager
from kedro.framework.project import pipelines as project_pipelines
from kedro.framework.project import settings as project_settings
from kedro.framework.startup import bootstrap_project
from kedro.io import AbstractDataset, DataCatalog, DatasetError
from kedro.io.core import AbstractVersionedDataset
from kedro.pipeline import Pipeline
from pydantic import BaseModel

from ecom_recsys.names import (
    FROM_MODEL,
    FROM_POPULARITY,
    FROM_SEGMENT,
)

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class Settings:
    """Where the project is and which configuration to read."""

    project_path: Path
    env: str | None = None
    conf_source: str | None = None


def parse_settings(argv: Sequence[str], environ: Mapping[str, str]) -> Settings:
    """Settings from ``streamlit run app.py -- [--env ...]`` or environment variables.

    Arguments win over ``ECOM_RECSYS_PROJECT_PATH``, ``ECOM_RECSYS_ENV`` and
    ``ECOM_RECSYS_CONF_SOURCE``; the project defaults to the working directory.
    """
    parser = argparse.ArgumentParser(prog="ecom_recsys dashboard")
    parser.add_argument(
        "--project-path", default=environ.get("ECOM_RECSYS_PROJECT_PATH", ".")
    )
    parser.add_argument("--env", default=environ.get("ECOM_RECSYS_ENV") or None)
    parser.add_argument(
        "--conf-source", default=environ.get("ECOM_RECSYS_CONF_SOURCE") or None
    )
    args = parser.parse_args(list(argv))
    return Settings(Path(args.project_path).resolve(), args.env, args.conf_source)


@dataclass(frozen=True)
class Outputs:
    """The catalog of one environment and which pipeline writes each dataset
    (``writers``: a mapping, or a function that builds it when first needed,
    since importing the pipelines costs seconds)."""

    catalog: DataCatalog
    env: str | None
    writers: Mapping[str, str] | Callable[[], Mapping[str, str]] = field(
        default_factory=dict
    )

    def run_command(self, source: str, dataset: str | None = None) -> str:
        """The ``kedro run`` that writes ``<source>.<dataset>`` (all of a source
        without ``dataset``)."""
        env = f" --env={self.env}" if self.env else ""
        writers = self.writers() if callable(self.writers) else self.writers
        pipeline = writers.get(f"{source}.{dataset}")
        pipelines = f" --pipelines={pipeline}" if pipeline else ""
        return f"kedro run{pipelines} --namespaces={source}{env}"

    def missing_message(self, source: str, dataset: str) -> str:
        """What to run when ``<source>.<dataset>`` has not been written."""
        return (
            f"`{source}.{dataset}` has not been written yet. Run "
            f"`{self.run_command(source, dataset)}` (it reads the earlier stages' "
            f"outputs; `{self.run_command(source)}` runs them all)."
        )

    def nothing_message(self, source: str) -> str:
        """What to run when a source has no outputs at all."""
        return (
            f"No outputs of the {source} source in this environment yet. Run "
            "`make run` (every source; it generates demo data for each source "
            f"whose raw files are absent), or `{self.run_command(source)}` once "
            "the raw files are in place."
        )


def writers(pipelines: Mapping[str, Pipeline]) -> dict[str, str]:
    """Dataset name -> the registered pipeline that writes it (``__default__`` aside)."""
    return {
        dataset: name
        for name, pipe in pipelines.items()
        if name != "__default__"
        for dataset in pipe.all_outputs()
    }


@functools.cache
def _project_writers() -> dict[str, str]:
    """Which registered pipeline writes each dataset (imports the pipelines)."""
    return writers(project_pipelines)


def open_outputs(settings: Settings) -> Outputs:
    """The catalog ``kedro run --env=<env>`` would use, built without the hooks.

    The project's hooks start a SparkSession and check raw files: the dashboard
    needs neither, so the context gets a hook manager that ignores every hook.
    Parameters are not validated against the pipelines' node type hints (as a
    session does for the pipelines it runs): that would import every pipeline,
    seconds before the first page; :func:`parameter` validates what it reads.
    """
    # configures kedro.framework.project's settings and pipelines in place
    project = bootstrap_project(settings.project_path)
    conf_source = settings.conf_source or str(
        settings.project_path / project_settings.CONF_SOURCE
    )
    loader = project_settings.CONFIG_LOADER_CLASS(
        conf_source=conf_source, env=settings.env, **project_settings.CONFIG_LOADER_ARGS
    )
    context = project_settings.CONTEXT_CLASS(
        package_name=project.package_name,
        project_path=settings.project_path,
        config_loader=loader,
        env=settings.env,
        hook_manager=_NullPluginManager(),
    )
    # the scope KedroSession.run sets: here no pipeline, so none is imported
    context._pipelines_to_validate = []
    return Outputs(context.catalog, settings.env, _project_writers)


_OPENED: dict[Settings, Outputs] = {}
_OPENING = threading.Lock()


def shared_outputs(settings: Settings) -> Outputs:
    """:func:`open_outputs`, once per process and settings: the server's
    head start (``server.py``) and the first page share one catalog."""
    with _OPENING:
        if settings not in _OPENED:
            _OPENED[settings] = open_outputs(settings)
        return _OPENED[settings]


def dataset(catalog: DataCatalog, name: str, **load_args: Any) -> AbstractDataset:
    """A new instance of catalog dataset ``name``, with ``load_args`` added."""
    config = copy.deepcopy(catalog.config_resolver.resolve_pattern(name))
    if not config:
        raise DatasetError(f"'{name}' is not in the catalog")
    if load_args:
        config["load_args"] = {**config.get("load_args", {}), **load_args}
    return AbstractDataset.from_config(name, config)


def exists(catalog: DataCatalog, name: str) -> bool:
    """True when ``name`` has a complete version to read.

    A versioned pipeline dataset's ``exists()`` is false while its newest
    version is incomplete (a run writing it, or killed while writing it); the
    dashboard still shows the previous complete version then.
    """
    found = dataset(catalog, name)
    if found.exists():
        return True
    try:
        return (
            isinstance(found, AbstractVersionedDataset)
            and found.resolve_load_version() is not None
        )
    except DatasetError:  # no complete version at all
        return False


def load(catalog: DataCatalog, name: str, **load_args: Any) -> pd.DataFrame:
    """Read ``name``; e.g. ``columns=[...]`` and ``filters=[...]`` for Parquet."""
    return dataset(catalog, name, **load_args).load()


def parameter(catalog: DataCatalog, key: str, model: type[T] | None = None) -> Any:
    """The value of parameter ``key`` (e.g. ``reporting.events.top_products``),
    validated by ``model`` (defaults applied) when given; None when not set."""
    name = f"params:{key}"
    value = catalog.load(name) if name in catalog else None
    if model is None or value is None:
        return value
    return model.model_validate(value)


def row_count(catalog: DataCatalog, name: str) -> int:
    """Rows of a Parquet dataset, from the file footers (no column is read)."""
    return len(load(catalog, name, columns=[]))


def id_candidates(text: str) -> list[int | str]:
    """The values an id typed by a person may have in a table: ids are ``long``
    in some sources (REES46) and strings in others (Olist, MovieLens)."""
    text = text.strip()
    try:
        return [int(text), text]
    except ValueError:
        return [text]


def rows_of(
    catalog: DataCatalog,
    name: str,
    column: str,
    value: str,
    columns: list[str] | None = None,
) -> pd.DataFrame:
    """The rows whose ``column`` equals the typed ``value``, read with the filter
    pushed down to Parquet (row groups that cannot match are skipped).

    An id the column's type cannot hold (``abc`` for a ``long`` column) matches
    nothing: the result is empty, not an error.
    """
    found = None
    for candidate in id_candidates(value):
        args: dict[str, Any] = {"filters": [(column, "==", candidate)]}
        if columns is not None:
            args["columns"] = columns
        try:
            found = load(catalog, name, **args)
        except DatasetError as error:
            # pyarrow refuses to compare e.g. a string column with an int
            if not isinstance(error.__cause__, pa.ArrowNotImplementedError):
                raise
            continue
        if len(found):
            return found
    return found if found is not None else pd.DataFrame(columns=columns or [column])


def list_origin(recommendations: pd.DataFrame, model: str | None = None) -> str:
    """Where a user's served list came from, in words (from its ``source``
    column; ``model``: the served model's name)."""
    chosen = "the model chosen on validation"
    if model:
        chosen = f"{model}, {chosen}"
    if "source" not in recommendations or recommendations.empty:
        return chosen
    counts = recommendations["source"].value_counts()
    parts = []
    for origin, n in counts.items():
        if origin == FROM_MODEL:
            text = chosen
        elif str(origin).startswith(f"{FROM_SEGMENT}:"):
            text = f"the most popular products of segment '{origin.split(':', 1)[1]}'"
        elif origin == FROM_POPULARITY:
            text = "overall popularity"
        else:
            text = str(origin)
        parts.append(f"{n} from {text}")
    return ", ".join(parts)

"""Project pipelines."""

from __future__ import annotations

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

# Generates raw data: run on request only, never as part of the default run.
ON_REQUEST = {"demo_data"}


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines.

    Returns:
        ``data_processing``, ``feature_engineering``, ``modeling``, ``reporting``,
        ``demo_data``, and ``__default__`` (all but ``demo_data``).
    """
    pipelines = find_pipelines(raise_errors=True)
    pipelines["__default__"] = sum(
        (p for name, p in pipelines.items() if name not in ON_REQUEST), Pipeline([])
    )
    return pipelines

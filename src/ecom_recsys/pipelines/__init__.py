"""The project's pipelines, and how a stage is instantiated for one data source."""

from __future__ import annotations

from kedro.pipeline import Pipeline, pipeline


def for_source(
    base: Pipeline, source: str, group: str, inputs: dict[str, str] | None = None
) -> Pipeline:
    """Namespace a source-agnostic stage for one source.

    Datasets become ``<source>.<name>`` (matched by the catalog's dataset
    factories) and each ``params:<key>`` reads ``<group>.<source>.<key>`` from
    ``parameters_<group>.yml``, so every source has its own settings. ``inputs``
    maps a canonical input (e.g. ``feedback``) to a source's own table.
    """
    mapping = {
        name: f"params:{group}.{source}.{name.removeprefix('params:')}"
        for name in base.inputs()
        if name.startswith("params:")
    }
    return pipeline(base, namespace=source, parameters=mapping, inputs=inputs)

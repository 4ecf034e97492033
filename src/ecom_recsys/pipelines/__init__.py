"""The project's pipelines, and the one way a stage is built for every source.

Every stage (``data_processing``, ``feature_engineering``, ``modeling``,
``reporting``, ``demo_data``) is a shared chain of nodes plus per-source
extras, composed by :func:`for_sources`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from kedro.pipeline import Pipeline, pipeline

from ecom_recsys.names import SOURCES

# A node input that reads a source's whole parameter block (``<stage>.<source>``).
SOURCE_PARAMS = "params:source"

_NONE = Pipeline([])


def for_source(chain: Pipeline, source: str, stage: str) -> Pipeline:
    """Namespace a source-agnostic chain for one source.

    Datasets become ``<source>.<name>`` (matched by the catalog's dataset
    factories) and each ``params:<key>`` reads ``<stage>.<source>.<key>`` from
    ``parameters_<stage>.yml`` (``params:source``: the whole block), so every
    source has its own settings.
    """
    prefix = f"params:{stage}.{source}"
    mapping = {
        name: prefix if name == SOURCE_PARAMS else f"{prefix}.{name[7:]}"
        for name in chain.inputs()
        if name.startswith("params:")
    }
    return pipeline(chain, namespace=source, parameters=mapping)


def for_sources(
    stage: str,
    shared: Pipeline | Callable[[str], Pipeline] = _NONE,
    extras: Mapping[str, Pipeline] | None = None,
    reads: Mapping[str, Mapping[str, str]] | None = None,
) -> Pipeline:
    """A stage for every source: its shared chain plus each source's extras.

    Args:
        stage: The stage, which names its parameters file and groups.
        shared: The chain every source runs, or a function of the source that
            builds it (e.g. one check per raw table of the source).
        extras: Per source, the nodes only that source runs (its own inputs
            to the shared chain, or its own reports).
        reads: Per source, the canonical inputs of the shared chain that read
            one of the source's own datasets instead (``{"feedback":
            "events_clean"}``).

    Returns:
        The sum of every source's pipeline, namespaced ``<source>.*``.
    """
    total = Pipeline([])
    for source in SOURCES:
        chain = shared(source) if callable(shared) else shared
        if reads and reads.get(source):
            chain = pipeline(chain, inputs=dict(reads[source]))
        total += for_source((extras or {}).get(source, _NONE) + chain, source, stage)
    return total

"""Data processing: for each raw table, checked rows -> quarantine, then the
data-quality reports of the source, then each clean table (the gate)."""

from functools import partial, update_wrapper

from kedro.pipeline import Pipeline, node

from ecom_recsys.names import SOURCES
from ecom_recsys.pipelines import for_source
from ecom_recsys.schemas import SCHEMAS

from .nodes import (
    check_rows,
    rename_columns,
    select_clean,
    select_rejected,
    summarise_data_quality,
    summarise_files,
)


def _bind(func, **kwargs):
    """``func`` with fixed keyword arguments, keeping its name and docstring."""
    return update_wrapper(partial(func, **kwargs), func)


def create_source_pipeline(source: str) -> Pipeline:
    """Validation of every raw table of ``source`` (datasets without namespace)."""
    nodes = []
    for table, schema in SCHEMAS[source].items():
        raw = f"raw_{table}"
        if source == "interactions":  # a generic file: its columns are named in params
            nodes.append(
                node(
                    rename_columns,
                    [raw, "params:columns"],
                    f"{table}_renamed",
                    name=f"rename_{table}_columns",
                )
            )
            raw = f"{table}_renamed"
        nodes += [
            node(
                _bind(check_rows, schema=schema),
                inputs=[raw, f"params:tables.{table}"],
                outputs=f"{table}_checked",
                name=f"check_{table}",
            ),
            node(
                select_rejected,
                f"{table}_checked",
                f"{table}_rejected",
                name=f"quarantine_{table}",
            ),
            # The gate: it reads the reports, so the quarantine and the reports
            # of this run are written before it can stop the run.
            node(
                _bind(select_clean, table=table, source=source),
                [
                    f"{table}_checked",
                    "data_quality",
                    "data_quality_files",
                    "params:max_rejected_share",
                ],
                f"{table}_clean",
                name=f"clean_{table}",
            ),
        ]
    frames = {
        f"{table}_{kind}": f"{table}_{kind}"
        for table in SCHEMAS[source]
        for kind in ("checked", "rejected")
    }
    nodes.append(
        node(
            summarise_data_quality,
            inputs=frames,
            outputs="data_quality",
            name="summarise_data_quality",
        )
    )
    nodes.append(
        node(
            summarise_files,
            inputs={f"{t}_checked": f"{t}_checked" for t in SCHEMAS[source]},
            outputs="data_quality_files",
            name="summarise_data_quality_files",
        )
    )
    return Pipeline(nodes)


def create_pipeline(**kwargs) -> Pipeline:
    """Data processing for every source."""
    return sum(
        (for_source(create_source_pipeline(s), s, "data_processing") for s in SOURCES),
        Pipeline([]),
    )

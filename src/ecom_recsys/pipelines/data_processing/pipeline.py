"""Data processing: for each raw table, checked rows -> quarantine, then the
data-quality reports of the source, then each clean table (the gate)."""

from functools import partial, update_wrapper

from kedro.pipeline import Pipeline, node

from ecom_recsys.pipelines import for_sources
from ecom_recsys.schemas import SCHEMAS

from .checks import check_rows, rename_columns
from .quarantine import select_clean, select_rejected
from .reports import summarise_data_quality, summarise_files


def _bind(func, **kwargs):
    """``func`` with fixed keyword arguments, keeping its name and docstring."""
    return update_wrapper(partial(func, **kwargs), func)


def validate_table(table: str, schema: dict[str, str], source: str) -> Pipeline:
    """Checked rows of ``raw_<table>``, its quarantine, and its clean rows (the
    gate, which reads the source's reports)."""
    return Pipeline(
        [
            node(
                _bind(check_rows, schema=schema),
                inputs=[f"raw_{table}", f"params:tables.{table}"],
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
                _bind(select_clean, table=table, source=source, schema=schema),
                {
                    "checked": f"{table}_checked",
                    "data_quality": "data_quality",
                    "data_quality_files": "data_quality_files",
                    "max_rejected_share": "params:max_rejected_share",
                    "rules": f"params:tables.{table}",
                },
                f"{table}_clean",
                name=f"clean_{table}",
            ),
        ]
    )


def validate_source(source: str) -> Pipeline:
    """Every table of ``source`` validated, and the source's two data-quality
    reports (rows per reason, and per file)."""
    tables = SCHEMAS[source]
    reports = Pipeline(
        [
            node(
                summarise_data_quality,
                inputs={
                    f"{t}_{kind}": f"{t}_{kind}"
                    for t in tables
                    for kind in ("checked", "rejected")
                },
                outputs="data_quality",
                name="summarise_data_quality",
            ),
            node(
                _bind(summarise_files, source=source),
                inputs={f"{t}_checked": f"{t}_checked" for t in tables},
                outputs="data_quality_files",
                name="summarise_data_quality_files",
            ),
        ]
    )
    checks = [validate_table(t, schema, source) for t, schema in tables.items()]
    return sum(checks, Pipeline([])) + reports


# A generic interactions file: its columns get their canonical names first.
GENERIC_COLUMNS = Pipeline(
    [
        node(
            rename_columns,
            ["raw_interactions", "params:columns"],
            "interactions_renamed",
            name="rename_interactions_columns",
        )
    ]
)


def create_pipeline(**kwargs) -> Pipeline:
    """Data processing for every source."""
    return for_sources(
        "data_processing",
        validate_source,
        extras={"interactions": GENERIC_COLUMNS},
        reads={"interactions": {"raw_interactions": "interactions_renamed"}},
    )

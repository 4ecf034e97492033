"""Data processing: raw CSV -> checked rows -> clean events + quarantine + report."""

from kedro.pipeline import Pipeline, node

from ecom_recsys.pipelines import for_source

from .nodes import (
    check_events,
    select_clean_events,
    select_rejected_events,
    summarise_data_quality,
)


def create_events_pipeline() -> Pipeline:
    """Validation of the REES46 clickstream (datasets without namespace)."""
    return Pipeline(
        [
            node(
                check_events,
                inputs=["raw", "params:validation"],
                outputs="checked",
                name="check_events",
            ),
            node(
                select_rejected_events,
                inputs="checked",
                outputs="rejected",
                name="quarantine_rejected_events",
            ),
            node(
                select_clean_events,
                inputs="checked",
                outputs="clean",
                name="deduplicate_clean_events",
            ),
            node(
                summarise_data_quality,
                inputs=["checked", "clean", "params:validation"],
                outputs="data_quality",
                name="summarise_data_quality",
            ),
        ]
    )


def create_pipeline(**kwargs) -> Pipeline:
    """Data processing for every source."""
    return for_source(create_events_pipeline(), "events", "data_processing")

"""Demo data pipeline: ``kedro run --pipelines=demo_data`` writes raw CSVs."""

from kedro.pipeline import Pipeline, node, pipeline

from .nodes import generate_events


def create_pipeline(**kwargs) -> Pipeline:
    """Generate the events source's raw CSV (not part of the default run)."""
    events = Pipeline(
        [
            node(
                generate_events,
                "params:events",
                "raw_events",
                name="generate_demo_events",
            )
        ]
    )
    return pipeline(
        events,
        namespace="events",
        parameters={"params:events": "params:demo_data.events"},
    )

"""Demo data pipeline: ``kedro run --pipelines=demo_data`` writes raw CSVs of every
source (not part of the default run)."""

from kedro.pipeline import Pipeline, node, pipeline

from ecom_recsys.schemas import OLIST

from .events import generate_events
from .orders import generate_orders
from .ratings import generate_ratings


def create_pipeline(**kwargs) -> Pipeline:
    """Generate the raw CSVs of the events, orders and interactions sources."""
    events = pipeline(
        Pipeline(
            [
                node(
                    generate_events,
                    "params:events",
                    "raw_events",
                    name="generate_demo_events",
                )
            ]
        ),
        namespace="events",
        parameters={"params:events": "params:demo_data.events"},
    )
    orders = pipeline(
        Pipeline(
            [
                node(
                    generate_orders,
                    "params:orders",
                    # generate_orders returns the tables in this order
                    [f"raw_{table}" for table in OLIST],
                    name="generate_demo_orders",
                )
            ]
        ),
        namespace="orders",
        parameters={"params:orders": "params:demo_data.orders"},
    )
    interactions = pipeline(
        Pipeline(
            [
                node(
                    generate_ratings,
                    "params:interactions",
                    "raw_interactions",
                    name="generate_demo_ratings",
                )
            ]
        ),
        namespace="interactions",
        parameters={"params:interactions": "params:demo_data.interactions"},
    )
    return events + orders + interactions

"""Demo data pipeline: ``kedro run --pipelines=demo_data`` writes raw CSVs of every
source (not part of the default run)."""

from kedro.pipeline import Pipeline, node

from ecom_recsys.pipelines import SOURCE_PARAMS, for_sources
from ecom_recsys.schemas import OLIST

from .events import generate_events
from .orders import generate_orders
from .ratings import generate_movies, generate_ratings


def create_pipeline(**kwargs) -> Pipeline:
    """Generate the raw CSVs of the events, orders and interactions sources;
    each generator reads its source's block of ``parameters_demo_data.yml``."""
    return for_sources(
        "demo_data",
        extras={
            "events": Pipeline(
                [
                    node(
                        generate_events,
                        SOURCE_PARAMS,
                        "raw_events",
                        name="generate_demo_events",
                    )
                ]
            ),
            "orders": Pipeline(
                [
                    node(
                        generate_orders,
                        SOURCE_PARAMS,
                        # generate_orders returns the tables in this order
                        [f"raw_{table}" for table in OLIST],
                        name="generate_demo_orders",
                    )
                ]
            ),
            "interactions": Pipeline(
                [
                    node(
                        generate_ratings,
                        SOURCE_PARAMS,
                        "raw_interactions",
                        name="generate_demo_ratings",
                    ),
                    node(
                        generate_movies,
                        SOURCE_PARAMS,
                        "raw_items",
                        name="generate_demo_movies",
                    ),
                ]
            ),
        },
    )

"""Feature engineering: feedback events -> interactions, indices, train/test."""

from kedro.pipeline import Pipeline, node

from ecom_recsys.pipelines import for_source

from .nodes import (
    build_interactions,
    build_products,
    build_test,
    build_train,
    index_products,
    index_users,
)


def create_base_pipeline() -> Pipeline:
    """Source-agnostic: canonical ``feedback`` events and ``products`` in,
    interactions, dense id indices and the time split out."""
    return Pipeline(
        [
            node(
                build_interactions,
                inputs=["feedback", "params:interaction_weights", "params:split"],
                outputs="interactions",
                name="build_interactions",
            ),
            node(index_users, "interactions", "user_index", name="index_users"),
            node(index_products, "products", "product_index", name="index_products"),
            node(
                build_train,
                inputs=["interactions", "user_index", "product_index"],
                outputs="train",
                name="build_train",
            ),
            node(
                build_test,
                inputs=[
                    "interactions",
                    "user_index",
                    "product_index",
                    "params:evaluation",
                ],
                outputs="test",
                name="build_test",
            ),
        ]
    )


def create_events_pipeline() -> Pipeline:
    """The clickstream is its own feedback; products come from its events."""
    events = Pipeline(
        [node(build_products, "feedback", "products", name="build_products")]
    )
    return for_source(
        events + create_base_pipeline(),
        "events",
        "feature_engineering",
        inputs={"feedback": "events.events_clean"},
    )


def create_pipeline(**kwargs) -> Pipeline:
    """Feature engineering for every source."""
    return create_events_pipeline()

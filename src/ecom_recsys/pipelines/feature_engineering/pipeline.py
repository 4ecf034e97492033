"""Feature engineering: clean events -> interactions, products, indices, train/test."""

from kedro.pipeline import Pipeline, node

from ecom_recsys.pipelines import SOURCES, for_source

from .nodes import (
    build_interactions,
    build_products,
    build_test,
    build_train,
    index_products,
    index_users,
)


def create_base_pipeline() -> Pipeline:
    """Source-agnostic feature engineering on canonical ``clean`` events."""
    return Pipeline(
        [
            node(
                build_interactions,
                inputs=["clean", "params:interaction_weights", "params:split"],
                outputs="interactions",
                name="build_interactions",
            ),
            node(build_products, "clean", "products", name="build_products"),
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


def create_pipeline(**kwargs) -> Pipeline:
    """Feature engineering for every source."""
    return sum(
        (for_source(create_base_pipeline(), s, "feature_engineering") for s in SOURCES),
        Pipeline([]),
    )

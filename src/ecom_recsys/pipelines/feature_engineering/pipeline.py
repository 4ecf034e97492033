"""Feature engineering: feedback events -> interactions, indices, train/test."""

from kedro.pipeline import Pipeline, node

from ecom_recsys.pipelines import for_sources

from .interactions import (
    build_interactions,
    build_item_catalogue,
    build_products,
    index_products,
    index_users,
    single_group,
    to_feedback,
)
from .orders import (
    build_category_aggregates,
    build_customer_features,
    build_order_feedback,
    build_order_lines,
    build_order_products,
    period_segments,
    segment_groups,
)
from .splits import (
    build_test,
    build_test_ratings,
    build_train,
    build_tuning_train,
    build_validation,
)

# Source-agnostic: canonical ``feedback`` events and ``products`` in,
# interactions, dense id indices and the time split out.
SHARED = Pipeline(
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
            build_tuning_train,
            inputs=["interactions", "user_index", "product_index"],
            outputs="tuning_train",
            name="build_tuning_train",
        ),
        node(
            build_validation,
            inputs=[
                "interactions",
                "user_index",
                "product_index",
                "params:evaluation",
            ],
            outputs="validation",
            name="build_validation",
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
        node(
            build_test_ratings,
            inputs=["interactions", "user_index", "product_index"],
            outputs="test_ratings",
            name="build_test_ratings",
        ),
    ]
)


# The clickstream is its own feedback; products come from its events.
EVENTS = Pipeline(
    [
        node(build_products, "events_clean", "products", name="build_products"),
        node(single_group, "user_index", "user_groups", name="assign_user_groups"),
    ]
)

OLIST_TABLES = [
    "orders",
    "order_items",
    "customers",
    "products",
    "category_translation",
    "sellers",
    "order_reviews",
    "order_payments",
]

# Olist: order lines, customer RFM and segments, product and category
# aggregates; purchases (rated by reviews) are the feedback.
ORDERS = Pipeline(
    [
        node(
            build_order_lines,
            inputs=[f"{t}_clean" for t in OLIST_TABLES] + ["params:order_lines"],
            outputs="order_lines",
            name="build_order_lines",
        ),
        node(build_order_feedback, "order_lines", "feedback", name="build_feedback"),
        node(
            build_order_products,
            ["order_lines", "products_clean"],
            "products",
            name="build_product_aggregates",
        ),
        node(
            build_category_aggregates,
            "order_lines",
            "category_aggregates",
            name="build_category_aggregates",
        ),
        node(
            build_customer_features,
            ["order_lines", "params:rfm"],
            "customer_features",
            name="build_customer_features",
        ),
        node(
            segment_groups,
            ["user_index", "customer_features"],
            "user_groups",
            name="assign_user_groups",
        ),
        # each customer's segment as it was before the period a baseline is
        # scored on: validation (tuning) and test (train)
        node(
            period_segments,
            ["order_lines", "tuning_train", "user_index", "params:rfm"],
            "tuning_user_groups",
            name="assign_tuning_segments",
        ),
        node(
            period_segments,
            ["order_lines", "train", "user_index", "params:rfm"],
            "train_user_groups",
            name="assign_train_segments",
        ),
    ]
)

# A generic interactions file (e.g. MovieLens ratings): each row is an
# ``interaction`` event, with its rating and weight when the file has them.
INTERACTIONS = Pipeline(
    [
        node(to_feedback, "interactions_clean", "feedback", name="build_feedback"),
        node(
            build_item_catalogue,
            ["feedback", "raw_items", "params:items"],
            "products",
            name="build_item_catalogue",
        ),
        node(single_group, "user_index", "user_groups", name="assign_user_groups"),
    ]
)


def create_pipeline(**kwargs) -> Pipeline:
    """Feature engineering for every source."""
    return for_sources(
        "feature_engineering",
        SHARED,
        extras={"events": EVENTS, "orders": ORDERS, "interactions": INTERACTIONS},
        reads={"events": {"feedback": "events_clean"}},
    )

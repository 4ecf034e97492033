"""Reporting: metrics table, readable recommendations, charts, product analytics,
and tidy BI exports (``08_reporting/<source>/bi/``)."""

from kedro.pipeline import Pipeline, node

from ecom_recsys.pipelines import for_sources

from .audience import build_activity, pick_example_users, summarise_served_lists
from .bi import (
    export_customers,
    export_metrics,
    export_products,
    export_recommendations,
    export_segments,
    export_similar_products,
)
from .charts import (
    plot_category_aggregates,
    plot_funnel,
    plot_model_metrics,
    plot_model_metrics_interactive,
    plot_order_distributions,
    plot_popularity_long_tail,
    plot_popularity_long_tail_interactive,
    plot_segments,
    plot_tuning_trials,
)
from .tables import (
    build_analytics_summary,
    build_category_summary,
    build_funnel,
    build_group_recommendations,
    build_model_metrics,
    build_popularity_long_tail,
    build_similar_products_pretty,
    build_top_products,
    build_top_recommendations_pretty,
    describe_order_lines,
    summarise_segments,
)

# Source-agnostic reporting on the modeling outputs. ``product_summary`` is the
# per-product table the top products are taken from, ``feedback`` the events
# (see ``create_pipeline``).
SHARED = Pipeline(
    [
        node(
            build_top_products,
            ["product_summary", "params:top_products"],
            "top_products",
            name="build_top_products",
        ),
        node(
            build_model_metrics,
            "ranking_metrics",
            "model_metrics",
            name="build_model_metrics",
        ),
        node(
            build_top_recommendations_pretty,
            ["served_recommendations", "user_index", "product_index", "products"],
            "top_recommendations_pretty",
            name="build_top_recommendations_pretty",
        ),
        node(
            build_group_recommendations,
            ["group_items", "product_index", "products", "params:recommend"],
            "group_recommendations",
            name="build_group_recommendations",
        ),
        node(
            plot_model_metrics,
            "model_metrics",
            "model_metrics_chart",
            name="plot_model_metrics",
        ),
        node(
            build_popularity_long_tail,
            [
                "train",
                "als_recommendations",
                "served_recommendations",
                "params:long_tail",
            ],
            "bi_popularity_long_tail",
            name="build_popularity_long_tail",
        ),
        node(
            plot_popularity_long_tail,
            "bi_popularity_long_tail",
            "popularity_long_tail_chart",
            name="plot_popularity_long_tail",
        ),
        node(
            plot_model_metrics_interactive,
            "model_metrics",
            "model_metrics_interactive",
            name="plot_model_metrics_interactive",
        ),
        node(
            plot_popularity_long_tail_interactive,
            "bi_popularity_long_tail",
            "popularity_long_tail_interactive",
            name="plot_popularity_long_tail_interactive",
        ),
        node(
            plot_tuning_trials,
            "tuning_trials",
            "tuning_trials_chart",
            name="plot_tuning_trials",
        ),
        node(export_metrics, "model_metrics", "bi_metrics", name="export_metrics"),
        node(
            export_recommendations,
            "top_recommendations_pretty",
            "bi_recommendations",
            name="export_recommendations",
        ),
        node(
            export_products,
            ["products", "interactions", "top_recommendations_pretty"],
            "bi_products",
            name="export_products",
        ),
        node(
            build_similar_products_pretty,
            ["similar_products", "product_index", "products"],
            "similar_products_pretty",
            name="build_similar_products_pretty",
        ),
        node(
            export_similar_products,
            "similar_products_pretty",
            "bi_similar_products",
            name="export_similar_products",
        ),
        node(build_activity, "feedback", "activity", name="build_activity"),
        node(
            summarise_served_lists,
            "top_recommendations_pretty",
            "served_summary",
            name="summarise_served_lists",
        ),
        node(
            pick_example_users,
            [
                "interactions",
                "top_recommendations_pretty",
                "user_groups",
                "user_index",
                "params:example_users",
            ],
            "example_users",
            name="pick_example_users",
        ),
    ]
)


# Clickstream reports: per-product funnel analytics and the funnel chart.
EVENTS = Pipeline(
    [
        node(
            build_analytics_summary,
            ["events_clean", "products"],
            "analytics_summary",
            name="build_analytics_summary",
        ),
        node(
            build_category_summary,
            "analytics_summary",
            "category_summary",
            name="build_category_summary",
        ),
        node(build_funnel, "events_clean", "bi_funnel", name="build_funnel"),
        node(plot_funnel, "bi_funnel", "funnel_chart", name="plot_funnel"),
    ]
)


# Olist reports: descriptive statistics, distributions, categories, segments.
ORDERS = Pipeline(
    [
        node(
            describe_order_lines,
            "order_lines",
            "order_statistics",
            name="describe_order_lines",
        ),
        node(
            plot_order_distributions,
            "order_lines",
            "order_distributions_chart",
            name="plot_order_distributions",
        ),
        node(
            plot_category_aggregates,
            "category_aggregates",
            "categories_chart",
            name="plot_category_aggregates",
        ),
        node(
            summarise_segments,
            "customer_features",
            "segment_summary",
            name="summarise_segments",
        ),
        node(
            export_segments,
            ["segment_summary", "top_recommendations_pretty", "customer_features"],
            "bi_segments",
            name="export_segments",
        ),
        node(plot_segments, "bi_segments", "segments_chart", name="plot_segments"),
        node(
            export_customers,
            "customer_features",
            "bi_customers",
            name="export_customers",
        ),
    ]
)


def create_pipeline(**kwargs) -> Pipeline:
    """Reporting for every source; top products come from the events' funnel
    analytics, and from the per-product table of the other sources."""
    return for_sources(
        "reporting",
        SHARED,
        extras={"events": EVENTS, "orders": ORDERS},
        reads={
            "events": {
                "product_summary": "analytics_summary",
                "feedback": "events_clean",
            },
            "orders": {"product_summary": "products"},
            "interactions": {"product_summary": "products"},
        },
    )

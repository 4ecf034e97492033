"""Reporting: metrics table, readable recommendations, charts, product analytics."""

from kedro.pipeline import Pipeline, node

from ecom_recsys.pipelines import for_source

from .nodes import (
    build_analytics_summary,
    build_model_metrics,
    build_top_recommendations_pretty,
    plot_funnel,
    plot_model_metrics,
)


def create_base_pipeline() -> Pipeline:
    """Source-agnostic reporting on the modeling outputs."""
    return Pipeline(
        [
            node(
                build_model_metrics,
                "ranking_metrics",
                "model_metrics",
                name="build_model_metrics",
            ),
            node(
                build_top_recommendations_pretty,
                ["als_recommendations", "user_index", "product_index", "products"],
                "top_recommendations_pretty",
                name="build_top_recommendations_pretty",
            ),
            node(
                plot_model_metrics,
                "model_metrics",
                "model_metrics_chart",
                name="plot_model_metrics",
            ),
        ]
    )


def create_events_pipeline() -> Pipeline:
    """Clickstream reports: per-product funnel analytics and the funnel chart."""
    events = Pipeline(
        [
            node(
                build_analytics_summary,
                ["events_clean", "products"],
                "analytics_summary",
                name="build_analytics_summary",
            ),
            node(plot_funnel, "analytics_summary", "funnel_chart", name="plot_funnel"),
        ]
    )
    return for_source(events + create_base_pipeline(), "events", "reporting")


def create_pipeline(**kwargs) -> Pipeline:
    """Reporting for every source."""
    return create_events_pipeline()

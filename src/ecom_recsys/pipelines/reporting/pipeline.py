"""Reporting: metrics table, product analytics, readable recommendations, charts."""

from kedro.pipeline import Pipeline, node

from ecom_recsys.pipelines import SOURCES, for_source

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
                build_analytics_summary,
                ["clean", "products"],
                "analytics_summary",
                name="build_analytics_summary",
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
            node(plot_funnel, "analytics_summary", "funnel_chart", name="plot_funnel"),
        ]
    )


def create_pipeline(**kwargs) -> Pipeline:
    """Reporting for every source."""
    return sum(
        (for_source(create_base_pipeline(), s, "reporting") for s in SOURCES),
        Pipeline([]),
    )

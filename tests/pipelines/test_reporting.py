"""Unit tests for the reporting nodes."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from matplotlib.figure import Figure

from ecom_recsys.pipelines.reporting.nodes import (
    build_analytics_summary,
    build_model_metrics,
    build_top_recommendations_pretty,
    plot_funnel,
    plot_model_metrics,
)
from tests.conftest import rows, ts

EVENTS_SCHEMA = "event_time timestamp, event_type string, product_id long, price double, user_id long"
PRODUCTS_SCHEMA = "product_id long, category_id long, category_code string, brand string, price double"


@pytest.fixture
def metrics():
    data = [
        ("als", "ndcg", 10, 0.3, 100, 5),
        ("popularity", "ndcg", 10, 0.2, 100, 5),
        ("als", "precision", 10, 0.1, 100, 5),
        ("popularity", "precision", 10, 0.0, 100, 5),
    ]
    return pd.DataFrame(
        data, columns=["model", "metric", "k", "value", "users_evaluated", "users_cold"]
    )


def test_model_metrics_add_lift_over_the_baseline(metrics):
    table = build_model_metrics(metrics)
    assert list(table["model"] + "/" + table["metric"]) == [
        "als/ndcg",
        "popularity/ndcg",
        "als/precision",
        "popularity/precision",
    ]
    assert table.loc[0, "lift_vs_popularity"] == pytest.approx(0.5)
    assert table["lift_vs_popularity"].iloc[1:].isna().all()  # baseline 0: no lift


def test_analytics_summary_counts_funnel_conversion_and_revenue(spark):
    t = ts("2019-10-01 00:00:00")
    events = spark.createDataFrame(
        [
            (t, "view", 1, 10.0, 1),
            (t, "view", 1, 10.0, 2),
            (t, "cart", 1, 10.0, 1),
            (t, "purchase", 1, 10.0, 1),
            (t, "purchase", 1, 12.5, 2),
            (t, "cart", 2, 3.0, 1),
            (t, "remove_from_cart", 2, 3.0, 1),
        ],
        EVENTS_SCHEMA,
    )
    products = spark.createDataFrame(
        [(1, 7, "a.b", "acme", 12.5), (2, 8, None, None, 3.0)], PRODUCTS_SCHEMA
    )
    summary = build_analytics_summary(events, products)
    assert rows(summary, "product_id") == [
        (1, "a.b", "acme", 12.5, 2, 2, 1, 0, 2, 1.0, 22.5),
        (2, None, None, 3.0, 1, 0, 1, 1, 0, None, 0.0),
    ]
    fig = plot_funnel(summary)
    assert isinstance(fig, Figure)
    assert [p.get_height() for p in fig.axes[0].patches] == [2, 2, 1, 2]


def test_pretty_recommendations_use_source_ids_and_details(spark):
    recs = spark.createDataFrame(
        [(0, 1, 1, 0.91234567), (0, 0, 2, 0.5)],
        "user_idx int, item_idx int, rank int, score double",
    )
    users = spark.createDataFrame([(5_000_000_000, 0)], "user_id long, user_idx int")
    items = spark.createDataFrame([(10, 0), (20, 1)], "product_id long, item_idx int")
    products = spark.createDataFrame(
        [(10, 7, "a.b", "acme", 1.0), (20, 7, "a.b", "zeta", 2.0)], PRODUCTS_SCHEMA
    )
    pretty = build_top_recommendations_pretty(recs, users, items, products)
    # sorted by user and rank as written, not only after an orderBy here
    assert [(r.user_id, r.rank) for r in pretty.collect()] == [
        (5_000_000_000, 1),
        (5_000_000_000, 2),
    ]
    assert rows(pretty, "rank") == [
        (5_000_000_000, 1, 20, 7, "a.b", "zeta", 2.0, 0.912346),
        (5_000_000_000, 2, 10, 7, "a.b", "acme", 1.0, 0.5),
    ]


def test_metrics_chart_has_a_bar_per_model_and_metric(metrics):
    fig = plot_model_metrics(build_model_metrics(metrics))
    heights = sorted(p.get_height() for p in fig.axes[0].patches)
    assert heights == pytest.approx([0.0, 0.1, 0.2, 0.3])
    assert "K=10" in fig.axes[0].get_title()
    assert not math.isnan(heights[0])

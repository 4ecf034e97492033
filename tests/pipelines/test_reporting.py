"""Unit tests for the reporting nodes."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from matplotlib.figure import Figure

from ecom_recsys.pipelines.reporting.interactive import (
    plot_model_metrics_interactive,
    plot_popularity_long_tail_interactive,
)
from ecom_recsys.pipelines.reporting.nodes import (
    build_analytics_summary,
    build_category_summary,
    build_funnel,
    build_model_metrics,
    build_popularity_long_tail,
    build_top_products,
    build_top_recommendations_pretty,
    plot_funnel,
    plot_model_metrics,
    plot_popularity_long_tail,
    plot_segments,
    plot_tuning_trials,
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


def test_funnel_counts_events_and_users_per_step(spark):
    t = ts("2019-10-01 00:00:00")
    events = spark.createDataFrame(
        [
            (t, "view", 1, 10.0, 1),
            (t, "view", 1, 10.0, 1),
            (t, "view", 2, 3.0, 2),
            (t, "view", 2, 3.0, 3),
            (t, "view", 2, 3.0, 4),
            (t, "cart", 1, 10.0, 1),
            (t, "cart", 2, 3.0, 1),
            (t, "purchase", 1, 10.0, 1),
        ],
        EVENTS_SCHEMA,
    )
    funnel = build_funnel(events)
    assert funnel.to_dict("list") == {
        "step": ["view", "cart", "remove_from_cart", "purchase"],
        "events": [5, 2, 0, 1],
        "users": [4, 1, 0, 1],
        "share_of_viewers": [1.0, 0.25, 0.0, 0.25],
    }
    fig = plot_funnel(funnel)
    assert isinstance(fig, Figure)
    assert [p.get_height() for p in fig.axes[0].patches] == [5, 2, 0, 1]


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


def test_metrics_chart_shows_coverage_and_long_tail_beside_accuracy(metrics):
    extra = pd.DataFrame(
        [
            ("als", "coverage", 10, 0.4, 100, 5),
            ("popularity", "coverage", 10, 0.05, 100, 5),
            ("als", "long_tail_share", 10, 0.25, 100, 5),
            ("popularity", "long_tail_share", 10, 0.0, 100, 5),
        ],
        columns=metrics.columns,
    )
    fig = plot_model_metrics(build_model_metrics(pd.concat([metrics, extra])))
    right = sorted(p.get_height() for p in fig.axes[1].patches)
    assert right == pytest.approx([0.0, 0.05, 0.25, 0.4])
    assert len(fig.axes[0].patches) == 4  # accuracy only on the left


RECS_SCHEMA = "user_idx int, item_idx int, rank int, score double"


def test_popularity_long_tail_buckets_products_and_recommendations(spark):
    # popularity (distinct training users): item 0: 4, item 1: 2, item 2: 1, item 3: 1
    pairs = [(u, 0) for u in range(4)] + [(0, 1), (1, 1), (2, 2), (3, 3), (3, 3)]
    train = spark.createDataFrame(pairs, "user_idx int, item_idx int")
    als = spark.createDataFrame(
        [(0, 2, 1, 0.9), (0, 3, 2, 0.8), (1, 1, 1, 0.7), (1, 2, 2, 0.6)], RECS_SCHEMA
    )
    served = spark.createDataFrame([(0, 0, 1, 1.0), (1, 0, 1, 1.0)], RECS_SCHEMA)
    table = build_popularity_long_tail(train, als, served, {"buckets": 2})
    assert table.to_dict("list") == {
        "bucket": [1, 2],
        "first_rank": [1, 3],  # ties (items 2 and 3) by the smaller index
        "last_rank": [2, 4],
        "products": [2, 2],
        "interactions": [6, 2],
        "interaction_share": [0.75, 0.25],
        "cumulative_product_share": [0.5, 1.0],
        "cumulative_interaction_share": [0.75, 1.0],
        "als_recommendations": [1, 3],
        "als_share": [0.25, 0.75],
        "served_recommendations": [2, 0],
        "served_share": [1.0, 0.0],
    }
    fig = plot_popularity_long_tail(table)
    assert [p.get_height() for p in fig.axes[0].patches] == [3.0, 1.0]
    curves = {line.get_label(): list(line.get_ydata()) for line in fig.axes[1].lines}
    assert curves["ALS recommendations"] == [0.0, 25.0, 100.0]
    assert curves["served recommendations"] == [0.0, 100.0, 100.0]


def test_popularity_long_tail_has_no_more_buckets_than_products(spark):
    train = spark.createDataFrame([(0, 0), (1, 1)], "user_idx int, item_idx int")
    none = spark.createDataFrame([], RECS_SCHEMA)
    table = build_popularity_long_tail(train, none, none, {"buckets": 20})
    assert list(table["bucket"]) == [1, 11]
    assert list(table["products"]) == [1, 1]
    assert list(table["als_share"]) == [0.0, 0.0]


def test_tuning_chart_highlights_the_chosen_trial():
    trials = pd.DataFrame(
        {
            "trial": [0, 1],
            "rank": [4, 8],
            "reg_param": [0.05, 0.05],
            "alpha": [10.0, 10.0],
            "max_iter": [4, 4],
            "ndcg": [0.1, 0.2],
            "fit_seconds": [1.5, 2.5],
            "chosen": [False, True],
        }
    )
    fig = plot_tuning_trials(trials)
    bars = fig.axes[0].patches
    assert [b.get_height() for b in bars] == [0.1, 0.2]
    assert bars[0].get_facecolor() != bars[1].get_facecolor()
    assert [t.get_text() for t in fig.axes[0].texts] == ["1.5s", "2.5s"]


def test_tuning_chart_says_when_tuning_was_off():
    fig = plot_tuning_trials(pd.DataFrame(columns=["trial", "rank", "ndcg"]))
    assert "tuning.enabled is false" in fig.axes[0].texts[0].get_text()


def test_interactive_metrics_chart_has_a_bar_series_per_model(metrics):
    fig = plot_model_metrics_interactive(build_model_metrics(metrics))
    series = {t.name: (list(t.x), list(t.y)) for t in fig.data}
    assert series == {
        "als": (["ndcg", "precision"], [0.3, 0.1]),
        "popularity": (["ndcg", "precision"], [0.2, 0.0]),
    }
    assert "K=10" in fig.layout.title.text


def test_interactive_long_tail_chart_draws_cumulative_shares():
    table = pd.DataFrame(
        {
            "first_rank": [1, 3],
            "last_rank": [2, 4],
            "cumulative_product_share": [0.5, 1.0],
            "interaction_share": [0.75, 0.25],
            "als_share": [0.25, 0.75],
            "served_share": [1.0, 0.0],
        }
    )
    fig = plot_popularity_long_tail_interactive(table)
    lines = {t.name: list(t.y) for t in fig.data}
    assert lines == {
        "training interactions": [0.0, 75.0, 100.0],
        "ALS recommendations": [0.0, 25.0, 100.0],
        "served recommendations": [0.0, 100.0, 100.0],
        "uniform": [0, 100],
    }
    assert list(fig.data[0].x) == [0.0, 50.0, 100.0]
    assert list(fig.data[0].text) == ["", "ranks 1-2", "ranks 3-4"]


def test_segments_chart_shows_customers_rfm_and_where_recommendations_come_from():
    segments = pd.DataFrame(
        {
            "segment": ["promising", "loyal"],
            "customers": [30, 10],
            "avg_recency_days": [50.0, 200.0],
            "avg_monetary": [100.0, 400.0],
            "model_share": [0.25, float("nan")],
            "segment_share": [0.75, float("nan")],
            "popularity_share": [0.0, float("nan")],
        }
    )
    fig = plot_segments(segments)
    count, rfm, served = fig.axes
    assert [p.get_height() for p in count.patches] == [30, 10]
    assert rfm.collections[0].get_offsets().tolist() == [[50.0, 100.0], [200.0, 400.0]]
    # stacked: ALS, then segment favourites, then popularity, per segment
    assert [p.get_height() for p in served.patches] == [0.25, 0.0, 0.75, 0.0, 0.0, 0.0]
    assert [p.get_y() for p in served.patches[2:4]] == [0.25, 0.0]


def test_top_products_are_the_n_best_by_a_column_ties_by_id(spark):
    products = spark.createDataFrame(
        [(1, "a", 5), (2, "b", 9), (3, "c", 5), (4, "d", None), (5, "e", 1)],
        "product_id long, brand string, purchases long",
    )
    top = build_top_products(products, {"by": "purchases", "n": 3})
    assert top.columns.tolist() == ["rank", "product_id", "brand", "purchases"]
    assert top.values.tolist() == [[1, 2, "b", 9], [2, 1, "a", 5], [3, 3, "c", 5]]
    with pytest.raises(ValueError, match=r"top_products.by = 'sales' .*one of \["):
        build_top_products(products, {"by": "sales", "n": 3})


def test_category_summary_adds_up_products_of_a_category(spark):
    summary = spark.createDataFrame(
        [(1, "a", 10, 1, 10.0), (2, "a", 30, 3, 30.0), (3, None, 5, 0, 0.0)],
        "product_id long, category_code string, views long, purchases long, "
        "revenue double",
    )
    table = build_category_summary(summary)
    assert table.values.tolist() == [
        ["a", 2, 40, 4, 40.0, 0.1],
        ["(none)", 1, 5, 0, 0.0, 0.0],
    ]

"""Unit tests for the BI exports: the same columns whatever the source."""

from __future__ import annotations

import pandas as pd

from ecom_recsys.pipelines.reporting.bi import (
    export_customers,
    export_metrics,
    export_products,
    export_recommendations,
    export_segments,
)
from ecom_recsys.pipelines.reporting.tables import METRIC_COLUMNS
from tests.conftest import rows, ts

EVENTS_PRETTY = (
    "user_id long, rank int, product_id long, category_id long, "
    "category_code string, brand string, price double, score double, source string"
)
ORDERS_PRETTY = (
    "user_id string, rank int, product_id string, product_category string, "
    "n_orders long, avg_price double, score double, source string"
)


def test_recommendations_get_the_same_columns_for_every_source(spark):
    events = spark.createDataFrame(
        [
            (1, 1, 10, 7, "a.b", "acme", 1.004, 0.9, "model"),
            (1, 2, 20, 8, None, None, 2.0, 0.5, "popularity"),
        ],
        EVENTS_PRETTY,
    )
    orders = spark.createDataFrame(
        [("c1", 1, "p1", "toys", 3, 12.349, 4.0, "segment:loyal")], ORDERS_PRETTY
    )
    interactions = spark.createDataFrame(
        [("u1", 1, "m1", 40, 0.7, "model")],
        "user_id string, rank int, product_id string, users long, score double, "
        "source string",
    )
    columns = [
        "user_id",
        "rank",
        "product_id",
        "category",
        "brand",
        "price",
        "score",
        "source",
    ]
    for pretty in (events, orders, interactions):
        assert export_recommendations(pretty).columns == columns
    # the category id stands in for a missing category code
    assert rows(export_recommendations(events), "rank") == [
        (1, 1, 10, "a.b", "acme", 1.0, 0.9, "model"),
        (1, 2, 20, "8", None, 2.0, 0.5, "popularity"),
    ]
    assert rows(export_recommendations(orders)) == [
        ("c1", 1, "p1", "toys", None, 12.35, 4.0, "segment:loyal")
    ]
    assert rows(export_recommendations(interactions)) == [
        ("u1", 1, "m1", None, None, None, 0.7, "model")
    ]


def test_product_analytics_count_users_purchases_rank_and_serving(spark):
    products = spark.createDataFrame(
        [("p1", "toys", 10.0), ("p2", "toys", 20.0), ("p3", "baby", 5.0)],
        "product_id string, product_category string, avg_price double",
    )
    t1, t2 = ts("2018-01-01 10:00:00"), ts("2018-07-01 12:30:00")
    interactions = spark.createDataFrame(
        [
            ("a", "p1", "train", 1, 1.0, 5.0, t1),
            ("b", "p1", "train", 2, 2.0, 3.0, t1),
            ("a", "p1", "test", 1, 1.0, 4.0, t2),
            ("c", "p2", "test", 1, 1.0, 1.0, t2),
            ("c", "p2", "tuning", 1, 1.0, 1.0, t1),  # a sub-period: not counted again
            ("d", "p3", "train", 0, 0.0, None, t1),  # weight 0: not in training
        ],
        "user_id string, product_id string, period string, n_purchase int, "
        "weight double, rating double, last_event_time timestamp",
    )
    served = spark.createDataFrame(
        [
            ("c", 1, "p1", "model"),
            ("d", 1, "p1", "popularity"),
            ("a", 1, "p2", "model"),
        ],
        "user_id string, rank int, product_id string, source string",
    )
    table = export_products(products, interactions, served)
    assert rows(table, "product_id") == [
        ("p1", "toys", None, 10.0, 2, 2, 4, 4.0, t2, 1, 2, 1),
        ("p2", "toys", None, 20.0, 1, 0, 1, 1.0, t2, None, 1, 1),
        ("p3", "baby", None, 5.0, 1, 0, 0, None, t1, None, 0, 0),
    ]
    assert table.columns[4:] == [
        "users",
        "train_users",
        "purchases",
        "avg_rating",
        "last_interaction",
        "popularity_rank",
        "recommended_users",
        "recommended_by_model",
    ]


def test_product_analytics_without_purchases_or_ratings_leave_them_null(spark):
    products = spark.createDataFrame(
        [("m1", 3), ("m2", 1)], "product_id string, users long"
    )
    interactions = spark.createDataFrame(
        [("u", "m1", "train", 1, 1.0, ts("2018-01-01 00:00:00"))],
        "user_id string, product_id string, period string, n_interaction int, "
        "weight double, last_event_time timestamp",
    )
    served = spark.createDataFrame(
        [], "user_id string, rank int, product_id string, source string"
    )
    table = export_products(products, interactions, served)
    assert [r[4:8] for r in rows(table, "product_id")] == [
        (1, 1, None, None),
        (0, 0, None, None),
    ]


def test_metrics_export_keeps_the_documented_columns_in_order():
    metrics = pd.DataFrame(
        [[0.5, "als", "configured", "ndcg", 10, 0.3, 100, 5, True]],
        columns=[
            "lift_vs_popularity",
            *[c for c in METRIC_COLUMNS if c != "lift_vs_popularity"],
        ],
    )
    table = export_metrics(metrics)
    assert list(table.columns) == METRIC_COLUMNS
    assert table.iloc[0].tolist() == [
        "als",
        "configured",
        "ndcg",
        10,
        0.3,
        0.5,
        100,
        5,
        True,
    ]


CUSTOMERS = (
    "customer_unique_id string, segment string, r_score int, f_score int, "
    "m_score int, recency_days int, frequency long, monetary double, "
    "n_products long, n_categories long, avg_review_score double, "
    "first_purchase timestamp, last_purchase timestamp"
)


def test_segments_say_where_their_recommendations_come_from(spark):
    t = ts("2018-01-01 00:00:00")
    customers = spark.createDataFrame(
        [
            ("a", "loyal", 3, 2, 2, 10, 2, 100.0, 2, 1, 4.0, t, t),
            ("b", "loyal", 3, 2, 2, 20, 2, 50.0, 2, 2, 5.0, t, t),
            ("c", "new", 3, 1, 1, 5, 1, 10.0, 1, 1, None, t, t),
        ],
        CUSTOMERS,
    )
    served = spark.createDataFrame(
        [
            ("a", 1, "p1", "model"),
            ("a", 2, "p2", "segment:loyal"),
            ("b", 1, "p1", "segment:loyal"),
            ("b", 2, "p3", "popularity"),
        ],
        "user_id string, rank int, product_id string, source string",
    )
    summary = pd.DataFrame(
        {"segment": ["loyal", "new"], "customers": [2, 1], "share": [0.6667, 0.3333]}
    )
    table = export_segments(summary, served, customers)
    nan = float("nan")
    expected = summary.assign(
        recommendations=[4, 0],
        model_share=[0.25, nan],
        segment_share=[0.5, nan],
        popularity_share=[0.25, nan],
    )
    pd.testing.assert_frame_equal(table, expected)


def test_customers_export_names_the_id_user_id(spark):
    t = ts("2018-01-01 00:00:00")
    customers = spark.createDataFrame(
        [("a", "loyal", 3, 2, 2, 10, 2, 100.004, 2, 1, 4.1234, t, t)], CUSTOMERS
    )
    assert rows(export_customers(customers)) == [
        ("a", "loyal", 3, 2, 2, 10, 2, 100.0, 2, 1, 4.123, t, t)
    ]

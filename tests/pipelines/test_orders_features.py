"""Unit tests of the orders-source nodes: order lines, RFM, segments, aggregates."""

from __future__ import annotations

import math

import pytest

from ecom_recsys.params import OrderLineParams, RFMParams
from ecom_recsys.pipelines.feature_engineering.orders import (
    build_category_aggregates,
    build_customer_features,
    build_order_feedback,
    build_order_lines,
    build_order_products,
    latest_review_per_order,
    payments_per_order,
    period_segments,
    segment_groups,
)
from ecom_recsys.schemas import OLIST
from tests.conftest import rows, ts


def _frame(spark, table, data):
    spark_types = {
        "timestamp": "timestamp",
        "string": "string",
        "int": "int",
        "double": "double",
    }
    schema = ", ".join(f"{c} {spark_types[t]}" for c, t in OLIST[table].items())
    return spark.createDataFrame(data, schema)


@pytest.fixture
def tables(spark):
    t = ts
    orders = _frame(
        spark,
        "orders",
        [
            ("o1", "c1", "delivered", t("2018-01-10 10:00:00"), None, None, None, None),
            ("o2", "c2", "delivered", t("2018-03-01 09:00:00"), None, None, None, None),
            ("o3", "c3", "canceled", t("2018-03-02 09:00:00"), None, None, None, None),
            ("o4", "c4", "delivered", t("2018-03-31 12:00:00"), None, None, None, None),
        ],
    )
    items = _frame(
        spark,
        "order_items",
        [
            ("o1", 1, "p1", "s1", None, 100.0, 10.0),
            ("o1", 2, "p2", "s1", None, 50.0, 5.0),
            ("o2", 1, "p1", "s1", None, 100.0, 12.0),
            ("o3", 1, "p2", "s1", None, 50.0, 5.0),
            ("o4", 1, "p3", "s2", None, 20.0, 0.0),
        ],
    )
    customers = _frame(
        spark,
        "customers",
        [
            ("c1", "u1", "01001", "sao paulo", "SP"),
            ("c2", "u1", "01001", "sao paulo", "SP"),
            ("c3", "u2", "20000", "rio", "RJ"),
            ("c4", "u3", "30000", "bh", "MG"),
        ],
    )
    products = _frame(
        spark,
        "products",
        [
            ("p1", "beleza_saude", 40.0, 300.0, 1.0, 500.0, 10.0, 10.0, 10.0),
            ("p2", "brinquedos", None, None, None, 100.0, None, None, None),
            ("p3", None, None, None, None, None, None, None, None),
            ("p4", "beleza_saude", None, None, None, 10.0, None, None, None),
        ],
    )
    translation = _frame(
        spark, "category_translation", [("beleza_saude", "health_beauty")]
    )
    sellers = _frame(
        spark, "sellers", [("s1", "01001", "sao paulo", "SP"), ("s2", "1", "x", "PR")]
    )
    reviews = _frame(
        spark,
        "order_reviews",
        [
            (
                "r1",
                "o1",
                2,
                None,
                None,
                t("2018-01-20 00:00:00"),
                t("2018-01-21 00:00:00"),
            ),
            (
                "r2",
                "o1",
                5,
                None,
                None,
                t("2018-01-25 00:00:00"),
                t("2018-01-26 00:00:00"),
            ),
            (
                "r3",
                "o2",
                4,
                None,
                None,
                t("2018-03-05 00:00:00"),
                t("2018-03-06 00:00:00"),
            ),
        ],
    )
    payments = _frame(
        spark,
        "order_payments",
        [
            ("o1", 1, "credit_card", 3, 140.0),
            ("o1", 2, "voucher", 1, 25.0),
            ("o2", 1, "boleto", 1, 112.0),
        ],
    )
    return orders, items, customers, products, translation, sellers, reviews, payments


@pytest.fixture
def lines(tables):
    return build_order_lines(*tables, OrderLineParams(order_status=["delivered"]))


def test_latest_review_wins_and_payments_sum_per_order(tables):
    reviews, payments = tables[6], tables[7]
    assert rows(latest_review_per_order(reviews), "order_id") == [("o1", 5), ("o2", 4)]
    assert rows(payments_per_order(payments), "order_id") == [
        ("o1", 165.0, 2, "credit_card", 3),
        ("o2", 112.0, 1, "boleto", 1),
    ]


def test_order_lines_join_everything_and_handle_gaps(lines):
    got = rows(
        lines.select(
            "order_id",
            "order_item_id",
            "customer_unique_id",
            "product_category",
            "order_value",
            "review_score",
            "has_review",
            "seller_state",
        ),
        "order_id",
        "order_item_id",
    )
    assert got == [
        ("o1", 1, "u1", "health_beauty", 165.0, 5, True, "SP"),
        ("o1", 2, "u1", "brinquedos", 165.0, 5, True, "SP"),  # no translation: kept
        ("o2", 1, "u1", "health_beauty", 112.0, 4, True, "SP"),
        ("o4", 1, "u3", "unknown", 20.0, None, False, "PR"),  # no payment, no review
    ]
    o1 = lines.where("order_id = 'o1' and order_item_id = 1").first()
    assert o1["log_price"] == pytest.approx(math.log1p(100.0))
    assert o1["log_order_value"] == pytest.approx(math.log1p(165.0))


RFM = {
    "reference_date": None,
    "thresholds": {
        "recency_days": [365, 180, 90],
        "frequency": [2, 3, 5],
        "monetary": [100, 250, 500],
    },
    "segments": [
        {"name": "champions", "min_r": 3, "min_f": 2, "min_m": 3},
        {"name": "loyal", "min_f": 2},
        {"name": "promising", "min_r": 3},
        {"name": "occasional"},
    ],
}


def test_rfm_features_and_segments_are_exact(lines):
    features = build_customer_features(lines, RFMParams.model_validate(RFM))
    got = rows(
        features.select(
            "customer_unique_id",
            "recency_days",
            "frequency",
            "monetary",
            "n_products",
            "n_categories",
            "avg_review_score",
            "r_score",
            "f_score",
            "m_score",
            "segment",
        ),
        "customer_unique_id",
    )
    # The reference day is the day after the last purchase: 2018-04-01.
    assert got == [
        # u1: last order 2018-03-01 (31 days), 2 orders, 165 + 112 = 277
        ("u1", 31, 2, 277.0, 2, 2, 4.667, 4, 2, 3, "champions"),
        # u3: last order 2018-03-31 (1 day), 1 order of 20
        ("u3", 1, 1, 20.0, 1, 1, None, 4, 1, 1, "promising"),
    ]


def test_rfm_reference_date_and_score_boundaries(lines):
    rfm = {**RFM, "reference_date": "2019-03-01"}
    features = build_customer_features(lines, RFMParams.model_validate(rfm))
    got = rows(
        features.select("customer_unique_id", "recency_days", "r_score", "segment"),
        "customer_unique_id",
    )
    # 365 days exactly still passes the 365 threshold (<=): score 2
    assert got == [("u1", 365, 2, "loyal"), ("u3", 335, 2, "occasional")]


def test_feedback_products_categories_and_groups(spark, lines, tables):
    feedback = build_order_feedback(lines)
    assert rows(
        feedback.select("user_id", "product_id", "event_type", "rating"),
        "user_id",
        "product_id",
        "rating",
    ) == [
        ("u1", "p1", "purchase", 4.0),
        ("u1", "p1", "purchase", 5.0),
        ("u1", "p2", "purchase", 5.0),
        ("u3", "p3", "purchase", None),
    ]
    products = build_order_products(lines, tables[3])
    assert rows(
        products.select("product_id", "product_category", "n_orders", "revenue"),
        "product_id",
    ) == [
        ("p1", "health_beauty", 2, 200.0),
        ("p2", "brinquedos", 1, 50.0),
        ("p3", "unknown", 1, 20.0),
        ("p4", "unknown", 0, 0.0),  # never sold: still in the catalogue
    ]
    categories = build_category_aggregates(lines)
    assert rows(
        categories.select("product_category", "n_products", "n_orders", "avg_price"),
        "product_category",
    ) == [
        ("brinquedos", 1, 1, 50.0),
        ("health_beauty", 1, 2, 100.0),
        ("unknown", 1, 1, 20.0),
    ]
    features = build_customer_features(lines, RFMParams.model_validate(RFM))
    user_index = spark.createDataFrame(
        [("u1", 0), ("u3", 1), ("u9", 2)], "user_id string, user_idx int"
    )
    assert rows(segment_groups(user_index, features), "user_idx") == [
        (0, "champions"),
        (1, "promising"),
        (2, "other"),
    ]


def test_period_segments_see_only_the_orders_up_to_the_period(spark, lines):
    rfm = RFMParams.model_validate(RFM)
    user_index = spark.createDataFrame(
        [("u1", 0), ("u3", 1), ("u9", 2)], "user_id string, user_idx int"
    )
    period = spark.createDataFrame(
        [(0, 5, ts("2018-01-10 10:00:00"))],
        "user_idx int, item_idx int, last_event_time timestamp",
    )
    # before o2, u1 had one order of 165, a day before the period's end: not
    # yet the champion the whole data makes of them; u3 is not in the period
    assert rows(period_segments(lines, period, user_index, rfm)) == [(0, "promising")]
    everything = spark.createDataFrame(
        [(0, 5, ts("2018-03-01 09:00:00")), (1, 6, ts("2018-03-31 12:00:00"))],
        "user_idx int, item_idx int, last_event_time timestamp",
    )
    assert rows(period_segments(lines, everything, user_index, rfm), "user_idx") == [
        (0, "champions"),
        (1, "promising"),
    ]

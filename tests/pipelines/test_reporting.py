"""Unit tests for the reporting tables (reporting/tables.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from ecom_recsys.params import GroupListParams, LongTailParams, TopProductsParams
from ecom_recsys.pipelines.reporting.tables import (
    build_analytics_summary,
    build_category_summary,
    build_funnel,
    build_group_recommendations,
    build_model_metrics,
    build_popularity_long_tail,
    build_top_products,
    build_top_recommendations_pretty,
    share,
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


def test_model_metrics_lift_is_measured_within_each_protocol(metrics):
    new_items = metrics.assign(protocol="new_items", value=metrics["value"] / 10)
    new_items.loc[1, "value"] = 0.01  # popularity's NDCG on new items
    both = pd.concat([metrics.assign(protocol="configured"), new_items])
    table = build_model_metrics(both.assign(served=both["model"] == "als"))
    ndcg = table[(table["model"] == "als") & (table["metric"] == "ndcg")]
    assert ndcg.set_index("protocol")["lift_vs_popularity"].to_dict() == {
        "configured": pytest.approx(0.5),
        "new_items": pytest.approx(2.0),
    }
    assert table.loc[table["served"], "model"].unique().tolist() == ["als"]


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


def test_funnel_has_no_share_of_viewers_without_viewers(spark):
    t = ts("2019-10-01 00:00:00")
    events = spark.createDataFrame([(t, "cart", 1, 10.0, 1)], EVENTS_SCHEMA)
    funnel = build_funnel(events)
    assert list(funnel["users"]) == [0, 1, 0, 0]
    assert funnel["share_of_viewers"].isna().all()


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


RECS_SCHEMA = "user_idx int, item_idx int, rank int, score double"


def test_popularity_long_tail_buckets_products_and_recommendations(spark):
    # popularity (distinct training users): item 0: 4, item 1: 2, item 2: 1, item 3: 1
    pairs = [(u, 0) for u in range(4)] + [(0, 1), (1, 1), (2, 2), (3, 3), (3, 3)]
    train = spark.createDataFrame(pairs, "user_idx int, item_idx int")
    als = spark.createDataFrame(
        [(0, 2, 1, 0.9), (0, 3, 2, 0.8), (1, 1, 1, 0.7), (1, 2, 2, 0.6)], RECS_SCHEMA
    )
    served = spark.createDataFrame([(0, 0, 1, 1.0), (1, 0, 1, 1.0)], RECS_SCHEMA)
    table = build_popularity_long_tail(train, als, served, LongTailParams(buckets=2))
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


def test_popularity_long_tail_has_no_more_buckets_than_products(spark):
    train = spark.createDataFrame([(0, 0), (1, 1)], "user_idx int, item_idx int")
    none = spark.createDataFrame([], RECS_SCHEMA)
    table = build_popularity_long_tail(train, none, none, LongTailParams(buckets=20))
    assert list(table["bucket"]) == [1, 11]
    assert list(table["products"]) == [1, 1]
    assert list(table["als_share"]) == [0.0, 0.0]


def test_share_is_rounded_and_null_where_the_whole_is_zero():
    part = pd.Series([1, 2, 0])
    assert share(part, 3).tolist() == [0.3333, 0.6667, 0.0]
    shares = share(part, pd.Series([4, 0, 0]))
    assert shares.iloc[0] == 0.25
    assert shares.iloc[1:].isna().all()


def test_group_recommendations_keep_the_top_k_with_product_details(spark):
    group_items = spark.createDataFrame(
        [("loyal", 0, 1, 7), ("loyal", 1, 2, 7), ("all", 2, 1, 9)],
        "group string, item_idx int, group_rank int, n_users long",
    )
    items = spark.createDataFrame(
        [(10, 0), (20, 1), (30, 2)], "product_id long, item_idx int"
    )
    products = spark.createDataFrame(
        [(10, 7, "a.b", "acme", 1.0), (20, 7, "a.b", "zeta", 2.0)], PRODUCTS_SCHEMA
    )
    table = build_group_recommendations(
        group_items, items, products, GroupListParams(top_k=1)
    )
    assert table.columns == [
        "group",
        "rank",
        "product_id",
        "category_id",
        "category_code",
        "brand",
        "price",
        "n_users",
    ]
    # a product missing from the product table keeps its row, without details
    assert rows(table, "group") == [
        ("all", 1, 30, None, None, None, None, 9),
        ("loyal", 1, 10, 7, "a.b", "acme", 1.0, 7),
    ]


def test_top_products_are_the_n_best_by_a_column_ties_by_id(spark):
    products = spark.createDataFrame(
        [(1, "a", 5), (2, "b", 9), (3, "c", 5), (4, "d", None), (5, "e", 1)],
        "product_id long, brand string, purchases long",
    )
    top = build_top_products(products, TopProductsParams(by="purchases", n=3))
    assert top.columns.tolist() == ["rank", "product_id", "brand", "purchases"]
    assert top.values.tolist() == [[1, 2, "b", 9], [2, 1, "a", 5], [3, 3, "c", 5]]
    with pytest.raises(ValueError, match=r"top_products.by = 'sales' .*one of \["):
        build_top_products(products, TopProductsParams(by="sales", n=3))


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

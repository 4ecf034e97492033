"""Unit tests for similar products: ALS cosine, co-occurrence and popularity
lists, the consecutive pairs they are scored on, the choice on validation, and
the readable and BI tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from pyspark.ml.recommendation import ALS

from ecom_recsys.params import SimilarParams
from ecom_recsys.pipelines.modeling.similar import (
    METRIC_COLUMNS,
    als_similar,
    build_similar_lists,
    choose_similar_method,
    evaluate_similar_products,
    popular_similar,
    serve_similar_products,
    touch_pairs,
)
from ecom_recsys.pipelines.reporting.bi import export_similar_products
from ecom_recsys.pipelines.reporting.tables import build_similar_products_pretty
from ecom_recsys.spark.jvm import als_model_with_factors
from tests.conftest import rows, ts

LIST_SCHEMA = (
    "method string, item_idx int, "
    "similar array<struct<similar_idx: int, score: double>>"
)
POPULARITY_SCHEMA = "item_idx int, n_users long"

# Unit-length-free factors whose cosines are easy to check by hand: item 0
# [1, 0], 1 [3, 1], 2 [1, 2], 3 [0, 1], 4 [-1, 0].
FACTORS = {0: [1.0, 0.0], 1: [3.0, 1.0], 2: [1.0, 2.0], 3: [0.0, 1.0], 4: [-1.0, 0.0]}
COS = {
    (0, 2): 1 / math.sqrt(5),
    (0, 3): 0.0,
    (1, 0): 3 / math.sqrt(10),
    (1, 2): 5 / math.sqrt(50),
    (2, 3): 2 / math.sqrt(5),
    (2, 4): -1 / math.sqrt(5),
}


@pytest.fixture(scope="module")
def factor_model(spark):
    """An ALS model (rank 2) whose item factors are ``FACTORS``."""
    one = spark.createDataFrame(
        [(0, 0, 1.0)], "user_idx int, item_idx int, weight float"
    )
    fitted = ALS(
        userCol="user_idx",
        itemCol="item_idx",
        ratingCol="weight",
        rank=2,
        maxIter=1,
        numUserBlocks=1,
        numItemBlocks=1,
    ).fit(one)
    factors = spark.createDataFrame(
        list(FACTORS.items()), "id int, features array<float>"
    )
    return als_model_with_factors(fitted, factors, factors, 4096)


def _lists(lists) -> dict[int, list[tuple[int, float]]]:
    """Each product's list as (similar index, score rounded to 5 digits)."""
    return {
        r["item_idx"]: [(e["similar_idx"], round(e["score"], 5)) for e in r["similar"]]
        for r in lists.collect()
    }


@pytest.fixture
def popularity(spark):
    # popularity ranks: item 3, 0, 2, 1, 4
    return spark.createDataFrame(
        [(3, 9), (0, 7), (2, 5), (1, 3), (4, 1)], POPULARITY_SCHEMA
    )


def test_als_ranks_the_popular_candidates_by_cosine(factor_model, popularity):
    lists = als_similar(factor_model, popularity, SimilarParams(n=2, candidate_items=3))
    cos = {pair: round(value, 5) for pair, value in COS.items()}
    # only items 3, 0 and 2 (the 3 most popular) are candidates; never itself
    assert _lists(lists) == {
        0: [(2, cos[0, 2]), (3, 0.0)],
        1: [(0, cos[1, 0]), (2, cos[1, 2])],
        2: [(3, cos[2, 3]), (0, cos[0, 2])],
        3: [(2, cos[2, 3]), (0, 0.0)],
        4: [(3, 0.0), (2, cos[2, 4])],
    }
    assert {r["method"] for r in lists.collect()} == {"als"}


def test_popularity_lists_skip_the_product_itself(popularity):
    lists = popular_similar(popularity, 2)
    assert _lists(lists) == {
        0: [(3, 9.0), (2, 5.0)],
        1: [(3, 9.0), (0, 7.0)],
        2: [(3, 9.0), (0, 7.0)],
        3: [(0, 7.0), (2, 5.0)],
        4: [(3, 9.0), (0, 7.0)],
    }


def test_cooccurrence_counts_capped_users_and_pads_with_popularity(spark, factor_model):
    # user 0 touched 0, 1, 2 (only the latest two count: 1 and 2), user 1
    # touched 1 and 2, user 2 touched 0 and 3, user 3 only 4
    train = spark.createDataFrame(
        [
            (0, 0, ts("2024-01-01")),
            (0, 1, ts("2024-01-02")),
            (0, 2, ts("2024-01-03")),
            (1, 1, ts("2024-01-01")),
            (1, 2, ts("2024-01-02")),
            (2, 0, ts("2024-01-01")),
            (2, 3, ts("2024-01-02")),
            (3, 4, ts("2024-01-01")),
        ],
        "user_idx int, item_idx int, last_event_time timestamp",
    )
    similar = SimilarParams(n=2, candidate_items=None, max_items_per_user=2)
    lists = build_similar_lists(factor_model, train, similar).cache()
    # popularity (distinct users, ties by index): 0, 1, 2, 3, 4; padding
    # (score 0) follows it
    assert _lists(lists.where("method = 'cooccurrence'")) == {
        0: [(3, 1.0), (1, 0.0)],
        1: [(2, 2.0), (0, 0.0)],
        2: [(1, 2.0), (0, 0.0)],
        3: [(0, 1.0), (1, 0.0)],
        4: [(0, 0.0), (1, 0.0)],
    }
    # every method lists n products for every product
    sizes = lists.selectExpr("method", "size(similar) AS n").collect()
    assert sorted(tuple(r) for r in sizes) == [
        *[("als", 2)] * 5,
        *[("cooccurrence", 2)] * 5,
        *[("popularity", 2)] * 5,
    ]
    lists.unpersist()


INTERACTIONS_SCHEMA = (
    "user_id string, product_id long, period string, weight double, "
    "last_event_time timestamp"
)


@pytest.fixture
def interactions(spark):
    def touch(user, product, period, day, weight=1.0):
        return (user, product, period, weight, ts(f"2024-01-{day:02d}"))

    return spark.createDataFrame(
        [
            touch("a", 10, "validation", 1),
            touch("a", 11, "validation", 2),
            touch("a", 13, "validation", 3),
            touch("a", 12, "validation", 4, weight=0.0),  # not an interest
            touch("a", 10, "train", 9),  # training rows are not pairs
            touch("a", 11, "test", 5),
            touch("a", 12, "test", 6),
            touch("c", 10, "validation", 1),
            touch("c", 12, "validation", 2),
            touch("d", 15, "validation", 1),
            touch("d", 10, "validation", 2),
            touch("e", 14, "test", 1),  # a single product: no pair
        ],
        INTERACTIONS_SCHEMA,
    )


@pytest.fixture
def indices(spark):
    users = spark.createDataFrame(
        [("a", 0), ("c", 1), ("d", 2), ("e", 3)], "user_id string, user_idx int"
    )
    products = spark.createDataFrame(
        [(10 + i, i) for i in range(6)], "product_id long, item_idx int"
    )
    return users, products


def test_pairs_are_consecutive_products_within_a_period(interactions, indices):
    pairs = touch_pairs(interactions, *indices)
    assert rows(pairs, "period", "user_idx", "item_idx") == [
        ("test", 0, 1, 2),
        ("validation", 0, 0, 1),
        ("validation", 0, 1, 3),
        ("validation", 1, 0, 2),
        ("validation", 2, 5, 0),
    ]


def test_evaluation_scores_every_method_and_serves_the_validation_winner(
    spark, interactions, indices
):
    validation_lists = spark.createDataFrame(
        [
            ("als", 0, [(1, 0.9)]),
            ("als", 1, [(2, 0.8)]),
            ("cooccurrence", 0, [(1, 3.0)]),
            ("cooccurrence", 1, [(3, 2.0)]),
            ("popularity", 0, [(2, 5.0)]),
            ("popularity", 1, [(0, 7.0)]),
        ],
        LIST_SCHEMA,
    )
    test_lists = spark.createDataFrame(
        [
            ("als", 1, [(2, 0.8)]),
            ("cooccurrence", 1, [(3, 2.0), (4, 1.0)]),
            ("popularity", 1, [(0, 7.0)]),
        ],
        LIST_SCHEMA,
    )
    table = evaluate_similar_products(
        validation_lists, test_lists, interactions, *indices, SimilarParams(n=1)
    )
    assert list(table.columns) == METRIC_COLUMNS
    # validation pairs: a 0->1, a 1->3, c 0->2 (and d 5->0: 5 has no list, cold)
    reason = (
        "validation hit rate@1 0.6667 against als 0.3333 and popularity 0.3333 "
        "on 3 pairs"
    )
    expected = pd.DataFrame(
        [
            ("validation", "als", 1, 1 / 3, 1, 3, 2, 1, False, ""),
            ("validation", "cooccurrence", 1, 2 / 3, 2, 3, 2, 1, True, reason),
            ("validation", "popularity", 1, 1 / 3, 1, 3, 2, 1, False, ""),
            ("test", "als", 1, 1.0, 1, 1, 1, 0, False, ""),
            ("test", "cooccurrence", 1, 0.0, 0, 1, 1, 0, True, reason),
            ("test", "popularity", 1, 0.0, 0, 1, 1, 0, False, ""),
        ],
        columns=METRIC_COLUMNS,
    )
    pd.testing.assert_frame_equal(table, expected)
    # without the choice on validation: test only, ALS served
    off = SimilarParams(n=1, choose_on_validation=False)
    test_only = evaluate_similar_products(
        validation_lists, test_lists, interactions, *indices, off
    )
    pd.testing.assert_frame_equal(
        test_only,
        expected.iloc[3:]
        .reset_index(drop=True)
        .assign(
            served=[True, False, False],
            reason=["ALS: similar.choose_on_validation is off", "", ""],
        ),
    )
    served = serve_similar_products(test_lists, table)
    assert rows(served, "rank") == [
        (1, 3, 1, 2.0, "cooccurrence"),
        (1, 4, 2, 1.0, "cooccurrence"),
    ]


def _validation(als: float, cooccurrence: float, pairs: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "method": ["als", "cooccurrence", "popularity"],
            "hit_rate": [als, cooccurrence, 0.5],
            "pairs": [pairs] * 3,
        }
    )


def test_a_tie_or_no_validation_pairs_serve_als(caplog):
    served, reason = choose_similar_method(_validation(0.2, 0.2, 10), 10)
    assert served == "als"
    assert reason == (
        "validation hit rate@10 0.2000 against cooccurrence 0.2000 and popularity "
        "0.5000 on 10 pairs (cooccurrence is served only where it is higher)"
    )
    assert "popularity baseline beats als" in caplog.text
    nan = float("nan")
    assert choose_similar_method(_validation(nan, nan, 0), 10) == (
        "als",
        "ALS by default: the validation period has no pairs",
    )


def test_readable_and_bi_tables_name_the_similar_products(spark, indices):
    similar = spark.createDataFrame(
        [(0, 2, 1, 0.1234567, "als"), (0, 1, 2, 0.05, "als"), (1, 0, 1, 0.2, "als")],
        "item_idx int, similar_idx int, rank int, score double, method string",
    )
    products = spark.createDataFrame(
        [(10, "phone", "acme", 100.0), (12, None, "zeta", 5.555)],
        "product_id long, category_code string, brand string, price double",
    )
    pretty = build_similar_products_pretty(similar, indices[1], products)
    assert pretty.columns == [
        "product_id",
        "rank",
        "similar_product_id",
        "category_code",
        "brand",
        "price",
        "score",
        "method",
    ]
    assert rows(pretty, "product_id", "rank") == [
        (10, 1, 12, None, "zeta", 5.555, 0.123457, "als"),
        (10, 2, 11, None, None, None, 0.05, "als"),  # no details: kept
        (11, 1, 10, "phone", "acme", 100.0, 0.2, "als"),
    ]
    bi = export_similar_products(pretty)
    assert rows(bi, "product_id", "rank") == [
        (10, 1, 12, None, "zeta", 5.56, 0.123457, "als"),
        (10, 2, 11, None, None, None, 0.05, "als"),
        (11, 1, 10, "phone", "acme", 100.0, 0.2, "als"),
    ]

"""Unit tests for the feature_engineering nodes on tiny frames."""

from __future__ import annotations

import math

import pytest

from ecom_recsys.params import (
    ItemDetailsParams,
    RelevanceParams,
    SplitParams,
    WeightParams,
)
from ecom_recsys.pipelines.feature_engineering import splits
from ecom_recsys.pipelines.feature_engineering.interactions import (
    build_interactions,
    build_item_catalogue,
    build_products,
    index_products,
    index_users,
)
from ecom_recsys.pipelines.feature_engineering.splits import (
    build_train,
    build_tuning_train,
)
from ecom_recsys.spark.frames import dense_index
from tests.conftest import rows, ts

EVENTS_SCHEMA = (
    "event_time timestamp, event_type string, product_id long, category_id long, "
    "category_code string, brand string, price double, user_id long, "
    "user_session string"
)
WEIGHTS = {
    "event_types": {
        "view": 1.0,
        "cart": 4.0,
        "remove_from_cart": 0.5,
        "purchase": 10.0,
    },
    "transform": "none",
}
SPLIT = {"test_start": "2019-10-22 00:00:00"}
BIG = 5_000_000_000  # user and product ids beyond 32 bits


def interactions_of(events, weights=WEIGHTS, split=SPLIT):
    """build_interactions on the typed parameters Kedro would pass."""
    return build_interactions(
        events, WeightParams.model_validate(weights), SplitParams.model_validate(split)
    )


def build_test(interactions, users, products, evaluation):
    return splits.build_test(
        interactions, users, products, RelevanceParams.model_validate(evaluation)
    )


def build_validation(interactions, users, products, evaluation):
    return splits.build_validation(
        interactions, users, products, RelevanceParams.model_validate(evaluation)
    )


def _events(spark, data):
    full = [
        (ts(t), e, p, 7, "electronics.smartphone", "acme", 10.0, u, "s")
        for t, e, p, u in data
    ]
    return spark.createDataFrame(full, EVENTS_SCHEMA)


@pytest.fixture
def events(spark):
    return _events(
        spark,
        [
            ("2019-10-01 10:00:00", "view", 100, 1),
            ("2019-10-01 10:01:00", "view", 100, 1),
            ("2019-10-01 10:02:00", "cart", 100, 1),
            ("2019-10-01 10:03:00", "remove_from_cart", 100, 1),
            ("2019-10-01 10:04:00", "purchase", 100, 1),
            ("2019-10-21 23:59:59", "view", BIG, 1),
            ("2019-10-22 00:00:00", "view", BIG, 1),  # exactly at the cut-off: test
            ("2019-10-23 00:00:00", "purchase", 100, BIG),
        ],
    )


def test_interactions_count_each_event_type_and_weigh_them(events):
    result = interactions_of(events, WEIGHTS, SPLIT)
    assert rows(result, "user_id", "product_id", "period") == [
        (1, 100, "train", 2, 1, 1, 1, 2 * 1 + 4 + 0.5 + 10, ts("2019-10-01 10:04:00")),
        (1, BIG, "test", 1, 0, 0, 0, 1.0, ts("2019-10-22 00:00:00")),
        (1, BIG, "train", 1, 0, 0, 0, 1.0, ts("2019-10-21 23:59:59")),
        (BIG, 100, "test", 0, 0, 0, 1, 10.0, ts("2019-10-23 00:00:00")),
    ]
    # written sorted by user, so a reader of one user skips other row groups
    assert rows(result) == rows(result, "user_id", "product_id", "period")


def test_log1p_transform_scales_the_weight(events):
    result = interactions_of(events, {**WEIGHTS, "transform": "log1p"}, SPLIT)
    weight = result.where("user_id = 1 and product_id = 100").first()["weight"]
    assert weight == pytest.approx(math.log1p(16.5))


def test_recency_decay_halves_the_weight_per_half_life_before_the_users_last_event(
    events,
):
    decayed = {**WEIGHTS, "recency_half_life_days": 10}
    result = interactions_of(events, decayed, SPLIT)
    weights = {
        (r["user_id"], r["product_id"], r["period"]): r["weight"]
        for r in result.collect()
    }
    # 100's last event is 20 days, 13:55:59 before user 1's last train event
    age = (ts("2019-10-21 23:59:59") - ts("2019-10-01 10:04:00")).total_seconds()
    assert weights[(1, 100, "train")] == pytest.approx(16.5 * 0.5 ** (age / 864_000))
    # the latest pair of each user and period keeps its weight: the test
    # period's decay does not see the train period's events, or the reverse
    assert weights[(1, BIG, "train")] == 1.0
    assert weights[(1, BIG, "test")] == 1.0
    assert weights[(BIG, 100, "test")] == 10.0


def test_unknown_transform_and_bad_cutoff_are_clear_errors(events):
    with pytest.raises(ValueError, match="transform"):
        interactions_of(events, {**WEIGHTS, "transform": "sqrt"}, SPLIT)
    with pytest.raises(ValueError, match="test_start"):
        interactions_of(events, WEIGHTS, {"test_start": "22/10/2019"})


def test_products_take_the_latest_details(spark):
    data = [
        (ts("2019-10-01 00:00:00"), "view", 1, 7, "a.b", "old", 10.0, 1, "s"),
        (ts("2019-10-05 00:00:00"), "view", 1, 7, "a.b", "new", 12.5, 2, "s"),
        (ts("2019-10-03 00:00:00"), "view", 2, 8, None, None, 3.0, 1, "s"),
    ]
    products = build_products(spark.createDataFrame(data, EVENTS_SCHEMA))
    assert rows(products, "product_id") == [
        (1, 7, "a.b", "new", 12.5),
        (2, 8, None, None, 3.0),
    ]


def test_dense_index_maps_64_bit_ids_to_ranks(spark):
    ids = [BIG + 7, 3, BIG, 3, 42, 2**62]
    df = spark.createDataFrame([(i,) for i in ids], "id long").repartition(3)
    index = dense_index(df, "id", "idx")
    assert rows(index, "idx") == [(3, 0), (42, 1), (BIG, 2), (BIG + 7, 3), (2**62, 4)]
    assert dict(index.dtypes)["idx"] == "int"


def test_index_nodes_index_users_and_products(events):
    interactions = interactions_of(events, WEIGHTS, SPLIT)
    assert rows(index_users(interactions), "user_idx") == [(1, 0), (BIG, 1)]
    products = build_products(events)
    assert rows(index_products(products), "item_idx") == [(100, 0), (BIG, 1)]


def test_train_and_test_are_split_by_the_cutoff(events):
    interactions = interactions_of(events, WEIGHTS, SPLIT)
    users, products = index_users(interactions), index_products(build_products(events))
    train = build_train(interactions, users, products)
    assert rows(train.select("user_idx", "item_idx", "weight"), "item_idx") == [
        (0, 0, 16.5),
        (0, 1, 1.0),
    ]
    test = build_test(
        interactions, users, products, {"relevant_event_types": ["purchase"]}
    )
    assert rows(test.select("user_idx", "item_idx"), "user_idx") == [(1, 0)]
    test_views = build_test(
        interactions, users, products, {"relevant_event_types": ["view", "purchase"]}
    )
    assert rows(test_views.select("user_idx", "item_idx"), "user_idx") == [
        (0, 1),
        (1, 0),
    ]


def test_train_drops_interactions_of_zero_weight(spark):
    events = _events(
        spark,
        [
            ("2019-10-01 00:00:00", "remove_from_cart", 5, 9),
            ("2019-10-25 00:00:00", "view", 5, 9),
        ],
    )
    weights = {
        **WEIGHTS,
        "event_types": {**WEIGHTS["event_types"], "remove_from_cart": 0.0},
    }
    interactions = interactions_of(events, weights, SPLIT)
    train = build_train(
        interactions, index_users(interactions), index_products(build_products(events))
    )
    assert train.count() == 0


def test_cutoff_with_an_offset_is_converted_to_utc(events):
    # 02:00 at +02:00 is midnight UTC: the event at 2019-10-22 00:00 UTC is test.
    split = {"test_start": "2019-10-22T02:00:00+02:00"}
    result = interactions_of(events, WEIGHTS, split)
    periods = rows(
        result.where(f"product_id = {BIG}").select("period", "n_view"), "period"
    )
    assert periods == [("test", 1), ("train", 1)]


def test_cutoff_outside_the_data_is_a_clear_error(events):
    with pytest.raises(
        ValueError,
        match=r"split.test_start=2019-11-01 00:00:00 leave the test period empty; the data runs from 2019-10-01 10:00:00 to 2019-10-23 00:00:00",
    ):
        interactions_of(events, WEIGHTS, {"test_start": "2019-11-01"})
    with pytest.raises(ValueError, match="leave the training period empty"):
        interactions_of(events, WEIGHTS, {"test_start": "2019-09-01"})


def test_validation_split_adds_tuning_and_validation_periods(events):
    split = {"validation_start": "2019-10-15 00:00:00", "test_start": "2019-10-22"}
    result = interactions_of(events, WEIGHTS, split)
    got = rows(
        result.select("user_id", "product_id", "period", "n_view"),
        "user_id",
        "product_id",
        "period",
    )
    assert got == [
        (1, 100, "train", 2),  # train = tuning + validation, aggregated together
        (1, 100, "tuning", 2),
        (1, BIG, "test", 1),
        (1, BIG, "train", 1),
        (1, BIG, "validation", 1),
        (BIG, 100, "test", 0),
    ]
    users, products = index_users(result), index_products(build_products(events))
    tuning = build_tuning_train(result, users, products)
    assert rows(tuning.select("user_idx", "item_idx"), "item_idx") == [(0, 0)]
    validation = build_validation(
        result, users, products, {"relevant_event_types": ["view"]}
    )
    assert rows(validation.select("user_idx", "item_idx")) == [(0, 1)]
    with pytest.raises(ValueError, match="must come before test_start"):
        interactions_of(events, WEIGHTS, {**split, "validation_start": "2019-10-23"})
    with pytest.raises(ValueError, match="leave the validation period empty"):
        interactions_of(
            events,
            WEIGHTS,
            {"validation_start": "2019-10-02", "test_start": "2019-10-03"},
        )


def _user_events(spark):
    """User 1 views products 1..10 on days 1..10; user 2 only two products."""
    history = [(f"2019-10-{d:02d} 10:00:00", "view", d, 1) for d in range(1, 11)]
    return _events(
        spark, [*history, *[(f"2019-10-0{d} 09:00:00", "view", d, 2) for d in (1, 2)]]
    )


def test_user_time_split_puts_each_users_latest_interactions_in_test(spark):
    split = {"strategy": "user_time", "test_share": 0.2, "validation_share": 0.1}
    result = interactions_of(_user_events(spark), WEIGHTS, split)
    periods = rows(
        result.select("user_id", "product_id", "period"),
        "user_id",
        "product_id",
        "period",
    )
    by_period = {}
    for user, product, period in periods:
        by_period.setdefault((user, period), []).append(product)
    # user 1: the last 20% (2 of 10) test, the 10% before validation, 7 tuning
    assert by_period[(1, "test")] == [9, 10]
    assert by_period[(1, "validation")] == [8]
    assert by_period[(1, "tuning")] == [1, 2, 3, 4, 5, 6, 7]
    assert by_period[(1, "train")] == [1, 2, 3, 4, 5, 6, 7, 8]
    # user 2 has fewer than min_interactions (5): all in train
    assert {p for (u, p) in by_period if u == 2} == {"train", "tuning"}


def test_user_time_split_with_counts(spark):
    split = {"strategy": "user_time", "test_count": 1, "validation_count": 0}
    result = interactions_of(_user_events(spark), WEIGHTS, split)
    got = rows(result.where("period = 'test'").select("user_id", "product_id"))
    assert got == [(1, 10)]
    assert result.where("period in ('tuning', 'validation')").count() == 0


def test_user_random_split_is_seeded_and_keeps_the_shares(spark):
    split = {"strategy": "user_random", "test_share": 0.3, "validation_share": 0.0}
    first = interactions_of(_user_events(spark), WEIGHTS, split)
    again = interactions_of(_user_events(spark), WEIGHTS, split)
    test = rows(first.where("period = 'test'").select("user_id", "product_id"))
    assert test == rows(again.where("period = 'test'").select("user_id", "product_id"))
    assert len(test) == 3 and {u for u, _ in test} == {1}
    assert test != [(1, 8), (1, 9), (1, 10)]  # not the latest: drawn at random
    other = interactions_of(_user_events(spark), WEIGHTS, {**split, "seed": 7})
    assert rows(other.where("period = 'test'").select("user_id", "product_id")) != test


def test_user_split_without_enough_history_is_a_clear_error(spark):
    split = {"strategy": "user_time", "min_interactions": 50}
    with pytest.raises(ValueError, match="min_interactions=50"):
        interactions_of(_user_events(spark), WEIGHTS, split)
    with pytest.raises(ValueError, match="cut-offs of strategy 'time'"):
        SplitParams.model_validate(
            {"strategy": "user_time", "test_start": "2019-10-22"}
        )


ITEMS = ItemDetailsParams(item="movieId", title="title", genres="genres")


def test_item_catalogue_adds_titles_and_genres_from_the_item_details(spark):
    feedback = spark.createDataFrame(
        [("u1", "1"), ("u2", "1"), ("u1", "2"), ("u1", "3")],
        "user_id string, product_id string",
    )
    items = spark.createDataFrame(
        [
            ("1", " Toy Story (1995) ", "Animation|Children", None),
            ("2", "Jumanji (1995)", "Adventure", None),
            ("2", "Jumanji (1995) [copy]", "Adventure", None),  # a duplicate id
            ("9", "Heat (1995)", "Action", None),  # nobody rated it
        ],
        "movieId string, title string, genres string, _corrupt_record string",
    )
    catalogue = build_item_catalogue(feedback, items, ITEMS)
    assert rows(catalogue, "product_id") == [
        ("1", 2, "Toy Story (1995)", "Animation|Children"),
        ("2", 1, "Jumanji (1995)", "Adventure"),
        ("3", 1, None, None),
    ]


def test_item_catalogue_without_an_item_details_file(spark):
    feedback = spark.createDataFrame([("u1", "1")], "user_id string, product_id string")
    no_file = spark.createDataFrame([], "_corrupt_record string")
    catalogue = build_item_catalogue(feedback, no_file, ITEMS)
    assert rows(catalogue) == [("1", 1, None, None)]
    assert catalogue.columns == ["product_id", "users", "title", "genres"]
    wrong = spark.createDataFrame([("1", "x")], "id string, name string")
    with pytest.raises(ValueError, match=r"names \['movieId', 'title', 'genres'\]"):
        build_item_catalogue(feedback, wrong, ITEMS)

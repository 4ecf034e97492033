"""Unit tests for activity, served-list origins and example users
(reporting/audience.py)."""

from __future__ import annotations

from datetime import date

from ecom_recsys.params import ExampleUsersParams
from ecom_recsys.pipelines.reporting.audience import (
    build_activity,
    pick_example_users,
    summarise_served_lists,
)
from tests.conftest import ts

FEEDBACK = "user_id long, event_type string, event_time timestamp"
RECS = "user_id string, rank int, source string"
INTERACTIONS = (
    "user_id string, product_id string, period string, last_event_time timestamp"
)


def test_activity_counts_events_and_users_per_day_and_type(spark):
    feedback = spark.createDataFrame(
        [
            (1, "view", ts("2019-10-01 10:00:00")),
            (1, "view", ts("2019-10-01 11:00:00")),
            (2, "view", ts("2019-10-01 12:00:00")),
            (2, "purchase", ts("2019-10-01 12:05:00")),
            (1, "view", ts("2019-10-03 09:00:00")),
            (3, "view", None),  # no time: not on any day
        ],
        FEEDBACK,
    )
    table = build_activity(feedback)
    assert table.values.tolist() == [
        [date(2019, 10, 1), "all", 4, 2],
        [date(2019, 10, 1), "purchase", 1, 1],
        [date(2019, 10, 1), "view", 3, 2],
        [date(2019, 10, 3), "all", 1, 1],
        [date(2019, 10, 3), "view", 1, 1],
    ]


def test_served_lists_count_users_by_the_origin_of_their_first_product(spark):
    recs = spark.createDataFrame(
        [
            ("a", 1, "model"),
            ("a", 2, "model"),
            ("a", 3, "popularity"),  # a short model list, padded
            ("b", 1, "segment:loyal"),
            ("b", 2, "segment:loyal"),
            ("b", 3, "popularity"),
            ("c", 1, "model"),
            ("c", 2, "model"),
            ("c", 3, "model"),
        ],
        RECS,
    )
    table = summarise_served_lists(recs)
    assert table.values.tolist() == [
        ["model", 2, 5],
        ["segment:loyal", 1, 2],
        ["popularity", 0, 2],
    ]


def test_example_users_of_each_kind(spark):
    def history(user, n_train, n_test):
        rows = [(user, f"p{i}", "train", ts("2020-01-01")) for i in range(n_train)]
        rows += [(user, f"q{i}", "test", ts("2020-02-01")) for i in range(n_test)]
        # tuning repeats train: it must not count twice
        return rows + [(user, "p0", "tuning", ts("2020-01-01"))] * bool(n_train)

    users = {  # user: (train products, test products, list origin, group)
        "u1": (5, 0, "model", "loyal"),
        "u2": (9, 1, "model", "loyal"),
        "u3": (1, 2, "model", "new"),
        "u4": (1, 0, "model", "new"),
        "u5": (0, 3, "segment:new", "new"),
        "u6": (0, 0, "popularity", None),  # no group: in no segment
    }
    interactions = spark.createDataFrame(
        [row for u, (n, t, _, _) in users.items() for row in history(u, n, t)],
        INTERACTIONS,
    )
    recs = spark.createDataFrame(
        [(u, 1, origin) for u, (_, _, origin, _) in users.items()], RECS
    )
    index = spark.createDataFrame(
        [(i, u) for i, u in enumerate(users)], "user_idx int, user_id string"
    )
    groups = spark.createDataFrame(
        [(i, g) for i, (_, (_, _, _, g)) in enumerate(users.items()) if g],
        "user_idx int, group string",
    )
    table = pick_example_users(
        interactions, recs, groups, index, ExampleUsersParams(per_kind=2)
    )
    assert table[["kind", "user_id", "history_products", "test_products"]].values.tolist() == [
        ["heavy", "u2", 9, 1],
        ["heavy", "u1", 5, 0],
        ["light", "u3", 1, 2],  # the fewest products; more test activity first
        ["light", "u4", 1, 0],
        ["cold", "u5", 0, 3],
        ["cold", "u6", 0, 0],
        ["segment:loyal", "u2", 9, 1],
        ["segment:loyal", "u1", 5, 0],
        ["segment:new", "u3", 1, 2],
        ["segment:new", "u4", 1, 0],
    ]  # fmt: skip
    assert table.set_index("user_id")["list_origin"].to_dict()["u5"] == "segment:new"
    assert table.columns.tolist() == [
        "kind", "user_id", "group", "history_products", "test_products",
        "last_active", "list_origin",
    ]  # fmt: skip

"""Reporting nodes about who gets what: activity over time, where the served
lists come from, and a few example users of each kind for the dashboard's
user picker. Spark aggregates; only small tables (a row per day, per list
origin, per example user) are made local."""

from __future__ import annotations

import pandas as pd
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from ecom_recsys.names import (
    ALL_EVENTS,
    ALL_USERS,
    FROM_MODEL,
    GROUP,
    PRODUCT_ID,
    TEST,
    TRAIN,
    USER,
    USER_ID,
)
from ecom_recsys.params import ExampleUsersParams

# Kinds of example users (the ``kind`` column of example_users); a segment's
# examples are ``segment:<name>``.
HEAVY, LIGHT, COLD = "heavy", "light", "cold"

EXAMPLE_COLUMNS = [
    "kind",
    USER_ID,
    GROUP,
    "history_products",
    "test_products",
    "last_active",
    "list_origin",
]


def build_activity(feedback: DataFrame) -> pd.DataFrame:
    """Events and distinct active users per day and event type, and per day
    over every type (``event_type`` = ``all``), oldest day first.

    Returns:
        ``date, event_type, events, users``: a row per day and type, so the
        table grows with the days covered, not with the events.
    """
    # rollup: a row per (day, type) and per day over every type (type null)
    rows = (
        feedback.where(F.col("event_time").isNotNull())
        .rollup(F.to_date("event_time").alias("date"), "event_type")
        .agg(
            F.count("*").alias("events"),
            F.countDistinct(USER_ID).alias("users"),
            F.grouping("event_type").alias("every_type"),
        )
        .where(F.col("date").isNotNull())
        .select(
            "date",
            F.when(F.col("every_type") == 1, F.lit(ALL_EVENTS))
            .otherwise(F.col("event_type"))
            .alias("event_type"),
            "events",
            "users",
        )
        .orderBy("date", "event_type")
        .collect()
    )
    table = pd.DataFrame(
        [r.asDict() for r in rows], columns=["date", "event_type", "events", "users"]
    )
    return table.astype({"events": "int64", "users": "int64"})


def summarise_served_lists(recommendations: DataFrame) -> pd.DataFrame:
    """Where the served lists come from: per origin (``model``,
    ``segment:<name>``, ``popularity``), the users whose list starts with it
    (rank 1: the chosen model, or the fallback for a user it does not serve)
    and the recommendations it fills (a model's short list is padded).

    Returns:
        ``origin, users, recommendations``, most users first.
    """
    first = (
        recommendations.where(F.col("rank") == 1)
        .groupBy("source")
        .agg(F.count("*").alias("users"))
    )
    filled = recommendations.groupBy("source").agg(
        F.count("*").alias("recommendations")
    )
    rows = first.join(filled, "source", "full").fillna(0, ["users"]).collect()
    table = pd.DataFrame(
        [(r["source"], r["users"], r["recommendations"]) for r in rows],
        columns=["origin", "users", "recommendations"],
    ).astype({"users": "int64", "recommendations": "int64"})
    return table.sort_values(["users", "origin"], ascending=[False, True]).reset_index(
        drop=True
    )


def pick_example_users(
    interactions: DataFrame,
    recommendations: DataFrame,
    user_groups: DataFrame,
    user_index: DataFrame,
    example_users: ExampleUsersParams,
) -> pd.DataFrame:
    """A few users of each kind, for a person who knows no user id.

    Kinds: ``heavy`` (served by the chosen model, the most products before
    the test period), ``light`` (served by the model, the fewest), ``cold``
    (a fallback list: too little history for the model; those with the most
    test activity first, so their page shows what they did next), and
    ``segment:<name>`` (the most active of each user group, when users have
    groups other than ``all``). Ties by user id; ``per_kind`` of each.

    Returns:
        ``kind, user_id, group, history_products`` (distinct products before
        the test period), ``test_products``, ``last_active``, ``list_origin``
        (the origin of the user's first served product).
    """
    period_products = {
        "history_products": TRAIN,
        "test_products": TEST,
    }
    stats = interactions.groupBy(USER_ID).agg(
        *[
            F.countDistinct(F.when(F.col("period") == period, F.col(PRODUCT_ID)))
            .cast("long")
            .alias(name)
            for name, period in period_products.items()
        ],
        F.max("last_event_time").alias("last_active"),
    )
    users = (
        recommendations.where(F.col("rank") == 1)
        .select(USER_ID, F.col("source").alias("list_origin"))
        .join(stats, USER_ID, "left")
        .join(
            user_groups.join(user_index, USER).select(USER_ID, GROUP), USER_ID, "left"
        )
        .fillna(0, list(period_products))
    )
    # Each user is a candidate of every kind it qualifies for, with that
    # kind's sort keys, so one window ranks every kind in one pass.
    served = F.col("list_origin") == FROM_MODEL
    history, test = F.col("history_products"), F.col("test_products")
    grouped = F.col(GROUP).isNotNull() & (F.col(GROUP) != ALL_USERS)

    def kind(name, first, second):
        return F.struct(name.alias("kind"), first.alias("_k1"), second.alias("_k2"))

    kinds = F.array_compact(
        F.array(
            F.when(served, kind(F.lit(HEAVY), -history, -test)),
            F.when(served, kind(F.lit(LIGHT), history, -test)),
            F.when(~served, kind(F.lit(COLD), -test, -history)),
            F.when(grouped, kind(F.concat(F.lit("segment:"), GROUP), -history, -test)),
        )
    )
    candidates = users.select("*", F.inline(kinds))
    window = Window.partitionBy("kind").orderBy("_k1", "_k2", USER_ID)
    rows = (
        candidates.withColumn("_n", F.row_number().over(window))
        .where(F.col("_n") <= example_users.per_kind)
        .select(*EXAMPLE_COLUMNS, "_n")
        .collect()
    )
    table = pd.DataFrame([r.asDict() for r in rows], columns=[*EXAMPLE_COLUMNS, "_n"])
    first = {HEAVY: 0, LIGHT: 1, COLD: 2}  # then the segments, by name
    table["_kind"] = table["kind"].map(first).fillna(len(first))
    table = table.sort_values(["_kind", "kind", "_n"], ignore_index=True)
    table = table.drop(columns=["_kind", "_n"])
    return table.astype({"history_products": "int64", "test_products": "int64"})

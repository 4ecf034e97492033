"""Per-user top-K lists: what never to recommend, how deep each user's candidates
must go, and the cut to K. Shared by ALS, the baselines and serving."""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from ecom_recsys.names import ITEM, USER


def excluded_items(train: DataFrame, mode: str) -> DataFrame:
    """``user_idx, item_idx`` pairs never to recommend: purchased, seen, or none
    (``recommend.exclude``)."""
    if mode == "purchased":
        if "n_purchase" not in train.columns:
            raise ValueError(
                "recommend.exclude='purchased' needs an n_purchase column: add "
                "'purchase' to interaction_weights.event_types or use 'seen'"
            )
        return train.where(F.col("n_purchase") > 0).select(USER, ITEM)
    if mode == "seen":
        return train.select(USER, ITEM)
    return train.select(USER, ITEM).limit(0)


def candidates_needed(
    users: DataFrame, excluded: DataFrame, k: int, cap: int
) -> DataFrame:
    """Per user: how many ranked candidates leave K once *that user's* exclusions
    are removed (``K + excluded``, at most ``cap``, at least K)."""
    counts = excluded.groupBy(USER).agg(F.count("*").alias("_excluded"))
    return users.join(counts, USER, "left").select(
        USER,
        F.least(F.lit(k) + F.coalesce("_excluded", F.lit(0)), F.lit(max(k, cap))).alias(
            "_needed"
        ),
    )


def training_users(train: DataFrame, users: DataFrame | None) -> DataFrame:
    """The distinct training users, only those in ``users`` when given."""
    known = train.select(USER).distinct()
    return known if users is None else known.join(users, USER, "left_semi")


def top_k(candidates: DataFrame, excluded: DataFrame, k: int) -> DataFrame:
    """Drop excluded pairs, then keep each user's K best by score (ties: item id)."""
    order = Window.partitionBy(USER).orderBy(F.desc("score"), F.asc(ITEM))
    return (
        candidates.join(excluded, [USER, ITEM], "left_anti")
        .withColumn("rank", F.row_number().over(order))
        .where(F.col("rank") <= k)
        .select(USER, ITEM, "rank", "score")
    )


def first_k(candidates: DataFrame, k: int) -> DataFrame:
    """Each user's first K distinct items by ``order`` (ties: item id); an item
    in several lists keeps its earliest place. Other columns (``score``,
    ``source``) come along."""
    best = Window.partitionBy(USER, ITEM).orderBy("order")
    ranked = Window.partitionBy(USER).orderBy("order", ITEM)
    extra = [c for c in candidates.columns if c not in (USER, ITEM, "order")]
    return (
        candidates.withColumn("_first", F.row_number().over(best))
        .where(F.col("_first") == 1)
        .withColumn("rank", F.row_number().over(ranked))
        .where(F.col("rank") <= k)
        .select(USER, ITEM, "rank", *extra)
    )

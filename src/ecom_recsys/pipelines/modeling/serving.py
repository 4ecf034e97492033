"""Serving: exactly K products for every user, from ALS where the model knows
the user well enough, else from the user's group and overall popularity."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from ecom_recsys.names import (
    ALL_USERS,
    FROM_MODEL,
    FROM_POPULARITY,
    FROM_SEGMENT,
    GROUP,
    ITEM,
    TRAIN,
    USER,
)
from ecom_recsys.params import RecommendParams

from .lists import candidates_needed, excluded_items, first_k

# Fallback lists are ordered after every model rank: the user's group's from
# this base on, then overall popularity's from twice it.
_FALLBACK_BASE = 2**30


def serve_recommendations(
    als_recommendations: DataFrame,
    group_items: DataFrame,
    user_groups: DataFrame,
    interactions: DataFrame,
    user_index: DataFrame,
    product_index: DataFrame,
    recommend: RecommendParams,
) -> DataFrame:
    """Exactly K products for every user: from the model when it knows the user
    well enough, else from the user's group, padded from overall popularity.

    A user is served by the model with at least ``min_interactions_for_model``
    distinct training products; items the user bought in any period (or saw, per
    ``exclude``) are never served.

    Returns:
        ``user_idx, item_idx, rank, score, source`` with ``source`` ``model``,
        ``segment:<group>`` or ``popularity``.
    """
    k = recommend.top_k
    minimum = recommend.min_interactions_for_model
    history = interactions.join(user_index, "user_id").join(product_index, "product_id")
    excluded = excluded_items(history, recommend.exclude)
    model = _model_candidates(als_recommendations, history, minimum)
    own_group, overall = _fallback_candidates(group_items, user_groups, excluded, k)
    candidates = (
        model.unionByName(own_group)
        .unionByName(overall)
        .join(excluded, [USER, ITEM], "left_anti")
    )
    return first_k(candidates, k)


def _model_candidates(
    als_recommendations: DataFrame, history: DataFrame, minimum: int
) -> DataFrame:
    """The model's lists of the users with at least ``minimum`` training
    interactions, ordered by the model's rank."""
    counts = history.where(F.col("period") == TRAIN).groupBy(USER).count()
    eligible = counts.where(F.col("count") >= minimum).select(USER)
    return als_recommendations.join(eligible, USER, "left_semi").select(
        USER,
        ITEM,
        F.col("rank").cast("double").alias("order"),
        "score",
        F.lit(FROM_MODEL).alias("source"),
    )


def _fallback_candidates(
    group_items: DataFrame, user_groups: DataFrame, excluded: DataFrame, k: int
) -> tuple[DataFrame, DataFrame]:
    """Each user's group's list, and the overall popularity list, ordered after
    the model's and each only as deep as the user's own exclusions require."""
    needed = candidates_needed(user_groups.select(USER), excluded, k, 2**30).join(
        user_groups, USER
    )
    fallback = group_items.select(
        "group",
        ITEM,
        "group_rank",
        F.col("n_users").cast("double").alias("score"),
        F.when(F.col("group") == ALL_USERS, F.lit(FROM_POPULARITY))
        .otherwise(F.concat(F.lit(f"{FROM_SEGMENT}:"), F.col(GROUP)))
        .alias("source"),
    )
    own_group = needed.join(
        F.broadcast(fallback.where(F.col("group") != ALL_USERS)),
        ["group"],
    ).where(F.col("group_rank") <= F.col("_needed"))
    overall = needed.select(USER, "_needed").join(
        F.broadcast(fallback.where(F.col("group") == ALL_USERS)),
        F.col("group_rank") <= F.col("_needed"),
    )
    return _after(own_group, _FALLBACK_BASE), _after(overall, 2 * _FALLBACK_BASE)


def _after(candidates: DataFrame, base: int) -> DataFrame:
    """Fallback candidates ordered by their list's rank from ``base`` on."""
    return candidates.select(
        USER,
        ITEM,
        (F.col("group_rank") + base).cast("double").alias("order"),
        "score",
        "source",
    )

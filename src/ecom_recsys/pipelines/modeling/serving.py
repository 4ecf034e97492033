"""Serving: exactly K products for every user, from ALS where the model knows
the user well enough, else from the user's group and overall popularity."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from ecom_recsys.names import FROM_MODEL, ITEM, TRAIN, USER
from ecom_recsys.params import RecommendParams

from .baselines import group_candidates
from .lists import excluded_items, first_k


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
    fallback = group_candidates(group_items, user_groups, excluded, k)
    candidates = model.unionByName(fallback).join(excluded, [USER, ITEM], "left_anti")
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

"""The customer's own history as a recommender: "buy again" / "recently viewed",
alone or ahead of the model's list (the hybrid).

On repeat-purchase data and on clickstreams, a large share of what users come
back to is what they already had, so these lists are both a baseline the model
must beat and a candidate to serve.
"""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from ecom_recsys.names import ITEM, USER
from ecom_recsys.params import RecommendParams

from .lists import candidates_needed, excluded_items, first_k, training_users

# Padding and model lists are ordered after every own-history place.
_MODEL_BASE = 2**20
_PADDING_BASE = 2**30


def own_history(train: DataFrame, users: DataFrame | None = None) -> DataFrame:
    """Each user's training products, strongest first: by weight, then the most
    recent, then item id (``user_idx, item_idx, order``, order 1, 2, ...)."""
    rows = train if users is None else train.join(users, USER, "left_semi")
    strongest = Window.partitionBy(USER).orderBy(
        F.desc("weight"), F.desc("last_event_time"), F.asc(ITEM)
    )
    return rows.select(
        USER, ITEM, F.row_number().over(strongest).cast("double").alias("order")
    )


def _popular_padding(
    popular: DataFrame, users: DataFrame, excluded: DataFrame, k: int, cap: int
) -> DataFrame:
    """Enough of the most popular products to fill every user's list after
    their exclusions, ordered after everything else."""
    needed = candidates_needed(users, excluded, k, cap)
    top = popular.select(ITEM, "popularity_rank")
    return needed.join(
        F.broadcast(top), F.col("popularity_rank") <= F.col("_needed")
    ).select(USER, ITEM, (F.col("popularity_rank") + _PADDING_BASE).alias("order"))


def _lists(candidates: DataFrame, excluded: DataFrame, k: int) -> DataFrame:
    """The first K allowed items per user, scored by their place (higher is
    better, as for the model's lists)."""
    allowed = candidates.join(excluded, [USER, ITEM], "left_anti")
    return first_k(allowed, k).select(
        USER, ITEM, "rank", (-F.col("rank")).cast("double").alias("score")
    )


def recommend_own_history(
    train: DataFrame,
    popular: DataFrame,
    recommend: RecommendParams,
    users: DataFrame | None = None,
) -> DataFrame:
    """The own-history baseline: each user's training products that the
    exclusion setting allows (strongest, then most recent first), padded with
    the most popular products; every training user, or those in ``users``.

    With ``recommend.exclude: seen`` nothing of the history is allowed and this
    is the popularity baseline.

    Returns:
        ``user_idx, item_idx, rank, score`` with rank 1..K.
    """
    k = recommend.top_k
    excluded = excluded_items(train, recommend.exclude)
    known = training_users(train, users)
    padding = _popular_padding(popular, known, excluded, k, recommend.max_candidates)
    return _lists(own_history(train, known).unionByName(padding), excluded, k)


def recommend_hybrid(
    als_recommendations: DataFrame,
    train: DataFrame,
    popular: DataFrame,
    recommend: RecommendParams,
    history_slots: int,
    users: DataFrame | None = None,
) -> DataFrame:
    """Up to ``history_slots`` of the user's own allowed products first
    (strongest first), then the model's list, padded with popular products.

    ``history_slots`` 0 is the model's list; K is own history padded with the
    model instead of popularity. Validation chooses it (``serving``).

    Returns:
        ``user_idx, item_idx, rank, score`` with rank 1..K.
    """
    k = recommend.top_k
    excluded = excluded_items(train, recommend.exclude)
    known = training_users(train, users)
    allowed = own_history(train.join(excluded, [USER, ITEM], "left_anti"), known)
    history = allowed.where(F.col("order") <= history_slots)
    model = als_recommendations.join(known, USER, "left_semi").select(
        USER, ITEM, (F.col("rank") + _MODEL_BASE).cast("double").alias("order")
    )
    padding = _popular_padding(popular, known, excluded, k, recommend.max_candidates)
    candidates = history.unionByName(model).unionByName(padding)
    return _lists(candidates, excluded, k)

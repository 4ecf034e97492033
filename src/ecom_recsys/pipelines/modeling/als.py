"""ALS: fitting it on the training interactions and scoring top-K products."""

from __future__ import annotations

import logging
import time
from typing import Any

from pyspark.ml.recommendation import ALS, ALSModel
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from ecom_recsys.names import ITEM, USER
from ecom_recsys.params import ALSParams, RecommendParams
from ecom_recsys.spark.als_scoring import top_items

from .lists import candidates_needed, excluded_items, top_k, training_users

logger = logging.getLogger(__name__)


def train_als(train: DataFrame, als: ALSParams) -> ALSModel:
    """Fit ALS on the training interactions.

    ``als.feedback: implicit`` fits confidence-weighted implicit ALS on
    ``weight``; ``explicit`` fits ratings (``rating``, e.g. review scores) and
    ignores pairs without one.

    Args:
        train: ``user_idx, item_idx, weight`` (and ``rating``), one row per pair.
        als: The ALS parameters.

    Returns:
        The fitted model (persisted by ``ALSModelDataset``).
    """
    explicit = als.feedback == "explicit"
    if explicit:
        if "rating" not in train.columns:
            raise ValueError(
                "als.feedback='explicit' needs ratings, and this source's feedback "
                "has none: use 'implicit'"
            )
        train = train.where(F.col("rating").isNotNull())
    estimator = ALS(
        userCol=USER,
        itemCol=ITEM,
        ratingCol="rating" if explicit else "weight",
        implicitPrefs=not explicit,
        rank=als.rank,
        regParam=als.reg_param,
        alpha=als.alpha,
        maxIter=als.max_iter,
        seed=als.seed,
        numUserBlocks=als.num_blocks,
        numItemBlocks=als.num_blocks,
        checkpointInterval=als.checkpoint_interval,
        nonnegative=als.nonnegative,
        coldStartStrategy="drop",
    )
    started = time.perf_counter()
    model = estimator.fit(train)
    logger.info(
        "ALS fitted in %.1fs (rank=%s, regParam=%s, alpha=%s, maxIter=%s)",
        time.perf_counter() - started,
        als.rank,
        als.reg_param,
        als.alpha,
        als.max_iter,
    )
    return model


def _candidate_factors(
    model: ALSModel, train: DataFrame, n: int | None
) -> tuple[DataFrame | None, int]:
    """The item factors of the ``n`` most popular training items (None: all of
    the model's, when ``n`` is None or not smaller), in one partition, and the
    ALS block size that scores them in one block.

    ``recommendForUserSubset`` compares every user with every item, block by
    block, and each block of items sends K rows per user through a shuffle. One
    block of candidates sends K rows per user once; bounding the candidates keeps
    the cost linear in users as the catalogue grows.
    """
    factors = model.itemFactors
    n_items = factors.count()
    if n is None or n >= n_items:
        return None, max(4096, n_items)
    popularity = train.groupBy(ITEM).agg(F.countDistinct(USER).alias("_users"))
    order = Window.orderBy(F.desc("_users"), F.asc(ITEM))
    ranked = popularity.withColumn("_rank", F.row_number().over(order))
    ranked = ranked.localCheckpoint(eager=True)  # read twice
    share = ranked.agg(
        F.sum(F.when(F.col("_rank") <= n, F.col("_users"))) / F.sum("_users")
    ).first()[0]
    logger.info(
        "ALS scores the %d most popular of %d products (recommend.candidate_items),"
        " which hold %.1f%% of the training pairs",
        n,
        n_items,
        100 * (share or 0.0),
    )
    top = ranked.where(F.col("_rank") <= n).select(F.col(ITEM).alias("id"))
    # One partition: ALS cuts blocks per partition, and one block is the aim.
    return factors.join(top, "id", "left_semi").coalesce(1), max(4096, n)


def recommend_als(
    model: ALSModel,
    train: DataFrame,
    recommend: RecommendParams,
    users: DataFrame | None = None,
) -> DataFrame:
    """Top-K products per training user from ALS, excluded items removed.

    Only the ``recommend.candidate_items`` most popular training products are
    scored (null: all of them).

    Returns:
        ``user_idx, item_idx, rank, score`` with rank 1..K.
    """
    k = recommend.top_k
    excluded = excluded_items(train, recommend.exclude)
    known = training_users(train, users)
    # Read three times below: computed once (a local checkpoint; its blocks go
    # when the DataFrame is garbage-collected).
    needed = candidates_needed(known, excluded, k, recommend.max_candidates)
    needed = needed.localCheckpoint(eager=True)
    factors, block_size = _candidate_factors(model, train, recommend.candidate_items)

    def best(users: DataFrame, num: int) -> DataFrame:
        return top_items(
            model, num, users=users, item_factors=factors, block_size=block_size
        )

    # Users without exclusions (most of them) need only K candidates; only the
    # others are scored deeper, to the most any of them needs.
    deeper = needed.where(F.col("_needed") > k)
    most = deeper.agg(F.max("_needed")).first()[0]
    candidates = best(needed.where(F.col("_needed") == k), k)
    if most:
        candidates = candidates.unionByName(best(deeper, most))
    candidates = candidates.select(USER, F.explode("recommendations").alias("r"))
    candidates = candidates.select(
        USER, F.col(f"r.{ITEM}").alias(ITEM), F.col("r.rating").alias("score")
    )
    return top_k(candidates, excluded, k)


def train_chosen_als(train: DataFrame, chosen: dict[str, Any]) -> ALSModel:
    """Fit ALS on the training interactions with the parameters tuning chose
    (``best_als_params``, the ``als`` group itself when tuning is off)."""
    return train_als(train, ALSParams.model_validate(chosen))

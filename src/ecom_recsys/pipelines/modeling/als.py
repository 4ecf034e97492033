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


def _scoring_factors(
    model: ALSModel, train: DataFrame, n: int | None, popularity_weight: float
) -> tuple[DataFrame | None, DataFrame | None, int, int]:
    """The factors ALS scores with: the users' (None: the model's), those of the
    ``n`` most popular training items (None: all of the model's, when ``n`` is
    None or not smaller) in one partition, their length, and the ALS block size
    that scores the items in one block.

    ``recommendForUserSubset`` compares every user with every item, block by
    block, and each block of items sends K rows per user through a shuffle. One
    block of candidates sends K rows per user once; bounding the candidates keeps
    the cost linear in users as the catalogue grows.

    With a ``popularity_weight`` w above 0, every item's factors end with its
    share of the training users and every user's with w: each score is ALS's
    plus w times the item's popularity, a prior towards what many users chose.
    """
    factors = model.itemFactors
    n_items = factors.count()
    restrict = n is not None and n < n_items
    if not restrict and not popularity_weight:
        return None, None, model.rank, max(4096, n_items)
    popularity = train.groupBy(ITEM).agg(F.countDistinct(USER).alias("_users"))
    popularity = popularity.localCheckpoint(eager=True)  # read more than once
    if restrict:
        order = Window.orderBy(F.desc("_users"), F.asc(ITEM))
        ranked = popularity.withColumn("_rank", F.row_number().over(order))
        share = ranked.agg(
            F.sum(F.when(F.col("_rank") <= n, F.col("_users"))) / F.sum("_users")
        ).first()[0]
        logger.info(
            "ALS scores the %d most popular of %d products "
            "(recommend.candidate_items), which hold %.1f%% of the training pairs",
            n,
            n_items,
            100 * (share or 0.0),
        )
        top = ranked.where(F.col("_rank") <= n).select(F.col(ITEM).alias("id"))
        factors = factors.join(top, "id", "left_semi")
    users, rank = None, model.rank
    if popularity_weight:
        n_users = train.select(USER).distinct().count()
        prior = popularity.select(
            F.col(ITEM).alias("id"),
            (F.col("_users") / F.lit(n_users)).cast("float").alias("_prior"),
        )
        factors = factors.join(prior, "id").select(
            "id", F.concat("features", F.array("_prior")).alias("features")
        )
        weight = F.array(F.lit(popularity_weight).cast("float"))
        users = model.userFactors.select(
            "id", F.concat("features", weight).alias("features")
        )
        rank += 1
    # One partition: ALS cuts blocks per partition, and one block is the aim.
    return users, factors.coalesce(1), rank, max(4096, n if restrict else n_items)


def recommend_als(
    model: ALSModel,
    train: DataFrame,
    recommend: RecommendParams,
    users: DataFrame | None = None,
    popularity_weight: float = 0.0,
) -> DataFrame:
    """Top-K products per training user from ALS, excluded items removed.

    Only the ``recommend.candidate_items`` most popular training products are
    scored (null: all of them). ``popularity_weight`` (``als``): how much of
    each product's share of the training users is added to its score.

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
    user_factors, item_factors, rank, block_size = _scoring_factors(
        model, train, recommend.candidate_items, popularity_weight
    )

    def best(users: DataFrame, num: int) -> DataFrame:
        return top_items(
            model,
            num,
            users=users,
            user_factors=user_factors,
            item_factors=item_factors,
            block_size=block_size,
            rank=rank,
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


def recommend_chosen_als(
    model: ALSModel,
    train: DataFrame,
    recommend: RecommendParams,
    chosen: dict[str, Any],
    users: DataFrame | None = None,
) -> DataFrame:
    """``recommend_als`` with the popularity weight tuning chose
    (``best_als_params``)."""
    weight = ALSParams.model_validate(chosen).popularity_weight
    return recommend_als(model, train, recommend, users, popularity_weight=weight)


def train_chosen_als(train: DataFrame, chosen: dict[str, Any]) -> ALSModel:
    """Fit ALS on the training interactions with the parameters tuning chose
    (``best_als_params``, the ``als`` group itself when tuning is off)."""
    return train_als(train, ALSParams.model_validate(chosen))

"""Nodes that fit ALS, recommend top-K products, and score them against baselines."""

from __future__ import annotations

import logging
import time
from typing import Any

import pandas as pd
from pyspark.ml.evaluation import RankingEvaluator, RegressionEvaluator
from pyspark.ml.recommendation import ALS, ALSModel
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

logger = logging.getLogger(__name__)

USER, ITEM = "user_idx", "item_idx"
ALL_USERS = "__all__"
METRICS = {
    "precision": "precisionAtK",
    "recall": "recallAtK",
    "ndcg": "ndcgAtK",
    "map": "meanAveragePrecisionAtK",
}
EXCLUDE_MODES = ("purchased", "seen", "none")
FEEDBACK_MODES = ("implicit", "explicit")


def _feedback_mode(als: dict[str, Any]) -> str:
    mode = als.get("feedback", "implicit")
    if mode not in FEEDBACK_MODES:
        raise ValueError(
            "parameters_modeling.yml: als.feedback must be 'implicit' or "
            f"'explicit', got {mode!r}"
        )
    return mode


def train_als(train: DataFrame, als: dict[str, Any]) -> ALSModel:
    """Fit ALS on the training interactions.

    ``als.feedback: implicit`` (default) fits confidence-weighted implicit ALS on
    ``weight``; ``explicit`` fits ratings (``rating``, e.g. review scores) and
    ignores pairs without one.

    Args:
        train: ``user_idx, item_idx, weight`` (and ``rating``), one row per pair.
        als: ``als`` parameters: feedback, rank, reg_param, alpha, max_iter, seed,
            num_blocks and checkpoint_interval.

    Returns:
        The fitted model (persisted by ``ALSModelDataset``).
    """
    explicit = _feedback_mode(als) == "explicit"
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
        rank=int(als["rank"]),
        regParam=float(als["reg_param"]),
        alpha=float(als["alpha"]),
        maxIter=int(als["max_iter"]),
        seed=int(als["seed"]),
        numUserBlocks=int(als["num_blocks"]),
        numItemBlocks=int(als["num_blocks"]),
        checkpointInterval=int(als["checkpoint_interval"]),
        nonnegative=bool(als.get("nonnegative", False)),
        coldStartStrategy="drop",
    )
    started = time.perf_counter()
    model = estimator.fit(train)
    logger.info(
        "ALS fitted in %.1fs (rank=%s, regParam=%s, alpha=%s, maxIter=%s)",
        time.perf_counter() - started,
        als["rank"],
        als["reg_param"],
        als["alpha"],
        als["max_iter"],
    )
    return model


def excluded_items(train: DataFrame, mode: str) -> DataFrame:
    """``user_idx, item_idx`` pairs never to recommend: purchased, seen, or none."""
    if mode not in EXCLUDE_MODES:
        raise ValueError(
            "parameters_modeling.yml: recommend.exclude must be one of "
            f"{list(EXCLUDE_MODES)}, got {mode!r}"
        )
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


def _candidate_count(excluded: DataFrame, k: int, max_candidates: int) -> int:
    """How many candidates to score so that K remain after the exclusions."""
    row = excluded.groupBy(USER).count().agg(F.max("count").alias("m")).first()
    most_excluded = int(row["m"] or 0) if row else 0
    return max(k, min(k + most_excluded, max_candidates))


def _top_k(candidates: DataFrame, excluded: DataFrame, k: int) -> DataFrame:
    """Drop excluded pairs, then keep each user's K best by score (ties: item id)."""
    order = Window.partitionBy(USER).orderBy(F.desc("score"), F.asc(ITEM))
    return (
        candidates.join(excluded, [USER, ITEM], "left_anti")
        .withColumn("rank", F.row_number().over(order))
        .where(F.col("rank") <= k)
        .select(USER, ITEM, "rank", "score")
    )


def recommend_als(
    model: ALSModel, train: DataFrame, recommend: dict[str, Any]
) -> DataFrame:
    """Top-K products per training user from ALS, excluded items removed.

    Returns:
        ``user_idx, item_idx, rank, score`` with rank 1..K.
    """
    k = int(recommend["top_k"])
    excluded = excluded_items(train, recommend["exclude"])
    n = _candidate_count(excluded, k, int(recommend["max_candidates"]))
    users = train.select(USER).distinct()
    candidates = model.recommendForUserSubset(users, n).select(
        USER, F.explode("recommendations").alias("r")
    )
    candidates = candidates.select(
        USER, F.col(f"r.{ITEM}").alias(ITEM), F.col("r.rating").alias("score")
    )
    return _top_k(candidates, excluded, k)


def popular_items(train: DataFrame, recommend: dict[str, Any]) -> DataFrame:
    """The most popular products in training: by distinct users, ties by item id.

    Returns:
        ``item_idx, n_users, popularity_rank`` for the top ``max_candidates``.
    """
    order = Window.orderBy(F.desc("n_users"), F.asc(ITEM))
    return (
        train.groupBy(ITEM)
        .agg(F.countDistinct(USER).alias("n_users"))
        .orderBy(F.desc("n_users"), F.asc(ITEM))
        .limit(int(recommend["max_candidates"]))
        .withColumn("popularity_rank", F.row_number().over(order))
    )


def recommend_popular(
    popular: DataFrame, train: DataFrame, recommend: dict[str, Any]
) -> DataFrame:
    """The popularity baseline: the most popular products each user has not
    bought (or seen, as configured), for every training user.
    """
    k = int(recommend["top_k"])
    excluded = excluded_items(train, recommend["exclude"])
    n = _candidate_count(excluded, k, int(recommend["max_candidates"]))
    top = popular.where(F.col("popularity_rank") <= n).select(
        ITEM, (-F.col("popularity_rank")).cast("double").alias("score")
    )
    users = train.select(USER).distinct()
    return _top_k(users.crossJoin(F.broadcast(top)), excluded, k)


def _as_ranked_array(recs: DataFrame, k: int) -> DataFrame:
    """Per user, the recommended item ids as ``array<double>`` in rank order."""
    return (
        recs.where(F.col("rank") <= k)
        .groupBy(USER)
        .agg(F.sort_array(F.collect_list(F.struct("rank", ITEM))).alias("ranked"))
        .select(
            USER,
            F.transform("ranked", lambda r: r[ITEM].cast("double")).alias("prediction"),
        )
    )


def _rmse(model: ALSModel, test: DataFrame) -> tuple[float, int]:
    """RMSE of predicted ratings on rated test pairs the model knows."""
    rated = test.where(F.col("rating").isNotNull())
    predictions = model.setColdStartStrategy("drop").transform(rated).persist()
    try:
        n = predictions.count()
        evaluator = RegressionEvaluator(
            metricName="rmse", labelCol="rating", predictionCol="prediction"
        )
        return (evaluator.evaluate(predictions) if n else float("nan")), n
    finally:
        predictions.unpersist()


def evaluate_recommendations(
    als_recommendations: DataFrame,
    popularity_recommendations: DataFrame,
    train: DataFrame,
    test: DataFrame,
    evaluation: dict[str, Any],
    model: ALSModel | None = None,
    als: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Score each model's top-K on the test period with Spark's RankingEvaluator.

    Users evaluated: those with at least one relevant test product and at least
    one training interaction (the model knows them). Test users unknown to the
    model are counted as cold and skipped. Users with fewer than K
    recommendations are scored on what they got (missing slots are misses).

    In explicit mode (``als.feedback``), the RMSE of the predicted ratings on
    the rated test pairs is added (``metric = rmse``, ``users_evaluated`` then
    counts those pairs).

    Returns:
        One row per model and metric: ``model, metric, k, value,
        users_evaluated, users_cold``.
    """
    k = int(evaluation["k"])
    truth = test.groupBy(USER).agg(
        F.array_sort(F.collect_set(F.col(ITEM).cast("double"))).alias("label")
    )
    known = truth.join(train.select(USER).distinct(), USER, "left_semi").persist()
    try:
        n_test_users = truth.count()
        n_evaluated = known.count()
        rows = []
        models = {"als": als_recommendations, "popularity": popularity_recommendations}
        for name, recs in models.items():
            scored = (
                known.join(_as_ranked_array(recs, k), USER, "left")
                .select(
                    "label",
                    F.coalesce("prediction", F.array().cast("array<double>")).alias(
                        "prediction"
                    ),
                )
                .persist()
            )
            try:
                for metric, spark_name in METRICS.items():
                    value = (
                        RankingEvaluator(k=k, metricName=spark_name).evaluate(scored)
                        if n_evaluated
                        else float("nan")
                    )
                    rows.append((name, metric, k, float(value)))
            finally:
                scored.unpersist()
    finally:
        known.unpersist()
    result = pd.DataFrame(rows, columns=["model", "metric", "k", "value"])
    result["users_evaluated"] = n_evaluated
    result["users_cold"] = n_test_users - n_evaluated
    if model is not None and als and _feedback_mode(als) == "explicit":
        rmse, n_pairs = _rmse(model, test)
        result.loc[len(result)] = ["als", "rmse", k, rmse, n_pairs, 0]
    ndcg = result[result["metric"] == "ndcg"].set_index("model")["value"]
    logger.info(
        "NDCG@%d on %d users (%d cold test users skipped): ALS %.4f, popularity %.4f",
        k,
        n_evaluated,
        n_test_users - n_evaluated,
        ndcg["als"],
        ndcg["popularity"],
    )
    return result


def group_popular_items(
    train: DataFrame, user_groups: DataFrame, recommend: dict[str, Any]
) -> DataFrame:
    """The most popular training products within each user group (e.g. segment),
    and over all users as group ``__all__``: by distinct users, ties by item id.

    Returns:
        ``group, item_idx, n_users, group_rank`` for the top ``max_candidates``
        of every group.
    """
    n = int(recommend["max_candidates"])
    grouped = train.join(user_groups, USER)
    per_group = grouped.groupBy("group", ITEM).agg(
        F.countDistinct(USER).alias("n_users")
    )
    overall = (
        train.groupBy(ITEM)
        .agg(F.countDistinct(USER).alias("n_users"))
        .select(F.lit(ALL_USERS).alias("group"), ITEM, "n_users")
    )
    order = Window.partitionBy("group").orderBy(F.desc("n_users"), F.asc(ITEM))
    return (
        per_group.unionByName(overall)
        .withColumn("group_rank", F.row_number().over(order))
        .where(F.col("group_rank") <= n)
    )


def serve_recommendations(
    als_recommendations: DataFrame,
    group_items: DataFrame,
    user_groups: DataFrame,
    interactions: DataFrame,
    user_index: DataFrame,
    product_index: DataFrame,
    recommend: dict[str, Any],
) -> DataFrame:
    """Exactly K products for every user: from the model when it knows the user
    well enough, else from the user's group, padded from overall popularity.

    A user is served by the model with at least ``min_interactions_for_model``
    training interactions; items the user bought in any period (or saw, per
    ``exclude``) are never served.

    Returns:
        ``user_idx, item_idx, rank, score, source`` with ``source`` ``model``,
        ``segment:<group>`` or ``popularity``.
    """
    k = int(recommend["top_k"])
    minimum = int(recommend.get("min_interactions_for_model", 1))
    history = interactions.join(user_index, "user_id").join(product_index, "product_id")
    excluded = excluded_items(history, recommend["exclude"])
    counts = history.where(F.col("period") == "train").groupBy(USER).count()
    eligible = counts.where(F.col("count") >= minimum).select(USER)
    model = als_recommendations.join(eligible, USER, "left_semi").select(
        USER,
        ITEM,
        F.col("rank").cast("double").alias("order"),
        "score",
        F.lit("model").alias("source"),
    )
    base = max(k, int(recommend["max_candidates"]))
    own_group = user_groups.join(
        group_items.where(F.col("group") != ALL_USERS), "group"
    ).select(
        USER,
        ITEM,
        (F.col("group_rank") + base).cast("double").alias("order"),
        F.col("n_users").cast("double").alias("score"),
        F.when(F.col("group") == "all", F.lit("popularity"))
        .otherwise(F.concat(F.lit("segment:"), F.col("group")))
        .alias("source"),
    )
    overall = (
        user_groups.select(USER)
        .crossJoin(F.broadcast(group_items.where(F.col("group") == ALL_USERS)))
        .select(
            USER,
            ITEM,
            (F.col("group_rank") + 2 * base).cast("double").alias("order"),
            F.col("n_users").cast("double").alias("score"),
            F.lit("popularity").alias("source"),
        )
    )
    candidates = (
        model.unionByName(own_group)
        .unionByName(overall)
        .join(excluded, [USER, ITEM], "left_anti")
    )
    best = Window.partitionBy(USER, ITEM).orderBy("order")
    ranked = Window.partitionBy(USER).orderBy("order", ITEM)
    return (
        candidates.withColumn("_first", F.row_number().over(best))
        .where(F.col("_first") == 1)
        .withColumn("rank", F.row_number().over(ranked))
        .where(F.col("rank") <= k)
        .select(USER, ITEM, "rank", "score", "source")
    )

"""Nodes that fit ALS, recommend top-K products, and score them against baselines."""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import pandas as pd
from pyspark.ml.evaluation import RankingEvaluator, RegressionEvaluator
from pyspark.ml.recommendation import ALS, ALSModel
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from ecom_recsys.spark_utils import dense_index, hash_uniform

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


def recent_popular_items(
    train: DataFrame, recommend: dict[str, Any], baselines: dict[str, Any]
) -> DataFrame:
    """The most popular products of the last ``recent_window_days`` of training:
    pairs whose last training interaction falls in that window count."""
    days = int(baselines["recent_window_days"])
    if days < 1:
        raise ValueError(
            "parameters_modeling.yml: baselines.recent_window_days must be >= 1, "
            f"got {days}"
        )
    end = train.agg(F.max("last_event_time").alias("_end"))
    recent = train.crossJoin(F.broadcast(end)).where(
        F.col("last_event_time") > F.col("_end") - F.make_interval(days=F.lit(days))
    )
    return popular_items(recent.drop("_end"), recommend)


def recommend_random(
    train: DataFrame, recommend: dict[str, Any], baselines: dict[str, Any]
) -> DataFrame:
    """The random baseline: K products drawn uniformly from the training
    catalogue for each training user, excluded items removed, seeded.

    Each user draws 2 * (K + the most items any user has excluded) candidates,
    so exclusions and repeated draws still leave K; a catalogue smaller than
    that is shuffled whole.
    """
    k = int(recommend["top_k"])
    seed = F.lit(int(baselines["seed"]))
    excluded = excluded_items(train, recommend["exclude"])
    n = 2 * _candidate_count(excluded, k, max_candidates=2**31 - 1)
    slots = dense_index(train, ITEM, "_slot")
    n_items = slots.count()
    users = train.select(USER).distinct()
    if n_items <= n:
        candidates = users.crossJoin(slots).select(
            USER, ITEM, hash_uniform(seed, F.col(USER), F.col(ITEM)).alias("score")
        )
    else:
        draws = users.select(
            USER, F.explode(F.sequence(F.lit(0), F.lit(n - 1))).alias("j")
        )
        draws = draws.select(
            USER,
            "j",
            F.floor(hash_uniform(seed, F.col(USER), F.col("j")) * n_items)
            .cast("int")
            .alias("_slot"),
        )
        candidates = (
            draws.join(slots, "_slot")
            .groupBy(USER, ITEM)
            .agg((-F.min("j")).cast("double").alias("score"))
        )
    return _top_k(candidates, excluded, k)


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


def _beyond_accuracy(
    recs: DataFrame, users: DataFrame, item_popularity: DataFrame, k: int
) -> dict[str, float]:
    """Coverage, long-tail share and mean popularity of the users' top-K lists."""
    lists = recs.where(F.col("rank") <= k).join(users, USER, "left_semi")
    row = (
        lists.join(item_popularity, ITEM, "left")
        .agg(
            F.countDistinct(ITEM).alias("items"),
            F.avg(F.when(F.col("is_head"), 0.0).otherwise(1.0)).alias("tail"),
            F.avg(F.coalesce("share_of_users", F.lit(0.0))).alias("popularity"),
        )
        .first()
    )
    n_items = item_popularity.count()
    return {
        "coverage": (row["items"] / n_items) if n_items else float("nan"),
        "long_tail_share": float("nan") if row["tail"] is None else row["tail"],
        "mean_popularity": float("nan")
        if row["popularity"] is None
        else row["popularity"],
    }


def _item_popularity(train: DataFrame, head_share: float) -> DataFrame:
    """Per training item: share of training users, and whether it is in the
    head (the most popular ``head_share`` of the catalogue, ties by item id)."""
    n_users = train.agg(F.countDistinct(USER)).first()[0] or 1
    counts = train.groupBy(ITEM).agg(F.countDistinct(USER).alias("n_users"))
    n_items = counts.count()
    head = math.ceil(head_share * n_items)
    order = Window.orderBy(F.desc("n_users"), F.asc(ITEM))
    return counts.select(
        ITEM,
        (F.col("n_users") / F.lit(n_users)).alias("share_of_users"),
        (F.row_number().over(order) <= head).alias("is_head"),
    )


def evaluate_recommendations(
    train: DataFrame,
    test: DataFrame,
    evaluation: dict[str, Any],
    model: ALSModel | None = None,
    als_params: dict[str, Any] | None = None,
    **recommendations: DataFrame,
) -> pd.DataFrame:
    """Score each model's top-K on the test period with Spark's RankingEvaluator.

    Users evaluated: those with at least one relevant test product and at least
    one training interaction (the model knows them). Test users unknown to the
    model are counted as cold and skipped. Users with fewer than K
    recommendations are scored on what they got (missing slots are misses).

    Beyond accuracy, on the same users' lists: ``coverage`` (distinct products
    recommended / products in training), ``long_tail_share`` (share of
    recommendations outside the head, the most popular ``head_share`` of the
    training products) and ``mean_popularity`` (mean share of training users who
    interacted with a recommended product).

    In explicit mode (``als.feedback``), the RMSE of the predicted ratings on
    the rated test pairs is added (``metric = rmse``, ``users_evaluated`` then
    counts those pairs).

    Args:
        train: Training interactions (``user_idx, item_idx``...).
        test: Relevant test interactions.
        evaluation: ``k`` and ``head_share``.
        model: The fitted ALS model (for the RMSE in explicit mode).
        als_params: The ``als`` parameters (``feedback``).
        **recommendations: ``user_idx, item_idx, rank`` per model name.

    Returns:
        One row per model and metric: ``model, metric, k, value,
        users_evaluated, users_cold``.
    """
    k = int(evaluation["k"])
    truth = test.groupBy(USER).agg(
        F.array_sort(F.collect_set(F.col(ITEM).cast("double"))).alias("label")
    )
    known = truth.join(train.select(USER).distinct(), USER, "left_semi").persist()
    popularity = _item_popularity(
        train, float(evaluation.get("head_share", 0.2))
    ).persist()
    try:
        n_test_users = truth.count()
        n_evaluated = known.count()
        rows = []
        for name, recs in recommendations.items():
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
            for metric, value in _beyond_accuracy(recs, known, popularity, k).items():
                rows.append((name, metric, k, float(value)))
    finally:
        known.unpersist()
        popularity.unpersist()
    result = pd.DataFrame(rows, columns=["model", "metric", "k", "value"])
    result["users_evaluated"] = n_evaluated
    result["users_cold"] = n_test_users - n_evaluated
    if model is not None and als_params and _feedback_mode(als_params) == "explicit":
        rmse, n_pairs = _rmse(model, test)
        result.loc[len(result)] = ["als", "rmse", k, rmse, n_pairs, 0]
    ndcg = result[result["metric"] == "ndcg"].set_index("model")["value"]
    logger.info(
        "NDCG@%d on %d users (%d cold test users skipped): %s",
        k,
        n_evaluated,
        n_test_users - n_evaluated,
        ", ".join(f"{name} {value:.4f}" for name, value in ndcg.items()),
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

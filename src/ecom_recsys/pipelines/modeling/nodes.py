"""Nodes that fit ALS, recommend top-K products, and score them against baselines."""

from __future__ import annotations

import logging
import math
import random
import time
from typing import Any

import pandas as pd
from pyspark.ml.evaluation import RankingEvaluator, RegressionEvaluator
from pyspark.ml.recommendation import ALS, ALSModel
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from ecom_recsys.names import ALL_USERS, ITEM, USER
from ecom_recsys.spark.frames import dense_index, hash_uniform
from ecom_recsys.spark.jvm import als_model_with_items

logger = logging.getLogger(__name__)

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


def _needed(users: DataFrame, excluded: DataFrame, k: int, cap: int) -> DataFrame:
    """Per user: how many ranked candidates leave K once *that user's* exclusions
    are removed (``K + excluded``, at most ``cap``, at least K)."""
    counts = excluded.groupBy(USER).agg(F.count("*").alias("_excluded"))
    return users.join(counts, USER, "left").select(
        USER,
        F.least(F.lit(k) + F.coalesce("_excluded", F.lit(0)), F.lit(max(k, cap))).alias(
            "_needed"
        ),
    )


def _users(train: DataFrame, users: DataFrame | None) -> DataFrame:
    """The distinct training users, only those in ``users`` when given."""
    known = train.select(USER).distinct()
    return known if users is None else known.join(users, USER, "left_semi")


def _top_k(candidates: DataFrame, excluded: DataFrame, k: int) -> DataFrame:
    """Drop excluded pairs, then keep each user's K best by score (ties: item id)."""
    order = Window.partitionBy(USER).orderBy(F.desc("score"), F.asc(ITEM))
    return (
        candidates.join(excluded, [USER, ITEM], "left_anti")
        .withColumn("rank", F.row_number().over(order))
        .where(F.col("rank") <= k)
        .select(USER, ITEM, "rank", "score")
    )


def _candidate_model(model: ALSModel, train: DataFrame, n: int | None) -> ALSModel:
    """The model scoring only the ``n`` most popular training items (all when
    ``n`` is None or not smaller), in one block of items.

    ``recommendForUserSubset`` compares every user with every item, block by
    block, and each block of items sends K rows per user through a shuffle. One
    block of candidates sends K rows per user once; bounding the candidates keeps
    the cost linear in users as the catalogue grows.
    """
    factors = model.itemFactors
    n_items = factors.count()
    if n is None or n >= n_items:
        return model.copy().setBlockSize(max(4096, n_items))
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
    factors = factors.join(top, "id", "left_semi").coalesce(1)
    return als_model_with_items(model, factors, block_size=max(4096, n))


def recommend_als(
    model: ALSModel,
    train: DataFrame,
    recommend: dict[str, Any],
    users: DataFrame | None = None,
) -> DataFrame:
    """Top-K products per training user from ALS, excluded items removed.

    Only the ``recommend.candidate_items`` most popular training products are
    scored (null: all of them).

    Returns:
        ``user_idx, item_idx, rank, score`` with rank 1..K.
    """
    k = int(recommend["top_k"])
    excluded = excluded_items(train, recommend["exclude"])
    known = _users(train, users)
    # Read three times below: computed once (a local checkpoint; its blocks go
    # when the DataFrame is garbage-collected).
    needed = _needed(known, excluded, k, int(recommend["max_candidates"]))
    needed = needed.localCheckpoint(eager=True)
    limit = recommend.get("candidate_items")
    scorer = _candidate_model(model, train, None if limit is None else int(limit))
    # Users without exclusions (most of them) need only K candidates; only the
    # others are scored deeper, to the most any of them needs.
    deeper = needed.where(F.col("_needed") > k)
    most = deeper.agg(F.max("_needed")).first()[0]
    candidates = scorer.recommendForUserSubset(needed.where(F.col("_needed") == k), k)
    if most:
        candidates = candidates.unionByName(scorer.recommendForUserSubset(deeper, most))
    candidates = candidates.select(USER, F.explode("recommendations").alias("r"))
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
    train: DataFrame,
    recommend: dict[str, Any],
    baselines: dict[str, Any],
    users: DataFrame | None = None,
) -> DataFrame:
    """The random baseline: K products drawn uniformly from the training
    catalogue for each training user (in ``users`` when given, e.g. the test
    period's), excluded items removed, seeded.

    Each user draws 2 * (K + the user's excluded items) candidates, so that
    exclusions and repeated draws almost always leave K; a catalogue no larger
    than that is shuffled whole for that user.
    """
    k = int(recommend["top_k"])
    seed = F.lit(int(baselines["seed"]))
    excluded = excluded_items(train, recommend["exclude"])
    slots = dense_index(train, ITEM, "_slot")
    n_items = slots.count()
    needed = _needed(_users(train, users), excluded, k, cap=2**30)
    draws = needed.select(
        USER, F.least(2 * F.col("_needed"), F.lit(n_items)).alias("_draws")
    )
    # A user who needs the whole catalogue gets it, shuffled ...
    whole = (
        draws.where(F.col("_draws") >= n_items)
        .crossJoin(slots)
        .select(USER, ITEM, hash_uniform(seed, F.col(USER), F.col(ITEM)).alias("score"))
    )
    # ... the others draw slots at random, keeping each item's first draw.
    drawn = (
        draws.where(F.col("_draws") < n_items)
        .select(USER, F.explode(F.sequence(F.lit(0), F.col("_draws") - 1)).alias("j"))
        .select(
            USER,
            "j",
            F.floor(hash_uniform(seed, F.col(USER), F.col("j")) * n_items)
            .cast("int")
            .alias("_slot"),
        )
        .join(slots, "_slot")
        .groupBy(USER, ITEM)
        .agg((-F.min("j")).cast("double").alias("score"))
    )
    candidates = whole.unionByName(drawn)
    return _top_k(candidates, excluded, k)


def recommend_popular(
    popular: DataFrame,
    train: DataFrame,
    recommend: dict[str, Any],
    users: DataFrame | None = None,
) -> DataFrame:
    """The popularity baseline: the most popular products each user has not
    bought (or seen, as configured), for every training user (in ``users`` when
    given, e.g. the test period's: the baselines are only evaluated).

    Each user is paired only with as many top products as their own exclusions
    require (``K + excluded``), so heavy buyers do not widen everyone's lists.
    """
    k = int(recommend["top_k"])
    excluded = excluded_items(train, recommend["exclude"])
    needed = _needed(
        _users(train, users), excluded, k, int(recommend["max_candidates"])
    )
    top = popular.select(
        ITEM,
        "popularity_rank",
        (-F.col("popularity_rank")).cast("double").alias("score"),
    )
    candidates = needed.join(
        F.broadcast(top), F.col("popularity_rank") <= F.col("_needed")
    ).select(USER, ITEM, "score")
    return _top_k(candidates, excluded, k)


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
            lists = _as_ranked_array(recs.join(known, USER, "left_semi"), k)
            scored = (
                known.join(lists, USER, "left")
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
    and over all users as group ``all``: by distinct users, ties by item id.

    Returns:
        ``group, item_idx, n_users, group_rank`` for the top ``max_candidates``
        of every group.
    """
    n = int(recommend["max_candidates"])
    per_group = (
        train.join(user_groups.where(F.col("group") != ALL_USERS), USER)
        .groupBy("group", ITEM)
        .agg(F.countDistinct(USER).alias("n_users"))
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
    distinct training products; items the user bought in any period (or saw, per
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
    # Each user takes from the fallback lists only as deep as their own
    # exclusions require; the group's list comes first, then overall popularity.
    needed = _needed(user_groups.select(USER), excluded, k, 2**30).join(
        user_groups, USER
    )
    base = 2**30
    fallback = group_items.select(
        "group",
        ITEM,
        "group_rank",
        F.col("n_users").cast("double").alias("score"),
        F.when(F.col("group") == ALL_USERS, F.lit("popularity"))
        .otherwise(F.concat(F.lit("segment:"), F.col("group")))
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
    own_group = own_group.select(
        USER,
        ITEM,
        (F.col("group_rank") + base).cast("double").alias("order"),
        "score",
        "source",
    )
    overall = overall.select(
        USER,
        ITEM,
        (F.col("group_rank") + 2 * base).cast("double").alias("order"),
        "score",
        "source",
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


TUNED = ("rank", "reg_param", "alpha", "max_iter")


def _sample_users(
    train: DataFrame, validation: DataFrame, max_users: int | None, seed: int
) -> tuple[DataFrame, DataFrame]:
    """At most about ``max_users`` training users (a seeded hash sample) and their
    rows of both periods, cached for the trials; all of them when ``None``.

    Every trial fits, recommends and scores on the sample, so the search costs
    the same however large the data grows.
    """
    if max_users is not None:
        known = _users(train, None)
        n_users = known.count()
        if n_users > int(max_users):
            share = int(max_users) / n_users
            chosen = known.where(hash_uniform(F.lit(seed), F.col(USER)) < share)
            train = train.join(chosen, USER, "left_semi")
            validation = validation.join(chosen, USER, "left_semi")
            logger.info(
                "Tuning on a sample of about %d of %d users (tuning.max_users)",
                max_users,
                n_users,
            )
    return train.persist(), validation.persist()


def _trials(tuning: dict[str, Any]) -> list[dict[str, Any]]:
    """The configurations to try: the full grid, or a seeded random sample of it."""
    grid = tuning["grid"]
    unknown = sorted(set(grid) - set(TUNED))
    if unknown:
        raise ValueError(
            f"parameters_modeling.yml: tuning.grid has unknown keys {unknown}; "
            f"allowed: {list(TUNED)}"
        )
    configs = [{}]
    for key in TUNED:
        values = grid.get(key)
        if values is None:
            continue
        configs = [{**c, key: v} for c in configs for v in values]
    if tuning.get("strategy", "grid") == "random":
        n = min(int(tuning["n_trials"]), len(configs))
        rng = random.Random(int(tuning.get("seed", 0)))
        configs = rng.sample(configs, n)
    elif tuning.get("strategy", "grid") != "grid":
        raise ValueError(
            "parameters_modeling.yml: tuning.strategy must be 'grid' or 'random', "
            f"got {tuning.get('strategy')!r}"
        )
    return configs


def choose_trial(trials: pd.DataFrame, tolerance: float = 0.0) -> int:
    """The cheapest trial whose validation NDCG is within ``tolerance`` (a share)
    of the best: the smallest rank, then the fewest iterations, then the earliest.

    ALS costs about rank^2 to rank^3 per iteration, so a configuration that is a
    hair better but twice the rank is not worth it; with ``tolerance`` 0 this is
    simply the best (ties: the earlier trial).

    Raises:
        ValueError: When no trial could score a single validation user.
    """
    scored = trials[trials["ndcg"].notna()]
    if scored.empty:
        raise ValueError(
            "Hyperparameter search: no trial could score any validation user (none "
            "has interactions both before split.validation_start and in the "
            "validation period, among the users sampled). Move "
            "feature_engineering.<source>.split.validation_start, raise "
            "modeling.<source>.tuning.max_users (null: all users), or set "
            "modeling.<source>.tuning.enabled: false."
        )
    good = scored[scored["ndcg"] >= (1.0 - tolerance) * scored["ndcg"].max()]
    return int(good.sort_values(["rank", "max_iter", "trial"]).index[0])


def tune_als(
    tuning_train: DataFrame,
    validation: DataFrame,
    als: dict[str, Any],
    tuning: dict[str, Any],
    recommend: dict[str, Any],
    evaluation: dict[str, Any],
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Search ALS hyperparameters by NDCG@K on the validation period.

    Each configuration of ``tuning.grid`` (all, or ``n_trials`` drawn at random
    with ``tuning.seed``) is fitted on the data before the validation period and
    scored on the validation period only; the test period is never seen. The
    best NDCG@K (ties: the earlier trial) gives the parameters the final model
    is refitted with on everything before the test period. With
    ``tuning.max_users``, the trials use a seeded sample of that many users;
    with ``tuning.tolerance``, the cheapest configuration within that share of
    the best NDCG is chosen (see ``choose_trial``).

    With ``tuning.enabled: false`` nothing is fitted and ``als`` is used as is.

    Returns:
        The trials table (one row per configuration: parameters, validation
        metrics, fit seconds, ``chosen``) and the chosen ALS parameters.
    """
    columns = [*TUNED, "ndcg", "precision", "recall", "map", "fit_seconds", "chosen"]
    if not tuning.get("enabled", False):
        logger.info("Hyperparameter search is off (tuning.enabled): using als as is")
        return pd.DataFrame(columns=["trial", *columns]), dict(als)
    if not validation.limit(1).count():
        raise ValueError(
            "tuning.enabled needs a validation period: set "
            "feature_engineering.<source>.split.validation_start (before test_start), "
            "or set modeling.<source>.tuning.enabled: false"
        )
    tuning_train, validation = _sample_users(
        tuning_train, validation, tuning.get("max_users"), int(tuning.get("seed", 0))
    )
    users = validation.select(USER).distinct()
    rows = []
    try:
        for i, config in enumerate(_trials(tuning)):
            params = {**als, **config}
            started = time.perf_counter()
            model = train_als(tuning_train, params)
            fit_seconds = time.perf_counter() - started
            recs = recommend_als(model, tuning_train, recommend, users=users)
            scores = evaluate_recommendations(
                tuning_train, validation, evaluation, als=recs
            )
            value = scores.set_index("metric")["value"]
            rows.append(
                {
                    "trial": i,
                    **{k: params[k] for k in TUNED},
                    **{
                        m: float(value[m])
                        for m in ("ndcg", "precision", "recall", "map")
                    },
                    "fit_seconds": round(fit_seconds, 2),
                }
            )
            logger.info(
                "Trial %d %s: validation NDCG@%s %.4f",
                i,
                config,
                evaluation["k"],
                value["ndcg"],
            )
    finally:
        tuning_train.unpersist()
        validation.unpersist()
    trials = pd.DataFrame(rows)
    best = choose_trial(trials, float(tuning.get("tolerance", 0.0)))
    trials["chosen"] = trials.index == best
    chosen = {**als, **{k: trials.loc[best, k] for k in TUNED}}
    chosen = {k: (v.item() if hasattr(v, "item") else v) for k, v in chosen.items()}
    logger.info("Chosen by validation NDCG: %s", {k: chosen[k] for k in TUNED})
    return trials[["trial", *columns]], chosen

"""Scoring top-K lists on the test period: ranking metrics, beyond-accuracy
metrics and, for explicit ALS, the RMSE of the predicted ratings."""

from __future__ import annotations

import functools
import inspect
import logging
import math
from collections.abc import Callable
from typing import Any

import pandas as pd
from pyspark.ml.evaluation import RegressionEvaluator
from pyspark.ml.recommendation import ALSModel
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from ecom_recsys.names import ALS_MODEL, CONFIGURED, GLOBAL_MEAN, ITEM, NEW_ITEMS, USER
from ecom_recsys.params import EvaluationParams, RecommendParams

logger = logging.getLogger(__name__)

# The ranking metrics, and the RankingEvaluator metric each one reproduces.
METRICS = {
    "precision": "precisionAtK",
    "recall": "recallAtK",
    "ndcg": "ndcgAtK",
    "map": "meanAveragePrecisionAtK",
}


def evaluate_recommendations(
    train: DataFrame,
    test: DataFrame,
    evaluation: EvaluationParams,
    model: ALSModel | None = None,
    als_params: dict[str, Any] | None = None,
    served_model: dict[str, Any] | None = None,
    test_ratings: DataFrame | None = None,
    **recommendations: DataFrame,
) -> pd.DataFrame:
    """Score each model's top-K on the test period: the ranking metrics of
    Spark's RankingEvaluator, computed for every model in one pass.

    Users evaluated: those with at least one relevant test product and at least
    one training interaction (the model knows them). Test users unknown to the
    model are counted as cold and skipped. Users with fewer than K
    recommendations are scored on what they got (missing slots are misses).

    Beside NDCG@K, a 95% interval of it over users (``ndcg_ci_low``,
    ``ndcg_ci_high``: mean +- 1.96 standard errors of the users' NDCG, cut to
    [0, 1]).

    Beyond accuracy, on the same users' lists: ``coverage`` (distinct products
    recommended / products in training), ``long_tail_share`` (share of
    recommendations outside the head, the most popular ``head_share`` of the
    training products) and ``mean_popularity`` (mean share of training users who
    interacted with a recommended product).

    In explicit mode (``als.feedback``), the RMSE of the predicted ratings on
    every rated test pair the model knows (``test_ratings``, relevant or not) is
    added (``metric = rmse``, ``users_evaluated`` then counts those pairs), with
    the RMSE of predicting the training mean rating on the same pairs
    (``model = global_mean``) beside it.

    Args:
        train: Training interactions (``user_idx, item_idx``...).
        test: Relevant test interactions.
        evaluation: ``k`` and ``head_share``.
        model: The fitted ALS model (for the RMSE in explicit mode).
        als_params: The ALS parameters the model was fitted with
            (``best_als_params``): explicit feedback adds the RMSE.
        served_model: The choice made on validation (``selection``): its
            ``model`` is marked ``served``.
        **recommendations: ``user_idx, item_idx, rank`` per model name.

    Returns:
        One row per model and metric: ``model, metric, k, value,
        users_evaluated, users_cold``, and ``served`` (the served model's rows)
        when ``served_model`` is given.
    """
    k = evaluation.k
    truth = _truth(test)
    known = truth.join(train.select(USER).distinct(), USER, "left_semi").persist()
    popularity = _item_popularity(train, evaluation.head_share)
    popularity = popularity.persist()
    try:
        n_test_users, n_evaluated = truth.count(), known.count()
        rows = _metric_rows(recommendations, known, popularity, k, n_evaluated)
    finally:
        known.unpersist()
        popularity.unpersist()
    result = pd.DataFrame(rows, columns=["model", "metric", "k", "value"])
    result["users_evaluated"] = n_evaluated
    result["users_cold"] = n_test_users - n_evaluated
    explicit = bool(als_params) and als_params.get("feedback") == "explicit"
    if model is not None and explicit:
        rated = test if test_ratings is None else test_ratings
        for name, rmse, n_pairs in _rmse(model, train, rated):
            result.loc[len(result)] = [name, "rmse", k, rmse, n_pairs, 0]
    if served_model is not None:
        result["served"] = result["model"] == served_model["model"]
    _log_ndcg(result, k, n_evaluated, n_test_users - n_evaluated)
    return result


def _truth(test: DataFrame) -> DataFrame:
    """Per test user, the relevant item ids as a sorted ``array<double>``
    (``label``)."""
    return test.groupBy(USER).agg(
        F.array_sort(F.collect_set(F.col(ITEM).cast("double"))).alias("label")
    )


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


def _metric_rows(
    recommendations: dict[str, DataFrame],
    users: DataFrame,
    item_popularity: DataFrame,
    k: int,
    n_evaluated: int,
) -> list[tuple[str, str, int, float]]:
    """``(model, metric, k, value)`` per model: its ranking metrics, then its
    beyond-accuracy metrics, on the evaluated ``users``.

    Every model's lists are scored together, in two Spark jobs whatever the
    number of models (the same lists under two names once): the evaluated
    users' top K of all models, tagged with the model, are kept in memory for
    both."""
    lists: dict[int, DataFrame] = {}  # the same lists under two names: once
    for recs in recommendations.values():
        lists.setdefault(id(recs), recs)
    tagged = functools.reduce(
        DataFrame.unionByName,
        (
            recs.where(F.col("rank") <= k).select(
                F.lit(i).alias(_LIST), USER, ITEM, "rank"
            )
            for i, recs in enumerate(lists.values())
        ),
    )
    top_k = tagged.join(users.select(USER), USER, "left_semi").persist()
    try:
        ranking = _ranking_metrics(top_k, users, len(lists), k, n_evaluated)
        beyond = _beyond_accuracy(top_k, item_popularity, len(lists))
    finally:
        top_k.unpersist()
    index = {key: i for i, key in enumerate(lists)}
    return [
        (name, metric, k, float(value))
        for name, recs in recommendations.items()
        for metric, value in {
            **ranking[index[id(recs)]],
            **beyond[index[id(recs)]],
        }.items()
    ]


_LIST = "_list"  # which model's lists a row belongs to, while scoring


def _ranking_metrics(
    top_k: DataFrame, users: DataFrame, n_lists: int, k: int, n_evaluated: int
) -> list[dict[str, float]]:
    """Per list: precision, recall, NDCG and MAP at K of the ``users``
    (``user_idx, label``) as Spark's RankingEvaluator computes them, and the 95%
    interval of the NDCG (mean +- 1.96 standard errors over users, within [0, 1]);
    NaN when no user is evaluated. A user without recommendations scores on an
    empty list."""
    nan = float("nan")
    empty = dict.fromkeys([*METRICS, "ndcg_ci_low", "ndcg_ci_high"], nan)
    if not n_evaluated:
        return [dict(empty) for _ in range(n_lists)]
    predictions = (
        top_k.groupBy(_LIST, USER)
        .agg(F.sort_array(F.collect_list(F.struct("rank", ITEM))).alias("ranked"))
        .select(
            _LIST,
            USER,
            F.transform("ranked", lambda r: r[ITEM].cast("double")).alias("prediction"),
        )
    )
    every_list = F.explode(F.array(*[F.lit(i) for i in range(n_lists)]))
    scored = (
        users.select(every_list.alias(_LIST), USER, "label")
        .join(predictions, [_LIST, USER], "left")
        .withColumn(
            "prediction",
            F.coalesce("prediction", F.array().cast("array<double>")),
        )
    )
    per_user = scored.select(_LIST, *[f(k).alias(m) for m, f in _USER_METRICS.items()])
    result = per_user.groupBy(_LIST).agg(
        *[F.avg(m).alias(m) for m in METRICS],
        F.stddev_samp("ndcg").alias("sd"),
        F.count(F.lit(1)).alias("n"),
    )
    by_list = [dict(empty) for _ in range(n_lists)]
    for row in result.collect():  # one row per model
        metrics = {m: row[m] for m in METRICS}
        sd = row["sd"]
        if sd is not None and not math.isnan(sd):
            half = 1.96 * sd / math.sqrt(row["n"])
            # NDCG lies in [0, 1]: so does its interval (few users, few hits)
            metrics["ndcg_ci_low"] = max(0.0, row["ndcg"] - half)
            metrics["ndcg_ci_high"] = min(1.0, row["ndcg"] + half)
        by_list[row[_LIST]].update(metrics)
    return by_list


def user_ndcg(k: int) -> Column:
    """Each user's NDCG@K with binary relevance, as Spark's RankingEvaluator
    computes it (their mean is its ``ndcgAtK``): DCG over the first K predicted
    items, IDCG over min(K, |truth|) hits."""
    predicted = F.slice("prediction", 1, k)

    def discounted(n: Column, gain) -> Column:
        positions = F.sequence(F.lit(0), F.greatest(n - 1, F.lit(0)))
        total = F.aggregate(
            positions,
            F.lit(0.0),
            lambda acc, i: acc + gain(i) / F.log2(i.cast("double") + 2.0),
        )
        return F.when(n > 0, total).otherwise(F.lit(0.0))

    dcg = discounted(
        F.size(predicted),
        lambda i: F.when(F.array_contains("label", predicted[i]), 1.0).otherwise(0.0),
    )
    ideal = discounted(F.least(F.size("label"), F.lit(k)), lambda i: F.lit(1.0))
    return F.when(ideal > 0, dcg / ideal).otherwise(F.lit(0.0))


def _hits(k: int) -> Column:
    """1.0 or 0.0 per predicted item among the first K: is it in the truth."""
    return F.transform(
        F.slice("prediction", 1, k),
        lambda item: F.when(F.array_contains("label", item), 1.0).otherwise(0.0),
    )


def _total(values: Column) -> Column:
    return F.aggregate(values, F.lit(0.0), lambda acc, v: acc + v)


def user_precision(k: int) -> Column:
    """Hits in the first K / K (a shorter list still divides by K)."""
    return _total(_hits(k)) / F.lit(float(k))


def user_recall(k: int) -> Column:
    """Hits in the first K / the number of relevant items."""
    return _total(_hits(k)) / F.size("label")


def user_average_precision(k: int) -> Column:
    """Sum of precision@i at each hit i among the first K / min(|truth|, K)."""
    hits = _hits(k)
    at_hits = F.transform(
        hits,
        lambda hit, i: hit * _total(F.slice(hits, 1, i + 1)) / (i + 1).cast("double"),
    )
    return _total(at_hits) / F.least(F.size("label"), F.lit(k))


# Per user, as Spark's RankingEvaluator computes each metric (their means are
# its metrics; tests/pipelines/test_modeling.py checks that they agree).
_USER_METRICS: dict[str, Callable[[int], Column]] = {
    "precision": user_precision,
    "recall": user_recall,
    "ndcg": user_ndcg,
    "map": user_average_precision,
}


def _beyond_accuracy(
    top_k: DataFrame, item_popularity: DataFrame, n_lists: int
) -> list[dict[str, float]]:
    """Per list: coverage, long-tail share and mean popularity of the evaluated
    users' top-K lists."""
    nan = float("nan")
    n_items = item_popularity.count()
    by_list = [
        {
            "coverage": 0.0 if n_items else nan,
            "long_tail_share": nan,
            "mean_popularity": nan,
        }
        for _ in range(n_lists)
    ]
    result = (
        top_k.join(item_popularity, ITEM, "left")
        .groupBy(_LIST)
        .agg(
            F.countDistinct(ITEM).alias("items"),
            F.avg(F.when(F.col("is_head"), 0.0).otherwise(1.0)).alias("tail"),
            F.avg(F.coalesce("share_of_users", F.lit(0.0))).alias("popularity"),
        )
    )
    for row in result.collect():  # one row per model
        by_list[row[_LIST]] = {
            "coverage": row["items"] / n_items if n_items else nan,
            "long_tail_share": row["tail"],
            "mean_popularity": row["popularity"],
        }
    return by_list


def _rmse(
    model: ALSModel, train: DataFrame, rated: DataFrame
) -> list[tuple[str, float, int]]:
    """RMSE of ALS's predicted ratings, and of the training mean rating, on the
    rated test pairs the model knows: ``(model, rmse, pairs)``."""
    mean = train.agg(F.avg("rating")).first()[0]
    rated = rated.where(F.col("rating").isNotNull())
    predictions = model.setColdStartStrategy("drop").transform(rated)
    predictions = predictions.withColumn("mean", F.lit(mean).cast("double")).persist()
    try:
        n = predictions.count()
        scores = []
        for name, column in ((ALS_MODEL, "prediction"), (GLOBAL_MEAN, "mean")):
            evaluator = RegressionEvaluator(
                metricName="rmse", labelCol="rating", predictionCol=column
            )
            value = (
                evaluator.evaluate(predictions)
                if n and mean is not None
                else float("nan")
            )
            scores.append((name, value, n))
        return scores
    finally:
        predictions.unpersist()


def _log_ndcg(result: pd.DataFrame, k: int, n_evaluated: int, n_cold: int) -> None:
    """Log each model's NDCG@K and how many users it was measured on; warn, in
    words, when no user could be measured (the metrics are then NaN)."""
    if not n_evaluated:
        logger.warning(
            "No test user could be evaluated, so every ranking metric is NaN "
            "(users_evaluated = 0): %s. Move the split's test_start so that users "
            "active in the test period also have training interactions.",
            f"all {n_cold} test users are cold (no training interaction)"
            if n_cold
            else "the test period has no relevant interaction",
        )
    ndcg = result[result["metric"] == "ndcg"].set_index("model")["value"]
    logger.info(
        "NDCG@%d on %d users (%d cold test users skipped): %s",
        k,
        n_evaluated,
        n_cold,
        ", ".join(f"{name} {value:.4f}" for name, value in ndcg.items()),
    )


def with_seen_excluded(
    recommender: Callable[..., DataFrame],
) -> Callable[..., DataFrame]:
    """``recommender`` (a function with a ``recommend`` argument) with
    everything seen excluded: its lists for the new-items protocol."""
    signature = inspect.signature(recommender)

    @functools.wraps(recommender)
    def new_items(*args: Any, **kwargs: Any) -> DataFrame:
        bound = signature.bind(*args, **kwargs)
        recommend: RecommendParams = bound.arguments["recommend"]
        bound.arguments["recommend"] = recommend.model_copy(update={"exclude": "seen"})
        return recommender(*bound.args, **bound.kwargs)

    return new_items


def new_items_truth(test: DataFrame, train: DataFrame) -> DataFrame:
    """The test truth without the products each user already had in training:
    the ground truth of the new-items protocol."""
    return test.join(train.select(USER, ITEM), [USER, ITEM], "left_anti")


def label_protocols(configured: pd.DataFrame, new_items: pd.DataFrame) -> pd.DataFrame:
    """One metrics table with a ``protocol`` column (after ``model``):
    ``configured`` (the configured truth and exclusions) and ``new_items``."""
    tables = [
        table.assign(protocol=name)
        for name, table in ((CONFIGURED, configured), (NEW_ITEMS, new_items))
    ]
    result = pd.concat(tables, ignore_index=True)
    columns = [
        "model",
        "protocol",
        *[c for c in result if c not in ("model", "protocol")],
    ]
    return result[columns]

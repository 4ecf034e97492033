"""Nodes that turn clean events into interactions, a product catalogue and model input.

They only need the canonical event columns (``user_id, product_id, event_type,
event_time``, and ``category_id, category_code, brand, price`` for products), so
any source that produces them can reuse this pipeline under its own namespace.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from ecom_recsys.spark.frames import dense_index

logger = logging.getLogger(__name__)

TRAIN, TEST, TUNING, VALIDATION = "train", "test", "tuning", "validation"


def _count_column(event_type: str) -> str:
    return f"n_{event_type}"


def parse_cutoff(split: dict[str, Any], key: str = "test_start") -> datetime:
    """The ``split.<key>`` parameter as a naive UTC datetime.

    A value with an offset (``2019-10-22T02:00:00+02:00``) is converted to UTC;
    a value without one is read as UTC.
    """
    value = split[key]
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError(
            f"parameters_feature_engineering.yml: split.{key} must be a date "
            f"or timestamp like '2019-10-22' or '2019-10-22 00:00:00', got {value!r}"
        ) from exc
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _utc_literal(value: datetime) -> Column:
    return F.to_timestamp(
        F.lit(value.strftime("%Y-%m-%d %H:%M:%S UTC")), "yyyy-MM-dd HH:mm:ss z"
    )


def _check_periods(events: DataFrame, bounds: dict[str, datetime]) -> None:
    """Stop with the data's time range when a cut-off leaves a period empty."""
    fmt = "yyyy-MM-dd HH:mm:ss"
    edges = [None, *bounds.values(), None]
    names = ["training", *[k.removesuffix("_start") for k in bounds]]
    counts = []
    for name, lo, hi in zip(names, edges[:-1], edges[1:], strict=True):
        inside = F.lit(True)
        if lo is not None:
            inside = inside & (F.col("event_time") >= _utc_literal(lo))
        if hi is not None:
            inside = inside & (F.col("event_time") < _utc_literal(hi))
        counts.append(F.count(F.when(inside, 1)).alias(name))
    row = events.agg(
        F.date_format(F.min("event_time"), fmt).alias("_first"),
        F.date_format(F.max("event_time"), fmt).alias("_last"),
        *counts,
    ).first()
    for name, key in zip(names, ["", *bounds], strict=True):
        if not row[name]:
            keys = ", ".join(f"split.{k}={v}" for k, v in bounds.items())
            raise ValueError(
                f"parameters_feature_engineering.yml: {keys} leaves the {name} "
                f"period empty; the data runs from {row['_first']} to "
                f"{row['_last']} (UTC). Choose cut-offs inside that range, e.g. "
                "with --params='feature_engineering.<source>.split."
                f"{key or 'test_start'}=...'"
            )


def _weight(weights: dict[str, Any], raw_weight: Column) -> Column:
    transform = weights.get("transform", "none")
    if transform == "log1p":
        return F.log1p(raw_weight)
    if transform == "none":
        return raw_weight
    raise ValueError(
        "parameters_feature_engineering.yml: interaction_weights.transform must "
        f"be 'log1p' or 'none', got {transform!r}"
    )


def build_interactions(
    events: DataFrame, weights: dict[str, float], split: dict[str, Any]
) -> DataFrame:
    """Aggregate events per user, product and period.

    Periods: ``train`` (everything before ``split.test_start``: the final
    model's training data) and ``test`` (from it on); with
    ``split.validation_start`` also ``tuning`` (before it) and ``validation``
    (from it to ``test_start``), which hyperparameter search uses. ``train``
    aggregates the same events as ``tuning`` and ``validation`` together.

    The confidence weight is ``sum(weights[type] * count[type])``, optionally
    log-scaled (``weights.transform: log1p``) so one product viewed a hundred
    times does not drown everything else.

    Args:
        events: Clean events with ``user_id, product_id, event_type, event_time``
            (and ``rating`` for explicit feedback).
        weights: ``interaction_weights``: a weight per event type and ``transform``.
        split: ``split`` parameters: ``test_start`` and optional ``validation_start``.

    Returns:
        ``user_id, product_id, period, n_<type>..., weight, [rating,]
        last_event_time``, sorted by user, product and period.
    """
    bounds = {"test_start": parse_cutoff(split)}
    if split.get("validation_start"):
        bounds = {
            "validation_start": parse_cutoff(split, "validation_start"),
            **bounds,
        }
        if bounds["validation_start"] >= bounds["test_start"]:
            raise ValueError(
                "parameters_feature_engineering.yml: split.validation_start "
                f"({bounds['validation_start']}) must come before split.test_start "
                f"({bounds['test_start']})"
            )
    type_weights = {k: float(v) for k, v in weights["event_types"].items()}
    weight = _weight(weights, F.col("_raw_weight"))
    _check_periods(events, bounds)
    test_start = _utc_literal(bounds["test_start"])
    periods = [F.when(F.col("event_time") < test_start, TRAIN).otherwise(TEST)]
    if "validation_start" in bounds:
        validation_start = _utc_literal(bounds["validation_start"])
        periods.append(
            F.when(F.col("event_time") < validation_start, TUNING)
            .when(F.col("event_time") < test_start, VALIDATION)
            .otherwise(None)
        )
    counts = [
        F.sum(F.when(F.col("event_type") == t, 1).otherwise(0))
        .cast("int")
        .alias(_count_column(t))
        for t in type_weights
    ]
    # Explicit feedback (e.g. review scores): the mean rating per pair.
    ratings = [F.avg("rating").alias("rating")] if "rating" in events.columns else []
    # Each event adds its type's weight, times its own weight when the source
    # has one (a generic interactions file with a weight column).
    type_weight = F.lit(0.0)
    for t, w in type_weights.items():
        type_weight = F.when(F.col("event_type") == t, F.lit(w)).otherwise(type_weight)
    event_weight = (
        F.coalesce(F.col("weight"), F.lit(1.0))
        if "weight" in events.columns
        else F.lit(1.0)
    )
    relevant = events.where(F.col("event_type").isin(list(type_weights)))
    tagged = relevant.withColumn("_periods", F.array_compact(F.array(*periods)))
    aggregated = (
        tagged.select("*", F.explode("_periods").alias("period"))
        .groupBy("user_id", "product_id", "period")
        .agg(
            *counts,
            *ratings,
            F.sum(type_weight * event_weight).alias("_raw_weight"),
            F.max("event_time").alias("last_event_time"),
        )
    )
    # Sorted by user: Parquet's row-group statistics then let a reader of one
    # user's rows (the dashboard) skip every other row group.
    return aggregated.select(
        "user_id",
        "product_id",
        "period",
        *[_count_column(t) for t in type_weights],
        weight.alias("weight"),
        *(["rating"] if ratings else []),
        "last_event_time",
    ).orderBy("user_id", "product_id", "period")


def build_products(events: DataFrame) -> DataFrame:
    """One row per product with its latest category, brand and price."""
    # max of the whole struct: the latest event, ties broken by the other fields
    latest = F.struct("event_time", "category_id", "category_code", "brand", "price")
    return (
        events.groupBy("product_id")
        .agg(F.max(latest).alias("p"))
        .select(
            "product_id",
            "p.category_id",
            "p.category_code",
            "p.brand",
            "p.price",
        )
    )


def index_users(interactions: DataFrame) -> DataFrame:
    """Dense int ids (``user_idx``) for every user, in id order."""
    return dense_index(interactions, "user_id", "user_idx")


def index_products(products: DataFrame) -> DataFrame:
    """Dense int ids (``item_idx``) for every product, in id order."""
    return dense_index(products, "product_id", "item_idx")


def _with_indices(
    interactions: DataFrame, user_index: DataFrame, product_index: DataFrame
) -> DataFrame:
    return interactions.join(user_index, "user_id").join(product_index, "product_id")


def _model_rows(
    interactions: DataFrame,
    user_index: DataFrame,
    product_index: DataFrame,
    period: str,
) -> DataFrame:
    rows = interactions.where((F.col("period") == period) & (F.col("weight") > 0))
    return _with_indices(rows.drop("period"), user_index, product_index)


def _truth(
    interactions: DataFrame,
    user_index: DataFrame,
    product_index: DataFrame,
    evaluation: dict[str, Any],
    period: str,
) -> DataFrame:
    relevant = F.lit(False)
    for event_type in evaluation["relevant_event_types"]:
        relevant = relevant | (F.col(_count_column(event_type)) > 0)
    if evaluation.get("min_rating") is not None and "rating" in interactions.columns:
        # e.g. MovieLens: only movies rated at least this well are relevant
        relevant = relevant & (F.col("rating") >= float(evaluation["min_rating"]))
    rows = interactions.where((F.col("period") == period) & relevant).drop(
        "period", "last_event_time", "weight"
    )
    return _with_indices(rows, user_index, product_index)


def build_train(
    interactions: DataFrame, user_index: DataFrame, product_index: DataFrame
) -> DataFrame:
    """Training rows for the final ALS fit: interactions before the test period
    with positive weight (``last_event_time`` is kept for recent popularity)."""
    return _model_rows(interactions, user_index, product_index, TRAIN)


def build_tuning_train(
    interactions: DataFrame, user_index: DataFrame, product_index: DataFrame
) -> DataFrame:
    """Training rows for hyperparameter search: before the validation period."""
    return _model_rows(interactions, user_index, product_index, TUNING)


def build_test(
    interactions: DataFrame,
    user_index: DataFrame,
    product_index: DataFrame,
    evaluation: dict[str, Any],
) -> DataFrame:
    """Ground truth: products each user interacted with, by a relevant event type,
    at or after the test cut-off.
    """
    return _truth(interactions, user_index, product_index, evaluation, TEST)


def build_validation(
    interactions: DataFrame,
    user_index: DataFrame,
    product_index: DataFrame,
    evaluation: dict[str, Any],
) -> DataFrame:
    """Ground truth for hyperparameter search: the validation period."""
    return _truth(interactions, user_index, product_index, evaluation, VALIDATION)


def single_group(user_index: DataFrame) -> DataFrame:
    """Every user in one group, ``all``: fallbacks use overall popularity."""
    return user_index.select("user_idx", F.lit("all").alias("group"))


def build_item_catalogue(feedback: DataFrame) -> DataFrame:
    """Products of a source without a product table: the distinct item ids, with
    how many users interacted with each."""
    return feedback.groupBy("product_id").agg(F.countDistinct("user_id").alias("users"))


def to_feedback(interactions: DataFrame) -> DataFrame:
    """Canonical feedback from a generic interactions table: one ``interaction``
    event per row, with its rating and weight (null when the file has none)."""
    return interactions.select(
        "user_id",
        "product_id",
        F.lit("interaction").alias("event_type"),
        "event_time",
        "rating",
        "weight",
    )

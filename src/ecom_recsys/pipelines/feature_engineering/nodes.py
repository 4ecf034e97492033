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

from ecom_recsys.spark_utils import dense_index

logger = logging.getLogger(__name__)

TRAIN, TEST = "train", "test"


def _count_column(event_type: str) -> str:
    return f"n_{event_type}"


def parse_cutoff(split: dict[str, Any]) -> datetime:
    """The ``split.test_start`` parameter as a naive UTC datetime.

    A value with an offset (``2019-10-22T02:00:00+02:00``) is converted to UTC;
    a value without one is read as UTC.
    """
    value = split["test_start"]
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError(
            "parameters_feature_engineering.yml: split.test_start must be a date "
            f"or timestamp like '2019-10-22' or '2019-10-22 00:00:00', got {value!r}"
        ) from exc
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _check_cutoff(events: DataFrame, cutoff_ts: Column, value: datetime) -> None:
    """Stop with the data's time range when the cut-off leaves a period empty."""
    fmt = "yyyy-MM-dd HH:mm:ss"
    row = events.agg(
        F.date_format(F.min("event_time"), fmt).alias("first"),
        F.date_format(F.max("event_time"), fmt).alias("last"),
        F.count(F.when(F.col("event_time") < cutoff_ts, 1)).alias("train"),
        F.count(F.when(F.col("event_time") >= cutoff_ts, 1)).alias("test"),
    ).first()
    if not row["train"] or not row["test"]:
        empty = "training" if not row["train"] else "test"
        raise ValueError(
            f"parameters_feature_engineering.yml: split.test_start={value} leaves the "
            f"{empty} period empty; the data runs from {row['first']} to "
            f"{row['last']} (UTC). Choose a cut-off inside that range, e.g. "
            "with --params='feature_engineering.<source>.split.test_start=...'"
        )


def build_interactions(
    events: DataFrame, weights: dict[str, float], split: dict[str, Any]
) -> DataFrame:
    """Aggregate events per user, product and period (train before the cut-off).

    The confidence weight is ``sum(weights[type] * count[type])``, optionally
    log-scaled (``weights.transform: log1p``) so one product viewed a hundred
    times does not drown everything else.

    Args:
        events: Clean events with ``user_id, product_id, event_type, event_time``.
        weights: ``interaction_weights``: a weight per event type and ``transform``.
        split: ``split`` parameters with ``test_start``.

    Returns:
        ``user_id, product_id, period, n_<type>..., weight, last_event_time``.
    """
    cutoff = parse_cutoff(split)
    type_weights = {k: float(v) for k, v in weights["event_types"].items()}
    counts = [
        F.sum(F.when(F.col("event_type") == t, 1).otherwise(0))
        .cast("int")
        .alias(_count_column(t))
        for t in type_weights
    ]
    cutoff_ts = F.to_timestamp(
        F.lit(cutoff.strftime("%Y-%m-%d %H:%M:%S UTC")), "yyyy-MM-dd HH:mm:ss z"
    )
    _check_cutoff(events, cutoff_ts, cutoff)
    period = F.when(F.col("event_time") < cutoff_ts, TRAIN).otherwise(TEST)
    # Explicit feedback (e.g. review scores): the mean rating per pair.
    ratings = [F.avg("rating").alias("rating")] if "rating" in events.columns else []
    aggregated = (
        events.where(F.col("event_type").isin(list(type_weights)))
        .groupBy("user_id", "product_id", period.alias("period"))
        .agg(*counts, *ratings, F.max("event_time").alias("last_event_time"))
    )
    raw_weight = sum(
        (F.col(_count_column(t)) * F.lit(w) for t, w in type_weights.items()),
        F.lit(0.0),
    )
    transform = weights.get("transform", "none")
    if transform == "log1p":
        weight = F.log1p(raw_weight)
    elif transform == "none":
        weight = raw_weight
    else:
        raise ValueError(
            "parameters_feature_engineering.yml: interaction_weights.transform must "
            f"be 'log1p' or 'none', got {transform!r}"
        )
    return aggregated.select(
        "user_id",
        "product_id",
        "period",
        *[_count_column(t) for t in type_weights],
        weight.alias("weight"),
        *(["rating"] if ratings else []),
        "last_event_time",
    )


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


def build_train(
    interactions: DataFrame, user_index: DataFrame, product_index: DataFrame
) -> DataFrame:
    """Training rows for ALS: interactions before the cut-off with positive weight
    (``last_event_time`` is kept for the recent-popularity baseline)."""
    train = interactions.where((F.col("period") == TRAIN) & (F.col("weight") > 0)).drop(
        "period"
    )
    return _with_indices(train, user_index, product_index)


def build_test(
    interactions: DataFrame,
    user_index: DataFrame,
    product_index: DataFrame,
    evaluation: dict[str, Any],
) -> DataFrame:
    """Ground truth: products each user interacted with, by a relevant event type,
    at or after the cut-off.
    """
    relevant = F.lit(False)
    for event_type in evaluation["relevant_event_types"]:
        relevant = relevant | (F.col(_count_column(event_type)) > 0)
    test = interactions.where((F.col("period") == TEST) & relevant).drop(
        "period", "last_event_time", "weight"
    )
    return _with_indices(test, user_index, product_index)


def single_group(user_index: DataFrame) -> DataFrame:
    """Every user in one group, ``all``: fallbacks use overall popularity."""
    return user_index.select("user_idx", F.lit("all").alias("group"))

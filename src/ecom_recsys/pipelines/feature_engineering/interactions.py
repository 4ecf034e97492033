"""Interactions: clean events aggregated per user, product and period into
confidence weights, the product catalogue, and dense ids for ALS.

They only need the canonical event columns (``user_id, product_id, event_type,
event_time``, and ``category_id, category_code, brand, price`` for products), so
any source that produces them reuses these nodes under its own namespace.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from ecom_recsys.names import (
    ALL_USERS,
    CORRUPT_COLUMN,
    GROUP,
    ITEM,
    PRODUCT_ID,
    USER,
    USER_ID,
)
from ecom_recsys.params import ItemDetailsParams, SplitParams, WeightParams
from ecom_recsys.spark.frames import dense_index

from .splits import assign_parts, count_column, period_columns


def _event_weight(events: DataFrame, weights: WeightParams) -> Column:
    """Each event adds its type's weight, times its own weight when the source
    has one (a generic interactions file with a weight column)."""
    type_weight = F.lit(0.0)
    for t, w in weights.event_types.items():
        type_weight = F.when(F.col("event_type") == t, F.lit(w)).otherwise(type_weight)
    if "weight" in events.columns:
        return type_weight * F.coalesce(F.col("weight"), F.lit(1.0))
    return type_weight * F.lit(1.0)


def _aggregate(events: DataFrame, weights: WeightParams, periods: list[Column]):
    """Counts per event type, mean rating, raw weight and last event time per
    user, product and period."""
    counts = [
        F.sum(F.when(F.col("event_type") == t, 1).otherwise(0))
        .cast("int")
        .alias(count_column(t))
        for t in weights.event_types
    ]
    # Explicit feedback (e.g. review scores): the mean rating per pair.
    ratings = [F.avg("rating").alias("rating")] if "rating" in events.columns else []
    relevant = events.where(F.col("event_type").isin(list(weights.event_types)))
    tagged = relevant.withColumn("_periods", F.array_compact(F.array(*periods)))
    return (
        tagged.select("*", F.explode("_periods").alias("period"))
        .groupBy(USER_ID, PRODUCT_ID, "period")
        .agg(
            *counts,
            *ratings,
            F.sum(_event_weight(events, weights)).alias("_raw_weight"),
            F.max("event_time").alias("last_event_time"),
        )
    )


def _recency_decay(half_life_days: float) -> Column:
    """``0.5 ** (age / half_life)``, the age being the days from a pair's last
    event to its user's last event in the same period (so no period sees a
    later one's events)."""
    latest = F.max("last_event_time").over(Window.partitionBy(USER_ID, "period"))
    age_days = (
        F.unix_timestamp(latest) - F.unix_timestamp("last_event_time")
    ) / 86400.0
    return F.pow(F.lit(0.5), age_days / F.lit(half_life_days))


def build_interactions(
    events: DataFrame, weights: WeightParams, split: SplitParams
) -> DataFrame:
    """Aggregate events per user, product and period.

    Periods: ``train`` (everything but test: the final model's training data)
    and ``test``; with a validation part also ``tuning`` (train without
    validation) and ``validation``, which tuning and the choice of the served
    model use. ``train`` aggregates the same events as ``tuning`` and
    ``validation`` together. The split is by global cut-offs or per user
    (``split.strategy``).

    The confidence weight is ``sum(weights[type] * count[type])``, optionally
    log-scaled (``weights.transform: log1p``) so one product viewed a hundred
    times does not drown everything else, and optionally halved per
    ``weights.recency_half_life_days`` before the user's last event in the period.

    Args:
        events: Clean events with ``user_id, product_id, event_type, event_time``
            (and ``rating`` for explicit feedback).
        weights: A weight per event type, and the transform.
        split: The cut-offs.

    Returns:
        ``user_id, product_id, period, n_<type>..., weight, [rating,]
        last_event_time``, sorted by user, product and period.
    """
    weighted = events.where(F.col("event_type").isin(list(weights.event_types)))
    parted = assign_parts(weighted, split)
    aggregated = _aggregate(parted, weights, period_columns(split.has_validation))
    raw = F.col("_raw_weight")
    weight = F.log1p(raw) if weights.transform == "log1p" else raw
    if weights.recency_half_life_days is not None:
        weight = weight * _recency_decay(weights.recency_half_life_days)
    # Sorted by user: Parquet's row-group statistics then let a reader of one
    # user's rows (the dashboard) skip every other row group.
    return aggregated.select(
        USER_ID,
        PRODUCT_ID,
        "period",
        *[count_column(t) for t in weights.event_types],
        weight.alias("weight"),
        *(["rating"] if "rating" in aggregated.columns else []),
        "last_event_time",
    ).orderBy(USER_ID, PRODUCT_ID, "period")


def build_products(events: DataFrame) -> DataFrame:
    """One row per product with its latest category, brand and price."""
    # max of the whole struct: the latest event, ties broken by the other fields
    latest = F.struct("event_time", "category_id", "category_code", "brand", "price")
    return (
        events.groupBy(PRODUCT_ID)
        .agg(F.max(latest).alias("p"))
        .select(
            PRODUCT_ID,
            "p.category_id",
            "p.category_code",
            "p.brand",
            "p.price",
        )
    )


def index_users(interactions: DataFrame) -> DataFrame:
    """Dense int ids (``user_idx``) for every user, in id order."""
    return dense_index(interactions, USER_ID, USER)


def index_products(products: DataFrame) -> DataFrame:
    """Dense int ids (``item_idx``) for every product, in id order."""
    return dense_index(products, PRODUCT_ID, ITEM)


def single_group(user_index: DataFrame) -> DataFrame:
    """Every user in one group, ``all``: fallbacks use overall popularity."""
    return user_index.select(USER, F.lit(ALL_USERS).alias(GROUP))


def item_details(items: DataFrame, columns: ItemDetailsParams) -> DataFrame:
    """``product_id, title, genres`` of an item details file, one row per item
    (the first title and genres in order of their text); null where the file
    has no such column, and no rows without a file.

    Raises:
        ValueError: When the file lacks a column ``columns`` names.
    """
    named = {PRODUCT_ID: columns.item, "title": columns.title, "genres": columns.genres}
    if items.columns == [CORRUPT_COLUMN]:  # no file: the input is optional
        return items.select(
            *[F.lit(None).cast("string").alias(c) for c in named]
        ).limit(0)
    missing = [v for v in named.values() if v and v not in items.columns]
    if missing:
        found = [c for c in items.columns if c != CORRUPT_COLUMN]
        raise ValueError(
            f"feature_engineering.interactions.items names {missing}, which the "
            f"item details file (data/01_raw/interactions_items/) lacks: its header "
            f"is {found}. Name its columns in items.item, items.title and "
            "items.genres (or null) of parameters_feature_engineering.yml."
        )
    text = {
        name: F.trim(F.col(raw)) if raw else F.lit(None).cast("string")
        for name, raw in named.items()
    }
    return (
        items.select(*[column.alias(name) for name, column in text.items()])
        .where(F.col(PRODUCT_ID).isNotNull() & (F.col(PRODUCT_ID) != ""))
        .groupBy(PRODUCT_ID)
        .agg(F.min("title").alias("title"), F.min("genres").alias("genres"))
    )


def build_item_catalogue(
    feedback: DataFrame, items: DataFrame, columns: ItemDetailsParams
) -> DataFrame:
    """Products of a source without a product table: the distinct item ids,
    with how many users interacted with each, and their ``title`` and
    ``genres`` from the optional item details file (null without one)."""
    catalogue = feedback.groupBy(PRODUCT_ID).agg(
        F.countDistinct(USER_ID).alias("users")
    )
    return catalogue.join(item_details(items, columns), PRODUCT_ID, "left")


def to_feedback(interactions: DataFrame) -> DataFrame:
    """Canonical feedback from a generic interactions table: one ``interaction``
    event per row, with its rating and weight (null when the file has none)."""
    return interactions.select(
        USER_ID,
        PRODUCT_ID,
        F.lit("interaction").alias("event_type"),
        "event_time",
        "rating",
        "weight",
    )

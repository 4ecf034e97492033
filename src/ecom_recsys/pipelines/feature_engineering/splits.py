"""The split: global time cut-offs or a per-user split, the period of every
interaction, and the model input and ground truth of each period."""

from __future__ import annotations

from datetime import UTC, datetime

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from ecom_recsys.names import PRODUCT_ID, TEST, TRAIN, TUNING, USER_ID, VALIDATION
from ecom_recsys.params import RelevanceParams, SplitParams
from ecom_recsys.spark.frames import hash_uniform

# The part of the data an event falls in; train and validation make up the
# final model's training period.
PART = "_part"


def count_column(event_type: str) -> str:
    """The column counting a pair's events of ``event_type``."""
    return f"n_{event_type}"


def parse_cutoff(value: str) -> datetime:
    """A cut-off as a naive UTC datetime.

    A value with an offset (``2019-10-22T02:00:00+02:00``) is converted to UTC;
    a value without one is read as UTC.
    """
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def cutoffs(split: SplitParams) -> dict[str, datetime]:
    """``validation_start`` (when set) and ``test_start``, in time order."""
    bounds = {"test_start": parse_cutoff(split.test_start)}
    if split.validation_start:
        return {"validation_start": parse_cutoff(split.validation_start), **bounds}
    return bounds


def _utc_literal(value: datetime) -> Column:
    return F.to_timestamp(
        F.lit(value.strftime("%Y-%m-%d %H:%M:%S UTC")), "yyyy-MM-dd HH:mm:ss z"
    )


def check_periods(events: DataFrame, bounds: dict[str, datetime]) -> None:
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
                f"The cut-offs {keys} leave the {name} period empty; the data runs "
                f"from {row['_first']} to {row['_last']} (UTC). Choose cut-offs "
                "inside that range in parameters_feature_engineering.yml, or with "
                f"--params='feature_engineering.<source>.split.{key or 'test_start'}"
                "=...'"
            )


def _time_parts(bounds: dict[str, datetime]) -> Column:
    """The part of each event by the global cut-offs."""
    part = F.when(F.col("event_time") >= _utc_literal(bounds["test_start"]), TEST)
    if "validation_start" in bounds:
        validation_start = _utc_literal(bounds["validation_start"])
        part = part.when(F.col("event_time") >= validation_start, VALIDATION)
    return part.otherwise(TRAIN)


def _latest_first(split: SplitParams) -> list[Column]:
    """Each user's events from the one that goes to test first: the latest
    (``user_time``), or a seeded random order (``user_random``)."""
    if split.strategy == "user_random":
        key = hash_uniform(
            F.lit(split.seed), F.col(USER_ID), F.col(PRODUCT_ID), F.col("event_time")
        )
        return [key.desc()]
    return [F.col("event_time").desc(), F.col(PRODUCT_ID).desc()]


def _user_parts(split: SplitParams) -> Column:
    """The part of each event by its place among its user's events: the first
    ``test_count`` (or ``test_share``) are test, the next validation, the rest
    train; users with fewer than ``min_interactions`` events stay in train."""
    user = Window.partitionBy(USER_ID)
    place = F.row_number().over(user.orderBy(*_latest_first(split)))
    n = F.count(F.lit(1)).over(user)
    n_test = (
        F.lit(split.test_count)
        if split.test_count
        else F.ceil(n * F.lit(split.test_share))
    )
    n_validation = (
        F.lit(split.validation_count or 0)
        if split.validation_count is not None
        else F.ceil(n * F.lit(split.validation_share))
    )
    return (
        F.when(n < split.min_interactions, TRAIN)
        .when(place <= n_test, TEST)
        .when(place <= n_test + n_validation, VALIDATION)
        .otherwise(TRAIN)
    )


def assign_parts(events: DataFrame, split: SplitParams) -> DataFrame:
    """``events`` with the part of the split each falls in (``_part``: train,
    validation or test), after checking the split leaves no part empty."""
    if split.strategy == "time":
        bounds = cutoffs(split)
        check_periods(events, bounds)
        return events.withColumn(PART, _time_parts(bounds))
    parted = events.withColumn(PART, _user_parts(split))
    check_user_parts(parted, split)
    return parted


def check_user_parts(parted: DataFrame, split: SplitParams) -> None:
    """Stop, with what to change, when a per-user split leaves test (or a
    requested validation) empty: no user has ``min_interactions`` events."""
    row = parted.agg(
        *[F.count(F.when(F.col(PART) == p, 1)).alias(p) for p in (TEST, VALIDATION)]
    ).first()
    empty = [p for p in (TEST, VALIDATION) if not row[p]]
    if not split.has_validation:
        empty = [p for p in empty if p != VALIDATION]
    if empty:
        raise ValueError(
            f"The {split.strategy} split leaves the {' and '.join(empty)} period "
            f"empty: no user has min_interactions={split.min_interactions} "
            "interactions, or the shares round to nothing. Lower "
            "feature_engineering.<source>.split.min_interactions or raise the "
            "shares in parameters_feature_engineering.yml."
        )


def period_columns(has_validation: bool) -> list[Column]:
    """The periods of an event from its part: ``train`` (train and validation)
    or ``test``, and with a validation part also ``tuning`` or ``validation``
    (null for test events)."""
    part = F.col(PART)
    periods = [F.when(part == TEST, TEST).otherwise(TRAIN)]
    if has_validation:
        periods.append(
            F.when(part == TRAIN, TUNING).when(part == VALIDATION, VALIDATION)
        )
    return periods


def _with_indices(
    interactions: DataFrame, user_index: DataFrame, product_index: DataFrame
) -> DataFrame:
    return interactions.join(user_index, USER_ID).join(product_index, PRODUCT_ID)


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
    evaluation: RelevanceParams,
    period: str,
) -> DataFrame:
    relevant = F.lit(False)
    for event_type in evaluation.relevant_event_types:
        relevant = relevant | (F.col(count_column(event_type)) > 0)
    if evaluation.min_rating is not None and "rating" in interactions.columns:
        # e.g. MovieLens: only movies rated at least this well are relevant
        relevant = relevant & (F.col("rating") >= evaluation.min_rating)
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
    evaluation: RelevanceParams,
) -> DataFrame:
    """Ground truth: products each user interacted with, by a relevant event type,
    at or after the test cut-off.
    """
    return _truth(interactions, user_index, product_index, evaluation, TEST)


def build_validation(
    interactions: DataFrame,
    user_index: DataFrame,
    product_index: DataFrame,
    evaluation: RelevanceParams,
) -> DataFrame:
    """Ground truth for hyperparameter search: the validation period."""
    return _truth(interactions, user_index, product_index, evaluation, VALIDATION)


def build_test_ratings(
    interactions: DataFrame, user_index: DataFrame, product_index: DataFrame
) -> DataFrame:
    """Every rated test pair, relevant or not (``user_idx, item_idx, rating``):
    the RMSE of explicit ALS is measured on all of them."""
    if "rating" not in interactions.columns:
        interactions = interactions.withColumn("rating", F.lit(None).cast("double"))
    rated = interactions.where((F.col("period") == TEST) & F.col("rating").isNotNull())
    return _with_indices(rated, user_index, product_index).select(
        "user_idx", "item_idx", "rating"
    )

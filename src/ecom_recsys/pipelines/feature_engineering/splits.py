"""The time split: cut-offs, the period of every interaction, and the model
input and ground truth of each period."""

from __future__ import annotations

from datetime import UTC, datetime

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from ecom_recsys.names import PRODUCT_ID, TEST, TRAIN, TUNING, USER_ID, VALIDATION
from ecom_recsys.params import RelevanceParams, SplitParams


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


def period_columns(bounds: dict[str, datetime]) -> list[Column]:
    """The periods of an event: ``train`` or ``test``, and with a validation
    cut-off also ``tuning`` or ``validation`` (null from the test cut-off on)."""
    test_start = _utc_literal(bounds["test_start"])
    periods = [F.when(F.col("event_time") < test_start, TRAIN).otherwise(TEST)]
    if "validation_start" in bounds:
        validation_start = _utc_literal(bounds["validation_start"])
        periods.append(
            F.when(F.col("event_time") < validation_start, TUNING)
            .when(F.col("event_time") < test_start, VALIDATION)
            .otherwise(None)
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

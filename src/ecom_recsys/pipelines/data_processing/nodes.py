"""Nodes that turn raw REES46 event CSVs into typed, validated, de-duplicated events.

The raw dataset is read with an explicit all-string schema (see the catalog), so
that every value can be parsed here with ``try_cast`` and every row that fails
a check is kept, with its reason, in a quarantine table instead of vanishing.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

logger = logging.getLogger(__name__)

CORRUPT_COLUMN = "_corrupt_record"
RAW_COLUMNS = [
    "event_time",
    "event_type",
    "product_id",
    "category_id",
    "category_code",
    "brand",
    "price",
    "user_id",
    "user_session",
]
# REES46 writes times like ``2019-10-01 00:00:00 UTC``; ``z`` reads the zone.
TIMESTAMP_FORMAT = "yyyy-MM-dd HH:mm:ss z"
_PARSERS = {
    "event_time": lambda c: F.try_to_timestamp(c, F.lit(TIMESTAMP_FORMAT)),
    "product_id": lambda c: c.try_cast("bigint"),
    "category_id": lambda c: c.try_cast("bigint"),
    "price": lambda c: c.try_cast("double"),
    "user_id": lambda c: c.try_cast("bigint"),
}


class DataQualityError(RuntimeError):
    """Raised when too large a share of the input rows is rejected."""


def _first_reason(checks: list[tuple[Column, str]]) -> Column:
    """The reason of the first failing check, or null when every check passes."""
    expr = None
    for failed, reason in checks:
        expr = (
            F.when(failed, F.lit(reason))
            if expr is None
            else expr.when(failed, F.lit(reason))
        )
    return expr.otherwise(F.lit(None).cast("string"))


def check_events(raw: DataFrame, params: dict[str, Any]) -> DataFrame:
    """Parse raw event strings into typed columns and tag every bad row with a reason.

    Checks, in order (a row gets the first that fails): malformed CSV line
    (wrong number of fields), a required field missing, a value that does not
    parse, an unknown event type, a negative price.

    Args:
        raw: Raw events, every column a string, plus ``_corrupt_record``.
        params: ``validation`` parameters: ``event_types`` and ``required``.

    Returns:
        Typed events with ``reject_reason`` (null for good rows) and, for
        rejected rows only, ``source_file`` and ``raw_record`` (the raw values).
    """
    required = list(params["required"])
    unknown = sorted(set(required) - set(RAW_COLUMNS))
    if unknown:
        raise ValueError(
            "parameters_data_processing.yml: validation.required lists unknown "
            f"columns {unknown}; allowed: {RAW_COLUMNS}"
        )
    event_types = list(params["event_types"])
    trimmed = {c: F.nullif(F.trim(F.col(c)), F.lit("")) for c in RAW_COLUMNS}
    parsed = {
        c: _PARSERS[c](trimmed[c]) if c in _PARSERS else trimmed[c] for c in RAW_COLUMNS
    }
    checks: list[tuple[Column, str]] = [
        (F.col(CORRUPT_COLUMN).isNotNull(), "malformed_row")
    ]
    checks += [(trimmed[c].isNull(), f"missing:{c}") for c in required]
    checks += [
        (trimmed[c].isNotNull() & parsed[c].isNull(), f"unparseable:{c}")
        for c in _PARSERS
    ]
    checks += [
        (~F.lower(trimmed["event_type"]).isin(event_types), "unknown_event_type"),
        (parsed["price"] < 0, "negative_price"),
    ]
    reason = _first_reason(checks)
    raw_record = F.coalesce(
        F.col(CORRUPT_COLUMN), F.to_json(F.struct(*[F.col(c) for c in RAW_COLUMNS]))
    )
    return raw.select(
        *[parsed[c].alias(c) for c in RAW_COLUMNS if c != "event_type"],
        F.lower(trimmed["event_type"]).alias("event_type"),
        reason.alias("reject_reason"),
        F.input_file_name().alias("_file"),
        raw_record.alias("_raw"),
    ).select(
        *RAW_COLUMNS,
        "reject_reason",
        F.when(F.col("reject_reason").isNotNull(), F.col("_file")).alias("source_file"),
        F.when(F.col("reject_reason").isNotNull(), F.col("_raw")).alias("raw_record"),
    )


def select_rejected_events(checked: DataFrame) -> DataFrame:
    """The quarantine: rejected rows with their reason, file and raw values."""
    return checked.where(F.col("reject_reason").isNotNull()).select(
        "reject_reason", "source_file", "raw_record"
    )


def select_clean_events(checked: DataFrame) -> DataFrame:
    """Accepted rows with exact duplicate events removed."""
    return (
        checked.where(F.col("reject_reason").isNull())
        .select(*RAW_COLUMNS)
        .dropDuplicates(RAW_COLUMNS)
    )


def summarise_data_quality(
    checked: DataFrame, clean: DataFrame, params: dict[str, Any]
) -> pd.DataFrame:
    """Count rows in, kept and rejected per reason; stop if too many are rejected.

    Rows in = rows kept + rows rejected + exact duplicates dropped.

    Args:
        checked: Output of ``check_events`` (every input row).
        clean: Output of ``select_clean_events``.
        params: ``validation`` parameters with ``max_rejected_share``.

    Returns:
        One row per outcome (``kept``, ``duplicate``, ``rejected:<reason>``)
        with its count and share of the input rows.
    """
    per_reason = (
        checked.groupBy("reject_reason").count().collect()
    )  # one row per reason: a handful, whatever the input size
    counts = {r["reject_reason"]: r["count"] for r in per_reason}
    rows_in = sum(counts.values())
    accepted = counts.pop(None, 0)
    kept = clean.count()
    rejected = sum(counts.values())
    outcome = [("kept", kept), ("duplicate", accepted - kept)] + [
        (f"rejected:{reason}", n) for reason, n in sorted(counts.items())
    ]
    report = pd.DataFrame(outcome, columns=["outcome", "rows"])
    report["share"] = report["rows"] / rows_in if rows_in else 0.0
    report.insert(0, "rows_in", rows_in)
    logger.info(
        "Events data quality: %d rows in = %d kept + %d duplicates + %d rejected %s",
        rows_in,
        kept,
        accepted - kept,
        rejected,
        dict(sorted(counts.items())),
    )
    if rows_in == 0:
        raise DataQualityError(
            "The raw events are empty: data/01_raw/events/ holds no data rows. Put "
            "the REES46 CSV there or run `kedro run --pipelines=demo_data`."
        )
    threshold = float(params["max_rejected_share"])
    if rejected / rows_in > threshold:
        raise DataQualityError(
            f"{rejected} of {rows_in} event rows ({rejected / rows_in:.1%}) were "
            f"rejected, above validation.max_rejected_share={threshold} "
            "(parameters_data_processing.yml). Rejected rows by reason:\n"
            f"{report.to_string(index=False)}\n"
            "Inspect the quarantine dataset events.rejected_events, fix the input, "
            "or raise the threshold."
        )
    return report

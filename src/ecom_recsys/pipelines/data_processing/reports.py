"""Data-quality reports: rows in = kept + duplicates + rejected per reason, for
every table, with accepted times far outside the bulk of the data flagged; and
rows in = accepted + rejected for every raw file."""

from __future__ import annotations

import logging

import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import TimestampType

from ecom_recsys.names import AUDIT_COLUMNS

logger = logging.getLogger(__name__)


def _table_report(table: str, checked: DataFrame, rejected: DataFrame) -> pd.DataFrame:
    # One row per reason: a handful, whatever the input size.
    counts = {
        r["reject_reason"]: r["count"]
        for r in rejected.groupBy("reject_reason").count().collect()
    }
    # Accepted rows and distinct accepted rows (the clean table) in one pass.
    columns = [c for c in checked.columns if c not in AUDIT_COLUMNS]
    totals = (
        checked.where(F.col("reject_reason").isNull())
        .groupBy(*columns)
        .count()
        .agg(F.sum("count").alias("accepted"), F.count(F.lit(1)).alias("kept"))
        .first()
    )
    accepted, kept = int(totals["accepted"] or 0), int(totals["kept"])
    rows_in = accepted + sum(counts.values())
    outcome = [("kept", kept), ("duplicate", accepted - kept)] + [
        (f"rejected:{reason}", n) for reason, n in sorted(counts.items())
    ]
    flags = [(f"flag:far_from_bulk:{c}", n) for c, n in _far_from_bulk(table, checked)]
    report = pd.DataFrame(outcome + flags, columns=["outcome", "rows"])
    report["share"] = report["rows"] / rows_in if rows_in else 0.0
    report.insert(0, "rows_in", rows_in)
    report.insert(0, "table", table)
    logger.info(
        "Data quality of %s: %d rows in = %d kept + %d duplicates + %d rejected %s",
        table,
        rows_in,
        kept,
        accepted - kept,
        rows_in - accepted,
        dict(sorted(counts.items())),
    )
    return report


_DAY = 86400
# Far outside the bulk: more than this many interquartile ranges (at least a day
# each) before the 1st quartile or after the 3rd (Tukey's fences use 1.5 and 3;
# times of a growing shop are skewed, so the fence is wider).
_FENCE = 5


def _outside(seconds: Column, low: float, high: float) -> Column:
    """Far before the quartile ``low`` or far after the quartile ``high``."""
    span = _FENCE * max(high - low, _DAY)
    return (seconds < low - span) | (seconds > high + span)


def _far_from_bulk(table: str, checked: DataFrame) -> list[tuple[str, int]]:
    """Accepted rows per time column dated far outside the bulk of the data
    (more than five interquartile ranges outside the middle half), logged with their range: a wrong clock, unit
    or a test row. They stay kept; only columns that have such rows are listed.
    """
    times = [
        f.name for f in checked.schema.fields if isinstance(f.dataType, TimestampType)
    ]
    if not times:
        return []
    accepted = checked.where(F.col("reject_reason").isNull())
    seconds = {c: F.unix_seconds(F.col(c)) for c in times}
    bulk = accepted.agg(
        *[F.percentile_approx(seconds[c], [0.25, 0.75]).alias(c) for c in times]
    ).first()
    far = {c: _outside(seconds[c], *bulk[c]) for c in times if bulk[c]}
    if not far:
        return []
    found = accepted.agg(
        *[
            agg(F.when(outside, F.col(c))).alias(f"{name}_{c}")
            for c, outside in far.items()
            for name, agg in (("n", F.count), ("first", F.min), ("last", F.max))
        ]
    ).first()
    for c in far:
        if found[f"n_{c}"]:
            low, high = (pd.Timestamp(s, unit="s") for s in bulk[c])
            logger.warning(
                "%s: %d accepted rows have a %s far outside the bulk of the data "
                "(middle half %s to %s), from %s to %s. They are kept: "
                "check the clock or unit of the file that has them.",
                table,
                found[f"n_{c}"],
                c,
                low,
                high,
                found[f"first_{c}"],
                found[f"last_{c}"],
            )
    return [(c, found[f"n_{c}"]) for c in far if found[f"n_{c}"]]


def summarise_data_quality(**frames: DataFrame) -> pd.DataFrame:
    """Count rows in, kept, duplicated and rejected per reason, for every table.

    For each table, rows in = kept + duplicates + rejected; the rejected rows
    are counted in the quarantine as written, so the report and the quarantine
    agree. ``select_clean`` reads this report to decide whether the run goes on.

    Args:
        **frames: ``<table>_checked`` and ``<table>_rejected`` for every table.

    Returns:
        ``table, rows_in, outcome, rows, share``; outcomes are ``kept``,
        ``duplicate`` and ``rejected:<reason>``, and they add up to rows_in.
        ``flag:far_from_bulk:<column>`` rows (only where there are any) are a
        note, not an outcome: accepted rows dated more than five interquartile
        ranges outside the middle half of the times, counted among kept or
        duplicate.
    """
    tables = sorted(
        k.removesuffix("_checked") for k in frames if k.endswith("_checked")
    )
    return pd.concat(
        [
            _table_report(t, frames[f"{t}_checked"], frames[f"{t}_rejected"])
            for t in tables
        ],
        ignore_index=True,
    )


def summarise_files(**checked: DataFrame) -> pd.DataFrame:
    """Rows in, accepted and rejected per raw file of every table.

    Exact duplicates are counted per table (in ``data_quality``), as a row and its
    copy may sit in two files.

    Args:
        **checked: ``<table>_checked`` for every table.

    Returns:
        ``table, file, rows_in, accepted, rejected``, with rows_in = accepted +
        rejected for every file.
    """
    reports = []
    for name in sorted(checked):
        table = name.removesuffix("_checked")
        # One row per file: a handful, whatever the input size.
        per_file = (
            checked[name]
            .groupBy("source_file")
            .agg(
                F.count(F.lit(1)).alias("rows_in"),
                F.count(F.when(F.col("reject_reason").isNull(), 1)).alias("accepted"),
            )
            .orderBy("source_file")
            .collect()
        )
        for row in per_file:
            rejected = row["rows_in"] - row["accepted"]
            reports.append(
                (table, row["source_file"], row["rows_in"], row["accepted"], rejected)
            )
            logger.info(
                "Data quality of %s, file %s: %d rows in = %d accepted + %d rejected",
                table,
                row["source_file"],
                row["rows_in"],
                row["accepted"],
                rejected,
            )
    return pd.DataFrame(
        reports, columns=["table", "file", "rows_in", "accepted", "rejected"]
    )

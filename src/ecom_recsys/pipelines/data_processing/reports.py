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


def _unbalanced_quote() -> Column:
    """True for a malformed line with an odd number of double quotes: a piece of
    a record whose quoted field holds a line break, read line by line."""
    raw = F.col("raw_record")
    quotes = F.length(raw) - F.length(F.replace(raw, F.lit('"'), F.lit("")))
    return (F.col("reject_reason") == "malformed_row") & (quotes % 2 == 1)


def _warn_about_file(source: str, table: str, file: str, invalid: int, split: int):
    dataset = f"{source}.raw_{table}"
    if invalid:
        logger.warning(
            "%s: %s has %d row(s) with text that is not valid UTF-8 (each bad byte "
            "is read as U+FFFD; the rows are kept, and counted in invalid_utf8 of "
            "data_quality_files). If the file is in another encoding, set it in "
            "the load_args of %s, e.g. `encoding: ISO-8859-1` in "
            "conf/local/catalog.yml (see docs/your-data.md).",
            table,
            file,
            invalid,
            dataset,
        )
    if split:
        logger.warning(
            "%s: %s has %d malformed line(s) with an unbalanced quote: a quoted "
            "field with a line break inside splits a record into several lines, "
            "each quarantined as malformed_row. Set `multiLine: true` in the "
            "load_args of %s to read such records whole (see docs/your-data.md).",
            table,
            file,
            split,
            dataset,
        )


def summarise_files(source: str = "<source>", **checked: DataFrame) -> pd.DataFrame:
    """Rows in, accepted and rejected per raw file of every table, and two
    warnings counted in the same pass: rows with text that is not valid UTF-8,
    and malformed lines with an unbalanced quote.

    Exact duplicates are counted per table (in ``data_quality``), as a row and its
    copy may sit in two files.

    Args:
        source: The source, to name its raw datasets in warnings.
        **checked: ``<table>_checked`` for every table.

    Returns:
        ``table, file, rows_in, accepted, rejected, invalid_utf8,
        unbalanced_quotes``, with rows_in = accepted + rejected for every file
        (``invalid_utf8`` rows are among them: kept, or rejected for a reason).
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
                F.count(F.when(F.col("invalid_utf8"), 1)).alias("invalid"),
                F.count(F.when(_unbalanced_quote(), 1)).alias("split"),
            )
            .orderBy("source_file")
            .collect()
        )
        for row in per_file:
            rejected = row["rows_in"] - row["accepted"]
            reports.append(
                (
                    table,
                    row["source_file"],
                    row["rows_in"],
                    row["accepted"],
                    rejected,
                    row["invalid"],
                    row["split"],
                )
            )
            logger.info(
                "Data quality of %s, file %s: %d rows in = %d accepted + %d rejected",
                table,
                row["source_file"],
                row["rows_in"],
                row["accepted"],
                rejected,
            )
            _warn_about_file(
                source, table, row["source_file"], row["invalid"], row["split"]
            )
    return pd.DataFrame(
        reports,
        columns=[
            "table",
            "file",
            "rows_in",
            "accepted",
            "rejected",
            "invalid_utf8",
            "unbalanced_quotes",
        ],
    )

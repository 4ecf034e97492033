"""Data-quality reports: rows in = kept + duplicates + rejected per reason, for
every table, and rows in = accepted + rejected for every raw file."""

from __future__ import annotations

import logging

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

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
    report = pd.DataFrame(outcome, columns=["outcome", "rows"])
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


def summarise_data_quality(**frames: DataFrame) -> pd.DataFrame:
    """Count rows in, kept, duplicated and rejected per reason, for every table.

    For each table, rows in = kept + duplicates + rejected; the rejected rows
    are counted in the quarantine as written, so the report and the quarantine
    agree. ``select_clean`` reads this report to decide whether the run goes on.

    Args:
        **frames: ``<table>_checked`` and ``<table>_rejected`` for every table.

    Returns:
        ``table, rows_in, outcome, rows, share``; outcomes are ``kept``,
        ``duplicate`` and ``rejected:<reason>``.
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

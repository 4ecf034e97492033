"""The quarantine and the gate: rejected rows kept with their reasons, and a
run stopped before any later stage reads a table that rejected too much."""

from __future__ import annotations

from typing import Any

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from ecom_recsys.names import AUDIT_COLUMNS


class DataQualityError(RuntimeError):
    """Raised when too large a share of a table's rows is rejected."""


class TimestampFormatError(DataQualityError):
    """A whole file failed the timestamp format: ``hint`` says which file,
    column, format and parameter (the message's last line)."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(f"{message}\n{hint}")
        self.hint = hint


def timestamp_format_hint(
    checked: DataFrame,
    schema: dict[str, str],
    timestamp_format: str,
    table: str,
    source: str,
) -> str | None:
    """One line when every row of a file failed to parse a timestamp column:
    a format that does not match the file, rather than bad rows."""
    columns = [c for c, t in schema.items() if t == "timestamp"]
    if not columns:
        return None
    reason = F.col("reject_reason")
    per_file = (
        checked.groupBy("source_file")
        .agg(
            F.count(F.lit(1)).alias("_rows"),
            *[
                F.first(
                    F.get_json_object("raw_record", f"$.{c}"), ignorenulls=True
                ).alias(f"_example_{c}")
                for c in columns
            ],
            *[
                F.sum((reason == f"unparseable:{c}").cast("int")).alias(c)
                for c in columns
            ],
        )
        .orderBy("source_file")
        .collect()
    )
    for row in per_file:
        for column in columns:
            if row["_rows"] and row[column] == row["_rows"]:
                example = str(row[f"_example_{column}"] or "")[:40]
                return (
                    f"{row['source_file']}: no value of column '{column}' is a time in "
                    f"the format '{timestamp_format}' (e.g. '{example}'): set "
                    f"data_processing.{source}.tables.{table}.timestamp_format in "
                    "conf/base/parameters_data_processing.yml to the file's format "
                    "(a Spark datetime pattern such as 'dd/MM/yyyy HH:mm', or unix / "
                    "unix_ms)."
                )
    return None


def select_rejected(checked: DataFrame) -> DataFrame:
    """The quarantine: rejected rows with their reason, file and raw values."""
    return checked.where(F.col("reject_reason").isNotNull()).select(*AUDIT_COLUMNS)


def select_clean(
    checked: DataFrame,
    data_quality: pd.DataFrame,
    data_quality_files: pd.DataFrame,
    max_rejected_share: float,
    table: str = "table",
    source: str = "<source>",
    rules: Any = None,
    schema: dict[str, str] | None = None,
) -> DataFrame:
    """Accepted rows, typed, with exact duplicate rows removed.

    This is the gate of the pipeline. It runs after the quarantine and both
    data-quality reports are written (they are its inputs), and stops the run,
    before any later stage reads the table, when the report shows the table has
    no rows or rejects more than ``max_rejected_share`` of them. Every other
    table of the source in the report is checked too, so a bad table stops the
    run before any clean table of its source is replaced: the primary layer
    never mixes tables of two runs.

    Raises:
        DataQualityError: With the report's counts per reason and per file, and
            where the quarantine and the reports are.
    """
    try:
        check_rejected_share(
            data_quality, data_quality_files, max_rejected_share, table, source
        )
    except DataQualityError as error:
        if rules is None or schema is None:
            raise
        timestamp_format = (
            rules.get("timestamp_format")
            if isinstance(rules, dict)
            else rules.timestamp_format
        )
        hint = timestamp_format_hint(
            checked, schema, str(timestamp_format), table, source
        )
        if hint is None:
            raise
        raise TimestampFormatError(str(error), hint) from None
    others = sorted(set(data_quality["table"]) - {table})
    for name in others:
        check_rejected_share(
            data_quality, data_quality_files, max_rejected_share, name, source
        )
    columns = [c for c in checked.columns if c not in AUDIT_COLUMNS]
    return (
        checked.where(F.col("reject_reason").isNull())
        .select(*columns)
        .dropDuplicates(columns)
    )


def check_rejected_share(
    data_quality: pd.DataFrame,
    data_quality_files: pd.DataFrame,
    max_rejected_share: float,
    table: str,
    source: str = "<source>",
) -> None:
    """Raise ``DataQualityError`` when the report of ``table`` shows no rows, or a
    rejected share above ``max_rejected_share``; the message gives the report's
    counts per reason and per file."""
    report = data_quality[data_quality["table"] == table]
    rows_in = int(report["rows_in"].iloc[0]) if len(report) else 0
    if rows_in == 0:
        raise DataQualityError(
            f"No data rows in the raw table '{table}'. Put the source's CSV files in "
            f"data/01_raw/{source}/ (see docs/your-data.md) or generate demo data with "
            f"`kedro run --pipelines=demo_data --namespaces={source}`."
        )
    rejected = {
        outcome.removeprefix("rejected:"): int(n)
        for outcome, n in zip(report["outcome"], report["rows"], strict=True)
        if outcome.startswith("rejected:") and n
    }
    share = sum(rejected.values()) / rows_in
    if share <= float(max_rejected_share):
        return
    reasons = "\n".join(f"  {r}: {n}" for r, n in sorted(rejected.items()))
    files = data_quality_files[data_quality_files["table"] == table]
    per_file = "\n".join(
        f"  {f.file}: {f.rows_in} rows in = {f.accepted} accepted + {f.rejected} "
        "rejected"
        + (
            f" ({f.unbalanced_quotes} malformed lines with an unbalanced quote: a "
            "quoted field with a line break; set `multiLine: true` in the load_args "
            f"of {source}.raw_{table}, see docs/your-data.md)"
            if getattr(f, "unbalanced_quotes", 0)
            else ""
        )
        for f in files.itertuples()
    )
    raise DataQualityError(
        f"Table '{table}': {sum(rejected.values())} of {rows_in} rows "
        f"({share:.2%}) were rejected, above max_rejected_share="
        f"{max_rejected_share} (data_processing.{source}.max_rejected_share in "
        "parameters_data_processing.yml). Rejected rows "
        f"by reason:\n{reasons}\nBy file:\n{per_file}\nThis run wrote the "
        f"quarantine, {source}.{table}_rejected (02_intermediate/{source}/"
        f"{table}_rejected.parquet: each rejected row with its reason, file and raw "
        f"values), and the report, {source}.data_quality (08_reporting/{source}/"
        "data_quality.csv). Fix the input, or raise the threshold."
    )

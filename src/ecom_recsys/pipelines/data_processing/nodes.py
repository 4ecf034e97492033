"""Nodes that turn raw CSV tables into typed, validated, de-duplicated tables.

Every raw table is read with an explicit all-string schema (see the catalog), so
each value is parsed here with ``try_cast`` and every row that fails a check is
kept, with its reason, in a quarantine table instead of vanishing. The same nodes
serve every table of every source; the typed schemas live in
``ecom_recsys.schemas`` and the rules in ``parameters_data_processing.yml``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pandas as pd
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from ecom_recsys.names import CORRUPT_COLUMN

logger = logging.getLogger(__name__)

AUDIT_COLUMNS = ["reject_reason", "source_file", "raw_record"]
DEFAULT_TIMESTAMP_FORMAT = "yyyy-MM-dd HH:mm:ss"


class DataQualityError(RuntimeError):
    """Raised when too large a share of a table's rows is rejected."""


def _integral(c: Column) -> Column:
    """An int, also from ``5.0`` (files re-saved with pandas); null otherwise."""
    as_double = c.try_cast("double")
    return F.when(as_double == F.floor(as_double), as_double.try_cast("int"))


def _parsers(rules: dict[str, Any]) -> dict[str, Callable[[Column], Column]]:
    fmt = F.lit(rules.get("timestamp_format", DEFAULT_TIMESTAMP_FORMAT))
    return {
        "string": lambda c: c,
        "int": _integral,
        "long": lambda c: c.try_cast("bigint"),
        "double": lambda c: c.try_cast("double"),
        "timestamp": (
            (lambda c: F.timestamp_seconds(c.try_cast("bigint")))
            if rules.get("timestamp_format") == "unix"
            else (lambda c: F.try_to_timestamp(c, fmt))
        ),
    }


def _first_reason(checks: list[tuple[Column, str]]) -> Column:
    """The reason of the first failing check, or null when every check passes."""
    expr = None
    for failed, reason in checks:
        if expr is None:
            expr = F.when(failed, F.lit(reason))
        else:
            expr = expr.when(failed, F.lit(reason))
    return expr.otherwise(F.lit(None).cast("string"))


def _validate_rules(schema: dict[str, str], rules: dict[str, Any]) -> None:
    named = (
        list(rules.get("required", []))
        + list(rules.get("allowed", {}))
        + list(rules.get("non_negative", []))
        + list(rules.get("unique", []))
    )
    unknown = sorted(set(named) - set(schema))
    if unknown:
        raise ValueError(
            f"parameters_data_processing.yml: validation rules name unknown columns "
            f"{unknown}; the table has {list(schema)}"
        )


def check_rows(
    raw: DataFrame, rules: dict[str, Any], schema: dict[str, str]
) -> DataFrame:
    """Parse raw strings into typed columns and tag every bad row with a reason.

    Checks, in order (a row gets the first that fails): ``malformed_row`` (wrong
    number of fields), ``missing:<col>`` (a required field is empty),
    ``unparseable:<col>``, ``not_allowed:<col>`` (a value outside
    ``rules.allowed``, compared in lower case), ``negative:<col>`` and
    ``duplicate_key:<col>`` (a ``rules.unique`` key on rows that differ).

    Args:
        raw: The raw table, every column a string, plus ``_corrupt_record``.
        rules: ``required``, ``allowed``, ``non_negative``, ``unique``,
            ``timestamp_format``.
        schema: Column name -> type (see ``ecom_recsys.schemas``).

    Returns:
        The typed columns, ``reject_reason`` (null for good rows) and, for rejected
        rows only, ``raw_record`` (the raw values as JSON, or the raw line when it
        was malformed); ``source_file`` (the raw file) for every row.
    """
    _validate_rules(schema, rules)
    allowed = {
        c: [str(v).lower() for v in vs] for c, vs in rules.get("allowed", {}).items()
    }
    parsers = _parsers(rules)
    # Three projections, so that each value is trimmed and parsed once: the checks
    # below read every parsed column more than once, and Spark does not share
    # an expression between the branches of a CASE WHEN (parsing timestamps
    # twice cost a third of this node's time).
    trimmed = raw.select(
        *[
            (F.lower(F.trim(F.col(c))) if c in allowed else F.trim(F.col(c))).alias(
                f"_t_{c}"
            )
            for c in schema
        ],
        F.col(CORRUPT_COLUMN),
        F.input_file_name().alias("source_file"),
        *[F.col(c) for c in schema],
    ).select(
        "*",
        *[
            parsers[t](F.nullif(F.col(f"_t_{c}"), F.lit(""))).alias(f"_p_{c}")
            for c, t in schema.items()
        ],
    )
    text = {c: F.nullif(F.col(f"_t_{c}"), F.lit("")) for c in schema}
    parsed = {c: F.col(f"_p_{c}") for c in schema}
    checks: list[tuple[Column, str]] = [
        (F.col(CORRUPT_COLUMN).isNotNull(), "malformed_row")
    ]
    checks += [(text[c].isNull(), f"missing:{c}") for c in rules.get("required", [])]
    checks += [
        (text[c].isNotNull() & parsed[c].isNull(), f"unparseable:{c}")
        for c, t in schema.items()
        if t != "string"
    ]
    # Allowed values compare as text for text columns, as parsed values otherwise
    # (so a review score written 5.0 is the allowed 5).
    checks += [
        (
            ~(text[c] if schema[c] == "string" else parsed[c]).isin(
                vs if schema[c] == "string" else [float(v) for v in vs]
            ),
            f"not_allowed:{c}",
        )
        for c, vs in allowed.items()
    ]
    checks += [(parsed[c] < 0, f"negative:{c}") for c in rules.get("non_negative", [])]
    # A key shared by rows with different contents is ambiguous (two exports
    # merged, say): all of them are quarantined. Exact copies stay "duplicate".
    row = F.struct(*[parsed[c] for c in schema])
    checks += [
        (
            text[c].isNotNull()
            & (F.size(F.collect_set(row).over(Window.partitionBy(text[c]))) > 1),
            f"duplicate_key:{c}",
        )
        for c in rules.get("unique", [])
    ]
    raw_record = F.coalesce(
        F.col(CORRUPT_COLUMN), F.to_json(F.struct(*[F.col(c) for c in schema]))
    )
    return trimmed.withColumn("reject_reason", _first_reason(checks)).select(
        *[parsed[c].alias(c) for c in schema],
        "reject_reason",
        "source_file",
        F.when(F.col("reject_reason").isNotNull(), raw_record).alias("raw_record"),
    )


def rename_columns(raw: DataFrame, columns: dict[str, str | None]) -> DataFrame:
    """Give a generic interactions file's columns their canonical names.

    ``columns`` maps ``user``, ``item``, ``timestamp`` (required) and ``rating``,
    ``weight`` (optional, null to leave out) to the file's column names.
    """
    canonical = {
        "user": "user_id",
        "item": "product_id",
        "rating": "rating",
        "weight": "weight",
        "timestamp": "event_time",
    }
    for key in ("user", "item", "timestamp"):
        if not columns.get(key):
            raise ValueError(
                f"parameters_data_processing.yml: interactions columns.{key} must "
                "name a column of the raw file"
            )
    missing = {k: v for k, v in columns.items() if v and v not in raw.columns}
    if missing:
        found = [c for c in raw.columns if c != CORRUPT_COLUMN]
        raise ValueError(
            f"parameters_data_processing.yml: interactions columns {missing} are not "
            f"in the raw file (data/01_raw/interactions/), whose header has {found}. "
            "Name the file's columns in columns.user, columns.item, "
            "columns.timestamp (and columns.rating / columns.weight, or null)."
        )
    corrupt = (
        F.col(CORRUPT_COLUMN)
        if CORRUPT_COLUMN in raw.columns
        else F.lit(None).cast("string")
    )
    return raw.select(
        *[
            (F.col(columns[k]) if columns.get(k) else F.lit(None))
            .cast("string")
            .alias(v)
            for k, v in canonical.items()
        ],
        corrupt.alias(CORRUPT_COLUMN),
    )


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
    others = sorted(set(data_quality["table"]) - {table})
    for name in [table, *others]:
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
            f"data/01_raw/{source}/ (see the README) or generate demo data with "
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
        for f in files.itertuples()
    )
    raise DataQualityError(
        f"Table '{table}': {sum(rejected.values())} of {rows_in} rows "
        f"({share:.2%}) were rejected, above max_rejected_share="
        f"{max_rejected_share} (parameters_data_processing.yml). Rejected rows "
        f"by reason:\n{reasons}\nBy file:\n{per_file}\nThis run wrote the "
        f"quarantine, {source}.{table}_rejected (02_intermediate/{source}/"
        f"{table}_rejected.parquet: each rejected row with its reason, file and raw "
        f"values), and the report, {source}.data_quality (08_reporting/{source}/"
        "data_quality.csv). Fix the input, or raise the threshold."
    )


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

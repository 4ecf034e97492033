"""Row checks: raw CSV text parsed into typed columns, every bad row tagged with
its reason instead of vanishing.

Every raw table is read with an explicit all-string schema (see the catalog), so
each value is parsed here with ``try_cast``. The same nodes serve every table of
every source; the typed schemas live in ``ecom_recsys.schemas`` and the rules
in ``parameters_data_processing.yml`` (typed by ``ecom_recsys.params``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from ecom_recsys.names import (
    CORRUPT_COLUMN,
    PRODUCT_ID,
    REPLACEMENT_CHARACTER,
    USER_ID,
)
from ecom_recsys.params import ColumnsParams, TableRules


def _integral(c: Column) -> Column:
    """An int, also from ``5.0`` (files re-saved with pandas); null otherwise."""
    as_double = c.try_cast("double")
    return F.when(as_double == F.floor(as_double), as_double.try_cast("int"))


def _first_reason(checks: list[tuple[Column, str]]) -> Column:
    """The reason of the first failing check, or null when every check passes."""
    expr = None
    for failed, reason in checks:
        if expr is None:
            expr = F.when(failed, F.lit(reason))
        else:
            expr = expr.when(failed, F.lit(reason))
    return expr.otherwise(F.lit(None).cast("string"))


def _parsers(rules: TableRules) -> dict[str, Callable[[Column], Column]]:
    """A parser per schema type; null where a value does not parse."""
    if rules.timestamp_format == "unix":
        timestamp = lambda c: F.timestamp_seconds(c.try_cast("bigint"))  # noqa: E731
    elif rules.timestamp_format == "unix_ms":
        timestamp = lambda c: F.timestamp_millis(c.try_cast("bigint"))  # noqa: E731
    else:
        timestamp = lambda c: F.try_to_timestamp(c, F.lit(rules.timestamp_format))  # noqa: E731
    return {
        "string": lambda c: c,
        "int": _integral,
        "long": lambda c: c.try_cast("bigint"),
        "double": lambda c: c.try_cast("double"),
        "timestamp": timestamp,
    }


def _parse(raw: DataFrame, schema: dict[str, str], rules: TableRules) -> DataFrame:
    """Each value trimmed (``_t_<col>``, lower case where values are
    ``allowed``) and parsed (``_p_<col>``) once, beside the raw columns.

    Three projections, so that each value is trimmed and parsed once: the checks
    read every parsed column more than once, and Spark does not share an
    expression between the branches of a CASE WHEN (parsing timestamps twice
    cost a third of this node's time).
    """
    parsers = _parsers(rules)
    trimmed = raw.select(
        *[
            (
                F.lower(F.trim(F.col(c))) if c in rules.allowed else F.trim(F.col(c))
            ).alias(f"_t_{c}")
            for c in schema
        ],
        F.col(CORRUPT_COLUMN),
        F.input_file_name().alias("source_file"),
        *[F.col(c) for c in schema],
        # Flagged while the raw text is at hand: the reports then read one
        # boolean column instead of every text column again.
        F.coalesce(
            reduce(
                lambda a, b: a | b,
                [
                    F.col(c).contains(REPLACEMENT_CHARACTER)
                    for c in [*schema, CORRUPT_COLUMN]
                ],
            ),
            F.lit(False),
        ).alias("invalid_utf8"),
    )
    return trimmed.select(
        "*",
        *[
            parsers[t](F.nullif(F.col(f"_t_{c}"), F.lit(""))).alias(f"_p_{c}")
            for c, t in schema.items()
        ],
    )


def _checks(schema: dict[str, str], rules: TableRules) -> list[tuple[Column, str]]:
    """Every check of a row as (failed, reason), in the order they apply."""
    text = {c: F.nullif(F.col(f"_t_{c}"), F.lit("")) for c in schema}
    parsed = {c: F.col(f"_p_{c}") for c in schema}
    checks = [(F.col(CORRUPT_COLUMN).isNotNull(), "malformed_row")]
    checks += [(text[c].isNull(), f"missing:{c}") for c in rules.required]
    checks += [
        (text[c].isNotNull() & parsed[c].isNull(), f"unparseable:{c}")
        for c, t in schema.items()
        if t != "string"
    ]
    # Allowed values compare as text for text columns, as parsed values otherwise
    # (so a review score written 5.0 is the allowed 5).
    for c, values in rules.allowed.items():
        if schema[c] == "string":
            allowed = text[c].isin([str(v).lower() for v in values])
        else:
            allowed = parsed[c].isin([float(v) for v in values])
        checks.append((~allowed, f"not_allowed:{c}"))
    checks += [(parsed[c] < 0, f"negative:{c}") for c in rules.non_negative]
    # A day's grace for clocks and zones; later is a wrong clock or unit.
    latest = F.current_timestamp() + F.expr("INTERVAL 1 DAY")
    checks += [(parsed[c] > latest, f"future:{c}") for c in rules.not_future]
    # A key shared by rows with different contents is ambiguous (two exports
    # merged, say): all of them are quarantined. Exact copies stay "duplicate".
    row = F.struct(*[parsed[c] for c in schema])
    checks += [
        (
            text[c].isNotNull()
            & (F.size(F.collect_set(row).over(Window.partitionBy(text[c]))) > 1),
            f"duplicate_key:{c}",
        )
        for c in rules.unique
    ]
    return checks


def check_rows(raw: DataFrame, rules: TableRules, schema: dict[str, str]) -> DataFrame:
    """Parse raw strings into typed columns and tag every bad row with a reason.

    Checks, in order (a row gets the first that fails): ``malformed_row`` (wrong
    number of fields), ``missing:<col>`` (a required field is empty),
    ``unparseable:<col>``, ``not_allowed:<col>`` (a value outside
    ``rules.allowed``, compared in lower case), ``negative:<col>``,
    ``future:<col>`` (a ``rules.not_future`` time after the run's day) and
    ``duplicate_key:<col>`` (a ``rules.unique`` key on rows that differ).

    Args:
        raw: The raw table, every column a string, plus ``_corrupt_record``.
        rules: The table's rules (their columns are checked against the schema
            with the parameters, before the run).
        schema: Column name -> type (see ``ecom_recsys.schemas``).

    Returns:
        The typed columns, ``reject_reason`` (null for good rows) and, for rejected
        rows only, ``raw_record`` (the raw values as JSON, or the raw line when it
        was malformed); ``source_file`` (the raw file) and ``invalid_utf8`` (its
        text held U+FFFD: bytes not valid in the file's encoding, kept so) for
        every row.
    """
    raw_record = F.coalesce(
        F.col(CORRUPT_COLUMN), F.to_json(F.struct(*[F.col(c) for c in schema]))
    )
    return (
        _parse(raw, schema, rules)
        .withColumn("reject_reason", _first_reason(_checks(schema, rules)))
        .select(
            *[F.col(f"_p_{c}").alias(c) for c in schema],
            "reject_reason",
            "source_file",
            F.when(F.col("reject_reason").isNotNull(), raw_record).alias("raw_record"),
            "invalid_utf8",
        )
    )


def rename_columns(raw: DataFrame, columns: ColumnsParams) -> DataFrame:
    """Give a generic interactions file's columns their canonical names.

    ``columns`` names the file's ``user``, ``item`` and ``timestamp`` columns,
    and its ``rating`` and ``weight`` columns where it has them (null: none).
    """
    canonical = {
        "user": USER_ID,
        "item": PRODUCT_ID,
        "rating": "rating",
        "weight": "weight",
        "timestamp": "event_time",
    }
    named = columns.model_dump()
    missing = {k: v for k, v in named.items() if v and v not in raw.columns}
    if missing:
        found = [c for c in raw.columns if c != CORRUPT_COLUMN]
        raise ValueError(
            f"data_processing.interactions.columns: {missing} are not in the raw "
            f"file (data/01_raw/interactions/), whose header has {found}. Name the "
            "file's columns in columns.user, columns.item, columns.timestamp (and "
            "columns.rating / columns.weight, or null) of "
            "parameters_data_processing.yml."
        )
    corrupt = (
        F.col(CORRUPT_COLUMN)
        if CORRUPT_COLUMN in raw.columns
        else F.lit(None).cast("string")
    )
    return raw.select(
        *[
            (F.col(named[k]) if named[k] else F.lit(None)).cast("string").alias(v)
            for k, v in canonical.items()
        ],
        corrupt.alias(CORRUPT_COLUMN),
    )

"""Unit tests for the data_processing nodes on tiny frames."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from pyspark.sql import SparkSession

from ecom_recsys.params import ColumnsParams, TableRules
from ecom_recsys.pipelines.data_processing.checks import check_rows, rename_columns
from ecom_recsys.pipelines.data_processing.quarantine import (
    DataQualityError,
    select_clean,
    select_rejected,
)
from ecom_recsys.pipelines.data_processing.reports import (
    summarise_data_quality,
    summarise_files,
)
from ecom_recsys.schemas import EVENTS, INTERACTIONS
from tests.conftest import rows

SCHEMA = EVENTS["events"]
RAW_COLUMNS = list(SCHEMA)

PARAMS = {
    "required": [
        "event_time",
        "event_type",
        "product_id",
        "category_id",
        "price",
        "user_id",
    ],
    "allowed": {"event_type": ["view", "cart", "remove_from_cart", "purchase"]},
    "non_negative": ["price"],
    "timestamp_format": "yyyy-MM-dd HH:mm:ss z",
}


def check_events(raw, rules):
    return check_rows(raw, TableRules.model_validate(rules), SCHEMA)


def summarise(checked, table="events"):
    return summarise_data_quality(
        **{f"{table}_checked": checked, f"{table}_rejected": select_rejected(checked)}
    )


def clean(checked, max_rejected_share=1.0, table="events"):
    """The gate, on the reports of ``checked`` as the pipeline writes them."""
    files = summarise_files(**{f"{table}_checked": checked})
    return select_clean(
        checked, summarise(checked, table), files, max_rejected_share, table, "events"
    )


GOOD = [
    "2019-10-01 00:00:00 UTC",
    "view",
    "44600062",
    "2103807459595387724",
    "",
    "shiseido",
    "35.79",
    "541312140",
    "72d76fde-8bb3-4e00-8c23-a032dfed738c",
]


def _raw(spark: SparkSession, records: list[list[str | None]], corrupt=None):
    corrupt = corrupt or [None] * len(records)
    data = [(*r, c) for r, c in zip(records, corrupt, strict=True)]
    schema = ", ".join(f"{c} string" for c in [*RAW_COLUMNS, "_corrupt_record"])
    return spark.createDataFrame(data, schema)


def _with(**changes: str | None) -> list[str | None]:
    row = list(GOOD)
    for name, value in changes.items():
        row[RAW_COLUMNS.index(name)] = value
    return row


CASES = [
    (_with(), None),
    (_with(event_type=" Purchase "), None),
    (_with(user_id=None), "missing:user_id"),
    (_with(price="  "), "missing:price"),
    (_with(event_time="2019-13-45 99:00:00 UTC"), "unparseable:event_time"),
    (_with(product_id="12ab"), "unparseable:product_id"),
    (_with(category_id="99999999999999999999"), "unparseable:category_id"),
    (_with(price="1,5"), "unparseable:price"),
    (_with(event_type="wishlist"), "not_allowed:event_type"),
    (_with(price="-0.01"), "negative:price"),
    (_with(user_session=None, brand=None, category_code=None), None),
]


def test_check_events_tags_each_bad_row_with_its_reason(spark):
    raw = _raw(spark, [c[0] for c in CASES])
    checked = check_events(raw, PARAMS).collect()
    assert [r["reject_reason"] for r in checked] == [c[1] for c in CASES]


def test_check_events_parses_types_and_normalises_values(spark):
    row = check_events(_raw(spark, [_with(event_type=" Purchase ")]), PARAMS).first()
    assert row["event_time"] == datetime(2019, 10, 1, 0, 0, 0)
    assert row["event_type"] == "purchase"
    assert row["product_id"] == 44600062
    assert row["category_id"] == 2103807459595387724  # needs 64 bits
    assert row["category_code"] is None  # empty string means missing
    assert row["price"] == pytest.approx(35.79)
    assert row["raw_record"] is None


def test_check_events_reads_non_utc_zone_correctly(spark):
    row = check_events(
        _raw(spark, [_with(event_time="2019-10-01 03:00:00 GMT+03:00")]), PARAMS
    ).first()
    assert row["event_time"] == datetime(2019, 10, 1, 0, 0, 0)


def test_malformed_line_is_quarantined_with_its_raw_text(spark):
    line = "2019-10-01 00:00:00 UTC,view,44600062"
    raw = _raw(spark, [_with(), _with()], corrupt=[None, line])
    rejected = select_rejected(check_events(raw, PARAMS)).collect()
    assert [(r["reject_reason"], r["raw_record"]) for r in rejected] == [
        ("malformed_row", line)
    ]


def test_rejected_rows_keep_their_raw_values(spark):
    raw = _raw(spark, [_with(price="abc")])
    (row,) = select_rejected(check_events(raw, PARAMS)).collect()
    assert row["reject_reason"] == "unparseable:price"
    assert json.loads(row["raw_record"])["price"] == "abc"


def test_clean_events_drop_exact_duplicates_only(spark):
    raw = _raw(spark, [_with(), _with(), _with(price="35.80"), _with(user_id="x")])
    kept = clean(check_events(raw, PARAMS))
    assert kept.columns == RAW_COLUMNS
    assert sorted(r["price"] for r in kept.collect()) == [35.79, 35.80]


def test_data_quality_report_balances_rows_in_and_out(spark):
    raw = _raw(
        spark,
        [
            _with(),
            _with(),
            _with(price="-1"),
            _with(user_id=None),
            _with(user_id=None),
            _with(product_id="2"),
        ],
    )
    checked = check_events(raw, PARAMS)
    report = summarise(checked)
    assert report.drop(columns="table").to_dict("records") == [
        {"rows_in": 6, "outcome": "kept", "rows": 2, "share": 2 / 6},
        {"rows_in": 6, "outcome": "duplicate", "rows": 1, "share": 1 / 6},
        {
            "rows_in": 6,
            "outcome": "rejected:missing:user_id",
            "rows": 2,
            "share": 2 / 6,
        },
        {"rows_in": 6, "outcome": "rejected:negative:price", "rows": 1, "share": 1 / 6},
    ]
    assert set(report["table"]) == {"events"}


def test_too_many_rejected_rows_stop_the_run_with_the_report(spark):
    raw = _raw(spark, [_with(), _with(price="-1"), _with(price="-2")])
    checked = check_events(raw, PARAMS)
    with pytest.raises(DataQualityError) as error:
        clean(checked, 0.5)
    message = str(error.value)
    assert "Table 'events': 2 of 3 rows (66.67%) were rejected" in message
    assert "max_rejected_share=0.5" in message
    assert "negative:price: 2" in message
    assert "3 rows in = 1 accepted + 2 rejected" in message
    assert "events.events_rejected (02_intermediate/events/events_rejected" in message


def test_a_bad_table_stops_the_clean_tables_of_its_source_too(spark):
    good = check_events(_raw(spark, [_with()]), PARAMS)
    bad = check_events(_raw(spark, [_with(), _with(price="-1")]), PARAMS)
    frames = {"events_checked": good, "other_checked": bad}
    report = summarise_data_quality(
        **frames,
        **{f"{k[:-8]}_rejected": select_rejected(v) for k, v in frames.items()},
    )
    files = summarise_files(**frames)
    with pytest.raises(DataQualityError, match="Table 'other': 1 of 2 rows"):
        select_clean(good, report, files, 0.1, "events", "events")
    assert select_clean(good, report, files, 0.5, "events", "events").count() == 1


def test_empty_input_is_a_clear_error(spark):
    checked = check_events(_raw(spark, []), PARAMS)
    with pytest.raises(
        DataQualityError, match="No data rows in the raw table 'events'"
    ):
        clean(checked)


def test_allowed_values_of_numeric_columns_compare_parsed_values(spark):
    schema = {"review_id": "string", "review_score": "int"}
    rules = {"required": ["review_id"], "allowed": {"review_score": [1, 2, 3, 4, 5]}}
    raw = spark.createDataFrame(
        [("a", "5", None), ("b", "5.0", None), ("c", "6", None), ("d", "4.5", None)],
        "review_id string, review_score string, _corrupt_record string",
    )
    reasons = [
        r["reject_reason"]
        for r in check_rows(raw, TableRules.model_validate(rules), schema).collect()
    ]
    assert reasons == [
        None,
        None,
        "not_allowed:review_score",
        "unparseable:review_score",
    ]


def test_conflicting_rows_of_a_unique_key_are_quarantined(spark):
    schema = {"product_id": "string", "weight": "double"}
    rules = {"required": ["product_id"], "unique": ["product_id"]}
    raw = spark.createDataFrame(
        [("p1", "1", None), ("p1", "2", None), ("p2", "5", None), ("p2", "5", None)],
        "product_id string, weight string, _corrupt_record string",
    )
    checked = check_rows(raw, TableRules.model_validate(rules), schema)
    assert rows(
        checked.select("product_id", "weight", "reject_reason"), "product_id", "weight"
    ) == [
        ("p1", 1.0, "duplicate_key:product_id"),
        ("p1", 2.0, "duplicate_key:product_id"),
        ("p2", 5.0, None),  # exact copies: one is kept as clean, one is a duplicate
        ("p2", 5.0, None),
    ]
    assert clean(checked, table="products").count() == 1


def test_generic_columns_are_renamed_and_unix_times_parsed(spark):
    raw = spark.createDataFrame(
        [("1", "31", "2.5", "1260759144"), ("1", "x", "9", "soon")],
        "userId string, movieId string, rating string, timestamp string",
    )
    columns = {
        "user": "userId",
        "item": "movieId",
        "rating": "rating",
        "weight": None,
        "timestamp": "timestamp",
    }
    renamed = rename_columns(raw, ColumnsParams.model_validate(columns))
    assert renamed.columns == [
        "user_id",
        "product_id",
        "rating",
        "weight",
        "event_time",
        "_corrupt_record",
    ]
    schema = INTERACTIONS["interactions"]
    rules = {
        "required": ["user_id", "product_id", "event_time"],
        "timestamp_format": "unix",
    }
    checked = check_rows(renamed, TableRules.model_validate(rules), schema).collect()
    assert checked[0]["event_time"] == datetime(2009, 12, 14, 2, 52, 24)
    assert checked[0]["rating"] == 2.5 and checked[0]["weight"] is None
    assert checked[1]["reject_reason"] == "unparseable:event_time"
    with pytest.raises(
        ValueError, match=r"columns: \{'item': 'itemId'\} are not in the raw file"
    ):
        rename_columns(raw, ColumnsParams.model_validate({**columns, "item": "itemId"}))


def test_files_report_counts_rows_in_accepted_and_rejected_per_file(spark, tmp_path):
    header = ",".join(RAW_COLUMNS)
    good, bad = ",".join(GOOD), ",".join(_with(price="-1"))
    (tmp_path / "2019-Oct.csv").write_text(f"{header}\n{good}\n{bad}\n{good}\n")
    (tmp_path / "2019-Nov.csv").write_text(f"{header}\n{good}\n")
    schema = ", ".join(f"{c} string" for c in [*RAW_COLUMNS, "_corrupt_record"])
    raw = spark.read.csv(str(tmp_path), header=True, schema=schema)
    report = summarise_files(events_checked=check_events(raw, PARAMS))
    report["file"] = report["file"].str.rsplit("/", n=1).str[-1]
    assert report.to_dict("records") == [
        {
            "table": "events",
            "file": "2019-Nov.csv",
            "rows_in": 1,
            "accepted": 1,
            "rejected": 0,
            "invalid_utf8": 0,
            "unbalanced_quotes": 0,
        },
        {
            "table": "events",
            "file": "2019-Oct.csv",
            "rows_in": 3,
            "accepted": 2,
            "rejected": 1,
            "invalid_utf8": 0,
            "unbalanced_quotes": 0,
        },
    ]


def test_files_report_counts_text_not_utf8_and_split_records_and_says_what_to_do(
    spark, tmp_path, caplog
):
    header = ",".join(RAW_COLUMNS)
    good = ",".join(GOOD)
    latin_1 = ",".join(_with(brand="nestlé"))
    split = ",".join(_with(brand='"shiseido\njapan"'))
    (tmp_path / "2019-Oct.csv").write_bytes(
        f"{header}\n{good}\n{latin_1}\n{split}\n".encode("latin-1")
    )
    schema = ", ".join(f"{c} string" for c in [*RAW_COLUMNS, "_corrupt_record"])
    raw = spark.read.csv(str(tmp_path), header=True, schema=schema)
    with caplog.at_level("WARNING", logger=summarise_files.__module__):
        report = summarise_files(
            source="events", events_checked=check_events(raw, PARAMS)
        )
    # 5 lines in: the split record's two pieces are malformed; the Latin-1 row is kept
    assert report[
        ["rows_in", "accepted", "rejected", "invalid_utf8", "unbalanced_quotes"]
    ].values.tolist() == [[4, 2, 2, 1, 2]]
    assert "2019-Oct.csv has 1 row(s) with text that is not valid UTF-8" in caplog.text
    assert "load_args of events.raw_events, e.g. `encoding: ISO-8859-1`" in caplog.text
    assert (
        "2019-Oct.csv has 2 malformed line(s) with an unbalanced quote" in caplog.text
    )
    assert "Set `multiLine: true` in the load_args of events.raw_events" in caplog.text


def test_unix_milliseconds_are_read_with_unix_ms(spark):
    raw = spark.createDataFrame(
        [("1", "31", "2.5", None, "1260759144000", None)],
        "user_id string, product_id string, rating string, weight string, "
        "event_time string, _corrupt_record string",
    )
    rules = TableRules(required=["event_time"], timestamp_format="unix_ms")
    (row,) = check_rows(raw, rules, INTERACTIONS["interactions"]).collect()
    assert row["event_time"] == datetime(2009, 12, 14, 2, 52, 24)
    assert row["reject_reason"] is None


def test_times_after_the_run_are_quarantined_as_future(spark):
    rules = {**PARAMS, "not_future": ["event_time"]}
    raw = _raw(spark, [_with(), _with(event_time="2099-01-01 00:00:00 UTC")])
    reasons = [r.reject_reason for r in check_events(raw, rules).collect()]
    assert reasons == [None, "future:event_time"]


def test_times_far_outside_the_bulk_are_flagged_and_kept(spark, caplog):
    # 200 rows over 2019-10-01..2019-10-08 and one in 1970 (a zero unix time)
    times = [f"2019-10-0{1 + i % 8} 10:00:00 UTC" for i in range(200)]
    records = [_with(event_time=t, user_id=str(i)) for i, t in enumerate(times)]
    records.append(_with(event_time="1970-01-01 00:00:00 UTC", user_id="999"))
    report = summarise(check_events(_raw(spark, records), PARAMS))
    outcomes = dict(zip(report["outcome"], report["rows"], strict=True))
    assert outcomes == {
        "kept": 201,
        "duplicate": 0,
        "flag:far_from_bulk:event_time": 1,
    }
    assert "1 accepted rows have a event_time far outside the bulk" in caplog.text
    assert "from 1970-01-01 00:00:00 to 1970-01-01 00:00:00" in caplog.text


def test_no_flag_when_times_stay_near_the_bulk(spark):
    times = [f"2019-10-0{1 + i % 8} 10:00:00 UTC" for i in range(50)]
    records = [_with(event_time=t, user_id=str(i)) for i, t in enumerate(times)]
    report = summarise(check_events(_raw(spark, records), PARAMS))
    assert list(report["outcome"]) == ["kept", "duplicate"]

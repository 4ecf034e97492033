"""The catalog's raw CSV readers accept the real files' quirks."""

from __future__ import annotations

import gzip

from ecom_recsys.params import TableRules
from ecom_recsys.pipelines.data_processing.checks import check_rows
from ecom_recsys.schemas import EVENTS
from tests.conftest import raw_dataset


def test_olist_reader_takes_a_bom_and_quoted_headers(spark, tmp_path):
    path = tmp_path / "product_category_name_translation.csv"
    path.write_bytes(
        b'\xef\xbb\xbf"product_category_name","product_category_name_english"\n'
        b'"beleza_saude","health_beauty"\ninformatica_acessorios,computers_accessories\n'
    )
    df = raw_dataset("orders.raw_category_translation", path).load()
    assert [tuple(r) for r in df.collect()] == [
        ("beleza_saude", "health_beauty", None),
        ("informatica_acessorios", "computers_accessories", None),
    ]


def test_olist_reader_keeps_multiline_review_comments(spark, tmp_path):
    path = tmp_path / "olist_order_reviews_dataset.csv"
    path.write_text(
        "review_id,order_id,review_score,review_comment_title,review_comment_message,"
        "review_creation_date,review_answer_timestamp\n"
        'r1,o1,5,,"Chegou antes do prazo.\nRecomendo ""muito""",2018-01-18 00:00:00,'
        "2018-01-18 19:12:30\n"
        "r2,o2,1,,,2018-01-19 00:00:00,2018-01-19 10:00:00\n"
    )
    rows = raw_dataset("orders.raw_order_reviews", path).load().collect()
    assert len(rows) == 2
    assert (
        rows[0]["review_comment_message"] == 'Chegou antes do prazo.\nRecomendo "muito"'
    )
    assert rows[1]["review_score"] == "1" and rows[1]["_corrupt_record"] is None


def test_events_reader_marks_lines_with_a_wrong_number_of_fields(spark, tmp_path):
    path = tmp_path / "events.csv"
    header = "event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session"
    path.write_text(
        f"{header}\n"
        "2019-10-01 00:00:00 UTC,view,1,2,,acme,3.5,4,s\n"
        "2019-10-01 00:00:00 UTC,view,1\n"
    )
    rows = raw_dataset("events.raw_events", path).load().collect()
    assert rows[0]["_corrupt_record"] is None
    assert rows[1]["_corrupt_record"] == "2019-10-01 00:00:00 UTC,view,1"


def test_generic_reader_marks_short_and_long_lines_whatever_is_selected(
    spark, tmp_path
):
    (tmp_path / "ratings.csv").write_text(
        "userId,movieId,rating,timestamp,tag\n"
        "1,31,2.5,1260759144,a\n"
        "1,32,3.0\n"
        "1,33,4.0,1260759144,b,extra\n"
    )
    raw = raw_dataset("interactions.raw_interactions", tmp_path).load()
    assert raw.columns == [
        "userId",
        "movieId",
        "rating",
        "timestamp",
        "tag",
        "_corrupt_record",
    ]
    # only two of the columns: Spark must still parse whole lines
    selected = raw.select("userId", "movieId", "_corrupt_record").collect()
    assert [tuple(r) for r in selected] == [
        ("1", "31", None),
        ("1", "32", "1,32,3.0"),
        ("1", "33", "1,33,4.0,1260759144,b,extra"),
    ]


def test_events_columns_are_read_by_name_in_any_order_extra_ones_left_out(
    spark, tmp_path
):
    # a pandas export: an unnamed index column first, columns in another order
    (tmp_path / "events.csv").write_text(
        ",user_id,event_type,product_id,event_time,category_id,category_code,"
        "brand,price,user_session\n"
        "0,4,view,1,2019-10-01 00:00:00 UTC,2,,acme,3.5,s\n"
    )
    checked = check_rows(
        raw_dataset("events.raw_events", tmp_path).load(),
        TableRules(timestamp_format="yyyy-MM-dd HH:mm:ss z"),
        EVENTS["events"],
    )
    (row,) = checked.collect()
    assert (row["user_id"], row["event_type"], row["product_id"], row["price"]) == (
        4,
        "view",
        1,
        3.5,
    )
    assert row["reject_reason"] is None
    assert "_c0" not in checked.columns


EVENTS_HEADER = (
    "event_time,event_type,product_id,category_id,category_code,brand,price,"
    "user_id,user_session"
)


def test_events_reader_reads_gzipped_and_upper_case_files_not_a_zip(spark, tmp_path):
    line = "2019-10-0{},view,1,2,,acme,3.5,4,s"
    (tmp_path / "2019-Oct.csv.gz").write_bytes(
        gzip.compress(f"{EVENTS_HEADER}\n{line.format(1)}\n".encode())
    )
    (tmp_path / "2019-Nov.CSV").write_text(f"{EVENTS_HEADER}\n{line.format(2)}\n")
    (tmp_path / "2019-Dec.csv.zip").write_bytes(b"PK\x03\x04 not data")
    rows = raw_dataset("events.raw_events", tmp_path).load().collect()
    assert sorted((r["event_time"], r["_corrupt_record"]) for r in rows) == [
        ("2019-10-01", None),
        ("2019-10-02", None),
    ]


def test_a_latin_1_file_reads_right_with_its_encoding(spark, tmp_path):
    (tmp_path / "olist_customers_dataset.csv").write_bytes(
        "customer_id,customer_city\nc1,São Paulo\nc2,açaí\n".encode("latin-1")
    )
    name = "orders.raw_customers"
    path = tmp_path / "olist_customers_dataset.csv"
    as_utf8 = raw_dataset(name, path).load().collect()
    assert [r["customer_city"] for r in as_utf8] == ["S\ufffdo Paulo", "a\ufffda\ufffd"]
    latin_1 = raw_dataset(name, path, encoding="ISO-8859-1").load().collect()
    assert [r["customer_city"] for r in latin_1] == ["São Paulo", "açaí"]


def test_generic_reader_without_a_header_names_columns_by_position(spark, tmp_path):
    (tmp_path / "u.data").write_text("196\t242\t3\t881250949\n186\t302\t3\t891717742\n")
    raw = raw_dataset(
        "interactions.raw_interactions",
        tmp_path,
        sep="\t",
        header=False,
        pathGlobFilter="u.data",
    ).load()
    assert raw.columns == ["_c0", "_c1", "_c2", "_c3", "_corrupt_record"]
    assert [tuple(r) for r in raw.collect()] == [
        ("196", "242", "3", "881250949", None),
        ("186", "302", "3", "891717742", None),
    ]


def test_a_quoted_line_break_splits_a_record_unless_multiline_is_set(spark, tmp_path):
    (tmp_path / "tags.csv").write_text(
        'userId,movieId,tag,timestamp\n1,31,"funny\nand sad",1260759144\n'
        "2,32,dark,1260759145\n"
    )
    name = "interactions.raw_interactions"
    pieces = raw_dataset(name, tmp_path).load().collect()
    assert [r["_corrupt_record"] for r in pieces] == [
        '1,31,"funny',
        'and sad",1260759144',
        None,
    ]
    whole = raw_dataset(name, tmp_path, multiLine=True).load().collect()
    assert [(r["tag"], r["_corrupt_record"]) for r in whole] == [
        ("funny\nand sad", None),
        ("dark", None),
    ]

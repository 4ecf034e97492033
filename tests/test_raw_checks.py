"""Raw file checks: good files pass, only a run's inputs are checked. The bad
files themselves are cases of tests/test_bad_input.py."""

from __future__ import annotations

import gzip

import pytest
from kedro.io import DataCatalog
from kedro.pipeline import Pipeline, node
from kedro_datasets.spark import SparkDatasetV2

from ecom_recsys.raw_checks import (
    RawDataError,
    check_raw_file,
    check_raw_inputs,
    check_time_unit,
)
from ecom_recsys.schemas import EVENTS
from tests.conftest import raw_load_args

HEADER = "event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session"
ROW = "2019-10-01 00:00:00 UTC,view,1,2,,acme,3.5,4,s"
EXPECTED = list(EVENTS["events"])
LOAD_ARGS = raw_load_args("events.raw_events")


def test_good_files_pass_quoted_headers_and_bom_included(spark, tmp_path):
    (tmp_path / "a.csv").write_text(f"{HEADER}\n{ROW}\n")
    quoted = ",".join(f'"{c}"' for c in HEADER.split(","))
    (tmp_path / "b.csv").write_bytes(b"\xef\xbb\xbf" + f"{quoted}\n{ROW}\n".encode())
    (tmp_path / "notes.txt").write_text("not data")
    check_raw_file("events.raw_events", str(tmp_path), EXPECTED, LOAD_ARGS)


def test_only_raw_inputs_of_the_run_are_checked(spark, tmp_path):
    raw = SparkDatasetV2(filepath=str(tmp_path / "missing"), file_format="csv")
    catalog = DataCatalog({"events.raw_events": raw})
    reads = Pipeline([node(lambda df: df, "events.raw_events", "out", name="n")])
    writes = Pipeline([node(lambda: 1, None, "events.raw_events", name="w")])
    check_raw_inputs(writes, catalog)  # demo data writes it: nothing to check
    with pytest.raises(RawDataError, match="events.raw_events: no CSV file"):
        check_raw_inputs(reads, catalog)


def test_a_header_only_file_is_named_and_blank_lines_are_not_data(spark, tmp_path):
    (tmp_path / "a.csv").write_text(f"{HEADER}\n{ROW}\n")
    (tmp_path / "b.csv").write_text(f"{HEADER}\r\n\r\n  \n")
    with pytest.raises(
        RawDataError, match=r"events.raw_events: \S*/b.csv has a header and no data"
    ):
        check_raw_file("events.raw_events", str(tmp_path), EXPECTED, LOAD_ARGS)
    (tmp_path / "b.csv").write_text(f"{HEADER}\n\n{ROW}")  # no final newline
    check_raw_file("events.raw_events", str(tmp_path), EXPECTED, LOAD_ARGS)


def test_files_read_together_need_one_header_and_extra_columns_are_named(
    spark, tmp_path, caplog
):
    (tmp_path / "a.csv").write_text(f"{HEADER},note\n{ROW},x\n")
    with caplog.at_level("WARNING", logger="ecom_recsys.raw_checks"):
        check_raw_file("events.raw_events", str(tmp_path), EXPECTED, LOAD_ARGS)
    assert "column(s) ['note'] that no stage reads; they are left out" in caplog.text
    reordered = ",".join(reversed(HEADER.split(",")))
    (tmp_path / "b.csv").write_text(f"{reordered}\n{ROW}\n")
    with pytest.raises(
        RawDataError,
        match=r"\S*/b.csv has the header \['user_session', .*\], and \S*/a.csv has "
        r"\[.*'note'\]: files read together need the same columns in the same order",
    ):
        check_raw_file("events.raw_events", str(tmp_path), EXPECTED, LOAD_ARGS)


def test_gzipped_and_upper_case_files_are_checked_a_zip_is_not_read(spark, tmp_path):
    # as Kaggle and other tools ship them: gzipped, upper case, a zip beside
    (tmp_path / "2019-Oct.csv.gz").write_bytes(
        gzip.compress(f"{HEADER}\n{ROW}\n".encode())
    )
    (tmp_path / "2019-Nov.CSV").write_text(f"{HEADER}\n{ROW}\n")
    (tmp_path / "2019-Dec.csv.zip").write_bytes(b"PK\x03\x04")
    check_raw_file("events.raw_events", str(tmp_path), EXPECTED, LOAD_ARGS)
    # the header check reads the gzip head: a renamed column is named
    renamed = HEADER.replace("user_id", "visitor_id")
    (tmp_path / "2019-Oct.csv.gz").write_bytes(
        gzip.compress(f"{renamed}\n{ROW}\n".encode())
    )
    with pytest.raises(
        RawDataError, match=r"2019-Oct.csv.gz has no column\(s\) \['user_id'\]"
    ):
        check_raw_file("events.raw_events", str(tmp_path), EXPECTED, LOAD_ARGS)


def test_a_zip_alone_is_named_with_what_to_do(spark, tmp_path):
    (tmp_path / "2019-Oct.csv.zip").write_bytes(b"PK\x03\x04")
    with pytest.raises(
        RawDataError,
        match=r"events.raw_events: no CSV file at \S+, and \S*/2019-Oct.csv.zip is a "
        r"zip archive, which Spark cannot read: unzip it into \S+ \(the CSV files go "
        r"directly in that folder; the archive may stay\)",
    ):
        check_raw_file("events.raw_events", str(tmp_path), EXPECTED, LOAD_ARGS)


def test_a_delimiter_and_no_header_are_read_as_the_dataset_reads_them(spark, tmp_path):
    # MovieLens 100k u.data: tab-separated, no header, unix seconds
    (tmp_path / "u.data").write_text("196\t242\t3\t881250949\n186\t302\t3\t891717742\n")
    load_args = raw_load_args(
        "interactions.raw_interactions",
        sep="\\t",  # as written in YAML single quotes; Spark reads it as a tab
        header=False,
        pathGlobFilter="u.data",
    )
    expected = ["_c0", "_c1", "_c2", "_c3"]
    check_raw_file("interactions.raw_interactions", str(tmp_path), expected, load_args)
    check_time_unit(
        "interactions.raw_interactions", str(tmp_path), "_c3", "unix", load_args
    )
    with pytest.raises(
        RawDataError, match=r"has times such as 881250949 in column '_c3'"
    ):
        check_time_unit(
            "interactions.raw_interactions", str(tmp_path), "_c3", "unix_ms", load_args
        )
    with pytest.raises(
        RawDataError,
        match=r"has no column\(s\) \['_c4'\]; its header is \['_c0', '_c1', '_c2', '_c3'\]",
    ):
        check_raw_file(
            "interactions.raw_interactions",
            str(tmp_path),
            [*expected, "_c4"],
            load_args,
        )


def test_the_header_is_decoded_with_the_datasets_encoding(spark, tmp_path):
    header = "usuário,produto,avaliação,timestamp"
    (tmp_path / "ratings.csv").write_bytes(f"{header}\n1,2,3,4\n".encode("latin-1"))
    expected = ["usuário", "avaliação"]
    with pytest.raises(
        RawDataError,
        match="The header is not UTF-8: save the file as UTF-8, or set its `encoding`",
    ):
        check_raw_file(
            "interactions.raw_interactions",
            str(tmp_path),
            expected,
            raw_load_args("interactions.raw_interactions"),
        )
    load_args = raw_load_args("interactions.raw_interactions", encoding="ISO-8859-1")
    check_raw_file("interactions.raw_interactions", str(tmp_path), expected, load_args)


def test_a_gzipped_single_file_beside_its_missing_path_is_named(spark, tmp_path):
    path = tmp_path / "olist_orders_dataset.csv"
    (tmp_path / "olist_orders_dataset.csv.gz").write_bytes(gzip.compress(b"a\n1\n"))
    with pytest.raises(
        RawDataError,
        match=r"orders.raw_orders: no CSV file at \S+, but \S*/olist_orders_dataset"
        r".csv.gz is there: decompress it \(gunzip\), or set the dataset's filepath "
        r"to it in conf/local/catalog.yml",
    ):
        check_raw_file(
            "orders.raw_orders",
            str(path),
            ["a"],
            raw_load_args("orders.raw_orders"),
        )


def test_an_optional_raw_file_is_checked_only_when_it_is_there(spark, tmp_path):
    from ecom_recsys.datasets import HeaderCSVDataset  # noqa: PLC0415

    folder = tmp_path / "interactions_items"
    items = HeaderCSVDataset(
        filepath=str(folder), file_format="csv", missing_ok=True,
        load_args={"header": True},
    )  # fmt: skip
    catalog = DataCatalog({"interactions.raw_items": items})
    catalog["params:feature_engineering.interactions.items"] = {"item": "movieId"}
    reads = Pipeline([node(lambda df: df, "interactions.raw_items", "o", name="n")])
    check_raw_inputs(reads, catalog)  # no file: items are optional
    assert items.load().columns == ["_corrupt_record"]
    folder.mkdir()
    (folder / "movies.csv").write_text("id,title\n1,Toy Story (1995)\n")
    with pytest.raises(RawDataError, match=r"has no column\(s\) \['movieId'\]"):
        check_raw_inputs(reads, catalog)

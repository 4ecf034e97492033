"""Raw file checks: good files pass, only a run's inputs are checked. The bad
files themselves are cases of tests/test_bad_input.py."""

from __future__ import annotations

import pytest
from kedro.io import DataCatalog
from kedro.pipeline import Pipeline, node
from kedro_datasets.spark import SparkDatasetV2

from ecom_recsys.raw_checks import RawDataError, check_raw_file, check_raw_inputs
from ecom_recsys.schemas import EVENTS

HEADER = "event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session"
ROW = "2019-10-01 00:00:00 UTC,view,1,2,,acme,3.5,4,s"
EXPECTED = list(EVENTS["events"])


def test_good_files_pass_quoted_headers_and_bom_included(spark, tmp_path):
    (tmp_path / "a.csv").write_text(f"{HEADER}\n{ROW}\n")
    quoted = ",".join(f'"{c}"' for c in HEADER.split(","))
    (tmp_path / "b.csv").write_bytes(b"\xef\xbb\xbf" + f"{quoted}\n{ROW}\n".encode())
    (tmp_path / "notes.txt").write_text("not data")
    check_raw_file("events.raw_events", str(tmp_path), EXPECTED)


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
        check_raw_file("events.raw_events", str(tmp_path), EXPECTED)
    (tmp_path / "b.csv").write_text(f"{HEADER}\n\n{ROW}")  # no final newline
    check_raw_file("events.raw_events", str(tmp_path), EXPECTED)


def test_files_read_together_need_one_header_and_extra_columns_are_named(
    spark, tmp_path, caplog
):
    (tmp_path / "a.csv").write_text(f"{HEADER},note\n{ROW},x\n")
    with caplog.at_level("WARNING", logger="ecom_recsys.raw_checks"):
        check_raw_file("events.raw_events", str(tmp_path), EXPECTED)
    assert "column(s) ['note'] that no stage reads; they are left out" in caplog.text
    reordered = ",".join(reversed(HEADER.split(",")))
    (tmp_path / "b.csv").write_text(f"{reordered}\n{ROW}\n")
    with pytest.raises(
        RawDataError,
        match=r"\S*/b.csv has the header \['user_session', .*\], and \S*/a.csv has "
        r"\[.*'note'\]: files read together need the same columns in the same order",
    ):
        check_raw_file("events.raw_events", str(tmp_path), EXPECTED)

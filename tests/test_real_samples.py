"""Ingestion of the real REES46 slice in ../shared/data (skipped where absent)."""

from __future__ import annotations

import pytest
from kedro.config import OmegaConfigLoader
from kedro.io import DataCatalog

from ecom_recsys.params import TableRules
from ecom_recsys.pipelines.data_processing.checks import check_rows
from ecom_recsys.pipelines.data_processing.quarantine import (
    select_clean,
    select_rejected,
)
from ecom_recsys.pipelines.data_processing.reports import (
    summarise_data_quality,
    summarise_files,
)
from ecom_recsys.schemas import EVENTS
from tests.conftest import PROJECT_PATH, SHARED_DATA

REES46_HEAD = SHARED_DATA / "rees46_head" / "2019-Oct-head.csv"


@pytest.mark.skipif(
    not REES46_HEAD.exists(),
    reason=f"real REES46 sample not found at {REES46_HEAD} (../shared is absent)",
)
def test_real_rees46_rows_pass_the_catalog_reader_and_validation(spark):
    loader = OmegaConfigLoader(
        str(PROJECT_PATH / "conf"), base_env="base", default_run_env="base"
    )
    config = dict(loader["catalog"]["events.raw_events"])
    config["filepath"] = str(REES46_HEAD)  # the catalog's reader, the real file
    raw = DataCatalog.from_config({"events.raw_events": config})[
        "events.raw_events"
    ].load()
    rules = loader["parameters"]["data_processing"]["events"]["tables"]["events"]
    checked = check_rows(
        raw, TableRules.model_validate(rules), EVENTS["events"]
    ).persist()
    assert checked.count() == 17_433
    assert checked.where("reject_reason is not null").count() == 0
    counts = {
        r["event_type"]: r["count"]
        for r in checked.groupBy("event_type").count().collect()
    }
    assert counts["cart"] == 165 and counts["purchase"] == 214
    assert checked.where("category_id > 2053013552226107603").count() > 0  # 64-bit ids
    report = summarise_data_quality(
        events_checked=checked, events_rejected=select_rejected(checked)
    )
    files = summarise_files(events_checked=checked)
    clean = select_clean(checked, report, files, 0.0, table="events")
    assert report["rows"].sum() == 17_433
    assert clean.count() == report.set_index("outcome").loc["kept", "rows"]
    checked.unpersist()

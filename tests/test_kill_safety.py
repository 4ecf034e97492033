"""Outputs replaced in place keep the previous complete copy until the new one is
whole (issue 14, item 2): Spark folders are written beside the target and
swapped in once committed; single files are written to a temporary file and
renamed. The kill during a run is in ``tests/test_recovery.py``."""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from kedro.io.core import Version  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

from ecom_recsys.datasets import (  # noqa: E402
    AtomicCSVDataset,
    AtomicJSONDataset,
    AtomicMatplotlibDataset,
    CommittedSparkDataset,
)
from ecom_recsys.datasets.committed_spark_dataset import (  # noqa: E402
    ASIDE,
    STAGING,
    recover,
    sibling,
    swap_in,
)


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def _bi_parts(path: Path) -> CommittedSparkDataset:
    """As ``_bi_parts`` in conf/base/catalog/08_reporting.yml."""
    return CommittedSparkDataset(
        filepath=str(path),
        file_format="csv",
        load_args={"header": True, "inferSchema": True},
        save_args={"mode": "overwrite", "header": True},
    )


def _ids(dataset: CommittedSparkDataset) -> list[int]:
    return sorted(r.id for r in dataset.load().collect())


def _committed(path: Path, spark, ids: list[int]) -> None:
    spark.createDataFrame([(i,) for i in ids], "id int").write.mode(
        "overwrite"
    ).parquet(str(path))


# --- the swap ----------------------------------------------------------------


def test_swap_in_replaces_the_folder_and_leaves_nothing_beside_it(spark, tmp_path):
    target, new = tmp_path / "t.parquet", tmp_path / ".t.parquet.staging-1"
    _committed(target, spark, [1])
    _committed(new, spark, [2])
    swap_in(str(new), str(target))
    assert [r.id for r in spark.read.parquet(str(target)).collect()] == [2]
    assert _hidden(tmp_path) == []


def test_swap_in_to_a_new_place(spark, tmp_path):
    target, new = tmp_path / "t.parquet", tmp_path / ".t.parquet.staging-1"
    _committed(new, spark, [2])
    swap_in(str(new), str(target))
    assert (target / "_SUCCESS").exists() and not new.exists()


@pytest.mark.parametrize(
    ("left", "restored"),
    [
        # killed between the two renames: the new copy was complete
        ({STAGING: [2], ASIDE: [1]}, [2]),
        # only the previous copy is left beside the target
        ({ASIDE: [1]}, [1]),
        # a staged copy a kill cut before its commit is never taken
        ({STAGING: None, ASIDE: [1]}, [1]),
    ],
)
def test_recover_puts_back_what_a_kill_between_the_renames_left(
    spark, tmp_path, left, restored
):
    target = tmp_path / "t.parquet"
    for kind, ids in left.items():
        folder = Path(sibling(str(target), kind))
        if ids is None:
            folder.mkdir()  # no _SUCCESS
            (folder / "part-0.parquet").write_bytes(b"half")
        else:
            _committed(folder, spark, ids)
    recover(str(target))
    assert sorted(r.id for r in spark.read.parquet(str(target)).collect()) == restored


def test_recover_leaves_a_target_in_place(spark, tmp_path):
    target = tmp_path / "t.parquet"
    _committed(target, spark, [1])
    _committed(Path(sibling(str(target), STAGING)), spark, [2])
    recover(str(target))
    assert [r.id for r in spark.read.parquet(str(target)).collect()] == [1]


# --- Spark folders ------------------------------------------------------------


def test_a_spark_save_that_fails_midway_keeps_the_previous_folder(spark, tmp_path):
    dataset = _bi_parts(tmp_path / "bi" / "recommendations")
    dataset.save(spark.createDataFrame([(1,), (2,)], "id int"))
    # fails while Spark writes the part files (a full disk fails the same way)
    failing = spark.range(0, 50, numPartitions=2).select(
        F.when(F.col("id") > 40, F.raise_error(F.lit("disk full")))
        .otherwise(F.col("id"))
        .alias("id")
    )
    with pytest.raises(Exception, match="disk full"):
        dataset.save(failing)
    assert _ids(dataset) == [1, 2]
    assert _hidden(tmp_path / "bi") == []  # the half-written copy is deleted


def test_a_spark_save_replaces_the_folder_and_removes_leftovers(spark, tmp_path):
    path = tmp_path / "bi" / "recommendations"
    dataset = _bi_parts(path)
    dataset.save(spark.createDataFrame([(1,)], "id int"))
    # a kill left a staged copy before its commit
    Path(sibling(str(path), STAGING)).mkdir()
    dataset.save(spark.createDataFrame([(3,)], "id int"))
    assert _ids(dataset) == [3]
    assert _hidden(tmp_path / "bi") == []


def test_an_empty_or_uncommitted_bi_folder_is_missing(spark, tmp_path):
    """The reported case: a kill left ``bi/recommendations`` empty, and its
    exists() failed with UNABLE_TO_INFER_SCHEMA instead of saying False."""
    path = tmp_path / "bi" / "recommendations"
    path.mkdir(parents=True)
    dataset = _bi_parts(path)
    assert not dataset.exists()
    (path / "part-00000.csv").write_text("id\n1\n")  # parts, no _SUCCESS
    assert not dataset.exists()
    dataset.save(spark.createDataFrame([(1,)], "id int"))
    assert dataset.exists()


def test_exists_finishes_a_swap_a_kill_cut_short(spark, tmp_path):
    path = tmp_path / "t.parquet"
    dataset = CommittedSparkDataset(
        filepath=str(path), file_format="parquet", save_args={"mode": "overwrite"}
    )
    _committed(Path(sibling(str(path), STAGING)), spark, [5])
    assert dataset.exists()
    assert [r.id for r in dataset.load().collect()] == [5]


# --- single files -------------------------------------------------------------


def _fail_midway(*_args, path_or_buf, **_kwargs):
    path_or_buf.write("user_id,rank\n1,")
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("versioned", [False, True])
def test_a_csv_save_that_fails_midway_keeps_the_previous_file(tmp_path, versioned):
    dataset = AtomicCSVDataset(
        filepath=str(tmp_path / "top_products.csv"),
        save_args={"index": False},
        version=Version(None, None) if versioned else None,
    )
    before = pd.DataFrame({"user_id": [1, 2], "rank": [1, 1]})
    dataset.save(before)
    with (
        mock.patch.object(pd.DataFrame, "to_csv", _fail_midway),
        pytest.raises(Exception, match="No space left"),
    ):
        dataset.save(before.assign(rank=2))
    pd.testing.assert_frame_equal(dataset.load(), before)
    assert not [p for p in tmp_path.rglob(".*")]  # no temporary file left


def test_json_and_chart_saves_that_fail_keep_the_previous_file(tmp_path):
    params = AtomicJSONDataset(filepath=str(tmp_path / "best_als_params.json"))
    params.save({"rank": 8})
    with (
        mock.patch("json.dump", side_effect=OSError(28, "No space left on device")),
        pytest.raises(Exception, match="No space left|disk full"),
    ):
        params.save({"rank": 16})
    assert json.loads((tmp_path / "best_als_params.json").read_text()) == {"rank": 8}

    chart = AtomicMatplotlibDataset(filepath=str(tmp_path / "popularity.png"))
    figure = plt.figure()
    chart.save(figure)
    good = (tmp_path / "popularity.png").read_bytes()
    figure = plt.figure()
    with (
        mock.patch.object(figure, "savefig", side_effect=OSError(28, "disk full")),
        pytest.raises(Exception, match="No space left|disk full"),
    ):
        chart.save(figure)
    assert (tmp_path / "popularity.png").read_bytes() == good
    assert _hidden(tmp_path) == []

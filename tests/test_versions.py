"""Versioned outputs: half-written folders are never read, old versions pruned."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import pandas as pd
import pytest
from kedro.io.core import DatasetError, Version

from ecom_recsys.datasets import (
    ALSModelDataset,
    AtomicCSVDataset,
    CommittedSparkDataset,
)
from ecom_recsys.datasets.committed_spark_dataset import without_scheme
from ecom_recsys.versions import VersionHooks, prune_versions, versions_to_prune
from tests.conftest import rows

V1, V2, V3, V4 = (f"2026-11-2{i}T10.00.00.000Z" for i in range(1, 5))


@pytest.mark.parametrize(
    ("versions", "complete", "keep", "dropped"),
    [
        ([V1, V2, V3], {V1, V2, V3}, 2, [V1]),
        ([V1, V2, V3], {V1, V2, V3}, 5, []),
        # a killed run's leftover older than the newest good version goes ...
        ([V1, V2, V3], {V1, V3}, 5, [V2]),
        # ... one newer than it may be a run still writing: it stays
        ([V1, V2, V3], {V1, V2}, 1, [V1]),
        # nothing complete: nothing is touched
        ([V1, V2], set(), 1, []),
    ],
    ids=["keep-2", "keep-all", "old-leftover", "newer-leftover", "none-complete"],
)
def test_pruning_policy(versions, complete, keep, dropped):
    assert versions_to_prune(versions, complete, keep) == dropped


@pytest.mark.parametrize(
    ("qualified", "kedro"),
    [
        ("file:/data/x/2026", "/data/x/2026"),
        ("s3a://bucket/x/2026", "bucket/x/2026"),
        ("hdfs://namenode:8020/x", "namenode:8020/x"),
        ("/data/a:b", "/data/a:b"),
    ],
)
def test_globbed_paths_take_kedros_scheme_less_form(qualified, kedro):
    assert without_scheme(qualified) == kedro


def _dataset(path, version=None):
    return CommittedSparkDataset(
        filepath=str(path),
        file_format="parquet",
        save_args={"mode": "overwrite"},
        version=version,
    )


def _save(spark, path, version, value):
    frame = spark.createDataFrame([(value,)], "value int")
    _dataset(path, Version(None, version)).save(frame)


def _half_written(folder):
    """What a run killed during Spark's write leaves: parts, no _SUCCESS."""
    (folder / "_SUCCESS").unlink()
    (folder / "_temporary" / "0").mkdir(parents=True)


def test_latest_complete_version_is_loaded_and_leftovers_pruned(spark, tmp_path):
    path = tmp_path / "recs.parquet"
    for version, value in ((V1, 1), (V2, 2), (V3, 3), (V4, 4)):
        _save(spark, path, version, value)
    _half_written(path / V2 / "recs.parquet")
    _half_written(path / V4 / "recs.parquet")

    latest = _dataset(path, Version(None, None))
    assert rows(latest.load()) == [(3,)]  # V4 was never completed
    # ... and as the newest write did not finish, --only-missing-outputs reruns it
    assert not latest.exists()
    assert _dataset(path, Version(V3, None)).exists()  # a pinned version is there

    assert prune_versions(_dataset(path, Version(None, None)), keep=1) == [V1, V2]
    assert sorted(p.name for p in path.iterdir()) == [V3, V4]


def test_uncommitted_folder_is_missing_and_cannot_be_loaded(spark, tmp_path):
    path = tmp_path / "train.parquet"
    dataset = _dataset(path)
    assert not dataset.exists()
    dataset.save(spark.createDataFrame([(1,)], "value int"))
    assert dataset.exists()
    _half_written(path)
    assert not dataset.exists()  # so --only-missing-outputs reruns its node
    with pytest.raises(DatasetError, match=r"train.parquet was not completely written"):
        dataset.load()
    shutil.rmtree(path)
    assert not dataset.exists()


def test_a_model_exists_only_when_its_newest_version_is_complete(spark, tmp_path):
    path = tmp_path / "als_model"
    dataset = ALSModelDataset(filepath=str(path), version=Version(None, None))
    assert not dataset.exists()
    (path / V1 / "als_model" / "itemFactors").mkdir(parents=True)
    (path / V1 / "als_model" / "itemFactors" / "_SUCCESS").touch()
    assert dataset.exists()
    # a run killed while saving: user factors written, item factors not yet
    (path / V2 / "als_model" / "userFactors").mkdir(parents=True)
    assert not dataset.exists()
    assert ALSModelDataset(filepath=str(path), version=Version(V1, None)).exists()
    assert dataset.resolve_load_version() == V1  # what load() reads


def _metrics(path, load=None, save=None):
    return AtomicCSVDataset(
        filepath=str(path), save_args={"index": False}, version=Version(load, save)
    )


def test_a_csv_is_only_a_version_once_completely_written(tmp_path, monkeypatch):
    path = tmp_path / "model_metrics.csv"
    good = pd.DataFrame({"metric": ["ndcg", "map"], "value": [0.25, 0.125]})
    _metrics(path, save=V1).save(good)
    assert (path / V1 / "model_metrics.csv").read_text() == (
        "metric,value\nndcg,0.25\nmap,0.125\n"
    )

    def half_then_fail(self, path_or_buf, **kwargs):
        path_or_buf.write("metric,value\nndcg,0.")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_fail)
    with pytest.raises(DatasetError, match="disk full"):
        _metrics(path, save=V2).save(good)
    monkeypatch.undo()
    assert list((path / V2).iterdir()) == []  # the temporary file is gone too
    # A run killed mid-write leaves only its hidden temporary file.
    (path / V3).mkdir()
    (path / V3 / ".model_metrics.csv.0a1b.tmp").write_text("metric,value\nnd")

    latest = _metrics(path)
    pd.testing.assert_frame_equal(latest.load(), good)  # V1, the complete one
    assert not latest.exists()  # the newest write did not finish: rerun it
    _metrics(path, save=V4).save(good)
    assert _metrics(path).exists()
    assert sorted(p.name for p in path.iterdir()) == [V1, V2, V3, V4]
    assert [p.name for p in (path / V4).iterdir()] == ["model_metrics.csv"]


@pytest.mark.parametrize("keep", [0, None, "5", True])
def test_keep_versions_must_be_a_whole_number_of_at_least_one(keep):
    globals_ = {} if keep is None else {"keep_versions": keep}
    context = SimpleNamespace(env="test", config_loader={"globals": globals_})
    with pytest.raises(ValueError, match=r"keep_versions \(conf/test/globals.yml\)"):
        VersionHooks().after_context_created(context)
    context.config_loader["globals"]["keep_versions"] = 3
    hooks = VersionHooks()
    hooks.after_context_created(context)
    assert hooks.keep == 3

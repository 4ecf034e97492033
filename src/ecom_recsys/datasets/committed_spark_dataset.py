"""``CommittedSparkDataset``: a Spark folder counts as written only once committed."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from kedro.io.core import DatasetError, VersionNotFoundError
from kedro_datasets._utils.databricks_utils import to_spark_path
from kedro_datasets.spark import SparkDatasetV2
from pyspark.sql import DataFrame

from ecom_recsys.spark import jvm
from ecom_recsys.versions import newest_version_complete

# Spark's job commit writes this marker after every part file is in place.
SUCCESS_MARKER = "_SUCCESS"


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(//)?")


def without_scheme(path: str) -> str:
    """Kedro's form of a qualified path: ``bucket/key`` for ``s3a://bucket/key``,
    ``/abs/path`` for ``file:/abs/path``."""
    return _SCHEME.sub("", path, count=1)


def committed(protocol: str, path: str) -> bool:
    """True when Spark finished writing the folder ``path`` (it has ``_SUCCESS``)."""
    return jvm.exists(to_spark_path(protocol, f"{path}/{SUCCESS_MARKER}"))


def spark_glob(protocol: str, pattern: str) -> list[str]:
    """Paths matching ``pattern`` on any Hadoop file system, without the scheme."""
    return [without_scheme(p) for p in jvm.glob(to_spark_path(protocol, pattern))]


class CommittedSparkDataset(SparkDatasetV2):
    """``spark.SparkDatasetV2`` that ignores folders a killed run left half-written.

    Spark writes part files under ``_temporary`` and only then commits the job
    with a ``_SUCCESS`` marker. A run killed in between leaves a folder that
    plain ``SparkDatasetV2`` either reports as existing or fails to read. Here:

    - ``exists()`` is true only for a committed folder, so
      ``kedro run --only-missing-outputs`` reruns the node that was interrupted;
    - with ``versioned: true`` the latest version is the latest *committed* one,
      so readers never see a half-written version, and the previous good version
      stays the latest until a new one is complete; ``exists()`` is true only
      when the *newest* version folder is committed, so a version a killed run
      left half-written makes ``--only-missing-outputs`` rerun its node;
    - loading an uncommitted folder says what happened and what to run.

    Works on every Hadoop file system Spark writes to (local, HDFS, S3A, ABFS).

    Example:
        ```yaml
        events.served_recommendations:
          type: ecom_recsys.datasets.CommittedSparkDataset
          filepath: data/07_model_output/events/served_recommendations.parquet
          file_format: parquet
          save_args: {mode: overwrite}
          versioned: true
        ```
    """

    def __init__(self, **kwargs: Any) -> None:
        """Same arguments as ``spark.SparkDatasetV2``."""
        super().__init__(**kwargs)
        self._exists_function = partial(committed, self._protocol)
        self._glob_function = partial(spark_glob, self._protocol)

    def _load(self) -> DataFrame:
        path = str(self._get_load_path())
        if not committed(self._protocol, path):
            raise DatasetError(
                f"{to_spark_path(self._protocol, path)} was not completely written "
                f"(no {SUCCESS_MARKER}: a run stopped while writing it). Rerun the "
                "node that writes it, e.g. `kedro run --only-missing-outputs`."
            )
        return super()._load()

    def _exists(self) -> bool:
        if self._version is not None and self._version.load is None:
            return newest_version_complete(self)
        try:
            return committed(self._protocol, str(self._get_load_path()))
        except VersionNotFoundError:
            return False

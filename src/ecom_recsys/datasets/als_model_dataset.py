"""``ALSModelDataset``: save and load a fitted Spark ``ALSModel``, with versions."""

from __future__ import annotations

from functools import partial
from pathlib import PurePosixPath
from typing import Any

from kedro.io.core import AbstractVersionedDataset, DatasetError, Version
from pyspark.ml.recommendation import ALSModel

from ecom_recsys.datasets.committed_spark_dataset import without_scheme
from ecom_recsys.spark import storage
from ecom_recsys.versions import newest_version_complete

# Spark writes item factors last; their _SUCCESS marker means the save finished.
_COMPLETE_MARKER = "itemFactors/_SUCCESS"


def _split_scheme(filepath: str) -> tuple[str, str]:
    """``("s3a://", "bucket/models/x")`` for a URI, ``("", path)`` for a local path.

    Kedro versions the path part; the scheme and authority (bucket, name node)
    are put back before Hadoop sees it.
    """
    if "://" in filepath:
        scheme, rest = filepath.split("://", 1)
        return f"{scheme}://", rest
    return "", filepath


def _exists(prefix: str, path: str) -> bool:
    """True when a complete model is stored at ``path`` (any Hadoop file system)."""
    return storage.exists(prefix + str(PurePosixPath(path) / _COMPLETE_MARKER))


def _glob(prefix: str, pattern: str) -> list[str]:
    """Paths matching ``pattern``, in the same scheme-less form as ``pattern``."""
    return [without_scheme(p) for p in storage.glob(prefix + pattern)]


class ALSModelDataset(AbstractVersionedDataset[ALSModel, ALSModel]):
    """Persist a Spark ML ``ALSModel`` with ``model.write().save`` and ``ALSModel.load``.

    kedro-datasets has no dataset for Spark ML models, and an ``ALSModel`` cannot
    pass through Kedro's default ``MemoryDataset`` (it cannot be deep-copied).
    Works on any path Hadoop can write (local, HDFS, S3A, ABFS); a version only
    counts as saved once Spark wrote its last part, so a killed run never leaves
    a half-written model as the latest; ``exists()`` is true only when the newest
    version is complete, so ``kedro run --only-missing-outputs`` retrains after a
    run killed while saving the model.

    Example:
        ```yaml
        events.als_model:
          type: ecom_recsys.datasets.ALSModelDataset
          filepath: data/06_models/events/als_model
          versioned: true
        ```
    """

    def __init__(
        self,
        *,
        filepath: str,
        version: Version | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Create the dataset for ``filepath`` (a folder), optionally versioned."""
        self._filepath_str = filepath
        self._prefix, path = _split_scheme(filepath)
        self.metadata = metadata
        super().__init__(
            filepath=PurePosixPath(path),
            version=version,
            exists_function=partial(_exists, self._prefix),
            glob_function=partial(_glob, self._prefix),
        )

    def load(self) -> ALSModel:
        """Load the latest (or the requested) version of the model."""
        path = self._prefix + str(self._get_load_path())
        if not _exists("", path):
            raise DatasetError(
                f"No complete ALS model at {path}. Run `kedro run "
                "--pipelines=modeling` to train one."
            )
        return ALSModel.load(path)

    def save(self, data: ALSModel) -> None:
        """Write the model; with versioning, each save goes to a new folder."""
        data.write().overwrite().save(self._prefix + str(self._get_save_path()))

    def _exists(self) -> bool:
        if self._version is not None and self._version.load is None:
            return newest_version_complete(self)
        try:
            return _exists(self._prefix, str(self._get_load_path()))
        except DatasetError:
            return False

    def _describe(self) -> dict[str, Any]:
        return {"filepath": self._filepath_str, "version": self._version}

"""``CommittedSparkDataset``: a Spark folder counts as written only once committed."""

from __future__ import annotations

import logging
import re
import time
from functools import partial
from pathlib import PurePosixPath
from typing import Any
from uuid import uuid4

from kedro.io.core import DatasetError, VersionNotFoundError
from kedro_datasets._utils.databricks_utils import to_spark_path
from kedro_datasets.spark import SparkDatasetV2
from pyspark.sql import DataFrame

from ecom_recsys.names import SUCCESS_MARKER
from ecom_recsys.spark import storage
from ecom_recsys.versions import newest_version_complete

logger = logging.getLogger(__name__)

# Siblings of a folder replaced in place: the new copy while Spark writes it,
# and the previous copy during the swap (hidden names: no reader lists them).
STAGING, ASIDE = "staging", "previous"


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(//)?")


def without_scheme(path: str) -> str:
    """Kedro's form of a qualified path: ``bucket/key`` for ``s3a://bucket/key``,
    ``/abs/path`` for ``file:/abs/path``."""
    return _SCHEME.sub("", path, count=1)


def committed(protocol: str, path: str) -> bool:
    """True when Spark finished writing the folder ``path`` (it has ``_SUCCESS``)."""
    return storage.exists(to_spark_path(protocol, f"{path}/{SUCCESS_MARKER}"))


def spark_glob(protocol: str, pattern: str) -> list[str]:
    """Paths matching ``pattern`` on any Hadoop file system, without the scheme."""
    return [without_scheme(p) for p in storage.glob(to_spark_path(protocol, pattern))]


def sibling(path: str, kind: str) -> str:
    """A new hidden sibling of the folder ``path``: ``<parent>/.<name>.<kind>-<id>``."""
    parent, _, name = path.rstrip("/").rpartition("/")
    return f"{parent}/.{name}.{kind}-{time.time_ns()}-{uuid4().hex[:8]}"


def _siblings(path: str, kind: str) -> list[str]:
    """The ``kind`` siblings of ``path`` that earlier saves left, oldest name first."""
    parent, _, name = path.rstrip("/").rpartition("/")
    prefix = f".{name}.{kind}-"
    return [
        f
        for f in storage.list_folders(parent)
        if f.rsplit("/", 1)[-1].startswith(prefix)
    ]


def _committed_folder(path: str) -> bool:
    return storage.exists(f"{path}/{SUCCESS_MARKER}")


def swap_in(new: str, target: str) -> None:
    """Put the committed folder ``new`` at ``target``, replacing what is there.

    The previous copy is renamed aside, ``new`` renamed in, and then the
    previous copy deleted. Killed at any moment, this leaves the previous
    complete copy at ``target``, or the new one, or (between the two renames)
    both beside it as hidden siblings, which ``recover`` puts back.
    """
    aside = sibling(target, ASIDE)
    if storage.exists(target):
        storage.rename(target, aside)
    try:
        storage.rename(new, target)
    except OSError:
        if storage.exists(aside) and not storage.exists(target):
            storage.rename(aside, target)
        raise
    storage.delete(aside, recursive=True)


def recover(target: str) -> None:
    """Finish a swap a kill cut between its two renames: when nothing is at
    ``target``, put back the newest committed staged copy (the save had
    finished), else the newest committed previous copy."""
    if storage.exists(target):
        return
    for kind in (STAGING, ASIDE):
        for candidate in reversed(_siblings(target, kind)):
            if _committed_folder(candidate):
                logger.warning(
                    "Restoring %s from %s, left by a run stopped while it replaced it",
                    target,
                    candidate,
                )
                storage.rename(candidate, target)
                return


def remove_leftovers(target: str, keep: str | None = None) -> None:
    """Delete the staging and previous copies of ``target`` that killed or
    failed saves left (never read; one run at a time holds the data root)."""
    for kind in (STAGING, ASIDE):
        for leftover in _siblings(target, kind):
            if leftover != keep:
                storage.delete(leftover, recursive=True)


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
    - loading an uncommitted folder says what happened and what to run;
    - a folder replaced in place (not versioned, ``mode: overwrite``, no
      ``partitionBy``) keeps its previous complete copy until the new one is
      committed: Spark writes a hidden sibling (``.<name>.staging-<id>``), and
      only once that has its ``_SUCCESS`` is it swapped in (``swap_in``). Plain
      Spark deletes the folder *before* writing, so a kill or a failure (a full
      disk) mid-write would leave nothing. A kill during the swap's two
      renames is finished by the next ``exists()``, ``load()`` or ``save()``
      (``recover``); leftovers of failed saves are deleted by the next save.

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
        self._staging: str | None = None

    def _staged(self) -> bool:
        """True when a save replaces the folder in place (see the class docstring)."""
        return (
            self._version is None
            and str(self._save_args.get("mode", "")).lower() == "overwrite"
            and not self._save_args.get("partitionBy")
        )

    def _target(self) -> str:
        return to_spark_path(self._protocol, str(self._filepath))

    def _get_save_path(self) -> PurePosixPath:
        if self._staging is not None:
            return PurePosixPath(without_scheme(self._staging))
        return super()._get_save_path()

    def _save(self, data: DataFrame) -> None:
        if not self._staged():
            super()._save(data)
            return
        target = self._target()
        recover(target)
        self._staging = sibling(target, STAGING)
        try:
            super()._save(data)
            if not _committed_folder(self._staging):
                raise DatasetError(
                    f"Spark wrote {self._staging} without {SUCCESS_MARKER}: "
                    f"{target} is left as it was."
                )
            swap_in(self._staging, target)
        except BaseException:
            # the previous copy stays; free the space the new one took
            if storage.exists(self._staging):
                storage.delete(self._staging, recursive=True)
            raise
        finally:
            self._staging = None
        remove_leftovers(target)

    def _load(self) -> DataFrame:
        if self._staged():
            recover(self._target())
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
        if self._staged():
            recover(self._target())
        try:
            return committed(self._protocol, str(self._get_load_path()))
        except VersionNotFoundError:
            return False

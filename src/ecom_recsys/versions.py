"""Pruning of versioned outputs: the policy and the hook that applies it.

Policy (``keep_versions`` in ``conf/<env>/globals.yml``), applied to each
versioned dataset a run wrote, only after the run succeeded:

- the ``keep_versions`` newest *complete* versions are kept, older ones deleted;
- incomplete versions (left by a killed or failed run) older than the newest
  complete one are deleted;
- anything newer than the newest complete version is left alone: it may be a
  run still writing.

So the latest good version is never deleted, and a failed run prunes nothing.

Readers load the newest *complete* version, but ``exists()`` of a versioned
output asks whether its *newest* version is complete (``newest_version_complete``):
after a killed run, ``kedro run --only-missing-outputs`` then reruns the node
whose write was cut off instead of taking an older version for its output.
"""

from __future__ import annotations

import logging
from pathlib import PurePosixPath
from typing import Any

from kedro.framework.context import KedroContext
from kedro.framework.hooks import hook_impl
from kedro.io.core import AbstractVersionedDataset
from kedro.pipeline import Pipeline

from ecom_recsys.spark import storage

logger = logging.getLogger(__name__)


def versions_to_prune(versions: list[str], complete: set[str], keep: int) -> list[str]:
    """The versions the policy deletes, oldest first (version names sort by time)."""
    newest_first = sorted(versions, reverse=True)
    done = [v for v in newest_first if v in complete]
    if not done:
        return []
    newest_complete = done[0]
    kept = set(done[:keep])
    return sorted(v for v in newest_first if v <= newest_complete and v not in kept)


def newest_version_complete(dataset: AbstractVersionedDataset) -> bool:
    """True when the newest version folder of ``dataset`` holds a complete write.

    False when there is no version, or when the newest one is a leftover of a
    killed run (or a run still writing), even if older complete versions exist:
    ``load()`` still returns the newest complete one.
    """
    folders = dataset._glob_function(str(dataset._filepath / "*"))  # noqa: SLF001
    if not folders:
        return False
    newest = max(PurePosixPath(folder).name for folder in folders)
    path = dataset._get_versioned_path(newest)  # noqa: SLF001
    return bool(dataset._exists_function(str(path)))  # noqa: SLF001


def prune_versions(dataset: AbstractVersionedDataset, keep: int) -> list[str]:
    """Delete the versions of ``dataset`` that the policy drops; return their names."""
    protocol = getattr(dataset, "_protocol", None) or "file"
    # kedro-datasets' helper imports pyspark: here, not when the settings load
    from kedro_datasets._utils.databricks_utils import to_spark_path  # noqa: PLC0415

    root = to_spark_path(protocol, str(dataset._filepath))  # noqa: SLF001
    versions = [PurePosixPath(folder).name for folder in storage.list_folders(root)]
    complete = {
        v
        for v in versions
        if dataset._exists_function(str(dataset._get_versioned_path(v)))  # noqa: SLF001
    }
    dropped = versions_to_prune(versions, complete, keep)
    for version in dropped:
        storage.delete(f"{root}/{version}", recursive=True)
    return dropped


class VersionHooks:
    """Prune old versions of the outputs a successful run wrote."""

    def __init__(self) -> None:
        self.keep: int | None = None

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        """Read ``keep_versions`` from the environment's globals (its one home:
        ``conf/base/globals.yml``)."""
        keep = context.config_loader["globals"].get("keep_versions")
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
            raise ValueError(
                f"keep_versions (conf/{context.env}/globals.yml) = {keep!r}: must "
                "be a whole number of at least 1, or the latest good outputs would "
                "be deleted."
            )
        self.keep = keep

    @hook_impl
    def after_pipeline_run(self, pipeline: Pipeline, catalog: Any) -> None:
        """Apply the policy to every versioned dataset the pipeline wrote."""
        for name in sorted(pipeline.all_outputs()):
            dataset = catalog.get(name)
            if isinstance(dataset, AbstractVersionedDataset) and dataset._version:  # noqa: SLF001
                dropped = prune_versions(dataset, self.keep)
                if dropped:
                    logger.info(
                        "Pruned %d old version(s) of %s (keep_versions=%d): %s",
                        len(dropped),
                        name,
                        self.keep,
                        ", ".join(dropped),
                    )

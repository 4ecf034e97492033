"""Single-file outputs written whole or not at all: a temporary file, then a
rename. The datasets that use it are in their own modules (``atomic_*_dataset``),
so that reading a CSV does not import matplotlib or plotly."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any
from uuid import uuid4

from kedro.io.core import get_filepath_str


class AtomicFileMixin:
    """Make a file dataset of kedro-datasets (``CSVDataset``, ``JSONDataset``,
    ``MatplotlibDataset``, ``HTMLDataset``...) replace its file atomically.

    The parent's ``save`` writes to a hidden temporary file beside the target
    (``.<name>.<random>.tmp``), which is then renamed over the target: an atomic
    rename on a local or POSIX file system, and object stores show an object
    only once it is uploaded. A run killed or failing mid-write (a full disk, an
    error while drawing) leaves the previous complete file in place, and at most
    a temporary file that no reader takes for the dataset (it is deleted when
    the save fails, and left over only by a kill).

    Works for every dataset whose ``save`` writes to ``self._get_save_path()``
    through ``self._fs``, versioned or not.
    """

    _atomic_temporary: PurePosixPath | None = None

    def _get_save_path(self) -> PurePosixPath:
        if self._atomic_temporary is not None:
            return self._atomic_temporary
        return super()._get_save_path()  # type: ignore[misc]

    def save(self, data: Any) -> None:
        """Write ``data`` with the parent's ``save`` to a temporary file, then
        rename it to the dataset's path."""
        target = self._get_save_path()
        temporary = target.parent / f".{target.name}.{uuid4().hex}.tmp"
        protocol = self._protocol  # type: ignore[attr-defined]
        fs = self._fs  # type: ignore[attr-defined]
        temporary_str = get_filepath_str(temporary, protocol)
        self._atomic_temporary = temporary
        try:
            # the parent's own save, without Kedro's wrapper around it (the
            # wrapper of this class logs, and resolves versions after the rename)
            parent = super().save  # type: ignore[misc]
            unwrapped = getattr(parent, "__wrapped__", None)
            if unwrapped is not None:
                unwrapped(self, data)
            else:
                parent(data)
            fs.mv(temporary_str, get_filepath_str(target, protocol))
        finally:
            self._atomic_temporary = None
            if fs.exists(temporary_str):
                fs.rm(temporary_str, recursive=True)
        self._invalidate_cache()  # type: ignore[attr-defined]

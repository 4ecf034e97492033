"""``AtomicCSVDataset``: a CSV file that is either completely written or absent."""

from __future__ import annotations

from uuid import uuid4

import pandas as pd
from kedro.io.core import get_filepath_str
from kedro_datasets.pandas import CSVDataset

from ecom_recsys.versions import newest_version_complete


class AtomicCSVDataset(CSVDataset):
    """``pandas.CSVDataset`` whose save never leaves a half-written file in place.

    The CSV is written to a hidden temporary file in the same folder, then renamed
    to its name (an atomic rename on a local or POSIX file system; object stores
    show an object only once it is uploaded). A run killed mid-write leaves at
    most the temporary file, which no reader takes for the dataset, so with
    ``versioned: true`` the latest version is always a complete one; and, as for
    the project's Spark datasets, ``exists()`` is true only when the *newest*
    version is complete, so ``kedro run --only-missing-outputs`` writes it again.

    Example:
        ```yaml
        events.model_metrics:
          type: ecom_recsys.datasets.AtomicCSVDataset
          filepath: data/08_reporting/events/model_metrics.csv
          versioned: true
          save_args: {index: false}
        ```
    """

    def save(self, data: pd.DataFrame) -> None:
        """Write ``data`` to a temporary file beside the target, then rename it."""
        path = get_filepath_str(self._get_save_path(), self._protocol)
        folder, _, name = path.rpartition("/")
        temporary = f"{folder}/.{name}.{uuid4().hex}.tmp"
        try:
            with self._fs.open(temporary, **self._fs_open_args_save) as file:
                data.to_csv(path_or_buf=file, **self._save_args)
            self._fs.mv(temporary, path)
        finally:
            if self._fs.exists(temporary):
                self._fs.rm(temporary)
        self._invalidate_cache()

    def _exists(self) -> bool:
        if self._version is not None and self._version.load is None:
            return newest_version_complete(self)
        return super()._exists()

"""``CommittedParquetDataset``: pandas reads a Spark Parquet folder once it is complete."""

from __future__ import annotations

from typing import Any

import pandas as pd
from kedro.io.core import DatasetError, get_filepath_str
from kedro_datasets.pandas import ParquetDataset

from ecom_recsys.names import SUCCESS_MARKER


class CommittedParquetDataset(ParquetDataset):
    """``pandas.ParquetDataset`` over a folder Spark wrote, read only once committed.

    Spark overwrites a folder by deleting it, writing part files, then committing
    with ``_SUCCESS``. A reader that runs while a pipeline writes (the dashboard)
    must not read a half-written folder, so here:

    - ``exists()`` is true only for a committed folder;
    - with ``versioned: true`` the latest version is the latest *committed* one;
    - loading an uncommitted folder says so, instead of a pyarrow error.

    ``load_args`` go to ``pandas.read_parquet`` (pyarrow): ``columns`` and
    ``filters`` read only those columns and the row groups that can match.

    Example:
        ```yaml
        events.top_recommendations_pretty@pandas:
          type: ecom_recsys.datasets.CommittedParquetDataset
          filepath: data/08_reporting/events/top_recommendations_pretty.parquet
          load_args: {columns: [user_id, rank, product_id]}
        ```
    """

    def __init__(self, **kwargs: Any) -> None:
        """Same arguments as ``pandas.ParquetDataset``."""
        super().__init__(**kwargs)
        self._exists_function = self._committed

    def _committed(self, path: str) -> bool:
        return bool(self._fs.exists(f"{path}/{SUCCESS_MARKER}"))

    def _load_path(self) -> str:
        return get_filepath_str(self._get_load_path(), self._protocol)

    def load(self) -> pd.DataFrame:
        """Read the committed folder with the dataset's ``load_args``."""
        path = self._load_path()
        if not self._committed(path):
            raise DatasetError(
                f"{path} is not completely written (no {SUCCESS_MARKER}: a run is "
                "writing it or stopped while writing it). Wait for the run, or "
                "rerun the pipeline that writes it."
            )
        return super().load()

    def _exists(self) -> bool:
        try:
            return self._committed(self._load_path())
        except DatasetError:
            return False

"""``AtomicCSVDataset``: a CSV file that is either completely written or absent."""

from __future__ import annotations

from kedro_datasets.pandas import CSVDataset

from ecom_recsys.datasets.atomic_file import AtomicFileMixin
from ecom_recsys.versions import newest_version_complete


class AtomicCSVDataset(AtomicFileMixin, CSVDataset):
    """``pandas.CSVDataset`` whose save never leaves a half-written file in place.

    The CSV is written to a hidden temporary file in the same folder, then renamed
    to its name (``AtomicFileMixin``). A run killed mid-write leaves the previous
    complete file, or, with ``versioned: true``, no file in the new version's
    folder: the latest version is always a complete one; and, as for the
    project's Spark datasets, ``exists()`` is true only when the *newest*
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

    def _exists(self) -> bool:
        if self._version is not None and self._version.load is None:
            return newest_version_complete(self)
        return super()._exists()

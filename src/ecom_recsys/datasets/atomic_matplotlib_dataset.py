"""A chart image written whole or not at all."""

from __future__ import annotations

from kedro_datasets.matplotlib import MatplotlibDataset

from ecom_recsys.datasets.atomic_file import AtomicFileMixin


class AtomicMatplotlibDataset(AtomicFileMixin, MatplotlibDataset):
    """``matplotlib.MatplotlibDataset`` that replaces its image atomically
    (``AtomicFileMixin``); one figure per dataset.

    Example:
        ```yaml
        events.popularity_chart:
          type: ecom_recsys.datasets.AtomicMatplotlibDataset
          filepath: data/08_reporting/events/popularity.png
          save_args: {dpi: 110}
        ```
    """

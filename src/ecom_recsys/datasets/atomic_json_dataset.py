"""A JSON file written whole or not at all."""

from __future__ import annotations

from kedro_datasets.json import JSONDataset

from ecom_recsys.datasets.atomic_file import AtomicFileMixin


class AtomicJSONDataset(AtomicFileMixin, JSONDataset):
    """``json.JSONDataset`` that replaces its file atomically (``AtomicFileMixin``).

    Example:
        ```yaml
        events.best_als_params:
          type: ecom_recsys.datasets.AtomicJSONDataset
          filepath: data/06_models/events/best_als_params.json
        ```
    """

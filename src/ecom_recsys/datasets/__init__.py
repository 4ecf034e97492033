"""Custom Kedro datasets, one per module.

Each class is imported when first used (the catalog names
``ecom_recsys.datasets.<Class>``): reading a CSV need not import Spark,
matplotlib or plotly, which the dashboard would otherwise wait for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ecom_recsys.datasets.als_model_dataset import ALSModelDataset
    from ecom_recsys.datasets.atomic_csv_dataset import AtomicCSVDataset
    from ecom_recsys.datasets.atomic_file import AtomicFileMixin
    from ecom_recsys.datasets.atomic_html_dataset import AtomicHTMLDataset
    from ecom_recsys.datasets.atomic_json_dataset import AtomicJSONDataset
    from ecom_recsys.datasets.atomic_matplotlib_dataset import (
        AtomicMatplotlibDataset,
    )
    from ecom_recsys.datasets.committed_parquet_dataset import (
        CommittedParquetDataset,
    )
    from ecom_recsys.datasets.committed_spark_dataset import CommittedSparkDataset
    from ecom_recsys.datasets.header_csv_dataset import HeaderCSVDataset

_MODULES = {
    "ALSModelDataset": "als_model_dataset",
    "AtomicCSVDataset": "atomic_csv_dataset",
    "AtomicFileMixin": "atomic_file",
    "AtomicHTMLDataset": "atomic_html_dataset",
    "AtomicJSONDataset": "atomic_json_dataset",
    "AtomicMatplotlibDataset": "atomic_matplotlib_dataset",
    "CommittedParquetDataset": "committed_parquet_dataset",
    "CommittedSparkDataset": "committed_spark_dataset",
    "HeaderCSVDataset": "header_csv_dataset",
}

__all__ = [
    "ALSModelDataset",
    "AtomicCSVDataset",
    "AtomicFileMixin",
    "AtomicHTMLDataset",
    "AtomicJSONDataset",
    "AtomicMatplotlibDataset",
    "CommittedParquetDataset",
    "CommittedSparkDataset",
    "HeaderCSVDataset",
]


def __getattr__(name: str) -> Any:
    """``ecom_recsys.datasets.<Class>``, imported from its module on first use."""
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)

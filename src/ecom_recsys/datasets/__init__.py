"""Custom Kedro datasets."""

from ecom_recsys.datasets.als_model_dataset import ALSModelDataset
from ecom_recsys.datasets.atomic_csv_dataset import AtomicCSVDataset
from ecom_recsys.datasets.atomic_file import (
    AtomicFileMixin,
    AtomicHTMLDataset,
    AtomicJSONDataset,
    AtomicMatplotlibDataset,
)
from ecom_recsys.datasets.committed_parquet_dataset import CommittedParquetDataset
from ecom_recsys.datasets.committed_spark_dataset import CommittedSparkDataset
from ecom_recsys.datasets.header_csv_dataset import HeaderCSVDataset

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

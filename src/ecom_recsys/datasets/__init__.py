"""Custom Kedro datasets."""

from ecom_recsys.datasets.als_model_dataset import ALSModelDataset
from ecom_recsys.datasets.committed_parquet_dataset import CommittedParquetDataset

__all__ = ["ALSModelDataset", "CommittedParquetDataset"]

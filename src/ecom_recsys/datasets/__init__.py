"""Custom Kedro datasets."""

from ecom_recsys.datasets.als_model_dataset import ALSModelDataset
from ecom_recsys.datasets.committed_parquet_dataset import CommittedParquetDataset
from ecom_recsys.datasets.committed_spark_dataset import CommittedSparkDataset

__all__ = ["ALSModelDataset", "CommittedParquetDataset", "CommittedSparkDataset"]

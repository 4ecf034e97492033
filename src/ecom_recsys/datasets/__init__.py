"""Custom Kedro datasets."""

from ecom_recsys.datasets.als_model_dataset import ALSModelDataset

__all__ = ["ALSModelDataset"]

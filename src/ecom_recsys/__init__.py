"""ecom_recsys: Kedro + Spark pipelines for e-commerce recommendations."""

__version__ = "0.1.0"

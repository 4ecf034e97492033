"""Generate demo data in the raw schemas of the real datasets."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]

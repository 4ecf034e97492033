"""ALS, the popularity baseline, top-K recommendations and their evaluation."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]

"""Metrics table, product analytics, readable recommendations and charts."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]

"""Read, validate and quarantine raw data; write typed events."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]

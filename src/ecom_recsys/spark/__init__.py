"""Spark helpers: the session, DataFrame helpers and the one adapter to Spark internals."""

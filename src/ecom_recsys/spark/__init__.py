"""Spark helpers: the session (classic or Spark Connect), DataFrame helpers, the
one adapter to Spark internals (``jvm``) and its public-API twins (``storage``,
``als_scoring``)."""

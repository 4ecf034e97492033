"""Names shared across stages, datasets and the dashboard: one home for each.

Column names of the canonical tables, the group of all users, the model and
baseline names of the metrics table, and the labels of where a served product
came from. Change a name here and every reader and writer follows.
"""

from __future__ import annotations

# The data sources, each with its own ingestion and the same downstream stages.
SOURCES = ("events", "orders", "interactions")

# Columns of the canonical tables.
USER_ID, PRODUCT_ID = "user_id", "product_id"  # the source's own ids
USER, ITEM = "user_idx", "item_idx"  # dense int ids that ALS needs
GROUP = "group"  # a user's group: an RFM segment, or ALL_USERS

# Periods of the interactions table: ``train`` (before the test cut-off) and
# ``test``; with a validation cut-off also ``tuning`` and ``validation``.
TRAIN, TEST, TUNING, VALIDATION = "train", "test", "tuning", "validation"

# The group of every user: its list is overall popularity.
ALL_USERS = "all"

# The event type of a row that counts every type together (reporting's activity).
ALL_EVENTS = "all"

# The file Spark writes last into an output folder: the folder is complete.
SUCCESS_MARKER = "_SUCCESS"

# Spark's column of a CSV line that did not parse (PERMISSIVE mode).
CORRUPT_COLUMN = "_corrupt_record"

# What Spark reads in place of each byte that is not valid in the file's encoding.
REPLACEMENT_CHARACTER = "\ufffd"

# What the quarantine keeps of a rejected row: why, from which file, its values,
# and whether its text held bytes that are not valid UTF-8 (or the set encoding).
AUDIT_COLUMNS = ["reject_reason", "source_file", "raw_record", "invalid_utf8"]

# Models and baselines: the `model` column of ranking_metrics.
ALS_MODEL = "als"
POPULARITY = "popularity"
RECENT_POPULARITY = "recent_popularity"
RANDOM = "random"
OWN_HISTORY = "own_history"
SEGMENT_POPULARITY = "segment_popularity"  # the customer's segment's favourites
HYBRID = "hybrid"  # own history first, then ALS
GLOBAL_MEAN = "global_mean"  # predicts the mean training rating (beside ALS's RMSE)
BASELINE = POPULARITY  # the baseline every model is compared with
# The simple alternatives a shop could use instead of a model: the served
# model must beat each of them on validation (a tie goes to the baseline).
BASELINES = (POPULARITY, RECENT_POPULARITY, OWN_HISTORY, SEGMENT_POPULARITY)
# The sources whose users have segments (RFM), so segment popularity is a
# candidate: each segment computed only from the data before the period scored.
SEGMENTED_SOURCES = ("orders",)

# Similar products (``similar_products``): per product (``item_idx``) its
# similar ones (``similar_idx``, source id ``similar_product_id``), by a
# ``method``: ALS item factors or co-occurrence (either can be served, chosen on
# validation), or the popularity baseline they are compared with.
SIMILAR_ITEM, SIMILAR_PRODUCT_ID = "similar_idx", "similar_product_id"
METHOD = "method"
COOCCURRENCE = "cooccurrence"  # products touched by the same users
SIMILAR_METHODS = (ALS_MODEL, COOCCURRENCE)  # what can be served
SIMILAR_EVALUATED = (*SIMILAR_METHODS, POPULARITY)  # what the metrics compare

# Evaluation protocols: the `protocol` column of the metrics. CONFIGURED: the
# configured truth and exclusions; NEW_ITEMS: truth only products new to the
# user, lists exclude everything the user has seen.
CONFIGURED, NEW_ITEMS = "configured", "new_items"

# Where a served product came from: the `source` column of served lists,
# ``segment:<group>`` for a segment's popular products.
FROM_MODEL = "model"
FROM_SEGMENT = "segment"
FROM_POPULARITY = "popularity"
SERVED_FROM = {
    FROM_MODEL: "chosen model",
    FROM_SEGMENT: "segment favourites",
    FROM_POPULARITY: "popularity",
}

# Per-source datasets (``<source>.<name>``) a tracked run records in MLflow when
# they are saved (``ecom_recsys.tracking``), and the suffix of the charts it logs.
MODEL_METRICS_DATASET = "model_metrics"
DATA_QUALITY_DATASET = "data_quality"
TUNING_TRIALS_DATASET = "tuning_trials"
ALS_MODEL_DATASET = "als_model"
CHART_SUFFIX = "_chart"

# The currency of each source's prices, where the data says it (Olist: Brazilian
# reais); other sources' prices are shown without a unit.
CURRENCY = {"orders": "BRL"}

"""BI exports: tidy tables with the same columns for every source, for Power BI
and other tools (``08_reporting/<source>/bi/``).

Every source's product table has its own columns; these nodes map them to one
set (``category, brand, price``, null where a source has no such field) so a
report built on one source works on the others.
"""

from __future__ import annotations

import pandas as pd
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from ecom_recsys.names import FROM_MODEL, METHOD, SERVED_FROM, SIMILAR_PRODUCT_ID

from .tables import METRIC_COLUMNS, share

# The product columns each source may have, in order of preference.
CATEGORY = ("category_code", "product_category", "category_id")
PRICE = ("price", "avg_price")

PRODUCT_COLUMNS = [
    "product_id",
    "category",
    "brand",
    "price",
    "users",
    "train_users",
    "purchases",
    "avg_rating",
    "last_interaction",
    "popularity_rank",
    "recommended_users",
    "recommended_by_model",
]


def _first_present(frame: DataFrame, names: tuple[str, ...], dtype: str) -> Column:
    """The first non-null of ``names`` that ``frame`` has, cast to ``dtype``
    (a typed null when it has none)."""
    present = [F.col(n).cast(dtype) for n in names if n in frame.columns]
    if not present:
        return F.lit(None).cast(dtype)
    return F.coalesce(*present) if len(present) > 1 else present[0]


def _customer_as_user() -> Column:
    """The orders source's person id (Olist's ``customer_unique_id``) as the
    ``user_id`` of the other tables."""
    return F.col("customer_unique_id").alias("user_id")


def product_details(frame: DataFrame) -> list[Column]:
    """``category, brand, price`` from whichever product columns ``frame`` has.

    ``category`` is the category code (events; its numeric id when the code is
    missing) or the category name (orders); ``price`` the price (events) or the
    average price paid (orders).
    """
    return [
        _first_present(frame, CATEGORY, "string").alias("category"),
        _first_present(frame, ("brand",), "string").alias("brand"),
        F.round(_first_present(frame, PRICE, "double"), 2).alias("price"),
    ]


def export_recommendations(top_recommendations_pretty: DataFrame) -> DataFrame:
    """The served top-K lists: ``user_id, rank, product_id, category, brand, price,
    score, source`` (one row per user and rank)."""
    recs = top_recommendations_pretty
    return recs.select(
        "user_id", "rank", "product_id", *product_details(recs), "score", "source"
    )


def export_similar_products(similar_products_pretty: DataFrame) -> DataFrame:
    """The served similar products: ``product_id, rank, similar_product_id,
    category, brand, price`` (of the similar product), ``score, method`` (one
    row per product and rank)."""
    similar = similar_products_pretty
    return similar.select(
        "product_id",
        "rank",
        SIMILAR_PRODUCT_ID,
        *product_details(similar),
        "score",
        METHOD,
    )


def export_products(
    products: DataFrame,
    interactions: DataFrame,
    top_recommendations_pretty: DataFrame,
) -> DataFrame:
    """Product analytics: one row per product with its details, how many users
    interacted and bought, popularity rank in training and how often it is served.

    Columns: ``product_id, category, brand, price, users, train_users,
    purchases, avg_rating, last_interaction, popularity_rank,
    recommended_users, recommended_by_model``. ``users`` counts both periods;
    ``train_users`` the models' training rows (training period, positive
    weight), the popularity behind ``popularity_rank`` (1 = most popular, ties
    by product id, null without training users). ``purchases`` and
    ``avg_rating`` are null for sources without purchases or ratings. The rank
    is one window over the catalogue (a row per product, not per event).
    """
    observed = interactions.where(F.col("period").isin("train", "test"))
    purchases = (
        F.sum("n_purchase").cast("long")
        if "n_purchase" in interactions.columns
        else F.lit(None).cast("long")
    )
    rating = (
        F.round(F.avg("rating"), 4)
        if "rating" in interactions.columns
        else F.lit(None).cast("double")
    )
    in_training = (F.col("period") == "train") & (F.col("weight") > 0)
    activity = observed.groupBy("product_id").agg(
        F.countDistinct("user_id").alias("users"),
        F.countDistinct(F.when(in_training, F.col("user_id"))).alias("train_users"),
        purchases.alias("purchases"),
        rating.alias("avg_rating"),
        F.max("last_event_time").alias("last_interaction"),
    )
    served = top_recommendations_pretty.groupBy("product_id").agg(
        F.count("*").alias("recommended_users"),
        F.count(F.when(F.col("source") == FROM_MODEL, 1)).alias("recommended_by_model"),
    )
    popular = Window.orderBy(F.desc("train_users"), F.asc("product_id"))
    table = (
        products.select("product_id", *product_details(products))
        .join(activity, "product_id", "left")
        .join(served, "product_id", "left")
        .fillna(
            0, ["users", "train_users", "recommended_users", "recommended_by_model"]
        )
    )
    rank = F.when(F.col("train_users") > 0, F.row_number().over(popular))
    return table.withColumn("popularity_rank", rank).select(*PRODUCT_COLUMNS)


def export_metrics(model_metrics: pd.DataFrame) -> pd.DataFrame:
    """The metrics table in its documented column order (a row per model and
    metric)."""
    return model_metrics[METRIC_COLUMNS].reset_index(drop=True)


def export_segments(
    segment_summary: pd.DataFrame,
    top_recommendations_pretty: DataFrame,
    customer_features: DataFrame,
) -> pd.DataFrame:
    """RFM segments with where their recommendations come from.

    The segment summary's columns, then ``recommendations`` served to the
    segment's customers and the shares of them from the model, the segment's
    own popular products and overall popularity. Counted by Spark per segment.
    """
    kind = F.split("source", ":").getItem(0)
    counted = (
        top_recommendations_pretty.join(
            customer_features.select(_customer_as_user(), "segment"), "user_id"
        )
        .groupBy("segment")
        .agg(
            F.count("*").alias("recommendations"),
            *[F.count(F.when(kind == k, 1)).alias(f"from_{k}") for k in SERVED_FROM],
        )
        .collect()
    )
    served = pd.DataFrame(
        [r.asDict() for r in counted],
        columns=["segment", "recommendations", *[f"from_{k}" for k in SERVED_FROM]],
    )
    table = segment_summary.merge(served, on="segment", how="left")
    table["recommendations"] = table["recommendations"].fillna(0).astype("int64")
    for k in SERVED_FROM:
        from_k = table.pop(f"from_{k}").fillna(0)
        table[f"{k}_share"] = share(from_k, table["recommendations"])
    return table


def export_customers(customer_features: DataFrame) -> DataFrame:
    """One row per customer: ``user_id`` (Olist's ``customer_unique_id``), RFM
    segment, scores and values, first and last purchase."""
    return customer_features.select(
        _customer_as_user(),
        "segment",
        "r_score",
        "f_score",
        "m_score",
        "recency_days",
        "frequency",
        F.round("monetary", 2).alias("monetary"),
        "n_products",
        "n_categories",
        F.round("avg_review_score", 3).alias("avg_review_score"),
        "first_purchase",
        "last_purchase",
    )

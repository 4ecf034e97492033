"""Reporting nodes that build tables: the metrics table, product analytics,
readable recommendations, the funnel, the popularity long tail, order statistics
and segment summaries. Spark computes; only small summaries are made local."""

from __future__ import annotations

import pandas as pd
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from ecom_recsys.names import (
    ALS_MODEL,
    BASELINE,
    CONFIGURED,
    ITEM,
    METHOD,
    PRODUCT_ID,
    SIMILAR_ITEM,
    SIMILAR_PRODUCT_ID,
    USER,
)
from ecom_recsys.params import GroupListParams, LongTailParams, TopProductsParams

# The event types of the conversion funnel, in order.
FUNNEL = ["view", "cart", "remove_from_cart", "purchase"]

# The metrics table's columns, in order (the BI export keeps them).
METRIC_COLUMNS = [
    "model",
    "protocol",
    "metric",
    "k",
    "value",
    "lift_vs_popularity",
    "users_evaluated",
    "users_cold",
    "served",
]

# Digits of a share (a fraction of a whole) in the summary tables.
SHARE_DIGITS = 4

# The recommendation lists the long-tail table counts, and its columns in order.
LONG_TAIL_LISTS = (ALS_MODEL, "served")
LONG_TAIL_COLUMNS = [
    "bucket",
    "first_rank",
    "last_rank",
    "products",
    "interactions",
    "interaction_share",
    "cumulative_product_share",
    "cumulative_interaction_share",
    "als_recommendations",
    "als_share",
    "served_recommendations",
    "served_share",
]


def share(part: pd.Series, whole: pd.Series | float) -> pd.Series:
    """``part / whole`` rounded to ``SHARE_DIGITS``; null where ``whole`` is 0.

    ``whole`` is a number or a series aligned with ``part``.
    """
    whole = pd.Series(whole, index=part.index)
    return (part / whole).where(whole > 0).round(SHARE_DIGITS)


def _with_products(
    frame: DataFrame, product_index: DataFrame, products: DataFrame
) -> tuple[DataFrame, list[str]]:
    """``frame``'s ``item_idx`` mapped to the source's ``product_id``, with every
    product detail (left join: a product missing from ``products`` keeps its
    row); also the details' names, the product table's columns but the id."""
    details = [c for c in products.columns if c != "product_id"]
    joined = frame.join(product_index, "item_idx").join(products, "product_id", "left")
    return joined, details


def build_model_metrics(metrics: pd.DataFrame) -> pd.DataFrame:
    """Metrics table with each model's relative lift over the popularity baseline
    in the same protocol, and which model is served (chosen on validation).

    ``lift_vs_popularity = value / baseline_value - 1`` (empty for the baseline
    itself, and when the baseline scored 0).
    """
    table = metrics.copy()
    if "protocol" not in table:  # metrics of a run from before the protocols
        table["protocol"] = CONFIGURED
    if "served" not in table:  # ... or before the choice on validation
        table["served"] = False
    baseline = table[table["model"] == BASELINE].set_index(["protocol", "metric"])
    keys = pd.MultiIndex.from_frame(table[["protocol", "metric"]])
    base = pd.Series(baseline["value"].reindex(keys).to_numpy(), index=table.index)
    table["lift_vs_popularity"] = (table["value"] / base - 1).where(
        (table["model"] != BASELINE) & (base > 0)
    )
    order = ["protocol", "metric", "model"]
    return table[METRIC_COLUMNS].sort_values(order).reset_index(drop=True)


def configured_protocol(model_metrics: pd.DataFrame) -> pd.DataFrame:
    """The rows of the configured protocol (all rows of an older table)."""
    if "protocol" not in model_metrics:
        return model_metrics
    return model_metrics[model_metrics["protocol"] == CONFIGURED]


def build_analytics_summary(events: DataFrame, products: DataFrame) -> DataFrame:
    """Per product: views, carts, removals, purchases, conversion and revenue.

    ``conversion_rate = purchases / views`` (null without views); ``revenue`` is
    the sum of prices of purchase events.
    """
    counts = [
        F.sum(F.when(F.col("event_type") == t, 1).otherwise(0)).alias(f"{t}s")
        for t in FUNNEL
    ]
    per_product = events.groupBy("product_id").agg(
        *counts,
        F.countDistinct("user_id").alias("users"),
        F.sum(F.when(F.col("event_type") == "purchase", F.col("price"))).alias(
            "revenue"
        ),
    )
    return per_product.join(products, "product_id", "left").select(
        "product_id",
        "category_code",
        "brand",
        "price",
        "users",
        *[f"{t}s" for t in FUNNEL],
        (F.col("purchases") / F.nullif(F.col("views"), F.lit(0))).alias(
            "conversion_rate"
        ),
        F.round(F.coalesce("revenue", F.lit(0.0)), 2).alias("revenue"),
    )


def build_top_products(
    products: DataFrame, top_products: TopProductsParams
) -> pd.DataFrame:
    """The ``top_products.n`` products with the most ``top_products.by`` (ties:
    the smaller product id), with ``rank`` from 1 and every column of ``products``.

    Spark sorts; only those rows are local, so the dashboard reads a small file
    instead of a table with a row per product.

    Raises:
        ValueError: When ``top_products.by`` is not a column of ``products``.
    """
    by, n = top_products.by, top_products.n
    if by not in products.columns:
        raise ValueError(
            f"reporting.<source>.top_products.by = {by!r} is not a column of the "
            f"products table; use one of {products.columns} (in "
            "parameters_reporting.yml, or with --params)"
        )
    top = products.orderBy(F.desc_nulls_last(by), "product_id").limit(n).toPandas()
    top.insert(0, "rank", range(1, len(top) + 1))
    return top


def build_category_summary(analytics_summary: DataFrame) -> pd.DataFrame:
    """Per category (``(none)`` for products without one): products, views,
    purchases, revenue and ``conversion_rate`` = purchases / views; best sellers
    first. A row per category of the catalogue's taxonomy: a small table.
    """
    return (
        analytics_summary.withColumn(
            "category", F.coalesce("category_code", F.lit("(none)"))
        )
        .groupBy("category")
        .agg(
            F.count(F.lit(1)).alias("products"),
            F.sum("views").alias("views"),
            F.sum("purchases").alias("purchases"),
            F.round(F.sum("revenue"), 2).alias("revenue"),
        )
        .withColumn("conversion_rate", F.col("purchases") / F.nullif("views", F.lit(0)))
        .orderBy(F.desc("revenue"), F.desc("purchases"), "category")
        .toPandas()
    )


def build_top_recommendations_pretty(
    recommendations: DataFrame,
    user_index: DataFrame,
    product_index: DataFrame,
    products: DataFrame,
) -> DataFrame:
    """Recommendations with source ids and every product detail, ready to read.

    Columns: ``user_id, rank, product_id``, the product table's other columns,
    then ``score`` (and ``source`` when the recommendations carry one). Sorted by
    user and rank, so Parquet's row-group statistics let a reader of one user's
    list (the dashboard) skip every other row group.
    """
    extra = [c for c in ("source",) if c in recommendations.columns]
    joined, details = _with_products(
        recommendations.join(user_index, "user_idx"), product_index, products
    )
    return joined.select(
        "user_id",
        "rank",
        "product_id",
        *details,
        F.round("score", 6).alias("score"),
        *extra,
    ).orderBy("user_id", "rank")


def build_similar_products_pretty(
    similar_products: DataFrame, product_index: DataFrame, products: DataFrame
) -> DataFrame:
    """Similar products with source ids and the similar product's details.

    Columns: ``product_id, rank, similar_product_id``, the product table's
    other columns (of the similar product), ``score, method``; each file
    sorted by product and rank (no global sort: nothing reads one product's
    list by skipping row groups).
    """
    similar = similar_products.withColumnRenamed(ITEM, "_product").withColumnRenamed(
        SIMILAR_ITEM, ITEM
    )
    joined, details = _with_products(similar, product_index, products)
    named = joined.withColumnRenamed(PRODUCT_ID, SIMILAR_PRODUCT_ID).join(
        product_index.withColumnRenamed(ITEM, "_product"), "_product"
    )
    return named.select(
        PRODUCT_ID,
        "rank",
        SIMILAR_PRODUCT_ID,
        *details,
        F.round("score", 6).alias("score"),
        METHOD,
    ).sortWithinPartitions(PRODUCT_ID, "rank")


def build_funnel(events: DataFrame) -> pd.DataFrame:
    """Events and distinct users per funnel step (a row per step, in order).

    ``share_of_viewers`` = users with the step / users who viewed (null without
    viewers). Counted by Spark; only the four rows are local.
    """
    counted = {
        r["event_type"]: r
        for r in events.where(F.col("event_type").isin(FUNNEL))
        .groupBy("event_type")
        .agg(F.count("*").alias("events"), F.countDistinct("user_id").alias("users"))
        .collect()
    }
    table = pd.DataFrame(
        {
            "step": FUNNEL,
            "events": [
                int(counted[t]["events"]) if t in counted else 0 for t in FUNNEL
            ],
            "users": [int(counted[t]["users"]) if t in counted else 0 for t in FUNNEL],
        }
    )
    table["share_of_viewers"] = share(table["users"], table.loc[0, "users"])
    return table


def build_popularity_long_tail(
    train: DataFrame,
    als_recommendations: DataFrame,
    served_recommendations: DataFrame,
    long_tail: LongTailParams,
) -> pd.DataFrame:
    """Training products in buckets of popularity rank, with the share of
    interactions and of recommendations that falls in each bucket.

    Popularity is the number of distinct training users of a product; rank 1 is
    the most popular (ties by the smaller item index). Bucket ``b`` of ``B``
    holds ranks ``(b-1)*P/B < rank <= b*P/B`` of ``P`` products. Counted by
    Spark; only the ``long_tail.buckets`` rows are local.

    Returns:
        ``bucket, first_rank, last_rank, products, interactions`` (user-product
        pairs), ``interaction_share``, ``cumulative_product_share``,
        ``cumulative_interaction_share``, ``als_recommendations, als_share``,
        ``served_recommendations, served_share``.
    """
    ranked, n_products = _rank_by_popularity(train, long_tail.buckets)
    per_bucket = ranked.groupBy("bucket").agg(
        F.min("rank").alias("first_rank"),
        F.max("rank").alias("last_rank"),
        F.count("*").alias("products"),
        F.sum("interactions").alias("interactions"),
    )
    given = (als_recommendations, served_recommendations)
    lists = dict(zip(LONG_TAIL_LISTS, given, strict=True))
    for name, recs in lists.items():
        counts = (
            recs.join(ranked.select(ITEM, "bucket"), ITEM)
            .groupBy("bucket")
            .agg(F.count("*").alias(f"{name}_recommendations"))
        )
        per_bucket = per_bucket.join(counts, "bucket", "left")
    per_bucket = per_bucket.fillna(0, [f"{name}_recommendations" for name in lists])
    table = pd.DataFrame(
        [tuple(r) for r in per_bucket.orderBy("bucket").collect()],
        columns=per_bucket.columns,
    ).astype("int64")
    return _long_tail_shares(table, n_products)


def _rank_by_popularity(train: DataFrame, buckets: int) -> tuple[DataFrame, int]:
    """Training products with ``interactions`` (distinct users), popularity
    ``rank`` and ``bucket`` (of ``buckets``), and how many products there are.

    Raises:
        ValueError: When ``train`` is empty.
    """
    popularity = train.groupBy(ITEM).agg(F.countDistinct(USER).alias("interactions"))
    n_products = popularity.count()
    if n_products == 0:
        raise ValueError("The training table is empty: no popularity to report.")
    rank = F.row_number().over(Window.orderBy(F.desc("interactions"), F.asc(ITEM)))
    ranked = popularity.withColumn("rank", rank).withColumn(
        "bucket",
        (F.floor((F.col("rank") - 1) * buckets / n_products) + 1).cast("int"),
    )
    return ranked, n_products


def _long_tail_shares(table: pd.DataFrame, n_products: int) -> pd.DataFrame:
    """The counts per bucket with their shares, in ``LONG_TAIL_COLUMNS`` order
    (a list without recommendations has a share of 0 in every bucket)."""
    table["interaction_share"] = table["interactions"] / table["interactions"].sum()
    table["cumulative_product_share"] = table["last_rank"] / n_products
    table["cumulative_interaction_share"] = table["interaction_share"].cumsum()
    for name in LONG_TAIL_LISTS:
        total = table[f"{name}_recommendations"].sum()
        table[f"{name}_share"] = (
            table[f"{name}_recommendations"] / total if total else 0.0
        )
    return table[LONG_TAIL_COLUMNS].round(6)


def build_group_recommendations(
    group_items: DataFrame,
    product_index: DataFrame,
    products: DataFrame,
    recommend: GroupListParams,
) -> DataFrame:
    """Top-K products per user group (segment) with product details.

    Columns: ``group, rank, product_id``, the product table's other columns,
    ``n_users`` (buyers in the group).
    """
    k = recommend.top_k
    joined, details = _with_products(
        group_items.where(F.col("group_rank") <= k), product_index, products
    )
    return joined.select(
        "group",
        F.col("group_rank").alias("rank"),
        "product_id",
        *details,
        "n_users",
    )


def describe_order_lines(order_lines: DataFrame) -> pd.DataFrame:
    """Descriptive statistics of prices, freight, order values and review scores.

    Order values and review scores are counted once per order, prices and
    freight once per order line. Computed by Spark; only the summary is local.
    """
    per_order = order_lines.groupBy("order_id").agg(
        F.first("order_value").alias("order_value"),
        F.first("review_score").alias("review_score"),
    )
    frames = {
        "price": order_lines.select("price"),
        "freight_value": order_lines.select("freight_value"),
        "order_value": per_order.select("order_value"),
        "review_score": per_order.select(F.col("review_score").cast("double")),
    }
    stats = ["count", "mean", "stddev", "min", "25%", "50%", "75%", "max"]
    rows = []
    for name, frame in frames.items():
        summary = {r["summary"]: r[name] for r in frame.summary(*stats).collect()}
        rows.append({"variable": name, **{s: float(summary[s]) for s in stats}})
    table = pd.DataFrame(rows).rename(
        columns={"25%": "p25", "50%": "median", "75%": "p75", "stddev": "std"}
    )
    return table.round(4)


def summarise_segments(customer_features: DataFrame) -> pd.DataFrame:
    """Customers, average RFM and review score per segment (a row per segment)."""
    rows = (
        customer_features.groupBy("segment")
        .agg(
            F.count("*").alias("customers"),
            F.round(F.avg("recency_days"), 1).alias("avg_recency_days"),
            F.round(F.avg("frequency"), 3).alias("avg_frequency"),
            F.round(F.avg("monetary"), 2).alias("avg_monetary"),
            F.round(F.avg("avg_review_score"), 3).alias("avg_review_score"),
        )
        .collect()
    )
    table = pd.DataFrame([r.asDict() for r in rows])
    table["share"] = share(table["customers"], table["customers"].sum())
    return table.sort_values("customers", ascending=False).reset_index(drop=True)

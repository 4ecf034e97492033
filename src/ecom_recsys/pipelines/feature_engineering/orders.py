"""Orders-source features: the order-line table, RFM, segments and aggregates.

Customers are keyed on ``customer_unique_id``: Olist's ``customer_id`` is new for
every order, so it cannot link a customer's orders.
"""

from __future__ import annotations

import logging

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from ecom_recsys.names import GROUP, PRODUCT_ID, USER, USER_ID
from ecom_recsys.params import OrderLineParams, RFMParams, SegmentRule

logger = logging.getLogger(__name__)

UNKNOWN_CATEGORY = "unknown"


def latest_review_per_order(reviews: DataFrame) -> DataFrame:
    """One review per order: the latest answered (then created, then by id)."""
    latest = F.struct(
        F.col("review_answer_timestamp"),
        F.col("review_creation_date"),
        F.col("review_id"),
        F.col("review_score"),
    )
    return reviews.groupBy("order_id").agg(
        F.max(latest).getField("review_score").alias("review_score")
    )


def payments_per_order(payments: DataFrame) -> DataFrame:
    """Payments summed per order, with the main payment type and installments."""
    return payments.groupBy("order_id").agg(
        F.round(F.sum("payment_value"), 2).alias("payment_value"),
        F.count("*").alias("n_payments"),
        # the largest payment's type (ties: the later type name)
        F.max(F.struct("payment_value", "payment_type"))
        .getField("payment_type")
        .alias("payment_type"),
        F.max("payment_installments").alias("payment_installments"),
    )


def _warn_missing_customers(lines: DataFrame) -> DataFrame:
    """Olist has a customers row for every order; count and log any line whose
    customer is missing rather than dropping it silently."""
    n_missing = lines.where(F.col("customer_unique_id").isNull()).count()
    if n_missing:
        logger.warning(
            "%d order lines have a customer_id missing from the customers table; "
            "they are left out of the order lines (fix olist_customers_dataset.csv)",
            n_missing,
        )
    return lines.where(F.col("customer_unique_id").isNotNull())


def _line_columns(lines: DataFrame) -> DataFrame:
    """The order-line columns: category (``unknown`` when missing), order value
    (payments, else items' price and freight) and ``log1p`` of skewed amounts."""
    category = F.coalesce(
        F.col("product_category_name_english"),
        F.col("product_category_name"),
        F.lit(UNKNOWN_CATEGORY),
    )
    items_value = F.sum(F.col("price") + F.coalesce("freight_value", F.lit(0.0))).over(
        Window.partitionBy("order_id")
    )
    order_value = F.round(F.coalesce(F.col("payment_value"), items_value), 2)
    return lines.select(
        "order_id",
        "order_item_id",
        "customer_unique_id",
        "customer_id",
        "customer_state",
        "order_status",
        "order_purchase_timestamp",
        PRODUCT_ID,
        category.alias("product_category"),
        "seller_id",
        "seller_state",
        "price",
        "freight_value",
        order_value.alias("order_value"),
        "payment_type",
        "payment_installments",
        "review_score",
        F.col("review_score").isNotNull().alias("has_review"),
        F.log1p("price").alias("log_price"),
        F.log1p("freight_value").alias("log_freight_value"),
        F.log1p(order_value).alias("log_order_value"),
    )


def build_order_lines(
    orders: DataFrame,
    order_items: DataFrame,
    customers: DataFrame,
    products: DataFrame,
    category_translation: DataFrame,
    sellers: DataFrame,
    order_reviews: DataFrame,
    order_payments: DataFrame,
    params: OrderLineParams,
) -> DataFrame:
    """One row per order item, with everything known about its order.

    Orders are kept when their status is in ``params.order_status``. Products
    without a category get ``unknown``; orders without a review keep a null
    score (``has_review`` false); orders without payments fall back to the sum
    of their items' price and freight. Skewed amounts get ``log1p`` columns.
    """
    statuses = [str(s).lower() for s in params.order_status]
    kept_orders = orders.where(F.col("order_status").isin(statuses)).select(
        "order_id", "customer_id", "order_status", "order_purchase_timestamp"
    )
    lines = (
        order_items.join(kept_orders, "order_id")
        .join(
            customers.select("customer_id", "customer_unique_id", "customer_state"),
            "customer_id",
            "left",
        )
        .join(products.select(PRODUCT_ID, "product_category_name"), PRODUCT_ID, "left")
        .join(F.broadcast(category_translation), "product_category_name", "left")
        .join(sellers.select("seller_id", "seller_state"), "seller_id", "left")
        .join(latest_review_per_order(order_reviews), "order_id", "left")
        .join(payments_per_order(order_payments), "order_id", "left")
    )
    return _line_columns(_warn_missing_customers(lines))


def _score(value: Column, thresholds: list[float], higher_is_better: bool) -> Column:
    """1 + the number of thresholds passed: a score from 1 to len(thresholds) + 1."""
    passed = [
        F.when(value >= t if higher_is_better else value <= t, 1).otherwise(0)
        for t in thresholds
    ]
    return (F.lit(1) + sum(passed, F.lit(0))).cast("int")


def build_customer_features(order_lines: DataFrame, rfm: RFMParams) -> DataFrame:
    """Per customer: RFM, breadth, reviews, RFM scores and a readable segment.

    Recency is counted in days from the day after the last purchase in the data
    (or ``rfm.reference_date``); frequency is the number of orders; monetary the
    sum of order values. Scores are 1 + the number of thresholds passed
    (``rfm.thresholds``); the segment is the first rule of ``rfm.segments`` whose
    minimum (and maximum) scores the customer meets.
    """
    per_order = order_lines.groupBy("customer_unique_id", "order_id").agg(
        F.first("order_purchase_timestamp").alias("ts"),
        F.first("order_value").alias("order_value"),
    )
    reference = rfm.reference_date
    if reference:
        ref = per_order.sparkSession.range(1).select(
            F.to_date(F.lit(str(reference))).alias("ref")
        )
    else:
        ref = per_order.agg(F.date_add(F.to_date(F.max("ts")), 1).alias("ref"))
    orders = (
        per_order.crossJoin(F.broadcast(ref))
        .groupBy("customer_unique_id")
        .agg(
            F.datediff(F.first("ref"), F.to_date(F.max("ts"))).alias("recency_days"),
            F.count("order_id").alias("frequency"),
            F.round(F.sum("order_value"), 2).alias("monetary"),
            F.min("ts").alias("first_purchase"),
            F.max("ts").alias("last_purchase"),
        )
    )
    breadth = order_lines.groupBy("customer_unique_id").agg(
        F.countDistinct("product_id").alias("n_products"),
        F.countDistinct("product_category").alias("n_categories"),
        F.round(F.avg("review_score"), 3).alias("avg_review_score"),
    )
    t = rfm.thresholds
    features = orders.join(breadth, "customer_unique_id").select(
        "*",
        _score(F.col("recency_days"), t.recency_days, higher_is_better=False).alias(
            "r_score"
        ),
        _score(F.col("frequency"), t.frequency, higher_is_better=True).alias("f_score"),
        _score(F.col("monetary"), t.monetary, higher_is_better=True).alias("m_score"),
    )
    return features.withColumn("segment", _segment(rfm.segments))


def _segment(rules: list[SegmentRule]) -> Column:
    """The name of the first rule whose score bounds a customer meets."""
    expr = None
    for rule in rules:
        cond = F.lit(True)
        for letter in "rfm":
            low, high = getattr(rule, f"min_{letter}"), getattr(rule, f"max_{letter}")
            if low is not None:
                cond = cond & (F.col(f"{letter}_score") >= low)
            if high is not None:
                cond = cond & (F.col(f"{letter}_score") <= high)
        name = F.lit(rule.name)
        expr = F.when(cond, name) if expr is None else expr.when(cond, name)
    return expr.otherwise(F.lit("other"))


def build_order_feedback(order_lines: DataFrame) -> DataFrame:
    """Canonical feedback: one purchase per order line, rated by its review score."""
    return order_lines.select(
        F.col("customer_unique_id").alias(USER_ID),
        PRODUCT_ID,
        F.lit("purchase").alias("event_type"),
        F.col("order_purchase_timestamp").alias("event_time"),
        F.col("review_score").cast("double").alias("rating"),
    )


def _aggregates(order_lines: DataFrame) -> list[Column]:
    return [
        F.countDistinct("order_id").alias("n_orders"),
        F.countDistinct("customer_unique_id").alias("n_customers"),
        F.round(F.avg("price"), 2).alias("avg_price"),
        F.round(F.avg("freight_value"), 2).alias("avg_freight_value"),
        F.round(F.avg("review_score"), 3).alias("avg_review_score"),
        F.round(F.sum("price"), 2).alias("revenue"),
    ]


def build_order_products(order_lines: DataFrame, products: DataFrame) -> DataFrame:
    """Every catalogue product with its category and sales aggregates (0 if unsold)."""
    category = order_lines.groupBy("product_id").agg(
        F.first("product_category").alias("product_category"), *_aggregates(order_lines)
    )
    return (
        products.select("product_id", "product_weight_g")
        .join(category, "product_id", "left")
        .select(
            "product_id",
            F.coalesce("product_category", F.lit(UNKNOWN_CATEGORY)).alias(
                "product_category"
            ),
            F.coalesce("n_orders", F.lit(0)).alias("n_orders"),
            F.coalesce("n_customers", F.lit(0)).alias("n_customers"),
            "avg_price",
            "avg_freight_value",
            "avg_review_score",
            F.coalesce("revenue", F.lit(0.0)).alias("revenue"),
            "product_weight_g",
        )
    )


def build_category_aggregates(order_lines: DataFrame) -> DataFrame:
    """Per category: products sold, orders, customers, prices, freight, reviews."""
    return order_lines.groupBy("product_category").agg(
        F.countDistinct("product_id").alias("n_products"), *_aggregates(order_lines)
    )


def segment_groups(user_index: DataFrame, customer_features: DataFrame) -> DataFrame:
    """Each indexed customer's group for fallback recommendations: its segment."""
    return user_index.join(
        customer_features.select(
            F.col("customer_unique_id").alias(USER_ID),
            F.col("segment").alias(GROUP),
        ),
        USER_ID,
        "left",
    ).select(USER, F.coalesce(GROUP, F.lit("other")).alias(GROUP))


def period_segments(
    order_lines: DataFrame, period: DataFrame, user_index: DataFrame, rfm: RFMParams
) -> DataFrame:
    """Each customer's segment from their orders up to their last interaction in
    ``period`` (``train`` or ``tuning_train``), for the customers in it.

    Segment popularity scored on the next period then never sees that period's
    orders (``user_groups``, for serving, uses every order).
    """
    until = (
        period.groupBy(USER)
        .agg(F.max("last_event_time").alias("_until"))
        .join(user_index, USER)
    )
    lines = order_lines.join(
        until.select(F.col(USER_ID).alias("customer_unique_id"), "_until"),
        "customer_unique_id",
    ).where(F.col("order_purchase_timestamp") <= F.col("_until"))
    return segment_groups(
        until.select(USER, USER_ID), build_customer_features(lines.drop("_until"), rfm)
    )

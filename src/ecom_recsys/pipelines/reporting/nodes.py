"""Nodes that turn model output into tables and charts people read."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no display: charts are written to files

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from pyspark.sql import DataFrame  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

BASELINE = "popularity"
FUNNEL = ["view", "cart", "remove_from_cart", "purchase"]


def build_model_metrics(metrics: pd.DataFrame) -> pd.DataFrame:
    """Metrics table with each model's relative lift over the popularity baseline.

    ``lift_vs_popularity = value / baseline_value - 1`` (empty for the baseline
    itself, and when the baseline scored 0).
    """
    baseline = metrics[metrics["model"] == BASELINE].set_index("metric")["value"]
    table = metrics.copy()
    base = table["metric"].map(baseline)
    table["lift_vs_popularity"] = (table["value"] / base - 1).where(
        (table["model"] != BASELINE) & (base > 0)
    )
    columns = [
        "model",
        "metric",
        "k",
        "value",
        "lift_vs_popularity",
        "users_evaluated",
        "users_cold",
    ]
    return table[columns].sort_values(["metric", "model"]).reset_index(drop=True)


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


def build_top_recommendations_pretty(
    recommendations: DataFrame,
    user_index: DataFrame,
    product_index: DataFrame,
    products: DataFrame,
) -> DataFrame:
    """Recommendations with source ids and every product detail, ready to read.

    Columns: ``user_id, rank, product_id``, the product table's other columns,
    then ``score`` (and ``source`` when the recommendations carry one).
    """
    details = [c for c in products.columns if c != "product_id"]
    extra = [c for c in ("source",) if c in recommendations.columns]
    return (
        recommendations.join(user_index, "user_idx")
        .join(product_index, "item_idx")
        .join(products, "product_id", "left")
        .select(
            "user_id",
            "rank",
            "product_id",
            *details,
            F.round("score", 6).alias("score"),
            *extra,
        )
    )


def plot_model_metrics(model_metrics: pd.DataFrame) -> Figure:
    """Bar chart of each metric at K for ALS against the baselines."""
    table = model_metrics.pivot(index="metric", columns="model", values="value")
    k = int(model_metrics["k"].iloc[0])
    fig, ax = plt.subplots(figsize=(8, 4.5))
    table.plot.bar(ax=ax, rot=0)
    users = int(model_metrics["users_evaluated"].iloc[0])
    ax.set_title(f"Ranking metrics at K={k} on {users:,} test users")
    ax.set_xlabel("")
    ax.set_ylabel("value")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def plot_funnel(analytics_summary: DataFrame) -> Figure:
    """Bar chart of the number of events per funnel step (log scale)."""
    totals = analytics_summary.agg(*[F.sum(f"{t}s").alias(t) for t in FUNNEL]).first()
    values = [int(totals[t] or 0) for t in FUNNEL]
    fig, ax = plt.subplots(figsize=(7, 4))
    bars = ax.bar(FUNNEL, values, color=["#4C72B0", "#55A868", "#C44E52", "#8172B2"])
    ax.set_yscale("log")
    ax.bar_label(bars, labels=[f"{v:,}" for v in values])
    ax.set_title("Conversion funnel: events per type")
    fig.tight_layout()
    return fig

"""Nodes that turn model output into tables and charts people read."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: charts are written to files

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from pyspark.sql import DataFrame, Window  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

from ecom_recsys.names import BASELINE, ITEM, SERVED_FROM, USER  # noqa: E402

FUNNEL = ["view", "cart", "remove_from_cart", "purchase"]


METRIC_COLUMNS = [
    "model",
    "metric",
    "k",
    "value",
    "lift_vs_popularity",
    "users_evaluated",
    "users_cold",
]


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
    return table[METRIC_COLUMNS].sort_values(["metric", "model"]).reset_index(drop=True)


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
    products: DataFrame, top_products: dict[str, Any]
) -> pd.DataFrame:
    """The ``top_products.n`` products with the most ``top_products.by`` (ties:
    the smaller product id), with ``rank`` from 1 and every column of ``products``.

    Spark sorts; only those rows are local, so the dashboard reads a small file
    instead of a table with a row per product.

    Raises:
        ValueError: When ``top_products.by`` is not a column of ``products``.
    """
    by, n = top_products["by"], int(top_products["n"])
    if by not in products.columns:
        raise ValueError(
            f"reporting.<source>.top_products.by = {by!r} (parameters_reporting.yml) "
            f"is not a column of the products table; use one of {products.columns}"
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
        .orderBy("user_id", "rank")
    )


ACCURACY = ["precision", "recall", "ndcg", "map"]


BEYOND_ACCURACY = ["coverage", "long_tail_share"]


def plot_model_metrics(model_metrics: pd.DataFrame) -> Figure:
    """Bar charts of the ranking metrics at K for ALS against the baselines and,
    beside them, catalogue coverage and long-tail share."""
    k = int(model_metrics["k"].iloc[0])
    users = int(model_metrics["users_evaluated"].iloc[0])
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [2, 1]}
    )
    panels = [
        (left, ACCURACY, f"Ranking metrics at K={k} on {users:,} test users"),
        (right, BEYOND_ACCURACY, "Beyond accuracy (share)"),
    ]
    for ax, metrics, title in panels:
        chosen = model_metrics[model_metrics["metric"].isin(metrics)]
        if chosen.empty:
            ax.set_axis_off()
            continue
        table = chosen.pivot(index="metric", columns="model", values="value")
        table = table.reindex([m for m in metrics if m in table.index])
        table.plot.bar(ax=ax, rot=0, legend=ax is left)
        ax.set_title(title)
        ax.set_xlabel("")
        ax.grid(axis="y", alpha=0.3)
    left.set_ylabel("value")
    fig.tight_layout()
    return fig


def build_funnel(events: DataFrame) -> pd.DataFrame:
    """Events and distinct users per funnel step (a row per step, in order).

    ``share_of_viewers`` = users with the step / users who viewed. Counted by
    Spark; only the four rows are local.
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
    viewers = table.loc[0, "users"]
    table["share_of_viewers"] = (table["users"] / viewers).round(4) if viewers else None
    return table


def plot_funnel(funnel: pd.DataFrame) -> Figure:
    """Bar chart of events per funnel step (log scale), labelled with users."""
    fig, ax = plt.subplots(figsize=(7, 4))
    bars = ax.bar(
        funnel["step"],
        funnel["events"],
        color=["#4C72B0", "#55A868", "#C44E52", "#8172B2"][: len(funnel)],
    )
    ax.set_yscale("log")
    labels = [
        f"{e:,} events\n{u:,} users"
        for e, u in zip(funnel["events"], funnel["users"], strict=True)
    ]
    ax.bar_label(bars, labels=labels, fontsize=8)
    ax.set_title("Conversion funnel: events per type")
    ax.margins(y=0.25)
    fig.tight_layout()
    return fig


def build_popularity_long_tail(
    train: DataFrame,
    als_recommendations: DataFrame,
    served_recommendations: DataFrame,
    long_tail: dict[str, Any],
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
    buckets = int(long_tail["buckets"])
    popularity = train.groupBy(ITEM).agg(F.countDistinct(USER).alias("interactions"))
    n_products = popularity.count()
    if n_products == 0:
        raise ValueError("The training table is empty: no popularity to report.")
    rank = F.row_number().over(Window.orderBy(F.desc("interactions"), F.asc(ITEM)))
    ranked = popularity.withColumn("rank", rank).withColumn(
        "bucket",
        (F.floor((F.col("rank") - 1) * buckets / n_products) + 1).cast("int"),
    )
    per_bucket = ranked.groupBy("bucket").agg(
        F.min("rank").alias("first_rank"),
        F.max("rank").alias("last_rank"),
        F.count("*").alias("products"),
        F.sum("interactions").alias("interactions"),
    )
    for name, recs in (
        ("als_recommendations", als_recommendations),
        ("served_recommendations", served_recommendations),
    ):
        counts = (
            recs.join(ranked.select(ITEM, "bucket"), ITEM)
            .groupBy("bucket")
            .agg(F.count("*").alias(name))
        )
        per_bucket = per_bucket.join(counts, "bucket", "left")
    per_bucket = per_bucket.fillna(0, ["als_recommendations", "served_recommendations"])
    columns = per_bucket.columns
    table = pd.DataFrame(
        [tuple(r) for r in per_bucket.orderBy("bucket").collect()], columns=columns
    ).astype("int64")
    table["interaction_share"] = table["interactions"] / table["interactions"].sum()
    table["cumulative_product_share"] = table["last_rank"] / n_products
    table["cumulative_interaction_share"] = table["interaction_share"].cumsum()
    for name in ("als", "served"):
        total = table[f"{name}_recommendations"].sum()
        table[f"{name}_share"] = (
            table[f"{name}_recommendations"] / total if total else 0.0
        )
    order = [
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
    return table[order].round(6)


LONG_TAIL_SERIES = {
    "interaction_share": "training interactions",
    "als_share": "ALS recommendations",
    "served_share": "served recommendations",
}


def plot_popularity_long_tail(long_tail: pd.DataFrame) -> Figure:
    """Users per product by popularity rank (log scale), and the cumulative share
    of interactions and of recommendations against the share of products."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    x = long_tail["cumulative_product_share"] * 100
    width = (100 / len(long_tail)) * 0.9
    left.bar(
        x, long_tail["interactions"] / long_tail["products"], width=-width, align="edge"
    )
    left.set_yscale("log")
    left.set_xlabel("products by popularity rank (%)")
    left.set_ylabel("training users per product (mean)")
    left.set_title("The long tail of product popularity")
    start = pd.Series([0.0])
    xs = pd.concat([start, x], ignore_index=True)
    for column, label in LONG_TAIL_SERIES.items():
        cumulative = pd.concat(
            [start, long_tail[column].cumsum() * 100], ignore_index=True
        )
        right.plot(xs, cumulative, marker=".", label=label)
    right.plot([0, 100], [0, 100], color="grey", linestyle=":", label="uniform")
    right.set_xlabel("products by popularity rank (%)")
    right.set_ylabel("cumulative share (%)")
    right.set_title("Where interactions and recommendations go")
    right.legend(loc="lower right")
    right.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_tuning_trials(tuning_trials: pd.DataFrame) -> Figure:
    """Validation NDCG of every configuration tried, the chosen one highlighted
    and each labelled with its fit time; a note when tuning was off."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    if tuning_trials.empty:
        ax.text(
            0.5,
            0.5,
            "No tuning trials: tuning.enabled is false in parameters_modeling.yml,\n"
            "so the model was fitted with the `als` parameters as given.",
            ha="center",
            va="center",
        )
        ax.set_axis_off()
        return fig
    labels = [
        f"#{t.trial}\nrank {t.rank}\nλ {t.reg_param:g}, α {t.alpha:g}"
        for t in tuning_trials.itertuples()
    ]
    chosen = tuning_trials["chosen"].astype(bool)
    colors = ["#C44E52" if c else "#4C72B0" for c in chosen]
    bars = ax.bar(labels, tuning_trials["ndcg"], color=colors)
    ax.bar_label(
        bars, labels=[f"{s:.1f}s" for s in tuning_trials["fit_seconds"]], fontsize=8
    )
    ax.set_ylabel("validation NDCG")
    ax.set_title(
        "Hyperparameter search: validation NDCG per configuration (red: chosen)"
    )
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def build_group_recommendations(
    group_items: DataFrame,
    product_index: DataFrame,
    products: DataFrame,
    recommend: dict[str, Any],
) -> DataFrame:
    """Top-K products per user group (segment) with product details.

    Columns: ``group, rank, product_id``, the product table's other columns,
    ``n_users`` (buyers in the group).
    """
    k = int(recommend["top_k"])
    details = [c for c in products.columns if c != "product_id"]
    return (
        group_items.where(F.col("group_rank") <= k)
        .join(product_index, "item_idx")
        .join(products, "product_id", "left")
        .select(
            "group",
            F.col("group_rank").alias("rank"),
            "product_id",
            *details,
            "n_users",
        )
    )


DESCRIBED = ["price", "freight_value", "order_value", "review_score"]


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


def plot_order_distributions(order_lines: DataFrame) -> Figure:
    """Histograms (log scale) of order values, prices and freight, and the
    distribution of review scores; bins are counted by Spark."""
    per_order = order_lines.groupBy("order_id").agg(
        F.first("log_order_value").alias("log_order_value"),
        F.first("review_score").alias("review_score"),
    )
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    panels = [
        (per_order, "log_order_value", "order value (log1p BRL)"),
        (order_lines, "log_price", "item price (log1p BRL)"),
        (order_lines, "log_freight_value", "freight (log1p BRL)"),
    ]
    for ax, (frame, column, title) in zip(axes.flat, panels, strict=False):
        edges, counts = _histogram(frame, column, bins=30)
        ax.bar(edges[:-1], counts, width=edges[1] - edges[0], align="edge")
        ax.set_title(title)
    scores = per_order.groupBy("review_score").count().collect()
    scores = sorted((r["review_score"], r["count"]) for r in scores if r[0] is not None)
    ax = axes.flat[3]
    ax.bar([str(s) for s, _ in scores], [c for _, c in scores], color="#55A868")
    ax.set_title("review score (orders)")
    fig.tight_layout()
    return fig


def _histogram(
    frame: DataFrame, column: str, bins: int
) -> tuple[list[float], list[int]]:
    """Equal-width bins over [min, max] of ``column``, counted by Spark."""
    lo, hi = frame.agg(F.min(column), F.max(column)).first()
    lo, hi = float(lo or 0.0), float(hi or 0.0)
    width = (hi - lo) / bins or 1.0
    index = F.least(F.floor((F.col(column) - lo) / width), F.lit(bins - 1)).cast("int")
    counted = dict(
        frame.where(F.col(column).isNotNull())
        .groupBy(index.alias("b"))
        .count()
        .collect()
    )
    edges = [lo + i * width for i in range(bins + 1)]
    return edges, [int(counted.get(i, 0)) for i in range(bins)]


def plot_category_aggregates(category_aggregates: DataFrame) -> Figure:
    """Revenue and average review score of the 15 best-selling categories."""
    top = category_aggregates.orderBy(F.desc("revenue")).limit(15).collect()
    names = [r["product_category"] for r in top][::-1]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 6), sharey=True)
    left.barh(names, [r["revenue"] for r in top][::-1])
    left.set_title("revenue (BRL)")
    right.barh(names, [r["avg_review_score"] or 0 for r in top][::-1], color="#C44E52")
    right.set_xlim(1, 5)
    right.set_title("average review score")
    fig.tight_layout()
    return fig


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
    table["share"] = (table["customers"] / table["customers"].sum()).round(4)
    return table.sort_values("customers", ascending=False).reset_index(drop=True)


def plot_segments(segments: pd.DataFrame) -> Figure:
    """RFM segments: customers, average recency and spend, and where their
    recommendations come from (the BI segments table)."""
    fig, (count, rfm, served) = plt.subplots(1, 3, figsize=(15, 4.5))
    names = segments["segment"]
    bars = count.bar(names, segments["customers"])
    count.bar_label(bars, labels=[f"{v:,}" for v in segments["customers"]], fontsize=8)
    count.set_title("Customers per RFM segment")
    rfm.scatter(segments["avg_recency_days"], segments["avg_monetary"], s=60)
    for row in segments.itertuples():
        rfm.annotate(row.segment, (row.avg_recency_days, row.avg_monetary), fontsize=8)
    rfm.set_xlabel("average recency (days)")
    rfm.set_ylabel("average spend (BRL)")
    rfm.set_title("Recency and spend per segment")
    bottom = pd.Series(0.0, index=segments.index)
    for kind, label in SERVED_FROM.items():
        share = segments[f"{kind}_share"].fillna(0.0)
        served.bar(names, share, bottom=bottom, label=label)
        bottom += share
    served.set_ylim(0, 1.2)  # room for the legend above the bars
    served.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    served.set_title("Where their recommendations come from")
    served.legend(fontsize=8, loc="upper center", ncol=3)
    for ax in (count, served):
        ax.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    return fig

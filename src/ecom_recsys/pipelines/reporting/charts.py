"""Reporting nodes that draw charts: matplotlib figures (written as PNG files)
and interactive plotly versions of the evaluation charts (written as HTML pages
to open in a browser: hover for exact values, click the legend to hide series).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no display: charts are written to files

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import plotly.express as px  # noqa: E402
import plotly.graph_objects as go  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from pyspark.sql import DataFrame  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

from ecom_recsys.names import SERVED_FROM  # noqa: E402
from ecom_recsys.pipelines.reporting.tables import configured_protocol  # noqa: E402

# Bar colours.
BLUE, GREEN, RED, PURPLE = "#4C72B0", "#55A868", "#C44E52", "#8172B2"

# The metrics of each panel of the metrics chart.
ACCURACY = ["precision", "recall", "ndcg", "map"]
BEYOND_ACCURACY = ["coverage", "long_tail_share"]

# The long-tail table's share columns drawn as cumulative curves, with labels.
LONG_TAIL_SERIES = {
    "interaction_share": "training interactions",
    "als_share": "ALS recommendations",
    "served_share": "served recommendations",
}
RANK_AXIS = "products by popularity rank (%)"
CUMULATIVE_AXIS = "cumulative share (%)"


def _cumulative_percent(
    long_tail: pd.DataFrame,
) -> tuple[list[float], dict[str, list[float]]]:
    """The long-tail table in cumulative percent, each curve from 0: the share
    of products by popularity rank (x) and, per label of ``LONG_TAIL_SERIES``,
    the share of interactions or recommendations up to that rank."""
    x = [0.0, *(long_tail["cumulative_product_share"] * 100)]
    curves = {
        label: [0.0, *(long_tail[column].cumsum() * 100)]
        for column, label in LONG_TAIL_SERIES.items()
    }
    return x, curves


def plot_model_metrics(model_metrics: pd.DataFrame) -> Figure:
    """Bar charts of the ranking metrics at K for ALS against the baselines and,
    beside them, catalogue coverage and long-tail share (configured protocol)."""
    model_metrics = configured_protocol(model_metrics)
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


def plot_funnel(funnel: pd.DataFrame) -> Figure:
    """Bar chart of events per funnel step (log scale), labelled with users."""
    fig, ax = plt.subplots(figsize=(7, 4))
    bars = ax.bar(
        funnel["step"],
        funnel["events"],
        color=[BLUE, GREEN, RED, PURPLE][: len(funnel)],
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


def plot_popularity_long_tail(long_tail: pd.DataFrame) -> Figure:
    """Users per product by popularity rank (log scale), and the cumulative share
    of interactions and of recommendations against the share of products."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    x, curves = _cumulative_percent(long_tail)
    width = (100 / len(long_tail)) * 0.9
    left.bar(
        x[1:],
        long_tail["interactions"] / long_tail["products"],
        width=-width,
        align="edge",
    )
    left.set_yscale("log")
    left.set_xlabel(RANK_AXIS)
    left.set_ylabel("training users per product (mean)")
    left.set_title("The long tail of product popularity")
    for label, cumulative in curves.items():
        right.plot(x, cumulative, marker=".", label=label)
    right.plot([0, 100], [0, 100], color="grey", linestyle=":", label="uniform")
    right.set_xlabel(RANK_AXIS)
    right.set_ylabel(CUMULATIVE_AXIS)
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
        + (f"\npop. {w:g}" if (w := getattr(t, "popularity_weight", 0.0)) else "")
        for t in tuning_trials.itertuples()
    ]
    chosen = tuning_trials["chosen"].astype(bool)
    colors = [RED if c else BLUE for c in chosen]
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
    ax.bar([str(s) for s, _ in scores], [c for _, c in scores], color=GREEN)
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
    right.barh(names, [r["avg_review_score"] or 0 for r in top][::-1], color=RED)
    right.set_xlim(1, 5)
    right.set_title("average review score")
    fig.tight_layout()
    return fig


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


def plot_model_metrics_interactive(model_metrics: pd.DataFrame) -> go.Figure:
    """Every metric of every model as grouped bars; the hover shows the lift over
    the popularity baseline and the number of users evaluated; one row of
    panels per protocol."""
    k = int(model_metrics["k"].iloc[0])
    fig = px.bar(
        model_metrics,
        x="metric",
        y="value",
        color="model",
        barmode="group",
        facet_row="protocol" if "protocol" in model_metrics else None,
        hover_data=["lift_vs_popularity", "users_evaluated", "users_cold"],
        title=f"Metrics at K={k}: ALS against the baselines",
    )
    fig.update_layout(yaxis_title="value", xaxis_title="")
    return fig


def plot_popularity_long_tail_interactive(long_tail: pd.DataFrame) -> go.Figure:
    """Cumulative share of training interactions, ALS and served recommendations
    against the share of products by popularity rank; the hover gives the ranks."""
    x, curves = _cumulative_percent(long_tail)
    ranks = [
        "",
        *(
            f"ranks {a}-{b}"
            for a, b in zip(
                long_tail["first_rank"], long_tail["last_rank"], strict=True
            )
        ),
    ]
    fig = go.Figure()
    for label, cumulative in curves.items():
        fig.add_trace(
            go.Scatter(
                x=x,
                y=cumulative,
                mode="lines+markers",
                name=label,
                text=ranks,
                hovertemplate="%{text}: %{y:.1f}% of " + label + "<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[0, 100], y=[0, 100], mode="lines", name="uniform", line={"dash": "dot"}
        )
    )
    fig.update_layout(
        title="Where interactions and recommendations go, by product popularity",
        xaxis_title=RANK_AXIS,
        yaxis_title=CUMULATIVE_AXIS,
    )
    return fig

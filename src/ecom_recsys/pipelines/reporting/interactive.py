"""Interactive (plotly) versions of the evaluation charts, written as HTML pages
to open in a browser: hover for exact values, click the legend to hide series."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from .nodes import LONG_TAIL_SERIES


def plot_model_metrics_interactive(model_metrics: pd.DataFrame) -> go.Figure:
    """Every metric of every model as grouped bars; the hover shows the lift over
    the popularity baseline and the number of users evaluated."""
    k = int(model_metrics["k"].iloc[0])
    fig = px.bar(
        model_metrics,
        x="metric",
        y="value",
        color="model",
        barmode="group",
        hover_data=["lift_vs_popularity", "users_evaluated", "users_cold"],
        title=f"Metrics at K={k}: ALS against the baselines",
    )
    fig.update_layout(yaxis_title="value", xaxis_title="")
    return fig


def plot_popularity_long_tail_interactive(long_tail: pd.DataFrame) -> go.Figure:
    """Cumulative share of training interactions, ALS and served recommendations
    against the share of products by popularity rank; the hover gives the ranks."""
    x = [0.0, *(long_tail["cumulative_product_share"] * 100)]
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
    for column, label in LONG_TAIL_SERIES.items():
        y = [0.0, *(long_tail[column].cumsum() * 100)]
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
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
        xaxis_title="products by popularity rank (%)",
        yaxis_title="cumulative share (%)",
    )
    return fig

"""Unit tests for the reporting charts (reporting/charts.py): matplotlib figures
and their interactive plotly versions, drawn from small local tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from matplotlib.figure import Figure

from ecom_recsys.pipelines.reporting.charts import (
    plot_funnel,
    plot_model_metrics,
    plot_model_metrics_interactive,
    plot_popularity_long_tail,
    plot_popularity_long_tail_interactive,
    plot_segments,
    plot_tuning_trials,
)


@pytest.fixture
def metrics():
    """A metrics table as build_model_metrics writes it."""
    nan = float("nan")
    data = [
        ("als", "ndcg", 10, 0.3, 0.5, 100, 5),
        ("popularity", "ndcg", 10, 0.2, nan, 100, 5),
        ("als", "precision", 10, 0.1, nan, 100, 5),
        ("popularity", "precision", 10, 0.0, nan, 100, 5),
    ]
    columns = ["model", "metric", "k", "value", "lift_vs_popularity"]
    return pd.DataFrame(data, columns=[*columns, "users_evaluated", "users_cold"])


LONG_TAIL = pd.DataFrame(
    {
        "bucket": [1, 2],
        "first_rank": [1, 3],
        "last_rank": [2, 4],
        "products": [2, 2],
        "interactions": [6, 2],
        "interaction_share": [0.75, 0.25],
        "cumulative_product_share": [0.5, 1.0],
        "cumulative_interaction_share": [0.75, 1.0],
        "als_recommendations": [1, 3],
        "als_share": [0.25, 0.75],
        "served_recommendations": [2, 0],
        "served_share": [1.0, 0.0],
    }
)


def test_metrics_chart_has_a_bar_per_model_and_metric(metrics):
    fig = plot_model_metrics(metrics)
    heights = sorted(p.get_height() for p in fig.axes[0].patches)
    assert heights == pytest.approx([0.0, 0.1, 0.2, 0.3])
    assert "K=10" in fig.axes[0].get_title()
    assert not math.isnan(heights[0])


def test_metrics_chart_shows_coverage_and_long_tail_beside_accuracy(metrics):
    extra = pd.DataFrame(
        [
            ("als", "coverage", 10, 0.4, 7.0, 100, 5),
            ("popularity", "coverage", 10, 0.05, None, 100, 5),
            ("als", "long_tail_share", 10, 0.25, None, 100, 5),
            ("popularity", "long_tail_share", 10, 0.0, None, 100, 5),
        ],
        columns=metrics.columns,
    )
    fig = plot_model_metrics(pd.concat([metrics, extra]))
    right = sorted(p.get_height() for p in fig.axes[1].patches)
    assert right == pytest.approx([0.0, 0.05, 0.25, 0.4])
    assert len(fig.axes[0].patches) == 4  # accuracy only on the left


def test_funnel_chart_has_a_bar_per_step_labelled_with_users():
    funnel = pd.DataFrame(
        {
            "step": ["view", "cart", "remove_from_cart", "purchase"],
            "events": [5, 2, 0, 1],
            "users": [4, 1, 0, 1],
            "share_of_viewers": [1.0, 0.25, 0.0, 0.25],
        }
    )
    fig = plot_funnel(funnel)
    assert isinstance(fig, Figure)
    assert [p.get_height() for p in fig.axes[0].patches] == [5, 2, 0, 1]
    assert fig.axes[0].texts[0].get_text() == "5 events\n4 users"


def test_long_tail_chart_draws_users_per_product_and_cumulative_shares():
    fig = plot_popularity_long_tail(LONG_TAIL)
    assert [p.get_height() for p in fig.axes[0].patches] == [3.0, 1.0]
    curves = {line.get_label(): list(line.get_ydata()) for line in fig.axes[1].lines}
    assert curves["training interactions"] == [0.0, 75.0, 100.0]
    assert curves["ALS recommendations"] == [0.0, 25.0, 100.0]
    assert curves["served recommendations"] == [0.0, 100.0, 100.0]
    assert list(fig.axes[1].lines[0].get_xdata()) == [0.0, 50.0, 100.0]


def test_tuning_chart_highlights_the_chosen_trial():
    trials = pd.DataFrame(
        {
            "trial": [0, 1],
            "rank": [4, 8],
            "reg_param": [0.05, 0.05],
            "alpha": [10.0, 10.0],
            "max_iter": [4, 4],
            "ndcg": [0.1, 0.2],
            "fit_seconds": [1.5, 2.5],
            "chosen": [False, True],
        }
    )
    fig = plot_tuning_trials(trials)
    bars = fig.axes[0].patches
    assert [b.get_height() for b in bars] == [0.1, 0.2]
    assert bars[0].get_facecolor() != bars[1].get_facecolor()
    assert [t.get_text() for t in fig.axes[0].texts] == ["1.5s", "2.5s"]


def test_tuning_chart_says_when_tuning_was_off():
    fig = plot_tuning_trials(pd.DataFrame(columns=["trial", "rank", "ndcg"]))
    assert "tuning.enabled is false" in fig.axes[0].texts[0].get_text()


def test_interactive_metrics_chart_has_a_bar_series_per_model(metrics):
    fig = plot_model_metrics_interactive(metrics)
    series = {t.name: (list(t.x), list(t.y)) for t in fig.data}
    assert series == {
        "als": (["ndcg", "precision"], [0.3, 0.1]),
        "popularity": (["ndcg", "precision"], [0.2, 0.0]),
    }
    assert "K=10" in fig.layout.title.text


def test_interactive_long_tail_chart_draws_cumulative_shares():
    fig = plot_popularity_long_tail_interactive(LONG_TAIL)
    lines = {t.name: list(t.y) for t in fig.data}
    assert lines == {
        "training interactions": [0.0, 75.0, 100.0],
        "ALS recommendations": [0.0, 25.0, 100.0],
        "served recommendations": [0.0, 100.0, 100.0],
        "uniform": [0, 100],
    }
    assert list(fig.data[0].x) == [0.0, 50.0, 100.0]
    assert list(fig.data[0].text) == ["", "ranks 1-2", "ranks 3-4"]


def test_segments_chart_shows_customers_rfm_and_where_recommendations_come_from():
    segments = pd.DataFrame(
        {
            "segment": ["promising", "loyal"],
            "customers": [30, 10],
            "avg_recency_days": [50.0, 200.0],
            "avg_monetary": [100.0, 400.0],
            "model_share": [0.25, float("nan")],
            "segment_share": [0.75, float("nan")],
            "popularity_share": [0.0, float("nan")],
        }
    )
    fig = plot_segments(segments)
    count, rfm, served = fig.axes
    assert [p.get_height() for p in count.patches] == [30, 10]
    assert rfm.collections[0].get_offsets().tolist() == [[50.0, 100.0], [200.0, 400.0]]
    # stacked: ALS, then segment favourites, then popularity, per segment
    assert [p.get_height() for p in served.patches] == [0.25, 0.0, 0.75, 0.0, 0.0, 0.0]
    assert [p.get_y() for p in served.patches[2:4]] == [0.25, 0.0]

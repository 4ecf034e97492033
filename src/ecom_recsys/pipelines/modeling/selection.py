"""Choosing what to serve on the validation period, never on test: ALS, the
hybrids of own history and ALS, and the baselines a shop could use instead are
scored on the same validation users; the best is served, and a model that
loses to a baseline is never served."""

from __future__ import annotations

import logging
import math
from typing import Any

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from ecom_recsys.names import (
    ALS_MODEL,
    BASELINES,
    HYBRID,
    ITEM,
    OWN_HISTORY,
    POPULARITY,
    RECENT_POPULARITY,
    USER,
)
from ecom_recsys.params import EvaluationParams, RecommendParams, ServingParams

from .baselines import recommend_popular
from .evaluation import evaluate_recommendations
from .history import recommend_hybrid, recommend_own_history
from .lists import excluded_items

logger = logging.getLogger(__name__)


def hybrid_name(slots: int) -> str:
    """The name of the hybrid with ``slots`` own products first: ``hybrid:2``."""
    return f"{HYBRID}:{slots}"


def validation_candidates(
    tuning_train: DataFrame,
    validation: DataFrame,
    als_recommendations: DataFrame,
    popular: DataFrame,
    recent_popular: DataFrame,
    recommend: RecommendParams,
    serving: ServingParams,
    other_lists: dict[str, DataFrame],
) -> dict[str, DataFrame]:
    """Every candidate's lists for the validation users, all fitted on the
    tuning data: ALS (the chosen configuration), each hybrid, own history,
    popularity, recent popularity, and the source's own (``other_lists``, e.g.
    segment popularity)."""
    users = validation.select(USER).distinct()
    lists = {
        ALS_MODEL: als_recommendations,
        OWN_HISTORY: recommend_own_history(tuning_train, popular, recommend, users),
        POPULARITY: recommend_popular(popular, tuning_train, recommend, users),
        RECENT_POPULARITY: recommend_popular(
            recent_popular, tuning_train, recommend, users
        ),
        **other_lists,
    }
    for slots in serving.history_slots:
        lists[hybrid_name(slots)] = recommend_hybrid(
            als_recommendations, tuning_train, popular, recommend, slots, users
        )
    return lists


def repeat_shares(
    tuning_train: DataFrame, validation: DataFrame, recommend: RecommendParams
) -> dict[str, float]:
    """Share of the validation truth (user, product pairs) already in the user's
    history, and share the exclusion setting removes from every list."""
    truth = validation.select(USER, ITEM).distinct()
    seen = tuning_train.select(USER, ITEM).withColumn("_seen", F.lit(1))
    excluded = excluded_items(tuning_train, recommend.exclude).withColumn(
        "_excluded", F.lit(1)
    )
    row = (
        truth.join(seen, [USER, ITEM], "left")
        .join(excluded, [USER, ITEM], "left")
        .agg(
            F.count(F.lit(1)).alias("pairs"),
            F.count("_seen").alias("seen"),
            F.count("_excluded").alias("excluded"),
        )
        .first()
    )
    pairs = row["pairs"] or 0
    return {
        "truth_in_history": row["seen"] / pairs if pairs else float("nan"),
        "truth_excluded": row["excluded"] / pairs if pairs else float("nan"),
    }


def choose_served_model(
    tuning_train: DataFrame,
    validation: DataFrame,
    validation_als_recommendations: DataFrame,
    tuning_popular_items: DataFrame,
    tuning_recent_popular_items: DataFrame,
    recommend: RecommendParams,
    evaluation: EvaluationParams,
    serving: ServingParams,
    **other_lists: DataFrame,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Score every candidate on the validation period and choose what to serve.

    The winner has the highest validation NDCG@K; on a tie the simpler wins
    (baselines first, then ALS, then the hybrids), so a model that does not beat
    every baseline is never served; with ``serving.lead_beyond_interval`` its
    lead must also be beyond the lower end of its own 95% interval, else the
    best baseline is served. With ``serving.choose_on_validation`` off, or no
    validation user to measure, ALS is served as configured. ``other_lists``:
    the source's own candidates' validation lists (segment popularity), by name.

    Returns:
        The validation metrics (``model, metric, k, value, users_evaluated,
        users_cold``, plus the repeat shares as ``model = data``), and the
        choice: ``model`` (served), ``history_slots`` (of the best hybrid),
        ``validation_ndcg``, ``best_baseline`` and its NDCG, and ``reason``.
    """
    lists = validation_candidates(
        tuning_train,
        validation,
        validation_als_recommendations,
        tuning_popular_items,
        tuning_recent_popular_items,
        recommend,
        serving,
        other_lists,
    )
    metrics = evaluate_recommendations(tuning_train, validation, evaluation, **lists)
    shares = repeat_shares(tuning_train, validation, recommend)
    _warn_on_exclusion(shares, recommend, serving)
    for name, value in shares.items():
        metrics.loc[len(metrics)] = ["data", name, evaluation.k, value, 0, 0]
    choice = _choose(metrics, serving)
    logger.info("Served model: %s", choice["reason"])
    return metrics, choice


_PREFERENCE = [*BASELINES, ALS_MODEL]  # on a tie, the first; hybrids last


def _choose(metrics: pd.DataFrame, serving: ServingParams) -> dict[str, Any]:
    """The served model and why, from the validation metrics."""
    ndcg = metrics[metrics["metric"] == "ndcg"].set_index("model")["value"]
    hybrids = {m: v for m, v in ndcg.items() if m.startswith(f"{HYBRID}:")}
    best_hybrid = max(hybrids, key=lambda m: (hybrids[m], -int(m.split(":")[1])))
    slots = int(best_hybrid.split(":")[1])
    baselines = ndcg[[m for m in BASELINES if m in ndcg.index]]
    best_baseline = str(baselines.idxmax()) if baselines.notna().any() else POPULARITY
    users = int(metrics["users_evaluated"].max())
    common = {
        "history_slots": slots,
        "best_baseline": best_baseline,
        "best_baseline_ndcg": float(baselines.get(best_baseline, float("nan"))),
        "users_evaluated": users,
    }
    if not serving.choose_on_validation or not users or ndcg.isna().all():
        why = "serving.choose_on_validation is off" if users else "no validation user"
        return {
            "model": ALS_MODEL,
            "validation_ndcg": float(ndcg.get(ALS_MODEL, float("nan"))),
            "reason": f"ALS, as configured ({why})",
            **common,
        }
    order = [m for m in _PREFERENCE if m in ndcg.index] + sorted(hybrids)
    winner = sorted(order, key=lambda m: (-ndcg[m], order.index(m)))[0]
    base = common["best_baseline_ndcg"]
    reason = (
        f"{winner} has the best validation NDCG@K, {ndcg[winner]:.4f}, on {users} "
        f"users; the best simple alternative, {best_baseline}, has {base:.4f}"
    )
    low = metrics[metrics["metric"] == "ndcg_ci_low"].set_index("model")["value"]
    if (
        winner not in BASELINES
        and serving.lead_beyond_interval
        and low.get(winner, -math.inf) <= base
    ):
        reason += (
            f", which is inside the 95% interval of {winner}'s (from "
            f"{low[winner]:.4f}): too small a lead to trust, so {best_baseline} "
            "is served"
        )
        winner = best_baseline
    elif winner not in BASELINES:
        reason += f" ({ndcg[winner] / base - 1:+.0%})" if base > 0 else ""
    return {
        "model": HYBRID if winner.startswith(f"{HYBRID}:") else winner,
        "validation_ndcg": float(ndcg[winner]),
        "reason": reason,
        **common,
    }


def _warn_on_exclusion(
    shares: dict[str, float], recommend: RecommendParams, serving: ServingParams
) -> None:
    """Warn when the exclusion setting removes most of what users come back to."""
    excluded = shares["truth_excluded"]
    if not math.isnan(excluded) and excluded > serving.max_excluded_truth:
        logger.warning(
            "recommend.exclude=%r removes %.0f%% of what validation users actually "
            "came back to (%.0f%% of it was already in their history): consider "
            "exclude: none or purchased in parameters_modeling.yml.",
            recommend.exclude,
            100 * excluded,
            100 * shares["truth_in_history"],
        )


def recommend_served(
    served_model: dict[str, Any],
    als_recommendations: DataFrame,
    train: DataFrame,
    popular: DataFrame,
    recent_popular: DataFrame,
    recommend: RecommendParams,
    **other_lists: DataFrame,
) -> DataFrame:
    """The served model's lists for every training user, fitted on everything
    before the test period (``user_idx, item_idx, rank, score``); ``other_lists``:
    the source's own candidates' lists (segment popularity), by name."""
    model = served_model["model"]
    if model in other_lists:
        return other_lists[model]
    if model == ALS_MODEL:
        return als_recommendations
    if model == HYBRID:
        slots = served_model["history_slots"]
        return recommend_hybrid(als_recommendations, train, popular, recommend, slots)
    if model == OWN_HISTORY:
        return recommend_own_history(train, popular, recommend)
    ranked = recent_popular if model == RECENT_POPULARITY else popular
    return recommend_popular(ranked, train, recommend)


def recommend_chosen_hybrid(
    served_model: dict[str, Any],
    als_recommendations: DataFrame,
    train: DataFrame,
    popular: DataFrame,
    recommend: RecommendParams,
    users: DataFrame | None = None,
) -> DataFrame:
    """The hybrid with the number of own products validation chose, for the
    users in ``users`` (the test period's: it is evaluated once)."""
    slots = served_model["history_slots"]
    return recommend_hybrid(
        als_recommendations, train, popular, recommend, slots, users
    )

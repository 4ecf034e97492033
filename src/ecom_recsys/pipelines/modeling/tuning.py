"""Hyperparameter search for ALS on the validation period."""

from __future__ import annotations

import logging
import random
import time
from typing import Any

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from ecom_recsys.names import USER
from ecom_recsys.params import (
    ALSParams,
    EvaluationParams,
    RecommendParams,
    TuningParams,
)
from ecom_recsys.spark.frames import hash_uniform

from .als import recommend_als, train_als
from .evaluation import evaluate_recommendations
from .lists import training_users

logger = logging.getLogger(__name__)

FITTED = ("rank", "reg_param", "alpha", "max_iter")  # each value needs a fit
TUNED = (*FITTED, "popularity_weight")  # the weight only scores: no refit


def _sample_users(
    train: DataFrame, validation: DataFrame, max_users: int | None, seed: int
) -> tuple[DataFrame, DataFrame]:
    """At most about ``max_users`` training users (a seeded hash sample) and their
    rows of both periods, cached for the trials; all of them when ``None``.

    Every trial fits, recommends and scores on the sample, so the search costs
    the same however large the data grows.
    """
    if max_users is not None:
        known = training_users(train, None)
        n_users = known.count()
        if n_users > int(max_users):
            share = int(max_users) / n_users
            chosen = known.where(hash_uniform(F.lit(seed), F.col(USER)) < share)
            train = train.join(chosen, USER, "left_semi")
            validation = validation.join(chosen, USER, "left_semi")
            logger.info(
                "Tuning on a sample of about %d of %d users (tuning.max_users)",
                max_users,
                n_users,
            )
    return train.persist(), validation.persist()


def _trials(tuning: TuningParams) -> list[dict[str, Any]]:
    """The configurations to try: the full grid, or a seeded random sample of it."""
    grid = tuning.grid.model_dump(exclude_none=True)
    configs: list[dict[str, Any]] = [{}]
    for key in TUNED:
        if key in grid:
            configs = [{**c, key: v} for c in configs for v in grid[key]]
    if tuning.strategy == "random":
        n = min(tuning.n_trials, len(configs))
        configs = random.Random(tuning.seed).sample(configs, n)
    return configs


def choose_trial(trials: pd.DataFrame, tolerance: float = 0.0) -> int:
    """The cheapest trial whose validation NDCG is within ``tolerance`` (a share)
    of the best: the smallest rank, then the fewest iterations, then the earliest.

    ALS costs about rank^2 to rank^3 per iteration, so a configuration that is a
    hair better but twice the rank is not worth it; with ``tolerance`` 0 this is
    simply the best (ties: the earlier trial).

    Raises:
        ValueError: When no trial could score a single validation user.
    """
    scored = trials[trials["ndcg"].notna()]
    if scored.empty:
        raise ValueError(
            "Hyperparameter search: no trial could score any validation user (none "
            "has interactions both before split.validation_start and in the "
            "validation period, among the users sampled). Move "
            "feature_engineering.<source>.split.validation_start, raise "
            "modeling.<source>.tuning.max_users (null: all users), or set "
            "modeling.<source>.tuning.enabled: false."
        )
    good = scored[scored["ndcg"] >= (1.0 - tolerance) * scored["ndcg"].max()]
    return int(good.sort_values(["rank", "max_iter", "trial"]).index[0])


def tune_als(
    tuning_train: DataFrame,
    validation: DataFrame,
    als: ALSParams,
    tuning: TuningParams,
    recommend: RecommendParams,
    evaluation: EvaluationParams,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Search ALS hyperparameters by NDCG@K on the validation period.

    Each configuration of ``tuning.grid`` (all, or ``n_trials`` drawn at random
    with ``tuning.seed``) is fitted on the data before the validation period and
    scored on the validation period only; the test period is never seen
    (configurations that differ only in ``popularity_weight`` share one fit).
    The best NDCG@K (ties: the earlier trial) gives the parameters the final model
    is refitted with on everything before the test period. With
    ``tuning.max_users``, the trials use a seeded sample of that many users;
    with ``tuning.tolerance``, the cheapest configuration within that share of
    the best NDCG is chosen (see ``choose_trial``).

    With ``tuning.enabled: false`` nothing is fitted and ``als`` is used as is.

    Returns:
        The trials table (one row per configuration: parameters, validation
        metrics, fit seconds, ``chosen``) and the chosen ALS parameters.
    """
    columns = [*TUNED, "ndcg", "precision", "recall", "map", "fit_seconds", "chosen"]
    if not tuning.enabled:
        logger.info("Hyperparameter search is off (tuning.enabled): using als as is")
        return pd.DataFrame(columns=["trial", *columns]), als.model_dump()
    if not validation.limit(1).count():
        raise ValueError(
            "tuning.enabled needs a validation period: set "
            "feature_engineering.<source>.split.validation_start (before test_start), "
            "or set modeling.<source>.tuning.enabled: false"
        )
    tuning_train, validation = _sample_users(
        tuning_train, validation, tuning.max_users, tuning.seed
    )
    try:
        trials = _run_trials(
            _trials(tuning), als, tuning_train, validation, recommend, evaluation
        )
    finally:
        tuning_train.unpersist()
        validation.unpersist()
    best = choose_trial(trials, tuning.tolerance)
    trials["chosen"] = trials.index == best
    chosen = _chosen_params(als, trials, best)
    logger.info("Chosen by validation NDCG: %s", {k: chosen[k] for k in TUNED})
    return trials[["trial", *columns]], chosen


def _run_trials(
    configs: list[dict[str, Any]],
    als: ALSParams,
    tuning_train: DataFrame,
    validation: DataFrame,
    recommend: RecommendParams,
    evaluation: EvaluationParams,
) -> pd.DataFrame:
    """One row per configuration, each fitted over ``als`` and scored on the
    validation users; configurations that differ only in their popularity
    weight share one fit."""
    users = validation.select(USER).distinct()
    fits: dict[tuple[Any, ...], list[tuple[int, ALSParams]]] = {}
    for i, config in enumerate(configs):
        params = als.model_copy(update=config)
        fits.setdefault(tuple(getattr(params, k) for k in FITTED), []).append(
            (i, params)
        )
    rows = [
        row
        for trials in fits.values()
        for row in _run_fit(
            trials, tuning_train, validation, users, recommend, evaluation
        )
    ]
    return pd.DataFrame(sorted(rows, key=lambda row: row["trial"]))


def _run_fit(
    trials: list[tuple[int, ALSParams]],
    tuning_train: DataFrame,
    validation: DataFrame,
    users: DataFrame,
    recommend: RecommendParams,
    evaluation: EvaluationParams,
) -> list[dict[str, Any]]:
    """Fit ALS once for ``trials`` (numbered configurations that differ only in
    their popularity weight) on the tuning training data, recommend to the
    validation ``users`` with each weight and score all on the validation
    period in one pass.

    Returns:
        One row per trial: number, tuned parameters, validation metrics and
        fit seconds (the shared fit's).
    """
    started = time.perf_counter()
    model = train_als(tuning_train, trials[0][1])
    fit_seconds = time.perf_counter() - started
    lists = {
        f"trial_{i}": recommend_als(
            model,
            tuning_train,
            recommend,
            users=users,
            popularity_weight=params.popularity_weight,
        )
        for i, params in trials
    }
    scores = evaluate_recommendations(tuning_train, validation, evaluation, **lists)
    rows = []
    for i, params in trials:
        value = scores[scores["model"] == f"trial_{i}"].set_index("metric")["value"]
        config = {k: getattr(params, k) for k in TUNED}
        logger.info(
            "Trial %d %s: validation NDCG@%s %.4f",
            i,
            config,
            evaluation.k,
            value["ndcg"],
        )
        rows.append(
            {
                "trial": i,
                **config,
                **{m: float(value[m]) for m in ("ndcg", "precision", "recall", "map")},
                "fit_seconds": round(fit_seconds, 2),
            }
        )
    return rows


def _chosen_params(als: ALSParams, trials: pd.DataFrame, best: int) -> dict[str, Any]:
    """``als`` with the tuned parameters of trial ``best``, as plain Python
    values (the JSON of ``best_als_params``)."""
    tuned = {k: trials.loc[best, k] for k in TUNED}
    tuned = {k: (v.item() if hasattr(v, "item") else v) for k, v in tuned.items()}
    return {**als.model_dump(), **tuned}

"""The quality report's table, from a run's outputs (the runs themselves are
what `make quality` does on real data: too slow for the suite)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ecom_recsys.params import SplitParams
from ecom_recsys.quality import (
    COLUMNS,
    DATASETS,
    metrics_table,
    run_params,
    split_params,
)


def test_every_split_of_every_dataset_is_a_valid_split():
    for dataset in DATASETS:
        for split in ("time", "user_time", "user_random"):
            SplitParams.model_validate(
                {k: v for k, v in split_params(dataset, split).items() if v is not None}
            )


def test_the_table_has_a_row_per_protocol_and_model_with_the_served_one(tmp_path):
    outputs = tmp_path / "07_model_output" / "interactions"
    version = outputs / "ranking_metrics.csv" / "2026-11-28T10.00.00.000Z"
    version.mkdir(parents=True)
    rows = [
        (model, protocol, metric, value, 500, 3)
        for protocol in ("configured", "new_items")
        for model, value in (("als", 0.1), ("popularity", 0.05))
        for metric in ("ndcg", "ndcg_ci_low", "recall", "mean_popularity")
    ]
    pd.DataFrame(
        rows,
        columns=[
            "model",
            "protocol",
            "metric",
            "value",
            "users_evaluated",
            "users_cold",
        ],
    ).to_csv(version / "ranking_metrics.csv", index=False)
    (outputs / "served_model.json").write_text(json.dumps({"model": "als"}))
    table = metrics_table(tmp_path, "interactions", "movielens_small", "user_time")
    assert list(table.columns) == COLUMNS
    assert table[["protocol", "model", "served", "ndcg", "users_evaluated"]].to_dict(
        "records"
    ) == [
        {
            "protocol": "configured",
            "model": "als",
            "served": True,
            "ndcg": 0.1,
            "users_evaluated": 500,
        },
        {
            "protocol": "configured",
            "model": "popularity",
            "served": False,
            "ndcg": 0.05,
            "users_evaluated": 500,
        },
        {
            "protocol": "new_items",
            "model": "als",
            "served": True,
            "ndcg": 0.1,
            "users_evaluated": 500,
        },
        {
            "protocol": "new_items",
            "model": "popularity",
            "served": False,
            "ndcg": 0.05,
            "users_evaluated": 500,
        },
    ]
    assert set(table["dataset"]) == {"movielens_small"}
    assert table["precision"].isna().all()  # not in the run's table: left empty


def test_a_run_without_a_complete_version_is_named(tmp_path):
    (tmp_path / "07_model_output" / "events" / "ranking_metrics.csv").mkdir(
        parents=True
    )
    with pytest.raises(FileNotFoundError, match="no complete version"):
        metrics_table(tmp_path, "events", "rees46_head", "time")


def test_parameter_overrides_are_nested_and_the_split_is_the_reports():
    split = split_params("movielens_small", "user_time")
    overrides = (
        "feature_engineering.interactions.interaction_weights"
        ".recency_half_life_days=365,modeling.interactions.als.rank=64,"
        "feature_engineering.interactions.split.strategy=time,"
        "modeling.interactions.tuning.grid.alpha=[0.1,0.3]"
    )
    assert run_params("interactions", split, overrides) == {
        "feature_engineering": {
            "interactions": {
                "interaction_weights": {"recency_half_life_days": 365},
                "split": split,  # the report's split wins over an override
            }
        },
        "modeling": {
            "interactions": {
                "als": {"rank": 64},
                "tuning": {"grid": {"alpha": [0.1, 0.3]}},
            }
        },
    }
    assert run_params("orders", split) == {
        "feature_engineering": {"orders": {"split": split}}
    }

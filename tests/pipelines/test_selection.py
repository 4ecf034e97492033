"""Own history, the hybrid and the choice of the served model on validation."""

from __future__ import annotations

import pandas as pd
import pytest

from ecom_recsys.names import (
    ALS_MODEL,
    HYBRID,
    OWN_HISTORY,
    POPULARITY,
    SEGMENT_POPULARITY,
)
from ecom_recsys.params import EvaluationParams, RecommendParams, ServingParams
from ecom_recsys.pipelines.modeling.baselines import popular_items, recommend_popular
from ecom_recsys.pipelines.modeling.history import (
    own_history,
    recommend_hybrid,
    recommend_own_history,
)
from ecom_recsys.pipelines.modeling.pipeline import create_pipeline
from ecom_recsys.pipelines.modeling.selection import (
    _choose,
    choose_served_model,
    recommend_served,
)
from tests.conftest import rows, ts

TRAIN_SCHEMA = (
    "user_idx int, item_idx int, n_view int, n_purchase int, weight double, "
    "last_event_time timestamp"
)
RECS_SCHEMA = "user_idx int, item_idx int, rank int, score double"


@pytest.fixture
def train(spark):
    # user 0 bought 0 and viewed 1 and 2 (2 more recently); user 1 viewed 0, 3
    return spark.createDataFrame(
        [
            (0, 0, 1, 1, 5.0, ts("2019-10-01 10:00:00")),
            (0, 1, 1, 0, 1.0, ts("2019-10-01 11:00:00")),
            (0, 2, 1, 0, 1.0, ts("2019-10-02 11:00:00")),
            (1, 0, 1, 0, 1.0, ts("2019-10-01 10:00:00")),
            (1, 3, 2, 0, 2.0, ts("2019-10-01 09:00:00")),
            (2, 0, 1, 0, 1.0, ts("2019-10-01 09:00:00")),
        ],
        TRAIN_SCHEMA,
    )


def lists(frame):
    return rows(frame.select("user_idx", "item_idx", "rank"), "user_idx", "rank")


def test_own_history_orders_by_strength_then_recency(train):
    got = rows(own_history(train), "user_idx", "order")
    assert got == [
        (0, 0, 1.0),
        (0, 2, 2.0),
        (0, 1, 3.0),
        (1, 3, 1.0),
        (1, 0, 2.0),
        (2, 0, 1.0),
    ]


def test_own_history_baseline_skips_purchases_and_pads_with_popularity(train):
    recommend = RecommendParams(top_k=3, exclude="purchased", max_candidates=10)
    popular = popular_items(train, recommend)  # 0 (3 users), 1, 2, 3 (1 each)
    got = lists(recommend_own_history(train, popular, recommend))
    assert got == [
        (0, 2, 1),  # user 0's own history, purchase 0 excluded
        (0, 1, 2),
        (0, 3, 3),  # padded with the most popular it allows
        (1, 3, 1),
        (1, 0, 2),
        (1, 1, 3),
        (2, 0, 1),
        (2, 1, 2),
        (2, 2, 3),
    ]
    seen = RecommendParams(top_k=2, exclude="seen", max_candidates=10)
    # with 'seen' excluded, no history is left: it is the popularity baseline
    assert lists(recommend_own_history(train, popular, seen)) == lists(
        recommend_popular(popular, train, seen)
    )


def test_hybrid_puts_own_products_first_then_the_model(spark, train):
    recommend = RecommendParams(top_k=3, exclude="purchased", max_candidates=10)
    popular = popular_items(train, recommend)
    als = spark.createDataFrame(
        [(0, 3, 1, 0.9), (0, 1, 2, 0.5), (1, 1, 1, 0.8), (1, 2, 2, 0.7)], RECS_SCHEMA
    )
    users = spark.createDataFrame([(0,), (1,)], "user_idx int")
    got = lists(recommend_hybrid(als, train, popular, recommend, 1, users))
    assert got == [
        (0, 2, 1),  # one own product first
        (0, 3, 2),  # then the model's list
        (0, 1, 3),
        (1, 3, 1),
        (1, 1, 2),
        (1, 2, 3),
    ]


def _metrics(ndcg: dict[str, float], half: float = 0.005) -> pd.DataFrame:
    """Validation NDCG per model, with a 95% interval of +- ``half``."""
    return pd.DataFrame(
        [(m, "ndcg", 10, v, 100, 0) for m, v in ndcg.items()]
        + [(m, "ndcg_ci_low", 10, v - half, 100, 0) for m, v in ndcg.items()],
        columns=["model", "metric", "k", "value", "users_evaluated", "users_cold"],
    )


BASE = {POPULARITY: 0.05, "recent_popularity": 0.04, OWN_HISTORY: 0.10}


def test_the_served_model_must_beat_every_baseline_on_validation():
    serving = ServingParams()
    lost = _choose(_metrics({**BASE, ALS_MODEL: 0.08, "hybrid:2": 0.09}), serving)
    assert lost["model"] == OWN_HISTORY
    assert lost["best_baseline"] == OWN_HISTORY
    tie = _choose(_metrics({**BASE, ALS_MODEL: 0.10, "hybrid:2": 0.10}), serving)
    assert tie["model"] == OWN_HISTORY  # a tie goes to the baseline
    won = _choose(
        _metrics({**BASE, ALS_MODEL: 0.11, "hybrid:2": 0.12, "hybrid:5": 0.13}),
        serving,
    )
    assert (won["model"], won["history_slots"]) == (HYBRID, 5)
    assert won["reason"].startswith("hybrid:5 has the best validation NDCG@K, 0.1300")
    assert "own_history, has 0.1000 (+30%)" in won["reason"]
    # a lead inside the winner's own uncertainty is not trusted ...
    noisy = _choose(_metrics({**BASE, ALS_MODEL: 0.13, "hybrid:2": 0.0}, 0.05), serving)
    assert noisy["model"] == OWN_HISTORY
    assert "too small a lead to trust, so own_history is served" in noisy["reason"]
    # ... unless asked to take any lead
    anyway = ServingParams(lead_beyond_interval=False)
    assert (
        _choose(_metrics({**BASE, ALS_MODEL: 0.13, "hybrid:2": 0.0}, 0.05), anyway)[
            "model"
        ]
        == ALS_MODEL
    )
    off = _choose(
        _metrics({**BASE, ALS_MODEL: 0.01, "hybrid:2": 0.02}),
        ServingParams(choose_on_validation=False),
    )
    assert off["model"] == ALS_MODEL and "as configured" in off["reason"]


def test_segment_popularity_competes_as_a_baseline_where_a_source_has_it(spark):
    won = _choose(
        _metrics({**BASE, SEGMENT_POPULARITY: 0.20, ALS_MODEL: 0.15, "hybrid:2": 0.1}),
        ServingParams(),
    )
    assert (won["model"], won["best_baseline"]) == (SEGMENT_POPULARITY, won["model"])
    beaten = _choose(
        _metrics({**BASE, SEGMENT_POPULARITY: 0.12, ALS_MODEL: 0.2, "hybrid:2": 0.1}),
        ServingParams(),
    )
    assert beaten["model"] == ALS_MODEL
    assert "segment_popularity, has 0.1200 (+67%)" in beaten["reason"]
    segment_lists = spark.createDataFrame([(0, 3, 1, 2.0)], RECS_SCHEMA)
    served = recommend_served(
        won, None, None, None, None, None, segment_popularity=segment_lists
    )
    assert served is segment_lists


def test_only_sources_with_segments_have_the_segment_candidate():
    pipe = create_pipeline()
    choose = {n.name: n for n in pipe.nodes if n.name.endswith("choose_served_model")}
    segment = "validation_segment_popularity_recommendations"
    assert f"orders.{segment}" in choose["orders.choose_served_model"].inputs
    assert not any(segment in i for i in choose["events.choose_served_model"].inputs)
    evaluated = pipe.only_nodes("orders.evaluate_recommendations").inputs()
    assert "orders.segment_popularity_recommendations" in evaluated
    assert "orders.train_user_groups" in pipe.inputs()  # from feature engineering


def test_choice_on_validation_end_to_end_with_repeat_shares(spark, train, caplog):
    recommend = RecommendParams(top_k=2, exclude="seen", max_candidates=10)
    validation = spark.createDataFrame(
        [(0, 1), (0, 3), (1, 3), (2, 2)], "user_idx int, item_idx int"
    )
    als = spark.createDataFrame(
        [(0, 3, 1, 0.9), (1, 1, 1, 0.8), (2, 1, 1, 0.7)], RECS_SCHEMA
    )
    popular = popular_items(train, recommend)
    metrics, choice = choose_served_model(
        train,
        validation,
        als,
        popular,
        popular,
        recommend,
        EvaluationParams(k=2),
        ServingParams(history_slots=[1]),
    )
    data = metrics[metrics["model"] == "data"].set_index("metric")["value"]
    # 2 of the 4 validation pairs were in the history, all of which 'seen' removes
    assert data.to_dict() == {"truth_in_history": 0.5, "truth_excluded": 0.5}
    assert set(metrics["model"]) == {
        ALS_MODEL,
        "hybrid:1",
        OWN_HISTORY,
        POPULARITY,
        "recent_popularity",
        "data",
    }
    assert choice["model"] in {
        ALS_MODEL,
        HYBRID,
        OWN_HISTORY,
        POPULARITY,
        "recent_popularity",
    }
    assert choice["users_evaluated"] == 3
    served = recommend_served(choice, als, train, popular, popular, recommend)
    assert served.select("user_idx").distinct().count() == 3


def test_a_warning_when_the_exclusion_removes_most_of_what_users_come_back_to(
    spark, train, caplog
):
    recommend = RecommendParams(top_k=2, exclude="seen", max_candidates=10)
    validation = spark.createDataFrame([(0, 1), (1, 3)], "user_idx int, item_idx int")
    als = spark.createDataFrame([(0, 3, 1, 0.9), (1, 1, 1, 0.8)], RECS_SCHEMA)
    popular = popular_items(train, recommend)
    choose_served_model(
        train,
        validation,
        als,
        popular,
        popular,
        recommend,
        EvaluationParams(k=2),
        ServingParams(history_slots=[1]),
    )
    assert (
        "recommend.exclude='seen' removes 100% of what validation users" in caplog.text
    )

"""Unit tests for the modeling nodes and the ALS model dataset."""

from __future__ import annotations

import math
import random
import shutil
import statistics

import pandas as pd
import pytest
from kedro.io.core import Version
from pyspark.ml.evaluation import RankingEvaluator

from ecom_recsys.datasets import ALSModelDataset
from ecom_recsys.params import (
    ALSParams,
    BaselineParams,
    EvaluationParams,
    RecommendParams,
    TuningParams,
)
from ecom_recsys.pipelines.modeling.als import (
    recommend_als,
    recommend_chosen_als,
    train_als,
)
from ecom_recsys.pipelines.modeling.baselines import (
    group_popular_items,
    popular_items,
    recent_popular_items,
    recommend_group_popular,
    recommend_popular,
    recommend_random,
)
from ecom_recsys.pipelines.modeling.evaluation import (
    METRICS,
    evaluate_recommendations,
)
from ecom_recsys.pipelines.modeling.lists import excluded_items
from ecom_recsys.pipelines.modeling.serving import serve_recommendations
from ecom_recsys.pipelines.modeling.tuning import (
    _sample_users,
    _trials,
    choose_trial,
    tune_als,
)
from tests.conftest import rows, ts

TRAIN_SCHEMA = "user_idx int, item_idx int, n_view int, n_purchase int, weight double"
RECS_SCHEMA = "user_idx int, item_idx int, rank int, score double"
ALS_PARAMS = ALSParams(
    rank=4,
    reg_param=0.01,
    alpha=5.0,
    max_iter=8,
    seed=1,
    num_blocks=2,
    checkpoint_interval=2,
)


@pytest.fixture
def train(spark):
    # user 0 bought item 0 and viewed 1; user 1 viewed 0 and 2; user 2 bought 3
    return spark.createDataFrame(
        [
            (0, 0, 1, 1, 5.0),
            (0, 1, 3, 0, 3.0),
            (1, 0, 1, 0, 1.0),
            (1, 2, 1, 0, 1.0),
            (2, 3, 0, 1, 4.0),
            (2, 0, 2, 0, 2.0),
        ],
        TRAIN_SCHEMA,
    )


def test_excluded_items_by_mode(train):
    assert rows(excluded_items(train, "purchased"), "user_idx") == [(0, 0), (2, 3)]
    assert len(rows(excluded_items(train, "seen"))) == 6
    assert rows(excluded_items(train, "none")) == []
    with pytest.raises(ValueError, match="exclude"):
        RecommendParams(exclude="bought")


def test_popular_items_rank_by_distinct_users_then_id(train):
    popular = popular_items(train, RecommendParams(max_candidates=3))
    assert rows(popular, "popularity_rank") == [(0, 3, 1), (1, 1, 2), (2, 1, 3)]


def test_popularity_baseline_skips_each_users_purchases(train):
    recommend = RecommendParams(top_k=2, exclude="purchased", max_candidates=10)
    recs = recommend_popular(popular_items(train, recommend), train, recommend)
    assert rows(recs.select("user_idx", "item_idx", "rank"), "user_idx", "rank") == [
        (0, 1, 1),
        (0, 2, 2),
        (1, 0, 1),
        (1, 1, 2),
        (2, 0, 1),
        (2, 1, 2),
    ]


def _two_groups(spark, purchases: bool = False):
    """Two taste groups: users 0-3 like items 0-2, users 4-7 like items 3-5; each
    user leaves one item of the group unseen (and, with ``purchases``, bought
    item ``user % 3``)."""
    data = []
    for u in range(8):
        group = range(3) if u < 4 else range(3, 6)
        for i in group:
            if (u + i) % 3:
                data.append((u, i, 1, int(purchases and i == u % 3), 3.0))
    return spark.createDataFrame(data, TRAIN_SCHEMA)


def _unseen_own_items(spark):
    """The validation period of ``_two_groups``: each user's unseen item of
    their own group."""
    return spark.createDataFrame(
        [
            (u, i)
            for u in range(8)
            for i in (range(3) if u < 4 else range(3, 6))
            if (u + i) % 3 == 0
        ],
        "user_idx int, item_idx int",
    )


def test_als_learns_and_never_recommends_purchased_items(spark):
    train = _two_groups(spark, purchases=True)
    model = train_als(train, ALS_PARAMS)
    recommend = RecommendParams(top_k=2, exclude="purchased", max_candidates=6)
    recs = recommend_als(model, train, recommend)
    purchased = train.where("n_purchase > 0").select("user_idx", "item_idx")
    assert recs.join(purchased, ["user_idx", "item_idx"]).count() == 0
    assert recs.groupBy("user_idx").count().where("count != 2").count() == 0
    assert rows(recs.select("rank").distinct(), "rank") == [(1,), (2,)]
    # The best new item for every user comes from the user's own group.
    unseen_best = (
        recommend_als(
            model, train, recommend.model_copy(update={"exclude": "seen", "top_k": 1})
        )
        .select("user_idx", "item_idx")
        .collect()
    )
    assert all((r.user_idx < 4) == (r.item_idx < 3) for r in unseen_best)
    assert len(unseen_best) == 8


def test_als_scores_only_the_most_popular_candidate_items(spark):
    train = _two_groups(spark)
    # Items 1, 2, 3 and 4 have 3 users each, items 0 and 5 have 2: the two
    # candidates are 1 and 2 (ties by id), both of the first group's.
    model = train_als(train, ALS_PARAMS)
    recommend = RecommendParams(top_k=2, exclude="none", max_candidates=6)
    recs = recommend_als(
        model, train, recommend.model_copy(update={"candidate_items": 2})
    )
    # Every user gets exactly the two candidates, whatever their taste.
    assert {r.item_idx for r in recs.collect()} == {1, 2}
    assert recs.groupBy("user_idx").count().where("count != 2").count() == 0
    # More candidates than items: the same lists as without a limit.
    unlimited = recommend_als(model, train, recommend)
    limited = recommend_als(
        model, train, recommend.model_copy(update={"candidate_items": 100})
    )
    assert rows(limited.drop("score"), "user_idx", "rank") == rows(
        unlimited.drop("score"), "user_idx", "rank"
    )


def test_als_popularity_weight_adds_each_items_share_of_users(spark):
    train = _two_groups(spark)
    model = train_als(train, ALS_PARAMS)
    recommend = RecommendParams(top_k=6, exclude="none", max_candidates=6)

    def scores(weight: float, recommend: RecommendParams = recommend) -> dict:
        recs = recommend_als(model, train, recommend, popularity_weight=weight)
        return {(r.user_idx, r.item_idx): r.score for r in recs.collect()}

    # Items 1 to 4 have 3 of the 8 users each, items 0 and 5 have 2.
    share = {0: 2 / 8, 1: 3 / 8, 2: 3 / 8, 3: 3 / 8, 4: 3 / 8, 5: 2 / 8}
    plain, weighted = scores(0.0), scores(0.5)
    assert len(plain) == 48
    assert weighted == pytest.approx(
        {(u, i): s + 0.5 * share[i] for (u, i), s in plain.items()}, abs=1e-5
    )
    # Far above ALS's scores, the weight ranks by popularity first: items 1-4.
    top4 = scores(100.0, recommend.model_copy(update={"top_k": 4}))
    assert {i for _, i in top4} == {1, 2, 3, 4}
    assert len(top4) == 32
    chosen = {**ALS_PARAMS.model_dump(), "popularity_weight": 0.5}
    served = recommend_chosen_als(model, train, recommend, chosen)
    assert {(r.user_idx, r.item_idx): r.score for r in served.collect()} == weighted
    # With candidate items too: the same prior on the candidates kept.
    limited = recommend.model_copy(update={"candidate_items": 4})
    assert scores(0.5, limited) == pytest.approx(
        {(u, i): s for (u, i), s in weighted.items() if i in (1, 2, 3, 4)}, abs=1e-5
    )


def test_baselines_recommend_only_to_the_users_given(train):
    recommend = RecommendParams(top_k=1, exclude="purchased", max_candidates=10)
    users = train.sparkSession.createDataFrame([(1,), (7,)], "user_idx int")
    popular = recommend_popular(
        popular_items(train, recommend), train, recommend, users
    )
    assert rows(popular.select("user_idx", "item_idx"), "user_idx") == [(1, 0)]
    random = recommend_random(train, recommend, BaselineParams(seed=3), users)
    assert [r.user_idx for r in random.collect()] == [1]  # 7 has no training data


def test_evaluation_matches_hand_computed_metrics(spark):
    # Truth: user 0 -> {1, 3, 5}; user 1 -> {6}; user 9 has no training history (cold).
    test = spark.createDataFrame(
        [(0, 1), (0, 3), (0, 5), (1, 6), (9, 1)], "user_idx int, item_idx int"
    )
    train = spark.createDataFrame([(0, 9), (1, 9)], "user_idx int, item_idx int")
    als = spark.createDataFrame(  # user 1 gets a short list of 2
        [
            (0, 1, 1, 0.9),
            (0, 2, 2, 0.8),
            (0, 3, 3, 0.7),
            (1, 4, 1, 0.9),
            (1, 5, 2, 0.1),
        ],
        RECS_SCHEMA,
    )
    pop = spark.createDataFrame(
        [
            (0, 5, 1, -1.0),
            (0, 1, 2, -2.0),
            (0, 7, 3, -3.0),
            (1, 6, 1, -1.0),
            (1, 8, 2, -2.0),
            (1, 9, 3, -3.0),
            (1, 10, 4, -4.0),
        ],  # rank 4 is beyond K
        RECS_SCHEMA,
    )
    result = evaluate_recommendations(
        train, test, EvaluationParams(k=3), als=als, popularity=pop
    )
    values = {(r.model, r.metric): r.value for r in result.itertuples()}
    idcg3 = 1 + 1 / 1.5849625007211563 + 0.5
    # ALS, user 0: hits at ranks 1 and 3; user 1: none.
    assert values["als", "precision"] == pytest.approx((2 / 3 + 0) / 2)
    assert values["als", "recall"] == pytest.approx((2 / 3 + 0) / 2)
    assert values["als", "ndcg"] == pytest.approx((1.5 / idcg3 + 0) / 2)
    assert values["als", "map"] == pytest.approx(((1 + 2 / 3) / 3 + 0) / 2)
    # Popularity, user 0: hits at ranks 1 and 2; user 1: hit at rank 1 of 1 relevant.
    assert values["popularity", "precision"] == pytest.approx((2 / 3 + 1 / 3) / 2)
    assert values["popularity", "recall"] == pytest.approx((2 / 3 + 1) / 2)
    ndcg_u0 = (1 + 1 / 1.5849625007211563) / idcg3
    assert values["popularity", "ndcg"] == pytest.approx((ndcg_u0 + 1) / 2)
    assert values["popularity", "map"] == pytest.approx(((1 + 1) / 3 + 1) / 2)
    assert set(result["users_evaluated"]) == {2}
    assert set(result["users_cold"]) == {1}
    # the users' NDCG (0.8 and 1 for popularity): mean +- 1.96 standard errors,
    # cut to [0, 1] (NDCG's range) where the two users are too few
    users = [ndcg_u0, 1.0]
    half = 1.96 * statistics.stdev(users) / math.sqrt(2)
    assert values["popularity", "ndcg_ci_low"] == pytest.approx(
        statistics.mean(users) - half
    )
    assert values["popularity", "ndcg"] + half > 1
    assert values["popularity", "ndcg_ci_high"] == 1.0
    als_users = [1.5 / idcg3, 0.0]
    als_half = 1.96 * statistics.stdev(als_users) / math.sqrt(2)
    assert values["als", "ndcg"] - als_half < 0
    assert values["als", "ndcg"] + als_half > 1
    assert (values["als", "ndcg_ci_low"], values["als", "ndcg_ci_high"]) == (0, 1)
    # 2 models x (4 ranking + 2 interval + 3 beyond-accuracy metrics)
    assert len(result) == 18


def test_ranking_metrics_equal_spark_ranking_evaluator_on_random_lists(spark):
    """All models are scored in one pass; each metric must equal what Spark's
    RankingEvaluator gives for that model alone (short, empty and long lists,
    one to many relevant items)."""
    rng = random.Random(7)
    k, users, items = 5, range(40), range(30)
    test = [(u, i) for u in users for i in rng.sample(items, rng.randint(1, 8))]
    train = [(u, 0) for u in users]
    lists = {
        name: [
            (u, i, rank, 1.0 / rank)
            for u in users
            for rank, i in enumerate(rng.sample(items, rng.randint(0, 8)), 1)
        ]
        for name in ("a", "b", "c")
    }
    recs = {n: spark.createDataFrame(r, RECS_SCHEMA) for n, r in lists.items()}
    result = evaluate_recommendations(
        spark.createDataFrame(train, "user_idx int, item_idx int"),
        spark.createDataFrame(test, "user_idx int, item_idx int"),
        EvaluationParams(k=k),
        **recs,
    )
    values = {(r.model, r.metric): r.value for r in result.itertuples()}
    truth = {u: sorted(float(i) for u2, i in test if u2 == u) for u in users}
    for name, rows_ in lists.items():
        ranked = {u: [float(i) for u2, i, _, _ in rows_ if u2 == u][:k] for u in users}
        scored = spark.createDataFrame(
            [(ranked[u], truth[u]) for u in users],
            "prediction array<double>, label array<double>",
        )
        for metric, spark_name in METRICS.items():
            expected = RankingEvaluator(k=k, metricName=spark_name).evaluate(scored)
            assert values[name, metric] == pytest.approx(expected, abs=1e-12), (
                name,
                metric,
            )


def test_all_cold_test_users_give_nan_metrics_and_a_warning_in_words(
    spark, train, caplog
):
    test = spark.createDataFrame([(7, 1), (8, 2)], "user_idx int, item_idx int")
    recs = spark.createDataFrame([(0, 1, 1, 1.0)], RECS_SCHEMA)
    with caplog.at_level("WARNING", logger="ecom_recsys.pipelines.modeling"):
        result = evaluate_recommendations(train, test, EvaluationParams(k=1), als=recs)
    ranking = result[result["metric"].isin(["precision", "recall", "ndcg", "map"])]
    assert ranking["value"].isna().all()
    assert set(result["users_evaluated"]) == {0} and set(result["users_cold"]) == {2}
    assert "No test user could be evaluated" in caplog.text
    assert "all 2 test users are cold (no training interaction)" in caplog.text


def test_user_without_recommendations_counts_as_zero(spark):
    test = spark.createDataFrame([(0, 1), (1, 2)], "user_idx int, item_idx int")
    train = spark.createDataFrame([(0, 9), (1, 9)], "user_idx int, item_idx int")
    recs = spark.createDataFrame([(0, 1, 1, 1.0)], RECS_SCHEMA)
    result = evaluate_recommendations(
        train, test, EvaluationParams(k=1), als=recs, popularity=recs
    )
    precision = result.query("model == 'als' and metric == 'precision'")["value"]
    assert precision.item() == pytest.approx(0.5)


def test_als_model_dataset_round_trip_and_versions(spark, tmp_path, train):
    model = train_als(train, ALS_PARAMS)
    path = str(tmp_path / "als_model")
    ALSModelDataset(
        filepath=path, version=Version(None, "2019-01-01T00.00.00.000Z")
    ).save(model)
    # A newer but incomplete version (a killed save) must not be loaded.
    first = tmp_path / "als_model" / "2019-01-01T00.00.00.000Z" / "als_model"
    broken = tmp_path / "als_model" / "2020-01-01T00.00.00.000Z" / "als_model"
    shutil.copytree(first, broken)
    shutil.rmtree(broken / "itemFactors")
    loaded = ALSModelDataset(filepath=path, version=Version(None, None)).load()
    assert loaded.rank == 4
    original = model.userFactors.orderBy("id").collect()
    assert loaded.userFactors.orderBy("id").collect() == original
    assert ALSModelDataset(filepath=str(tmp_path / "missing"))._exists() is False


def test_group_popular_items_rank_within_each_group_and_overall(spark, train):
    groups = spark.createDataFrame(
        [(0, "a"), (1, "a"), (2, "b")], "user_idx int, group string"
    )
    items = group_popular_items(train, groups, RecommendParams(max_candidates=2))
    assert rows(
        items.select("group", "item_idx", "n_users", "group_rank"),
        "group",
        "group_rank",
    ) == [
        ("a", 0, 2, 1),
        ("a", 1, 1, 2),
        ("all", 0, 3, 1),
        ("all", 1, 1, 2),
        ("b", 0, 1, 1),
        ("b", 3, 1, 2),
    ]


def test_segment_popularity_lists_the_users_segments_favourites_then_overall(
    spark, train
):
    groups = spark.createDataFrame(
        [(0, "a"), (1, "a"), (2, "b")], "user_idx int, group string"
    )
    recommend = RecommendParams(top_k=2, exclude="purchased", max_candidates=10)
    items = group_popular_items(train, groups, recommend)
    recs = recommend_group_popular(items, groups, train, recommend)
    assert rows(recs, "user_idx", "rank") == [
        # a: 0 (2 users), 1, 2 (1 each); user 0 bought 0
        (0, 1, 1, 1.0),
        (0, 2, 2, 1.0),
        (1, 0, 1, 2.0),
        (1, 1, 2, 1.0),
        # b has only 0 and 3 (bought): padded with overall popularity's next, 1
        (2, 0, 1, 1.0),
        (2, 1, 2, 1.0),
    ]
    only = spark.createDataFrame([(2,), (7,)], "user_idx int")
    assert rows(
        recommend_group_popular(items, groups, train, recommend, only).select(
            "user_idx", "item_idx"
        ),
        "user_idx",
        "item_idx",
    ) == [(2, 0), (2, 1)]


def test_serving_gives_every_user_k_unpurchased_items_and_says_where_from(spark):
    # History (both periods): user 0 has 2 training interactions, user 1 one,
    # user 2 only a test-period purchase of item 1.
    interactions = spark.createDataFrame(
        [
            (10, 100, "train", 1),
            (10, 101, "train", 0),
            (11, 100, "train", 0),
            (12, 101, "test", 1),
        ],
        "user_id long, product_id long, period string, n_purchase int",
    )
    user_index = spark.createDataFrame(
        [(10, 0), (11, 1), (12, 2)], "user_id long, user_idx int"
    )
    product_index = spark.createDataFrame(
        [(100 + i, i) for i in range(5)], "product_id long, item_idx int"
    )
    als = spark.createDataFrame(
        [(0, 4, 1, 0.9), (0, 3, 2, 0.8), (1, 2, 1, 0.7), (1, 3, 2, 0.6)], RECS_SCHEMA
    )
    groups = spark.createDataFrame(
        [(0, "vip"), (1, "vip"), (2, "new")], "user_idx int, group string"
    )
    group_items = spark.createDataFrame(
        [
            ("vip", 2, 5, 1),
            ("new", 1, 4, 1),
            ("new", 3, 2, 2),
            ("all", 0, 9, 1),
            ("all", 1, 8, 2),
            ("all", 2, 7, 3),
        ],
        "group string, item_idx int, n_users long, group_rank int",
    )
    recommend = RecommendParams(
        top_k=3, exclude="purchased", max_candidates=10, min_interactions_for_model=2
    )
    served = serve_recommendations(
        als, group_items, groups, interactions, user_index, product_index, recommend
    )
    assert rows(
        served.select("user_idx", "rank", "item_idx", "source"), "user_idx", "rank"
    ) == [
        # model first (its 2 items), then the segment; item 0 was bought
        (0, 1, 4, "model"),
        (0, 2, 3, "model"),
        (0, 3, 2, "segment:vip"),
        # one training interaction: not enough for the model -> segment, then overall
        (1, 1, 2, "segment:vip"),
        (1, 2, 0, "popularity"),
        (1, 3, 1, "popularity"),
        # unknown to the model: its segment minus item 1 (bought in test), then overall
        (2, 1, 3, "segment:new"),
        (2, 2, 0, "popularity"),
        (2, 3, 2, "popularity"),
    ]


def test_explicit_als_fits_ratings_and_reports_rmse(spark):
    data = [
        (u, i, 1, 1, 1.0, float(1 + (u + i) % 5)) for u in range(6) for i in range(5)
    ]
    train = spark.createDataFrame(data, TRAIN_SCHEMA + ", rating double")
    als = ALS_PARAMS.model_copy(
        update={"feedback": "explicit", "rank": 3, "max_iter": 10}
    )
    model = train_als(train, als)
    test = spark.createDataFrame(
        [(0, 0, 1.0), (1, 1, 3.0), (9, 1, 4.0)],
        "user_idx int, item_idx int, rating double",
    )
    # every rated test pair counts, also the low rating that is not relevant
    ratings = [(0, 0, 1.0), (1, 1, 3.0), (2, 3, 1.0), (9, 1, 4.0)]
    test_ratings = spark.createDataFrame(
        ratings, "user_idx int, item_idx int, rating double"
    )
    recs = spark.createDataFrame([(0, 1, 1, 1.0), (1, 2, 1, 1.0)], RECS_SCHEMA)
    result = evaluate_recommendations(
        train,
        test,
        EvaluationParams(k=1),
        model,
        als.model_dump(),
        test_ratings=test_ratings,
        als=recs,
        popularity=recs,
    )
    rmse = result.query("metric == 'rmse'").set_index("model")
    # the cold user 9 has no prediction: 3 pairs
    assert rmse["users_evaluated"].to_dict() == {"als": 3, "global_mean": 3}
    assert 0 <= rmse.loc["als", "value"] < 1.0
    mean = sum(d[-1] for d in data) / len(data)
    expected = math.sqrt(sum((r - mean) ** 2 for *_, r in ratings[:3]) / 3)
    assert rmse.loc["global_mean", "value"] == pytest.approx(expected)
    assert rmse.loc["als", "value"] < rmse.loc["global_mean", "value"]
    with pytest.raises(ValueError, match="feedback"):
        ALSParams(feedback="stars")


def test_beyond_accuracy_metrics_match_hand_computed_values(spark):
    # 4 training users; item 0 is the head (top 20% of 5 items).
    train = spark.createDataFrame(
        [(0, 0), (1, 0), (2, 0), (3, 0), (0, 1), (1, 1), (0, 2), (1, 3), (1, 4)],
        "user_idx int, item_idx int",
    )
    test = spark.createDataFrame([(0, 3), (1, 2), (7, 0)], "user_idx int, item_idx int")
    recs = spark.createDataFrame(
        [
            (0, 0, 1, 1.0),
            (0, 3, 2, 0.5),
            (1, 2, 1, 1.0),
            (1, 4, 2, 0.5),
            (2, 1, 1, 1.0),
        ],
        RECS_SCHEMA,
    )
    result = evaluate_recommendations(
        train, test, EvaluationParams(k=2, head_share=0.2), m=recs
    )
    values = dict(zip(result["metric"], result["value"], strict=True))
    # Only the evaluated users 0 and 1 count: items {0, 3, 2, 4} of 5.
    assert values["coverage"] == pytest.approx(4 / 5)
    assert values["long_tail_share"] == pytest.approx(3 / 4)
    assert values["mean_popularity"] == pytest.approx((1.0 + 0.25 + 0.25 + 0.25) / 4)
    assert values["precision"] == pytest.approx((1 / 2 + 1 / 2) / 2)


def test_random_baseline_is_seeded_complete_and_respects_exclusions(spark, train):
    recommend = RecommendParams(top_k=2, exclude="purchased", max_candidates=10)
    baselines = BaselineParams(seed=3)
    first = recommend_random(train, recommend, baselines)
    again = recommend_random(train, recommend, baselines)
    assert rows(first, "user_idx", "rank") == rows(again, "user_idx", "rank")
    assert first.groupBy("user_idx").count().where("count != 2").count() == 0
    purchased = train.where("n_purchase > 0").select("user_idx", "item_idx")
    assert first.join(purchased, ["user_idx", "item_idx"]).count() == 0
    items = {r.item_idx for r in train.select("item_idx").distinct().collect()}
    assert {r.item_idx for r in first.collect()} <= items


def test_random_baseline_draws_from_a_large_catalogue(spark):
    data = [(u, i, 1, 0, 1.0) for u in range(3) for i in range(40) if (u + i) % 4 == 0]
    train = spark.createDataFrame(data, TRAIN_SCHEMA)
    recommend = RecommendParams(
        top_k=3, exclude="seen", max_candidates=3
    )  # 2n < 40 items
    recs = recommend_random(train, recommend, BaselineParams(seed=1))
    assert recs.groupBy("user_idx").count().where("count != 3").count() == 0
    seen = train.select("user_idx", "item_idx")
    assert recs.join(seen, ["user_idx", "item_idx"]).count() == 0
    other_seed = recommend_random(train, recommend, BaselineParams(seed=2))
    assert rows(other_seed, "user_idx", "rank") != rows(recs, "user_idx", "rank")


def test_recent_popularity_counts_only_the_last_days(spark):
    train = spark.createDataFrame(
        [
            (0, 1, ts("2019-10-01 00:00:00")),
            (1, 1, ts("2019-10-02 00:00:00")),
            (2, 1, ts("2019-10-03 00:00:00")),
            (0, 2, ts("2019-10-20 00:00:00")),
            (1, 2, ts("2019-10-21 12:00:00")),
            (2, 3, ts("2019-10-19 12:00:00")),  # exactly 2 days before the end: out
        ],
        "user_idx int, item_idx int, last_event_time timestamp",
    )
    recent = recent_popular_items(
        train, RecommendParams(max_candidates=5), BaselineParams(recent_window_days=2)
    )
    assert rows(recent, "popularity_rank") == [(2, 2, 1)]
    with pytest.raises(ValueError, match="recent_window_days"):
        BaselineParams(recent_window_days=0)


def test_als_model_dataset_keeps_the_scheme_of_uris(spark, tmp_path, train):
    model = train_als(train, ALS_PARAMS)
    uri = f"file://{tmp_path}/uri_model"
    ALSModelDataset(
        filepath=uri, version=Version(None, "2020-01-01T00.00.00.000Z")
    ).save(model)
    assert (
        tmp_path / "uri_model/2020-01-01T00.00.00.000Z/uri_model/itemFactors"
    ).is_dir()
    loaded = ALSModelDataset(filepath=uri, version=Version(None, None)).load()
    assert loaded.rank == model.rank


def test_tuning_scores_each_configuration_on_validation_and_picks_the_best(spark):
    tuning_train, validation = _two_groups(spark), _unseen_own_items(spark)
    tuning = TuningParams.model_validate(
        {
            "enabled": True,
            "strategy": "grid",
            "grid": {
                "rank": [1, 4],
                "reg_param": [0.01],
                "alpha": [5.0],
                "max_iter": [8],
            },
        }
    )
    recommend = RecommendParams(top_k=1, exclude="seen", max_candidates=6)
    trials, chosen = tune_als(
        tuning_train, validation, ALS_PARAMS, tuning, recommend, EvaluationParams(k=1)
    )
    assert list(trials["rank"]) == [1, 4]
    assert trials["chosen"].sum() == 1
    best = trials[trials["chosen"]].iloc[0]
    assert best["ndcg"] == trials["ndcg"].max()
    assert chosen["rank"] == best["rank"] and chosen["seed"] == ALS_PARAMS.seed
    assert (trials["fit_seconds"] > 0).all()
    assert set(trials.columns) >= {"reg_param", "alpha", "max_iter", "precision", "map"}


def test_tuning_scores_every_popularity_weight_on_one_fit_per_configuration(spark):
    tuning_train, validation = _two_groups(spark), _unseen_own_items(spark)
    grid = {"rank": [1, 4], "popularity_weight": [0.0, 100.0]}
    tuning = TuningParams.model_validate({"enabled": True, "grid": grid})
    recommend = RecommendParams(top_k=1, exclude="seen", max_candidates=6)
    trials, chosen = tune_als(
        tuning_train, validation, ALS_PARAMS, tuning, recommend, EvaluationParams(k=1)
    )
    assert trials[["rank", "popularity_weight"]].values.tolist() == [
        [1, 0.0],
        [1, 100.0],
        [4, 0.0],
        [4, 100.0],
    ]
    # Two fits, each scored with both weights.
    fits = trials["fit_seconds"].tolist()
    assert fits[0] == fits[1] and fits[2] == fits[3] and fits[0] != fits[2]
    # The popular unseen item is the other group's: the prior loses here.
    assert trials.loc[3, "ndcg"] < trials.loc[2, "ndcg"]
    assert chosen["popularity_weight"] == 0.0


def test_tuning_off_keeps_the_parameters_and_random_search_samples(spark):
    train = _two_groups(spark)
    trials, chosen = tune_als(
        train,
        train,
        ALS_PARAMS,
        TuningParams(),
        RecommendParams(),
        EvaluationParams(k=1),
    )
    assert trials.empty and chosen == ALS_PARAMS.model_dump()
    grid = {"rank": [1, 2, 3], "reg_param": [0.1, 0.2], "alpha": [1.0], "max_iter": [2]}
    random_search = TuningParams.model_validate(
        {"strategy": "random", "n_trials": 3, "seed": 1, "grid": grid}
    )
    sample = _trials(random_search)
    assert len(sample) == 3 and sample == _trials(random_search)
    assert len(_trials(TuningParams.model_validate({"grid": grid}))) == 6
    with pytest.raises(ValueError, match="depth"):
        TuningParams.model_validate({"grid": {"depth": [1]}})
    empty = spark.createDataFrame([], "user_idx int, item_idx int")
    with pytest.raises(ValueError, match="split.validation_start"):
        tune_als(
            train,
            empty,
            ALS_PARAMS,
            TuningParams(enabled=True),
            RecommendParams(),
            EvaluationParams(k=1),
        )


def test_tuning_sample_keeps_whole_users_of_both_periods(spark):
    train = spark.createDataFrame(
        [(u, i) for u in range(200) for i in range(3)], "user_idx int, item_idx int"
    )
    validation = spark.createDataFrame(
        [(u, 9) for u in range(0, 200, 2)], "user_idx int, item_idx int"
    )
    sampled_train, sampled_validation = _sample_users(train, validation, 50, seed=7)
    users = {r.user_idx for r in sampled_train.select("user_idx").distinct().collect()}
    # About 50 of 200, by a hash of the seed and the user: the same 46 every time.
    assert len(users) == 46
    assert sampled_train.count() == 3 * len(users)  # every row of a chosen user
    assert {r.user_idx for r in sampled_validation.collect()} == {
        u for u in users if u % 2 == 0
    }
    again, again_validation = _sample_users(train, validation, 50, seed=7)
    assert rows(again, "user_idx", "item_idx") == rows(
        sampled_train, "user_idx", "item_idx"
    )
    for frame in (sampled_train, sampled_validation, again, again_validation):
        frame.unpersist()
    # No limit, or fewer users than it: everyone.
    assert _sample_users(train, validation, None, seed=7)[0].count() == 600
    assert _sample_users(train, validation, 500, seed=7)[0].count() == 600


def test_the_cheapest_trial_within_the_tolerance_is_chosen():
    trials = pd.DataFrame(
        {
            "trial": [0, 1, 2, 3],
            "rank": [64, 16, 32, 32],
            "max_iter": [12, 12, 12, 8],
            "ndcg": [0.155, 0.123, 0.1540, 0.1536],
        }
    )
    assert choose_trial(trials) == 0  # the best
    # within 1% of 0.155 (>= 0.15345): trials 0, 2 and 3; rank 32 with 8 iterations
    assert choose_trial(trials, 0.01) == 3
    assert choose_trial(trials, 0.3) == 1  # everything: the smallest rank
    tied = trials.assign(ndcg=0.1)
    assert choose_trial(tied.assign(rank=32, max_iter=12)) == 0  # ties: earliest
    # A trial that scored no user (NaN) is never chosen; when none scored, the
    # error says which parameters to change.
    assert choose_trial(trials.assign(ndcg=[None, 0.1, 0.2, None]), 0.6) == 1
    with pytest.raises(ValueError, match=r"no trial could score.*tuning.max_users"):
        choose_trial(trials.assign(ndcg=float("nan")))

"""Modeling: ALS and the popularity baseline, top-K lists and their evaluation."""

from kedro.pipeline import Pipeline, node

from ecom_recsys.names import ALS_MODEL, POPULARITY, RANDOM, RECENT_POPULARITY
from ecom_recsys.pipelines import for_sources

from .als import recommend_als, train_chosen_als
from .baselines import (
    group_popular_items,
    popular_items,
    recent_popular_items,
    recommend_popular,
    recommend_random,
)
from .evaluation import evaluate_recommendations
from .serving import serve_recommendations
from .tuning import tune_als

# Source-agnostic modeling on canonical ``train`` and ``test`` tables.
SHARED = Pipeline(
    [
        node(
            tune_als,
            inputs=[
                "tuning_train",
                "validation",
                "params:als",
                "params:tuning",
                "params:recommend",
                "params:evaluation",
            ],
            outputs=["tuning_trials", "best_als_params"],
            name="tune_als",
        ),
        node(
            train_chosen_als,
            ["train", "best_als_params"],
            "als_model",
            name="train_als",
        ),
        node(
            recommend_als,
            inputs=["als_model", "train", "params:recommend"],
            outputs="als_recommendations",
            name="recommend_als",
        ),
        node(
            popular_items,
            inputs=["train", "params:recommend"],
            outputs="popular_items",
            name="rank_popular_items",
        ),
        node(
            recommend_popular,
            inputs=["popular_items", "train", "params:recommend", "test"],
            outputs="popularity_recommendations",
            name="recommend_popular",
        ),
        node(
            recent_popular_items,
            inputs=["train", "params:recommend", "params:baselines"],
            outputs="recent_popular_items",
            name="rank_recent_popular_items",
        ),
        node(
            recommend_popular,
            inputs=["recent_popular_items", "train", "params:recommend", "test"],
            outputs="recent_popularity_recommendations",
            name="recommend_recent_popular",
        ),
        node(
            recommend_random,
            inputs=["train", "params:recommend", "params:baselines", "test"],
            outputs="random_recommendations",
            name="recommend_random",
        ),
        node(
            evaluate_recommendations,
            inputs={
                "train": "train",
                "test": "test",
                "evaluation": "params:evaluation",
                "model": "als_model",
                "als_params": "best_als_params",
                ALS_MODEL: "als_recommendations",
                POPULARITY: "popularity_recommendations",
                RECENT_POPULARITY: "recent_popularity_recommendations",
                RANDOM: "random_recommendations",
            },
            outputs="ranking_metrics",
            name="evaluate_recommendations",
        ),
        node(
            group_popular_items,
            inputs=["train", "user_groups", "params:recommend"],
            outputs="group_items",
            name="rank_popular_items_per_group",
        ),
        node(
            serve_recommendations,
            inputs=[
                "als_recommendations",
                "group_items",
                "user_groups",
                "interactions",
                "user_index",
                "product_index",
                "params:recommend",
            ],
            outputs="served_recommendations",
            name="serve_recommendations",
        ),
    ]
)


def create_pipeline(**kwargs) -> Pipeline:
    """Modeling for every source."""
    return for_sources("modeling", SHARED)

"""Modeling: ALS and the popularity baseline, top-K lists and their evaluation."""

from kedro.pipeline import Pipeline, node

from ecom_recsys.pipelines import SOURCES, for_source

from .nodes import (
    evaluate_recommendations,
    popular_items,
    recommend_als,
    recommend_popular,
    train_als,
)


def create_base_pipeline() -> Pipeline:
    """Source-agnostic modeling on canonical ``train`` and ``test`` tables."""
    return Pipeline(
        [
            node(train_als, ["train", "params:als"], "als_model", name="train_als"),
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
                inputs=["popular_items", "train", "params:recommend"],
                outputs="popularity_recommendations",
                name="recommend_popular",
            ),
            node(
                evaluate_recommendations,
                inputs=[
                    "als_recommendations",
                    "popularity_recommendations",
                    "train",
                    "test",
                    "params:evaluation",
                ],
                outputs="ranking_metrics",
                name="evaluate_recommendations",
            ),
        ]
    )


def create_pipeline(**kwargs) -> Pipeline:
    """Modeling for every source."""
    return sum(
        (for_source(create_base_pipeline(), s, "modeling") for s in SOURCES),
        Pipeline([]),
    )

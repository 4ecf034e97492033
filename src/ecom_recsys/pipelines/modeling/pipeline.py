"""Modeling: ALS, the hybrid of own history and ALS, and the baselines; the
served model chosen on validation; top-K lists and their evaluation on test;
similar products per product."""

from kedro.pipeline import Pipeline, node

from ecom_recsys.names import (
    ALS_MODEL,
    HYBRID,
    OWN_HISTORY,
    POPULARITY,
    RANDOM,
    RECENT_POPULARITY,
    SEGMENT_POPULARITY,
    SEGMENTED_SOURCES,
)
from ecom_recsys.pipelines import for_sources

from .als import recommend_chosen_als, train_chosen_als
from .baselines import (
    group_popular_items,
    popular_items,
    recent_popular_items,
    recommend_group_popular,
    recommend_popular,
    recommend_random,
)
from .evaluation import (
    evaluate_recommendations,
    label_protocols,
    new_items_truth,
    with_seen_excluded,
)
from .history import recommend_own_history
from .selection import choose_served_model, recommend_chosen_hybrid, recommend_served
from .serving import serve_recommendations
from .similar import (
    build_similar_lists,
    evaluate_similar_products,
    serve_similar_products,
)
from .tuning import tune_als

# Segment popularity, for the sources whose users have segments: each segment's
# favourites before validation and before test (segments as they were then).
SEGMENT_LISTS = Pipeline(
    [
        node(
            group_popular_items,
            ["tuning_train", "tuning_user_groups", "params:recommend"],
            "tuning_segment_items",
            name="rank_tuning_segment_items",
        ),
        node(
            recommend_group_popular,
            [
                "tuning_segment_items",
                "tuning_user_groups",
                "tuning_train",
                "params:recommend",
                "validation",
            ],
            "validation_segment_popularity_recommendations",
            name="recommend_validation_segment_popular",
        ),
        node(
            group_popular_items,
            ["train", "train_user_groups", "params:recommend"],
            "train_segment_items",
            name="rank_train_segment_items",
        ),
        node(
            recommend_group_popular,
            ["train_segment_items", "train_user_groups", "train", "params:recommend"],
            "segment_popularity_recommendations",
            name="recommend_segment_popular",
        ),
    ]
)


def _extra_lists(source: str, prefix: str = "") -> dict[str, str]:
    """The source's candidates beyond the shared ones (model name: its lists)."""
    if source not in SEGMENTED_SOURCES:
        return {}
    return {SEGMENT_POPULARITY: f"{prefix}segment_popularity_recommendations"}


def _candidates(source: str) -> Pipeline:
    """Choosing, serving and evaluating every candidate of ``source``: the
    shared ones, and its own (segment popularity) where it has them."""
    extra = _extra_lists(source)
    return (SEGMENT_LISTS if extra else Pipeline([])) + Pipeline(
        [
            node(
                choose_served_model,
                inputs={
                    "tuning_train": "tuning_train",
                    "validation": "validation",
                    "validation_als_recommendations": "validation_als_recommendations",
                    "tuning_popular_items": "tuning_popular_items",
                    "tuning_recent_popular_items": "tuning_recent_popular_items",
                    "recommend": "params:recommend",
                    "evaluation": "params:evaluation",
                    "serving": "params:serving",
                    **_extra_lists(source, "validation_"),
                },
                outputs=["validation_metrics", "served_model"],
                name="choose_served_model",
            ),
            node(
                recommend_served,
                inputs={
                    "served_model": "served_model",
                    "als_recommendations": "als_recommendations",
                    "train": "train",
                    "popular": "popular_items",
                    "recent_popular": "recent_popular_items",
                    "recommend": "params:recommend",
                    **extra,
                },
                outputs="model_recommendations",
                name="recommend_served_model",
            ),
            node(
                evaluate_recommendations,
                inputs={
                    "train": "train",
                    "test": "test",
                    "evaluation": "params:evaluation",
                    "model": "als_model",
                    "als_params": "best_als_params",
                    "served_model": "served_model",
                    "test_ratings": "test_ratings",
                    ALS_MODEL: "als_recommendations",
                    HYBRID: "hybrid_recommendations",
                    OWN_HISTORY: "own_history_recommendations",
                    POPULARITY: "popularity_recommendations",
                    RECENT_POPULARITY: "recent_popularity_recommendations",
                    RANDOM: "random_recommendations",
                    **extra,
                },
                outputs="configured_metrics",
                name="evaluate_recommendations",
            ),
        ]
    )


# Source-agnostic modeling on canonical ``train`` and ``test`` tables (the
# choice, serving and evaluation are in _candidates).
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
            recommend_chosen_als,
            inputs=["als_model", "train", "params:recommend", "best_als_params"],
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
        # What to serve, chosen on validation: every candidate fitted on the
        # tuning data and scored on the validation users.
        node(
            train_chosen_als,
            ["tuning_train", "best_als_params"],
            "validation_als_model",
            name="train_validation_als",
        ),
        node(
            recommend_chosen_als,
            inputs=[
                "validation_als_model",
                "tuning_train",
                "params:recommend",
                "best_als_params",
                "validation",
            ],
            outputs="validation_als_recommendations",
            name="recommend_validation_als",
        ),
        node(
            popular_items,
            inputs=["tuning_train", "params:recommend"],
            outputs="tuning_popular_items",
            name="rank_tuning_popular_items",
        ),
        node(
            recent_popular_items,
            inputs=["tuning_train", "params:recommend", "params:baselines"],
            outputs="tuning_recent_popular_items",
            name="rank_tuning_recent_popular_items",
        ),
        node(
            recommend_own_history,
            inputs=["train", "popular_items", "params:recommend", "test"],
            outputs="own_history_recommendations",
            name="recommend_own_history",
        ),
        node(
            recommend_chosen_hybrid,
            inputs=[
                "served_model",
                "als_recommendations",
                "train",
                "popular_items",
                "params:recommend",
                "test",
            ],
            outputs="hybrid_recommendations",
            name="recommend_hybrid",
        ),
    ]
)

# The new-items protocol: truth only products new to the user, every list with
# everything seen excluded (own history is then popularity, the hybrid ALS; the
# random baseline, which uses no history, is scored under the configured one).
NEW_ITEMS_LISTS = {
    ALS_MODEL: "new_items_als_recommendations",
    POPULARITY: "new_items_popularity_recommendations",
    RECENT_POPULARITY: "new_items_recent_popularity_recommendations",
}
NEW_ITEMS = Pipeline(
    [
        node(
            new_items_truth,
            ["test", "train"],
            "new_items_test",
            name="build_new_items_test",
        ),
        node(
            with_seen_excluded(recommend_chosen_als),
            [
                "als_model",
                "train",
                "params:recommend",
                "best_als_params",
                "new_items_test",
            ],
            NEW_ITEMS_LISTS[ALS_MODEL],
            name="recommend_als_new_items",
        ),
        node(
            with_seen_excluded(recommend_popular),
            ["popular_items", "train", "params:recommend", "new_items_test"],
            NEW_ITEMS_LISTS[POPULARITY],
            name="recommend_popular_new_items",
        ),
        node(
            with_seen_excluded(recommend_popular),
            ["recent_popular_items", "train", "params:recommend", "new_items_test"],
            NEW_ITEMS_LISTS[RECENT_POPULARITY],
            name="recommend_recent_popular_new_items",
        ),
        node(
            evaluate_recommendations,
            inputs={
                "train": "train",
                "test": "new_items_test",
                "evaluation": "params:evaluation",
                "served_model": "served_model",
                **NEW_ITEMS_LISTS,
                HYBRID: NEW_ITEMS_LISTS[ALS_MODEL],
                OWN_HISTORY: NEW_ITEMS_LISTS[POPULARITY],
            },
            outputs="new_items_metrics",
            name="evaluate_new_items",
        ),
        node(
            label_protocols,
            ["configured_metrics", "new_items_metrics"],
            "ranking_metrics",
            name="label_protocols",
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
                "model_recommendations",
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

# Similar products per product: ALS item factors, co-occurrence and the
# popularity baseline, built on the tuning data (validation chooses the method
# served) and on everything before test (scored once on test, and served).
SIMILAR = Pipeline(
    [
        node(
            build_similar_lists,
            ["validation_als_model", "tuning_train", "params:similar"],
            "validation_similar_lists",
            name="build_validation_similar_lists",
        ),
        node(
            build_similar_lists,
            ["als_model", "train", "params:similar"],
            "similar_lists",
            name="build_similar_lists",
        ),
        node(
            evaluate_similar_products,
            [
                "validation_similar_lists",
                "similar_lists",
                "interactions",
                "user_index",
                "product_index",
                "params:similar",
            ],
            "similar_products_metrics",
            name="evaluate_similar_products",
        ),
        node(
            serve_similar_products,
            ["similar_lists", "similar_products_metrics"],
            "similar_products",
            name="serve_similar_products",
        ),
    ]
)


def create_pipeline(**kwargs) -> Pipeline:
    """Modeling for every source."""
    return for_sources(
        "modeling", lambda source: SHARED + _candidates(source) + NEW_ITEMS + SIMILAR
    )

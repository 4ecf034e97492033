"""The baselines ALS is compared with: overall, recent and per-group (segment)
popularity, and random products."""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from ecom_recsys.names import (
    ALL_USERS,
    FROM_POPULARITY,
    FROM_SEGMENT,
    GROUP,
    ITEM,
    USER,
)
from ecom_recsys.params import BaselineParams, RecommendParams
from ecom_recsys.spark.frames import dense_index, hash_uniform

from .lists import (
    candidates_needed,
    excluded_items,
    first_k,
    top_k,
    training_users,
)


def popular_items(train: DataFrame, recommend: RecommendParams) -> DataFrame:
    """The most popular products in training: by distinct users, ties by item id.

    Returns:
        ``item_idx, n_users, popularity_rank`` for the top ``max_candidates``.
    """
    order = Window.orderBy(F.desc("n_users"), F.asc(ITEM))
    return (
        train.groupBy(ITEM)
        .agg(F.countDistinct(USER).alias("n_users"))
        .orderBy(F.desc("n_users"), F.asc(ITEM))
        .limit(recommend.max_candidates)
        .withColumn("popularity_rank", F.row_number().over(order))
    )


def recent_popular_items(
    train: DataFrame, recommend: RecommendParams, baselines: BaselineParams
) -> DataFrame:
    """The most popular products of the last ``recent_window_days`` of training:
    pairs whose last training interaction falls in that window count."""
    days = baselines.recent_window_days
    end = train.agg(F.max("last_event_time").alias("_end"))
    recent = train.crossJoin(F.broadcast(end)).where(
        F.col("last_event_time") > F.col("_end") - F.make_interval(days=F.lit(days))
    )
    return popular_items(recent.drop("_end"), recommend)


def recommend_random(
    train: DataFrame,
    recommend: RecommendParams,
    baselines: BaselineParams,
    users: DataFrame | None = None,
) -> DataFrame:
    """The random baseline: K products drawn uniformly from the training
    catalogue for each training user (in ``users`` when given, e.g. the test
    period's), excluded items removed, seeded.

    Each user draws 2 * (K + the user's excluded items) candidates, so that
    exclusions and repeated draws almost always leave K; a catalogue no larger
    than that is shuffled whole for that user.
    """
    k = recommend.top_k
    seed = F.lit(baselines.seed)
    excluded = excluded_items(train, recommend.exclude)
    slots = dense_index(train, ITEM, "_slot")
    n_items = slots.count()
    needed = candidates_needed(training_users(train, users), excluded, k, cap=2**30)
    draws = needed.select(
        USER, F.least(2 * F.col("_needed"), F.lit(n_items)).alias("_draws")
    )
    # A user who needs the whole catalogue gets it, shuffled ...
    whole = (
        draws.where(F.col("_draws") >= n_items)
        .crossJoin(slots)
        .select(USER, ITEM, hash_uniform(seed, F.col(USER), F.col(ITEM)).alias("score"))
    )
    # ... the others draw slots at random, keeping each item's first draw.
    drawn = (
        draws.where(F.col("_draws") < n_items)
        .select(USER, F.explode(F.sequence(F.lit(0), F.col("_draws") - 1)).alias("j"))
        .select(
            USER,
            "j",
            F.floor(hash_uniform(seed, F.col(USER), F.col("j")) * n_items)
            .cast("int")
            .alias("_slot"),
        )
        .join(slots, "_slot")
        .groupBy(USER, ITEM)
        .agg((-F.min("j")).cast("double").alias("score"))
    )
    candidates = whole.unionByName(drawn)
    return top_k(candidates, excluded, k)


def recommend_popular(
    popular: DataFrame,
    train: DataFrame,
    recommend: RecommendParams,
    users: DataFrame | None = None,
) -> DataFrame:
    """The popularity baseline: the most popular products each user has not
    bought (or seen, as configured), for every training user (in ``users`` when
    given, e.g. the test period's: the baselines are only evaluated).

    Each user is paired only with as many top products as their own exclusions
    require (``K + excluded``), so heavy buyers do not widen everyone's lists.
    """
    k = recommend.top_k
    excluded = excluded_items(train, recommend.exclude)
    needed = candidates_needed(
        training_users(train, users), excluded, k, recommend.max_candidates
    )
    top = popular.select(
        ITEM,
        "popularity_rank",
        (-F.col("popularity_rank")).cast("double").alias("score"),
    )
    candidates = needed.join(
        F.broadcast(top), F.col("popularity_rank") <= F.col("_needed")
    ).select(USER, ITEM, "score")
    return top_k(candidates, excluded, k)


def group_popular_items(
    train: DataFrame, user_groups: DataFrame, recommend: RecommendParams
) -> DataFrame:
    """The most popular training products within each user group (e.g. segment),
    and over all users as group ``all``: by distinct users, ties by item id.

    Returns:
        ``group, item_idx, n_users, group_rank`` for the top ``max_candidates``
        of every group.
    """
    n = recommend.max_candidates
    per_group = (
        train.join(user_groups.where(F.col("group") != ALL_USERS), USER)
        .groupBy("group", ITEM)
        .agg(F.countDistinct(USER).alias("n_users"))
    )
    overall = (
        train.groupBy(ITEM)
        .agg(F.countDistinct(USER).alias("n_users"))
        .select(F.lit(ALL_USERS).alias("group"), ITEM, "n_users")
    )
    order = Window.partitionBy("group").orderBy(F.desc("n_users"), F.asc(ITEM))
    return (
        per_group.unionByName(overall)
        .withColumn("group_rank", F.row_number().over(order))
        .where(F.col("group_rank") <= n)
    )


# Group lists are ordered after every model rank: the user's group's from this
# base on, then overall popularity's from twice it.
_GROUP_BASE = 2**30


def group_candidates(
    group_items: DataFrame, user_groups: DataFrame, excluded: DataFrame, k: int
) -> DataFrame:
    """Each user's group's list, then the overall popularity list, each only as
    deep as the user's own exclusions require.

    Returns:
        ``user_idx, item_idx, order, score, source``: ``order`` from 2**30 on
        (after any model rank), ``source`` ``segment:<group>`` or ``popularity``.
    """
    needed = candidates_needed(user_groups.select(USER), excluded, k, 2**30).join(
        user_groups, USER
    )
    ranked = group_items.select(
        GROUP,
        ITEM,
        "group_rank",
        F.col("n_users").cast("double").alias("score"),
        F.when(F.col(GROUP) == ALL_USERS, F.lit(FROM_POPULARITY))
        .otherwise(F.concat(F.lit(f"{FROM_SEGMENT}:"), F.col(GROUP)))
        .alias("source"),
    )
    own_group = needed.join(
        F.broadcast(ranked.where(F.col(GROUP) != ALL_USERS)), [GROUP]
    ).where(F.col("group_rank") <= F.col("_needed"))
    overall = needed.select(USER, "_needed").join(
        F.broadcast(ranked.where(F.col(GROUP) == ALL_USERS)),
        F.col("group_rank") <= F.col("_needed"),
    )
    return _after(own_group, _GROUP_BASE).unionByName(_after(overall, 2 * _GROUP_BASE))


def _after(candidates: DataFrame, base: int) -> DataFrame:
    """Group candidates ordered by their list's rank from ``base`` on."""
    return candidates.select(
        USER,
        ITEM,
        (F.col("group_rank") + base).cast("double").alias("order"),
        "score",
        "source",
    )


def recommend_group_popular(
    group_items: DataFrame,
    user_groups: DataFrame,
    train: DataFrame,
    recommend: RecommendParams,
    users: DataFrame | None = None,
) -> DataFrame:
    """The segment popularity baseline: each training user's (in ``users`` when
    given) group's most popular products not bought (or seen, as configured),
    padded from overall popularity.

    Returns:
        ``user_idx, item_idx, rank, score`` (score: the product's users in the
        list it came from).
    """
    excluded = excluded_items(train, recommend.exclude)
    groups = training_users(train, users).join(user_groups, USER)
    candidates = group_candidates(group_items, groups, excluded, recommend.top_k)
    return first_k(
        candidates.join(excluded, [USER, ITEM], "left_anti"), recommend.top_k
    ).select(USER, ITEM, "rank", "score")

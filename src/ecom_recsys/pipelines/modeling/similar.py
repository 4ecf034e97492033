"""Similar products: for every training product the N most similar ones, by the
cosine of ALS item factors or by co-occurrence (products touched by the same
users), beside the N most popular products as the baseline. The method served
is chosen on the validation period by how often the next product a user
touched is among the similar products of the one before (hit rate@N), and all
three are reported once on test."""

from __future__ import annotations

import logging

import pandas as pd
from pyspark.ml.recommendation import ALSModel
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from ecom_recsys.names import (
    ALS_MODEL,
    COOCCURRENCE,
    ITEM,
    METHOD,
    POPULARITY,
    PRODUCT_ID,
    SIMILAR_EVALUATED,
    SIMILAR_ITEM,
    TEST,
    USER,
    USER_ID,
    VALIDATION,
)
from ecom_recsys.params import SimilarParams
from ecom_recsys.spark.als_scoring import top_items

logger = logging.getLogger(__name__)

PERIOD = "period"  # the interactions' period: validation or test
SIMILAR = "similar"  # a product's list: array<struct<similar_idx, score>>
# The columns of the lists, of the served lists, and of the metrics table.
LIST_COLUMNS = [METHOD, ITEM, SIMILAR]
SERVED_COLUMNS = [ITEM, SIMILAR_ITEM, "rank", "score", METHOD]
METRIC_COLUMNS = [
    PERIOD,
    METHOD,
    "n",
    "hit_rate",
    "hits",
    "pairs",
    "users",
    "pairs_cold",
    "served",
    "reason",
]


def _entry(similar_idx: Column, score: Column) -> Column:
    """One entry of a list."""
    return F.struct(
        similar_idx.cast("int").alias(SIMILAR_ITEM), score.cast("double").alias("score")
    )


def _best(entries: Column, n: int) -> Column:
    """The ``n`` entries with the highest score (ties: the smaller index)."""
    return F.slice(
        F.array_sort(
            entries,
            lambda a, b: (
                F.when(a["score"] > b["score"], -1)
                .when(a["score"] < b["score"], 1)
                .otherwise(a[SIMILAR_ITEM] - b[SIMILAR_ITEM])
            ),
        ),
        1,
        n,
    )


def _without(entries: Column, item: Column) -> Column:
    """``entries`` without the product ``item`` itself."""
    return F.filter(entries, lambda e: e[SIMILAR_ITEM] != item)


def _listed(lists: DataFrame, method: str) -> DataFrame:
    """``lists`` (``item_idx, similar``) in ``LIST_COLUMNS`` order."""
    return lists.select(F.lit(method).alias(METHOD), ITEM, SIMILAR)


def _unit(features: Column) -> Column:
    """``features`` divided by its length (a zero vector stays zero)."""
    norm = F.sqrt(F.aggregate(features, F.lit(0.0), lambda acc, x: acc + x * x))
    unit = F.transform(features, lambda x: x / F.greatest(norm, F.lit(1e-12)))
    return unit.cast("array<float>")


def item_popularity(train: DataFrame) -> DataFrame:
    """``item_idx, n_users``: each training product's users (``train`` has one
    row per user and product)."""
    return train.groupBy(ITEM).agg(F.count(F.lit(1)).alias("n_users"))


def most_popular(popularity: DataFrame, n: int) -> DataFrame:
    """The ``n`` most popular products (ties: the smaller index), without a
    window over the catalogue: Spark keeps the top ``n`` per partition."""
    return popularity.orderBy(F.desc("n_users"), F.asc(ITEM)).limit(n)


def als_similar(
    model: ALSModel, popularity: DataFrame, similar: SimilarParams
) -> DataFrame:
    """Per product with ALS factors, the ``n`` products whose factors have the
    highest cosine with its own (``score``; ties: the smaller index), among
    the ``candidate_items`` most popular (``popularity``: ``item_idx,
    n_users``; null: all).

    ALS's own blocked scoring ranks them: a model whose users are the unit item
    factors and whose items are the candidates' ones. The cost is products x
    candidates, linear in the catalogue for a fixed ``candidate_items``.
    """
    n, m = similar.n, similar.candidate_items
    factors = model.itemFactors.select("id", _unit(F.col("features")).alias("features"))
    candidates = factors
    if m is not None:
        top = most_popular(popularity, m).select(F.col(ITEM).alias("id"))
        candidates = factors.join(F.broadcast(top), "id", "left_semi")
    # ALS's n + 1 best per product (ranked again for ties), without itself; one
    # partition of candidates: ALS cuts blocks per partition, and one block is
    # the aim
    best = top_items(
        model,
        n + 1,
        user_factors=factors,
        item_factors=candidates.coalesce(1),
        block_size=max(4096, m or 0),
    )
    entries = F.transform("recommendations", lambda r: _entry(r[ITEM], r["rating"]))
    lists = best.select(
        F.col(USER).alias(ITEM),
        _best(_without(entries, F.col(USER)), n).alias(SIMILAR),
    )
    return _listed(lists, ALS_MODEL)


def popular_similar(popularity: DataFrame, n: int) -> DataFrame:
    """The baseline: for every product, the ``n`` most popular other products
    (``score``: their training users)."""
    ranked = most_popular(popularity, n + 1).select(
        F.struct(
            (-F.col("n_users")).alias("_order"),
            F.col(ITEM).alias("_tie"),
            _entry(F.col(ITEM), F.col("n_users")).alias("_entry"),
        ).alias("_ranked")
    )
    top = ranked.agg(
        F.transform(
            F.sort_array(F.collect_list("_ranked")), lambda r: r["_entry"]
        ).alias("_top")
    )
    lists = popularity.select(ITEM).crossJoin(F.broadcast(top))
    return _listed(
        lists.select(
            ITEM, F.slice(_without(F.col("_top"), F.col(ITEM)), 1, n).alias(SIMILAR)
        ),
        POPULARITY,
    )


def cooccurrence_similar(
    train: DataFrame, popular: DataFrame, similar: SimilarParams
) -> DataFrame:
    """Per product, the ``n`` products the most users touched with it
    (``score``: those users; ties: the smaller index), padded with the most
    popular products (``popular``: the baseline's lists) at ``score`` 0.

    Only each user's ``max_items_per_user`` most recent products count (ties:
    the smaller index), so a user adds at most that many squared pairs.
    """
    recent = F.slice(
        F.array_sort(
            F.collect_list(F.struct("last_event_time", ITEM)),
            lambda a, b: (
                F.when(a["last_event_time"] > b["last_event_time"], -1)
                .when(a["last_event_time"] < b["last_event_time"], 1)
                .otherwise(a[ITEM] - b[ITEM])
            ),
        ),
        1,
        similar.max_items_per_user,
    )
    items = F.transform("_recent", lambda e: e[ITEM])
    pairs = F.flatten(
        F.transform(
            items,
            lambda a: F.transform(
                F.filter(items, lambda b: b != a),
                lambda b: F.struct(a.alias(ITEM), b.alias(SIMILAR_ITEM)),
            ),
        )
    )
    counted = (
        train.groupBy(USER)
        .agg(recent.alias("_recent"))
        .select(F.explode(pairs).alias("_pair"))
        .groupBy("_pair")
        .count()
    )
    together = counted.groupBy(F.col(f"_pair.{ITEM}").alias(ITEM)).agg(
        _best(
            F.collect_list(_entry(F.col(f"_pair.{SIMILAR_ITEM}"), F.col("count"))),
            similar.n,
        ).alias("_together")
    )
    known = F.coalesce("_together", F.array())
    padding = F.transform(
        F.filter(
            SIMILAR,
            lambda p: ~F.exists(known, lambda t: t[SIMILAR_ITEM] == p[SIMILAR_ITEM]),
        ),
        lambda p: _entry(p[SIMILAR_ITEM], F.lit(0.0)),
    )
    lists = popular.join(together, ITEM, "left").select(
        ITEM, F.slice(F.concat(known, padding), 1, similar.n).alias(SIMILAR)
    )
    return _listed(lists, COOCCURRENCE)


def build_similar_lists(
    model: ALSModel, train: DataFrame, similar: SimilarParams
) -> DataFrame:
    """Every method's similar products for every training product: ALS item
    factors, co-occurrence and the popularity baseline.

    Returns:
        ``method, item_idx, similar``: a row per method and product, its list
        ranked (an array of ``similar_idx, score``), ``n`` long once the
        catalogue has more than ``n`` products (ALS: every product with factors).
    """
    popularity = item_popularity(train)
    popular = popular_similar(popularity, similar.n)
    return (
        als_similar(model, popularity, similar)
        .unionByName(cooccurrence_similar(train, popular, similar))
        .unionByName(popular)
    )


def touch_pairs(
    interactions: DataFrame,
    user_index: DataFrame,
    product_index: DataFrame,
    periods: tuple[str, ...] = (VALIDATION, TEST),
) -> DataFrame:
    """Each user's consecutive products in each of ``periods``.

    A user's products of a period (positive weight) in the order of their last
    touch there (ties: the smaller index); each with the next one is a pair.

    Returns:
        ``period, user_idx, item_idx`` (the previous product), ``similar_idx``
        (the next one).
    """
    touched = (
        interactions.where(F.col(PERIOD).isin(VALIDATION, TEST) & (F.col("weight") > 0))
        .join(user_index, USER_ID)
        .join(product_index, PRODUCT_ID)
    )
    order = Window.partitionBy(PERIOD, USER).orderBy("last_event_time", ITEM)
    return (
        touched.select(
            PERIOD,
            USER,
            F.lag(ITEM).over(order).alias("_previous"),
            F.col(ITEM).alias(SIMILAR_ITEM),
        )
        .where(F.col("_previous").isNotNull())
        .withColumnRenamed("_previous", ITEM)
    )


def _count_hits(lists: DataFrame, pairs: DataFrame) -> dict[tuple, dict]:
    """Per period and method: pairs whose previous product has a list, their
    users and hits; method None: the pairs without lists (cold). One join and
    one aggregation; only a row per period and method reaches the driver."""
    hit = F.exists(SIMILAR, lambda e: e[SIMILAR_ITEM] == F.col(SIMILAR_ITEM))
    rows = (
        pairs.join(lists, [PERIOD, ITEM], "left")
        .groupBy(PERIOD, METHOD)
        .agg(
            F.count(F.lit(1)).alias("pairs"),
            F.count_distinct(USER).alias("users"),
            F.count(F.when(hit, 1)).alias("hits"),
        )
        .collect()
    )
    return {(r[PERIOD], r[METHOD]): r.asDict() for r in rows}


def choose_similar_method(validation: pd.DataFrame, n: int) -> tuple[str, str]:
    """The method to serve, and why: co-occurrence where its validation hit
    rate beats ALS's, else ALS (also when validation has no pairs)."""
    rates = validation.set_index(METHOD)["hit_rate"]
    pairs = int(validation["pairs"].iloc[0])
    if not pairs:
        return ALS_MODEL, "ALS by default: the validation period has no pairs"
    served = COOCCURRENCE if rates[COOCCURRENCE] > rates[ALS_MODEL] else ALS_MODEL
    other = ALS_MODEL if served == COOCCURRENCE else COOCCURRENCE
    reason = (
        f"validation hit rate@{n} {rates[served]:.4f} against {other} "
        f"{rates[other]:.4f} and {POPULARITY} {rates[POPULARITY]:.4f} on {pairs} pairs"
    )
    if served == ALS_MODEL:
        reason += f" ({COOCCURRENCE} is served only where it is higher)"
    if rates[POPULARITY] > rates[served]:
        logger.warning(
            "Similar products: the popularity baseline beats %s on validation "
            "(hit rate@%d %.4f against %.4f): the similar lists add little here",
            served,
            n,
            rates[POPULARITY],
            rates[served],
        )
    return served, reason


def evaluate_similar_products(
    validation_lists: DataFrame,
    test_lists: DataFrame,
    interactions: DataFrame,
    user_index: DataFrame,
    product_index: DataFrame,
    similar: SimilarParams,
) -> pd.DataFrame:
    """Hit rate@N of every method on validation and test, and the one served.

    A pair (previous product, next product) of a user's consecutive products
    in the period (``touch_pairs``) is a hit when the next is among the
    previous one's N similar products. Validation scores lists built on the
    tuning data and chooses what to serve (``choose_similar_method``); test
    scores lists built on everything before it. Pairs whose previous product
    has no training interaction are counted as ``pairs_cold`` and skipped.
    With ``choose_on_validation`` off, only test is scored and ALS is served
    (the validation lists, lazy, are never computed).

    Returns:
        ``METRIC_COLUMNS``: a row per period and method (``als``,
        ``cooccurrence``, ``popularity``); ``hit_rate = hits / pairs`` (NaN
        without pairs); ``served`` and ``reason`` on the served method's rows.
    """
    lists = test_lists.withColumn(PERIOD, F.lit(TEST))
    periods = (TEST,)
    if similar.choose_on_validation:
        validation = validation_lists.withColumn(PERIOD, F.lit(VALIDATION))
        lists, periods = validation.unionByName(lists), (VALIDATION, TEST)
    pairs = touch_pairs(interactions, user_index, product_index, periods)
    counts = _count_hits(lists, pairs)
    rows = []
    for period in periods:
        cold = counts.get((period, None), {}).get("pairs", 0)
        for method in SIMILAR_EVALUATED:
            c = counts.get((period, method), {})
            pairs, hits = int(c.get("pairs", 0)), int(c.get("hits", 0))
            rows.append(
                {
                    PERIOD: period,
                    METHOD: method,
                    "n": similar.n,
                    "hit_rate": hits / pairs if pairs else float("nan"),
                    "hits": hits,
                    "pairs": pairs,
                    "users": int(c.get("users", 0)),
                    "pairs_cold": int(cold),
                }
            )
    table = pd.DataFrame(rows)
    served, reason = ALS_MODEL, "ALS: similar.choose_on_validation is off"
    if similar.choose_on_validation:
        served, reason = choose_similar_method(
            table[table[PERIOD] == VALIDATION], similar.n
        )
    table["served"] = table[METHOD] == served
    table["reason"] = table["served"].map({True: reason, False: ""})
    _log_test(table, served, reason)
    return table[METRIC_COLUMNS]


def _log_test(table: pd.DataFrame, served: str, reason: str) -> None:
    test = table[table[PERIOD] == TEST]
    logger.info(
        "Similar products: %s served (%s); test hit rate@%d on %d pairs of %d "
        "users (%d cold pairs skipped): %s",
        served,
        reason,
        int(test["n"].iloc[0]),
        int(test["pairs"].iloc[0]),
        int(test["users"].iloc[0]),
        int(test["pairs_cold"].iloc[0]),
        ", ".join(
            f"{m} {r:.4f}" for m, r in test.set_index(METHOD)["hit_rate"].items()
        ),
    )


def serve_similar_products(lists: DataFrame, metrics: pd.DataFrame) -> DataFrame:
    """The served method's lists (the one ``metrics`` marks ``served``), a row
    per product and rank.

    Returns:
        ``item_idx, similar_idx, rank, score, method``.
    """
    served = metrics.loc[metrics["served"].astype(bool), METHOD].iloc[0]
    ranked = lists.where(F.col(METHOD) == served).select(
        ITEM, METHOD, F.posexplode(SIMILAR).alias("_at", "_entry")
    )
    return ranked.select(
        ITEM,
        F.col(f"_entry.{SIMILAR_ITEM}").alias(SIMILAR_ITEM),
        (F.col("_at") + 1).alias("rank"),
        F.col("_entry.score").alias("score"),
        METHOD,
    )

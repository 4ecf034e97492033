"""ALS's top-K scoring over given factors: a model's users ranked against only
some items (the popular candidates), or item factors on both sides (similar
products).

PySpark has no public way to build an ``ALSModel`` from given factors. On a
classic session ``ecom_recsys.spark.jvm`` builds one in the JVM, and ALS's
own blocked BLAS scoring ranks them (the cheaper path). Everywhere else (Spark
Connect) the same ranking runs as DataFrame operations: every user's factors
against every item's, the dot product summed in double precision, and each
user's best ``num`` kept by a window (Spark stops at ``num`` per user before
the shuffle).

Both give the same lists: the same items in the same order, ties on a score
(equal factors) broken by the larger item index first, as ALS merges its
blocks. Scores can differ in their last bits: ALS sums the products in float
with the CPU's vector lanes (netlib's ``VectorBLAS``, with fused multiply-adds)
where the DataFrame path sums in double and rounds once; so items whose scores
are within a few float rounding steps of each other can swap places.
A test compares the two on a fitted model.
"""

from __future__ import annotations

from pyspark.ml.recommendation import ALSModel
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from ecom_recsys.spark import jvm

RECOMMENDATIONS, RATING = "recommendations", "rating"  # ALS's output names


def top_items(
    model: ALSModel,
    num: int,
    *,
    users: DataFrame | None = None,
    user_factors: DataFrame | None = None,
    item_factors: DataFrame | None = None,
    block_size: int = 4096,
    rank: int | None = None,
) -> DataFrame:
    """``model.recommendForUserSubset(users, num)`` (``recommendForAllUsers``
    when ``users`` is None), with the given ``id, features`` rows in place of
    the model's user or item factors.

    Args:
        model: The fitted model: its user and item columns, rank and factors.
        num: How many items per user.
        users: The users to score (the model's user column); None: all.
        user_factors: ``id, features`` of the users; None: the model's.
        item_factors: ``id, features`` of the items to rank; None: the model's.
        block_size: Rows per block of ALS's own scoring (the DataFrame path
            has no blocks): the number of items scores them in one block.
        rank: The length of the given factors; None: the model's rank (more
            when a column was added to both sides, e.g. a popularity prior).

    Returns:
        ``<user column>, recommendations`` (``array<struct<<item column>,
        rating: float>>``, best first), as ALS returns them.
    """
    if user_factors is None and item_factors is None:
        scorer = model.copy().setBlockSize(block_size)  # public on both paths
        if jvm.classic():
            return _recommend(scorer, users, num)
        # On Spark Connect the server runs the model's call on a copy of the
        # input's plan, which does not keep a checkpoint in ``users`` (as
        # recommend_als makes) alive: once its DataFrame is garbage-collected, a
        # later read of the lazy result fails with DATAFRAME_NOT_FOUND. So the
        # result is computed now, while ``users`` is alive.
        return _recommend(scorer, users, num).localCheckpoint(eager=True)
    user_factors = model.userFactors if user_factors is None else user_factors
    item_factors = model.itemFactors if item_factors is None else item_factors
    if not jvm.classic():
        return rank_items(
            model, user_factors, item_factors, num, users=users, rank=rank
        )
    scorer = jvm.als_model_with_factors(
        model, user_factors, item_factors, block_size, rank
    )
    return _recommend(scorer, users, num)


def _recommend(scorer: ALSModel, users: DataFrame | None, num: int) -> DataFrame:
    if users is None:
        return scorer.recommendForAllUsers(num)
    return scorer.recommendForUserSubset(users, num)


def _dot(left: Column, right: Column, rank: int) -> Column:
    """The dot product of two float arrays of length ``rank``, summed in
    double, as a float (ALS's score type)."""
    terms = [left[j].cast("double") * right[j].cast("double") for j in range(rank)]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total.cast("float")


def rank_items(
    model: ALSModel,
    user_factors: DataFrame,
    item_factors: DataFrame,
    num: int,
    *,
    users: DataFrame | None = None,
    rank: int | None = None,
) -> DataFrame:
    """``top_items`` in DataFrame operations (any session, Spark Connect too):
    the ``num`` items of ``item_factors`` with the highest dot product with
    each user of ``user_factors`` (only ``users`` when given); ``rank``: the
    factors' length (None: the model's)."""
    user_col, item_col = model.getUserCol(), model.getItemCol()
    rank = model.rank if rank is None else rank
    if users is not None:
        wanted = users.select(F.col(user_col).alias("id"))
        user_factors = user_factors.join(wanted, "id", "left_semi")
    scores = (
        user_factors.alias("u")
        .crossJoin(F.broadcast(item_factors.alias("i")))
        .select(
            F.col("u.id").alias(user_col),
            F.col("i.id").alias(item_col),
            _dot(F.col("u.features"), F.col("i.features"), rank).alias(RATING),
        )
    )
    order = Window.partitionBy(user_col).orderBy(F.desc(RATING), F.desc(item_col))
    best = scores.withColumn("_rank", F.row_number().over(order)).where(
        F.col("_rank") <= num
    )
    ranked = F.sort_array(F.collect_list(F.struct(RATING, item_col)), asc=False)
    return best.groupBy(user_col).agg(
        F.transform(
            ranked,
            lambda r: F.struct(r[item_col].alias(item_col), r[RATING].alias(RATING)),
        ).alias(RECOMMENDATIONS)
    )

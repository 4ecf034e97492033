"""Demo ratings in the MovieLens ``ratings.csv`` format, generated with Spark.

``userId,movieId,rating,timestamp``: half-star ratings from 0.5 to 5.0 and Unix
timestamps. Each user has a favourite genre; movies of it are rated more often
and higher, and popular movies more often than the long tail.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ecom_recsys.spark.frames import hash_uniform


def generate_ratings(params: dict[str, Any]) -> DataFrame:
    """Generate MovieLens-format ratings.

    Args:
        params: ``demo_data.interactions``: seed, n_users, n_movies, n_genres,
            ratings_per_user_mean, favourite_genre_share, start, n_days.

    Returns:
        ``userId, movieId, rating, timestamp`` (one row per user and movie).
    """
    spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
    seed = F.lit(int(params["seed"]))
    n_movies, n_genres = int(params["n_movies"]), int(params["n_genres"])
    per_genre = max(1, n_movies // n_genres)
    start = int(
        datetime.fromisoformat(str(params["start"])).replace(tzinfo=UTC).timestamp()
    )
    span = int(params["n_days"]) * 86_400

    def u(*cols, salt: str):
        return hash_uniform(seed, F.lit(salt), *cols)

    users = spark.range(int(params["n_users"]), numPartitions=4).select(
        F.col("id").alias("user"),
        F.floor(u("id", salt="genre") * n_genres).cast("int").alias("genre"),
        (
            F.lit(1)
            + F.floor(
                -F.log(1 - u("id", salt="n"))
                * (float(params["ratings_per_user_mean"]) - 1)
            )
        )
        .cast("int")
        .alias("n"),
    )
    picks = users.select(
        "user", "genre", F.explode(F.sequence(F.lit(0), F.col("n") - 1)).alias("k")
    )
    in_genre = u("user", "k", salt="own") < float(params["favourite_genre_share"])
    genre = F.when(in_genre, F.col("genre")).otherwise(
        F.floor(u("user", "k", salt="g") * n_genres).cast("int")
    )
    # Power-law popularity inside a genre: low slots are the blockbusters.
    slot = F.floor(F.pow(u("user", "k", salt="m"), F.lit(2.5)) * per_genre).cast("int")
    rated = picks.select(
        "user",
        in_genre.alias("liked"),
        (genre * per_genre + slot + 1).alias("movie"),
        (F.lit(start) + (u("user", "k", salt="t") * span).cast("long")).alias("ts"),
        u("user", "k", salt="r").alias("r"),
    )
    stars = F.when(F.col("liked"), F.lit(3.5) + F.col("r") * 1.5).otherwise(
        F.lit(0.5) + F.col("r") * 3.5
    )
    return (
        rated.withColumn("stars", F.round(stars * 2) / 2)
        .groupBy("user", "movie")
        .agg(F.max("stars").alias("rating"), F.min("ts").alias("timestamp"))
        .select(
            (F.col("user") + 1).alias("userId"),
            F.col("movie").alias("movieId"),
            "rating",
            "timestamp",
        )
    )

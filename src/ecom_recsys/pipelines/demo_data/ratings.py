"""Demo ratings in the MovieLens ``ratings.csv`` format, and the movies in the
``movies.csv`` format, generated with Spark.

``userId,movieId,rating,timestamp``: half-star ratings from 0.5 to 5.0 and Unix
timestamps. Each user has a favourite genre; movies of it are rated more often
and higher, and popular movies more often than the long tail.
``movieId,title,genres``: a made-up title with a year, and the movie's genre.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from ecom_recsys.params import DemoRatings

from .sampling import Draws, long_tail_count, numbered, power_law_slot

# Power applied to the uniform draw of a movie inside a genre (long tail).
_POPULARITY_EXPONENT = 2.5

# MovieLens's genres, in its order; more genres than these repeat them.
GENRES = [
    "Action", "Adventure", "Animation", "Children", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical",
    "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
]  # fmt: skip
# Made-up titles: "The <adjective> <noun>" or "<noun> of the <place>", with a year.
_ADJECTIVES = [
    "Silent", "Last", "Hidden", "Broken", "Golden", "Lost", "Midnight", "Final",
    "Secret", "Wild", "Burning", "Frozen", "Crimson", "Distant", "Endless",
    "Quiet", "Iron", "Electric", "Forgotten", "Little",
]  # fmt: skip
_NOUNS = [
    "River", "Empire", "Garden", "Storm", "Road", "Harbor", "Kingdom", "Letter",
    "Summer", "Signal", "Island", "Mirror", "Station", "Promise", "Orchard",
    "Machine", "Horizon", "Detective", "Winter", "Dream",
]  # fmt: skip
_PLACES = [
    "North", "Sea", "Moon", "Valley", "Night", "Lake", "City", "Desert",
    "Stars", "Mountain", "Forest", "Coast", "West", "Dawn", "Deep",
]  # fmt: skip


def _users(spark: SparkSession, params: DemoRatings, draws: Draws) -> DataFrame:
    """One row per user: favourite genre and number of ratings drawn."""
    u = draws.uniform
    return spark.range(params.n_users, numPartitions=4).select(
        F.col("id").alias("user"),
        F.floor(u("genre", "id") * params.n_genres).cast("int").alias("genre"),
        long_tail_count(u("n", "id"), params.ratings_per_user_mean).alias("n"),
    )


def _picks(params: DemoRatings, draws: Draws, users: DataFrame) -> DataFrame:
    """One row per rating drawn: movie (mostly of the favourite genre), time, draw."""
    per_genre = params.n_movies // params.n_genres
    start = int(datetime.combine(params.start, time(), tzinfo=UTC).timestamp())
    span = params.n_days * 86_400
    u = draws.uniform
    key = ("user", "k")
    picks = users.select("user", "genre", numbered(F.col("n")).alias("k"))
    in_genre = u("own", *key) < params.favourite_genre_share
    genre = F.when(in_genre, F.col("genre")).otherwise(
        F.floor(u("g", *key) * params.n_genres).cast("int")
    )
    # Power-law popularity inside a genre: low slots are the blockbusters.
    slot = power_law_slot(u("m", *key), _POPULARITY_EXPONENT, per_genre).cast("int")
    return picks.select(
        "user",
        in_genre.alias("liked"),
        (genre * per_genre + slot + 1).alias("movie"),
        (F.lit(start) + (u("t", *key) * span).cast("long")).alias("ts"),
        u("r", *key).alias("r"),
    )


def _stars(liked: Column, r: Column) -> Column:
    """Half stars: 3.5 to 5 for the favourite genre, 0.5 to 4 otherwise."""
    stars = F.when(liked, F.lit(3.5) + r * 1.5).otherwise(F.lit(0.5) + r * 3.5)
    return F.round(stars * 2) / 2


def generate_ratings(params: DemoRatings) -> DataFrame:
    """Generate MovieLens-format ratings.

    Args:
        params: ``demo_data.interactions`` from ``parameters_demo_data.yml``.

    Returns:
        ``userId, movieId, rating, timestamp`` (one row per user and movie).
    """
    spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
    draws = Draws(params.seed)
    picks = _picks(params, draws, _users(spark, params, draws))
    return (
        picks.withColumn("stars", _stars(F.col("liked"), F.col("r")))
        .groupBy("user", "movie")
        .agg(F.max("stars").alias("rating"), F.min("ts").alias("timestamp"))
        .select(
            (F.col("user") + 1).alias("userId"),
            F.col("movie").alias("movieId"),
            "rating",
            "timestamp",
        )
    )


def _pick(words: list[str], u: Column) -> Column:
    """One of ``words``, by the uniform draw ``u``."""
    return F.element_at(
        F.array(*[F.lit(w) for w in words]), (u * len(words)).cast("int") + 1
    )


def generate_movies(params: DemoRatings) -> DataFrame:
    """Generate the movies of :func:`generate_ratings` in the MovieLens
    ``movies.csv`` format: ``movieId, title, genres`` (the ratings draw movie
    ``g * (n_movies // n_genres) + slot + 1`` for genre ``g``).
    """
    spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
    u = Draws(params.seed).uniform
    per_genre = params.n_movies // params.n_genres
    movie = F.col("id") + 1
    genre = F.least(F.floor((movie - 1) / per_genre), F.lit(params.n_genres - 1))
    year = (F.lit(1950) + u("year", "id") * 70).cast("int")
    named = F.when(
        u("form", "id") < 0.6,
        F.concat(F.lit("The "), _pick(_ADJECTIVES, u("a", "id")), F.lit(" "),
                 _pick(_NOUNS, u("n", "id"))),
    ).otherwise(
        F.concat(_pick(_NOUNS, u("n", "id")), F.lit(" of the "),
                 _pick(_PLACES, u("m", "id")))
    )  # fmt: skip
    return spark.range(params.n_movies, numPartitions=1).select(
        movie.alias("movieId"),
        F.concat(named, F.lit(" ("), year.cast("string"), F.lit(")")).alias("title"),
        F.element_at(
            F.array(*[F.lit(g) for g in GENRES]), (genre % len(GENRES)).cast("int") + 1
        ).alias("genres"),
    )

"""Tests of the demo data generator: format, determinism and planted structure."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from pyspark.sql import Window
from pyspark.sql import functions as F

from ecom_recsys.params import DemoEvents, DemoRatings
from ecom_recsys.pipelines.demo_data.events import generate_events
from ecom_recsys.pipelines.demo_data.ratings import generate_movies
from ecom_recsys.schemas import EVENTS

RAW = {
    "seed": 7,
    "n_users": 3000,
    "n_products": 600,
    "n_categories": 20,
    "start": "2019-10-01",
    "n_days": 21,
    "sessions_per_user_mean": 3.0,
    "views_per_session_mean": 6.0,
    "category_popularity_exponent": 1.0,
    "product_popularity_exponent": 3.0,
    "taste": {"favourite_category_share": 0.85, "favourite_brand_share": 0.6},
    "funnel": {
        "cart_rate": 0.021,
        "purchase_after_cart": 0.8,
        "remove_after_cart": 0.15,
        "direct_purchase_rate": 0.001,
    },
}
PARAMS = DemoEvents.model_validate(RAW)


@pytest.fixture(scope="module")
def events(spark):
    return generate_events(PARAMS).persist()


def test_columns_and_formats_match_the_rees46_file(events):
    assert events.columns == list(EVENTS["events"])
    bad_time = events.where(
        ~F.col("event_time").rlike(r"^2019-1[01]-\d\d \d\d:\d\d:\d\d UTC$")
    )
    assert bad_time.count() == 0
    assert events.where(F.col("user_session").rlike("^[0-9a-f-]{36}$")).count() == (
        events.count()
    )


def test_same_seed_gives_the_same_events_and_another_seed_does_not(spark, events):
    again = generate_events(PARAMS)
    assert again.exceptAll(events).count() == 0
    assert events.exceptAll(again).count() == 0
    other = generate_events(DemoEvents.model_validate({**RAW, "seed": 8}))
    assert other.exceptAll(events).count() > 0


def test_funnel_shares_are_near_the_real_data(events):
    n = events.count()
    shares = {
        r["event_type"]: r["count"] / n
        for r in events.groupBy("event_type").count().collect()
    }
    assert 0.94 < shares["view"] < 0.975
    assert 0.015 < shares["cart"] < 0.025
    assert 0.012 < shares["purchase"] < 0.023
    assert 0.0 < shares["remove_from_cart"] < 0.01


def test_each_product_has_one_price_and_category(events):
    per_product = events.groupBy("product_id").agg(
        F.countDistinct("price").alias("prices"),
        F.countDistinct("category_id").alias("cats"),
    )
    assert per_product.where("prices != 1 or cats != 1").count() == 0


def test_users_concentrate_on_few_categories(events):
    # Share of each user's views in the user's top-2 categories: planted taste.
    per_user_cat = events.groupBy("user_id", "category_id").count()
    top2 = (
        per_user_cat.withColumn(
            "r",
            F.row_number().over(Window.partitionBy("user_id").orderBy(F.desc("count"))),
        )
        .groupBy("user_id")
        .agg(
            (F.sum(F.when(F.col("r") <= 2, F.col("count"))) / F.sum("count")).alias(
                "top2"
            ),
            F.sum("count").alias("n"),
        )
        .where("n >= 20")
    )
    assert top2.agg(F.avg("top2")).first()[0] > 0.75


def test_popularity_has_a_long_tail(events):
    counts = [
        r["count"]
        for r in events.groupBy("product_id").count().orderBy(F.desc("count")).collect()
    ]
    top_decile = sum(counts[: len(counts) // 10]) / sum(counts)
    assert top_decile > 0.4


def test_fewer_products_than_categories_are_rejected():
    with pytest.raises(ValidationError, match=r"n_products\n.*at least n_categories"):
        DemoEvents.model_validate({**RAW, "n_products": 5})


def test_demo_movies_have_a_title_and_the_genre_their_ratings_draw(spark):
    params = DemoRatings(
        n_users=10, n_genres=3, n_movies=7, ratings_per_user_mean=3,
        favourite_genre_share=0.7, start="2017-01-01", n_days=10,
    )  # fmt: skip
    movies = generate_movies(params).toPandas()
    assert movies.columns.tolist() == ["movieId", "title", "genres"]
    assert movies["movieId"].tolist() == list(range(1, 8))
    # two movies per genre (7 // 3); the seventh is in the last genre
    assert movies["genres"].tolist() == [
        "Action", "Action", "Adventure", "Adventure", "Animation", "Animation",
        "Animation",
    ]  # fmt: skip
    assert (
        movies["title"].str.fullmatch(r"[A-Z][\w ]+ \((19[5-9]\d|200\d|201\d)\)").all()
    )
    assert generate_movies(params).toPandas().equals(movies)  # seeded

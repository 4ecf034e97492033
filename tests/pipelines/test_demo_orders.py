"""Tests of the Olist-schema demo generator: format, determinism, planted shares."""

from __future__ import annotations

from functools import reduce
from pathlib import Path

import pytest
import yaml
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from ecom_recsys.params import OLIST_CATEGORIES, DemoOrders
from ecom_recsys.pipelines.demo_data.olist_reference import CATEGORIES, CITIES
from ecom_recsys.pipelines.demo_data.orders import generate_orders

PROJECT = Path(__file__).resolve().parents[2]
OLIST_SAMPLE = PROJECT.parent / "shared" / "data" / "olist_sample"

# The real files' headers, in the order generate_orders returns the tables.
FILES = {
    "olist_orders_dataset": "order_id,customer_id,order_status,"
    "order_purchase_timestamp,order_approved_at,order_delivered_carrier_date,"
    "order_delivered_customer_date,order_estimated_delivery_date",
    "olist_order_items_dataset": "order_id,order_item_id,product_id,seller_id,"
    "shipping_limit_date,price,freight_value",
    "olist_customers_dataset": "customer_id,customer_unique_id,"
    "customer_zip_code_prefix,customer_city,customer_state",
    "olist_sellers_dataset": "seller_id,seller_zip_code_prefix,seller_city,"
    "seller_state",
    "olist_order_reviews_dataset": "review_id,order_id,review_score,"
    "review_comment_title,review_comment_message,review_creation_date,"
    "review_answer_timestamp",
    "olist_order_payments_dataset": "order_id,payment_sequential,payment_type,"
    "payment_installments,payment_value",
    "olist_products_dataset": "product_id,product_category_name,"
    "product_name_lenght,product_description_lenght,product_photos_qty,"
    "product_weight_g,product_length_cm,product_height_cm,product_width_cm",
    "product_category_name_translation": "product_category_name,"
    "product_category_name_english",
    "olist_geolocation_dataset": "geolocation_zip_code_prefix,geolocation_lat,"
    "geolocation_lng,geolocation_city,geolocation_state",
}
NAMES = [
    "orders",
    "items",
    "customers",
    "sellers",
    "reviews",
    "payments",
    "products",
    "translation",
    "geolocation",
]
TIMESTAMP = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"


def _params(**overrides: object) -> DemoOrders:
    """The base ``demo_data.orders`` parameters, with small sizes."""
    path = PROJECT / "conf" / "base" / "parameters_demo_data.yml"
    params = yaml.safe_load(path.read_text())["demo_data"]["orders"]
    sizes = {"seed": 11, "n_orders": 3000, "n_products": 800, "n_sellers": 120}
    return DemoOrders.model_validate({**params, **sizes, **overrides})


@pytest.fixture(scope="module")
def tables(spark) -> dict[str, DataFrame]:
    frames = dict(zip(NAMES, generate_orders(_params()), strict=True))
    return {name: df.persist() for name, df in frames.items()}


def _shares(df: DataFrame, col: str) -> dict:
    n = df.count()
    return {r[0]: r[1] / n for r in df.groupBy(col).count().collect()}


def _order_customers(tables: dict[str, DataFrame]) -> DataFrame:
    """order_id, customer_unique_id and purchase time of every order."""
    return (
        tables["orders"]
        .join(tables["customers"], "customer_id")
        .select("order_id", "customer_unique_id", "order_purchase_timestamp")
    )


def test_tables_have_the_real_files_columns(tables):
    for name, header in zip(NAMES, FILES.values(), strict=True):
        assert ",".join(tables[name].columns) == header, name


def test_ids_zips_and_timestamps_look_like_the_real_files(tables):
    orders, customers = tables["orders"], tables["customers"]
    assert orders.where(~F.col("order_id").rlike("^[0-9a-f]{32}$")).count() == 0
    assert orders.select("order_id").distinct().count() == orders.count() == 3000
    bad_time = orders.where(~F.col("order_purchase_timestamp").rlike(TIMESTAMP))
    assert bad_time.count() == 0
    span = orders.agg(
        F.min("order_purchase_timestamp"), F.max("order_purchase_timestamp")
    )
    first, last = span.first()
    assert first >= "2016-09-04" and last < "2018-09-01"
    assert (
        customers.where(~F.col("customer_zip_code_prefix").rlike(r"^\d{5}$")).count()
        == 0
    )
    geo = tables["geolocation"]
    assert (
        customers.join(
            geo,
            F.col("customer_zip_code_prefix") == F.col("geolocation_zip_code_prefix"),
            "left_anti",
        ).count()
        == 0
    )
    in_brazil = geo.where(
        F.col("geolocation_lat").between(-34, 6)
        & F.col("geolocation_lng").between(-74, -34)
    )
    assert in_brazil.count() == geo.count()
    assert (
        geo.groupBy("geolocation_zip_code_prefix")
        .count()
        .agg(F.avg("count"))
        .first()[0]
        > 2
    )


def test_city_zip_ranges_do_not_overlap():
    ranges = sorted((lo, hi) for _, _, _, lo, hi, *_ in CITIES)
    assert all(
        hi < next_lo for (_, hi), (next_lo, _) in zip(ranges, ranges[1:], strict=False)
    )
    assert len({state for _, _, state, *_ in CITIES}) == 27


def _as_json(frames: dict[str, DataFrame], names: list[str]) -> DataFrame:
    """All rows of the tables ``names`` as JSON text, tagged by table name."""
    parts = [
        frames[n].select(
            F.lit(n).alias("table"),
            F.to_json(F.struct(*frames[n].columns)).alias("row"),
        )
        for n in names
    ]
    return reduce(DataFrame.unionAll, parts)


def test_same_seed_gives_the_same_tables_and_another_seed_does_not(tables):
    again = dict(zip(NAMES, generate_orders(_params()), strict=True))
    new, old = _as_json(again, NAMES), _as_json(tables, NAMES)
    assert new.exceptAll(old).union(old.exceptAll(new)).count() == 0
    other = dict(zip(NAMES, generate_orders(_params(seed=12)), strict=True))
    some = ["orders", "items"]
    changed = _as_json(other, some).exceptAll(_as_json(tables, some))
    assert {r[0] for r in changed.select("table").distinct().collect()} == set(some)


def test_most_unique_customers_buy_once(tables):
    customers = tables["customers"]
    assert customers.count() == tables["orders"].count()
    per_person = customers.groupBy("customer_unique_id").count()
    once = per_person.where("count = 1").count() / per_person.count()
    assert 0.95 < once < 0.99
    assert per_person.agg(F.max("count")).first()[0] >= 3


def test_order_statuses_and_dates_follow_the_real_data(tables):
    orders = tables["orders"]
    shares = _shares(orders, "order_status")
    assert 0.95 < shares["delivered"] < 0.985
    assert 0.003 < shares["shipped"] < 0.025
    assert set(shares) <= {
        "delivered", "shipped", "canceled", "unavailable",
        "invoiced", "processing", "created", "approved",
    }  # fmt: skip
    delivered = orders.where("order_status = 'delivered'")
    ordered = delivered.where(
        "order_purchase_timestamp <= order_approved_at"
        " and order_approved_at <= order_delivered_carrier_date"
        " and order_delivered_carrier_date <= order_delivered_customer_date"
    )
    assert ordered.count() == delivered.count()
    late = delivered.where(
        "order_delivered_customer_date > order_estimated_delivery_date"
    )
    assert 0.04 < late.count() / delivered.count() < 0.12
    undelivered = orders.where("order_status != 'delivered'")
    assert undelivered.where("order_delivered_customer_date is not null").count() == 0
    assert orders.where("order_estimated_delivery_date is null").count() == 0


def test_review_scores_are_skewed_to_five_and_drop_when_late(tables):
    reviews = tables["reviews"]
    shares = _shares(reviews, "review_score")
    assert 0.50 < shares[5] < 0.64
    assert 0.14 < shares[4] < 0.24
    assert 0.05 < shares[3] < 0.12
    assert 0.01 < shares[2] < 0.06
    assert 0.08 < shares[1] < 0.17
    scored = reviews.join(tables["orders"], "order_id").where(
        "order_status = 'delivered'"
    )
    late = F.col("order_delivered_customer_date") > F.col(
        "order_estimated_delivery_date"
    )
    means = {
        r[0]: r[1] for r in scored.groupBy(late).agg(F.avg("review_score")).collect()
    }
    assert means[True] < means[False] - 1.0
    texts = reviews.where("review_comment_message is not null").count()
    assert 0.2 < texts / reviews.count() < 0.6


def test_about_one_review_per_order_and_the_later_one_wins(tables):
    reviews, n_orders = tables["reviews"], tables["orders"].count()
    per_order = reviews.groupBy("order_id").agg(
        F.count("*").alias("n"),
        F.min("review_answer_timestamp").alias("first_answer"),
        F.max("review_creation_date").alias("last_created"),
    )
    assert 0.98 < per_order.count() / n_orders < 1.0
    twice = per_order.where("n = 2")
    assert 0 < twice.count() < 0.02 * n_orders
    assert twice.where("last_created <= first_answer").count() == 0
    assert reviews.select("review_id").distinct().count() == reviews.count()


def test_items_per_order_are_mostly_one_with_a_short_tail(tables):
    items = tables["items"]
    per_order = items.groupBy("order_id").agg(
        F.count("*").alias("n"),
        F.min("order_item_id").alias("lo"),
        F.max("order_item_id").alias("hi"),
        F.countDistinct("order_item_id").alias("ids"),
        F.countDistinct("product_id").alias("products"),
    )
    assert per_order.count() == tables["orders"].count()
    shares = _shares(per_order, "n")
    assert 0.87 < shares[1] < 0.93
    assert max(shares) <= 6 and max(shares) >= 4
    assert per_order.where("lo != 1 or hi != n or ids != n").count() == 0
    assert per_order.where("products < n").count() > 0  # quantity > 1 happens
    # A repeated product keeps its price and freight within the order.
    repeats = items.groupBy("order_id", "product_id").agg(
        F.countDistinct("price", "freight_value").alias("values")
    )
    assert repeats.where("values != 1").count() == 0


def test_prices_are_per_product_and_freight_grows_with_weight(tables):
    items = tables["items"].join(tables["products"], "product_id")
    prices = items.groupBy("product_id").agg(F.countDistinct("price").alias("n"))
    assert prices.where("n != 1").count() == 0
    assert items.stat.corr("product_weight_g", "freight_value") > 0.5
    median = items.agg(F.percentile_approx("price", 0.5)).first()[0]
    assert 40 < median < 150


def test_payments_add_up_to_the_items_price_and_freight(tables):
    items, payments = tables["items"], tables["payments"]
    spent = items.groupBy("order_id").agg(
        F.round(F.sum(F.col("price") + F.col("freight_value")), 2).alias("spent")
    )
    paid = payments.groupBy("order_id").agg(
        F.round(F.sum("payment_value"), 2).alias("paid")
    )
    both = spent.join(paid, "order_id", "full")
    assert (
        both.where("spent is null or paid is null or abs(spent - paid) > 0.001").count()
        == 0
    )
    shares = _shares(payments, "payment_type")
    assert 0.68 < shares["credit_card"] < 0.80
    assert 0.15 < shares["boleto"] < 0.24
    assert 0.02 < shares["voucher"] < 0.08
    assert (
        payments.where("payment_installments < 1 or payment_installments > 10").count()
        == 0
    )
    assert payments.where("payment_value <= 0").count() == 0


def test_keys_join_and_categories_have_translations(tables):
    items, products = tables["items"], tables["products"]
    assert items.join(products, "product_id", "left_anti").count() == 0
    assert items.join(tables["sellers"], "seller_id", "left_anti").count() == 0
    assert (
        tables["orders"].join(tables["customers"], "customer_id", "left_anti").count()
        == 0
    )
    assert (
        tables["reviews"].join(tables["orders"], "order_id", "left_anti").count() == 0
    )
    assert products.count() == 800 and tables["sellers"].count() == 120
    named = products.where("product_category_name is not null")
    assert (
        named.join(tables["translation"], "product_category_name", "left_anti").count()
        == 0
    )
    assert tables["translation"].count() == len(CATEGORIES) == OLIST_CATEGORIES
    unnamed = products.count() - named.count()
    assert 0 < unnamed < 0.05 * products.count()
    assert (
        products.where(
            "product_category_name is null and product_photos_qty is not null"
        ).count()
        == 0
    )


def test_popularity_is_long_tailed(tables):
    items = tables["items"].join(tables["products"], "product_id")
    categories = sorted(_shares(items, "product_category_name").values(), reverse=True)
    assert categories[0] > 5 * categories[20]
    per_product = items.groupBy("product_id").count()
    top = per_product.agg(F.max("count")).first()[0]
    assert top > 10 * per_product.agg(F.avg("count")).first()[0]
    per_seller = sorted(_shares(tables["items"], "seller_id").values(), reverse=True)
    assert sum(per_seller[:12]) > 0.25  # top 10% of sellers


def test_repeat_customers_stick_to_a_favourite_category(tables):
    products = tables["products"].select("product_id", "product_category_name")
    bought = (
        tables["items"]
        .join(products, "product_id")
        .join(_order_customers(tables), "order_id")
        .where("product_category_name is not null")
    )
    repeat = (
        _order_customers(tables)
        .groupBy("customer_unique_id")
        .count()
        .where("count > 1")
    )
    bought = bought.join(repeat.select("customer_unique_id"), "customer_unique_id")
    per_cat = bought.groupBy("customer_unique_id", "product_category_name").count()
    top = per_cat.groupBy("customer_unique_id").agg(
        F.max("count").alias("top"), F.sum("count").alias("n")
    )
    assert top.agg(F.sum("top") / F.sum("n")).first()[0] > 0.65
    # The last order's categories were mostly already bought by that customer.
    last = Window.partitionBy("customer_unique_id").orderBy(
        F.desc("order_purchase_timestamp"), F.desc("order_id")
    )
    ranked = bought.withColumn("rank", F.dense_rank().over(last))
    keys = ["customer_unique_id", "product_category_name"]
    earlier = (
        ranked.where("rank > 1").select(*keys).distinct().withColumn("seen", F.lit(1))
    )
    recent = ranked.where("rank = 1").join(earlier, keys, "left")
    assert recent.agg(F.avg(F.col("seen").isNotNull().cast("int"))).first()[0] > 0.55


def test_csv_round_trip_gives_the_real_headers_and_formats(tables, tmp_path):
    for (file, header), name in zip(FILES.items(), NAMES, strict=True):
        out = tmp_path / file
        tables[name].coalesce(1).write.csv(str(out), header=True)
        text = next(out.glob("part-*.csv")).read_text(encoding="utf-8")
        lines = text.splitlines()
        assert lines[0] == header, file
        sample = OLIST_SAMPLE / f"{file}.csv"
        if sample.exists():
            real = sample.read_text(encoding="utf-8-sig").splitlines()
            assert lines[0] == real[0].replace('"', ""), file
            if name == "translation":  # the 71 real pairs, in the real order
                assert lines == real
        back = tables[name].sparkSession.read.csv(str(out), header=True)
        assert (
            back.columns == header.split(",") and back.count() == tables[name].count()
        )
    items = (tmp_path / "olist_order_items_dataset").glob("part-*.csv")
    row = next(items).read_text().splitlines()[1].split(",")
    assert row[1].isdigit() and len(row[2]) == 32
    assert all(len(x.split(".")[-1]) <= 2 and "e" not in x.lower() for x in row[5:])
    products = (tmp_path / "olist_products_dataset").glob("part-*.csv")
    assert ".0," not in next(products).read_text()

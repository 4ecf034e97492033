"""Demo orders in the nine-table Olist schema, generated with Spark.

Like the events generator, every random draw is a hash of (seed, purpose, ids),
so the tables are the same whatever the partitioning, and rows never pass
through Python. Product, seller and customer attributes are pure functions of
their index, so the tables agree with each other without joins.

Planted structure, near the real full dataset's shares:
- about 97% of unique customers buy once; each order has its own customer_id;
- every unique customer has a favourite category that most items come from,
  and repeat orders sometimes re-buy a product of the first order;
- categories and products with power-law popularity, ~1.9% uncategorised
  products, log-normal prices per category, freight growing with weight;
- order statuses, dates, late deliveries and review scores that drop when late;
- payments (credit card, boleto, voucher splits, debit card) that add up to
  the items' price + freight;
- purchases from 2016-09 to 2018-08 with a growing order rate.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from ecom_recsys.params import DemoCustomers, DemoOrders

from .olist_reference import (
    CATEGORIES,
    CITIES,
    HOUR_WEIGHTS,
    REVIEW_MESSAGES,
    REVIEW_TITLES,
)
from .sampling import (
    CategoryLayout,
    Draws,
    at,
    category_layout,
    cdf,
    hex_key,
    literal_array,
    numbered,
    pick,
    pick_key,
    power_law_slot,
    segment_of,
    shares_of,
)

_DAY = 86_400
_TIME_FORMAT = "yyyy-MM-dd HH:mm:ss"
_MONEY = "decimal(12,2)"


@dataclass(frozen=True)
class _Plan(Draws):
    """Driver-side settings and small tables, sized by the parameters only.

    A plan is also the run's :class:`Draws` (``plan.uniform(salt, *keys)``...).
    """

    params: DemoOrders
    start: str  # the first day, 'yyyy-MM-dd'
    n_days: int  # purchase days
    categories: CategoryLayout
    price_levels: list[float]
    weight_levels: list[float]
    # Orders laid out in blocks of customers with k orders each:
    # (first order position, first customer, k); one-time buyers come last.
    blocks: list[tuple[int, int, int]]
    multiplier: int


def _driver_uniform(seed: int, *parts: object) -> float:
    """A uniform number in [0, 1) for driver-side tables (categories)."""
    digest = hashlib.md5("|".join(map(str, (seed, *parts))).encode()).hexdigest()
    return int(digest[:13], 16) / 16**13


def _hex_id(plan: _Plan, kind: str, *cols: Column | str) -> Column:
    """A 32-char lowercase hex id: md5 of seed, kind and the row's numbers."""
    return hex_key(F.lit(str(plan.seed)), F.lit(kind), *cols)


def _timestamp(plan: _Plan, seconds: Column) -> Column:
    """``start`` + ``seconds`` as 'yyyy-MM-dd HH:mm:ss' (null stays null).

    Uses a timestamp without time zone, so the text is the same whatever the
    session's time zone.
    """
    base = F.lit(f"{plan.start} 00:00:00").cast("timestamp_ntz")
    return F.date_format(
        F.timestamp_add("SECOND", seconds.cast("long"), base), _TIME_FORMAT
    )


def _zip_text(zip_prefix: Column) -> Column:
    """A zip prefix as a 5-digit string with leading zeros."""
    return F.lpad(zip_prefix.cast("string"), 5, "0")


def _customer_blocks(n_orders: int, customers: DemoCustomers) -> list[tuple]:
    """Blocks of repeat customers (2, 3, ... orders), then one-time buyers.

    With ``r`` the repeat share and ``E`` the mean orders of a repeat buyer,
    ``n_orders / (1 + r (E - 1))`` unique customers place exactly ``n_orders``.
    """
    probs = shares_of(cdf(customers.repeat_order_count_shares))
    mean = sum((k + 2) * p for k, p in enumerate(probs))
    repeat = customers.repeat_customer_share
    n_unique = n_orders / (1.0 + repeat * (mean - 1.0))
    blocks, order_pos, customer = [], 0, 0
    for k, p in enumerate(probs, start=2):
        n_customers = int(round(n_unique * repeat * p))
        if n_customers and order_pos + k * n_customers <= n_orders:
            blocks.append((order_pos, customer, k))
            order_pos += k * n_customers
            customer += n_customers
    blocks.append((order_pos, customer, 1))
    return blocks


def _plan(params: DemoOrders) -> _Plan:
    """Build the small driver-side tables."""
    seed, n_orders, n_categories = params.seed, params.n_orders, len(CATEGORIES)
    categories = category_layout(
        params.n_products,
        n_categories,
        params.products.category_popularity_exponent,
        section="demo_data.orders",
    )
    return _Plan(
        seed=seed,
        params=params,
        start=params.start.isoformat(),
        n_days=(params.end - params.start).days + 1,
        categories=categories,
        price_levels=[
            math.exp(3.5 + 1.7 * _driver_uniform(seed, "price", c))
            for c in range(n_categories)
        ],
        weight_levels=[
            math.exp(5.5 + 2.2 * _driver_uniform(seed, "weight", c))
            for c in range(n_categories)
        ],
        blocks=_customer_blocks(n_orders, params.customers),
        multiplier=next(
            m for m in (1_000_003, 1_000_033, 1_000_037) if math.gcd(m, n_orders) == 1
        ),
    )


# --- products and sellers: pure functions of their index -------------------


def _product_category(plan: _Plan, product: Column) -> Column:
    """Latent category index of a product index (also for uncategorised ones)."""
    return segment_of(plan.categories.ends, product)


def _product_price(plan: _Plan, product: Column, category: Column) -> Column:
    """Log-normal price around the category's level, often ending in .90/.99."""
    sigma = plan.params.products.price_sigma
    x = F.greatest(
        at(plan.price_levels, category) * F.exp(sigma * plan.normal("price", product)),
        F.lit(4.0),
    )
    style = plan.uniform("price.style", product)
    price = (
        F.when(style < 0.45, F.ceil(x) - 0.1)
        .when(style < 0.65, F.ceil(x) - 0.01)
        .otherwise(F.round(x, 2))
    )
    return F.round(price, 2).cast(_MONEY)


def _product_weight(plan: _Plan, product: Column, category: Column) -> Column:
    """Log-normal weight in grams around the category's level."""
    w = at(plan.weight_levels, category) * F.exp(1.1 * plan.normal("weight", product))
    w = F.least(F.greatest(w, F.lit(50.0)), F.lit(30_000.0))
    return F.when(w > 1000, F.round(w / 50) * 50).otherwise(F.round(w)).cast("int")


def _product_seller(plan: _Plan, product: Column) -> Column:
    """Seller index of a product: a power law, so a few sellers sell most."""
    exponent = plan.params.products.seller_popularity_exponent
    slot = power_law_slot(
        plan.uniform("seller", product), exponent, plan.params.n_sellers
    )
    return slot.cast("long")


def _city_cdf(for_sellers: bool) -> list[float]:
    """City shares of customers; sellers concentrate more in Sao Paulo state."""
    return cdf([c[7] * (2.0 if for_sellers and c[2] == "SP" else 1.0) for c in CITIES])


def _place(plan: _Plan, kind: str, key: Column) -> tuple[Column, Column]:
    """City index and zip prefix (int) of a customer or seller."""
    city = pick(_city_cdf(kind == "seller"), plan.uniform(kind + ".city", key))
    lo = at([c[3] for c in CITIES], city)
    hi = at([c[4] for c in CITIES], city)
    zip_prefix = lo + F.floor(plan.uniform(kind + ".zip", key) * (hi - lo + 1))
    return city, zip_prefix.cast("int")


def _seller_state(plan: _Plan, seller: Column) -> Column:
    """State of a seller index."""
    city, _ = _place(plan, "seller", seller)
    return at([c[2] for c in CITIES], city)


# --- orders ------------------------------------------------------------------


def _customer_of_order(plan: _Plan, order: Column) -> tuple[Column, Column]:
    """Unique customer index and the order's rank among that customer's orders.

    Orders are scattered over the blocks by a bijection ``o -> o * m + s mod n``,
    so repeat buyers are spread over the whole id range and every partition.
    """
    n_orders = plan.params.n_orders
    pos = F.pmod(order * plan.multiplier + plan.seed, F.lit(n_orders))
    starts = [b[0] for b in plan.blocks]
    ends = [*starts[1:], n_orders]
    block = segment_of(ends, pos)
    k = at([b[2] for b in plan.blocks], block)
    offset = pos - at(starts, block)
    customer = at([b[1] for b in plan.blocks], block) + F.floor(offset / k)
    return customer.cast("long"), F.pmod(offset, k).cast("int")


def _purchase_seconds(plan: _Plan, order: Column) -> Column:
    """Seconds after ``start``: a linearly growing daily rate, real hours of day."""
    g = plan.params.growth - 1.0
    u = plan.uniform("day", order)
    x = (F.sqrt(1.0 + g * (2.0 + g) * u) - 1.0) / g if g > 0 else u
    day = F.floor(x * plan.n_days)
    hour = pick(cdf(HOUR_WEIGHTS), plan.uniform("hour", order))
    second = F.floor(plan.uniform("second", order) * 3600)
    return (day * _DAY + hour * 3600 + second).cast("long")


def _payment_type(plan: _Plan, order: Column) -> Column:
    """Main payment type of an order."""
    shares = plan.params.payments.payment_type_shares
    return pick_key(shares, plan.uniform("pay", order))


def _orders_base(spark: SparkSession, plan: _Plan) -> DataFrame:
    """One row per order with its customer, status and event times (seconds)."""
    statuses, n_orders = plan.params.order_status_shares, plan.params.n_orders
    n_partitions = max(2, n_orders // 50_000)
    o = F.col("o")
    customer, seq = _customer_of_order(plan, o)
    base = spark.range(0, n_orders, numPartitions=n_partitions).select(
        F.col("id").alias("o"),
        customer.alias("c"),
        seq.alias("seq"),
        pick_key(statuses, plan.uniform("status", o)).alias("status"),
        _purchase_seconds(plan, o).alias("t_p"),
        _payment_type(plan, o).alias("pay"),
    )
    city, zip_prefix = _place(plan, "customer", F.col("c"))
    base = base.withColumns(
        {
            "city": city,
            "zip": zip_prefix,
            "state": at([c[2] for c in CITIES], city),
        }
    )
    return _with_delivery_times(plan, base)


def _with_delivery_times(plan: _Plan, base: DataFrame) -> DataFrame:
    """Add the approval, estimated, carrier and delivery times (seconds)."""
    o = F.col("o")
    # Boleto payments are approved days later, cards within minutes or hours.
    approve = F.when(
        F.col("pay") == "boleto", (0.4 + 2.2 * plan.uniform("approve", o)) * _DAY
    ).otherwise(120 + plan.exponential("approve", 5400.0, o))
    est_days = F.when(F.col("state") == "SP", 13).otherwise(22) + F.floor(
        plan.uniform("est", o) * 10
    )
    base = base.withColumns(
        {
            "t_a": (F.col("t_p") + approve).cast("long"),
            "t_est": ((F.floor(F.col("t_p") / _DAY) + est_days) * _DAY).cast("long"),
        }
    )
    base = base.withColumn(
        "t_c",
        (F.col("t_a") + 3600 * (6 + plan.exponential("carrier", 60.0, o))).cast("long"),
    )
    # Late orders arrive after the estimate; the others between carrier and estimate.
    late = plan.uniform("late", o) < plan.params.late_delivery_share
    on_time = F.col("t_c") + (F.col("t_est") - F.col("t_c")) * (
        0.1 + 0.8 * F.pow(plan.uniform("transit", o), F.lit(1.3))
    )
    after = F.col("t_est") + 3600 * (4 + plan.exponential("delay", 192.0, o))
    t_d = F.greatest(F.when(late, after).otherwise(on_time), F.col("t_c") + 14_400)
    return base.withColumn("t_d", t_d.cast("long"))


def _orders_table(plan: _Plan, base: DataFrame) -> DataFrame:
    """olist_orders_dataset: later dates are empty for orders not that far yet."""
    status = F.col("status")
    approved = (status != "created") & ~(
        (status == "canceled") & (plan.uniform("canceled.approved", "o") < 0.25)
    )
    shipped = status.isin("delivered", "shipped")
    return base.select(
        _hex_id(plan, "order", "o").alias("order_id"),
        _hex_id(plan, "customer", "o").alias("customer_id"),
        status.alias("order_status"),
        _timestamp(plan, F.col("t_p")).alias("order_purchase_timestamp"),
        _timestamp(plan, F.when(approved, F.col("t_a"))).alias("order_approved_at"),
        _timestamp(plan, F.when(shipped, F.col("t_c"))).alias(
            "order_delivered_carrier_date"
        ),
        _timestamp(plan, F.when(status == "delivered", F.col("t_d"))).alias(
            "order_delivered_customer_date"
        ),
        _timestamp(plan, F.col("t_est")).alias("order_estimated_delivery_date"),
    )


def _customers_table(plan: _Plan, base: DataFrame) -> DataFrame:
    """olist_customers_dataset: one row per order, unique id per person."""
    return base.select(
        _hex_id(plan, "customer", "o").alias("customer_id"),
        _hex_id(plan, "unique_customer", "c").alias("customer_unique_id"),
        _zip_text(F.col("zip")).alias("customer_zip_code_prefix"),
        at([c[0] for c in CITIES], F.col("city")).alias("customer_city"),
        F.col("state").alias("customer_state"),
    )


# --- items and payments --------------------------------------------------------


def _item_rows(plan: _Plan, base: DataFrame) -> DataFrame:
    """One row per item ``j`` (from 1) of an order, with the key of its product.

    The product is drawn by key (``c``, ``ks``, ``kj``): an extra item may repeat
    the order's first product (``kj = 1``), and the first item of a repeat order
    may re-buy the first item of the customer's first order (``ks = 0``).
    """
    items, taste = plan.params.items, plan.params.customers
    o, c, seq, j = F.col("o"), F.col("c"), F.col("seq"), F.col("j")
    n_items = pick(cdf(items.items_per_order_shares), plan.uniform("n_items", o)) + 1
    rows = base.select(
        "o", "c", "seq", "t_a", "state", numbered(n_items, first=1).alias("j")
    )
    rebuy = (seq > 0) & (plan.uniform("rebuy", c, seq) < taste.rebuy_share)
    same = (j > 1) & (plan.uniform("same", o, j) < items.same_product_share)
    return rows.withColumns(
        {
            "ks": F.when(same | (j == 1), F.when(rebuy, 0).otherwise(seq)).otherwise(
                seq
            ),
            "kj": F.when(same, 1).otherwise(j),
        }
    )


def _with_product(plan: _Plan, rows: DataFrame) -> DataFrame:
    """Add the item's category ``cat``, mostly the customer's favourite, and its
    product ``p``, popular products first."""
    taste = plan.params.customers
    c = F.col("c")
    key = (c, F.col("ks"), F.col("kj"))
    favourite = pick(plan.categories.cdf, plan.uniform("favourite", c))
    category = F.when(
        plan.uniform("taste", *key) < taste.favourite_category_share,
        favourite,
    ).otherwise(pick(plan.categories.cdf, plan.uniform("category", *key)))
    rows = rows.withColumn("cat", category)
    cat = F.col("cat")
    exponent = plan.params.products.product_popularity_exponent
    local = power_law_slot(
        plan.uniform("product", *key), exponent, at(plan.categories.sizes, cat)
    )
    return rows.withColumn("p", (at(plan.categories.offsets, cat) + local).cast("long"))


def _freight(plan: _Plan, product: Column, seller: Column) -> Column:
    """Freight of an item: grows with the product's weight, and more when the
    seller is in another state than the customer (``state``)."""
    weight = _product_weight(plan, product, F.col("cat"))
    distance = F.when(_seller_state(plan, seller) == F.col("state"), 1.0).otherwise(1.4)
    freight = (
        (8.0 + 0.004 * weight)
        * distance
        * F.exp(0.2 * plan.normal("freight", F.col("o"), product))
    )
    return F.round(freight, 2).cast(_MONEY)


def _items_base(plan: _Plan, base: DataFrame) -> DataFrame:
    """One row per item: product drawn from the customer's taste, price, freight."""
    rows = _with_product(plan, _item_rows(plan, base))
    p = F.col("p")
    seller = _product_seller(plan, p)
    handling = 3 + F.floor(plan.uniform("handling", seller) * 5)
    return rows.select(
        "o",
        "j",
        "p",
        seller.alias("s"),
        (F.col("t_a") + handling * _DAY).alias("t_limit"),
        _product_price(plan, p, F.col("cat")).alias("price"),
        _freight(plan, p, seller).alias("freight"),
    )


def _items_table(plan: _Plan, items: DataFrame) -> DataFrame:
    """olist_order_items_dataset."""
    return items.select(
        _hex_id(plan, "order", "o").alias("order_id"),
        F.col("j").alias("order_item_id"),
        _hex_id(plan, "product", "p").alias("product_id"),
        _hex_id(plan, "seller", "s").alias("seller_id"),
        _timestamp(plan, F.col("t_limit")).alias("shipping_limit_date"),
        F.col("price").cast("double").alias("price"),
        F.col("freight").cast("double").alias("freight_value"),
    )


def _installments(plan: _Plan, main_type: Column) -> Column:
    """Credit card installments of order ``o``, capped at ``total / 15`` (else 1)."""
    shares = plan.params.payments.installment_shares
    cap = F.greatest(F.lit(1), F.floor(F.col("total") / 15).cast("int"))
    drawn = pick(cdf(shares), plan.uniform("inst", F.col("o"))) + 1
    return F.when(main_type == "credit_card", F.least(drawn, cap)).otherwise(1)


def _payment_row(
    seq: int, kind: Column, installments: Column | int, value: Column
) -> Column:
    """One payment: sequential number, type, installments and value."""
    return F.struct(
        F.lit(seq).alias("seq"),
        kind.alias("type"),
        F.lit(installments).cast("int").alias("inst"),
        value.alias("value"),
    )


def _payments_table(plan: _Plan, items: DataFrame) -> DataFrame:
    """olist_order_payments_dataset: rows add up to the items' price + freight.

    Sums are exact decimals, so they do not depend on the order of addition.
    """
    pay = plan.params.payments
    o = F.col("o")
    totals = items.groupBy("o").agg(
        F.sum(F.col("price") + F.col("freight")).alias("total")
    )
    main_type = _payment_type(plan, o)
    split = (main_type != "voucher") & (
        plan.uniform("split", o) < pay.voucher_split_share
    )
    n_vouchers = F.when(
        split, 1 + (plan.uniform("n_vouchers", o) < 0.25).cast("int")
    ).otherwise(0)

    def voucher(k: int) -> Column:
        share = 0.05 + 0.35 * plan.uniform("voucher", o, F.lit(k))
        value = F.round(F.col("total").cast("double") * share, 2).cast(_MONEY)
        return F.when(n_vouchers >= k, value).otherwise(F.lit(0).cast(_MONEY))

    totals = totals.withColumns({"v1": voucher(1), "v2": voucher(2)})
    main = F.col("total") - F.col("v1") - F.col("v2")
    rows = F.array_compact(
        F.array(
            _payment_row(1, main_type, _installments(plan, main_type), main),
            F.when(n_vouchers >= 1, _payment_row(2, F.lit("voucher"), 1, F.col("v1"))),
            F.when(n_vouchers >= 2, _payment_row(3, F.lit("voucher"), 1, F.col("v2"))),
        )
    )
    return totals.select("o", F.explode(rows).alias("r")).select(
        _hex_id(plan, "order", "o").alias("order_id"),
        F.col("r.seq").alias("payment_sequential"),
        F.col("r.type").alias("payment_type"),
        F.col("r.inst").alias("payment_installments"),
        F.col("r.value").cast("double").alias("payment_value"),
    )


# --- reviews -----------------------------------------------------------------


def _review_score(plan: _Plan, o: Column, r: Column) -> Column:
    """Score 1-5: mostly 5 when on time, mostly 1 when late or not delivered."""
    shares = plan.params.reviews.score_shares
    u = plan.uniform("score", o, r)
    delivered = F.col("status") == "delivered"
    return (
        F.when(
            delivered & (F.col("t_d") <= F.col("t_est")),
            pick(cdf(shares.on_time), u),
        )
        .when(delivered, pick(cdf(shares.late), u))
        .otherwise(pick(cdf(shares.not_delivered), u))
        + 1
    )


def _review_text(
    plan: _Plan, texts: list[list[str]], share: float, salt: str
) -> Column:
    """A short Portuguese text for ``share`` of reviews (more for low scores)."""
    sentiment = F.when(F.col("score") <= 2, 0).when(F.col("score") == 3, 1).otherwise(2)
    nested = F.array(*[literal_array(t) for t in texts])
    options = F.element_at(nested, sentiment + 1)
    u = plan.uniform(salt + ".pick", "o", "r")
    text = F.element_at(options, (F.floor(u * F.size(options)) + 1).cast("int"))
    boost = F.when(sentiment < 2, 1.8).otherwise(0.8)
    return F.when(plan.uniform(salt, "o", "r") < share * boost, text)


def _review_times(plan: _Plan) -> tuple[Column, Column]:
    """Creation and answer times (seconds) of review ``r`` of order ``o``.

    A review is asked the day after delivery (or at some point if the order was
    never delivered); a second review is created after the first one was
    answered, so it wins.
    """
    o, r = F.col("o"), F.col("r")
    first_day = F.when(
        F.col("status") == "delivered", F.floor(F.col("t_d") / _DAY) + 1
    ).otherwise(
        F.floor(F.col("t_p") / _DAY)
        + 1
        + F.floor(
            plan.uniform("review.day", o) * (F.col("t_est") - F.col("t_p")) / _DAY
        )
    )

    def answer_delay(review: Column) -> Column:
        return 3600 * (2 + plan.exponential("review.answer", 60.0, o, review))

    first_answer = first_day * _DAY + answer_delay(F.lit(1))
    second_day = (
        F.floor(first_answer / _DAY)
        + 1
        + F.floor(plan.exponential("review.later", 10.0, o))
    )
    created = (F.when(r > 1, second_day).otherwise(first_day) * _DAY).cast("long")
    return created, (created + answer_delay(r)).cast("long")


def _reviews_table(plan: _Plan, base: DataFrame) -> DataFrame:
    """olist_order_reviews_dataset: ~1 review per order; a second one is later."""
    reviews = plan.params.reviews
    o = F.col("o")
    has = plan.uniform("review", o) >= reviews.missing_share
    n_reviews = 1 + (plan.uniform("review2", o) < reviews.second_review_share).cast(
        "int"
    )
    rows = base.where(has).select(
        "o",
        "status",
        "t_p",
        "t_d",
        "t_est",
        numbered(n_reviews, first=1).alias("r"),
    )
    created, answered = _review_times(plan)
    rows = rows.withColumns(
        {
            "score": _review_score(plan, o, F.col("r")),
            "t_rc": created,
            "t_ra": answered,
        }
    )
    return rows.select(
        _hex_id(plan, "review", "o", "r").alias("review_id"),
        _hex_id(plan, "order", "o").alias("order_id"),
        F.col("score").cast("int").alias("review_score"),
        _review_text(plan, REVIEW_TITLES, reviews.title_share, "title").alias(
            "review_comment_title"
        ),
        _review_text(plan, REVIEW_MESSAGES, reviews.message_share, "message").alias(
            "review_comment_message"
        ),
        _timestamp(plan, F.col("t_rc")).alias("review_creation_date"),
        _timestamp(plan, F.col("t_ra")).alias("review_answer_timestamp"),
    )


# --- catalogue and places ------------------------------------------------------


def _products_table(spark: SparkSession, plan: _Plan) -> DataFrame:
    """olist_products_dataset: a few uncategorised products lack text fields."""
    products = plan.params.products
    p = F.col("p")
    rows = spark.range(0, plan.params.n_products, numPartitions=2).select(
        F.col("id").alias("p")
    )
    rows = rows.withColumn("cat", _product_category(plan, p))
    named = plan.uniform("uncategorised", p) >= products.uncategorised_share
    sized = plan.uniform("no_dimensions", p) >= products.missing_dimensions_share
    weight = _product_weight(plan, p, F.col("cat"))
    # Box sides from the volume, at a density of about 0.2 g/cm3.
    side = F.pow(weight * 5.0, F.lit(1.0 / 3.0))

    def dim(salt: str, scale: float, low: int) -> Column:
        x = side * scale * F.exp(0.25 * plan.normal(salt, p))
        return F.when(
            sized, F.least(F.greatest(F.round(x), F.lit(low)), F.lit(105)).cast("int")
        )

    name_len = F.round(48 + 10 * plan.normal("name", p))
    description = F.round(600 * F.exp(0.8 * plan.normal("description", p)))
    photos = 1 + F.floor(plan.exponential("photos", 1.25, p))
    return rows.select(
        _hex_id(plan, "product", "p").alias("product_id"),
        F.when(named, at([c[0] for c in CATEGORIES], F.col("cat"))).alias(
            "product_category_name"
        ),
        F.when(
            named, F.least(F.greatest(name_len, F.lit(5)), F.lit(76)).cast("int")
        ).alias("product_name_lenght"),
        F.when(
            named, F.least(F.greatest(description, F.lit(4)), F.lit(3992)).cast("int")
        ).alias("product_description_lenght"),
        F.when(named, F.least(photos, F.lit(20)).cast("int")).alias(
            "product_photos_qty"
        ),
        F.when(sized, weight).alias("product_weight_g"),
        dim("length", 1.4, 16).alias("product_length_cm"),
        dim("height", 0.6, 2).alias("product_height_cm"),
        dim("width", 1.0, 11).alias("product_width_cm"),
    )


def _sellers_base(spark: SparkSession, plan: _Plan) -> DataFrame:
    """One row per seller index with its city and zip prefix."""
    city, zip_prefix = _place(plan, "seller", F.col("s"))
    rows = spark.range(0, plan.params.n_sellers, numPartitions=2).select(
        F.col("id").alias("s")
    )
    return rows.select("s", city.alias("city"), zip_prefix.alias("zip"))


def _sellers_table(plan: _Plan, sellers: DataFrame) -> DataFrame:
    """olist_sellers_dataset."""
    return sellers.select(
        _hex_id(plan, "seller", "s").alias("seller_id"),
        _zip_text(F.col("zip")).alias("seller_zip_code_prefix"),
        at([c[0] for c in CITIES], F.col("city")).alias("seller_city"),
        at([c[2] for c in CITIES], F.col("city")).alias("seller_state"),
    )


def _geolocation_table(plan: _Plan, base: DataFrame, sellers: DataFrame) -> DataFrame:
    """olist_geolocation_dataset: several points around each zip prefix in use."""
    geo = plan.params.geolocation
    zips = (
        base.select("zip", "city").unionByName(sellers.select("zip", "city")).distinct()
    )
    z = F.col("zip")
    n_rows = 1 + F.floor(plan.uniform("geo.rows", z) * geo.max_rows_per_zip)
    rows = zips.select("zip", "city", numbered(n_rows, first=1).alias("k"))
    k = F.col("k")

    def coordinate(index: int, salt: str) -> Column:
        centre = at([c[index] for c in CITIES], F.col("city"))
        zip_shift = (plan.uniform(salt, z) - 0.5) * 0.16
        return centre + zip_shift + (plan.uniform(salt + ".point", z, k) - 0.5) * 0.006

    accented = plan.uniform("geo.accent", z, k) < geo.accented_city_share
    city = F.when(accented, at([c[1] for c in CITIES], F.col("city"))).otherwise(
        at([c[0] for c in CITIES], F.col("city"))
    )
    return rows.select(
        _zip_text(z).alias("geolocation_zip_code_prefix"),
        coordinate(5, "geo.lat").alias("geolocation_lat"),
        coordinate(6, "geo.lng").alias("geolocation_lng"),
        city.alias("geolocation_city"),
        at([c[2] for c in CITIES], F.col("city")).alias("geolocation_state"),
    )


def _translation_table(spark: SparkSession) -> DataFrame:
    """product_category_name_translation (the 71 real pairs)."""
    return spark.createDataFrame(
        CATEGORIES, "product_category_name string, product_category_name_english string"
    ).coalesce(1)


def generate_orders(
    params: DemoOrders,
) -> tuple[
    DataFrame,
    DataFrame,
    DataFrame,
    DataFrame,
    DataFrame,
    DataFrame,
    DataFrame,
    DataFrame,
    DataFrame,
]:
    """Generate the nine Olist tables as Spark DataFrames.

    Args:
        params: ``demo_data.orders`` from ``parameters_demo_data.yml``.

    Returns:
        orders, order_items, customers, sellers, order_reviews, order_payments,
        products, category_translation and geolocation, with the real files'
        column names and order; timestamps are 'yyyy-MM-dd HH:mm:ss' strings,
        ids 32-char lowercase hex, zip prefixes 5-digit text, empty values null.
    """
    spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
    plan = _plan(params)
    base = _orders_base(spark, plan)
    items = _items_base(plan, base)
    sellers = _sellers_base(spark, plan)
    return (
        _orders_table(plan, base),
        _items_table(plan, items),
        _customers_table(plan, base),
        _sellers_table(plan, sellers),
        _reviews_table(plan, base),
        _payments_table(plan, items),
        _products_table(spark, plan),
        _translation_table(spark),
        _geolocation_table(plan, base, sellers),
    )

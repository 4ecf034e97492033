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
from datetime import date
from typing import Any

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from ecom_recsys.spark.frames import hash_uniform

# product_category_name_translation.csv, in the file's order (roughly by
# popularity, which is the order used for the power law).
CATEGORIES: list[tuple[str, str]] = [
    ("beleza_saude", "health_beauty"),
    ("informatica_acessorios", "computers_accessories"),
    ("automotivo", "auto"),
    ("cama_mesa_banho", "bed_bath_table"),
    ("moveis_decoracao", "furniture_decor"),
    ("esporte_lazer", "sports_leisure"),
    ("perfumaria", "perfumery"),
    ("utilidades_domesticas", "housewares"),
    ("telefonia", "telephony"),
    ("relogios_presentes", "watches_gifts"),
    ("alimentos_bebidas", "food_drink"),
    ("bebes", "baby"),
    ("papelaria", "stationery"),
    ("tablets_impressao_imagem", "tablets_printing_image"),
    ("brinquedos", "toys"),
    ("telefonia_fixa", "fixed_telephony"),
    ("ferramentas_jardim", "garden_tools"),
    ("fashion_bolsas_e_acessorios", "fashion_bags_accessories"),
    ("eletroportateis", "small_appliances"),
    ("consoles_games", "consoles_games"),
    ("audio", "audio"),
    ("fashion_calcados", "fashion_shoes"),
    ("cool_stuff", "cool_stuff"),
    ("malas_acessorios", "luggage_accessories"),
    ("climatizacao", "air_conditioning"),
    ("construcao_ferramentas_construcao", "construction_tools_construction"),
    (
        "moveis_cozinha_area_de_servico_jantar_e_jardim",
        "kitchen_dining_laundry_garden_furniture",
    ),
    ("construcao_ferramentas_jardim", "costruction_tools_garden"),
    ("fashion_roupa_masculina", "fashion_male_clothing"),
    ("pet_shop", "pet_shop"),
    ("moveis_escritorio", "office_furniture"),
    ("market_place", "market_place"),
    ("eletronicos", "electronics"),
    ("eletrodomesticos", "home_appliances"),
    ("artigos_de_festas", "party_supplies"),
    ("casa_conforto", "home_confort"),
    ("construcao_ferramentas_ferramentas", "costruction_tools_tools"),
    ("agro_industria_e_comercio", "agro_industry_and_commerce"),
    ("moveis_colchao_e_estofado", "furniture_mattress_and_upholstery"),
    ("livros_tecnicos", "books_technical"),
    ("casa_construcao", "home_construction"),
    ("instrumentos_musicais", "musical_instruments"),
    ("moveis_sala", "furniture_living_room"),
    ("construcao_ferramentas_iluminacao", "construction_tools_lights"),
    ("industria_comercio_e_negocios", "industry_commerce_and_business"),
    ("alimentos", "food"),
    ("artes", "art"),
    ("moveis_quarto", "furniture_bedroom"),
    ("livros_interesse_geral", "books_general_interest"),
    ("construcao_ferramentas_seguranca", "construction_tools_safety"),
    ("fashion_underwear_e_moda_praia", "fashion_underwear_beach"),
    ("fashion_esporte", "fashion_sport"),
    ("sinalizacao_e_seguranca", "signaling_and_security"),
    ("pcs", "computers"),
    ("artigos_de_natal", "christmas_supplies"),
    ("fashion_roupa_feminina", "fashio_female_clothing"),
    ("eletrodomesticos_2", "home_appliances_2"),
    ("livros_importados", "books_imported"),
    ("bebidas", "drinks"),
    ("cine_foto", "cine_photo"),
    ("la_cuisine", "la_cuisine"),
    ("musica", "music"),
    ("casa_conforto_2", "home_comfort_2"),
    ("portateis_casa_forno_e_cafe", "small_appliances_home_oven_and_coffee"),
    ("cds_dvds_musicais", "cds_dvds_musicals"),
    ("dvds_blu_ray", "dvds_blu_ray"),
    ("flores", "flowers"),
    ("artes_e_artesanato", "arts_and_craftmanship"),
    ("fraldas_higiene", "diapers_and_hygiene"),
    ("fashion_roupa_infanto_juvenil", "fashion_childrens_clothes"),
    ("seguros_e_servicos", "security_and_services"),
]

# city, spelling sometimes used in the geolocation file, state, first and last
# zip prefix, latitude, longitude, weight (share of customers, in %). At least
# one city per state; the weights give state shares near the real ones.
# fmt: off
CITIES: list[tuple[str, str, str, int, int, float, float, float]] = [
    ("sao paulo", "são paulo", "SP", 1000, 5999, -23.55, -46.63, 17.5),
    ("osasco", "osasco", "SP", 6000, 6299, -23.53, -46.79, 1.2),
    ("barueri", "barueri", "SP", 6400, 6499, -23.51, -46.88, 0.8),
    ("guarulhos", "guarulhos", "SP", 7000, 7399, -23.46, -46.53, 1.8),
    ("mogi das cruzes", "mogi das cruzes", "SP", 8700, 8899, -23.52, -46.19, 0.9),
    ("santo andre", "santo andré", "SP", 9000, 9299, -23.66, -46.53, 1.3),
    ("sao bernardo do campo", "são bernardo do campo", "SP", 9600, 9899, -23.69, -46.56, 1.4),
    ("santos", "santos", "SP", 11000, 11099, -23.96, -46.33, 1.1),
    ("taubate", "taubaté", "SP", 12000, 12099, -23.03, -45.56, 0.8),
    ("sao jose dos campos", "são josé dos campos", "SP", 12200, 12248, -23.18, -45.89, 1.4),
    ("campinas", "campinas", "SP", 13000, 13149, -22.91, -47.06, 2.4),
    ("jundiai", "jundiaí", "SP", 13200, 13219, -23.19, -46.88, 1.0),
    ("piracicaba", "piracicaba", "SP", 13400, 13427, -22.73, -47.65, 0.9),
    ("ribeirao preto", "ribeirão preto", "SP", 14000, 14114, -21.18, -47.81, 1.2),
    ("franca", "franca", "SP", 14400, 14414, -20.54, -47.40, 0.6),
    ("sao jose do rio preto", "são josé do rio preto", "SP", 15000, 15099, -20.82, -49.38, 1.0),
    ("bauru", "bauru", "SP", 17000, 17099, -22.31, -49.06, 0.8),
    ("sorocaba", "sorocaba", "SP", 18000, 18109, -23.50, -47.46, 1.3),
    ("presidente prudente", "presidente prudente", "SP", 19000, 19109, -22.12, -51.39, 0.6),
    ("rio de janeiro", "rio de janeiro", "RJ", 20000, 23799, -22.91, -43.21, 7.0),
    ("niteroi", "niterói", "RJ", 24000, 24399, -22.88, -43.10, 1.3),
    ("sao goncalo", "são gonçalo", "RJ", 24400, 24799, -22.83, -43.05, 1.2),
    ("duque de caxias", "duque de caxias", "RJ", 25000, 25299, -22.79, -43.31, 1.0),
    ("petropolis", "petrópolis", "RJ", 25600, 25779, -22.51, -43.18, 0.7),
    ("nova iguacu", "nova iguaçu", "RJ", 26000, 26099, -22.76, -43.45, 1.0),
    ("campos dos goytacazes", "campos dos goytacazes", "RJ", 28000, 28099, -21.75, -41.32, 0.6),
    ("vitoria", "vitória", "ES", 29000, 29099, -20.32, -40.34, 0.8),
    ("vila velha", "vila velha", "ES", 29100, 29129, -20.33, -40.29, 0.8),
    ("belo horizonte", "belo horizonte", "MG", 30000, 31999, -19.92, -43.94, 4.5),
    ("contagem", "contagem", "MG", 32000, 32399, -19.93, -44.05, 1.2),
    ("juiz de fora", "juiz de fora", "MG", 36000, 36099, -21.76, -43.35, 1.5),
    ("uberlandia", "uberlândia", "MG", 38400, 38415, -18.92, -48.28, 1.6),
    ("montes claros", "montes claros", "MG", 39400, 39409, -16.73, -43.86, 1.2),
    ("salvador", "salvador", "BA", 40000, 42599, -12.97, -38.50, 2.6),
    ("feira de santana", "feira de santana", "BA", 44000, 44099, -12.27, -38.97, 1.0),
    ("aracaju", "aracaju", "SE", 49000, 49099, -10.91, -37.07, 0.5),
    ("recife", "recife", "PE", 50000, 52999, -8.05, -34.88, 1.6),
    ("maceio", "maceió", "AL", 57000, 57099, -9.67, -35.74, 0.5),
    ("joao pessoa", "joão pessoa", "PB", 58000, 58099, -7.12, -34.86, 0.6),
    ("natal", "natal", "RN", 59000, 59161, -5.79, -35.21, 0.5),
    ("fortaleza", "fortaleza", "CE", 60000, 61599, -3.73, -38.52, 1.5),
    ("teresina", "teresina", "PI", 64000, 64099, -5.09, -42.80, 0.5),
    ("sao luis", "são luís", "MA", 65000, 65109, -2.53, -44.30, 0.7),
    ("belem", "belém", "PA", 66000, 66999, -1.46, -48.49, 1.0),
    ("macapa", "macapá", "AP", 68900, 68914, 0.03, -51.07, 0.1),
    ("manaus", "manaus", "AM", 69000, 69099, -3.12, -60.02, 0.15),
    ("boa vista", "boa vista", "RR", 69300, 69339, 2.82, -60.67, 0.05),
    ("rio branco", "rio branco", "AC", 69900, 69923, -9.97, -67.81, 0.1),
    ("brasilia", "brasília", "DF", 70000, 72799, -15.79, -47.88, 2.1),
    ("goiania", "goiânia", "GO", 74000, 74899, -16.68, -49.25, 2.0),
    ("palmas", "palmas", "TO", 77000, 77270, -10.18, -48.33, 0.3),
    ("porto velho", "porto velho", "RO", 76800, 76834, -8.76, -63.90, 0.3),
    ("cuiaba", "cuiabá", "MT", 78000, 78109, -15.60, -56.10, 0.9),
    ("campo grande", "campo grande", "MS", 79000, 79129, -20.47, -54.62, 0.7),
    ("curitiba", "curitiba", "PR", 80000, 82999, -25.43, -49.27, 2.6),
    ("londrina", "londrina", "PR", 86000, 86099, -23.31, -51.16, 1.1),
    ("maringa", "maringá", "PR", 87000, 87099, -23.42, -51.94, 1.0),
    ("florianopolis", "florianópolis", "SC", 88000, 88099, -27.59, -48.55, 1.3),
    ("blumenau", "blumenau", "SC", 89000, 89099, -26.92, -49.07, 1.0),
    ("joinville", "joinville", "SC", 89200, 89239, -26.30, -48.85, 1.0),
    ("porto alegre", "porto alegre", "RS", 90000, 91999, -30.03, -51.23, 2.8),
    ("caxias do sul", "caxias do sul", "RS", 95000, 95124, -29.17, -51.18, 1.2),
    ("pelotas", "pelotas", "RS", 96000, 96099, -31.77, -52.34, 1.0),
]
# fmt: on

# Share of purchases by hour of day (%), shaped like the real data.
_HOUR_WEIGHTS = [
    2.4, 1.1, 0.5, 0.3, 0.2, 0.2, 0.5, 1.2, 3.0, 4.8, 6.2, 6.6,
    6.0, 6.5, 6.7, 6.4, 6.7, 6.2, 5.8, 6.0, 6.3, 6.3, 5.8, 4.2,
]  # fmt: skip

# Short review texts by sentiment: score 1-2, score 3, score 4-5.
_TITLES = [
    [
        "Não recebi",
        "Péssimo",
        "Produto com defeito",
        "Atraso na entrega",
        "Não recomendo",
    ],
    ["Razoável", "Bom", "Poderia ser melhor", "Ok"],
    ["Recomendo", "Muito bom", "Ótimo produto", "Excelente", "Super recomendo", "Amei"],
]
_MESSAGES = [
    [
        "Ainda não recebi o produto.",
        "O produto veio com defeito e ninguém responde.",
        "Comprei dois e recebi apenas um.",
        "Entrega muito atrasada, não recomendo.",
        "Produto de baixa qualidade.",
    ],
    [
        "O produto é bom, mas a entrega demorou um pouco.",
        "Veio diferente da foto, mas dá para usar.",
        "Produto razoável pelo preço.",
    ],
    [
        "Produto chegou antes do prazo, muito bem embalado.",
        "Recebi tudo certinho, recomendo a loja.",
        "Ótima qualidade, igual ao anúncio.",
        "Entrega rápida e produto excelente.",
        "Gostei muito, superou minhas expectativas.",
        "Tudo ok, recomendo!",
    ],
]
_DAY = 86_400
_TIME_FORMAT = "yyyy-MM-dd HH:mm:ss"
_MONEY = "decimal(12,2)"


@dataclass(frozen=True)
class _Plan:
    """Driver-side settings and small tables, sized by the parameters only."""

    params: dict[str, Any]
    seed: int
    n_orders: int
    n_products: int
    n_sellers: int
    start: str
    n_days: int
    cat_cdf: list[float]
    cat_offsets: list[int]
    cat_sizes: list[int]
    price_levels: list[float]
    weight_levels: list[float]
    # Orders laid out in blocks of customers with k orders each:
    # (first order position, first customer, k); one-time buyers come last.
    blocks: list[tuple[int, int, int]]
    multiplier: int


def _cdf(weights: list[float]) -> list[float]:
    """Cumulative shares of ``weights``, ending exactly at 1."""
    total, acc, cdf = float(sum(weights)), 0.0, []
    for w in weights:
        acc += w / total
        cdf.append(acc)
    cdf[-1] = 1.0
    return cdf


def _driver_uniform(seed: int, *parts: object) -> float:
    """A uniform number in [0, 1) for driver-side tables (categories)."""
    digest = hashlib.md5("|".join(map(str, (seed, *parts))).encode()).hexdigest()
    return int(digest[:13], 16) / 16**13


def _sql_literal(value: str | float) -> str:
    """``value`` as a Spark SQL literal (floats as doubles)."""
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, float):
        return f"{value!r}D"
    return str(int(value))


def _arr(values: list[Any]) -> Column:
    """A literal array column, built in one call rather than one per element."""
    return F.expr(f"array({', '.join(_sql_literal(v) for v in values)})")


def _at(values: list[Any], index: Column) -> Column:
    """``values[index]`` for a 0-based index column."""
    return F.element_at(_arr(values), index.cast("int") + 1)


def _pick(cdf: list[float], u: Column) -> Column:
    """Index of the first cumulative share >= u (inverse-CDF sampling)."""
    return (F.array_position(F.transform(_arr(cdf), lambda x: x >= u), True) - 1).cast(
        "int"
    )


def _u(plan: _Plan, salt: str, *cols: Column | str) -> Column:
    """Uniform draw in [0, 1) for purpose ``salt``, keyed by ``cols``."""
    return hash_uniform(F.lit(plan.seed), F.lit(salt), *cols)


def _normal(plan: _Plan, salt: str, *cols: Column | str) -> Column:
    """Standard normal draw (Box-Muller) keyed by ``cols``."""
    radius = F.sqrt(-2.0 * F.log(1.0 - _u(plan, salt + ".r", *cols)))
    return radius * F.cos(2.0 * math.pi * _u(plan, salt + ".a", *cols))


def _exponential(plan: _Plan, salt: str, mean: float, *cols: Column | str) -> Column:
    """Exponential draw with mean ``mean``."""
    return -F.log(1.0 - _u(plan, salt, *cols)) * F.lit(mean)


def _hex_id(plan: _Plan, kind: str, *cols: Column | str) -> Column:
    """A 32-char lowercase hex id: md5 of seed, kind and the row's numbers."""
    return F.md5(F.concat_ws("|", F.lit(str(plan.seed)), F.lit(kind), *cols))


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


def _customer_blocks(n_orders: int, params: dict[str, Any]) -> list[tuple]:
    """Blocks of repeat customers (2, 3, ... orders), then one-time buyers.

    With ``r`` the repeat share and ``E`` the mean orders of a repeat buyer,
    ``n_orders / (1 + r (E - 1))`` unique customers place exactly ``n_orders``.
    """
    shares = _cdf([float(s) for s in params["repeat_order_count_shares"]])
    probs = [b - a for a, b in zip([0.0, *shares[:-1]], shares, strict=True)]
    mean = sum((k + 2) * p for k, p in enumerate(probs))
    repeat = float(params["repeat_customer_share"])
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


def _plan(params: dict[str, Any]) -> _Plan:
    """Validate ``params`` and build the small driver-side tables."""
    seed = int(params["seed"])
    n_orders, n_products = int(params["n_orders"]), int(params["n_products"])
    n_categories = len(CATEGORIES)
    if n_orders < 1 or int(params["n_sellers"]) < 1:
        raise ValueError("demo_data.orders: n_orders and n_sellers must be >= 1")
    if n_products < n_categories:
        raise ValueError(
            "parameters_demo_data.yml: demo_data.orders.n_products "
            f"({n_products}) must be at least the {n_categories} categories"
        )
    products = params["products"]
    cat_cdf = _cdf(
        [
            1.0 / (c + 1) ** float(products["category_popularity_exponent"])
            for c in range(n_categories)
        ]
    )
    # Popular categories hold more products, but every category holds a few.
    shares = [b - a for a, b in zip([0.0, *cat_cdf[:-1]], cat_cdf, strict=True)]
    sizes = [max(1, int(round(s * n_products))) for s in shares]
    sizes[0] += n_products - sum(sizes)
    if sizes[0] < 1:
        raise ValueError("demo_data.orders: too few products for the categories")
    offsets = [sum(sizes[:c]) for c in range(n_categories)]
    start, end = (date.fromisoformat(str(params[k])) for k in ("start", "end"))
    return _Plan(
        params=params,
        seed=seed,
        n_orders=n_orders,
        n_products=n_products,
        n_sellers=int(params["n_sellers"]),
        start=start.isoformat(),
        n_days=(end - start).days + 1,
        cat_cdf=cat_cdf,
        cat_offsets=offsets,
        cat_sizes=sizes,
        price_levels=[
            math.exp(3.5 + 1.7 * _driver_uniform(seed, "price", c))
            for c in range(n_categories)
        ],
        weight_levels=[
            math.exp(5.5 + 2.2 * _driver_uniform(seed, "weight", c))
            for c in range(n_categories)
        ],
        blocks=_customer_blocks(n_orders, params["customers"]),
        multiplier=next(
            m for m in (1_000_003, 1_000_033, 1_000_037) if math.gcd(m, n_orders) == 1
        ),
    )


# --- products and sellers: pure functions of their index -------------------


def _product_category(plan: _Plan, product: Column) -> Column:
    """Latent category index of a product index (also for uncategorised ones)."""
    ends = [o + s for o, s in zip(plan.cat_offsets, plan.cat_sizes, strict=True)]
    return (
        F.array_position(F.transform(_arr(ends), lambda e: e > product), True) - 1
    ).cast("int")


def _product_price(plan: _Plan, product: Column, category: Column) -> Column:
    """Log-normal price around the category's level, often ending in .90/.99."""
    sigma = float(plan.params["products"]["price_sigma"])
    x = F.greatest(
        _at(plan.price_levels, category)
        * F.exp(sigma * _normal(plan, "price", product)),
        F.lit(4.0),
    )
    style = _u(plan, "price.style", product)
    price = (
        F.when(style < 0.45, F.ceil(x) - 0.1)
        .when(style < 0.65, F.ceil(x) - 0.01)
        .otherwise(F.round(x, 2))
    )
    return F.round(price, 2).cast(_MONEY)


def _product_weight(plan: _Plan, product: Column, category: Column) -> Column:
    """Log-normal weight in grams around the category's level."""
    w = _at(plan.weight_levels, category) * F.exp(
        1.1 * _normal(plan, "weight", product)
    )
    w = F.least(F.greatest(w, F.lit(50.0)), F.lit(30_000.0))
    return F.when(w > 1000, F.round(w / 50) * 50).otherwise(F.round(w)).cast("int")


def _product_seller(plan: _Plan, product: Column) -> Column:
    """Seller index of a product: a power law, so a few sellers sell most."""
    exponent = float(plan.params["products"]["seller_popularity_exponent"])
    u = F.pow(_u(plan, "seller", product), F.lit(exponent))
    return F.floor(u * plan.n_sellers).cast("long")


def _city_cdf(for_sellers: bool) -> list[float]:
    """City shares of customers; sellers concentrate more in Sao Paulo state."""
    return _cdf([c[7] * (2.0 if for_sellers and c[2] == "SP" else 1.0) for c in CITIES])


def _place(plan: _Plan, kind: str, key: Column) -> tuple[Column, Column]:
    """City index and zip prefix (int) of a customer or seller."""
    city = _pick(_city_cdf(kind == "seller"), _u(plan, kind + ".city", key))
    lo = _at([c[3] for c in CITIES], city)
    hi = _at([c[4] for c in CITIES], city)
    zip_prefix = lo + F.floor(_u(plan, kind + ".zip", key) * (hi - lo + 1))
    return city, zip_prefix.cast("int")


def _seller_state(plan: _Plan, seller: Column) -> Column:
    """State of a seller index."""
    city, _ = _place(plan, "seller", seller)
    return _at([c[2] for c in CITIES], city)


# --- orders ------------------------------------------------------------------


def _customer_of_order(plan: _Plan, order: Column) -> tuple[Column, Column]:
    """Unique customer index and the order's rank among that customer's orders.

    Orders are scattered over the blocks by a bijection ``o -> o * m + s mod n``,
    so repeat buyers are spread over the whole id range and every partition.
    """
    pos = F.pmod(order * plan.multiplier + plan.seed, F.lit(plan.n_orders))
    starts = [b[0] for b in plan.blocks]
    ends = [*starts[1:], plan.n_orders]
    block = F.array_position(F.transform(_arr(ends), lambda e: e > pos), True) - 1
    k = _at([b[2] for b in plan.blocks], block)
    offset = pos - _at(starts, block)
    customer = _at([b[1] for b in plan.blocks], block) + F.floor(offset / k)
    return customer.cast("long"), F.pmod(offset, k).cast("int")


def _purchase_seconds(plan: _Plan, order: Column) -> Column:
    """Seconds after ``start``: a linearly growing daily rate, real hours of day."""
    g = float(plan.params["growth"]) - 1.0
    u = _u(plan, "day", order)
    x = (F.sqrt(1.0 + g * (2.0 + g) * u) - 1.0) / g if g > 0 else u
    day = F.floor(x * plan.n_days)
    hour = _pick(_cdf(_HOUR_WEIGHTS), _u(plan, "hour", order))
    second = F.floor(_u(plan, "second", order) * 3600)
    return (day * _DAY + hour * 3600 + second).cast("long")


def _payment_type(plan: _Plan, order: Column) -> Column:
    """Main payment type of an order."""
    shares = plan.params["payments"]["payment_type_shares"]
    return _at(list(shares), _pick(_cdf(list(shares.values())), _u(plan, "pay", order)))


def _orders_base(spark: SparkSession, plan: _Plan) -> DataFrame:
    """One row per order with its customer, status and event times (seconds)."""
    statuses = plan.params["order_status_shares"]
    n_partitions = max(2, plan.n_orders // 50_000)
    o = F.col("o")
    customer, seq = _customer_of_order(plan, o)
    base = spark.range(0, plan.n_orders, numPartitions=n_partitions).select(
        F.col("id").alias("o"),
        customer.alias("c"),
        seq.alias("seq"),
        _at(
            list(statuses), _pick(_cdf(list(statuses.values())), _u(plan, "status", o))
        ).alias("status"),
        _purchase_seconds(plan, o).alias("t_p"),
        _payment_type(plan, o).alias("pay"),
    )
    city, zip_prefix = _place(plan, "customer", F.col("c"))
    base = base.withColumns(
        {
            "city": city,
            "zip": zip_prefix,
            "state": _at([c[2] for c in CITIES], city),
        }
    )
    # Boleto payments are approved days later, cards within minutes or hours.
    approve = F.when(
        F.col("pay") == "boleto", (0.4 + 2.2 * _u(plan, "approve", o)) * _DAY
    ).otherwise(120 + _exponential(plan, "approve", 5400.0, o))
    est_days = F.when(F.col("state") == "SP", 13).otherwise(22) + F.floor(
        _u(plan, "est", o) * 10
    )
    base = base.withColumns(
        {
            "t_a": (F.col("t_p") + approve).cast("long"),
            "t_est": ((F.floor(F.col("t_p") / _DAY) + est_days) * _DAY).cast("long"),
        }
    )
    base = base.withColumn(
        "t_c",
        (F.col("t_a") + 3600 * (6 + _exponential(plan, "carrier", 60.0, o))).cast(
            "long"
        ),
    )
    # Late orders arrive after the estimate; the others between carrier and estimate.
    late = _u(plan, "late", o) < float(plan.params["late_delivery_share"])
    on_time = F.col("t_c") + (F.col("t_est") - F.col("t_c")) * (
        0.1 + 0.8 * F.pow(_u(plan, "transit", o), F.lit(1.3))
    )
    after = F.col("t_est") + 3600 * (4 + _exponential(plan, "delay", 192.0, o))
    t_d = F.greatest(F.when(late, after).otherwise(on_time), F.col("t_c") + 14_400)
    return base.withColumn("t_d", t_d.cast("long"))


def _orders_table(plan: _Plan, base: DataFrame) -> DataFrame:
    """olist_orders_dataset: later dates are empty for orders not that far yet."""
    status = F.col("status")
    approved = (status != "created") & ~(
        (status == "canceled") & (_u(plan, "canceled.approved", "o") < 0.25)
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
        _at([c[0] for c in CITIES], F.col("city")).alias("customer_city"),
        F.col("state").alias("customer_state"),
    )


# --- items and payments --------------------------------------------------------


def _items_base(plan: _Plan, base: DataFrame) -> DataFrame:
    """One row per item: product drawn from the customer's taste, price, freight."""
    items = plan.params["items"]
    taste = plan.params["customers"]
    o, c, seq, j = F.col("o"), F.col("c"), F.col("seq"), F.col("j")
    n_items = (
        _pick(_cdf(list(items["items_per_order_shares"])), _u(plan, "n_items", o)) + 1
    )
    rows = base.select(
        "o",
        "c",
        "seq",
        "t_a",
        "state",
        F.explode(F.sequence(F.lit(1), n_items)).alias("j"),
    )
    # Draw key of the product: repeated products reuse the first item's key, and
    # a repeat order may re-buy the first item of the customer's first order.
    rebuy = (seq > 0) & (_u(plan, "rebuy", c, seq) < float(taste["rebuy_share"]))
    same = (j > 1) & (_u(plan, "same", o, j) < float(items["same_product_share"]))
    rows = rows.withColumns(
        {
            "ks": F.when(same | (j == 1), F.when(rebuy, 0).otherwise(seq)).otherwise(
                seq
            ),
            "kj": F.when(same, 1).otherwise(j),
        }
    )
    key = (c, F.col("ks"), F.col("kj"))
    favourite = _pick(plan.cat_cdf, _u(plan, "favourite", c))
    category = F.when(
        _u(plan, "taste", *key) < float(taste["favourite_category_share"]), favourite
    ).otherwise(_pick(plan.cat_cdf, _u(plan, "category", *key)))
    rows = rows.withColumn("cat", category)
    exponent = float(plan.params["products"]["product_popularity_exponent"])
    local = F.floor(
        F.pow(_u(plan, "product", *key), F.lit(exponent))
        * _at(plan.cat_sizes, F.col("cat"))
    )
    rows = rows.withColumn(
        "p", (_at(plan.cat_offsets, F.col("cat")) + local).cast("long")
    )
    p = F.col("p")
    seller = _product_seller(plan, p)
    weight = _product_weight(plan, p, F.col("cat"))
    # Freight grows with weight, and more when the seller is in another state.
    distance = F.when(_seller_state(plan, seller) == F.col("state"), 1.0).otherwise(1.4)
    freight = (
        (8.0 + 0.004 * weight) * distance * F.exp(0.2 * _normal(plan, "freight", o, p))
    )
    handling = 3 + F.floor(_u(plan, "handling", seller) * 5)
    return rows.select(
        "o",
        "j",
        "p",
        seller.alias("s"),
        (F.col("t_a") + handling * _DAY).alias("t_limit"),
        _product_price(plan, p, F.col("cat")).alias("price"),
        F.round(freight, 2).cast(_MONEY).alias("freight"),
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


def _payments_table(plan: _Plan, items: DataFrame) -> DataFrame:
    """olist_order_payments_dataset: rows add up to the items' price + freight.

    Sums are exact decimals, so they do not depend on the order of addition.
    """
    pay = plan.params["payments"]
    o = F.col("o")
    totals = items.groupBy("o").agg(
        F.sum(F.col("price") + F.col("freight")).alias("total")
    )
    main_type = _payment_type(plan, o)
    split = (main_type != "voucher") & (
        _u(plan, "split", o) < float(pay["voucher_split_share"])
    )
    n_vouchers = F.when(
        split, 1 + (_u(plan, "n_vouchers", o) < 0.25).cast("int")
    ).otherwise(0)

    def voucher(k: int) -> Column:
        share = 0.05 + 0.35 * _u(plan, "voucher", o, F.lit(k))
        value = F.round(F.col("total").cast("double") * share, 2).cast(_MONEY)
        return F.when(n_vouchers >= k, value).otherwise(F.lit(0).cast(_MONEY))

    totals = totals.withColumns({"v1": voucher(1), "v2": voucher(2)})
    cap = F.greatest(F.lit(1), F.floor(F.col("total") / 15).cast("int"))
    installments = F.when(
        main_type == "credit_card",
        F.least(
            _pick(_cdf(list(pay["installment_shares"])), _u(plan, "inst", o)) + 1, cap
        ),
    ).otherwise(1)

    def row(seq: int, kind: Column, inst: Column, value: Column) -> Column:
        return F.struct(
            F.lit(seq).alias("seq"),
            kind.alias("type"),
            inst.cast("int").alias("inst"),
            value.alias("value"),
        )

    rows = F.array_compact(
        F.array(
            row(1, main_type, installments, F.col("total") - F.col("v1") - F.col("v2")),
            F.when(n_vouchers >= 1, row(2, F.lit("voucher"), F.lit(1), F.col("v1"))),
            F.when(n_vouchers >= 2, row(3, F.lit("voucher"), F.lit(1), F.col("v2"))),
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
    shares = plan.params["reviews"]["score_shares"]
    u = _u(plan, "score", o, r)
    delivered = F.col("status") == "delivered"
    return (
        F.when(
            delivered & (F.col("t_d") <= F.col("t_est")),
            _pick(_cdf(shares["on_time"]), u),
        )
        .when(delivered, _pick(_cdf(shares["late"]), u))
        .otherwise(_pick(_cdf(shares["not_delivered"]), u))
        + 1
    )


def _review_text(
    plan: _Plan, texts: list[list[str]], share: float, salt: str
) -> Column:
    """A short Portuguese text for ``share`` of reviews (more for low scores)."""
    sentiment = F.when(F.col("score") <= 2, 0).when(F.col("score") == 3, 1).otherwise(2)
    nested = F.array(*[_arr(t) for t in texts])
    options = F.element_at(nested, sentiment + 1)
    u = _u(plan, salt + ".pick", "o", "r")
    text = F.element_at(options, (F.floor(u * F.size(options)) + 1).cast("int"))
    boost = F.when(sentiment < 2, 1.8).otherwise(0.8)
    return F.when(_u(plan, salt, "o", "r") < share * boost, text)


def _reviews_table(plan: _Plan, base: DataFrame) -> DataFrame:
    """olist_order_reviews_dataset: ~1 review per order; a second one is later."""
    reviews = plan.params["reviews"]
    o = F.col("o")
    has = _u(plan, "review", o) >= float(reviews["missing_share"])
    n_reviews = 1 + (
        _u(plan, "review2", o) < float(reviews["second_review_share"])
    ).cast("int")
    rows = base.where(has).select(
        "o",
        "status",
        "t_p",
        "t_d",
        "t_est",
        F.explode(F.sequence(F.lit(1), n_reviews)).alias("r"),
    )
    r = F.col("r")
    # Asked the day after delivery (or at some point if never delivered).
    first_day = F.when(
        F.col("status") == "delivered", F.floor(F.col("t_d") / _DAY) + 1
    ).otherwise(
        F.floor(F.col("t_p") / _DAY)
        + 1
        + F.floor(_u(plan, "review.day", o) * (F.col("t_est") - F.col("t_p")) / _DAY)
    )

    def answer_delay(review: Column) -> Column:
        return 3600 * (2 + _exponential(plan, "review.answer", 60.0, o, review))

    # A second review is created after the first one was answered, so it wins.
    first_answer = first_day * _DAY + answer_delay(F.lit(1))
    second_day = (
        F.floor(first_answer / _DAY)
        + 1
        + F.floor(_exponential(plan, "review.later", 10.0, o))
    )
    created = (F.when(r > 1, second_day).otherwise(first_day) * _DAY).cast("long")
    answered = (created + answer_delay(r)).cast("long")
    rows = rows.withColumns(
        {"score": _review_score(plan, o, r), "t_rc": created, "t_ra": answered}
    )
    return rows.select(
        _hex_id(plan, "review", "o", "r").alias("review_id"),
        _hex_id(plan, "order", "o").alias("order_id"),
        F.col("score").cast("int").alias("review_score"),
        _review_text(plan, _TITLES, float(reviews["title_share"]), "title").alias(
            "review_comment_title"
        ),
        _review_text(plan, _MESSAGES, float(reviews["message_share"]), "message").alias(
            "review_comment_message"
        ),
        _timestamp(plan, F.col("t_rc")).alias("review_creation_date"),
        _timestamp(plan, F.col("t_ra")).alias("review_answer_timestamp"),
    )


# --- catalogue and places ------------------------------------------------------


def _products_table(spark: SparkSession, plan: _Plan) -> DataFrame:
    """olist_products_dataset: a few uncategorised products lack text fields."""
    products = plan.params["products"]
    p = F.col("p")
    rows = spark.range(0, plan.n_products, numPartitions=2).select(
        F.col("id").alias("p")
    )
    rows = rows.withColumn("cat", _product_category(plan, p))
    named = _u(plan, "uncategorised", p) >= float(products["uncategorised_share"])
    sized = _u(plan, "no_dimensions", p) >= float(products["missing_dimensions_share"])
    weight = _product_weight(plan, p, F.col("cat"))
    # Box sides from the volume, at a density of about 0.2 g/cm3.
    side = F.pow(weight * 5.0, F.lit(1.0 / 3.0))

    def dim(salt: str, scale: float, low: int) -> Column:
        x = side * scale * F.exp(0.25 * _normal(plan, salt, p))
        return F.when(
            sized, F.least(F.greatest(F.round(x), F.lit(low)), F.lit(105)).cast("int")
        )

    name_len = F.round(48 + 10 * _normal(plan, "name", p))
    description = F.round(600 * F.exp(0.8 * _normal(plan, "description", p)))
    photos = 1 + F.floor(_exponential(plan, "photos", 1.25, p))
    return rows.select(
        _hex_id(plan, "product", "p").alias("product_id"),
        F.when(named, _at([c[0] for c in CATEGORIES], F.col("cat"))).alias(
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
    rows = spark.range(0, plan.n_sellers, numPartitions=2).select(
        F.col("id").alias("s")
    )
    return rows.select("s", city.alias("city"), zip_prefix.alias("zip"))


def _sellers_table(plan: _Plan, sellers: DataFrame) -> DataFrame:
    """olist_sellers_dataset."""
    return sellers.select(
        _hex_id(plan, "seller", "s").alias("seller_id"),
        _zip_text(F.col("zip")).alias("seller_zip_code_prefix"),
        _at([c[0] for c in CITIES], F.col("city")).alias("seller_city"),
        _at([c[2] for c in CITIES], F.col("city")).alias("seller_state"),
    )


def _geolocation_table(plan: _Plan, base: DataFrame, sellers: DataFrame) -> DataFrame:
    """olist_geolocation_dataset: several points around each zip prefix in use."""
    geo = plan.params["geolocation"]
    zips = (
        base.select("zip", "city").unionByName(sellers.select("zip", "city")).distinct()
    )
    z = F.col("zip")
    n_rows = 1 + F.floor(_u(plan, "geo.rows", z) * int(geo["max_rows_per_zip"]))
    rows = zips.select(
        "zip", "city", F.explode(F.sequence(F.lit(1), n_rows)).alias("k")
    )
    k = F.col("k")

    def coordinate(index: int, salt: str) -> Column:
        centre = _at([c[index] for c in CITIES], F.col("city"))
        zip_shift = (_u(plan, salt, z) - 0.5) * 0.16
        return centre + zip_shift + (_u(plan, salt + ".point", z, k) - 0.5) * 0.006

    accented = _u(plan, "geo.accent", z, k) < float(geo["accented_city_share"])
    city = F.when(accented, _at([c[1] for c in CITIES], F.col("city"))).otherwise(
        _at([c[0] for c in CITIES], F.col("city"))
    )
    return rows.select(
        _zip_text(z).alias("geolocation_zip_code_prefix"),
        coordinate(5, "geo.lat").alias("geolocation_lat"),
        coordinate(6, "geo.lng").alias("geolocation_lng"),
        city.alias("geolocation_city"),
        _at([c[2] for c in CITIES], F.col("city")).alias("geolocation_state"),
    )


def _translation_table(spark: SparkSession) -> DataFrame:
    """product_category_name_translation (the 71 real pairs)."""
    return spark.createDataFrame(
        CATEGORIES, "product_category_name string, product_category_name_english string"
    ).coalesce(1)


def generate_orders(
    params: dict[str, Any],
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

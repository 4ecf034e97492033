"""Typed parameter models: the one home of every parameter's type, range and default.

Nodes are annotated with these models (``als: ALSParams``), so Kedro hands them
validated instances with the defaults applied. Before any Spark work starts,
:func:`validate_parameters` checks every source's groups and names, for each
bad key, the file or ``--params`` it came from, the value and what is allowed,
instead of failing deep inside a Spark job.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ecom_recsys.names import SOURCES
from ecom_recsys.schemas import SCHEMAS


class Params(BaseModel):
    """A group whose keys are all known: a misspelt key is an error, not a
    setting silently left at its default. Instances are read-only."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class _Group(BaseModel):
    """A stage's block for one source: its known groups are checked, other
    keys belong to nodes that take them untyped."""

    model_config = ConfigDict(extra="allow")


def _timestamp(value: Any) -> Any:
    try:
        datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError(
            "must be a date or timestamp like '2019-10-22' or '2019-10-22 00:00:00'"
        ) from exc
    return value


# ---------------------------------------------------------------- data processing
class TableRules(Params):
    """Row checks of one raw table."""

    required: list[str] = []
    allowed: dict[str, list[Any]] = {}
    non_negative: list[str] = []
    unique: list[str] = []
    # times that cannot lie after the run (an event, not a planned date): a row
    # dated later than the run's day is quarantined as future:<column>
    not_future: list[str] = []
    # "unix" (seconds since 1970), "unix_ms" (milliseconds) or a Spark pattern
    timestamp_format: str = "yyyy-MM-dd HH:mm:ss"


class ColumnsParams(Params):
    """The generic interactions file's column names; rating and weight are
    optional (null: the file has no such column)."""

    user: str = Field(min_length=1)
    item: str = Field(min_length=1)
    timestamp: str = Field(min_length=1)
    rating: str | None = None
    weight: str | None = None


class DataProcessing(_Group):
    max_rejected_share: float = Field(default=0.05, ge=0, le=1)
    tables: dict[str, TableRules] = {}
    columns: ColumnsParams | None = None


# ------------------------------------------------------------ feature engineering
class SplitParams(Params):
    """How interactions are split into train, validation and test.

    ``time``: global cut-offs (UTC): before ``validation_start`` tuning fits,
    from it to ``test_start`` validation, from ``test_start`` on test ("what if
    we had deployed on that day": clickstreams, shops).
    ``user_time``: each user's last ``test_share`` (or last ``test_count``) of
    their interactions are test, the ones before that ``validation_share`` (or
    ``validation_count``) validation, the rest train; users with fewer than
    ``min_interactions`` stay in train whole (data whose users are active in
    different years, such as MovieLens).
    ``user_random``: the same shares drawn at random per user (``seed``), only to
    compare with published tables that use random splits.
    """

    strategy: Literal["time", "user_time", "user_random"] = "time"
    test_start: str | None = None
    validation_start: str | None = None
    test_share: float = Field(default=0.2, gt=0, lt=1)
    test_count: int | None = Field(default=None, ge=1)
    validation_share: float = Field(default=0.1, ge=0, lt=1)
    validation_count: int | None = Field(default=None, ge=0)
    min_interactions: int = Field(default=5, ge=2)
    seed: int = 42

    _check_test = field_validator("test_start")(
        lambda value: None if value is None else _timestamp(value)
    )
    _check_validation = field_validator("validation_start")(
        lambda value: None if value is None else _timestamp(value)
    )

    @model_validator(mode="after")
    def _consistent(self) -> SplitParams:
        if self.strategy != "time":
            if self.test_start or self.validation_start:
                raise ValueError(
                    f"test_start and validation_start are cut-offs of strategy "
                    f"'time'; strategy '{self.strategy}' splits each user's "
                    "interactions by test_share/test_count and validation_share/"
                    "validation_count: remove the cut-offs or set strategy: time"
                )
            return self
        if self.test_start is None:
            raise ValueError("strategy 'time' needs test_start (a UTC timestamp)")
        if self.validation_start is not None and datetime.fromisoformat(
            str(self.validation_start)
        ) >= datetime.fromisoformat(str(self.test_start)):
            raise ValueError(
                f"validation_start ({self.validation_start}) must come before "
                f"test_start ({self.test_start})"
            )
        return self

    @property
    def has_validation(self) -> bool:
        """Whether a validation period is carved out (tuning needs one)."""
        if self.strategy == "time":
            return self.validation_start is not None
        if self.validation_count is not None:
            return self.validation_count > 0
        return self.validation_share > 0


class WeightParams(Params):
    """Confidence weight per user and product: ``transform(sum(weight[type] *
    count[type]))``; weights >= 0 (ALS reads weight 0 as no interest)."""

    # per key, so an error names the event type (event_types.cart)
    event_types: dict[str, Annotated[float, Field(ge=0)]] = Field(min_length=1)
    transform: Literal["log1p", "none"] = "none"
    # halve a pair's weight for every this many days between its last event and
    # the user's last event in the same period (null: no decay), so the model
    # leans on each user's latest taste
    recency_half_life_days: float | None = Field(default=None, gt=0)


class RelevanceParams(Params):
    """What makes a test-period product relevant for a user."""

    relevant_event_types: list[str] = Field(min_length=1)
    # only items rated at least this well are relevant (null: every item)
    min_rating: float | None = None


class OrderLineParams(Params):
    """Orders with these statuses become order lines (and feedback)."""

    order_status: list[str] = Field(default=["delivered"], min_length=1)


class SegmentRule(Params):
    """The first rule whose bounds the customer's r, f, m scores meet names
    the segment."""

    name: str
    min_r: int | None = None
    max_r: int | None = None
    min_f: int | None = None
    max_f: int | None = None
    min_m: int | None = None
    max_m: int | None = None


class RFMThresholds(Params):
    """Score = 1 + thresholds passed: recency <= each (days), frequency and
    monetary >= each."""

    recency_days: list[float] = Field(min_length=1)
    frequency: list[float] = Field(min_length=1)
    monetary: list[float] = Field(min_length=1)


class RFMParams(Params):
    # recency counts days from this date; null: the day after the last purchase
    reference_date: str | None = None
    thresholds: RFMThresholds
    segments: list[SegmentRule] = Field(min_length=1)


class ItemDetailsParams(Params):
    """The columns of an interactions source's optional item details file
    (MovieLens ``movies.csv``): the item id, as in the interactions file, and
    a title and genres where the file has them (null: none)."""

    item: str = Field(min_length=1)
    title: str | None = None
    genres: str | None = None


class FeatureEngineering(_Group):
    interaction_weights: WeightParams
    split: SplitParams
    evaluation: RelevanceParams
    order_lines: OrderLineParams | None = None
    rfm: RFMParams | None = None
    items: ItemDetailsParams | None = None


# ------------------------------------------------------------------------ modeling
class ALSParams(Params):
    """Spark ML ALS: implicit (confidence-weighted, on interaction weights) or
    explicit (on ratings, for sources that have them)."""

    feedback: Literal["implicit", "explicit"] = "implicit"
    rank: int = Field(default=16, ge=1)
    reg_param: float = Field(default=0.05, ge=0)
    alpha: float = Field(default=10.0, ge=0)
    max_iter: int = Field(default=10, ge=1)
    seed: int = 42
    nonnegative: bool = False
    # ALS blocks: about the number of cores (10x10 is Spark's, for clusters)
    num_blocks: int = Field(default=2, ge=1)
    checkpoint_interval: int = Field(default=5, ge=1)
    # added to every score times the product's share of training users: a
    # prior towards what many chose (0: ALS alone); scoring only, no refit
    popularity_weight: float = Field(default=0.0, ge=0)


class RecommendParams(Params):
    top_k: int = Field(default=10, ge=1)
    # never recommended again: purchased, seen (any interaction), or none
    exclude: Literal["purchased", "seen", "none"] = "purchased"
    # most candidates scored per user before exclusions (K + most excluded)
    max_candidates: int = Field(default=200, ge=1)
    # users with fewer distinct training products get their group's list
    min_interactions_for_model: int = Field(default=1, ge=1)
    # ALS scores only this many of the most popular products (null: all)
    candidate_items: int | None = Field(default=None, ge=1)


class EvaluationParams(Params):
    k: int = Field(default=10, ge=1)
    # the head: this share of the training products, the most popular
    head_share: float = Field(default=0.2, gt=0, le=1)


class Grid(Params):
    """The values tried per hyperparameter; only these five can be tuned.
    ``popularity_weight`` is scoring only: each fitted configuration is scored
    with every weight, without refitting."""

    rank: list[Annotated[int, Field(ge=1)]] | None = Field(default=None, min_length=1)
    reg_param: list[Annotated[float, Field(ge=0)]] | None = Field(
        default=None, min_length=1
    )
    alpha: list[Annotated[float, Field(ge=0)]] | None = Field(
        default=None, min_length=1
    )
    max_iter: list[Annotated[int, Field(ge=1)]] | None = Field(
        default=None, min_length=1
    )
    popularity_weight: list[Annotated[float, Field(ge=0)]] | None = Field(
        default=None, min_length=1
    )


class TuningParams(Params):
    """Fit on the data before ``split.validation_start``, score NDCG@K on the
    validation period, refit the chosen configuration before ``test_start``."""

    enabled: bool = False
    strategy: Literal["grid", "random"] = "grid"  # random: n_trials of the grid
    n_trials: int = Field(default=4, ge=1)
    seed: int = 42
    # trials fit and score a seeded sample of at most this many users (null: all)
    max_users: int | None = Field(default=None, ge=1)
    # the cheapest configuration within this share of the best NDCG wins
    tolerance: float = Field(default=0.0, ge=0, lt=1)
    grid: Grid = Grid()


class BaselineParams(Params):
    # recent popularity: pairs active in the last days of the training period
    recent_window_days: int = Field(default=30, ge=1)
    seed: int = 42


class ServingParams(Params):
    """What to serve: every candidate (ALS, the hybrids, the baselines) scored
    on the validation period, the best one served (a baseline on a tie)."""

    # off: serve ALS whatever validation says
    choose_on_validation: bool = True
    # serve a model over the best simple alternative only when its validation
    # lead is beyond its own uncertainty (the lower end of its 95% NDCG
    # interval is above the baseline's NDCG); off: any lead is enough
    lead_beyond_interval: bool = True
    # hybrids tried: this many of the user's own products first, then ALS
    history_slots: list[Annotated[int, Field(ge=1)]] = Field(
        default=[2, 5], min_length=1
    )
    # warn when the exclusion removes more than this share of the validation
    # truth (what users come back to)
    max_excluded_truth: float = Field(default=0.5, ge=0, le=1)


class SimilarParams(Params):
    """Similar products: the top ``n`` per product from ALS item factors
    (cosine) or co-occurrence, the one served chosen on validation."""

    n: int = Field(default=10, ge=1)  # similar products per product
    # ALS compares every product with only this many of the most popular
    # training products (null: all), as recommend.candidate_items does for users
    candidate_items: int | None = Field(default=10_000, ge=1)
    # co-occurrence counts only each user's most recent this many products, so
    # heavy users add at most n^2 pairs
    max_items_per_user: int = Field(default=50, ge=2)
    # off: serve ALS's lists and score test only (no lists on the tuning data)
    choose_on_validation: bool = True


class Modeling(_Group):
    als: ALSParams = ALSParams()
    similar: SimilarParams = SimilarParams()
    serving: ServingParams = ServingParams()
    recommend: RecommendParams = RecommendParams()
    evaluation: EvaluationParams = EvaluationParams()
    tuning: TuningParams = TuningParams()
    baselines: BaselineParams = BaselineParams()


# ----------------------------------------------------------------------- reporting
class GroupListParams(Params):
    top_k: int = Field(default=10, ge=1)  # products listed per group


class LongTailParams(Params):
    buckets: int = Field(default=20, ge=1)  # popularity-rank buckets


class TopProductsParams(Params):
    by: str  # a column of the source's per-product table
    n: int = Field(default=20, ge=1)


class ExampleUsersParams(Params):
    # example users of each kind (heavy, light, cold, each segment)
    per_kind: int = Field(default=3, ge=1)


class Reporting(_Group):
    recommend: GroupListParams = GroupListParams()
    long_tail: LongTailParams = LongTailParams()
    top_products: TopProductsParams
    example_users: ExampleUsersParams = ExampleUsersParams()


# ----------------------------------------------------------------------- demo data
# The product categories of the demo orders (olist_reference.CATEGORIES; a test
# checks they agree): every category needs a product.
OLIST_CATEGORIES = 71

Share = Annotated[float, Field(ge=0, le=1)]
Count = Annotated[int, Field(ge=1)]


def _add_up_to_one(shares: Any) -> Any:
    """Shares of one draw: they must add up to 1 (within rounding)."""
    total = sum(shares.values() if isinstance(shares, Mapping) else shares)
    if abs(total - 1) > 0.01:
        raise ValueError(f"the shares must add up to 1, not {total:g}")
    return shares


# Shares of the outcomes of one draw, in order (first: 1 item, 2 orders, ...).
Shares = Annotated[list[Share], Field(min_length=1), AfterValidator(_add_up_to_one)]
ScoreShares5 = Annotated[
    list[Share], Field(min_length=5, max_length=5), AfterValidator(_add_up_to_one)
]
OrderStatus = Literal[
    "delivered", "shipped", "canceled", "unavailable",
    "invoiced", "processing", "created", "approved",
]  # fmt: skip
PaymentType = Literal["credit_card", "boleto", "voucher", "debit_card", "not_defined"]


def _at_least(other: str, value: int, info: ValidationInfo) -> int:
    """``value`` must be at least the already validated field ``other``."""
    bound = info.data.get(other)
    if bound is not None and value < bound:
        raise ValueError(f"must be at least {other} ({bound})")
    return value


class DemoTaste(Params):
    # share of sessions in one of the user's two favourite categories
    favourite_category_share: Share
    # share of views on the user's favourite brand of the session's category
    favourite_brand_share: Share


class DemoFunnel(Params):
    """Per view a cart; per cart a purchase or else a removal."""

    cart_rate: Share  # share of views followed by a cart event
    purchase_after_cart: Share  # share of carts bought
    remove_after_cart: Share  # share of carts removed (the rest stay)
    direct_purchase_rate: Share  # share of views bought without a cart event

    @field_validator("remove_after_cart")
    @classmethod
    def _carts_add_up(cls, value: float, info: ValidationInfo) -> float:
        bought = info.data.get("purchase_after_cart")
        if bought is not None and bought + value > 1:
            raise ValueError(
                f"purchase_after_cart ({bought}) + remove_after_cart must be <= 1"
            )
        return value


class DemoEvents(Params):
    """``demo_data.events``: the REES46-schema clickstream (about 16 events
    per user)."""

    seed: int = 42
    n_users: Count
    n_categories: Count
    n_products: Count  # at least n_categories
    start: date  # the first day
    n_days: Count  # sessions start over this many days
    sessions_per_user_mean: float = Field(ge=1)
    views_per_session_mean: float = Field(ge=1)
    # Zipf exponent of category popularity (0: all alike)
    category_popularity_exponent: float = Field(ge=0)
    # power applied to a uniform draw when picking a product inside a category
    # (larger = longer tail)
    product_popularity_exponent: float = Field(gt=0)
    taste: DemoTaste
    funnel: DemoFunnel

    @field_validator("n_products")
    @classmethod
    def _a_product_per_category(cls, value: int, info: ValidationInfo) -> int:
        return _at_least("n_categories", value, info)


class DemoCustomers(Params):
    # share of unique customers (customer_unique_id) with 2+ orders
    repeat_customer_share: Share
    # orders of a repeat customer: shares of 2, 3, ... orders
    repeat_order_count_shares: Shares
    # share of items from the customer's favourite category (latent taste)
    favourite_category_share: Share
    # share of repeat orders whose first item re-buys an item of the first order
    rebuy_share: Share


class DemoProducts(Params):
    # Zipf exponent of category popularity (0: all alike)
    category_popularity_exponent: float = Field(ge=0)
    # power applied to a uniform draw when picking a product inside a category,
    # and the seller of each product (larger = longer tail)
    product_popularity_exponent: float = Field(gt=0)
    seller_popularity_exponent: float = Field(gt=0)
    price_sigma: float = Field(ge=0)  # log-normal spread around a category's price
    # products without category (and without name, description, photos)
    uncategorised_share: Share
    missing_dimensions_share: Share  # products without weight and dimensions


class DemoItems(Params):
    items_per_order_shares: Shares  # shares of orders with 1, 2, ... items
    # chance that an extra item repeats the order's first product (quantity > 1)
    same_product_share: Share


class DemoPayments(Params):
    # the main payment of an order; voucher splits add rows
    payment_type_shares: Annotated[
        dict[PaymentType, Share], Field(min_length=1), AfterValidator(_add_up_to_one)
    ]
    voucher_split_share: Share  # non-voucher orders also paid with 1-2 vouchers
    # credit card installments: shares of 1, 2, ... (capped at total / 15)
    installment_shares: Shares


class DemoScoreShares(Params):
    """Shares of review scores 1, 2, 3, 4, 5 by how the order went."""

    on_time: ScoreShares5
    late: ScoreShares5
    not_delivered: ScoreShares5


class DemoReviews(Params):
    missing_share: Share  # orders without a review
    second_review_share: Share  # orders with a second, later review
    score_shares: DemoScoreShares
    # reviews with a title / a message (more for low scores, fewer for high)
    title_share: Share
    message_share: Share


class DemoGeolocation(Params):
    max_rows_per_zip: Count  # points per zip prefix: 1 to this many
    accented_city_share: Share  # points spelling the city with accents


class DemoOrders(Params):
    """``demo_data.orders``: the nine Olist tables."""

    seed: int = 42
    n_orders: Count
    n_products: Count  # at least one per Olist category (71)
    n_sellers: Count
    start: date  # the first purchase day
    end: date  # the last purchase day (on or after start)
    # the daily order rate grows linearly to `growth` times the first day's
    growth: float = Field(ge=1)
    customers: DemoCustomers
    products: DemoProducts
    items: DemoItems
    # order statuses; later dates stay empty when an order is not that far
    order_status_shares: Annotated[
        dict[OrderStatus, Share], Field(min_length=1), AfterValidator(_add_up_to_one)
    ]
    # share of delivered orders that arrive after the estimated date
    late_delivery_share: Share
    payments: DemoPayments
    reviews: DemoReviews
    geolocation: DemoGeolocation

    @field_validator("n_products")
    @classmethod
    def _a_product_per_category(cls, value: int) -> int:
        if value < OLIST_CATEGORIES:
            raise ValueError(
                f"must be at least the {OLIST_CATEGORIES} Olist categories: "
                "one product per category"
            )
        return value

    @field_validator("end")
    @classmethod
    def _after_start(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("start")
        if start is not None and value < start:
            raise ValueError(f"must be on or after start ({start})")
        return value


class DemoRatings(Params):
    """``demo_data.interactions``: MovieLens-format ratings; each user has a
    favourite genre."""

    seed: int = 42
    n_users: Count
    n_genres: Count
    n_movies: Count  # at least n_genres
    ratings_per_user_mean: float = Field(ge=1)
    favourite_genre_share: Share  # ratings of movies of the favourite genre
    start: date  # the first day
    n_days: Count  # ratings spread over this many days

    @field_validator("n_movies")
    @classmethod
    def _a_movie_per_genre(cls, value: int, info: ValidationInfo) -> int:
        return _at_least("n_genres", value, info)


# Each source's generator reads its own block, with its own model.
DEMO_DATA: dict[str, type[Params]] = {
    "events": DemoEvents,
    "orders": DemoOrders,
    "interactions": DemoRatings,
}


# Per stage, the model of each source's block (``<stage>.<source>``).
STAGES: dict[str, dict[str, type[BaseModel]]] = {
    "data_processing": dict.fromkeys(SOURCES, DataProcessing),
    "feature_engineering": dict.fromkeys(SOURCES, FeatureEngineering),
    "modeling": dict.fromkeys(SOURCES, Modeling),
    "reporting": dict.fromkeys(SOURCES, Reporting),
    "demo_data": DEMO_DATA,
}


class ParameterError(ValueError):
    """A parameter has a value outside what is allowed."""


# ------------------------------------------------------------- where values come from
@functools.cache
def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _has(tree: Any, path: tuple[Any, ...]) -> bool:
    """True when ``tree`` sets the key at ``path`` (or a value above it)."""
    for key in path:
        if not isinstance(tree, Mapping):
            return True
        if key not in tree:
            return False
        tree = tree[key]
    return True


def origin(
    path: tuple[Any, ...],
    conf: Path | None,
    env: str | None,
    runtime_params: Mapping[str, Any] | None = None,
) -> str:
    """Where the value at ``path`` comes from: ``--params``, the environment's
    parameters file that sets it, else base's, else the model's default."""
    if _has(runtime_params or {}, path):
        return "--params"
    if conf is not None:
        for folder in dict.fromkeys([env or "base", "base"]):
            root = conf / folder
            for file in sorted(root.glob("**/parameters*.y*ml")):
                if _has(_yaml(file), path):
                    return f"conf/{folder}/{file.relative_to(root).as_posix()}"
    return "default in src/ecom_recsys/params.py"


def _known_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys of the group that holds the key at ``loc`` under ``model``."""
    for key in loc[:-1]:
        field = model.model_fields.get(str(key)) if isinstance(key, str) else None
        if field is not None:
            candidates = [field.annotation, *getattr(field.annotation, "__args__", ())]
            models = [c for c in candidates if isinstance(c, type)]
            models = [c for c in models if issubclass(c, BaseModel)]
            if models:
                model = models[0]
    return list(model.model_fields)


def _problem(
    error: dict[str, Any], path: tuple[Any, ...], where: str, model: type[BaseModel]
) -> str:
    key = ".".join(str(p) for p in path)
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        known = _known_keys(model, tuple(error["loc"]))
        message = f"not a known key (misspelt?); the keys are {known}"
    elif error["type"] == "missing":
        return f"{key} ({where}): missing; set it in parameters_{path[0]}.yml"
    return f"{key} ({where}) = {error.get('input')!r}: {message}"


def _table_problems(source: str, tables: Mapping[str, Any]) -> list[tuple[tuple, str]]:
    """Rules for a table the source does not have, or naming a column its
    table does not have, as (key path, message)."""
    problems = []
    for table, rules in (tables or {}).items():
        path = ("data_processing", source, "tables", table)
        if table not in SCHEMAS[source]:
            known = list(SCHEMAS[source])
            problems.append((path, f"not a table of {source}; the tables are {known}"))
            continue
        for key, named in (rules or {}).items():
            columns = [named] if isinstance(named, str) else list(named or [])
            unknown = [c for c in columns if c not in SCHEMAS[source][table]]
            if key != "timestamp_format" and unknown:
                problems.append(
                    (
                        (*path, key),
                        f"names unknown column(s) {unknown}; the table has "
                        f"{list(SCHEMAS[source][table])}",
                    )
                )
    return problems


def validate_parameters(
    params: Mapping[str, Any],
    conf: Path | None = None,
    env: str | None = None,
    runtime_params: Mapping[str, Any] | None = None,
) -> None:
    """Check every source's groups of every stage.

    Raises:
        ParameterError: Listing each bad key with where it came from
            (``--params`` or the file that sets it), its value and what is
            allowed.
    """
    problems = [
        f"{group} ({origin((group,), conf, env, runtime_params)}): not a known "
        f"group (misspelt?); the groups are {list(STAGES)}"
        for group in params
        if group not in STAGES
    ]
    for stage, models in STAGES.items():
        for source, values in (params.get(stage) or {}).items():
            if source not in models:
                where = origin((stage, source), conf, env, runtime_params)
                problems.append(
                    f"{stage}.{source} ({where}): unknown source {source!r}; "
                    f"the sources are {list(models)}"
                )
                continue
            model = models[source]
            try:
                model.model_validate(values or {})
            except ValidationError as error:
                for e in error.errors():
                    # a bad dict key is at (..., key, "[key]"): name the key
                    path = (stage, source, *(p for p in e["loc"] if p != "[key]"))
                    where = origin(path, conf, env, runtime_params)
                    problems.append(_problem(e, path, where, model))
                continue
            if stage == "data_processing":
                for path, message in _table_problems(source, values.get("tables")):
                    where = origin(path, conf, env, runtime_params)
                    problems.append(f"{'.'.join(path)} ({where}): {message}")
    if problems:
        raise ParameterError(
            "Invalid parameters (fix the file, or the --params override):\n  "
            + "\n  ".join(problems)
        )

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
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
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
    # "unix" (seconds since 1970) or a Spark datetime pattern
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
    """Global time cut-offs (UTC): before ``validation_start`` tuning fits,
    from it to ``test_start`` tuning scores, from ``test_start`` on is test."""

    test_start: str
    validation_start: str | None = None

    _check_test = field_validator("test_start")(_timestamp)

    @field_validator("validation_start")
    @classmethod
    def _check_validation(cls, value: Any) -> Any:
        return None if value is None else _timestamp(value)

    @model_validator(mode="after")
    def _in_order(self) -> SplitParams:
        if self.validation_start is not None and datetime.fromisoformat(
            str(self.validation_start)
        ) >= datetime.fromisoformat(str(self.test_start)):
            raise ValueError(
                f"validation_start ({self.validation_start}) must come before "
                f"test_start ({self.test_start})"
            )
        return self


class WeightParams(Params):
    """Confidence weight per user and product: ``transform(sum(weight[type] *
    count[type]))``; weights >= 0 (ALS reads weight 0 as no interest)."""

    # per key, so an error names the event type (event_types.cart)
    event_types: dict[str, Annotated[float, Field(ge=0)]] = Field(min_length=1)
    transform: Literal["log1p", "none"] = "none"


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


class FeatureEngineering(_Group):
    interaction_weights: WeightParams
    split: SplitParams
    evaluation: RelevanceParams
    order_lines: OrderLineParams | None = None
    rfm: RFMParams | None = None


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
    """The values tried per hyperparameter; only these four can be tuned."""

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


class Modeling(_Group):
    als: ALSParams = ALSParams()
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


class Reporting(_Group):
    recommend: GroupListParams = GroupListParams()
    long_tail: LongTailParams = LongTailParams()
    top_products: TopProductsParams


STAGES: dict[str, type[_Group]] = {
    "data_processing": DataProcessing,
    "feature_engineering": FeatureEngineering,
    "modeling": Modeling,
    "reporting": Reporting,
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
        f"group (misspelt?); the groups are {[*STAGES, 'demo_data']}"
        for group in params
        if group not in (*STAGES, "demo_data")
    ]
    for stage, model in STAGES.items():
        for source, values in (params.get(stage) or {}).items():
            if source not in SOURCES:
                where = origin((stage, source), conf, env, runtime_params)
                problems.append(
                    f"{stage}.{source} ({where}): unknown source {source!r}; "
                    f"the sources are {list(SOURCES)}"
                )
                continue
            try:
                model.model_validate(values or {})
            except ValidationError as error:
                for e in error.errors():
                    path = (stage, source, *e["loc"])
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

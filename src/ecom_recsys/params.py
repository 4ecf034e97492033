"""Typed models of the parameters, checked before any Spark work starts.

A wrong value (rank 0, a negative weight, K < 1, an unknown source...) fails the
run at once with the key, where it came from (``kedro run --params`` or the
parameters file), the value and what is allowed, instead of deep inside a Spark
job.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ecom_recsys.names import SOURCES


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class _Strict(BaseModel):
    """A group whose keys are all known: a misspelt key is an error, not a
    setting silently left at its default."""

    model_config = ConfigDict(extra="forbid")


def _timestamp(value: Any) -> Any:
    try:
        datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError(
            "must be a date or timestamp like '2019-10-22' or '2019-10-22 00:00:00'"
        ) from exc
    return value


class Split(_Strict):
    test_start: str
    validation_start: str | None = None

    _check_test = field_validator("test_start")(_timestamp)

    @field_validator("validation_start")
    @classmethod
    def _check_validation(cls, value: Any) -> Any:
        return None if value is None else _timestamp(value)


class InteractionWeights(_Strict):
    # per key, so an error names the event type (event_types.cart)
    event_types: dict[str, Annotated[float, Field(ge=0)]] = Field(min_length=1)
    transform: Literal["log1p", "none"] = "none"


class FeatureEngineering(_Model):
    interaction_weights: InteractionWeights
    split: Split


class ALS(_Strict):
    feedback: Literal["implicit", "explicit"] = "implicit"
    rank: int = Field(ge=1)
    reg_param: float = Field(ge=0)
    alpha: float = Field(ge=0)
    max_iter: int = Field(ge=1)
    seed: int
    nonnegative: bool = False
    num_blocks: int = Field(ge=1)
    checkpoint_interval: int = Field(ge=1)


class Recommend(_Strict):
    top_k: int = Field(ge=1)
    exclude: Literal["purchased", "seen", "none"]
    max_candidates: int = Field(ge=1)
    min_interactions_for_model: int = Field(default=1, ge=1)
    candidate_items: int | None = Field(default=None, ge=1)


class Evaluation(_Strict):
    k: int = Field(ge=1)
    head_share: float = Field(default=0.2, gt=0, le=1)


class Grid(BaseModel):
    """The values tried per hyperparameter; only these four can be tuned."""

    model_config = ConfigDict(extra="forbid")

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


class Tuning(_Strict):
    enabled: bool = False
    strategy: Literal["grid", "random"] = "grid"
    n_trials: int = Field(default=1, ge=1)
    seed: int | None = None
    max_users: int | None = Field(default=None, ge=1)
    tolerance: float = Field(default=0.0, ge=0, lt=1)
    grid: Grid = Grid()


class Baselines(_Strict):
    recent_window_days: int = Field(ge=1)
    seed: int


class Modeling(_Model):
    als: ALS
    recommend: Recommend
    evaluation: Evaluation
    tuning: Tuning = Tuning()
    baselines: Baselines


class TableRules(BaseModel):
    """Row checks of one raw table; a misspelt rule would silently check nothing."""

    model_config = ConfigDict(extra="forbid")

    required: list[str] = []
    allowed: dict[str, list[Any]] = {}
    non_negative: list[str] = []
    unique: list[str] = []
    timestamp_format: str | None = None


class DataProcessing(_Model):
    max_rejected_share: float = Field(ge=0, le=1)
    tables: dict[str, TableRules] = {}


class GroupList(_Strict):
    top_k: int = Field(ge=1)


class LongTail(_Strict):
    buckets: int = Field(ge=1)


class TopProducts(_Strict):
    by: str
    n: int = Field(ge=1)


class Reporting(_Model):
    recommend: GroupList
    long_tail: LongTail
    top_products: TopProducts


MODELS = {
    "data_processing": DataProcessing,
    "feature_engineering": FeatureEngineering,
    "modeling": Modeling,
    "reporting": Reporting,
}


class ParameterError(ValueError):
    """A parameter has a value outside what is allowed."""


def _file(conf: Path | None, env: str | None, group: str) -> str:
    """The parameters file a group comes from: the run's environment if it has
    the file, else base."""
    name = f"parameters_{group}.yml"
    if conf is not None and env not in (None, "base") and (conf / env / name).exists():
        return f"conf/{env}/{name} (over conf/base/{name})"
    return f"conf/base/{name}"


def _given(runtime: Any, path: tuple[Any, ...]) -> bool:
    """True when the runtime parameters (``kedro run --params``) set the key at
    ``path``: the key itself, keys under it, or a parent replaced by a value."""
    node = runtime
    for key in path:
        if not isinstance(node, dict):
            return True
        if key not in node:
            return False
        node = node[key]
    return True


def validate_parameters(
    params: dict[str, Any],
    conf: Path | None = None,
    env: str | None = None,
    runtime_params: dict[str, Any] | None = None,
) -> None:
    """Check every source's parameters; raise ``ParameterError`` listing each
    bad key with where it came from (``--params`` or the file), its value and
    what is allowed."""
    problems = []

    def origin(*path: Any) -> str:
        return "--params" if _given(runtime_params or {}, path) else file

    for group, model in MODELS.items():
        file = _file(conf, env, group)
        for source, values in (params.get(group) or {}).items():
            where = origin(group, source)
            if source not in SOURCES:
                problems.append(
                    f"{group}.{source} ({where}): unknown source {source!r}; "
                    f"the sources are {list(SOURCES)}"
                )
                continue
            try:
                model.model_validate(values)
            except ValidationError as error:
                for e in error.errors():
                    path = (group, source, *e["loc"])
                    key = ".".join(str(p) for p in path)
                    value = e.get("input")
                    message = e["msg"]
                    if e["type"] == "extra_forbidden":
                        message = "not a known key (misspelt?); see conf/base/" + (
                            f"parameters_{group}.yml for the keys"
                        )
                    problems.append(f"{key} ({origin(*path)}) = {value!r}: {message}")
    if problems:
        raise ParameterError(
            "Invalid parameters (fix the file, or the --params override):\n  "
            + "\n  ".join(problems)
        )

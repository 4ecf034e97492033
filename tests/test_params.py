"""Parameter validation: every bad value is named with its file, before Spark."""

from __future__ import annotations

import copy

import pytest
from kedro.config import OmegaConfigLoader

from ecom_recsys.params import ParameterError, validate_parameters
from tests.conftest import PROJECT_PATH


@pytest.fixture(scope="module")
def base_params() -> dict:
    loader = OmegaConfigLoader(
        str(PROJECT_PATH / "conf"), base_env="base", default_run_env="base"
    )
    return dict(loader["parameters"])


def test_the_shipped_parameters_are_valid(base_params):
    validate_parameters(base_params, PROJECT_PATH / "conf", "base")


def _set(params: dict, path: str, value) -> dict:
    changed = copy.deepcopy(params)
    *parents, last = path.split(".")
    node = changed
    for key in parents:
        node = node[key]
    node[last] = value
    return changed


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            "modeling.events.als.rank",
            0,
            r"modeling.events.als.rank \(conf/base/parameters_modeling.yml\) = 0: Input should be greater than or equal to 1",
        ),
        (
            "modeling.orders.recommend.top_k",
            0,
            r"modeling.orders.recommend.top_k .* = 0: .*greater than or equal to 1",
        ),
        ("modeling.events.evaluation.k", -3, r"modeling.events.evaluation.k .* = -3"),
        (
            "modeling.events.recommend.exclude",
            "bought",
            r"exclude .* = 'bought': Input should be 'purchased', 'seen' or 'none'",
        ),
        (
            "modeling.events.als.feedback",
            "stars",
            r"feedback .* = 'stars': Input should be 'implicit' or 'explicit'",
        ),
        (
            "feature_engineering.events.interaction_weights.event_types.cart",
            -1.0,
            r"event_types \(conf/base/parameters_feature_engineering.yml\) .*weights must be >= 0, got \{'cart': -1.0\}",
        ),
        (
            "feature_engineering.orders.split.test_start",
            "June 2018",
            r"split.test_start .* = 'June 2018': .*must be a date",
        ),
        (
            "data_processing.events.max_rejected_share",
            1.5,
            r"max_rejected_share .* = 1.5: .*less than or equal to 1",
        ),
    ],
    ids=[
        "rank",
        "top_k",
        "k",
        "exclude",
        "feedback",
        "negative-weight",
        "cutoff",
        "share",
    ],
)
def test_bad_values_name_key_file_value_and_what_is_allowed(
    base_params, path, value, message
):
    with pytest.raises(ParameterError, match=message):
        validate_parameters(
            _set(base_params, path, value), PROJECT_PATH / "conf", "base"
        )


def test_unknown_source_and_environment_files_are_named(base_params):
    params = copy.deepcopy(base_params)
    params["modeling"]["clicks"] = params["modeling"]["events"]
    with pytest.raises(
        ParameterError,
        match=r"modeling.clicks .*unknown source 'clicks'; the sources are \['events', 'orders', 'interactions'\]",
    ):
        validate_parameters(params, PROJECT_PATH / "conf", "base")
    bad = _set(base_params, "modeling.events.als.rank", 0)
    with pytest.raises(
        ParameterError, match=r"conf/test/parameters_modeling.yml \(over conf/base"
    ):
        validate_parameters(bad, PROJECT_PATH / "conf", "test")

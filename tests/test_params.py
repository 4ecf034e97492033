"""Parameter validation: the shipped files are valid; the file named is the
environment's, or ``--params`` for a runtime value. The bad values themselves are cases of tests/test_bad_input.py."""

from __future__ import annotations

import copy

import pytest
from kedro.config import OmegaConfigLoader
from pydantic import ValidationError

from ecom_recsys.params import (
    EvaluationParams,
    Modeling,
    ParameterError,
    TuningParams,
    validate_parameters,
)
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


def test_the_file_that_sets_a_value_is_named(base_params):
    # conf/test sets modeling.events.als.rank; modeling.orders.evaluation.k
    # comes from base, and nothing sets orders.tuning.max_users (a default)
    bad = _set(base_params, "modeling.events.als.rank", 0)
    bad = _set(bad, "modeling.orders.evaluation.k", 0)
    bad["modeling"]["orders"]["tuning"]["max_users"] = 0
    with pytest.raises(ParameterError) as error:
        validate_parameters(bad, PROJECT_PATH / "conf", "test")
    lines = str(error.value).splitlines()[1:]
    assert lines[0].startswith(
        "  modeling.events.als.rank (conf/test/parameters_modeling.yml) = 0:"
    )
    assert lines[1].startswith(
        "  modeling.orders.evaluation.k (conf/base/parameters_modeling.yml) = 0:"
    )
    assert lines[2].startswith(
        "  modeling.orders.tuning.max_users (default in src/ecom_recsys/params.py)"
    )


def test_defaults_live_in_the_models():
    tuning = TuningParams()
    assert (tuning.enabled, tuning.n_trials, tuning.seed) == (False, 4, 42)
    assert EvaluationParams().head_share == 0.2
    assert Modeling.model_validate({}).recommend.min_interactions_for_model == 1


def test_a_quoted_false_is_false_and_a_null_seed_is_an_error():
    assert TuningParams.model_validate({"enabled": "false"}).enabled is False
    with pytest.raises(ValidationError, match="seed"):
        TuningParams.model_validate({"seed": None})


def test_cut_offs_in_the_wrong_order_are_an_error(base_params):
    bad = _set(
        base_params, "feature_engineering.events.split.validation_start", "2019-11-01"
    )
    runtime = {"feature_engineering": {"events": {"split": {"validation_start": 1}}}}
    with pytest.raises(ParameterError) as error:
        validate_parameters(bad, PROJECT_PATH / "conf", "base", runtime)
    (line,) = str(error.value).splitlines()[1:]
    assert line == (
        "  feature_engineering.events.split (--params) = {'validation_start': "
        "'2019-11-01', 'test_start': '2019-10-22 00:00:00'}: Value error, "
        "validation_start (2019-11-01) must come before test_start "
        "(2019-10-22 00:00:00)"
    )


def test_a_misspelt_group_is_an_error(base_params):
    bad = {**base_params, "modelling": {"events": {"als": {"rank": 64}}}}
    runtime = {"modelling": {"events": {"als": {"rank": 64}}}}
    with pytest.raises(ParameterError) as error:
        validate_parameters(bad, PROJECT_PATH / "conf", "base", runtime)
    (line,) = str(error.value).splitlines()[1:]
    assert line.startswith("  modelling (--params): not a known group (misspelt?)")


def test_a_runtime_value_is_named_as_params_and_a_file_value_by_its_file(
    base_params,
):
    bad = _set(base_params, "modeling.events.als.rank", 0)
    bad = _set(bad, "modeling.orders.evaluation.k", 0)
    runtime = {"modeling": {"events": {"als": {"rank": 0}}}}  # kedro run --params
    with pytest.raises(ParameterError) as error:
        validate_parameters(bad, PROJECT_PATH / "conf", "base", runtime)
    assert str(error.value).splitlines()[1:] == [
        "  modeling.events.als.rank (--params) = 0: "
        "Input should be greater than or equal to 1",
        "  modeling.orders.evaluation.k (conf/base/parameters_modeling.yml) = 0: "
        "Input should be greater than or equal to 1",
    ]


@pytest.mark.parametrize(
    ("key", "values", "expected"),
    [
        ("rank", [8, 0], "grid.rank.1 ({file}) = 0: Input should be greater than or "
         "equal to 1"),
        ("reg_param", [0.1, -0.01], "grid.reg_param.1 ({file}) = -0.01: Input "
         "should be greater than or equal to 0"),
        ("alpha", [-1.0], "grid.alpha.0 ({file}) = -1.0: Input should be greater "
         "than or equal to 0"),
        ("max_iter", [0], "grid.max_iter.0 ({file}) = 0: Input should be greater "
         "than or equal to 1"),
        ("max_iter", [], "grid.max_iter ({file}) = []: List should have at least 1 "
         "item after validation, not 0"),
        ("ranks", [8], "grid.ranks ({file}) = [8]: not a known key (misspelt?); "
         "the keys are ['rank', 'reg_param', 'alpha', 'max_iter']"),
    ],
)  # fmt: skip
def test_tuning_grid_values_are_checked(base_params, key, values, expected):
    bad = _set(base_params, f"modeling.events.tuning.grid.{key}", values)
    runtime = {"modeling": {"events": {"tuning": {"grid": {key: values}}}}}
    with pytest.raises(ParameterError) as error:
        validate_parameters(bad, PROJECT_PATH / "conf", "base", runtime)
    (line,) = str(error.value).splitlines()[1:]
    assert line == "  modeling.events.tuning." + expected.format(file="--params")


def test_table_rules_name_known_tables_and_columns(base_params):
    bad = _set(base_params, "data_processing.events.tables.events.required", ["colour"])
    bad = _set(bad, "data_processing.orders.tables.geolocation", {"required": []})
    runtime = {"data_processing": {"orders": {"tables": {"geolocation": {}}}}}
    with pytest.raises(ParameterError) as error:
        validate_parameters(bad, PROJECT_PATH / "conf", "base", runtime)
    assert str(error.value).splitlines()[1:] == [
        "  data_processing.events.tables.events.required "
        "(conf/base/parameters_data_processing.yml): names unknown column(s) "
        "['colour']; the table has ['event_time', 'event_type', 'product_id', "
        "'category_id', 'category_code', 'brand', 'price', 'user_id', "
        "'user_session']",
        "  data_processing.orders.tables.geolocation (--params): not a table of "
        "orders; the tables are ['orders', 'order_items', 'customers', 'sellers', "
        "'order_reviews', 'order_payments', 'products', 'category_translation']",
    ]

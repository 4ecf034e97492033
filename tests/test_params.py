"""Parameter validation: the shipped files are valid; the file named is the
environment's, or ``--params`` for a runtime value. Bad demo_data values are
cases here, the other bad values cases of tests/test_bad_input.py."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import yaml
from kedro.config import OmegaConfigLoader
from pydantic import ValidationError

from ecom_recsys.params import (
    OLIST_CATEGORIES,
    EvaluationParams,
    Modeling,
    ParameterError,
    TuningParams,
    validate_parameters,
)
from ecom_recsys.pipelines.demo_data.olist_reference import CATEGORIES
from tests.conftest import PROJECT_PATH


def _load(conf: Path, env: str) -> dict:
    """The parameters of ``env`` over base, merged key by key as Kedro does."""
    loader = OmegaConfigLoader(
        str(conf),
        base_env="base",
        default_run_env=env,
        merge_strategy={"parameters": "soft"},
    )
    return dict(loader["parameters"])


@pytest.fixture(scope="module")
def base_params() -> dict:
    return _load(PROJECT_PATH / "conf", "base")


@pytest.mark.parametrize("env", ["base", "test"])
def test_the_shipped_parameters_are_valid(env):
    validate_parameters(_load(PROJECT_PATH / "conf", env), PROJECT_PATH / "conf", env)


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
         "the keys are ['rank', 'reg_param', 'alpha', 'max_iter', "
         "'popularity_weight']"),
        ("popularity_weight", [-0.5], "grid.popularity_weight.0 ({file}) = -0.5: "
         "Input should be greater than or equal to 0"),
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


def _conf_with(tmp_path: Path, env: str, source: str, values: dict) -> Path:
    """A copy of conf/ whose ``env`` demo parameters of ``source`` set ``values``
    (``a.b`` for a nested key)."""
    conf = tmp_path / "conf"
    shutil.copytree(PROJECT_PATH / "conf", conf)
    file = conf / env / "parameters_demo_data.yml"
    params = yaml.safe_load(file.read_text())
    for path, value in values.items():
        *parents, last = [source, *path.split(".")]
        node = params["demo_data"]
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    file.write_text(yaml.safe_dump(params))
    return conf


@pytest.mark.parametrize(
    ("env", "source", "values", "expected"),
    [
        ("test", "events", {"n_users": 0}, "events.n_users "
         "(conf/test/parameters_demo_data.yml) = 0: Input should be greater than "
         "or equal to 1"),
        ("base", "orders", {"customers.rebuy_share": 1.5}, "orders.customers."
         "rebuy_share (conf/base/parameters_demo_data.yml) = 1.5: Input should be "
         "less than or equal to 1"),
        ("test", "interactions", {"n_movie": 400}, "interactions.n_movie "
         "(conf/test/parameters_demo_data.yml) = 400: not a known key (misspelt?); "
         "the keys are ['seed', 'n_users', 'n_genres', 'n_movies', "
         "'ratings_per_user_mean', 'favourite_genre_share', 'start', 'n_days']"),
        ("test", "events", {"funnel.cart_rate": "often"}, "events.funnel.cart_rate "
         "(conf/test/parameters_demo_data.yml) = 'often': Input should be a valid "
         "number, unable to parse string as a number"),
        ("test", "events", {"n_products": 5}, "events.n_products "
         "(conf/test/parameters_demo_data.yml) = 5: Value error, must be at least "
         "n_categories (12)"),
        ("base", "events", {"funnel.remove_after_cart": 0.3}, "events.funnel."
         "remove_after_cart (conf/base/parameters_demo_data.yml) = 0.3: Value "
         "error, purchase_after_cart (0.8) + remove_after_cart must be <= 1"),
        ("test", "orders", {"n_products": 70}, "orders.n_products "
         "(conf/test/parameters_demo_data.yml) = 70: Value error, must be at "
         "least the 71 Olist categories: one product per category"),
        ("test", "orders", {"end": "2016-09-03"}, "orders.end "
         "(conf/test/parameters_demo_data.yml) = '2016-09-03': Value error, must "
         "be on or after start (2016-09-04)"),
        ("base", "orders", {"items.items_per_order_shares": [0.9, 0.2]}, "orders."
         "items.items_per_order_shares (conf/base/parameters_demo_data.yml) = "
         "[0.9, 0.2]: Value error, the shares must add up to 1, not 1.1"),
        ("test", "orders", {"order_status_shares": {"deliverd": 1.0}}, "orders."
         "order_status_shares.deliverd (conf/test/parameters_demo_data.yml) = "
         "'deliverd': Input should be 'delivered', 'shipped', 'canceled', "
         "'unavailable', 'invoiced', 'processing', 'created' or 'approved'"),
        ("base", "orders", {"reviews.score_shares.late": [0.5, 0.5]}, "orders."
         "reviews.score_shares.late (conf/base/parameters_demo_data.yml) = "
         "[0.5, 0.5]: List should have at least 5 items after validation, not 2"),
        ("test", "interactions", {"start": "2017-02-30"}, "interactions.start "
         "(conf/test/parameters_demo_data.yml) = '2017-02-30': Input should be a "
         "valid date or datetime, day value is outside expected range"),
    ],
)  # fmt: skip
def test_a_bad_demo_value_names_the_key_and_its_file(
    tmp_path, env, source, values, expected
):
    conf = _conf_with(tmp_path, env, source, values)
    with pytest.raises(ParameterError) as error:
        validate_parameters(_load(conf, "test"), conf, "test")
    (line,) = str(error.value).splitlines()[1:]
    assert line == "  demo_data." + expected


def test_an_unknown_demo_source_is_an_error(base_params):
    bad = _set(base_params, "demo_data.ratings", {"n_users": 10})
    with pytest.raises(ParameterError) as error:
        validate_parameters(bad, PROJECT_PATH / "conf", "base")
    (line,) = str(error.value).splitlines()[1:]
    assert line == (
        "  demo_data.ratings (default in src/ecom_recsys/params.py): unknown "
        "source 'ratings'; the sources are ['events', 'orders', 'interactions']"
    )


def test_the_olist_categories_are_counted_right():
    assert len(CATEGORIES) == OLIST_CATEGORIES

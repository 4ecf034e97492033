"""Parameter validation: the shipped files are valid; the file named is the
environment's, or ``--params`` for a runtime value. The bad values themselves are cases of tests/test_bad_input.py."""

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


def test_an_environment_file_is_named_over_base(base_params):
    bad = _set(base_params, "modeling.events.als.rank", 0)
    with pytest.raises(
        ParameterError, match=r"conf/test/parameters_modeling.yml \(over conf/base"
    ):
        validate_parameters(bad, PROJECT_PATH / "conf", "test")


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
         "see conf/base/parameters_modeling.yml for the keys"),
    ],
)  # fmt: skip
def test_tuning_grid_values_are_checked(base_params, key, values, expected):
    bad = _set(base_params, f"modeling.events.tuning.grid.{key}", values)
    with pytest.raises(ParameterError) as error:
        validate_parameters(bad, PROJECT_PATH / "conf", "base")
    (line,) = str(error.value).splitlines()[1:]
    file = "conf/base/parameters_modeling.yml"
    assert line == "  modeling.events.tuning." + expected.format(file=file)

"""The Streamlit dashboard: its data access, the app on real outputs, a real browser.

The app tests run ``streamlit.testing.v1.AppTest`` on the outputs of the session's
demo run (events and orders), on an empty project and on one with a missing
output; the smoke test starts ``streamlit run`` and loads the page in Debian's
headless chromium.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
import yaml
from kedro.io import DataCatalog, DatasetError
from kedro.pipeline import Pipeline, node
from streamlit.testing.v1 import AppTest

from ecom_recsys.dashboard import data
from ecom_recsys.datasets import CommittedParquetDataset
from tests.conftest import PROJECT_PATH, latest, make_project

APP = PROJECT_PATH / "src" / "ecom_recsys" / "dashboard" / "app.py"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


# ---------------------------------------------------------------- pure functions
def test_id_candidates_try_a_number_then_the_text():
    assert data.id_candidates(" 512000123 ") == [512000123, "512000123"]
    assert data.id_candidates("00033486a867") == ["00033486a867"]


METRICS = pd.DataFrame(
    {
        "model": ["als", "popularity", "random", "als", "popularity", "random"],
        "metric": ["ndcg", "ndcg", "ndcg", "recall", "recall", "recall"],
        "k": [10] * 6,
        "value": [0.3, 0.2, 0.01, 0.4, 0.25, 0.02],
        "lift_vs_popularity": [0.5, None, -0.95, 0.6, None, -0.92],
        "users_evaluated": [527] * 6,
        "users_cold": [155] * 6,
    }
)


def test_metrics_by_model_puts_als_then_the_baseline_first():
    table = data.metrics_by_model(METRICS)
    assert table.columns.tolist() == ["als", "popularity", "random"]
    assert table.loc["ndcg"].tolist() == [0.3, 0.2, 0.01]


def test_headline_is_als_against_popularity():
    assert data.headline(METRICS) == {
        "metric": "ndcg",
        "k": 10,
        "als": 0.3,
        "baseline": 0.2,
        "lift": 0.5,
        "users_evaluated": 527,
    }
    assert data.headline(METRICS[METRICS["model"] != "als"]) == {}


def test_list_origin_counts_each_source_of_a_served_list():
    recs = pd.DataFrame(
        {"source": ["model"] * 7 + ["segment:loyal"] * 2 + ["popularity"]}
    )
    assert data.list_origin(recs) == (
        "7 from the model chosen on validation, 2 from the most popular products of segment "
        "'loyal', 1 from overall popularity"
    )


def test_history_keeps_train_and_test_latest_first_with_details():
    history = pd.DataFrame(
        {
            "user_id": [7, 7, 7],
            "product_id": [1, 2, 1],
            "period": ["train", "test", "tuning"],
            "last_event_time": pd.to_datetime(
                ["2020-01-01", "2020-02-01", "2020-01-01"]
            ),
        }
    )
    products = pd.DataFrame({"product_id": [1, 2], "brand": ["x", "y"]})
    table = data.history_with_products(history, products)
    assert table[["period", "product_id", "brand"]].values.tolist() == [
        ["test", 2, "y"],
        ["train", 1, "x"],
    ]


def test_settings_come_from_arguments_then_the_environment(tmp_path):
    environ = {"ECOM_RECSYS_ENV": "test", "ECOM_RECSYS_PROJECT_PATH": str(tmp_path)}
    assert data.parse_settings([], environ) == data.Settings(tmp_path, "test", None)
    assert data.parse_settings(["--env", "prod", "--conf-source", "c"], environ) == (
        data.Settings(tmp_path, "prod", "c")
    )


def test_missing_output_names_the_pipeline_that_writes_it():
    pipelines = {
        "modeling": Pipeline([node(len, "events.train", "events.ranking_metrics")]),
        "__default__": Pipeline([node(len, "events.train", "events.ranking_metrics")]),
    }
    outputs = data.Outputs(catalog=None, env="test", writers=data.writers(pipelines))
    assert outputs.writers == {"events.ranking_metrics": "modeling"}
    message = outputs.missing_message("events", "ranking_metrics")
    assert "`kedro run --pipelines=modeling --namespaces=events --env=test`" in message
    assert "`kedro run --namespaces=events --env=test` runs them all" in message


def _spark_folder(path: Path, frame: pd.DataFrame, committed: bool = True) -> None:
    path.mkdir(parents=True)
    frame.to_parquet(path / "part-00000.parquet")
    if committed:
        (path / "_SUCCESS").touch()


def test_committed_parquet_reads_the_latest_committed_version(tmp_path):
    folder = tmp_path / "recs.parquet"
    _spark_folder(
        folder / "2026-01-01T00.00.00.000Z" / "recs.parquet", pd.DataFrame({"v": [1]})
    )
    _spark_folder(
        folder / "2026-01-02T00.00.00.000Z" / "recs.parquet",
        pd.DataFrame({"v": [2]}),
        committed=False,  # a run still writing it
    )
    dataset = CommittedParquetDataset(filepath=str(folder), version=None)
    versioned = CommittedParquetDataset.from_config(
        "recs",
        {
            "type": "ecom_recsys.datasets.CommittedParquetDataset",
            "filepath": str(folder),
            "versioned": True,
        },
    )
    assert versioned.exists()
    assert versioned.load()["v"].tolist() == [1]
    assert not dataset.exists()  # the unversioned path is not a committed folder


def test_committed_parquet_refuses_a_half_written_folder(tmp_path):
    folder = tmp_path / "t.parquet"
    _spark_folder(folder, pd.DataFrame({"v": [1]}), committed=False)
    dataset = CommittedParquetDataset(filepath=str(folder))
    assert not dataset.exists()
    with pytest.raises(DatasetError, match="not completely written"):
        dataset.load()


def test_a_versioned_output_stays_readable_while_a_newer_one_is_written(tmp_path):
    path = tmp_path / "model_metrics.csv"
    catalog = DataCatalog.from_config(
        {
            "events.model_metrics": {
                "type": "ecom_recsys.datasets.AtomicCSVDataset",
                "filepath": str(path),
                "versioned": True,
            }
        }
    )
    assert not data.exists(catalog, "events.model_metrics")
    (path / "2026-01-01T00.00.00.000Z").mkdir(parents=True)
    (path / "2026-01-01T00.00.00.000Z" / "model_metrics.csv").write_text("v\n1\n")
    (path / "2026-01-02T00.00.00.000Z").mkdir()  # a run writing the next one
    assert data.exists(catalog, "events.model_metrics")
    assert data.load(catalog, "events.model_metrics")["v"].tolist() == [1]


# ---------------------------------------------------------------- on real outputs
@pytest.fixture(scope="module")
def project(demo_project) -> dict[str, Path]:
    """The session's demo run (demo_data, then the default pipeline)."""
    return demo_project


@pytest.fixture(scope="module")
def outputs(project) -> data.Outputs:
    return data.open_outputs(data.Settings(PROJECT_PATH, "test", str(project["conf"])))


def _recs(project, source: str) -> pd.DataFrame:
    path = (
        project["data"] / "08_reporting" / source / "top_recommendations_pretty.parquet"
    )
    return pd.read_parquet(latest(path))


@pytest.mark.parametrize("source", ["events", "orders"])
def test_one_users_rows_are_read_with_a_pushed_down_filter(outputs, project, source):
    recs = _recs(project, source)
    user_id = recs["user_id"].iloc[-1]
    expected = recs[recs["user_id"] == user_id].sort_values("rank")
    name = f"{source}.top_recommendations_pretty@pandas"
    found = data.rows_of(outputs.catalog, name, "user_id", str(user_id))
    pd.testing.assert_frame_equal(
        found.sort_values("rank").reset_index(drop=True),
        expected.reset_index(drop=True),
        check_dtype=False,
    )
    assert data.rows_of(outputs.catalog, name, "user_id", "no-such-user").empty
    assert data.rows_of(outputs.catalog, name, "user_id", "999999999999").empty


@pytest.mark.parametrize("source", ["events", "orders"])
def test_every_pandas_twin_reads_the_files_of_its_spark_dataset(outputs, source):
    twins = yaml.safe_load(
        (PROJECT_PATH / "conf/base/catalog/dashboard.yml").read_text()
    )
    resolver = outputs.catalog.config_resolver
    for pattern in (p for p in twins if not p.startswith("_")):
        name = pattern.format(source=source, index="user")
        twin, spark = (
            resolver.resolve_pattern(name),
            resolver.resolve_pattern(name.removesuffix("@pandas")),
        )
        assert "Spark" in spark["type"], name
        assert twin["filepath"] == spark["filepath"], name
        assert twin.get("versioned", False) == spark.get("versioned", False), name


def test_row_count_reads_footers_of_the_real_index(outputs, project):
    path = project["data"] / "05_model_input" / "events" / "user_index.parquet"
    expected = len(pd.read_parquet(path))
    assert data.row_count(outputs.catalog, "events.user_index@pandas") == expected


@pytest.fixture
def open_app(monkeypatch):
    """Run the app on a project's ``test`` environment with URL query parameters."""

    def run_app(conf: Path, **query: str) -> AppTest:
        # the app reads its settings from ECOM_RECSYS_* (restored after the test)
        monkeypatch.setenv("ECOM_RECSYS_PROJECT_PATH", str(PROJECT_PATH))
        monkeypatch.setenv("ECOM_RECSYS_ENV", "test")
        monkeypatch.setenv("ECOM_RECSYS_CONF_SOURCE", str(conf))
        app = AppTest.from_file(str(APP), default_timeout=60)
        for key, value in query.items():
            app.query_params[key] = value
        return app.run()

    return run_app


def _no_problems(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    assert not app.warning, [e.value for e in app.warning]


# Tables with a row per product: the Overview and Products views must not read them.
PER_PRODUCT = {f"{s}.{t}" for s in ("events", "orders", "interactions") for t in (
    "analytics_summary", "analytics_summary@pandas", "products@pandas")}  # fmt: skip


@pytest.fixture
def loads(monkeypatch) -> list[tuple[str, dict]]:
    """Every ``data.load`` of the app (AppTest runs it in this process)."""
    seen: list[tuple[str, dict]] = []
    load = data.load

    def recording(catalog, name, **load_args):
        seen.append((name, load_args))
        return load(catalog, name, **load_args)

    monkeypatch.setattr(data, "load", recording)
    return seen


def test_overview_shows_kpis_of_the_real_events_outputs(project, open_app, loads):
    app = open_app(project["conf"], source="events", view="Overview")
    _no_problems(app)
    kpis = {m.label: m.value for m in app.metric}
    users = len(
        pd.read_parquet(project["data"] / "05_model_input/events/user_index.parquet")
    )
    products = len(
        pd.read_parquet(project["data"] / "05_model_input/events/product_index.parquet")
    )
    assert kpis["Users"] == f"{users:,}"
    assert kpis["Products"] == f"{products:,}"
    assert kpis["NDCG@10 of ALS"].startswith("0.")
    funnel = app.dataframe[0].value
    expected = pd.read_csv(project["data"] / "08_reporting/events/bi/funnel.csv")
    pd.testing.assert_frame_equal(funnel.reset_index(drop=True), expected)
    assert funnel["step"].tolist() == ["view", "cart", "remove_from_cart", "purchase"]
    assert funnel["events"].iloc[0] > funnel["events"].iloc[-1] > 0
    # the funnel is reporting's four rows, not a sum over every product
    names = {name for name, _ in loads}
    assert "events.bi_funnel" in names and not names & PER_PRODUCT


def test_user_view_shows_an_orders_customers_list_history_and_segment(
    project, open_app
):
    recs = _recs(project, "orders")
    fallback = recs[recs["source"].str.startswith("segment:")]
    user_id = fallback["user_id"].iloc[0]
    app = open_app(project["conf"], source="orders", view="User", user=user_id)
    _no_problems(app)
    shown = app.dataframe[0].value
    expected = recs[recs["user_id"] == user_id].sort_values("rank")
    assert shown["product_id"].tolist() == expected["product_id"].tolist()
    assert shown["rank"].tolist() == list(range(1, len(expected) + 1))
    segment = fallback["source"].iloc[0].split(":", 1)[1]
    assert {m.label: m.value for m in app.metric}["Segment"] == segment
    assert any(f"segment '{segment}'" in c.value for c in app.caption)
    history = app.dataframe[1].value
    assert len(history) >= 1 and "product_category" in history.columns


def test_user_view_without_an_id_shows_an_example_id(project, open_app):
    app = open_app(project["conf"], source="events", view="User")
    _no_problems(app)
    index = pd.read_parquet(
        project["data"] / "05_model_input/events/user_index.parquet"
    )
    first = index.loc[index["user_idx"] == 0, "user_id"].iloc[0]
    assert f"e.g. `{first}`" in app.caption[0].value
    assert not app.dataframe


def test_user_view_says_when_there_is_no_such_user(project, open_app):
    app = open_app(project["conf"], source="events", view="User", user="424242424242")
    assert not app.exception
    assert "No such user" in app.error[0].value
    assert not app.dataframe


def test_segments_and_model_views_on_real_outputs(project, open_app):
    app = open_app(project["conf"], source="orders", view="Segments")
    _no_problems(app)
    summary = pd.read_csv(project["data"] / "08_reporting/orders/segment_summary.csv")
    assert app.dataframe[0].value["segment"].tolist() == summary["segment"].tolist()
    top = app.dataframe[1].value
    assert len(top) >= 1 and top["rank"].tolist() == sorted(top["rank"])
    app = open_app(project["conf"], source="events", view="Model")
    _no_problems(app)
    trials = pd.read_csv(project["data"] / "08_reporting/events/tuning_trials.csv")
    assert len(app.dataframe[1].value) == len(trials)


@pytest.mark.parametrize(
    ("source", "by"), [("events", "purchases"), ("orders", "n_orders")]
)
def test_products_view_reads_the_small_top_products_table(
    project, open_app, loads, source, by
):
    app = open_app(project["conf"], source=source, view="Products")
    _no_problems(app)
    assert app.subheader[0].value == f"Top products by {by}"
    top = app.dataframe[0].value
    expected = pd.read_csv(project["data"] / f"08_reporting/{source}/top_products.csv")
    assert top.index.tolist() == list(range(1, 21))
    assert top[by].tolist() == expected[by].tolist()
    assert top[by].is_monotonic_decreasing
    assert top["product_id"].astype(str).tolist() == (
        expected["product_id"].astype(str).tolist()
    )
    names = {name for name, _ in loads}
    assert f"{source}.top_products" in names and not names & PER_PRODUCT


def test_overview_and_user_views_of_the_interactions_source(project, open_app):
    app = open_app(project["conf"], source="interactions", view="Overview")
    _no_problems(app)
    kpis = {m.label: m.value for m in app.metric}
    model_input = project["data"] / "05_model_input/interactions"
    users = len(pd.read_parquet(model_input / "user_index.parquet"))
    assert kpis["Users"] == f"{users:,}"
    quality = pd.read_csv(
        project["data"] / "08_reporting/interactions/data_quality.csv"
    )
    kept = quality.set_index("outcome").loc["kept", "rows"]
    assert kpis["Interactions (rows kept)"] == f"{kept:,}"
    assert kpis["NDCG@10 of ALS"].startswith("0.")
    assert not app.dataframe  # no funnel: the source has no event types

    recs = _recs(project, "interactions")
    user_id = recs.loc[recs["source"] == "model", "user_id"].iloc[0]
    app = open_app(project["conf"], source="interactions", view="User", user=user_id)
    _no_problems(app)
    shown = app.dataframe[0].value
    expected = recs[recs["user_id"] == user_id].sort_values("rank")
    assert shown["product_id"].tolist() == expected["product_id"].tolist()
    assert f"Served list: {len(expected)} from the model chosen on validation." in [
        c.value for c in app.caption
    ]
    history = app.dataframe[1].value
    assert len(history) >= 1 and set(history["period"]) <= {"train", "test"}


def test_an_empty_project_says_what_to_run(tmp_path, open_app):
    empty = make_project(tmp_path)
    app = open_app(empty["conf"], source="events", view="Overview")
    assert not app.exception
    assert "make run" in app.warning[0].value
    assert "kedro run --namespaces=events --env=test" in app.warning[0].value


def test_a_missing_output_names_its_pipeline(tmp_path, project, open_app):
    partial = make_project(tmp_path)
    index = "05_model_input/events/user_index.parquet"
    shutil.copytree(project["data"] / index, partial["data"] / index)
    app = open_app(partial["conf"], source="events", view="Model")
    assert not app.exception
    assert "kedro run --pipelines=reporting --namespaces=events --env=test" in (
        app.info[0].value
    )


# ---------------------------------------------------------------- a real browser
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"streamlit exited: {server.stdout.read()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"streamlit did not answer at {url} within {timeout}s")


@pytest.fixture
def browser(tmp_path):
    """Debian's chromium, headless, through chromedriver (skipped outside CI)."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        reason = (
            f"{', '.join(missing)} not installed: `apt-get install chromium "
            "chromium-driver` (.ci/run does)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from selenium import webdriver  # noqa: PLC0415
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    yield driver
    driver.quit()


@pytest.fixture
def served_dashboard(project):
    """``streamlit run`` on 127.0.0.1 against the demo project; stopped after."""
    port = _free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address=127.0.0.1", f"--server.port={port}",
        "--server.headless=true", "--browser.gatherUsageStats=false",
        "--", "--project-path", str(PROJECT_PATH), "--env", "test",
        "--conf-source", str(project["conf"]),
    ]  # fmt: skip
    server = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def test_a_browser_finds_the_recommendations_table(browser, served_dashboard, project):
    from selenium.webdriver.common.by import By  # noqa: PLC0415
    from selenium.webdriver.support import expected_conditions as ec  # noqa: PLC0415
    from selenium.webdriver.support.ui import WebDriverWait  # noqa: PLC0415

    recs = _recs(project, "events")
    user_id = recs["user_id"].iloc[0]
    served = int((recs["user_id"] == user_id).sum())
    browser.get(f"{served_dashboard}/?source=events&view=User&user={user_id}")
    table = WebDriverWait(browser, 60).until(
        ec.visibility_of_element_located(
            (By.CSS_SELECTOR, ".st-key-recommendations [data-testid='stDataFrame']")
        )
    )
    section = browser.find_element(By.CSS_SELECTOR, ".st-key-recommendations")
    assert "Recommendations" in section.text
    assert f"Served list: {served} from" in section.text
    assert table.size["height"] > 100  # a header and rows, drawn on a canvas

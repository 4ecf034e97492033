"""The Streamlit dashboard: its data access, the app on real outputs, a real browser.

The app tests run ``streamlit.testing.v1.AppTest`` on the outputs of the session's
demo run (every source), on an empty project and on one with a missing output;
the browser test starts ``streamlit run`` once and clicks through every view of
every source twice in Debian's headless chromium.
"""

from __future__ import annotations

import logging
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

from ecom_recsys.dashboard import data, formats, insights
from ecom_recsys.datasets import CommittedParquetDataset
from tests.conftest import PROJECT_PATH, latest, make_project

APP = PROJECT_PATH / "src" / "ecom_recsys" / "dashboard" / "app.py"
SERVER = APP.with_name("server.py")  # what make dashboard starts
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
VIEWS = ["Overview", "User", "Products", "Segments", "Model"]


# ---------------------------------------------------------------- pure functions
def test_id_candidates_try_a_number_then_the_text():
    assert data.id_candidates(" 512000123 ") == [512000123, "512000123"]
    assert data.id_candidates("00033486a867") == ["00033486a867"]


def test_settings_come_from_arguments_then_the_environment(tmp_path):
    environ = {"ECOM_RECSYS_ENV": "test", "ECOM_RECSYS_PROJECT_PATH": str(tmp_path)}
    assert data.parse_settings([], environ) == data.Settings(tmp_path, "test", None)
    assert data.parse_settings(["--env", "prod", "--conf-source", "c"], environ) == (
        data.Settings(tmp_path, "prod", "c")
    )


def test_list_origin_counts_each_source_of_a_served_list():
    recs = pd.DataFrame(
        {"source": ["model"] * 7 + ["segment:loyal"] * 2 + ["popularity"]}
    )
    assert data.list_origin(recs, "ALS") == (
        "7 from ALS, the model chosen on validation, 2 from the most popular "
        "products of segment 'loyal', 1 from overall popularity"
    )


def test_pipelines_are_imported_only_for_a_missing_output():
    built = []

    def writers():
        built.append(True)
        return {"events.model_metrics": "reporting"}

    outputs = data.Outputs(catalog=None, env=None, writers=writers)
    assert not built
    assert "--pipelines=reporting" in outputs.run_command("events", "model_metrics")
    assert built


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
    """Run the app on a project's ``test`` environment; ``state`` sets widgets
    by key (``source``, ``view``, ``user``, ``product``) before the first run,
    as the URL does in a browser."""

    def run_app(conf: Path, **state: str) -> AppTest:
        # the app reads its settings from ECOM_RECSYS_* (restored after the test)
        monkeypatch.setenv("ECOM_RECSYS_PROJECT_PATH", str(PROJECT_PATH))
        monkeypatch.setenv("ECOM_RECSYS_ENV", "test")
        monkeypatch.setenv("ECOM_RECSYS_CONF_SOURCE", str(conf))
        app = AppTest.from_file(str(APP), default_timeout=60)
        for key, value in state.items():
            app.session_state[key] = value
        return app.run()

    return run_app


def _no_problems(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    assert not app.warning, [e.value for e in app.warning]


def _text(app: AppTest) -> str:
    """Everything the page says in words (not in tables or charts)."""
    parts = [*app.markdown, *app.caption, *app.success, *app.info, *app.subheader]
    return "\n".join(str(p.value) for p in parts)


def _csv(project, source: str, name: str) -> pd.DataFrame:
    path = project["data"] / "08_reporting" / source / name
    return pd.read_csv(latest(path) if path.is_dir() else path)


# Tables with a row per product or user: the Overview and Products views read
# them only filtered (one product), never whole.
PER_ROW = {f"{s}.{t}" for s in ("events", "orders", "interactions") for t in (
    "analytics_summary@pandas", "products@pandas", "interactions@pandas",
    "top_recommendations_pretty@pandas")}  # fmt: skip


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


def _whole_reads(loads) -> set[str]:
    return {name for name, args in loads if name in PER_ROW and "filters" not in args}


@pytest.mark.parametrize("source", ["events", "orders", "interactions"])
def test_overview_says_what_is_served_and_how_good_in_words(
    project, open_app, loads, source
):
    app = open_app(project["conf"], source=source, view="Overview")
    _no_problems(app)
    metrics = _csv(project, source, "model_metrics.csv")
    ndcg = metrics[
        (metrics["metric"] == "ndcg") & (metrics["protocol"] == "configured")
    ]
    served = ndcg[ndcg["served"]].iloc[0]
    verdict = app.success[0].value if app.success else app.info[0].value
    name = insights.MODELS[served["model"]].name
    assert f"**{name}**" in verdict
    assert f"for {served['users_evaluated']:,} " in verdict
    # the best simple alternative on test, by name, and its NDCG
    alternatives = ndcg[ndcg["model"].isin(["popularity", "recent_popularity",
                                            "own_history"]) & (ndcg["model"] != served["model"])]  # fmt: skip
    best = alternatives.sort_values("value", ascending=False, kind="stable").iloc[0]
    assert f"against {best['value']:.3f})" in verdict
    summary = _csv(project, source, "served_summary.csv")
    others = int(summary.loc[summary["origin"] != "model", "users"].sum())
    if others:
        assert f"The other {others:,} of {summary['users'].sum():,}" in verdict
    kpis = {m.label: m.value for m in app.metric}
    users = len(
        pd.read_parquet(project["data"] / f"05_model_input/{source}/user_index.parquet")
    )
    assert kpis[formats.words(source)["users"].capitalize()] == f"{users:,}"
    charts = app.get("vega_lite_chart")
    assert len(charts) >= 2  # activity over time, top products (and the funnel)
    assert not _whole_reads(loads)


def test_user_view_shows_products_people_recognise_and_marks_what_they_had(
    project, open_app
):
    examples = _csv(project, "events", "example_users.csv")
    heavy = str(examples.loc[examples["kind"] == "heavy", "user_id"].iloc[0])
    app = open_app(project["conf"], source="events", view="User", user=heavy)
    _no_problems(app)
    recs = app.dataframe[0].value
    expected = _recs(project, "events")
    expected = expected[expected["user_id"].astype(str) == heavy].sort_values("rank")
    assert recs["rank"].tolist() == list(range(1, len(expected) + 1))
    assert not {
        "user_id",
        "user_idx",
        "item_idx",
        "score",
        "weight",
        "category_id",
    } & set(recs)
    assert not recs["product"].str.fullmatch(r"\d+").any()  # labels, not ids
    interactions = pd.read_parquet(
        project["data"] / "04_feature/events/interactions.parquet"
    )
    had = set(
        interactions.loc[interactions["user_id"].astype(str) == heavy, "product_id"]
    )
    marked = recs["seen"].str.startswith("✓")
    assert marked.tolist() == expected["product_id"].isin(had).tolist()
    history = app.dataframe[1].value
    assert set(history["period"]) <= {"before test", "test period"}
    assert not {"weight", "user_idx", "item_idx"} & set(history)
    assert len(app.get("vega_lite_chart")) == 1  # the timeline


def test_items_are_shown_by_their_titles_where_the_data_has_them(project, open_app):
    examples = _csv(project, "interactions", "example_users.csv")
    user_id = str(examples["user_id"].iloc[0])
    app = open_app(project["conf"], source="interactions", view="User", user=user_id)
    _no_problems(app)
    recs = app.dataframe[0].value
    movies = pd.read_csv(
        next((project["data"] / "01_raw/interactions_items").glob("*.csv"))
    )
    titles = set(movies["title"])
    assert recs["product"].isin(titles).all()
    assert recs["genres"].str.len().gt(0).all()


def test_user_view_of_an_orders_customer_has_segment_and_favourites(project, open_app):
    examples = _csv(project, "orders", "example_users.csv")
    cold = examples[examples["kind"] == "cold"].iloc[0]
    app = open_app(project["conf"], source="orders", view="User", user=cold["user_id"])
    _no_problems(app)
    kpis = {m.label: m.value for m in app.metric}
    assert kpis["Segment"] == cold["group"]
    assert kpis["Spent"].startswith("R$ ")
    segment = cold["list_origin"].split(":", 1)[1]
    assert f"segment '{segment}'" in _text(app)
    recs = app.dataframe[0].value
    assert recs["product"].str.contains(" · ").all()  # category · short id
    assert recs["product"].str.len().max() < 60


def test_user_view_without_a_user_offers_examples_of_each_kind(project, open_app):
    app = open_app(project["conf"], source="orders", view="User")
    _no_problems(app)
    examples = _csv(project, "orders", "example_users.csv")
    labels = [b.label for b in app.button]
    assert len(labels) == len(examples)
    markdown = [m.value for m in app.markdown]
    for kind in ("**Heavy**", "**Light**", "**Cold start**", "**Segment loyal**"):
        assert kind in markdown
    app.button[0].click().run()  # a heavy user's page
    _no_problems(app)
    assert app.session_state["user"] == str(examples["user_id"].iloc[0])
    assert app.dataframe[0].value["rank"].tolist()[0] == 1


def test_an_unknown_id_suggests_ids_that_contain_it(project, open_app):
    index = pd.read_parquet(
        project["data"] / "05_model_input/events/user_index.parquet"
    )
    some = str(index["user_id"].iloc[0])
    app = open_app(project["conf"], source="events", view="User", user=some[:-2])
    _no_problems(app)
    assert any(b.label == some for b in app.button) or len(app.button) == 8
    app = open_app(project["conf"], source="events", view="User", user="no-such-user")
    _no_problems(app)
    assert "No customer has the id `no-such-user`" in app.info[0].value


def test_another_source_starts_without_the_last_sources_user(project, open_app):
    examples = _csv(project, "events", "example_users.csv")
    app = open_app(
        project["conf"], source="events", view="User", user=str(examples["user_id"][0])
    )
    assert app.dataframe
    app.selectbox(key="source").set_value("orders").run()
    _no_problems(app)
    assert app.session_state["view"] == "User"
    assert app.selectbox(key="user").value is None
    assert not app.dataframe
    app.radio(key="view").set_value("Segments").run()
    app.selectbox(key="source").set_value("events").run()  # no Segments view
    _no_problems(app)
    assert app.radio(key="view").value == "Overview"
    assert "Segments" not in app.radio(key="view").options


@pytest.mark.parametrize("source", ["events", "orders"])
def test_products_view_charts_top_products_and_opens_a_products_page(
    project, open_app, loads, source
):
    top = _csv(project, source, "top_products.csv")
    product = str(top["product_id"].iloc[0])
    app = open_app(project["conf"], source=source, view="Products", product=product)
    _no_problems(app)
    assert len(app.get("vega_lite_chart")) >= 3  # top products, categories
    tables = [t.value for t in app.dataframe]
    shown_top = tables[0]
    assert shown_top["product"].tolist()[:3] == shown_top["product"].tolist()[:3]
    assert "product_id" not in shown_top and "rank" in shown_top
    categories = tables[1]
    if "conversion_rate" in categories:  # shares shown as percent values
        expected = _csv(project, source, "category_summary.csv")["conversion_rate"]
        assert categories["conversion_rate"].max() == pytest.approx(
            expected.max() * 100
        )
    similar = tables[2]
    pretty = pd.read_parquet(
        project["data"] / f"08_reporting/{source}/similar_products_pretty.parquet"
    )
    mine = pretty[pretty["product_id"].astype(str) == product]
    assert len(similar) == len(mine) > 0
    assert "hit rate" in _text(app) or "of the time" in _text(app)
    assert not _whole_reads(loads)


def test_segments_view_defines_every_segment(project, open_app):
    app = open_app(project["conf"], source="orders", view="Segments")
    _no_problems(app)
    table = app.dataframe[0].value
    summary = _csv(project, "orders", "segment_summary.csv")
    assert table["segment"].tolist() == summary["segment"].tolist()
    rules = dict(zip(table["segment"], table["definition"], strict=True))
    assert rules["occasional"] == "Everyone else"
    assert rules["champions"] == (
        "Bought in the last 180 days, 2+ orders, spent R$ 250.00 or more"
    )
    top = app.dataframe[1].value
    assert top["rank"].tolist() == sorted(top["rank"])


@pytest.mark.parametrize("source", ["events", "orders"])
def test_model_view_defines_every_metric_and_highlights_the_choices(
    project, open_app, source
):
    app = open_app(project["conf"], source=source, view="Model")
    _no_problems(app)
    metrics = app.table[0].value
    assert (metrics["What it means"].str.len() > 10).all()
    served = [c for c in metrics.columns if c.endswith("(served)")]
    assert len(served) == 1
    assert len(app.table) == 3  # and the two protocols side by side
    assert "New products only" in [m.value.strip("*") for m in app.markdown]
    trials = _csv(project, source, "tuning_trials.csv")
    if trials.empty:  # tuning is off for orders in conf/test
        assert "No tuning trials" in _text(app)
    else:
        assert len(app.dataframe[0].value) == len(trials)
        chosen = int(trials.loc[trials["chosen"], "trial"].iloc[0])
        assert f"**trial {chosen}**" in _text(app)


def test_every_view_of_every_source_renders_on_an_empty_project(tmp_path, open_app):
    empty = make_project(tmp_path)
    for source in ("events", "orders", "interactions"):
        for view in VIEWS:
            if view == "Segments" and source != "orders":
                continue
            app = open_app(empty["conf"], source=source, view=view)
            assert not app.exception, (source, view)
            assert "make run" in app.warning[0].value
            assert f"kedro run --namespaces={source} --env=test" in app.warning[0].value


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
            time.sleep(0.1)
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
    """``streamlit run`` on 127.0.0.1 against the demo project, as
    ``make dashboard`` starts it; stopped after."""
    port = _free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(SERVER),
        "--server.address=127.0.0.1", f"--server.port={port}",
        "--server.headless=true", "--browser.gatherUsageStats=false",
        "--client.toolbarMode=viewer",
        "--", "--project-path", str(PROJECT_PATH), "--env", "test",
        "--conf-source", str(project["conf"]),
    ]  # fmt: skip
    started = time.monotonic()
    server = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server)
        yield url, started
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


class _Page:
    """The dashboard in the browser: the sidebar's choices, and a check that
    the page shows what was asked, without an error."""

    def __init__(self, driver) -> None:
        from selenium.webdriver.common.by import By  # noqa: PLC0415
        from selenium.webdriver.support.ui import WebDriverWait  # noqa: PLC0415

        self.driver, self.by = driver, By
        self.wait = WebDriverWait(driver, 30, poll_frequency=0.05)

    def find(self, css: str):
        return self.driver.find_elements(self.by.CSS_SELECTOR, css)

    def settled(self, expected: str) -> None:
        """The header says ``expected`` and the script has finished."""

        def check(_):
            headers = self.find("[data-testid='stMain'] h2")
            running = self.find("[data-testid='stStatusWidget']")
            return bool(headers) and headers[0].text == expected and not running

        self.wait.until(check, f"the page did not show {expected!r}")
        problems = self.find(
            "[data-testid='stException'], [data-testid='stAlertContentError']"
        )
        assert not problems, [p.text for p in problems]

    def choose_source(self, source: str) -> None:
        self.find("[data-testid='stSidebar'] [data-testid='stSelectbox']")[0].click()
        options = self.wait.until(
            lambda _: [o for o in self.find("[role='option']") if o.text == source]
        )
        options[0].click()

    def click_view(self, view: str) -> None:
        options = self.find("[data-testid='stSidebar'] [data-testid='stRadioOption']")
        [o for o in options if o.text == view][0].click()


def test_a_browser_clicks_through_every_view_of_every_source_twice(
    browser, served_dashboard, project, record_property
):
    """Each click must show the view asked for (a widget rebuilt per run
    dropped every second click), and a new source starts without the last
    one's user."""
    url, started = served_dashboard
    page = _Page(browser)
    browser.get(url)  # the first page: the events overview, with its verdict
    page.wait.until(lambda _: page.find(".st-key-verdict"))
    page.settled(f"Overview: {formats.SOURCE_NAMES['events']}")
    first_page = time.monotonic() - started
    assert not page.find("[data-testid='stAppDeployButton']")

    # a shared link opens one user's page
    user_id = str(_csv(project, "events", "example_users.csv")["user_id"].iloc[0])
    browser.switch_to.new_window("tab")
    browser.get(f"{url}/?source=events&view=User&user={user_id}")
    page.settled(f"User: {formats.SOURCE_NAMES['events']}")
    assert "Served list: 10 from" in page.find(".st-key-recommendations")[0].text

    page.choose_source("orders")  # on the User view, with an events user chosen
    page.settled(f"User: {formats.SOURCE_NAMES['orders']}")
    picker = page.find("[data-testid='stMain'] [data-testid='stSelectbox'] input")[0]
    assert picker.get_attribute("value") == ""  # no other source's user, no error
    assert "Type a user id" in picker.get_attribute("placeholder")

    views = {
        source: [v for v in VIEWS if v != "Segments" or source == "orders"]
        for source in ("events", "orders", "interactions")
    }
    current, shown, clicks, slowest = "orders", "User", 0, 0.0
    for _ in range(2):
        for source, names in views.items():
            if source != current:
                page.choose_source(source)  # the view stays, if the source has it
                shown = shown if shown in names else "Overview"
                page.settled(f"{shown}: {formats.SOURCE_NAMES[source]}")
                current = source
            for view in names:
                clicked = time.monotonic()
                page.click_view(view)
                page.settled(f"{view}: {formats.SOURCE_NAMES[source]}")
                slowest = max(slowest, time.monotonic() - clicked)
                shown, clicks = view, clicks + 1
    record_property("first_page_seconds", round(first_page, 2))
    record_property("slowest_view_seconds", round(slowest, 2))
    logging.getLogger(__name__).info(
        "first page %.1f s after streamlit started; %d views clicked, the slowest "
        "in %.1f s",
        first_page,
        clicks,
        slowest,
    )

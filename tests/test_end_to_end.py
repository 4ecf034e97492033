"""End-to-end: KedroSession runs on the small ``test`` environment.

The demo data and every output go to a temporary data root, set through a copy of
the configuration whose ``test`` environment overrides ``globals.yml``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pyspark.ml.recommendation import ALSModel

from ecom_recsys.names import SOURCES
from ecom_recsys.pipelines.reporting.bi import PRODUCT_COLUMNS
from ecom_recsys.pipelines.reporting.tables import METRIC_COLUMNS
from tests.conftest import PROJECT_PATH, SHARED_DATA, latest, make_project, run

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def project(demo_project) -> dict[str, Path]:
    """The session's demo run (demo_data, then the default pipeline)."""
    return demo_project


def test_demo_data_is_written_as_raw_csv(project):
    files = sorted((project["data"] / "01_raw" / "events").glob("*.csv"))
    assert files
    header = files[0].read_text().splitlines()[0]
    assert header == (
        "event_time,event_type,product_id,category_id,category_code,brand,price,"
        "user_id,user_session"
    )


def test_metrics_are_written_and_als_beats_popularity(project):
    metrics = pd.read_csv(
        latest(project["data"] / "08_reporting/events/model_metrics.csv")
    )
    models = {"als", "hybrid", "own_history", "popularity", "recent_popularity"}
    assert set(metrics["model"]) == {*models, "random"}
    # (6 models configured + 5 new-items, no random) x (4 ranking + 2 interval
    # + 3 beyond-accuracy)
    assert len(metrics) == (6 + 5) * 9
    configured = metrics[metrics["protocol"] == "configured"]
    ndcg = configured[configured["metric"] == "ndcg"].set_index("model")["value"]
    assert ndcg["als"] > ndcg["popularity"]
    # the served model was chosen on validation among the candidates, and on the
    # demo data (built to contain what ALS finds) it beats popularity on test too
    (served,) = set(metrics.loc[metrics["served"], "model"])
    assert served in models and ndcg[served] > ndcg["popularity"]
    assert (metrics["users_evaluated"] > 100).all()


def test_every_user_is_served_k_unpurchased_items(spark, project):
    _served_checks(spark, project["data"], "events")


def test_recommendations_have_k_items_and_no_purchased_ones(spark, project):
    data = project["data"]
    recs = spark.read.parquet(
        str(latest(data / "08_reporting/events/top_recommendations_pretty.parquet"))
    )
    assert recs.groupBy("user_id").count().where("count != 10").count() == 0
    interactions = spark.read.parquet(
        str(data / "04_feature/events/interactions.parquet")
    )
    purchased = interactions.where("period = 'train' and n_purchase > 0")
    assert recs.join(purchased, ["user_id", "product_id"]).count() == 0
    assert (
        recs.where("category_code is null and brand is null and price is null").count()
        == 0
    )


def test_model_reloads_and_reports_exist(project):
    models = project["data"] / "06_models" / "events" / "als_model"
    (version,) = list(models.iterdir())
    model = ALSModel.load(str(version / "als_model"))
    chosen = json.loads(
        (project["data"] / "06_models/events/best_als_params.json").read_text()
    )
    assert model.rank == chosen["rank"]
    reporting = project["data"] / "08_reporting" / "events"
    for name in ("model_metrics.png", "funnel.png", "data_quality.csv"):
        assert (reporting / name).stat().st_size > 0
    assert (project["data"] / "08_reporting/events/analytics_summary.parquet").is_dir()


def test_registry_lists_the_pipelines_and_viz_builds(project, tmp_path):
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "1"}
    kedro = [sys.executable, "-m", "kedro"]
    listed = subprocess.run(
        [*kedro, "registry", "list"],
        cwd=PROJECT_PATH,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in ("data_processing", "feature_engineering", "modeling", "reporting"):
        assert f"- {name}" in listed
    subprocess.run(
        [*kedro, "viz", "build"],
        cwd=PROJECT_PATH,
        env=env,
        capture_output=True,
        check=True,
    )
    main = json.loads((PROJECT_PATH / "build" / "api" / "main").read_text())
    datasets = [n for n in main["nodes"] if n["type"] == "data"]
    assert datasets and all(n.get("layer") for n in datasets)
    assert {"raw", "primary", "model_input", "models", "reporting"} <= set(
        main["layers"]
    )
    # every node belongs to one source's namespace, shown as a modular pipeline
    tasks = [n for n in main["nodes"] if n["type"] == "task"]
    assert {tuple(n["modular_pipelines"]) for n in tasks} == {(s,) for s in SOURCES}
    assert set(SOURCES) <= set(main["modular_pipelines"])
    layers = {n["name"]: n["layer"] for n in datasets}
    for name in (
        "events.bi_funnel",
        "events.popularity_long_tail_chart",
        "events.tuning_trials_chart",
        "orders.bi_segments",
        "orders.bi_customers",
        "interactions.bi_recommendations",
        "interactions.bi_products",
        "interactions.bi_metrics",
        "orders.model_metrics_interactive",
    ):
        assert layers[name] == "reporting", name


def _served_checks(spark, data: Path, source: str) -> None:
    """Every user gets exactly 10 products, none of them bought before."""
    recs = spark.read.parquet(
        str(latest(data / f"08_reporting/{source}/top_recommendations_pretty.parquet"))
    )
    users = spark.read.parquet(
        str(data / f"05_model_input/{source}/user_index.parquet")
    )
    assert recs.select("user_id").distinct().count() == users.count()
    assert recs.groupBy("user_id").count().where("count != 10").count() == 0
    interactions = spark.read.parquet(
        str(data / f"04_feature/{source}/interactions.parquet")
    )
    bought = interactions.where("n_purchase > 0").select("user_id", "product_id")
    assert recs.join(bought, ["user_id", "product_id"]).count() == 0
    assert set(
        r["source"].split(":")[0] for r in recs.select("source").distinct().collect()
    ) <= {"model", "segment", "popularity"}


# The variables of order_statistics.csv, in order.
ORDER_STATISTICS = ["price", "freight_value", "order_value", "review_score"]


def test_orders_source_serves_every_customer_and_reports(spark, project):
    data = project["data"]
    _served_checks(spark, data, "orders")
    reporting = data / "08_reporting" / "orders"
    segments = pd.read_csv(reporting / "segment_summary.csv")
    features = spark.read.parquet(
        str(data / "04_feature/orders/customer_features.parquet")
    )
    assert segments["customers"].sum() == features.count()
    stats = pd.read_csv(reporting / "order_statistics.csv")
    assert list(stats["variable"]) == ORDER_STATISTICS
    groups = spark.read.parquet(str(reporting / "group_recommendations.parquet"))
    assert groups.groupBy("group").count().where("count != 10").count() == 0
    for chart in ("order_distributions", "categories", "segments", "model_metrics"):
        assert (reporting / f"{chart}.png").stat().st_size > 0


OLIST_SAMPLE = SHARED_DATA / "olist_sample"


@pytest.mark.skipif(
    not OLIST_SAMPLE.exists(),
    reason=f"real Olist sample not found at {OLIST_SAMPLE} (../shared is absent)",
)
def test_orders_pipelines_run_on_the_real_olist_sample(spark, tmp_path):
    project = make_project(tmp_path)
    raw = project["data"] / "01_raw" / "orders"
    shutil.copytree(OLIST_SAMPLE, raw)
    # What reads the real columns, up to the served lists and their metrics; the
    # similar products, BI exports and model charts read only modeling outputs,
    # which the demo run covers (28 of the 100 nodes; 32 s of 188 s alone).
    checked = [
        "data_quality",
        "top_recommendations_pretty",
        "model_metrics",
        "order_statistics",
        "categories_chart",
        "order_distributions_chart",
        "segments_chart",
    ]
    run(
        project,
        "__default__",
        namespaces=["orders"],
        to_outputs=[f"orders.{name}" for name in checked],
    )
    data = project["data"]
    reporting = data / "08_reporting" / "orders"
    stats = pd.read_csv(reporting / "order_statistics.csv")
    assert list(stats["variable"]) == ORDER_STATISTICS
    assert (stats["count"] > 0).all()
    for chart in ("categories", "order_distributions", "segments"):
        assert (reporting / f"{chart}.png").stat().st_size > 0
    quality = pd.read_csv(data / "08_reporting/orders/data_quality.csv")
    orders_in = quality[(quality["table"] == "orders") & (quality["outcome"] == "kept")]
    assert orders_in["rows"].item() == 8135
    lines = spark.read.parquet(str(data / "03_primary/orders/order_lines.parquet"))
    assert set(r[0] for r in lines.select("order_status").distinct().collect()) == {
        "delivered"
    }
    assert lines.select("order_id").distinct().count() == 5172  # delivered orders
    _served_checks(spark, data, "orders")
    metrics = pd.read_csv(latest(data / "08_reporting/orders/model_metrics.csv"))
    assert (metrics["users_evaluated"] > 0).all()


def test_generic_source_runs_a_movielens_file_end_to_end(spark, project):
    data = project["data"]
    raw = sorted((data / "01_raw" / "interactions").glob("*.csv"))
    assert raw[0].read_text().splitlines()[0] == "userId,movieId,rating,timestamp"
    recs = spark.read.parquet(
        str(
            latest(
                data / "08_reporting/interactions/top_recommendations_pretty.parquet"
            )
        )
    )
    users = spark.read.parquet(
        str(data / "05_model_input/interactions/user_index.parquet")
    )
    assert recs.select("user_id").distinct().count() == users.count()
    assert recs.groupBy("user_id").count().where("count != 10").count() == 0
    # exclude: seen -- nothing the user rated, in any period, is served
    rated = spark.read.parquet(
        str(data / "04_feature/interactions/interactions.parquet")
    )
    assert recs.join(rated, ["user_id", "product_id"]).count() == 0
    metrics = pd.read_csv(latest(data / "08_reporting/interactions/model_metrics.csv"))
    configured = metrics[metrics["protocol"] == "configured"]
    ndcg = configured[configured["metric"] == "ndcg"].set_index("model")["value"]
    assert ndcg["als"] > ndcg["popularity"] > 0


def test_tuning_trials_are_written_and_the_choice_is_used(project):
    data = project["data"]
    trials = pd.read_csv(data / "08_reporting/events/tuning_trials.csv")
    assert list(trials["rank"]) == [4, 8]  # conf/test's grid
    assert trials["chosen"].sum() == 1
    chosen = json.loads((data / "06_models/events/best_als_params.json").read_text())
    assert chosen["rank"] == int(trials.loc[trials["chosen"], "rank"].item())


ISO_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"


def _parts(folder: Path) -> pd.DataFrame:
    """A Spark CSV folder read the way Power BI's Folder source combines it."""
    files = sorted(folder.glob("part-*.csv"))
    assert files, f"no CSV part files in {folder}"
    return pd.concat([pd.read_csv(f, dtype={"last_interaction": str}) for f in files])


@pytest.mark.parametrize("source", ["events", "orders", "interactions"])
def test_bi_exports_have_the_documented_columns_and_add_up(project, source):
    data = project["data"]
    bi = data / "08_reporting" / source / "bi"
    recs = _parts(bi / "recommendations")
    assert list(recs.columns[:3]) == ["user_id", "rank", "product_id"]
    assert list(recs.columns[-2:]) == ["score", "source"]
    users = pd.read_parquet(data / f"05_model_input/{source}/user_index.parquet")
    assert len(recs) == 10 * len(users) and recs["user_id"].nunique() == len(users)
    products = _parts(bi / "products")
    assert list(products.columns) == PRODUCT_COLUMNS
    assert products["product_id"].is_unique
    assert products["recommended_users"].sum() == len(recs)
    ranks = products["popularity_rank"].dropna().astype(int).sort_values()
    assert list(ranks) == list(range(1, len(ranks) + 1))
    assert products["last_interaction"].dropna().str.match(ISO_TIME).all()
    metrics = pd.read_csv(bi / "metrics.csv")
    assert list(metrics.columns) == METRIC_COLUMNS
    assert {"als", "popularity"} <= set(metrics["model"])
    tail = pd.read_csv(bi / "popularity_long_tail.csv")
    train = pd.read_parquet(data / f"05_model_input/{source}/train.parquet")
    assert tail["products"].sum() == train["item_idx"].nunique() == len(ranks)
    assert tail["served_recommendations"].sum() == len(recs)
    assert tail["cumulative_interaction_share"].iloc[-1] == pytest.approx(1.0)
    reporting = data / "08_reporting" / source
    for chart in ("popularity_long_tail", "tuning_trials", "model_metrics"):
        assert (reporting / f"{chart}.png").stat().st_size > 0
    for chart in ("popularity_long_tail", "model_metrics"):
        page = (reporting / f"{chart}.html").read_text()
        assert "cdn.plot.ly" in page and "Plotly.newPlot" in page


def test_bi_funnel_and_segments(project):
    data = project["data"]
    funnel = pd.read_csv(data / "08_reporting/events/bi/funnel.csv")
    assert list(funnel["step"]) == ["view", "cart", "remove_from_cart", "purchase"]
    views, _, _, purchases = funnel["events"]
    assert views > purchases > 0
    assert funnel["share_of_viewers"].iloc[0] == 1.0
    bi = data / "08_reporting/orders/bi"
    segments = pd.read_csv(bi / "segments.csv")
    customers = _parts(bi / "customers")
    assert list(customers.columns[:2]) == ["user_id", "segment"]
    assert (
        segments["customers"].sum() == len(customers) == customers["user_id"].nunique()
    )
    shares = segments[["model_share", "segment_share", "popularity_share"]].sum(axis=1)
    assert shares.to_numpy() == pytest.approx(1.0)
    assert customers["first_purchase"].str.match(ISO_TIME).all()

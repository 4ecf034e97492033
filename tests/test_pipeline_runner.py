"""The pipelines run together through Kedro's SequentialRunner on in-memory data."""

from __future__ import annotations

import pandas as pd
from kedro.config import OmegaConfigLoader
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner
from kedro.validation.parameter_validator import ParameterValidator
from kedro_datasets.pandas import CSVDataset
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from ecom_recsys.datasets import ALSModelDataset
from ecom_recsys.pipelines import (
    data_processing,
    demo_data,
    feature_engineering,
    modeling,
    reporting,
)
from ecom_recsys.pipelines.demo_data.events import generate_events
from tests.conftest import PROJECT_PATH


class _MaterialisedMemoryDataset(MemoryDataset):
    """In memory, but a Spark DataFrame is computed once when saved, as a file
    would be: later nodes read it instead of recomputing its whole lineage."""

    def save(self, data):
        if isinstance(data, DataFrame):
            data = data.localCheckpoint(eager=True)
        super().save(data)


def _flatten(params: dict, prefix: str = "params:") -> dict:
    flat = {}
    for key, value in params.items():
        flat[prefix + key] = value
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
    return flat


def test_default_pipeline_runs_through_the_sequential_runner(spark, tmp_path):
    loader = OmegaConfigLoader(
        str(PROJECT_PATH / "conf"),
        base_env="base",
        default_run_env="test",
        merge_strategy={"parameters": "soft"},
    )
    pipeline = sum(
        m.create_pipeline()
        for m in (data_processing, feature_engineering, modeling, reporting)
    ).only_nodes_with_namespaces(["events"])
    # As Kedro does for a session: the node inputs typed with a parameter
    # model (demo_data.events too) get validated instances, defaults applied.
    demo = demo_data.create_pipeline().only_nodes_with_namespaces(["events"])
    typed = ParameterValidator(
        {"default": pipeline, "demo_data": demo}
    ).validate_raw_params(dict(loader["parameters"]))
    params = _flatten(typed)
    # the tuning has its own tests (and the end-to-end run tunes events)
    tuning = "params:modeling.events.tuning"
    params[tuning] = params[tuning].model_copy(update={"enabled": False})
    raw = generate_events(params["params:demo_data.events"]).withColumn(
        "_corrupt_record", F.lit(None).cast("string")
    )
    catalog = DataCatalog(
        {
            "events.raw_events": MemoryDataset(raw),
            "events.als_model": ALSModelDataset(filepath=str(tmp_path / "als")),
            "events.validation_als_model": MemoryDataset(copy_mode="assign"),
            # model_metrics feeds a chart, data_quality the gate of the clean
            # table: a file keeps each after the run.
            "events.model_metrics": CSVDataset(
                filepath=str(tmp_path / "metrics.csv"), save_args={"index": False}
            ),
            "events.data_quality": CSVDataset(
                filepath=str(tmp_path / "quality.csv"), save_args={"index": False}
            ),
            # modeling reads it back to choose the served method: the runner
            # would release it from memory after that
            "events.similar_products_metrics": CSVDataset(
                filepath=str(tmp_path / "similar.csv"), save_args={"index": False}
            ),
        }
    )
    for name, value in params.items():
        catalog[name] = value
    for name in pipeline.all_outputs() - set(catalog.keys()):
        catalog[name] = _MaterialisedMemoryDataset()
    SequentialRunner().run(pipeline, catalog)

    metrics = catalog["events.model_metrics"].load()
    assert isinstance(metrics, pd.DataFrame)
    assert sorted(set(metrics["model"])) == [
        "als",
        "hybrid",
        "own_history",
        "popularity",
        "random",
        "recent_popularity",
    ]
    # one model is served (the one validation chose), in both protocols
    served = metrics[metrics["served"]]
    assert served["model"].nunique() == 1
    assert set(served["protocol"]) == {"configured", "new_items"}
    assert sorted(set(metrics["metric"])) == [
        "coverage",
        "long_tail_share",
        "map",
        "mean_popularity",
        "ndcg",
        "ndcg_ci_high",
        "ndcg_ci_low",
        "precision",
        "recall",
    ]
    assert (metrics["users_evaluated"] > 50).all()
    # the BI export is the last reader of the served lists: the runner keeps it
    recs = catalog["events.bi_recommendations"].load()
    assert recs.groupBy("user_id").count().where("count != 10").count() == 0
    # similar products: every method on validation and test, one served
    similar = catalog["events.similar_products_metrics"].load()
    assert set(zip(similar["period"], similar["method"], strict=True)) == {
        (p, m)
        for p in ("validation", "test")
        for m in ("als", "cooccurrence", "popularity")
    }
    assert similar.loc[similar["served"], "method"].nunique() == 1
    assert (similar["pairs"] > 0).all()
    quality = catalog["events.data_quality"].load()
    assert quality.set_index("outcome").loc["kept", "rows"] == raw.count()

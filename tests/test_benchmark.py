"""The benchmark's pieces: sizes, the node timer, the memory sampler, the summary.

The benchmark itself prints figures and is run by hand (``make benchmark``);
nothing here depends on how fast the machine is.
"""

from __future__ import annotations

import time

import pytest
from kedro.pipeline import node

from ecom_recsys.benchmark import (
    MemorySampler,
    demo_parameters,
    parse_size,
    prepare_conf,
    spark_setting,
    summarise,
)
from ecom_recsys.hooks import NodeTimingHooks


def test_sizes_read_like_people_write_them():
    assert parse_size("1M") == 1_000_000
    assert parse_size("10m") == 10_000_000
    assert parse_size("500k") == 500_000
    assert parse_size("42000000") == 42_000_000
    assert parse_size("1.5M") == 1_500_000
    with pytest.raises(Exception, match="not a size"):
        parse_size("ten")


def test_spark_settings_need_a_key_and_a_value():
    assert spark_setting("spark.a.b=x=y") == "spark.a.b=x=y"
    for bad in ("spark.sql.shuffle.partitions", "=16"):
        with pytest.raises(Exception, match="not a Spark setting"):
            spark_setting(bad)


def test_demo_size_grows_users_and_products_with_the_events():
    assert demo_parameters(1_000_000) == {"n_users": 62_500, "n_products": 8_000}
    assert demo_parameters(42_000_000) == {"n_users": 2_625_000, "n_products": 168_000}
    assert demo_parameters(10) == {"n_users": 100, "n_products": 8_000}


def _node(name: str, outputs: list[str] | None = None):
    if outputs:
        return node(lambda: None, inputs=None, outputs=outputs, name=name)
    return node(lambda x: None, inputs="x", outputs=None, name=name)


def test_a_nodes_time_runs_from_its_first_load_to_its_last_save():
    timer = NodeTimingHooks()
    a, b = _node("a", ["a1", "a2"]), _node("b", ["b1"])
    timer.before_pipeline_run()
    timer.before_dataset_loaded(node=a)
    time.sleep(0.05)
    timer.before_dataset_loaded(node=a)  # a second input: still node a
    timer.before_node_run(node=a)
    timer.before_node_run(node=b)  # b overlaps a (ThreadRunner)
    assert timer.current == "b"
    time.sleep(0.05)
    timer.after_dataset_saved(node=a)  # a's first of two outputs
    timer.after_dataset_saved(node=b)
    assert timer.current == "a"
    timer.after_dataset_saved(node=a)
    assert timer.current is None
    timer.after_pipeline_run()
    assert [name for name, _ in timer.timings] == ["b", "a"]
    (_, b_seconds), (_, a_seconds) = timer.timings
    assert a_seconds >= 0.1 and b_seconds >= 0.05 and a_seconds > b_seconds


def test_a_node_without_outputs_ends_when_it_has_run():
    timer = NodeTimingHooks()
    timer.before_pipeline_run()
    c = _node("c")
    timer.before_dataset_loaded(node=c)
    timer.after_node_run(node=c)
    assert [name for name, _ in timer.timings] == ["c"]


def test_the_memory_sampler_keeps_peaks_per_node():
    current = {"node": "events.check_events"}
    sampler = MemorySampler(lambda: current["node"], interval=0.01)
    sampler.start()
    time.sleep(0.1)
    sampler.stop()
    assert sampler.peak["python_mb"] > 10  # this Python process
    assert sampler.peak["total_mb"] >= sampler.peak["python_mb"]
    assert set(sampler.per_node) == {"events.check_events"}


def test_summary_sums_stages_and_relates_evaluation_to_the_fit():
    nodes = [
        ("events.check_events", "data_processing", 10.0, {"events.events_checked": 99}),
        ("events.build_train", "feature_engineering", 4.0, {}),
        ("events.tune_als", "modeling", 30.0, {}),
        ("events.train_als", "modeling", 20.0, {}),
        ("events.evaluate_recommendations", "modeling", 5.0, {}),
        ("events.plot_funnel", "reporting", 1.5, {}),
    ]
    result = {
        "nodes": [
            {"node": n, "stage": s, "seconds": t, "output_rows": rows}
            for n, s, t, rows in nodes
        ]
    }
    summary = summarise(result)
    assert summary["stage_seconds"] == {
        "data_processing": 10.0,
        "feature_engineering": 4.0,
        "modeling": 55.0,
        "reporting": 1.5,
    }
    assert summary["raw_events"] == 99
    assert summary["als_fit_seconds"] == 20.0
    assert summary["evaluation_to_fit"] == 0.25
    assert summary["tuning_seconds"] == 30.0


def test_the_benchmark_writes_under_its_own_folder(tmp_path):
    conf = prepare_conf(tmp_path, "test", {"spark.driver.memory": "14g"})
    globals_ = (conf / "benchmark" / "globals.yml").read_text()
    assert f"data_root: {tmp_path / 'data'}" in globals_
    spark = (conf / "benchmark" / "spark.yml").read_text()
    assert "spark.driver.memory: 14g" in spark
    assert "local[2]" in spark  # the test environment's settings come along
    assert (conf / "benchmark" / "parameters_modeling.yml").exists()
    assert not any((conf / "local").iterdir())

"""Benchmark the events pipeline at a given size and write what it measured.

    python -m ecom_recsys.benchmark --events 1M 10M [--driver-memory 14g]
    make benchmark EVENTS="1M 10M" [BENCHMARK_ARGS="--driver-memory 14g"]

For each size N it generates about N demo events in the REES46 schema (reused
when already there), runs the whole events pipeline (``data_processing``,
``feature_engineering``, ``modeling``, ``reporting``) through a ``KedroSession``
in a fresh process (a fresh JVM), and records per node the wall time, the rows
of its outputs and the peak memory (resident set of the driver JVM and of
Python) while it ran. The report, with the machine and the configuration, goes
to ``benchmarks/results/benchmark-<time>.json`` and ``.csv``; a summary is
printed. Benchmarks print figures: nothing here passes or fails on time.

Each size works in ``benchmarks/work/events_<N>/``: a copy of ``conf/`` whose
``benchmark`` environment (the files of ``--env``, then ``data_root`` and the
Spark overrides given here) writes under that folder, never under ``data/``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from ecom_recsys.tracking import SWITCH

PROJECT_PATH = Path(__file__).resolve().parents[2]
SOURCE = "events"
STAGES = ("data_processing", "feature_engineering", "modeling", "reporting")
# Demo events per user with the default session and view parameters (measured).
EVENTS_PER_USER = 16.0
# Products grow with the data: 8,000 up to 1M events, then one per 250 events
# (42M events give about 170k products, as in the real October file).
MIN_PRODUCTS, EVENTS_PER_PRODUCT = 8_000, 250

logger = logging.getLogger("ecom_recsys.benchmark")


def parse_size(text: str) -> int:
    """``1M``, ``10m``, ``500k``, ``42000000`` -> an int."""
    match = re.fullmatch(r"\s*([0-9.]+)\s*([kKmM]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 1M, 500k)")
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    return int(float(match.group(1)) * scale)


def spark_setting(text: str) -> str:
    """``spark.x=y`` as given; anything without ``=`` is an argument error."""
    key, sep, _ = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(
            f"not a Spark setting: {text!r} (KEY=VALUE, e.g. spark.sql.shuffle."
            "partitions=16)"
        )
    return text


def demo_parameters(events: int) -> dict[str, int]:
    """Demo users and products for about ``events`` events."""
    return {
        "n_users": max(100, round(events / EVENTS_PER_USER)),
        "n_products": max(MIN_PRODUCTS, round(events / EVENTS_PER_PRODUCT)),
    }


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


class MemorySampler(threading.Thread):
    """Samples the resident memory of this process (Python) and of its child
    processes (the driver JVM and Spark's Python workers) every ``interval``
    seconds, and keeps the peaks, overall and per running node."""

    def __init__(self, current_node: Any, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.current_node = current_node  # a callable: the node running now
        self.interval = interval
        self.peak = {"python_mb": 0.0, "jvm_mb": 0.0, "total_mb": 0.0}
        self.per_node: dict[str, float] = {}
        self._halt = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self._halt.wait(self.interval):
            python = _rss_kb(me) / 1024
            others, stack = 0.0, _children(me)
            while stack:
                pid = stack.pop()
                others += _rss_kb(pid) / 1024
                stack.extend(_children(pid))
            total = python + others
            for key, value in (("python_mb", python), ("jvm_mb", others)):
                self.peak[key] = max(self.peak[key], value)
            self.peak["total_mb"] = max(self.peak["total_mb"], total)
            node = self.current_node()
            if node:
                self.per_node[node] = max(self.per_node.get(node, 0.0), total)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next(
                (
                    ln.split(":", 1)[1].strip()
                    for ln in f
                    if ln.startswith("model name")
                ),
                "",
            )
        with open("/proc/meminfo", encoding="ascii") as f:
            mem_kb = int(f.readline().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kb = 0
    java = subprocess.run(
        ["java", "-version"], capture_output=True, text=True, check=False
    ).stderr.splitlines()
    return {
        "hostname": platform.node(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024**2, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "java": java[0] if java else "",
    }


def prepare_conf(work: Path, env: str | None, spark: dict[str, str]) -> Path:
    """A copy of the project's ``conf/`` whose ``benchmark`` environment writes
    under ``work/data`` with the given Spark settings."""
    conf = work / "conf"
    if conf.exists():
        shutil.rmtree(conf)
    shutil.copytree(PROJECT_PATH / "conf", conf, ignore=shutil.ignore_patterns("local"))
    (conf / "local").mkdir()
    target = conf / "benchmark"
    if env and env != "base":
        shutil.copytree(PROJECT_PATH / "conf" / env, target)
    target.mkdir(exist_ok=True)
    globals_file = target / "globals.yml"
    globals_ = yaml.safe_load(globals_file.read_text()) if globals_file.exists() else {}
    globals_["data_root"] = str(work / "data")
    globals_file.write_text(yaml.safe_dump(globals_))
    if spark:
        spark_file = target / "spark.yml"
        settings = yaml.safe_load(spark_file.read_text()) if spark_file.exists() else {}
        settings.update(spark)
        spark_file.write_text(yaml.safe_dump(settings))
    return conf


def _session(conf: Path, runtime_params: dict[str, Any] | None = None) -> Any:
    from kedro.framework.session import KedroSession  # noqa: PLC0415
    from kedro.framework.startup import bootstrap_project  # noqa: PLC0415

    bootstrap_project(PROJECT_PATH)
    return KedroSession.create(
        project_path=PROJECT_PATH,
        env="benchmark",
        conf_source=str(conf),
        runtime_params=runtime_params,
    )


def generate(work: Path, conf: Path, events: int) -> float | None:
    """Generate the demo events unless the same ones are there; seconds taken."""
    params = demo_parameters(events)
    marker = work / "generated.json"
    raw = work / "data" / "01_raw" / SOURCE
    if marker.exists() and json.loads(marker.read_text()) == params and raw.exists():
        logger.info("Reusing the demo events in %s", raw)
        return None
    # the benchmark's own demo events of another size (demo data never
    # replaces raw files, so the old ones go first)
    shutil.rmtree(raw, ignore_errors=True)
    runtime = {"demo_data": {SOURCE: params}}
    started = time.perf_counter()
    with _session(conf, runtime) as session:
        session.run(pipeline_names=["demo_data"], namespaces=[SOURCE])
    seconds = time.perf_counter() - started
    marker.write_text(json.dumps(params))
    return seconds


def _count(data: Any) -> int | None:
    """Rows of a loaded output (Spark or pandas); None for anything else."""
    if hasattr(data, "count") and hasattr(data, "schema"):
        return int(data.count())
    if hasattr(data, "shape"):
        return int(data.shape[0])
    return None


def _reported_conf(conf: dict[str, str]) -> dict[str, str]:
    """The Spark settings that describe a run (not its host, port or app id)."""
    skip = (
        "spark.app.",
        "spark.driver.host",
        "spark.driver.port",
        "spark.sql.warehouse.dir",
    )
    return {
        k: v
        for k, v in sorted(conf.items())
        if k.startswith("spark.") and not k.startswith(skip)
    }


def run_pipeline(conf: Path) -> dict[str, Any]:
    """Run the events pipeline once; per node: seconds, peak memory, output rows."""
    from kedro.framework.project import pipelines, settings  # noqa: PLC0415
    from pyspark.sql import SparkSession  # noqa: PLC0415

    from ecom_recsys.hooks import NodeTimingHooks  # noqa: PLC0415

    with _session(conf) as session:  # (configures the project's settings)
        timer = next(h for h in settings.HOOKS if isinstance(h, NodeTimingHooks))
        context = session.load_context()  # builds the SparkSession
        sampler = MemorySampler(lambda: timer.current)
        sampler.start()
        started = time.perf_counter()
        try:
            session.run(pipeline_names=["__default__"], namespaces=[SOURCE])
        finally:
            seconds = time.perf_counter() - started
            sampler.stop()
        catalog = context.catalog
        stage_of = {n.name: stage for stage in STAGES for n in pipelines[stage].nodes}
        nodes = pipelines["__default__"].only_nodes_with_namespaces([SOURCE]).nodes
        outputs = {n.name: n.outputs for n in nodes}
        rows = []
        for name, node_seconds in timer.timings:
            counts = {}
            for output in outputs.get(name, []):
                try:
                    counts[output] = _count(catalog.load(output))
                except Exception:  # noqa: BLE001 - e.g. models, charts, memory data
                    counts[output] = None
            rows.append(
                {
                    "node": name,
                    "stage": stage_of.get(name, ""),
                    "seconds": round(node_seconds, 2),
                    "peak_memory_mb": round(sampler.per_node.get(name, 0.0)),
                    "output_rows": counts,
                }
            )
        spark = SparkSession.getActiveSession()
        spark_conf = dict(spark.conf.getAll) if spark else {}
        params = context.params
    return {
        "pipeline_seconds": round(seconds, 1),
        "peak_memory_mb": {k: round(v) for k, v in sampler.peak.items()},
        "nodes": rows,
        "spark_conf": _reported_conf(spark_conf),
        # the typed values the nodes received, defaults applied
        "parameters": {
            "als": params["modeling"][SOURCE]["als"].model_dump(),
            "tuning": params["modeling"][SOURCE]["tuning"].model_dump(),
            "split": params["feature_engineering"][SOURCE]["split"].model_dump(),
        },
    }


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    """Stage totals and the ratios the targets are about."""
    nodes = result["nodes"]
    per_stage = {s: 0.0 for s in STAGES}
    for n in nodes:
        if n["stage"]:
            per_stage[n["stage"]] += n["seconds"]

    def seconds(suffix: str) -> float:
        return sum(n["seconds"] for n in nodes if n["node"].endswith(suffix))

    fit, evaluation = seconds(".train_als"), seconds(".evaluate_recommendations")
    raw_rows = next(
        (
            n["output_rows"].get(f"{SOURCE}.events_checked")
            for n in nodes
            if n["node"] == f"{SOURCE}.check_events"
        ),
        None,
    )
    return {
        "stage_seconds": {k: round(v, 1) for k, v in per_stage.items()},
        "raw_events": raw_rows,
        "als_fit_seconds": round(fit, 1),
        "evaluation_seconds": round(evaluation, 1),
        "tuning_seconds": round(seconds(".tune_als"), 1),
        "evaluation_to_fit": round(evaluation / fit, 2) if fit else None,
    }


def child(args: argparse.Namespace) -> None:
    """One size, in this process: generate, run, write ``result.json``."""
    work = Path(args.work_dir).resolve() / f"{SOURCE}_{args.child}"
    work.mkdir(parents=True, exist_ok=True)
    spark = {"spark.driver.memory": args.driver_memory} if args.driver_memory else {}
    spark.update(dict(kv.split("=", 1) for kv in args.spark_conf))
    conf = prepare_conf(work, args.env, spark)
    generate_seconds = generate(work, conf, args.child)
    if args.fresh_outputs:
        for layer in (
            "02_intermediate",
            "03_primary",
            "04_feature",
            "05_model_input",
            "06_models",
            "07_model_output",
            "08_reporting",
        ):
            shutil.rmtree(work / "data" / layer, ignore_errors=True)
    result = run_pipeline(conf)
    result.update(
        {
            "events_requested": args.child,
            "demo_parameters": demo_parameters(args.child),
            "generate_seconds": None
            if generate_seconds is None
            else round(generate_seconds, 1),
            "env": args.env or "base",
        }
    )
    result.update(summarise(result))
    (work / "result.json").write_text(json.dumps(result, indent=2, default=str))


def _table(results: list[dict[str, Any]]) -> str:
    lines = [
        f"{'events':>12} {'pipeline s':>10} {'dp':>7} {'fe':>7} {'model':>7} "
        f"{'report':>7} {'tune':>7} {'fit':>7} {'eval':>7} {'eval/fit':>8} "
        f"{'JVM peak MB':>11} {'Py peak MB':>10}"
    ]
    for r in results:
        s = r["stage_seconds"]
        lines.append(
            f"{r['raw_events'] or r['events_requested']:>12} {r['pipeline_seconds']:>10}"
            f" {s['data_processing']:>7} {s['feature_engineering']:>7}"
            f" {s['modeling']:>7} {s['reporting']:>7} {r['tuning_seconds']:>7}"
            f" {r['als_fit_seconds']:>7} {r['evaluation_seconds']:>7}"
            f" {r['evaluation_to_fit']!s:>8} {r['peak_memory_mb']['jvm_mb']:>11}"
            f" {r['peak_memory_mb']['python_mb']:>10}"
        )
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ecom_recsys.benchmark")
    parser.add_argument(
        "--events",
        nargs="+",
        type=parse_size,
        default=[1_000_000],
        help="sizes to run, e.g. 1M 10M 42M (default 1M)",
    )
    parser.add_argument("--env", help="configuration environment to start from")
    parser.add_argument("--driver-memory", help="spark.driver.memory, e.g. 14g")
    parser.add_argument(
        "--spark-conf",
        nargs="*",
        type=spark_setting,
        default=[],
        metavar="KEY=VALUE",
        help="other Spark settings for this benchmark",
    )
    parser.add_argument("--work-dir", default=str(PROJECT_PATH / "benchmarks/work"))
    parser.add_argument("--out", default=str(PROJECT_PATH / "benchmarks/results"))
    parser.add_argument(
        "--keep-outputs",
        dest="fresh_outputs",
        action="store_false",
        help="do not delete the previous run's outputs first",
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    return parser


def _run_size(args: argparse.Namespace, events: int) -> dict[str, Any]:
    """Benchmark ``events`` in a child process (a fresh JVM); its result."""
    logger.info("Benchmark: %d events", events)
    command = [sys.executable, "-m", "ecom_recsys.benchmark", "--child", str(events)]
    for flag in ("env", "driver_memory", "work_dir"):
        if getattr(args, flag):
            command += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
    if args.spark_conf:
        command += ["--spark-conf", *args.spark_conf]
    if not args.fresh_outputs:
        command.append("--keep-outputs")
    subprocess.run(command, check=True, cwd=PROJECT_PATH)
    work = Path(args.work_dir).resolve() / f"{SOURCE}_{events}"
    return json.loads((work / "result.json").read_text())


def _report(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The machine, every run, and the time ratio from 10M to the largest size."""
    report = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "runs": results,
    }
    by_size = {r["events_requested"]: r["pipeline_seconds"] for r in results}
    if 10_000_000 in by_size and max(by_size) > 10_000_000:
        big = max(by_size)
        report["scaling"] = {
            "sizes": [10_000_000, big],
            "time_ratio": round(by_size[big] / by_size[10_000_000], 2),
            "size_ratio": round(big / 10_000_000, 2),
        }
    return report


def _write(report: dict[str, Any], out: Path) -> Path:
    """``benchmark-<time>.json`` and a ``.csv`` of every node of every run."""
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"benchmark-{stamp}.json").write_text(json.dumps(report, indent=2))
    with open(out / f"benchmark-{stamp}.csv", "w", encoding="utf-8") as f:
        f.write("events,node,stage,seconds,peak_memory_mb,output_rows\n")
        for r in report["runs"]:
            for n in r["nodes"]:
                rows = ";".join(f"{k}={v}" for k, v in n["output_rows"].items())
                f.write(
                    f"{r['events_requested']},{n['node']},{n['stage']},"
                    f"{n['seconds']},{n['peak_memory_mb']},{rows}\n"
                )
    return out / f"benchmark-{stamp}.json"


def main(argv: list[str] | None = None) -> int:
    """Benchmark each size in its own process and write the report."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    # untracked unless asked: logging the model would count in train_als's time
    os.environ.setdefault(SWITCH, "0")
    if args.child:
        child(args)
        return 0
    report = _report([_run_size(args, events) for events in args.events])
    path = _write(report, Path(args.out))
    print(_table(report["runs"]))  # noqa: T201 - the benchmark's report
    if "scaling" in report:
        print(f"time ratio {report['scaling']}")  # noqa: T201
    print(f"Report: {path} (and .csv)")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())

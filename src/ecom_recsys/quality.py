"""The quality report: the pipeline on real datasets, and one table of every
model's test metrics per dataset, split and protocol.

Each dataset runs through ``data_processing``, ``feature_engineering`` and
``modeling`` of its source in a temporary data folder (the project's own data
is not touched), once per split strategy; the table says which model validation
chose to serve, and gives NDCG@K with a 95% interval over users::

    python -m ecom_recsys.quality                      # every dataset found
    python -m ecom_recsys.quality --datasets movielens_small --splits user_time

See docs/evaluation.md for what the columns mean.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from omegaconf import OmegaConf

from ecom_recsys.tracking import SWITCH

PROJECT = Path(__file__).resolve().parents[2]
SHARED_DATA = PROJECT.parent / "shared" / "data"

# Real public datasets (../shared/data/README.md): the source that reads each,
# its raw files (relative to the dataset folder -> relative to 01_raw/<source>),
# and global cut-offs inside its time range for the `time` split.
DATASETS: dict[str, dict[str, Any]] = {
    "movielens_small": {
        "source": "interactions",
        "files": {"ratings.csv": "ratings.csv"},
        "time": {"validation_start": "2017-06-01", "test_start": "2018-01-01"},
    },
    "rees46_head": {
        "source": "events",
        "files": {"2019-Oct-head.csv": "2019-Oct-head.csv"},
        "time": {
            "validation_start": "2019-10-01 02:00:00",
            "test_start": "2019-10-01 02:20:00",
        },
    },
    "olist_sample": {
        "source": "orders",
        "files": {"*.csv": ""},
        "time": {"validation_start": "2018-03-01", "test_start": "2018-06-01"},
    },
}
SPLITS = ("time", "user_time")
METRICS = [
    "ndcg",
    "ndcg_ci_low",
    "ndcg_ci_high",
    "precision",
    "recall",
    "map",
    "coverage",
]
COLUMNS = [
    "dataset",
    "split",
    "protocol",
    "model",
    "served",
    *METRICS,
    "users_evaluated",
    "users_cold",
    "note",
]

logger = logging.getLogger(__name__)


def split_params(dataset: str, split: str) -> dict[str, Any]:
    """The ``feature_engineering.<source>.split`` block of ``split`` for
    ``dataset`` (``--params`` form: every key set, so nothing of the
    configured split is left over)."""
    if split == "time":
        return {"strategy": "time", **DATASETS[dataset]["time"]}
    return {"strategy": split, "test_start": None, "validation_start": None}


def copy_raw(dataset: str, shared: Path, data_root: Path) -> None:
    """The dataset's raw files into ``<data_root>/01_raw/<source>/``."""
    spec = DATASETS[dataset]
    target = data_root / "01_raw" / spec["source"]
    target.mkdir(parents=True, exist_ok=True)
    for pattern, name in spec["files"].items():
        for file in sorted((shared / dataset).glob(pattern)):
            shutil.copy(file, target / (name or file.name))


def latest(path: Path) -> Path:
    """The newest version of a versioned file (``<path>/<version>/<name>``)."""
    versions = sorted(p for p in path.iterdir() if (p / path.name).exists())
    if not versions:
        raise FileNotFoundError(f"no complete version of {path}")
    return versions[-1] / path.name


def metrics_table(
    data_root: Path, source: str, dataset: str, split: str
) -> pd.DataFrame:
    """One row per protocol and model of a run's test metrics (wide: a column
    per metric), with the served model marked."""
    outputs = data_root / "07_model_output" / source
    metrics = pd.read_csv(latest(outputs / "ranking_metrics.csv"))
    served = json.loads((outputs / "served_model.json").read_text())["model"]
    metrics = metrics[metrics["metric"].isin(METRICS)]
    wide = metrics.pivot_table(
        index=["protocol", "model"],
        columns="metric",
        values="value",
        aggfunc="first",
    ).reset_index()
    users = metrics.groupby(["protocol", "model"])[
        ["users_evaluated", "users_cold"]
    ].first()
    wide = wide.join(users, on=["protocol", "model"])
    wide.insert(0, "split", split)
    wide.insert(0, "dataset", dataset)
    wide["served"] = wide["model"] == served
    return wide.reindex(columns=COLUMNS)


def run_params(source: str, split: dict[str, Any], overrides: str = "") -> dict:
    """Runtime parameters: ``overrides`` as with ``kedro run --params`` (e.g.
    ``modeling.interactions.als.rank=64``), then the split of the source. A
    comma starts a new pair only before ``key=``, so a value can be a list
    (``modeling.interactions.tuning.grid.alpha=[0.1,0.3]``)."""
    pairs = re.split(r",(?=[\w.]+=)", overrides)
    given = OmegaConf.from_dotlist([o for o in pairs if o])
    split_block = {"feature_engineering": {source: {"split": split}}}
    return OmegaConf.to_container(OmegaConf.merge(given, split_block))


def run_one(
    dataset: str, split: str, shared: Path, work: Path, overrides: str = ""
) -> pd.DataFrame:
    """The pipeline of ``dataset``'s source on a fresh copy of its files with
    ``split`` and the parameter ``overrides`` (``run_params``), in ``work``;
    its metrics table."""
    source = DATASETS[dataset]["source"]
    conf = work / "conf"
    shutil.copytree(PROJECT / "conf", conf)
    data_root = work / "data"
    (conf / "local").mkdir(exist_ok=True)
    (conf / "local" / "globals.yml").write_text(f"data_root: {data_root}\n")
    copy_raw(dataset, shared, data_root)
    params = run_params(source, split_params(dataset, split), overrides)
    bootstrap_project(PROJECT)
    with KedroSession.create(
        project_path=PROJECT, conf_source=str(conf), runtime_params=params
    ) as session:
        session.run(
            pipeline_names=["data_processing", "feature_engineering", "modeling"],
            namespaces=[source],
        )
    return metrics_table(data_root, source, dataset, split)


def quality_report(
    datasets: Sequence[str],
    splits: Sequence[str],
    shared: Path = SHARED_DATA,
    overrides: str = "",
) -> pd.DataFrame:
    """Every dataset under every split, with the parameter ``overrides``: one
    table (``COLUMNS``)."""
    tables = []
    for dataset in datasets:
        for split in splits:
            with tempfile.TemporaryDirectory(prefix=f"quality-{dataset}-") as work:
                try:
                    tables.append(
                        run_one(dataset, split, shared, Path(work), overrides)
                    )
                except Exception as error:  # noqa: BLE001 - reported in the table
                    logger.warning("%s with %s split: %s", dataset, split, error)
                    note = str(error).strip().splitlines()[-1][:300]
                    tables.append(
                        pd.DataFrame(
                            [{"dataset": dataset, "split": split, "note": note}]
                        )
                    )
    return pd.concat(tables, ignore_index=True).reindex(columns=COLUMNS)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the report, print it and write it as CSV."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    found = [d for d in DATASETS if (SHARED_DATA / d).is_dir()]
    parser.add_argument("--datasets", default=",".join(found))
    parser.add_argument("--splits", default=",".join(SPLITS))
    parser.add_argument("--shared", type=Path, default=SHARED_DATA)
    parser.add_argument(
        "--params",
        default="",
        help="as kedro run --params: key.path=value pairs separated by commas",
    )
    parser.add_argument(
        "--out", type=Path, default=PROJECT / "data" / "08_reporting" / "quality.csv"
    )
    args = parser.parse_args(argv)
    # untracked unless asked (ECOM_RECSYS_MLFLOW=1): runs of other datasets
    # would crowd the experiment that compares the project's own runs
    os.environ.setdefault(SWITCH, "0")
    datasets = [d for d in args.datasets.split(",") if d]
    if not datasets:
        parser.error(f"no dataset found in {args.shared}; name one with --datasets")
    unknown = sorted(set(datasets) - set(DATASETS))
    if unknown:
        parser.error(f"unknown dataset(s) {unknown}; known: {list(DATASETS)}")
    table = quality_report(datasets, args.splits.split(","), args.shared, args.params)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False)
    with pd.option_context("display.width", 200, "display.max_columns", None):
        print(table.round(4).to_string(index=False))  # noqa: T201 - the report
    print(f"\nWritten to {args.out}")  # noqa: T201


if __name__ == "__main__":
    main()

"""File-level failures end in one line, the full trace in the log (issue 14,
item 9): a full disk, a read-only data folder. ``kedro run`` is the project's
``ecom_recsys.cli.run``, invoked as the terminal does; the timestamp format of a
whole file is a case of ``tests/test_bad_input.py``."""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path
from unittest import mock

import pytest
from click.testing import CliRunner
from kedro.framework.startup import bootstrap_project
from kedro.io.core import DatasetError

from ecom_recsys.cli import cli
from ecom_recsys.datasets import HeaderCSVDataset
from ecom_recsys.faults import explain
from ecom_recsys.pipelines.data_processing.quarantine import TimestampFormatError
from tests.conftest import PROJECT_PATH, make_project

# What Spark raises when the disk fills while it writes: a Py4JJavaError whose
# text is the whole Java trace, the cause near its end.
JAVA_TRACE = "\n".join(
    [
        "An error occurred while calling o123.save.",
        "org.apache.spark.SparkException: [TASK_WRITE_FAILED] Task failed while "
        "writing rows to file:/data/08_reporting/events/bi/recommendations.",
        *(
            f"\tat org.apache.spark.Something.method{i}(Something.scala:{i})"
            for i in range(1700)
        ),
        "Caused by: java.io.IOException: No space left on device",
        "\tat java.base/java.io.FileOutputStream.writeBytes(Native Method)",
    ]
)


class FakeJavaError(Exception):
    """Stands for py4j's Py4JJavaError (its str() is the Java trace)."""


def _spark_save_error(path: str) -> DatasetError:
    error = DatasetError(
        f"Failed while saving data to dataset CommittedSparkDataset(filepath='{path}', "
        f"file_format='csv').\n{JAVA_TRACE}"
    )
    error.__cause__ = FakeJavaError(JAVA_TRACE)
    return error


def test_a_full_disk_deep_in_a_java_trace_is_one_line():
    path = "file:///data/08_reporting/events/bi/recommendations"
    line = explain(_spark_save_error(path))
    assert line.startswith(f"No space left on device while writing {path}:")
    assert "conf/base/globals.yml" in line and "\n" not in line


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (OSError(errno.ENOSPC, "No space left on device", "/d/x.csv"), "No space"),
        (
            PermissionError(errno.EACCES, "Permission denied", "/d/x.csv"),
            "Cannot write",
        ),
        (OSError(errno.EROFS, "Read-only file system", "/d/x.csv"), "Cannot write"),
    ],
)
def test_python_file_errors_name_the_file(error, words):
    line = explain(DatasetError("Failed while saving data"))
    assert line is None  # not a file-level fault
    wrapped = DatasetError("Failed while saving data")
    wrapped.__cause__ = error
    line = explain(wrapped)
    assert line.startswith(words) and "/d/x.csv" in line


def _kedro_run(project: dict[str, Path], tmp_path: Path, *args: str):
    """``kedro run`` through the project's CLI, as from a terminal."""
    bootstrap_project(PROJECT_PATH)
    log = tmp_path / "run.log"
    with mock.patch.dict(os.environ, {"ECOM_RECSYS_RUN_LOG": str(log)}):
        result = CliRunner().invoke(
            cli,
            ["run", "--env=test", f"--conf-source={project['conf']}", *args],
            catch_exceptions=False,
        )
    return result, log


def test_a_full_disk_during_a_run_ends_in_one_line_and_the_trace_is_logged(
    spark, tmp_path
):
    project = make_project(tmp_path)
    target = str(project["data"] / "01_raw/interactions")

    def full_disk(self, data):
        java = FakeJavaError(
            JAVA_TRACE.replace("/data/08_reporting/events/bi/recommendations", target)
        )
        raise DatasetError(f"Failed while saving data to dataset {self}") from java

    # Kedro wraps a dataset class's save when the class is created: patch the
    # raw dataset's own save, whenever the class was first imported.
    with mock.patch.object(HeaderCSVDataset, "save", full_disk):
        result, log = _kedro_run(
            project, tmp_path, "--pipelines=demo_data", "--namespaces=interactions"
        )
    assert result.exit_code == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("No space left on device while writing ")
    assert "interactions" in last and "conf/base/globals.yml" in last
    assert f"Full trace: {log}" in last
    text = log.read_text()
    assert "Caused by: java.io.IOException: No space left on device" in text
    assert "Something.method1699" in text  # the whole trace


def _read_only(folder: Path) -> str | None:
    """Make ``folder`` read-only for this process; the reason when impossible."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return None
    # root writes through permissions: mount a read-only file system there
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        return "running as root, and mounting a read-only tmpfs is not allowed here"
    return None


def test_a_read_only_data_folder_stops_the_run_before_it_starts(spark, tmp_path):
    project = make_project(tmp_path)
    raw = project["data"] / "01_raw"
    raw.mkdir(parents=True)
    reason = _read_only(raw)
    if reason:
        pytest.skip(reason)
    try:
        result, _ = _kedro_run(
            project, tmp_path, "--pipelines=demo_data", "--namespaces=interactions"
        )
        assert result.exit_code == 1
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith(f"Cannot write to {raw},"), last
        assert "chmod -R u+w" in last and "data_root" in last
        assert not any(raw.iterdir())  # nothing written
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", str(raw)], check=False)
        else:
            raw.chmod(0o755)


def test_a_whole_file_in_another_timestamp_format_ends_in_its_hint():
    hint = "x.csv: no value of column 'event_time' is a time in the format ..."
    error = DatasetError("node failed")
    error.__cause__ = TimestampFormatError("Table 'events': 20 of 20 rows", hint)
    assert explain(error) == hint

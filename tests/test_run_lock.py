"""One run at a time per data root: the lock, its takeover and its message."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ecom_recsys.run_lock import (
    LOCK_NAME,
    RunLockError,
    acquire,
    local_root,
    release,
)
from tests.conftest import make_project, run


def _hold(lock: Path, pid: int, host: str | None = None) -> None:
    lock.parent.mkdir(parents=True, exist_ok=True)
    holder = {
        "pid": pid,
        "host": host or socket.gethostname(),
        "started": "2026-11-28T06:00:00+00:00",
        "command": "kedro run",
    }
    lock.write_text(json.dumps(holder))


@pytest.fixture
def other_process():
    """A live process that is not this one."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


def test_a_live_holder_refuses_a_second_run_and_a_dead_one_is_taken_over(
    tmp_path, other_process, caplog
):
    lock = tmp_path / "data" / LOCK_NAME
    _hold(lock, other_process.pid)
    with pytest.raises(RunLockError) as error:
        acquire(lock)
    assert str(error.value) == (
        f"Another run uses the data folder {lock.parent}: pid {other_process.pid} "
        f"on {socket.gethostname()}, started 2026-11-28T06:00:00+00:00 (kedro "
        f"run). Wait for it to finish; if that process is gone, delete {lock}."
    )
    other_process.kill()
    other_process.wait()
    with caplog.at_level(logging.WARNING, logger="ecom_recsys.run_lock"):
        acquire(lock)
    assert "Taking over the lock of a run that is gone" in caplog.text
    assert json.loads(lock.read_text())["pid"] == os.getpid()
    release(lock)
    assert not lock.exists()


def test_a_lock_of_another_host_is_never_taken_over(tmp_path):
    lock = tmp_path / LOCK_NAME
    _hold(lock, 1, host="another-host")
    with pytest.raises(RunLockError, match="pid 1 on another-host"):
        acquire(lock)
    release(lock)  # not ours: left alone
    assert lock.exists()


def test_a_half_written_lock_of_a_killed_run_is_taken_over(tmp_path):
    lock = tmp_path / LOCK_NAME
    lock.write_text('{"pid": 12')
    with pytest.raises(RunLockError):  # it may still be being written
        acquire(lock)
    old = lock.stat().st_mtime - 60
    os.utime(lock, (old, old))
    acquire(lock)
    assert json.loads(lock.read_text())["pid"] == os.getpid()


def test_only_local_data_roots_are_locked(tmp_path):
    assert local_root("data", tmp_path) == tmp_path / "data"
    assert local_root("/srv/data", tmp_path) == Path("/srv/data")
    assert local_root("file:///srv/data", tmp_path) == Path("/srv/data")
    assert local_root("hdfs:///user/me/data", tmp_path) is None
    assert local_root("s3a://bucket/data", tmp_path) is None


@pytest.mark.e2e
def test_a_kedro_run_stops_before_reading_anything_when_the_data_is_in_use(
    spark, tmp_path, other_process
):
    project = make_project(tmp_path)
    lock = project["data"] / LOCK_NAME
    _hold(lock, other_process.pid)
    # no raw data either: the lock is checked first, before the raw files
    with pytest.raises(RunLockError, match=f"pid {other_process.pid}"):
        run(project, "data_processing", ["events"])
    assert sorted(p.name for p in project["data"].iterdir()) == [LOCK_NAME]

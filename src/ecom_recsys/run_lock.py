"""One run at a time per data root: a lock file that names its holder.

Two ``kedro run`` on the same data folder write the same Spark ``_temporary``
folders and versions, and one of them crashes half-way. A run takes
``<data_root>/.run.lock`` (holder pid, host, start time and command) before its
first node and gives it back when it ends; a second run is refused with who
holds it. A lock left by a process that no longer runs (a killed run) is taken
over with a warning. Only local data roots are locked: on shared storage
(``hdfs://``, ``s3a://``...) no atomic create is guaranteed, so the docs ask
for one run at a time there.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kedro.framework.context import KedroContext
from kedro.framework.hooks import hook_impl

logger = logging.getLogger(__name__)

LOCK_NAME = ".run.lock"
# a lock still unreadable after this long was left half-written by a killed run
UNREADABLE_SECONDS = 10


class RunLockError(RuntimeError):
    """Another run holds the data root."""


def local_root(data_root: str, project_path: Path) -> Path | None:
    """The data root as a local folder, or None for remote storage."""
    if data_root.startswith("file://"):
        data_root = data_root.removeprefix("file://")
    elif "://" in data_root:
        return None
    root = Path(data_root)
    return root if root.is_absolute() else project_path / root


def _alive(pid: int) -> bool:
    """True when process ``pid`` runs on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # runs, as another user
        return True
    return True


def _holder(lock: Path) -> dict[str, Any]:
    try:
        return json.loads(lock.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # half-written by a process killed at that instant


def _stale(lock: Path, holder: dict[str, Any]) -> bool:
    """A lock of this host whose process is gone (or is this very process: a
    session before this one in the same process that stopped early), or one
    left unreadable for more than a few seconds (its writer was killed)."""
    if not holder:
        return time.time() - lock.stat().st_mtime > UNREADABLE_SECONDS
    if holder.get("host") != socket.gethostname():
        return False
    pid = holder.get("pid")
    return not isinstance(pid, int) or pid == os.getpid() or not _alive(pid)


def acquire(lock: Path) -> None:
    """Create ``lock`` for this process, taking over a stale one.

    Raises:
        RunLockError: When a live process holds it, with who, since when and
            what to do.
    """
    lock.parent.mkdir(parents=True, exist_ok=True)
    me = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
    }
    for _ in range(2):
        try:
            with open(lock, "x", encoding="utf-8") as file:
                json.dump(me, file)
            # also given back when a later check before the first node fails
            # (Kedro calls no end-of-run hook then) and the process exits
            atexit.register(release, lock)
            return
        except FileExistsError:
            holder = _holder(lock)
            if not _stale(lock, holder):
                raise RunLockError(
                    f"Another run uses the data folder {lock.parent}: pid "
                    f"{holder.get('pid')} on {holder.get('host')}, started "
                    f"{holder.get('started')} ({holder.get('command')}). Wait for it "
                    f"to finish; if that process is gone, delete {lock}."
                ) from None
            logger.warning(
                "Taking over the lock of a run that is gone (pid %s, started %s): %s",
                holder.get("pid"),
                holder.get("started"),
                lock,
            )
            lock.unlink(missing_ok=True)
    raise RunLockError(f"Could not take {lock}: another run took it at that moment.")


def release(lock: Path) -> None:
    """Remove ``lock`` if this process holds it."""
    if _holder(lock).get("pid") == os.getpid():
        lock.unlink(missing_ok=True)


class RunLockHooks:
    """Hold the data root's lock from the first node to the end of the run."""

    def __init__(self) -> None:
        self.lock: Path | None = None

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        """Find the data root of this environment."""
        root = local_root(
            str(context.config_loader["globals"]["data_root"]), context.project_path
        )
        self.lock = None if root is None else root / LOCK_NAME

    @hook_impl
    def before_pipeline_run(self) -> None:
        """Take the lock, or stop before anything is read or written."""
        if self.lock is not None:
            acquire(self.lock)

    @hook_impl
    def after_pipeline_run(self) -> None:
        """Give the lock back."""
        if self.lock is not None:
            release(self.lock)

    @hook_impl
    def on_pipeline_error(self) -> None:
        """Give the lock back after a failed run too."""
        if self.lock is not None:
            release(self.lock)

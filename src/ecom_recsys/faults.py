"""File-level failures in one line: what failed, on which file or folder, and the fix.

A full disk or a read-only data folder surfaces from Spark as a Java trace of
hundreds of lines, with the cause in a ``Caused by:`` line somewhere in it.
``explain`` reads the whole chain of an error (Python causes, and the Java
trace text a Spark error carries) and gives one line for the faults a user can
fix, or None for the others. ``ecom_recsys.cli`` prints that line last and
keeps the full trace in the log file.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.pipeline import Pipeline

# Kedro's dataset errors name the path: "...Dataset(filepath='/x', ...)" or
# "filepath=PurePosixPath('/x')"; Spark and Java name it in their messages.
_FILEPATH = re.compile(r"filepath=(?:PurePosixPath\()?'([^']+)'")
_JAVA_PATH = re.compile(r"(?:file:|hdfs://|s3a://|abfss?://)[^\s'\"(),]+")
_PYTHON_PATH = re.compile(r"\[Errno \d+\] [^:]+: '([^']+)'")

_NO_SPACE = ("no space left on device", "disk quota exceeded")
_DENIED = (
    "permission denied",
    "read-only file system",
    "accessdeniedexception",
    "mkdirs failed to create",
)


class OutputFolderError(RuntimeError):
    """An output folder cannot be written (found before the run starts)."""


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _where(texts: list[str], errors: list[BaseException]) -> str | None:
    """The file or folder the error is about: a Python error's file name, the
    dataset's path, or the first path in a Java message."""
    for error in errors:
        name = getattr(error, "filename", None)
        if name:
            return str(name)
    for pattern in (_FILEPATH, _PYTHON_PATH, _JAVA_PATH):
        for text in texts:
            found = pattern.search(text)
            if found:
                return found.group(1) if pattern.groups else found.group(0)
    return None


def _has(errors: list[BaseException], texts: list[str], codes, words) -> bool:
    if any(getattr(e, "errno", None) in codes for e in errors):
        return True
    return any(word in text.lower() for text in texts for word in words)


def explain(error: BaseException) -> str | None:
    """One line for a file-level fault anywhere in ``error``'s chain, else None."""
    errors = list(_chain(error))
    for known in errors:
        if isinstance(known, OutputFolderError):
            return str(known)
        hint = getattr(known, "hint", None)  # TimestampFormatError
        if isinstance(hint, str):
            return hint
    texts = [str(e) for e in errors]
    where = _where(texts, errors)
    place = f" {where}" if where else " the data folder"
    if _has(errors, texts, {errno.ENOSPC, errno.EDQUOT}, _NO_SPACE):
        return (
            f"No space left on device while writing{place}: free space on that "
            "disk, or move data_root (conf/base/globals.yml) to a disk with room, "
            "then run again (the previous outputs are kept)."
        )
    if _has(errors, texts, {errno.EACCES, errno.EPERM, errno.EROFS}, _DENIED):
        return (
            f"Cannot write{place}: permission denied or a read-only file system. "
            "Make the folder writable by this user (e.g. `chmod -R u+w <folder>`), "
            "or point data_root in conf/base/globals.yml at a writable folder."
        )
    return None


def _nearest_folder(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def unwritable_folders(outputs: dict[str, object]) -> dict[Path, str]:
    """The local folders the datasets ``outputs`` (name -> dataset) write in that
    this user cannot write, each with the first dataset that needs it.

    A file or a replaced folder is written beside its path (a temporary name,
    then a rename), a version inside it; a folder not created yet is created
    in its nearest existing parent. Only asks the OS (``os.access``): nothing
    is written.
    """
    blocked: dict[Path, str] = {}
    for name, dataset in sorted(outputs.items()):
        filepath = getattr(dataset, "_filepath", None)
        if filepath is None or getattr(dataset, "_protocol", "file") not in (
            "file",
            None,
        ):
            continue
        path = Path(str(filepath))
        versioned = getattr(dataset, "_version", None) is not None
        folder = _nearest_folder(path if versioned and path.is_dir() else path.parent)
        if folder not in blocked and not os.access(folder, os.W_OK | os.X_OK):
            blocked[folder] = name
    return blocked


class OutputFolderHooks:
    """Stop a run before its first node when an output folder cannot be written
    (a read-only data folder, another user's folder), naming the folder."""

    @hook_impl
    def before_pipeline_run(self, pipeline: Pipeline, catalog: Any) -> None:
        """Check every output folder of the pipeline."""
        outputs = {}
        for name in pipeline.all_outputs():
            if name in catalog:
                outputs[name] = catalog.get(name)
        blocked = unwritable_folders(outputs)
        if blocked:
            folder, name = next(iter(blocked.items()))
            more = (
                f" (and {len(blocked) - 1} other folder(s))" if len(blocked) > 1 else ""
            )
            raise OutputFolderError(
                f"Cannot write to {folder}{more}, where {name} is written: it is "
                "read-only or not this user's. Make it writable (e.g. `chmod -R "
                f"u+w {folder}`), or point data_root in conf/base/globals.yml at a "
                "writable folder. Nothing was written."
            )

"""Files on the storage Spark reads and writes: existence, listings, globs, the
head of a file, deletes and renames, for the committed outputs, their versions
and the raw-file checks.

On a classic session they go through Hadoop's FileSystem in Spark's own JVM
(``ecom_recsys.spark.jvm``: the same file system and settings Spark writes
with, HDFS included). On Spark Connect there is no JVM on this side, and they
go through fsspec, as kedro-datasets' Spark datasets do: local paths (and
``/dbfs``, ``/Volumes`` mounts) as they are, object stores through s3fs,
adlfs or gcsfs when installed. The storage must then be the same for this
process and the server: a local server, a shared mount, or an object store.
Both give the same answers (a test runs every operation on each).

Paths are local paths or URIs (``file:/data/x``, ``s3a://bucket/x``,
``dbfs:/x``); paths returned are fully qualified in Hadoop's form
(``file:/data/x``, ``s3a://bucket/x``) and can be passed back.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any, Protocol

import fsspec
from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from ecom_recsys.spark import jvm

# Spark's schemes that fsspec names otherwise (kedro-datasets maps them alike).
_FSSPEC_PROTOCOLS = {
    "s3a": "s3",
    "s3n": "s3",
    "abfss": "abfs",
    "wasb": "abfs",
    "wasbs": "abfs",
    "gs": "gcs",
}
_URI = re.compile(
    r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]+):(?://(?P<authority>[^/]*))?(?P<path>.*)$"
)
_DBFS_MOUNT = "/dbfs"  # where Databricks mounts dbfs:/ on its nodes


def _checksum(path: str) -> bool:
    """A checksum file of Hadoop's local file system (``.<name>.crc``), which
    it leaves out of every listing: left out here too."""
    name = path.rsplit("/", 1)[-1]
    return name.startswith(".") and name.endswith(".crc")


class Backend(Protocol):
    """The file operations, as both backends provide them."""

    def exists(self, path: str) -> bool: ...
    def is_file(self, path: str) -> bool: ...
    def list_files(self, folder: str) -> list[str]: ...
    def list_folders(self, folder: str) -> list[str]: ...
    def glob(self, pattern: str) -> list[str]: ...
    def read_head(self, path: str, max_bytes: int) -> bytes: ...
    def delete(self, path: str, recursive: bool = False) -> bool: ...
    def rename(self, source: str, target: str) -> None: ...


def expand_braces(pattern: str) -> list[str]:
    """Hadoop's ``{a,b}`` alternatives (nested too) as separate patterns, which
    fsspec's glob does not read: ``x/{a,b{1,2}}`` -> ``x/a, x/b1, x/b2``."""
    depth, start = 0, None
    for i, char in enumerate(pattern):
        if char == "{":
            depth += 1
            start = i if depth == 1 else start
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                head, body, tail = (
                    pattern[:start],
                    pattern[start + 1 : i],
                    pattern[i + 1 :],
                )
                options, level, last = [], 0, 0
                for j, c in enumerate(body):
                    level += (c == "{") - (c == "}")
                    if c == "," and level == 0:
                        options.append(body[last:j])
                        last = j + 1
                options.append(body[last:])
                return [
                    expanded
                    for option in options
                    for expanded in expand_braces(head + option + tail)
                ]
    return [pattern]


_LOCAL = LocalFileSystem()


def _locate(path: str) -> tuple[fsspec.AbstractFileSystem, str, Callable[[str], str]]:
    """The fsspec file system of ``path``, the path in its terms, and the
    function that qualifies its paths back (Hadoop's form)."""
    uri = _URI.match(path)
    scheme = uri["scheme"].lower() if uri else ""
    if scheme in ("", "file"):
        local = os.path.abspath(uri["path"] if uri else path)
        return _LOCAL, local, lambda p: f"file:{p}"
    if scheme == "dbfs":
        local = _DBFS_MOUNT + "/" + uri["path"].lstrip("/")
        return _LOCAL, local, lambda p: "dbfs:" + p[len(_DBFS_MOUNT) :]
    authority = uri["authority"] or ""
    protocol = _FSSPEC_PROTOCOLS.get(scheme, scheme)
    fs, stripped = url_to_fs(f"{protocol}://{authority}{uri['path']}")
    fs.invalidate_cache()  # Spark (the server) changed it since the last listing

    def qualify(p: str) -> str:
        # s3fs, gcsfs, adlfs: "bucket/key"; HDFS: "/path" under the authority
        return f"{scheme}://{authority}{p}" if p.startswith("/") else f"{scheme}://{p}"

    return fs, stripped, qualify


class FsspecBackend:
    """The file operations through fsspec (Spark Connect: no JVM on this side)."""

    @staticmethod
    def exists(path: str) -> bool:
        """True when ``path`` is a file or a folder."""
        fs, where, _ = _locate(path)
        return bool(fs.exists(where))

    @staticmethod
    def is_file(path: str) -> bool:
        """True when ``path`` is a file (False for a folder or a missing path)."""
        fs, where, _ = _locate(path)
        return bool(fs.isfile(where))

    @staticmethod
    def _children(folder: str, kind: str) -> list[str]:
        fs, where, qualify = _locate(folder)
        try:
            entries: list[dict[str, Any]] = fs.ls(where, detail=True)
        except FileNotFoundError:
            return []
        return sorted(
            qualify(e["name"])
            for e in entries
            if e["type"] == kind and not (fs is _LOCAL and _checksum(e["name"]))
        )

    @staticmethod
    def list_files(folder: str) -> list[str]:
        """The files directly in ``folder``, sorted ([] when it does not exist)."""
        return FsspecBackend._children(folder, "file")

    @staticmethod
    def list_folders(folder: str) -> list[str]:
        """The folders directly in ``folder``, sorted ([] when it does not exist)."""
        return FsspecBackend._children(folder, "directory")

    @staticmethod
    def glob(pattern: str) -> list[str]:
        """The paths matching the Hadoop glob ``pattern`` (``*``, ``?``, ``[ab]``,
        ``{a,b}``), sorted."""
        fs, where, qualify = _locate(pattern)
        found = {p for expanded in expand_braces(where) for p in fs.glob(expanded)}
        return sorted(qualify(p) for p in found if not (fs is _LOCAL and _checksum(p)))

    @staticmethod
    def read_head(path: str, max_bytes: int) -> bytes:
        """The first ``max_bytes`` bytes of the file ``path`` (all of it when
        shorter), as stored (no decompression)."""
        fs, where, _ = _locate(path)
        with fs.open(where, "rb", compression=None) as stream:
            return stream.read(max_bytes)

    @staticmethod
    def delete(path: str, recursive: bool = False) -> bool:
        """Delete ``path`` (a folder's contents too when ``recursive``); False
        when there was nothing to delete."""
        fs, where, _ = _locate(path)
        if not fs.exists(where):
            return False
        if fs.isdir(where) and not recursive:
            if fs.ls(where):
                raise OSError(f"Could not delete {path}: the folder is not empty")
            fs.rmdir(where)
            return True
        fs.rm(where, recursive=recursive)
        return True

    @staticmethod
    def rename(source: str, target: str) -> None:
        """Rename ``source`` to ``target`` (a file or a folder; atomic on a local
        file system, a copy and delete on object stores). ``target`` must not
        exist."""
        fs, from_, _ = _locate(source)
        _, to, _ = _locate(target)
        if fs.exists(to):
            raise FileExistsError(f"Could not rename {source} to {target}: it exists")
        if not fs.exists(from_):
            raise FileNotFoundError(f"Could not rename {source}: it does not exist")
        fs.mv(from_, to, recursive=True)


FSSPEC = FsspecBackend()


def backend() -> Backend:
    """Hadoop's FileSystem on a classic session, fsspec on Spark Connect."""
    return jvm if jvm.classic() else FSSPEC


def exists(path: str) -> bool:
    """True when ``path`` is a file or a folder."""
    return backend().exists(path)


def is_file(path: str) -> bool:
    """True when ``path`` is a file (False for a folder or a missing path)."""
    return backend().is_file(path)


def list_files(folder: str) -> list[str]:
    """The files directly in ``folder``, sorted ([] when it does not exist)."""
    return backend().list_files(folder)


def list_folders(folder: str) -> list[str]:
    """The folders directly in ``folder``, sorted ([] when it does not exist)."""
    return backend().list_folders(folder)


def glob(pattern: str) -> list[str]:
    """The paths matching the Hadoop glob ``pattern``."""
    return backend().glob(pattern)


def read_head(path: str, max_bytes: int) -> bytes:
    """The first ``max_bytes`` bytes of the file ``path``, as stored."""
    return backend().read_head(path, max_bytes)


def delete(path: str, recursive: bool = False) -> bool:
    """Delete ``path``; False when there was nothing to delete."""
    return backend().delete(path, recursive)


def rename(source: str, target: str) -> None:
    """Rename ``source`` to ``target``, which must not exist."""
    backend().rename(source, target)

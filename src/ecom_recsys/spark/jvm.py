"""The only module that reaches into Spark's JVM (py4j, ``_jvm``, ``_jsc``,
``_jdf``, ``sparkContext``): the classic-only paths.

A classic session runs its JVM beside this Python process; Spark Connect
(``conf/connect``) has none on the client, and every caller has a public-API
path for it: ``ecom_recsys.spark.storage`` (files through fsspec) and
``ecom_recsys.spark.als_scoring`` (top-K over given factors in DataFrame
operations) call this module only when ``classic()`` is true, and tests show
both paths give the same results. A test keeps every other module off these
internals.

Here, through py4j: Hadoop's FileSystem, the file system Spark itself writes
with, with the session's Hadoop settings (HDFS, S3A, ABFS credentials); an
``ALSModel`` built from given factors, ALS's own blocked BLAS scoring; and the
``SparkContext`` settings a running session can still change.

Paths are anything Hadoop reads (local, HDFS, S3A, ABFS...). Paths returned are
fully qualified (``file:/data/x``, ``s3a://bucket/x``) and can be passed back.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from py4j.protocol import Py4JJavaError

if TYPE_CHECKING:  # imported where used: the dashboard reads the catalog without Spark
    from pyspark.ml.recommendation import ALSModel
    from pyspark.sql import DataFrame, SparkSession

P = ParamSpec("P")
T = TypeVar("T")


def classic() -> bool:
    """True when this process drives a classic session (its JVM is reachable
    from Python); False on Spark Connect."""
    from pyspark.sql import is_remote  # noqa: PLC0415

    return not is_remote()


def _spark() -> SparkSession:
    from pyspark.sql import SparkSession  # noqa: PLC0415

    return SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()


def set_log_level(spark: SparkSession, level: str) -> None:
    """The log level of Spark's own logging (``spark.log.level`` applies only
    when the context starts; this changes a running one)."""
    spark.sparkContext.setLogLevel(level)


def set_checkpoint_dir(spark: SparkSession, folder: str) -> None:
    """Where RDD checkpoints go (ALS's ``checkpointInterval``): also on a
    context that was already running when ``spark.checkpoint.dir`` was read."""
    spark.sparkContext.setCheckpointDir(folder)


def _io(function: Callable[P, T]) -> Callable[P, T]:
    """Raise Java I/O errors as ``OSError`` (``FileNotFoundError`` for a missing path)."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return function(*args, **kwargs)
        except Py4JJavaError as error:
            java = error.java_exception
            kind = (
                FileNotFoundError
                if java.getClass().getName() == "java.io.FileNotFoundException"
                else OSError
            )
            raise kind(str(java)) from error

    return wrapper


def _fs(path: str) -> tuple[Any, Any]:
    """The Hadoop FileSystem of ``path`` and the Hadoop Path (Java objects)."""
    context = _spark().sparkContext
    jpath = context._jvm.org.apache.hadoop.fs.Path(path)  # noqa: SLF001
    return jpath.getFileSystem(context._jsc.hadoopConfiguration()), jpath  # noqa: SLF001


@_io
def exists(path: str) -> bool:
    """True when ``path`` is a file or a folder."""
    fs, jpath = _fs(path)
    return bool(fs.exists(jpath))


@_io
def is_file(path: str) -> bool:
    """True when ``path`` is a file (False for a folder or a missing path)."""
    fs, jpath = _fs(path)
    return bool(fs.isFile(jpath))


@_io
def _children(folder: str, kind: str) -> list[str]:
    """The entries of ``folder`` whose status ``kind`` (a Java method) is true."""
    fs, jpath = _fs(folder)
    if not fs.exists(jpath):
        return []
    statuses = fs.listStatus(jpath) or []
    return sorted(str(s.getPath()) for s in statuses if getattr(s, kind)())


def list_files(folder: str) -> list[str]:
    """The files directly in ``folder``, sorted ([] when it does not exist)."""
    return _children(folder, "isFile")


def list_folders(folder: str) -> list[str]:
    """The folders directly in ``folder``, sorted ([] when it does not exist)."""
    return _children(folder, "isDirectory")


@_io
def glob(pattern: str) -> list[str]:
    """The paths matching the Hadoop glob ``pattern`` (``*``, ``?``, ``[ab]``, ``{a,b}``)."""
    fs, jpattern = _fs(pattern)
    return [str(s.getPath()) for s in fs.globStatus(jpattern) or []]


@_io
def read_head(path: str, max_bytes: int) -> bytes:
    """The first ``max_bytes`` bytes of the file ``path`` (all of it when shorter),
    as stored (no decompression)."""
    fs, jpath = _fs(path)
    stream = fs.open(jpath)
    try:
        return bytes(stream.readNBytes(max_bytes))  # Java 11+: stops at the end
    finally:
        stream.close()


@_io
def delete(path: str, recursive: bool = False) -> bool:
    """Delete ``path`` (a folder's contents too when ``recursive``); False when
    there was nothing to delete."""
    fs, jpath = _fs(path)
    return bool(fs.delete(jpath, recursive))


@_io
def rename(source: str, target: str) -> None:
    """Rename ``source`` to ``target`` (a file or a folder; atomic on a local or
    HDFS file system, a copy and delete on object stores). ``target`` must not
    exist: Hadoop would move a folder *into* an existing folder.

    Raises:
        OSError: When the file system refused (Hadoop returns false for that).
    """
    fs, jsource = _fs(source)
    _, jtarget = _fs(target)
    if fs.exists(jtarget):
        raise FileExistsError(f"Could not rename {source} to {target}: it exists")
    if not fs.rename(jsource, jtarget):
        raise OSError(f"Could not rename {source} to {target}")


def als_model_with_items(
    model: ALSModel, item_factors: DataFrame, block_size: int
) -> ALSModel:
    """``model`` (same uid, rank, user factors and parameters) scoring only the
    items of ``item_factors`` (its ``id, features`` rows), ``block_size`` items
    per block."""
    return als_model_with_factors(model, model.userFactors, item_factors, block_size)


def als_model_with_factors(
    model: ALSModel,
    user_factors: DataFrame,
    item_factors: DataFrame,
    block_size: int,
    rank: int | None = None,
) -> ALSModel:
    """``model`` (same uid and parameters) with the given ``id, features``
    rows as its user and item factors, ``block_size`` rows per block: e.g. item
    factors on both sides, to rank items by their dot product with an item.
    ``rank``: the factors' length (None: the model's).

    ALSModel has no public constructor in PySpark; this one is the JVM's
    (package-private in Scala, public in bytecode).
    """
    from pyspark.ml.recommendation import ALSModel  # noqa: PLC0415

    jvm = item_factors.sparkSession.sparkContext._jvm  # noqa: SLF001
    java = jvm.org.apache.spark.ml.recommendation.ALSModel(
        model.uid,
        model.rank if rank is None else rank,
        user_factors._jdf,  # noqa: SLF001
        item_factors._jdf,  # noqa: SLF001
    )
    scorer = ALSModel(java)
    for param, value in model.extractParamMap().items():
        if scorer.hasParam(param.name):
            scorer.set(scorer.getParam(param.name), value)
    scorer.setBlockSize(block_size)
    # Python setters only set the wrapper: scoring reads the Java object's params.
    scorer._transfer_params_to_java()  # noqa: SLF001
    return scorer

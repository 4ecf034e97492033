"""DataFrame helpers shared by the pipelines (public Spark APIs only)."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

_TWO_POW_53 = float(2**53)


def hash_uniform(*cols: Column | str) -> Column:
    """A uniform number in [0, 1) derived from a hash of ``cols``.

    Unlike ``rand(seed)``, the value depends only on the row's values, not on how
    the data is partitioned, so generated data is identical on any machine.
    """
    h = F.xxhash64(*cols)
    return F.pmod(h, F.lit(2**53)).cast("double") / F.lit(_TWO_POW_53)


def dense_index(df: DataFrame, id_col: str, index_col: str) -> DataFrame:
    """Map the distinct values of ``id_col`` to dense ints 0..n-1 in sorted order.

    Spark ML's ALS needs 32-bit int ids while source ids are 64-bit. This is the
    DataFrame form of ``zipWithIndex``: range-partition and sort the distinct ids,
    then add each partition's offset. Only one count per partition reaches the
    driver, so it scales with the data, and the result does not depend on how
    Spark partitioned it (the index is the rank of the id).
    """
    ids = df.select(id_col).where(F.col(id_col).isNotNull()).distinct()
    ranked = (
        ids.repartitionByRange(id_col)
        .sortWithinPartitions(id_col)
        .withColumn("_pid", F.spark_partition_id())
        .withColumn("_mono", F.monotonically_increasing_id())
        # Materialise once so the offsets and the ids come from the same
        # partitions (a reliable checkpoint survives losing an executor).
        .checkpoint(eager=True)
    )
    counts = ranked.groupBy("_pid").count().orderBy("_pid").collect()
    offsets, running = [], 0
    for row in counts:
        offsets.append((row["_pid"], running))
        running += row["count"]
    if running >= 2**31:
        raise ValueError(
            f"{id_col}: {running} distinct values do not fit a 32-bit index"
        )
    spark = df.sparkSession
    offsets_df = spark.createDataFrame(offsets, "_pid int, _offset long")
    # monotonically_increasing_id = (partition id << 33) + row number in partition
    return ranked.join(F.broadcast(offsets_df), "_pid").select(
        id_col,
        (
            F.col("_offset")
            + F.col("_mono")
            - F.shiftleft(F.col("_pid").cast("long"), 33)
        )
        .cast("int")
        .alias(index_col),
    )

"""``HeaderCSVDataset``: a CSV of any columns, each read as text, bad lines marked."""

from __future__ import annotations

from typing import Any

from kedro_datasets._utils.databricks_utils import to_spark_path
from kedro_datasets.spark import SparkDatasetV2
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StringType, StructField, StructType

from ecom_recsys.names import CORRUPT_COLUMN
from ecom_recsys.spark import storage


class HeaderCSVDataset(SparkDatasetV2):
    """``spark.SparkDatasetV2`` for CSV files whose columns are only known from
    their header (a generic interactions file, named in parameters).

    Without a schema, Spark pads a line with too few fields with nulls and cuts
    a line with too many short, silently. Here the header gives the schema:
    every column a string, plus ``_corrupt_record``, which holds the raw text of
    every line with the wrong number of fields (``mode: PERMISSIVE``), so the
    pipeline can quarantine it as ``malformed_row``.

    The pipeline then picks its columns by name, so they may come in any order
    and extra ones (a pandas index column) are left out. Without a header
    (``header: false``) the columns are named by position, ``_c0, _c1, ...``;
    ``sep``, ``encoding`` and ``multiLine`` are Spark's CSV options, passed on.

    Spark only detects such lines when it parses every column, so the session
    needs ``spark.sql.csv.parser.columnPruning.enabled: false`` (see
    ``conf/base/spark.yml``) when a query reads only some of them.

    With ``missing_ok: true`` a folder without files (or no folder) loads as
    an empty frame with only ``_corrupt_record``: an optional input, such as
    the item details of an interactions file.

    Example:
        ```yaml
        interactions.raw_interactions:
          type: ecom_recsys.datasets.HeaderCSVDataset
          filepath: data/01_raw/interactions
          file_format: csv
          load_args: {header: true, pathGlobFilter: "*.{csv,CSV,csv.gz,CSV.gz}"}
        ```
    """

    def __init__(self, *, missing_ok: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._missing_ok = missing_ok

    def _describe(self) -> dict[str, Any]:
        return {**super()._describe(), "missing_ok": self._missing_ok}

    def _absent(self, path: str) -> bool:
        """No file to read at ``path`` (hidden files aside)."""
        if storage.is_file(path):
            return False
        names = (f.rsplit("/", 1)[-1] for f in storage.list_files(path))
        return not any(not n.startswith((".", "_")) for n in names)

    def _load(self) -> DataFrame:
        path = to_spark_path(self._protocol, str(self._get_load_path()))
        spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
        if self._missing_ok and self._absent(path):
            schema = StructType([StructField(CORRUPT_COLUMN, StringType())])
            return spark.createDataFrame([], schema)
        # Without a schema Spark reads only the first line, for the names.
        header = super()._load().columns
        schema = StructType(
            [StructField(c, StringType()) for c in header if c != CORRUPT_COLUMN]
            + [StructField(CORRUPT_COLUMN, StringType())]
        )
        options = {
            **self._load_args,
            "mode": "PERMISSIVE",
            "columnNameOfCorruptRecord": CORRUPT_COLUMN,
            # The schema is the first file's header as Spark names it (an empty
            # name becomes _c0): Spark's own header check would compare it with
            # the raw names and fail. The raw-file checks make sure every file
            # read together has that same header.
            "enforceSchema": True,
        }
        return (
            spark.read.schema(schema)
            .format(self._file_format)
            .options(**options)
            .load(path)
        )

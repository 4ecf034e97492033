"""Checks of the raw files before a run reads them, with errors that say what to do.

Spark reports a missing file or a wrong header deep inside a stack trace; these
checks run first (a hook, before the pipeline starts) and name the dataset, the
file, the columns and the fix.
"""

from __future__ import annotations

import logging
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.pipeline import Pipeline

from ecom_recsys.params import ColumnsParams
from ecom_recsys.schemas import SCHEMAS
from ecom_recsys.spark import jvm

logger = logging.getLogger(__name__)

_BLANK = frozenset(b" \t\r\n")


class RawDataError(RuntimeError):
    """A raw input file is missing, empty or has the wrong columns."""


def _csv_files(path: str) -> list[str]:
    """The CSV files Spark would read at ``path``: the file, or a folder's *.csv."""
    if jvm.is_file(path):
        return [path]
    return [f for f in jvm.list_files(path) if f.endswith(".csv")]


_LINE_BYTES = 65536  # the header is read up to here
_PEEK_BYTES = 4096  # then this much more for a first data row


def _header(file: str) -> tuple[list[str] | None, bool]:
    """The first line of ``file`` split on commas (quotes and a BOM removed), or
    None when it is blank; and whether any data follows it."""
    head = jvm.read_head(file, _LINE_BYTES + 1 + _PEEK_BYTES)
    newline = head.find(b"\n", 0, _LINE_BYTES)
    end = newline if newline >= 0 else min(len(head), _LINE_BYTES)
    raw = head[:end]
    # Data follows when a non-blank byte does (after 4 KiB of blanks, say yes and
    # leave it to the data-quality report).
    rest = head[end + (newline >= 0) :][:_PEEK_BYTES]
    has_data = len(rest) == _PEEK_BYTES or any(b not in _BLANK for b in rest)
    line = raw.decode("utf-8", errors="replace").lstrip("\ufeff").rstrip("\r")
    if not line.strip():
        return None, has_data
    return [c.strip().strip('"').strip() for c in line.split(",")], has_data


def _source_and_table(name: str) -> tuple[str, str]:
    source, _, dataset = name.partition(".")
    return source, dataset.removeprefix("raw_")


def _expected(name: str, catalog: Any) -> list[str]:
    source, table = _source_and_table(name)
    if source == "interactions":
        key = "params:data_processing.interactions.columns"
        if key not in catalog:
            return []
        # typed when the run includes data_processing, a dict otherwise
        columns = ColumnsParams.model_validate(catalog.load(key))
        return [v for v in columns.model_dump().values() if v]
    return list(SCHEMAS.get(source, {}).get(table, {}))


def check_raw_file(name: str, path: str, expected: list[str]) -> None:
    """Raise ``RawDataError`` when ``path`` is missing, empty, header-only or
    lacks columns."""
    source, _ = _source_and_table(name)
    files = _csv_files(path)
    if not files:
        raise RawDataError(
            f"{name}: no CSV file at {path}. Put the source's raw file(s) there "
            "(see the README), or generate demo data with "
            f"`kedro run --pipelines=demo_data --namespaces={source}`."
        )
    for file in files[:1] if len(files) > 20 else files:
        header, has_data = _header(file)
        if header is None:
            raise RawDataError(
                f"{name}: {file} is empty (no header line). Replace it with the full "
                "file, or remove it."
            )
        missing = [c for c in expected if c.lower() not in {h.lower() for h in header}]
        if missing:
            hint = ""
            if len(header) == 1 and any(d in header[0] for d in (";", "\t", "|")):
                hint = (
                    " The header looks split by another delimiter: save it with commas."
                )
            elif any("\ufffd" in h for h in header):
                hint = " The header is not UTF-8: save the file as UTF-8."
            raise RawDataError(
                f"{name}: {file} has no column(s) {missing}; its header is {header}. "
                f"Expected the columns {expected}.{hint}"
            )
        if not has_data:
            raise RawDataError(
                f"{name}: {file} has a header and no data rows. Replace it with the "
                "full file, or remove it."
            )


def check_raw_inputs(pipeline: Pipeline, catalog: Any) -> None:
    """Check every raw CSV dataset (``<source>.raw_<table>``) the run will read."""
    for name in sorted(pipeline.inputs()):
        if ".raw_" not in name or name not in catalog:
            continue
        dataset = catalog.get(name)
        described = dataset._describe()  # noqa: SLF001 - the only public view of the path
        if described.get("file_format") != "csv":
            continue
        check_raw_file(name, str(described["filepath"]), _expected(name, catalog))


class RawDataHooks:
    """Check the raw inputs before a pipeline runs."""

    @hook_impl
    def before_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Pipeline, catalog: Any
    ) -> None:
        """Fail fast, with what to do, on a missing, empty or mis-shaped raw file."""
        check_raw_inputs(pipeline, catalog)

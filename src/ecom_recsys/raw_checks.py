"""Checks of the raw files before a run reads them, with errors that say what to do.

Spark reports a missing file or a wrong header deep inside a stack trace; these
checks run first (a hook, before the pipeline starts) and name the dataset, the
file, the columns and the fix.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.pipeline import Pipeline

from ecom_recsys.params import ColumnsParams, ItemDetailsParams, TableRules
from ecom_recsys.schemas import SCHEMAS
from ecom_recsys.spark import storage

logger = logging.getLogger(__name__)


class RawDataError(RuntimeError):
    """A raw input file is missing, empty or has the wrong columns."""


@dataclass(frozen=True)
class ReadOptions:
    """The options of a raw dataset's ``load_args`` that decide how its files are
    split into lines and fields, read the way Spark reads them: the checks must
    see the header Spark will see."""

    sep: str = ","
    header: bool = False  # Spark's default, as the catalog's raw datasets set it
    encoding: str = "utf-8"
    glob: str | None = None  # pathGlobFilter: which files of a folder are read

    @classmethod
    def from_load_args(cls, load_args: dict[str, Any] | None) -> ReadOptions:
        args = {k.lower(): v for k, v in (load_args or {}).items()}
        sep = str(args.get("sep", args.get("delimiter", ",")))
        return cls(
            sep={"\\t": "\t"}.get(sep, sep),  # Spark reads a written \t as a tab
            header=str(args.get("header", False)).lower() == "true",
            encoding=str(args.get("encoding", args.get("charset", "utf-8"))),
            glob=args.get("pathglobfilter"),
        )


def _csv_files(path: str, options: ReadOptions) -> list[str]:
    """The files Spark would read at ``path``: the file, or a folder's visible
    files that match the dataset's ``pathGlobFilter`` (Hadoop glob syntax)."""
    if storage.is_file(path):
        return [path]
    files = _visible(storage.list_files(path))
    if options.glob is None or not files:
        return files
    matched = set(storage.glob(f"{path.rstrip('/')}/{options.glob}"))
    return [f for f in files if f in matched]


_LINE_BYTES = 65536  # the header is read up to here
_PEEK_BYTES = 4096  # then this much more for a first data row


def _head_text(file: str, options: ReadOptions) -> tuple[str, bool]:
    """The start of ``file`` as text (gunzipped for ``.gz``, decoded with the
    dataset's encoding, a BOM removed), and whether the file goes on after it."""
    limit = _LINE_BYTES + 1 + _PEEK_BYTES
    head = storage.read_head(file, limit)
    more = len(head) == limit
    if file.lower().endswith(".gz"):
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            head = inflate.decompress(head, limit)
        except zlib.error as error:
            raise RawDataError(
                f"{file} is not a gzip file ({error}): rename it, or replace it "
                "with the complete download."
            ) from error
        more = more or bool(inflate.unconsumed_tail)
    return head.decode(options.encoding, errors="replace").lstrip("\ufeff"), more


def _fields(line: str, options: ReadOptions) -> list[str]:
    """A line split on the delimiter, each field without blanks and quotes."""
    return [c.strip().strip('"').strip() for c in line.split(options.sep)]


def _header(file: str, options: ReadOptions) -> tuple[list[str] | None, bool]:
    """The column names of ``file``: its first line split on the delimiter
    (quotes and a BOM removed), or Spark's ``_c0, _c1, ...`` without a header;
    None when the first line is blank. And whether any data follows the header."""
    text, more = _head_text(file, options)
    line, _, rest = text.partition("\n")
    line = line.rstrip("\r")
    if not line.strip():
        return None, more or bool(rest.strip())
    fields = _fields(line, options)
    if not options.header:
        return [f"_c{i}" for i in range(len(fields))], True
    # Data follows when a non-blank character does (when the file goes on after
    # the bytes read, say yes and leave it to the data-quality report).
    return fields, more or bool(rest.strip())


def _source_and_table(name: str) -> tuple[str, str]:
    source, _, dataset = name.partition(".")
    return source, dataset.removeprefix("raw_")


# The columns of the generic raw tables are named in parameters: per table, the
# parameter and its model.
_NAMED_COLUMNS = {
    ("interactions", "interactions"): (
        "data_processing.interactions.columns",
        ColumnsParams,
    ),
    ("interactions", "items"): (
        "feature_engineering.interactions.items",
        ItemDetailsParams,
    ),
}


def _expected(name: str, catalog: Any) -> list[str]:
    source, table = _source_and_table(name)
    if (source, table) in _NAMED_COLUMNS:
        key, model = _NAMED_COLUMNS[source, table]
        if f"params:{key}" not in catalog:
            return []
        # typed when the run includes the stage, a dict otherwise
        columns = model.model_validate(catalog.load(f"params:{key}"))
        return [v for v in columns.model_dump().values() if v]
    return list(SCHEMAS.get(source, {}).get(table, {}))


def _folder(path: str) -> str:
    """The folder of a raw dataset: the path itself, or a single file's folder."""
    single = path.lower().endswith((".csv", ".csv.gz"))
    return path.rsplit("/", 1)[0] if single else path


def _visible(files: list[str]) -> list[str]:
    """Files Spark would read: not hidden (``.gitkeep``) nor ``_SUCCESS``-like."""
    return [f for f in files if not f.rsplit("/", 1)[-1].startswith((".", "_"))]


def _missing_advice(path: str, source: str) -> str:
    """What to do about a missing raw file: add it when the source's folder
    holds the user's other files, else also how to generate demo data."""
    others = _visible(storage.list_files(_folder(path)))
    if others:
        names = ", ".join(f.rsplit("/", 1)[-1] for f in others[:5])
        return (
            f"The folder holds other files ({names}{', ...' if len(others) > 5 else ''}"
            "): add this one from the same download (see docs/your-data.md). Demo "
            "data is only generated into an empty folder."
        )
    return (
        "Put the source's raw file(s) there (see docs/your-data.md), or generate "
        f"demo data with `kedro run --pipelines=demo_data --namespaces={source}`."
    )


def _archives(path: str) -> list[str]:
    """Compressed files beside a missing raw file, or in a folder with no file
    Spark reads: zip archives (as Kaggle ships them) and the file gzipped."""
    folder = _folder(path)
    gzipped = path + ".gz" if path.lower().endswith(".csv") else None
    return [
        f
        for f in _visible(storage.list_files(folder))
        if f.lower().endswith(".zip") or (gzipped and f.endswith(gzipped))
    ]


def _archive_advice(name: str, path: str) -> str | None:
    archives = _archives(path)
    if not archives:
        return None
    zips = [f for f in archives if f.lower().endswith(".zip")]
    if zips:
        return (
            f"{name}: no CSV file at {path}, and {', '.join(zips)} "
            f"{'is a zip archive' if len(zips) == 1 else 'are zip archives'}, "
            f"which Spark cannot read: unzip it into {_folder(path)} (the CSV "
            "files go directly in that folder; the archive may stay)."
        )
    return (
        f"{name}: no CSV file at {path}, but {archives[0]} is there: decompress it "
        "(gunzip), or set the dataset's filepath to it in conf/local/catalog.yml "
        "(Spark reads .gz files as they are)."
    )


def check_raw_file(
    name: str, path: str, expected: list[str], load_args: dict | None = None
) -> None:
    """Raise ``RawDataError`` when ``path`` is missing, empty, header-only or
    lacks columns, reading its files with the dataset's ``load_args``."""
    source, _ = _source_and_table(name)
    options = ReadOptions.from_load_args(load_args)
    files = _csv_files(path, options)
    if not files:
        raise RawDataError(
            _archive_advice(name, path)
            or f"{name}: no CSV file at {path}. {_missing_advice(path, source)}"
        )
    headers = {}
    for file in files[:1] if len(files) > 20 else files:
        header, has_data = _header(file, options)
        _check_header(name, file, header, expected, options)
        if not has_data:
            raise RawDataError(
                f"{name}: {file} has a header and no data rows. Replace it with the "
                "full file, or remove it."
            )
        headers[file] = header
    _check_same_headers(name, headers, expected)


def _check_header(
    name: str,
    file: str,
    header: list[str] | None,
    expected: list[str],
    options: ReadOptions,
) -> None:
    """Raise ``RawDataError`` for a blank header or a missing column."""
    if header is None:
        raise RawDataError(
            f"{name}: {file} is empty (no header line). Replace it with the full "
            "file, or remove it."
        )
    missing = [c for c in expected if c.lower() not in {h.lower() for h in header}]
    if missing:
        hint = ""
        found = [
            d for d in (",", ";", "\t", "|") if d != options.sep and d in header[0]
        ]
        if len(header) == 1 and found:
            hint = (
                f" The header looks split by another delimiter, {found[0]!r}: set "
                f"`sep: {found[0]!r}` in the load_args of {name} (in "
                "conf/local/catalog.yml, see docs/your-data.md), or save the file "
                f"with {options.sep!r}."
            )
        elif any("\ufffd" in h or "\x00" in h for h in header):
            hint = (
                f" The header is not {options.encoding.upper()}: save the file as UTF-8, "
                "or set its `encoding` in the dataset's load_args (see "
                "docs/your-data.md)."
            )
        raise RawDataError(
            f"{name}: {file} has no column(s) {missing}; its header is {header}. "
            f"Expected the columns {expected}.{hint}"
        )


def _check_same_headers(
    name: str, headers: dict[str, list[str]], expected: list[str]
) -> None:
    """Files read together must share one header (Spark reads every file with
    the first one's columns); columns beyond ``expected`` are left out, with a
    warning. Columns are read by name, in any order."""
    first, *others = headers
    for file in others:
        if [h.lower() for h in headers[file]] != [h.lower() for h in headers[first]]:
            raise RawDataError(
                f"{name}: {file} has the header {headers[file]}, and {first} has "
                f"{headers[first]}: files read together need the same columns in "
                "the same order. Save them with one header, or read them as "
                "separate sources."
            )
    wanted = {c.lower() for c in expected}
    extra = [h for h in headers[first] if h.lower() not in wanted]
    if extra and expected:
        logger.warning(
            "%s: %s has column(s) %s that no stage reads; they are left out",
            name,
            first if not others else f"{first} (and {len(others)} more)",
            extra,
        )


def _raw_datasets(
    names: set[str], catalog: Any, present: bool = False
) -> dict[str, tuple[str, dict]]:
    """Raw CSV datasets (``<source>.raw_<table>``) among ``names``, with their
    paths and load_args (how Spark will read them); with ``present``, an
    optional one (``missing_ok``) only when it has a file."""
    found = {}
    for name in sorted(names):
        if ".raw_" not in name or name not in catalog:
            continue
        described = catalog.get(name)._describe()  # noqa: SLF001 - the only public view of the path
        if described.get("file_format") != "csv":
            continue
        path = str(described["filepath"])
        if present and described.get("missing_ok") and not _has_files(path):
            logger.info("%s: no file at %s (optional): not read", name, path)
            continue
        found[name] = (path, dict(described.get("load_args") or {}))
    return found


def _has_files(path: str) -> bool:
    return storage.is_file(path) or bool(_visible(storage.list_files(path)))


def protect_raw_files(pipeline: Pipeline, catalog: Any) -> None:
    """Refuse a run that would write over raw files (demo data over yours).

    Raises:
        RawDataError: Naming every existing raw file the run would replace, and
            how to generate demo data instead (into an empty folder).
    """
    taken = [
        path
        for path, _ in _raw_datasets(pipeline.all_outputs(), catalog).values()
        if _has_files(path)
    ]
    if taken:
        folders = sorted({_folder(p) for p in taken})
        raise RawDataError(
            f"Demo data never replaces raw files, and {len(taken)} raw dataset(s) "
            f"exist: {', '.join(taken)}. To generate demo data there, first move "
            f"those files out of {', '.join(folders)} (the folder must be empty); "
            "your own files are read as they are by `kedro run`."
        )


# Unix times as digits: seconds have at most 10 until the year 2286; more is
# milliseconds (13) or microseconds (16).
_UNITS = {"unix": (1, 10, "seconds"), "unix_ms": (11, 13, "milliseconds")}


def _first_value(file: str, column: str, options: ReadOptions) -> str | None:
    """The ``column`` value of the first data line of ``file`` (split on the
    delimiter, without regard to quotes)."""
    header, _ = _header(file, options)
    rows = [line for line in _head_text(file, options)[0].splitlines() if line.strip()]
    rows = rows[1:] if options.header else rows
    if not header or column.lower() not in [h.lower() for h in header] or not rows:
        return None
    values = _fields(rows[0], options)
    index = [h.lower() for h in header].index(column.lower())
    return values[index] if index < len(values) else None


def check_time_unit(
    name: str, path: str, column: str, fmt: str, load_args: dict | None = None
) -> None:
    """Raise ``RawDataError`` when unix times are not in the unit the
    ``timestamp_format`` says (milliseconds read as seconds land in the year
    40,000), with the format to set instead."""
    options = ReadOptions.from_load_args(load_args)
    files = _csv_files(path, options)
    value = _first_value(files[0], column, options) if files else None
    if fmt not in _UNITS or not value or not value.isdigit():
        return
    low, high, unit = _UNITS[fmt]
    if low <= len(value) <= high:
        return
    found, setting = (
        ("seconds", "unix") if len(value) <= 10 else ("milliseconds", "unix_ms")
    )
    if len(value) > 13:
        found, setting = "microseconds or finer", "a unit the project reads"
    raise RawDataError(
        f"{name}: {files[0]} has times such as {value} in column {column!r}, which "
        f"are {found} since 1970, and timestamp_format {fmt!r} reads {unit}: set "
        f"data_processing.<source>.tables.<table>.timestamp_format to {setting!r} "
        "in parameters_data_processing.yml (or convert the column)."
    )


def _check_generic_time_unit(
    name: str, path: str, load_args: dict, catalog: Any
) -> None:
    """The time unit check of the generic source, with its configured column."""
    columns, rules = (
        f"params:data_processing.interactions.{key}" for key in ("columns", "tables")
    )
    if name != "interactions.raw_interactions" or rules not in catalog:
        return
    table = catalog.load(rules).get("interactions")
    if table is None or columns not in catalog:
        return
    column = ColumnsParams.model_validate(catalog.load(columns)).timestamp
    fmt = TableRules.model_validate(table).timestamp_format
    check_time_unit(name, path, column, fmt, load_args)


def check_raw_inputs(pipeline: Pipeline, catalog: Any) -> None:
    """Check every raw CSV dataset (``<source>.raw_<table>``) the run will read."""
    raw = _raw_datasets(pipeline.inputs(), catalog, present=True)
    for name, (path, load_args) in raw.items():
        check_raw_file(name, path, _expected(name, catalog), load_args)
        _check_generic_time_unit(name, path, load_args, catalog)


class RawDataHooks:
    """Check the raw inputs, and protect the raw files, before a pipeline runs."""

    @hook_impl
    def before_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Pipeline, catalog: Any
    ) -> None:
        """Fail fast, with what to do, on a missing, empty or mis-shaped raw file,
        or on a run (demo data) that would write over raw files."""
        protect_raw_files(pipeline, catalog)
        check_raw_inputs(pipeline, catalog)

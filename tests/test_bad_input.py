"""Bad input, one row of a table per kind: what the user gets from a real run.

Every case is a ``KedroSession`` run of the events pipelines on a small REES46
file in a temporary project (the ``test`` environment): bad configuration through
``--params``-style runtime parameters or a conf file, bad files, and bad rows.
Each expects the error's type and the message a user would read (and, for
configuration and file errors, that nothing was written: they stop the run before
Spark reads anything), or the quarantine counts in the data-quality report
(rows in = rows kept + rows rejected).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from kedro.config import OmegaConfigLoader

from ecom_recsys.params import ParameterError
from ecom_recsys.pipelines.data_processing.quarantine import (
    DataQualityError,
    TimestampFormatError,
)
from ecom_recsys.raw_checks import RawDataError
from ecom_recsys.schemas import OLIST_FILES, SCHEMAS
from tests.conftest import PROJECT_PATH, make_project, run

pytestmark = pytest.mark.e2e

HEADER = (
    "event_time,event_type,product_id,category_id,category_code,brand,price,"
    "user_id,user_session"
)
GOOD_ROWS = 20


def good_line(i: int) -> str:
    return (
        f"2019-10-{1 + i:02d} 10:00:00 UTC,view,{1000 + i},2053013555631882655,"
        f"electronics.smartphone,apple,{10 + i}.50,{500 + i % 4},sess-{i}"
    )


GOOD = [good_line(i) for i in range(GOOD_ROWS)]


def events_file(*lines: str, header: str = HEADER) -> Callable[[Path], None]:
    """A setup that writes ``data/01_raw/events/2019-Oct.csv``."""

    def write(data: Path) -> None:
        folder = data / "01_raw" / "events"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "2019-Oct.csv").write_text("\n".join([header, *lines]) + "\n")

    return write


RATINGS_HEADER = "userId,movieId,rating,timestamp"
RATINGS = [
    f"{50 + i % 4},{300 + i},{1 + i % 5}.0,{1570000000 + 3600 * i}" for i in range(20)
]


def ratings_file(*lines: str) -> Callable[[Path], None]:
    """A setup that writes ``data/01_raw/interactions/ratings.csv`` (MovieLens)."""

    def write(data: Path) -> None:
        folder = data / "01_raw" / "interactions"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "ratings.csv").write_text("\n".join([RATINGS_HEADER, *lines]) + "\n")

    return write


OLIST_ROWS = 5


def olist_value(table: str, column: str, kind: str, i: int) -> str:
    """A valid raw value of an Olist column in row ``i`` (keys differ per row)."""
    if column == "order_status":
        return "delivered"
    return {
        "string": f"{table}-{column}-{i}",
        "int": str(1 + i % 5),
        "double": f"{1 + i}.5",
        "timestamp": f"2018-01-{1 + i:02d} 10:00:00",
    }[kind]


def olist_line(table: str, i: int, **changes: str) -> str:
    schema = SCHEMAS["orders"][table]
    values = {c: olist_value(table, c, k, i) for c, k in schema.items()}
    return ",".join({**values, **changes}.values())


def olist_files(table: str, *lines: str) -> Callable[[Path], None]:
    """A setup that writes the nine Olist files, ``OLIST_ROWS`` valid rows each,
    and ``lines`` more in ``table``."""

    def write(data: Path) -> None:
        folder = data / "01_raw" / "orders"
        folder.mkdir(parents=True, exist_ok=True)
        for name, schema in SCHEMAS["orders"].items():
            rows = [olist_line(name, i) for i in range(OLIST_ROWS)]
            rows += list(lines) if name == table else []
            (folder / OLIST_FILES[name]).write_text(
                "\n".join([",".join(schema), *rows]) + "\n"
            )

    return write


def without(table: str, setup: Callable[[Path], None]) -> Callable[[Path], None]:
    """``setup``, then the file of Olist table ``table`` removed."""

    def write(data: Path) -> None:
        setup(data)
        (data / "01_raw" / "orders" / OLIST_FILES[table]).unlink()

    return write


def olist_files_untouched(data: Path) -> None:
    """The user's Olist files are still theirs: header and rows as written."""
    folder = data / "01_raw" / "orders"
    for name in SCHEMAS["orders"]:
        lines = (folder / OLIST_FILES[name]).read_text().splitlines()
        assert lines[1:] == [olist_line(name, i) for i in range(OLIST_ROWS)]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        OLIST_FILES[name] for name in SCHEMAS["orders"]
    )


def raw_bytes(
    content: bytes, name: str = "2019-Oct.csv", folder: str = "events"
) -> Callable[[Path], None]:
    def write(data: Path) -> None:
        path = data / "01_raw" / folder
        path.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(content)

    return write


def events_bytes(*lines: str, encoding: str = "utf-8", **where) -> Callable:
    """A setup that writes the events file in ``encoding`` (``raw_bytes``'s
    ``name`` and ``folder``)."""
    return raw_bytes("\n".join([HEADER, *lines, ""]).encode(encoding), **where)


def also(*setups: Callable[[Path], None]) -> Callable[[Path], None]:
    def write(data: Path) -> None:
        for setup in setups:
            setup(data)

    return write


# A user's override of a raw dataset (conf/local/catalog.yml; conf/test here):
# the catalog's entry with more load_args.
def catalog_override(name: str, **load_args) -> dict[str, str]:
    loader = OmegaConfigLoader(
        str(PROJECT_PATH / "conf"), base_env="base", default_run_env="base"
    )
    # resolved with this project's data_root: keep the ${globals:...} reference
    config = dict(loader["catalog"][name])
    raw = config["filepath"].split("/01_raw/", 1)[1]
    config["filepath"] = "${globals:data_root}/01_raw/" + raw
    config["load_args"] = {**config["load_args"], **load_args}
    return {"catalog.yml": json.dumps({name: config})}


def tagged_ratings() -> Callable[[Path], None]:
    """Ratings with a MovieLens tag before the time, one tag holding a line break."""
    lines = [r.rsplit(",", 1) for r in RATINGS]
    tagged = [f"{r},x,{t}" for r, t in lines]
    tagged[3] = tagged[3].replace(",x,", ',"funny\nand sad",')
    text = "\n".join(["userId,movieId,rating,tag,timestamp", *tagged, ""])
    return raw_bytes(text.encode(), name="tags.csv", folder="interactions")


def brand_read_as(brand: str) -> Callable[[Path], None]:
    def check(data: Path) -> None:
        path = data / "02_intermediate" / "events" / "events_checked.parquet"
        assert brand in pd.read_parquet(path)["brand"].tolist()

    return check


def nested(dotted: str, value) -> dict:
    """``{"a": {"b": value}}`` for ``"a.b"``, as ``kedro run --params`` builds."""
    *parents, last = dotted.split(".")
    params = {last: value}
    for key in reversed(parents):
        params = {key: params}
    return params


def bad_row(line: str) -> Callable[[Path], None]:
    return events_file(*GOOD, line)


def quarantine_and_report_of_the_stopped_run(data: Path) -> None:
    """The run that stopped wrote its quarantine and report, and no clean table."""
    rejected = pd.read_parquet(data / "02_intermediate/events/events_rejected.parquet")
    assert rejected["reject_reason"].tolist() == ["unparseable:event_time"] * 3
    assert sorted(json.loads(r)["product_id"] for r in rejected["raw_record"]) == [
        "0",
        "1",
        "2",
    ]
    report = pd.read_csv(data / "08_reporting/events/data_quality.csv")
    assert report[["rows_in", "outcome", "rows"]].values.tolist() == [
        [23, "kept", 20],
        [23, "duplicate", 0],
        [23, "rejected:unparseable:event_time", 3],
    ]
    files = pd.read_csv(data / "08_reporting/events/data_quality_files.csv")
    assert files[["rows_in", "accepted", "rejected"]].values.tolist() == [[23, 20, 3]]
    assert not (data / "03_primary/events/events.parquet").exists()


@dataclass
class BadInput:
    """One kind of bad input and what the user must get."""

    id: str
    setup: Callable[[Path], None] = field(default_factory=lambda: events_file(*GOOD))
    source: str = "events"
    table: str = "events"  # the table with the bad rows
    kept: int = GOOD_ROWS  # its rows kept
    params: dict | None = None
    conf: dict[str, str] = field(default_factory=dict)  # files of conf/test
    pipeline: str = "data_processing"
    raises: type[Exception] | None = None  # the error's type ...
    error: str | None = None  # ... and a regex of its message
    quarantined: dict[str, int] | None = None  # data-quality outcome -> rows
    invalid_utf8: int = 0  # rows of the file with text that is not UTF-8
    unbalanced_quotes: int = 0  # malformed lines with an odd number of quotes
    written: Callable[[Path], None] | None = None  # checks the data after the run


CASES = [
    # ---------------------------------------------------------------- configuration
    BadInput(
        "rank-below-1",
        raises=ParameterError,
        params=nested("modeling.events.als.rank", 0),
        error=r"modeling.events.als.rank \(--params\) = 0: "
        r"Input should be greater than or equal to 1",
    ),
    BadInput(
        "rank-below-1-in-a-conf-file",
        raises=ParameterError,
        conf={"parameters_modeling.yml": "modeling: {events: {als: {rank: 0}}}\n"},
        error=r"modeling.events.als.rank \(conf/test/parameters_modeling.yml\) = 0: "
        r"Input should be greater than or equal to 1",
    ),
    BadInput(
        "k-below-1",
        raises=ParameterError,
        params=nested("modeling.events.evaluation.k", 0),
        error=r"modeling.events.evaluation.k .* = 0: .*greater than or equal to 1",
    ),
    BadInput(
        "negative-weight",
        raises=ParameterError,
        params=nested(
            "feature_engineering.events.interaction_weights.event_types.cart", -1.0
        ),
        error=r"feature_engineering.events.interaction_weights.event_types.cart "
        r"\(--params\) = -1.0: Input should be greater than or equal to 0",
    ),
    BadInput(
        "cut-off-not-a-date",
        raises=ParameterError,
        params=nested("feature_engineering.events.split.test_start", "June 2019"),
        error=r"split.test_start .* = 'June 2019': .*must be a date",
    ),
    BadInput(
        "unknown-source",
        raises=ParameterError,
        params=nested("modeling.clicks.als.rank", 8),
        error=r"modeling.clicks .*unknown source 'clicks'; the sources are "
        r"\['events', 'orders', 'interactions'\]",
    ),
    BadInput(
        "unknown-exclude-mode",
        raises=ParameterError,
        params=nested("modeling.events.recommend.exclude", "bought"),
        error=r"exclude .* = 'bought': Input should be 'purchased', 'seen' or 'none'",
    ),
    BadInput(
        "unknown-feedback-mode",
        raises=ParameterError,
        params=nested("modeling.events.als.feedback", "stars"),
        error=r"feedback .* = 'stars': Input should be 'implicit' or 'explicit'",
    ),
    BadInput(
        "rejected-share-above-1",
        raises=ParameterError,
        params=nested("data_processing.events.max_rejected_share", 1.5),
        error=r"max_rejected_share .* = 1.5: .*less than or equal to 1",
    ),
    BadInput(
        "tuning-grid-rank-below-1",
        raises=ParameterError,
        params=nested("modeling.events.tuning.grid.rank", [4, 0]),
        error=r"modeling.events.tuning.grid.rank.1 \(--params\) = 0: "
        r"Input should be greater than or equal to 1",
    ),
    BadInput(
        "misspelt-validation-rule",
        raises=ParameterError,
        params=nested("data_processing.events.tables.events.non_negativ", ["price"]),
        error=r"data_processing.events.tables.events.non_negativ \(--params\) = "
        r"\['price'\]: not a known key \(misspelt\?\); the keys are \['required', "
        r"'allowed', 'non_negative', 'unique', 'not_future', 'timestamp_format'\]",
    ),
    BadInput(
        "misspelt-modeling-key",
        raises=ParameterError,
        params=nested("modeling.events.recommend.candidate_item", 100),
        error=r"modeling.events.recommend.candidate_item \(--params\) = 100: not a "
        r"known key \(misspelt\?\); the keys are \['top_k', 'exclude', "
        r"'max_candidates', 'min_interactions_for_model', 'candidate_items'\]",
    ),
    BadInput(
        "cut-off-outside-the-data",
        raises=ValueError,
        params=nested(
            "feature_engineering.events.split",
            {"validation_start": "2030-01-01", "test_start": "2030-02-01"},
        ),
        pipeline="__default__",
        error=r"leave the validation period empty; the data runs from "
        r"2019-10-01 10:00:00 to 2019-10-20 10:00:00 \(UTC\)",
    ),
    # ---------------------------------------------------------------- files
    BadInput(
        "missing-file",
        raises=RawDataError,
        setup=lambda data: None,
        error=r"events.raw_events: no CSV file at .*01_raw/events. Put the source's "
        r"raw file\(s\) there .*--pipelines=demo_data --namespaces=events",
    ),
    BadInput(
        "demo-data-over-your-files",
        raises=RawDataError,
        setup=olist_files("orders"),
        source="orders",
        pipeline="demo_data",
        error=r"Demo data never replaces raw files, and 8 raw dataset\(s\) exist: "
        r".*olist_orders_dataset.csv.*To generate demo data there, first move "
        r"those files out of .*01_raw/orders \(the folder must be empty\)",
        written=olist_files_untouched,
    ),
    BadInput(
        "one-olist-file-missing",
        raises=RawDataError,
        setup=without("products", olist_files("orders")),
        source="orders",
        error=r"orders.raw_products: no CSV file at .*olist_products_dataset.csv. The "
        r"folder holds other files \(olist_customers_dataset.csv, .*\): add this "
        r"one from the same download \(see docs/your-data.md\). Demo data is only "
        r"generated into an empty folder.$",
    ),
    BadInput(
        "empty-file",
        raises=RawDataError,
        setup=raw_bytes(b""),
        error=r"is empty \(no header line\)",
    ),
    BadInput(
        "header-only",
        raises=RawDataError,
        setup=events_file(),
        error=r"events.raw_events: \S*/01_raw/events/2019-Oct.csv has a header and "
        r"no data rows",
    ),
    BadInput(
        "renamed-column",
        raises=RawDataError,
        setup=events_file(*GOOD, header=HEADER.replace("user_id", "visitor_id")),
        error=r"2019-Oct.csv has no column\(s\) \['user_id'\]",
    ),
    BadInput(
        "interactions-configured-column-missing",
        raises=RawDataError,
        setup=ratings_file(*RATINGS),
        source="interactions",
        params=nested("data_processing.interactions.columns.item", "itemId"),
        error=r"interactions.raw_interactions: \S*/ratings.csv has no column\(s\) "
        r"\['itemId'\]; its header is \['userId', 'movieId', 'rating', 'timestamp'\]",
    ),
    BadInput(
        "semicolon-delimiter",
        raises=RawDataError,
        setup=raw_bytes(HEADER.replace(",", ";").encode() + b"\n"),
        error=r"The header looks split by another delimiter, ';': set `sep: ';'` in "
        r"the load_args of events.raw_events \(in conf/local/catalog.yml, see "
        r"docs/your-data.md\), or save the file with ','.",
    ),
    BadInput(
        "utf16-encoding",
        raises=RawDataError,
        setup=raw_bytes((HEADER + "\n" + GOOD[0] + "\n").encode("utf-16")),
        error=r"The header is not UTF-8: save the file as UTF-8",
    ),
    BadInput(
        "zip-as-kaggle-ships-it",
        raises=RawDataError,
        setup=raw_bytes(b"PK\x03\x04", name="2019-Oct.csv.zip"),
        error=r"events.raw_events: no CSV file at \S*01_raw/events, and "
        r"\S*/2019-Oct.csv.zip is a zip archive, which Spark cannot read: unzip it "
        r"into \S*01_raw/events",
    ),
    BadInput(
        "olist-kaggle-archive-beside-missing-tables",
        raises=RawDataError,
        setup=also(
            without("products", olist_files("orders")),
            raw_bytes(b"PK\x03\x04", name="brazilian-ecommerce.zip", folder="orders"),
        ),
        source="orders",
        error=r"orders.raw_products: no CSV file at \S*/olist_products_dataset.csv, "
        r"and \S*/brazilian-ecommerce.zip is a zip archive, which Spark cannot "
        r"read: unzip it into \S*01_raw/orders",
    ),
    BadInput(
        "quoted-line-break-splits-an-event",
        raises=DataQualityError,
        setup=bad_row(good_line(30).replace(",apple,", ',"apple\ninc",')),
        error=r"(?s)Table 'events': 2 of 22 rows .*malformed_row: 2\nBy file:\n"
        r"  \S*/2019-Oct.csv: 22 rows in = 20 accepted \+ 2 rejected \(2 malformed "
        r"lines with an unbalanced quote: a quoted field with a line break; set "
        r"`multiLine: true` in the load_args of events.raw_events",
    ),
    # ---------------------------------------------------------------- formats
    BadInput(
        "gzipped-csv",
        setup=raw_bytes(
            gzip.compress(("\n".join([HEADER, *GOOD]) + "\n").encode()),
            name="2019-Oct.csv.gz",
        ),
        quarantined={},
    ),
    BadInput(
        "latin-1-brand-kept-and-counted",
        setup=events_bytes(
            *GOOD, good_line(30).replace(",apple,", ",nestlé,"), encoding="latin-1"
        ),
        kept=GOOD_ROWS + 1,
        quarantined={},
        invalid_utf8=1,
    ),
    BadInput(
        "latin-1-read-with-its-encoding",
        setup=events_bytes(
            *GOOD, good_line(30).replace(",apple,", ",nestlé,"), encoding="latin-1"
        ),
        conf=catalog_override("events.raw_events", encoding="ISO-8859-1"),
        kept=GOOD_ROWS + 1,
        quarantined={},
        written=brand_read_as("nestlé"),
    ),
    BadInput(
        "movielens-u.data-tab-separated-no-header",
        setup=raw_bytes(
            "".join(r.replace(",", "\t") + "\n" for r in RATINGS).encode(),
            name="u.data",
            folder="interactions",
        ),
        conf=catalog_override(
            "interactions.raw_interactions",
            sep="\t",
            header=False,
            pathGlobFilter="u.data",
        ),
        params=nested(
            "data_processing.interactions.columns",
            {
                "user": "_c0",
                "item": "_c1",
                "rating": "_c2",
                "weight": "_c2",
                "timestamp": "_c3",
            },
        ),
        source="interactions",
        table="interactions",
        kept=len(RATINGS),
        quarantined={},
    ),
    BadInput(
        "interactions-quoted-line-break-read-with-multiLine",
        setup=tagged_ratings(),
        conf=catalog_override("interactions.raw_interactions", multiLine=True),
        source="interactions",
        table="interactions",
        kept=len(RATINGS),
        quarantined={},
    ),
    BadInput(
        "interactions-quoted-line-break-without-multiLine",
        setup=tagged_ratings(),
        source="interactions",
        table="interactions",
        kept=len(RATINGS) - 1,
        params=nested("data_processing.interactions.max_rejected_share", 0.5),
        quarantined={"rejected:malformed_row": 2},
        unbalanced_quotes=2,
    ),
    # ---------------------------------------------------------------- rows
    BadInput(
        "wrong-number-of-fields",
        setup=bad_row("2019-10-03 10:00:00 UTC,view,77,1,,,3.0"),
        quarantined={"rejected:malformed_row": 1},
    ),
    BadInput(
        "unparseable-price",
        setup=bad_row(good_line(30).replace(",40.50,", ",40;50,")),
        quarantined={"rejected:unparseable:price": 1},
    ),
    BadInput(
        "unparseable-timestamp",
        setup=bad_row(good_line(30).replace("2019-10-31 10:00", "2019-10-32 10:00")),
        quarantined={"rejected:unparseable:event_time": 1},
    ),
    BadInput(
        "event-after-the-run",
        setup=bad_row(good_line(30).replace("2019-10-31", "2099-10-31")),
        quarantined={"rejected:future:event_time": 1},
    ),
    BadInput(
        "event-far-before-the-bulk",
        setup=bad_row(good_line(30).replace("2019-10-31", "1970-01-01")),
        kept=GOOD_ROWS + 1,  # kept, and flagged in the report
        quarantined={"flag:far_from_bulk:event_time": 1},
    ),
    BadInput(
        "unknown-event-type",
        setup=bad_row(good_line(30).replace(",view,", ",wishlist,")),
        quarantined={"rejected:not_allowed:event_type": 1},
    ),
    BadInput(
        "negative-price",
        setup=bad_row(good_line(30).replace(",40.50,", ",-40.50,")),
        quarantined={"rejected:negative:price": 1},
    ),
    BadInput(
        "null-user-id",
        setup=bad_row(good_line(30).replace(",502,", ",,")),
        quarantined={"rejected:missing:user_id": 1},
    ),
    BadInput(
        "non-integer-product-id",
        setup=bad_row(good_line(30).replace(",1030,", ",10x30,")),
        quarantined={"rejected:unparseable:product_id": 1},
    ),
    BadInput(
        "duplicate-row",
        setup=bad_row(GOOD[3]),
        quarantined={"duplicate": 1},
    ),
    BadInput(
        "millisecond-times-read-as-seconds",
        raises=RawDataError,
        setup=ratings_file(*(f"{r[:-10]}{r[-10:]}000" for r in RATINGS)),
        source="interactions",
        error=r"interactions.raw_interactions: \S*/ratings.csv has times such as "
        r"1570000000000 in column 'timestamp', which are milliseconds since 1970, "
        r"and timestamp_format 'unix' reads seconds: set "
        r"data_processing.<source>.tables.<table>.timestamp_format to 'unix_ms'",
    ),
    BadInput(
        "millisecond-times-read-as-milliseconds",
        setup=ratings_file(*(f"{r[:-10]}{r[-10:]}000" for r in RATINGS)),
        source="interactions",
        table="interactions",
        kept=len(RATINGS),
        params=nested(
            "data_processing.interactions.tables.interactions.timestamp_format",
            "unix_ms",
        ),
        quarantined={},
    ),
    BadInput(
        "interactions-wrong-number-of-fields",
        setup=ratings_file(*RATINGS, "51,399,4.0", "52,398,3.0,1570000000,extra"),
        source="interactions",
        table="interactions",
        params=nested("data_processing.interactions.max_rejected_share", 0.5),
        quarantined={"rejected:malformed_row": 2},
    ),
    BadInput(
        "orders-duplicate-key",
        setup=olist_files("orders", olist_line("orders", 0, order_status="shipped")),
        source="orders",
        table="orders",
        kept=OLIST_ROWS - 1,
        params=nested("data_processing.orders.max_rejected_share", 0.5),
        quarantined={"rejected:duplicate_key:order_id": 2},
    ),
    BadInput(
        "orders-review-score-not-allowed",
        setup=olist_files(
            "order_reviews", olist_line("order_reviews", 9, review_score="7")
        ),
        source="orders",
        table="order_reviews",
        kept=OLIST_ROWS,
        params=nested("data_processing.orders.max_rejected_share", 0.5),
        quarantined={"rejected:not_allowed:review_score": 1},
    ),
    BadInput(
        "rejected-share-above-threshold",
        raises=DataQualityError,
        setup=events_file(*GOOD, *(f"x,view,{i},1,,,1.0,1,s" for i in range(3))),
        error=r"(?s)Table 'events': 3 of 23 rows \(13.04%\) were rejected, above "
        r"max_rejected_share=0.05.*unparseable:event_time: 3\n"
        r"By file:\n  \S*/2019-Oct.csv: 23 rows in = 20 accepted \+ 3 rejected",
        written=quarantine_and_report_of_the_stopped_run,
    ),
    BadInput(
        # issue 14, item 9: a whole file in another timestamp format ends in one
        # line naming the file, the column, the format and the parameter
        "timestamps-of-a-whole-file-in-another-format",
        raises=TimestampFormatError,
        setup=events_file(
            *(
                good_line(i).replace(
                    f"2019-10-{1 + i:02d} 10:00:00 UTC", f"{1 + i:02d}/10/2019 10:00"
                )
                for i in range(GOOD_ROWS)
            )
        ),
        error=r"(?s)20 of 20 rows \(100.00%\) were rejected.*\n\S*/2019-Oct\.csv: no "
        r"value of column 'event_time' is a time in the format "
        r"'yyyy-MM-dd HH:mm:ss z' \(e\.g\. '01/10/2019 10:00'\): set "
        r"data_processing\.events\.tables\.events\.timestamp_format in "
        r"conf/base/parameters_data_processing\.yml[^\n]*$",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gets_a_clear_error_or_is_quarantined(spark, tmp_path, case):
    project = make_project(tmp_path)
    case.setup(project["data"])
    for name, text in case.conf.items():
        (project["conf"] / "test" / name).write_text(text)
    if case.error:
        with pytest.raises(case.raises, match=case.error) as error:
            run(project, case.pipeline, [case.source], runtime_params=case.params)
        assert type(error.value) is case.raises
        if case.raises in (ParameterError, RawDataError):
            # it failed before any Spark work: nothing was read or written
            assert not (project["data"] / "02_intermediate").exists()
        if case.written:
            case.written(project["data"])
        return
    run(project, case.pipeline, [case.source], runtime_params=case.params)
    reports = project["data"] / "08_reporting" / case.source
    report = pd.read_csv(reports / "data_quality.csv")
    # the other tables (orders) keep every row
    others = report[report["table"] != case.table]
    assert set(others["outcome"]) <= {"kept", "duplicate"}
    assert (others.loc[others["outcome"] == "kept", "rows"] == OLIST_ROWS).all()
    report = report[report["table"] == case.table]
    # flags note kept rows: they are not outcomes of their own
    rows_in = case.kept + sum(
        n for o, n in case.quarantined.items() if not o.startswith("flag:")
    )
    assert (report["rows_in"] == rows_in).all()
    outcomes = dict(zip(report["outcome"], report["rows"], strict=True))
    assert {outcome: n for outcome, n in outcomes.items() if n} == {
        "kept": case.kept,  # every good line is kept
        **case.quarantined,
    }
    assert report.loc[~report["outcome"].str.startswith("flag:"), "rows"].sum() == (
        rows_in
    )
    files = pd.read_csv(reports / "data_quality_files.csv")
    files = files[files["table"] == case.table]
    rejected = sum(n for o, n in case.quarantined.items() if o.startswith("rejected"))
    assert len(files) == 1
    assert files[["rows_in", "accepted", "rejected"]].values.tolist() == [
        [rows_in, rows_in - rejected, rejected]
    ]
    assert files[["invalid_utf8", "unbalanced_quotes"]].values.tolist() == [
        [case.invalid_utf8, case.unbalanced_quotes]
    ]
    if case.written:
        case.written(project["data"])

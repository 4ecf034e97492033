"""How the dashboard shows numbers, products and column names: one format for
each kind of value, so a share reads ``12.3%`` and a count ``1,234``
everywhere. Pure functions on values and small frames (no Streamlit)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ecom_recsys.names import CURRENCY, FROM_MODEL, FROM_POPULARITY, FROM_SEGMENT

MISSING = "–"
CURRENCY_SYMBOL = {"BRL": "R$"}

# What people call a source's users, products and rows.
WORDS = {
    "events": {"users": "customers", "products": "products", "rows": "events"},
    "orders": {"users": "customers", "products": "products", "rows": "purchases"},
    "interactions": {"users": "users", "products": "items", "rows": "ratings"},
}
SOURCE_NAMES = {
    "events": "Clickstream (events)",
    "orders": "Orders (Olist)",
    "interactions": "Ratings (interactions)",
}
SOURCE_DESCRIPTIONS = {
    "events": "A shop's clickstream: views, carts and purchases (REES46 format).",
    "orders": "A marketplace's orders, reviews and customers (Olist format).",
    "interactions": "Users' ratings of items (MovieLens format).",
}

# Olist product ids and customer ids are 32 hex characters: the first 8 tell
# them apart on a page.
HEX_ID = re.compile(r"^[0-9a-f]{32}$")
SHORT_ID = 8


def words(source: str) -> dict[str, str]:
    """The source's words for users, products and rows."""
    return WORDS.get(source, WORDS["interactions"])


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: Any, digits: int = 0) -> str:
    """``1,234`` (``digits`` decimals), or a dash when there is no value."""
    return MISSING if _missing(value) else f"{value:,.{digits}f}"


def percent(value: Any, digits: int = 1) -> str:
    """A share as ``12.3%``: the one percentage format of the dashboard."""
    return MISSING if _missing(value) else f"{value:.{digits}%}"


def compact(value: Any) -> str:
    """A large number in few characters: ``563.2k``, ``1.2M``."""
    if _missing(value):
        return MISSING
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:,.1f}{suffix}"
    return f"{value:,.0f}"


def compact_money(value: Any, source: str) -> str:
    """:func:`compact` with the source's currency: ``R$ 563.2k``."""
    symbol = currency(source)
    text = compact(value)
    return f"{symbol} {text}" if symbol and text != MISSING else text


def period(first: Any, last: Any) -> str:
    """A span of dates in few characters: ``Oct 2019``, ``Mar–Oct 2018``,
    ``Sep 2016 – Oct 2018``."""
    if _missing(first) or _missing(last) or pd.isna(first) or pd.isna(last):
        return MISSING
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    if (first.year, first.month) == (last.year, last.month):
        return f"{last:%b %Y}"
    if first.year == last.year:
        return f"{first:%b}–{last:%b %Y}"
    return f"{first:%b %Y} – {last:%b %Y}"


def change(value: Any) -> str:
    """A relative change as ``+184%`` or ``-19%``."""
    return MISSING if _missing(value) else f"{value:+.0%}"


def currency(source: str) -> str | None:
    """The currency symbol of the source's prices, None when unknown."""
    code = CURRENCY.get(source)
    return CURRENCY_SYMBOL.get(code, code) if code else None


def money(value: Any, source: str) -> str:
    """``R$ 1,234.56`` where the source's currency is known, else ``1,234.56``."""
    if _missing(value):
        return MISSING
    symbol = currency(source)
    return f"{symbol} {value:,.2f}" if symbol else f"{value:,.2f}"


def short_id(value: Any) -> str:
    """An id as people can read it: a 32-character hash shortened to 8."""
    text = str(value)
    return text[:SHORT_ID] if HEX_ID.match(text) else text


def category(value: Any) -> str | None:
    """A category as words: ``electronics.audio.headphone`` -> ``Electronics ›
    audio › headphone``, ``health_beauty`` -> ``Health beauty``."""
    if _missing(value) or value in ("", "(none)"):
        return None
    text = " › ".join(str(value).replace("_", " ").split("."))
    return text[:1].upper() + text[1:]


def _leaf(category_code: Any) -> str | None:
    return None if _missing(category_code) else str(category_code).split(".")[-1]


def product_label(row: Mapping[str, Any], source: str) -> str:
    """What a person recognises a product by: a title (MovieLens), brand and
    kind (REES46: ``Samsung smartphone``), or category and a short id (Olist)."""
    product = row.get("product_id")
    title = row.get("title")
    if not _missing(title):
        return str(title)
    if source == "events":
        brand = row.get("brand")
        leaf = _leaf(row.get("category_code"))
        if not _missing(brand):
            return f"{str(brand).title()} {(leaf or 'product').replace('_', ' ')}"
        if leaf:
            return leaf.replace("_", " ").capitalize()
        return f"Product {product}"
    kind = category(row.get("product_category"))
    if kind:
        return f"{kind} · {short_id(product)}"
    return f"{'Item' if source == 'interactions' else 'Product'} {short_id(product)}"


def product_labels(frame: pd.DataFrame, source: str, id_column: str = "product_id"):
    """:func:`product_label` of every row (``id_column`` holds the product id);
    a label two products share gets each one's id (``Samsung product 1000001``)."""
    rows = frame.rename(columns={id_column: "product_id"}).to_dict("records")
    labels = pd.Series([product_label(r, source) for r in rows], index=frame.index)
    shared = labels.duplicated(keep=False) & labels.notna()
    ids = frame[id_column].map(short_id)
    return labels.where(~shared, labels + " " + ids.astype(str))


def origin_label(origin: Any, model: str | None = None) -> str:
    """Where a recommended product came from, in words (``model``: the
    served model's name)."""
    text = str(origin)
    if text == FROM_MODEL:
        return model or "chosen model"
    if text.startswith(f"{FROM_SEGMENT}:"):
        return f"favourites of '{text.split(':', 1)[1]}'"
    if text == FROM_POPULARITY:
        return "most popular"
    return text


@dataclass(frozen=True)
class Column:
    """How a column is shown: its heading, kind of value and an explanation."""

    label: str
    kind: str = "count"  # count, whole, money, share, decimal, rating, text, date
    help: str | None = None


# Every column a page may show, by its name in the outputs.
COLUMNS: dict[str, Column] = {
    "rank": Column("#"),
    "product": Column("Product", "text"),
    "category": Column("Category", "text"),
    "brand": Column("Brand", "text"),
    "price": Column("Price", "money"),
    "avg_price": Column("Average price", "money"),
    "avg_freight_value": Column("Average freight", "money"),
    "revenue": Column("Revenue", "money"),
    "avg_monetary": Column("Average spend", "money"),
    "monetary": Column("Spent", "money"),
    "users": Column("Users"),
    "customers": Column("Customers"),
    "n_customers": Column("Customers"),
    "n_orders": Column("Orders"),
    "n_products": Column("Products"),
    "products": Column("Products"),
    "views": Column("Views"),
    "carts": Column("Added to cart"),
    "remove_from_carts": Column("Removed from cart"),
    "purchases": Column("Purchases"),
    "events": Column("Events"),
    "conversion_rate": Column(
        "Conversion", "share", "Purchases per view of the product or category"
    ),
    "share": Column("Share of customers", "share"),
    "share_of_viewers": Column(
        "Share of viewers", "share", "Users who did this / users who viewed"
    ),
    "avg_review_score": Column("Review score", "rating", "Average, 1 to 5"),
    "avg_recency_days": Column(
        "Days since last order", "whole", "Average per customer"
    ),
    "avg_frequency": Column("Orders per customer", "decimal"),
    "product_weight_g": Column("Weight (g)"),
    "genres": Column("Genres", "text"),
    "from": Column("Recommended by", "text"),
    "seen": Column("Already", "text", "What the user did with it before"),
    "similarity": Column(
        "Similarity", "decimal", "Cosine of the two products' ALS factors (-1 to 1)"
    ),
    "together": Column(
        "Users with both", "whole", "Users who had this product and the other one"
    ),
    "when": Column("When", "date"),
    "what": Column("What", "text"),
    "period": Column("Period", "text"),
    "rating": Column("Rating", "rating"),
    "id": Column("Id", "text"),
    "step": Column("Step", "text"),
    "segment": Column("Segment", "text"),
    "definition": Column("Rule", "text", "Who is in the segment"),
    "model_share": Column(
        "From the model", "share", "Share of their recommendations from the model"
    ),
}


def category_text(value: Any) -> str:
    """:func:`category`, or an empty cell for a product without one."""
    return category(value) or ""


def table_columns(frame: pd.DataFrame) -> dict[str, Column]:
    """The :class:`Column` of each of ``frame``'s known columns."""
    return {name: COLUMNS[name] for name in frame.columns if name in COLUMNS}


def readable(frame: pd.DataFrame, keep: list[str]) -> pd.DataFrame:
    """``frame``'s ``keep`` columns that it has, in that order; shares as
    percent values (``0.123`` -> ``12.3``), as the ``%.1f%%`` format shows."""
    shown = frame[[c for c in keep if c in frame.columns]].copy()
    for name, column in table_columns(shown).items():
        if column.kind == "share":
            shown[name] = shown[name] * 100
    return shown

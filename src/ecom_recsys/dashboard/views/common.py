"""Helpers every view uses: tables with readable headings and one number
format per kind of value, and the per-source facts views share."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from ecom_recsys.dashboard import data, formats, insights, reads
from ecom_recsys.params import RecommendParams, RelevanceParams


def column_config(column: formats.Column, source: str):
    """Streamlit's column settings for a :class:`formats.Column`."""
    symbol = formats.currency(source)
    number = {
        "count": "%,d",
        "whole": "%,.0f",
        "money": f"{symbol} %,.2f" if symbol else "%,.2f",
        "share": "%.1f%%",
        "decimal": "%,.2f",
        "rating": "%.2f",
    }
    if column.kind in number:
        return st.column_config.NumberColumn(
            column.label, help=column.help, format=number[column.kind]
        )
    if column.kind == "date":
        return st.column_config.DatetimeColumn(
            column.label, help=column.help, format="YYYY-MM-DD HH:mm"
        )
    return st.column_config.TextColumn(column.label, help=column.help)


def show_table(
    frame: pd.DataFrame,
    source: str,
    keep: list[str],
    *,
    style: Callable[[pd.DataFrame], object] | None = None,
    height: int | str = "auto",
    key: str | None = None,
) -> None:
    """``frame``'s ``keep`` columns with readable headings and formats (shares
    as ``12.3%``, amounts with the source's currency, counts with separators);
    ``style`` may return a pandas Styler of the shown frame (highlights)."""
    shown = formats.readable(frame, keep)
    config = {
        name: column_config(column, source)
        for name, column in formats.table_columns(shown).items()
    }
    st.dataframe(
        style(shown) if style else shown,
        hide_index=True,
        column_config=config,
        height=height,
        key=key,
    )


def with_labels(frame: pd.DataFrame, source: str, id_column="product_id"):
    """``frame`` with ``product`` (a label people recognise) and ``category``
    (in words, empty for a product without one) added."""
    labelled = frame.assign(product=formats.product_labels(frame, source, id_column))
    for raw in ("category_code", "product_category"):
        if raw in frame:
            labelled["category"] = frame[raw].map(formats.category_text)
    if "brand" in frame:
        labelled["brand"] = frame["brand"].fillna("")
    if "genres" in frame:  # MovieLens: Adventure|Animation
        labelled["genres"] = frame["genres"].fillna("").str.replace("|", ", ")
    return labelled


def served_name(config: data.Settings, source: str) -> str | None:
    """The readable name of the model served (from the metrics table)."""
    metrics = reads.table(config, f"{source}.model_metrics")
    served = insights.served_model(metrics) if metrics is not None else None
    return insights.model_meaning(served).name if served else None


def relevant(config: data.Settings, source: str) -> str:
    """What makes a hit in the evaluation, as a verb phrase (``buy``)."""
    rules = reads.parameter(
        config, f"feature_engineering.{source}.evaluation", RelevanceParams
    )
    if rules is None:
        return "choose"
    return insights.relevant_words(rules.relevant_event_types, rules.min_rating)


def min_history(config: data.Settings, source: str) -> int:
    """Distinct products a user needs for the model to serve them."""
    recommend = reads.parameter(config, f"modeling.{source}.recommend", RecommendParams)
    return recommend.min_interactions_for_model if recommend else 1


def id_picker(
    label: str, key: str, labels: dict[str, str], placeholder: str, **kwargs
) -> str | None:
    """An id: one of ``labels`` (id -> what is shown), or any typed one.

    Bound to the URL (``?<key>=<id>``); filtered as the user types.
    """
    chosen = st.selectbox(
        label,
        list(labels),
        index=None,
        key=key,
        bind="query-params",
        format_func=lambda value: labels.get(value, value),
        placeholder=placeholder,
        accept_new_options=True,
        filter_mode="contains",
        **kwargs,
    )
    return None if chosen is None else str(chosen).strip() or None

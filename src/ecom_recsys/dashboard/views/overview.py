"""Overview: the verdict in one sentence, the key figures, the funnel as shares
of viewers, activity over time and the best sellers. Reads only small tables
(no table with a row per user or product)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ecom_recsys.dashboard import charts, data, formats, insights, reads
from ecom_recsys.dashboard.views import common
from ecom_recsys.params import TopProductsParams

BEST_SELLERS = 10


def _revenue(config: data.Settings, source: str) -> float | None:
    """Total revenue from the category tables (a row per category)."""
    name = {
        "events": f"{source}.category_summary",
        "orders": f"{source}.category_aggregates@pandas",
    }.get(source)
    categories = reads.table(config, name) if name else None
    return None if categories is None else float(categories["revenue"].sum())


def _period(activity: pd.DataFrame | None) -> str:
    if activity is None or activity.empty:
        return formats.MISSING
    days = pd.to_datetime(activity["date"])
    return formats.period(days.min(), days.max())


def verdict(config: data.Settings, source: str) -> None:
    """The served model against the best simple alternative, in words."""
    metrics = reads.table(config, f"{source}.model_metrics")
    judged = insights.judge(metrics) if metrics is not None else None
    if judged is None:
        st.info(reads.outputs(config).missing_message(source, "model_metrics"))
        return
    relevant = common.relevant(config, source)
    sentence = insights.verdict_sentence(
        judged,
        reads.table(config, f"{source}.served_summary"),
        source,
        relevant,
        common.min_history(config, source),
    )
    good = (judged.lift or 0) > 0 and not judged.within_uncertainty
    with st.container(key="verdict"):
        (st.success if good else st.info)(sentence, icon=":material/recommend:")
        meaning = insights.metric_meanings(judged.k, relevant)["ndcg"]
        said = formats.words(source)
        cold = (
            f" ({formats.number(judged.users_cold)} new {said['users']} of the test "
            "period are not in it)"
            if judged.users_cold
            else ""
        )
        st.caption(
            f"{meaning.name} scores each list by {meaning.definition}; averaged "
            f"over the {said['users']} with history before the test period{cold}. "
            "Every metric: the Model view."
        )


def key_figures(config: data.Settings, source: str, activity) -> None:
    said = formats.words(source)
    users = reads.count(config, f"{source}.user_index@pandas")
    products = reads.count(config, f"{source}.product_index@pandas")
    rows = None
    if activity is not None and not activity.empty:
        rows = int(activity.loc[activity["event_type"] == "all", "events"].sum())
    figures = [
        (said["users"].capitalize(), formats.number(users), None),
        (said["products"].capitalize(), formats.number(products), None),
        (said["rows"].capitalize(), formats.compact(rows), formats.number(rows)),
    ]
    revenue = _revenue(config, source)
    if revenue is not None:
        figures.append(
            (
                "Revenue",
                formats.compact_money(revenue, source),
                formats.money(revenue, source),
            )
        )
    figures.append(("Period", _period(activity), None))
    for cell, (label, value, exact) in zip(
        st.columns(len(figures)), figures, strict=True
    ):
        cell.metric(label, value, help=exact)


def _best_sellers(config: data.Settings, source: str) -> None:
    said = formats.words(source)
    top = reads.need(config, source, "top_products")
    if top is None or top.empty:
        return
    by = reads.parameter(
        config, f"reporting.{source}.top_products", TopProductsParams
    ).by
    heading = formats.COLUMNS.get(by, formats.Column(by)).label
    st.subheader(f"Top {said['products']}")
    shown = common.with_labels(top.head(BEST_SELLERS), source)
    st.altair_chart(charts.ranked_bars(shown, by, "product", heading), width="stretch")
    st.caption(f"By {heading.lower()}. More in the Products view.")


def _funnel(config: data.Settings, source: str) -> None:
    st.subheader("Conversion funnel")
    steps = reads.need(config, source, "bi_funnel")  # four rows
    if steps is not None:
        st.altair_chart(charts.funnel(steps), width="stretch")
        st.caption(
            "Users who did each step, as a share of the users who viewed a product."
        )


def overview(config: data.Settings, source: str) -> None:
    """The page a manager opens first."""
    verdict(config, source)
    activity = reads.table(config, f"{source}.activity")
    key_figures(config, source, activity)
    st.subheader("Activity over time")
    if activity is None:
        st.info(reads.outputs(config).missing_message(source, "activity"))
    elif activity.empty:
        st.caption("No activity with a time.")
    else:
        drawn = charts.activity(activity, source)
        for cell, chart in zip(st.columns(len(drawn)), drawn, strict=True):
            cell.altair_chart(chart, width="stretch")
    if source == "events":
        left, right = st.columns(2)
        with left:
            _funnel(config, source)
        with right:
            _best_sellers(config, source)
    else:
        _best_sellers(config, source)

"""Segments (sources with RFM segments): customers per segment with each
segment's rule, where their recommendations come from, and what each
segment buys most."""

from __future__ import annotations

import streamlit as st

from ecom_recsys.dashboard import charts, data, insights, reads
from ecom_recsys.dashboard.views import common
from ecom_recsys.params import RFMParams

SUMMARY_COLUMNS = [
    "segment", "definition", "customers", "share", "avg_recency_days",
    "avg_frequency", "avg_monetary", "avg_review_score", "model_share",
]  # fmt: skip


def segments(config: data.Settings, source: str) -> None:
    """Customers per segment and each segment's favourites."""
    summary = reads.need(config, source, "segment_summary")
    if summary is None:
        return
    rfm = reads.parameter(config, f"feature_engineering.{source}.rfm", RFMParams)
    meaning = insights.segment_definitions(rfm, source) if rfm else {}
    served = reads.table(config, f"{source}.bi_segments")
    table = summary.assign(definition=summary["segment"].map(meaning).fillna(""))
    if served is not None and "model_share" in served:
        table = table.merge(
            served[["segment", "model_share"]], on="segment", how="left"
        )
    st.subheader("Customers per segment")
    st.altair_chart(
        charts.ranked_bars(
            table, "customers", "segment", "Customers",
            tooltips=[("definition", "Rule", None), ("share", "Share", ".1%")],
        ),
        width="stretch",
    )  # fmt: skip
    st.caption(
        "Each customer is in the first segment whose rule they meet (recency, "
        "orders and spend: RFM); averages per customer."
    )
    common.show_table(table, source, SUMMARY_COLUMNS, key="segment-table")
    segment = st.selectbox(
        "Segment",
        table["segment"].tolist(),
        key="segment",
        format_func=lambda s: f"{s}: {meaning.get(s, '')}".rstrip(": "),
    )
    name = f"{source}.group_recommendations@pandas"
    top = reads.rows_of(config, name, "group", segment)
    if top is None:
        st.info(reads.outputs(config).missing_message(source, "group_recommendations"))
        return
    st.subheader(f"What '{segment}' customers buy most")
    st.caption(
        "Served to the segment's customers whom the model does not serve "
        "(too little history)."
    )
    shown = common.with_labels(top.sort_values("rank"), source).rename(
        columns={"n_users": "customers"}
    )
    common.show_table(
        shown, source, ["rank", "product", "category", "avg_price", "customers"]
    )

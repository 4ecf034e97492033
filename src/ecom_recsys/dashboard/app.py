"""The ecom_recsys dashboard: ``make dashboard``, or
``streamlit run src/ecom_recsys/dashboard/app.py -- [--env ENV] [--conf-source DIR]``.

Reads the pipelines' outputs through the Kedro catalog (see ``data.py``); a view
reads only what it shows, and says what to run when an output is missing. The URL
keeps the choices (``?source=orders&view=User&user=<id>``), so a page can be shared.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import streamlit as st

from ecom_recsys.dashboard import data
from ecom_recsys.names import SOURCES

VIEWS = ["Overview", "User", "Products", "Segments", "Model"]
# Kept for 30 s: a run that writes new outputs shows up without a restart.
TTL = 30


def settings() -> data.Settings:
    """From ``streamlit run app.py -- --env ...`` or ``ECOM_RECSYS_*`` variables."""
    own = Path(sys.argv[0]).resolve() == Path(__file__).resolve()
    return data.parse_settings(sys.argv[1:] if own else [], os.environ)


@st.cache_resource(show_spinner="Reading the project's Kedro catalog...")
def outputs(config: data.Settings) -> data.Outputs:
    """The catalog of the chosen environment (built once per process)."""
    return data.open_outputs(config)


@st.cache_data(ttl=TTL, show_spinner=False)
def table(config: data.Settings, name: str, columns: tuple[str, ...] | None = None):
    """A small output, or None when it has not been written."""
    catalog = outputs(config).catalog
    if not data.exists(catalog, name):
        return None
    return data.load(catalog, name, **({"columns": list(columns)} if columns else {}))


@st.cache_data(ttl=TTL, show_spinner=False)
def count(config: data.Settings, name: str) -> int | None:
    """Rows of a Parquet output (from its footers), or None when not written."""
    catalog = outputs(config).catalog
    return data.row_count(catalog, name) if data.exists(catalog, name) else None


@st.cache_data(ttl=TTL, show_spinner=False)
def example_user(config: data.Settings, source: str) -> str | None:
    """The first user id (dense index 0), to show what an id looks like."""
    catalog = outputs(config).catalog
    name = f"{source}.user_index@pandas"
    if not data.exists(catalog, name):
        return None
    first = data.load(
        catalog, name, columns=["user_id"], filters=[("user_idx", "==", 0)]
    )
    return None if first.empty else str(first["user_id"].iloc[0])


def need(config: data.Settings, source: str, name: str, columns=None):
    """``<source>.<name>``, or a message that says what to run to write it."""
    frame = table(config, f"{source}.{name}", columns)
    if frame is None:
        st.info(outputs(config).missing_message(source, name.split("@", maxsplit=1)[0]))
    return frame


def choice(key: str, options: list[str], default: str) -> str:
    """A query parameter's value when it is one of ``options``."""
    value = st.query_params.get(key)
    return value if value in options else default


def overview(config: data.Settings, source: str) -> None:
    """KPIs: users, products, rows, the model against popularity, the funnel."""
    users = count(config, f"{source}.user_index@pandas")
    products = count(config, f"{source}.product_index@pandas")
    quality = table(config, f"{source}.data_quality")
    metrics = table(config, f"{source}.model_metrics")
    kept = None
    if quality is not None:
        rows = quality[(quality["table"] == source) & (quality["outcome"] == "kept")]
        kept = int(rows["rows"].sum()) if len(rows) else None
    cells = st.columns(4)
    cells[0].metric("Users", "-" if users is None else f"{users:,}")
    cells[1].metric("Products", "-" if products is None else f"{products:,}")
    cells[2].metric(
        f"{source.capitalize()} (rows kept)", "-" if kept is None else f"{kept:,}"
    )
    best = data.headline(metrics) if metrics is not None else {}
    if best:
        lift = best["lift"]
        cells[3].metric(
            f"NDCG@{best['k']} of ALS",
            f"{best['als']:.4f}",
            None
            if lift is None
            else f"{lift:+.0%} vs popularity ({best['baseline']:.4f})",
        )
        st.caption(
            f"Evaluated on {best['users_evaluated']:,} users of the test period."
        )
    else:
        cells[3].metric("NDCG of ALS", "-")
        st.info(outputs(config).missing_message(source, "model_metrics"))
    if source == "events":
        st.subheader("Conversion funnel")
        steps = need(config, source, "bi_funnel")  # four rows, from reporting
        if steps is not None:
            left, right = st.columns([2, 1])
            left.bar_chart(steps, x="step", y="events", sort=False)
            right.dataframe(
                steps,
                hide_index=True,
                column_config={
                    "share_of_viewers": st.column_config.NumberColumn(format="percent")
                },
            )


def user(config: data.Settings, source: str) -> None:
    """One user's served list (and where it came from) and history."""
    catalog = outputs(config).catalog
    typed = st.text_input(
        "User id",
        value=st.query_params.get("user", ""),
        placeholder="an id from the source data, e.g. a user_id or customer_unique_id",
    ).strip()
    if not typed:
        example = example_user(config, source)
        hint = f", e.g. `{example}`" if example else ""
        st.caption(f"Type a user id{hint}: only that user's rows are read.")
        return
    st.query_params["user"] = typed
    missing = [
        base
        for base in ("top_recommendations_pretty", "interactions")
        if not data.exists(catalog, f"{source}.{base}@pandas")
    ]
    for base in missing:
        st.info(outputs(config).missing_message(source, base))
    if missing:
        return
    recs = data.rows_of(
        catalog, f"{source}.top_recommendations_pretty@pandas", "user_id", typed
    )
    history = data.rows_of(catalog, f"{source}.interactions@pandas", "user_id", typed)
    if recs.empty and history.empty:
        st.error(
            f"No such user: `{typed}` is not a user of the {source} source "
            "(no recommendations and no history). Check the id: "
            f"{'a number' if source == 'events' else 'the exact id'}, as in the raw data."
        )
        return
    if source == "orders":
        profile = data.rows_of(
            catalog, f"{source}.customer_features@pandas", "customer_unique_id", typed
        )
        if len(profile):
            p = profile.iloc[0]
            cells = st.columns(4)
            cells[0].metric("Segment", p["segment"])
            cells[1].metric("Recency (days)", f"{p['recency_days']:,}")
            cells[2].metric("Orders", f"{p['frequency']:,}")
            cells[3].metric("Spent", f"{p['monetary']:,.2f}")
    with st.container(key="recommendations"):
        st.subheader("Recommendations")
        st.caption(f"Served list: {data.list_origin(recs)}.")
        st.dataframe(recs.drop(columns="user_id").sort_values("rank"), hide_index=True)
    st.subheader("History")
    if history.empty:
        st.caption("No interactions (the user only has recommendations).")
        return
    ids = history["product_id"].drop_duplicates().tolist()
    products = data.load(
        catalog, f"{source}.products@pandas", filters=[("product_id", "in", ids)]
    )
    st.dataframe(data.history_with_products(history, products), hide_index=True)


def products(config: data.Settings, source: str) -> None:
    """The best-selling (or most used) products and categories, from the small
    tables reporting writes (not the tables with a row per product)."""
    catalog = outputs(config).catalog
    by = data.parameter(catalog, f"reporting.{source}.top_products").by
    st.subheader(f"Top products by {by}")
    items = need(config, source, "top_products")
    if items is not None:
        st.dataframe(items.set_index("rank"))
    if source == "events":
        st.subheader("Categories")
        categories = need(config, source, "category_summary")
        if categories is not None:
            st.dataframe(
                categories,
                hide_index=True,
                column_config={
                    "conversion_rate": st.column_config.NumberColumn(format="percent")
                },
            )
    elif source == "orders":
        st.subheader("Categories by revenue")
        categories = need(config, source, "category_aggregates@pandas")
        if categories is not None:
            st.dataframe(data.top_rows(categories, "revenue", n=30))
    else:
        st.caption("This source has no product categories.")


def segments(config: data.Settings, source: str) -> None:
    """Customers per RFM segment and each segment's top products (orders)."""
    if source != "orders":
        st.info("Customer segments (RFM) are built for the orders source.")
        return
    summary = need(config, source, "segment_summary")
    if summary is None:
        return
    st.bar_chart(summary, x="segment", y="customers", sort="-customers")
    st.dataframe(
        summary,
        hide_index=True,
        column_config={"share": st.column_config.NumberColumn(format="percent")},
    )
    segment = st.selectbox("Segment", summary["segment"].tolist())
    catalog = outputs(config).catalog
    name = f"{source}.group_recommendations@pandas"
    if not data.exists(catalog, name):
        st.info(outputs(config).missing_message(source, "group_recommendations"))
        return
    top = data.rows_of(catalog, name, "group", segment)
    st.subheader(f"What segment '{segment}' buys most")
    st.caption("Served to its customers whom the model does not serve.")
    st.dataframe(top.drop(columns="group").sort_values("rank"), hide_index=True)
    stats = table(config, f"{source}.order_statistics")
    if stats is not None:
        st.subheader("Orders")
        st.dataframe(stats, hide_index=True)


def model(config: data.Settings, source: str) -> None:
    """Metrics of ALS and the baselines, and the tuning trials."""
    metrics = need(config, source, "model_metrics")
    if metrics is not None:
        by_model = data.metrics_by_model(metrics)
        k = int(metrics["k"].iloc[0])
        st.subheader(f"Metrics at K={k}")
        accuracy = by_model.loc[
            by_model.index.isin(["precision", "recall", "ndcg", "map"])
        ]
        st.bar_chart(accuracy, stack=False)
        st.dataframe(by_model)
        st.caption(
            "Lift of each model over popularity: "
            + ", ".join(
                f"{row.model} {row.lift_vs_popularity:+.0%}"
                for row in data.configured_protocol(metrics)
                .query("metric == 'ndcg'")
                .itertuples()
                if pd.notna(row.lift_vs_popularity)
            )
            + " (NDCG)."
        )
    trials = table(config, f"{source}.tuning_trials")
    st.subheader("Tuning trials")
    if trials is None or trials.empty:
        st.caption("No tuning trials: hyperparameter search is off for this source.")
        return
    st.bar_chart(trials, x="trial", y="ndcg", color="chosen")
    st.dataframe(trials, hide_index=True)


def main() -> None:
    """Sidebar choices, then the chosen view."""
    st.set_page_config(page_title="ecom_recsys", layout="wide")
    config = settings()
    known = outputs(config)
    with st.sidebar:
        st.title("ecom_recsys")
        source = st.selectbox(
            "Source",
            SOURCES,
            index=SOURCES.index(choice("source", list(SOURCES), "events")),
        )
        view = st.radio(
            "View", VIEWS, index=VIEWS.index(choice("view", VIEWS, "Overview"))
        )
        st.caption(f"Kedro environment: `{known.env or 'local'}`")
    st.query_params["source"] = source
    st.query_params["view"] = view
    if view != "User":
        st.query_params.pop("user", None)
    st.header(f"{view}: {source}")
    if count(config, f"{source}.user_index@pandas") is None:
        st.warning(known.nothing_message(source))
        return
    {
        "Overview": overview,
        "User": user,
        "Products": products,
        "Segments": segments,
        "Model": model,
    }[view](config, source)


main()

"""Products: the best sellers and the categories (revenue, conversion or
reviews) as charts and readable tables, and one product's page with its
similar products. Reads the small tables reporting writes, and one product's
rows of the per-product tables."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ecom_recsys.dashboard import charts, data, formats, reads
from ecom_recsys.dashboard.views import common
from ecom_recsys.params import TopProductsParams

CATEGORIES_SHOWN = 15
# The columns of each source's product tables worth a person's time.
TOP_COLUMNS = [
    "rank", "product", "category", "brand", "genres", "price", "avg_price",
    "users", "views", "carts", "purchases", "conversion_rate", "n_orders",
    "n_customers", "revenue", "avg_review_score",
]  # fmt: skip
CATEGORY_COLUMNS = [
    "category", "products", "n_products", "views", "purchases", "n_orders",
    "n_customers", "conversion_rate", "avg_price", "revenue", "avg_review_score",
]  # fmt: skip
DETAILS = {  # per source: the table with a row per product, and what to show
    "events": ("analytics_summary@pandas", ["views", "carts", "purchases",
               "conversion_rate", "revenue"]),
    "orders": ("products@pandas", ["n_orders", "n_customers", "revenue",
               "avg_review_score"]),
    "interactions": ("products@pandas", ["users"]),
}  # fmt: skip


def best_sellers(config: data.Settings, source: str) -> pd.DataFrame | None:
    said = formats.words(source)
    top = reads.need(config, source, "top_products")
    if top is None:
        return None
    by = reads.parameter(
        config, f"reporting.{source}.top_products", TopProductsParams
    ).by
    heading = formats.COLUMNS.get(by, formats.Column(by)).label
    st.subheader(f"Top {said['products']} by {heading.lower()}")
    shown = common.with_labels(top, source)
    st.altair_chart(charts.ranked_bars(shown, by, "product", heading), width="stretch")
    with st.expander("As a table"):
        common.show_table(shown, source, TOP_COLUMNS)
    return shown


def _category_frame(config: data.Settings, source: str) -> pd.DataFrame | None:
    if source == "events":
        frame = reads.need(config, source, "category_summary")
    elif source == "orders":
        frame = reads.need(config, source, "category_aggregates@pandas")
        if frame is not None:
            frame = frame.rename(columns={"product_category": "category"})
    else:
        st.caption(
            f"This source has no {formats.words(source)['products']} categories."
        )
        return None
    if frame is None:
        return None
    frame = frame.sort_values("revenue", ascending=False, ignore_index=True)
    return frame.assign(
        category=frame["category"].map(formats.category).fillna("(none)")
    )


def categories(config: data.Settings, source: str) -> None:
    frame = _category_frame(config, source)
    if frame is None:
        return
    st.subheader("Categories")
    top = frame.head(CATEGORIES_SHOWN)
    left, right = st.columns(2)
    with left:
        st.altair_chart(
            charts.money_bars(top, "revenue", "category", "Revenue", source),
            width="stretch",
        )
        st.caption("Revenue: the sum of the prices of the items sold.")
    with right:
        if "conversion_rate" in top:
            st.altair_chart(
                charts.share_bars(
                    top, "conversion_rate", "category", "Conversion",
                    largest_first=False,
                ),
                width="stretch",
            )  # fmt: skip
            st.caption("Conversion: purchases per view (same categories).")
        elif "avg_review_score" in top:
            st.altair_chart(
                charts.ranked_bars(
                    top,
                    "avg_review_score",
                    "category",
                    "Review score (1-5)",
                    ".2f",
                    largest_first=False,
                ),  # fmt: skip
                width="stretch",
            )
    st.caption(f"The {len(top)} categories with the most revenue, of {len(frame)}.")
    with st.expander("Every category as a table"):
        common.show_table(frame, source, CATEGORY_COLUMNS)


def _product_picker(top: pd.DataFrame | None) -> str | None:
    labels = {}
    if top is not None:
        labels = dict(zip(top["product_id"].astype(str), top["product"], strict=True))
    return common.id_picker(
        "Product", "product", labels, "Type a product id, or pick a best seller"
    )


def _similar_caption(config: data.Settings, source: str) -> str:
    metrics = reads.table(config, f"{source}.similar_products_metrics")
    if metrics is None or metrics.empty:
        return ""
    test = metrics[(metrics["period"] == "test")].set_index("method")
    served = test[test["served"].astype(bool)]
    if served.empty:
        return ""
    method = served.index[0]
    words = {"als": "ALS item factors", "cooccurrence": "products bought together"}
    text = (
        f"From {words.get(method, method)}, chosen on validation. On the test "
        f"period the next product of a {formats.words(source)['users'][:-1]} was "
        f"among the previous one's {int(served['n'].iloc[0])} similar products "
        f"{formats.percent(served['hit_rate'].iloc[0])} of the time"
    )
    if "popularity" in test.index:
        text += f" (popular products: {formats.percent(test.loc['popularity', 'hit_rate'])})"
    return text + "."


def product_page(config: data.Settings, source: str, top) -> None:
    st.subheader("A product and its similar products")
    product = _product_picker(top)
    if product is None:
        st.caption("Pick a best seller or type a product id.")
        return
    table, figures = DETAILS[source]
    details = reads.rows_of(config, f"{source}.{table}", "product_id", product)
    if details is None:
        st.info(reads.outputs(config).missing_message(source, table.split("@")[0]))
        return
    if details.empty:
        st.info(f"No product `{product}` in the {source} source. Check the id.")
        return
    row = common.with_labels(details, source).iloc[0]
    st.markdown(f"**{row['product']}** · id `{row['product_id']}`")
    cells = st.columns(len(figures) + 1)
    price = row.get("price", row.get("avg_price"))
    cells[0].metric("Price", formats.money(price, source))
    for cell, name in zip(cells[1:], figures, strict=True):
        column = formats.COLUMNS.get(name, formats.Column(name))
        value = row.get(name)
        shown = {
            "money": formats.money(value, source),
            "share": formats.percent(value),
            "rating": formats.number(value, 2),
        }.get(column.kind, formats.number(value))
        cell.metric(column.label, shown)
    similar = reads.rows_of(
        config, f"{source}.similar_products_pretty@pandas", "product_id", product
    )
    if similar is None:
        st.info(
            reads.outputs(config).missing_message(source, "similar_products_pretty")
        )
        return
    if similar.empty:
        st.caption("No similar products: the product has no training interactions.")
        return
    shown = common.with_labels(
        similar.drop(columns="product_id").sort_values("rank"),
        source,
        id_column="similar_product_id",
    )
    # ALS: the cosine of the factors; co-occurrence: users who had both
    score = "similarity" if (shown["method"] == "als").all() else "together"
    st.caption(_similar_caption(config, source))
    common.show_table(
        shown.rename(columns={"score": score}),
        source,
        ["rank", "product", "category", "brand", "genres", "price", "avg_price",
         score],
    )  # fmt: skip


def products(config: data.Settings, source: str) -> None:
    """What sells: best sellers, categories, one product's page."""
    top = best_sellers(config, source)
    categories(config, source)
    product_page(config, source, top)

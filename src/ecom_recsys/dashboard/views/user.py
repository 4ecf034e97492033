"""User: find a user (type an id, or pick an example of each kind), then their
served list (each product by what a person recognises, products they already
had marked) and their history as a timeline. Reads that user's rows only."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ecom_recsys.dashboard import charts, data, formats, insights, reads
from ecom_recsys.dashboard.views import common
from ecom_recsys.names import TEST, TRAIN
from ecom_recsys.params import RFMParams

KINDS = {
    "heavy": "Heavy",
    "light": "Light",
    "cold": "Cold start",
}
KIND_HELP = {
    "heavy": "served by the model, the longest histories",
    "light": "served by the model, the shortest histories",
    "cold": "too little history for the model: a fallback list",
}
# Suggestions shown for an id that matches no user.
SUGGESTIONS = 8
VERBS = {
    "n_view": "viewed",
    "n_cart": "added to cart",
    "n_remove_from_cart": "removed from cart",
    "n_purchase": "bought",
    "n_interaction": "rated",
}
# The most a user did with a product, strongest first: the timeline's rows.
STRONGEST = ["n_purchase", "n_cart", "n_remove_from_cart", "n_view"]


def kind_name(kind: str) -> str:
    """``heavy`` -> ``Heavy``; ``segment:loyal`` -> ``Segment loyal``."""
    if kind.startswith("segment:"):
        return f"Segment {kind.split(':', 1)[1]}"
    return KINDS.get(kind, kind)


def example_labels(examples: pd.DataFrame, source: str) -> dict[str, str]:
    """Each example user's id -> ``Heavy · 512000275 · 39 products``."""
    said = formats.words(source)
    labels: dict[str, str] = {}
    for row in examples.itertuples():
        user_id = str(row.user_id)
        if user_id not in labels:
            labels[user_id] = (
                f"{kind_name(row.kind)} · {formats.short_id(user_id)} · "
                f"{row.history_products} {said['products']} before, "
                f"{row.test_products} in test"
            )
    return labels


def what_they_did(row: pd.Series) -> str:
    """A history row in words: ``viewed 3×, bought``, ``bought, rated 5``."""
    parts = []
    for column, verb in VERBS.items():
        n = row.get(column)
        if n is None or pd.isna(n) or n == 0:
            continue
        parts.append(verb if n == 1 else f"{verb} {int(n)}×")
    rating = row.get("rating")
    if rating is not None and pd.notna(rating):
        parts = [p for p in parts if not p.startswith("rated")]
        parts.append(f"rated {rating:g}")
    return ", ".join(parts) or "interacted"


def strongest(row: pd.Series) -> tuple[float, str]:
    """The timeline row of a history row: its rank (strongest first) and
    name: ``bought``, ``added to cart``...; a rating for rated items."""
    rating = row.get("rating")
    if "n_interaction" in row and rating is not None and pd.notna(rating):
        return -float(rating), f"rated {rating:g}"
    for rank, column in enumerate(STRONGEST):
        n = row.get(column)
        if n is not None and pd.notna(n) and n > 0:
            return float(rank), VERBS[column]
    return float(len(STRONGEST)), "interacted"


def history_table(history: pd.DataFrame, products: pd.DataFrame, source: str):
    """A user's interactions before and during the test period, latest first,
    with product labels (``tuning`` and ``validation`` repeat ``train``)."""
    kept = history[history["period"].isin([TRAIN, TEST])]
    if kept.empty:
        return kept.assign(product="", what="", when=pd.NaT, rank=0.0, action="")
    details = kept.merge(products, on="product_id", how="left", suffixes=("", "_p"))
    details = common.with_labels(details, source)
    details["what"] = details.apply(what_they_did, axis=1)
    ranked = details.apply(strongest, axis=1, result_type="expand")
    details["rank"], details["action"] = ranked[0], ranked[1]
    details["when"] = details["last_event_time"]
    details["period"] = details["period"].map(
        {TRAIN: "before test", TEST: "test period"}
    )
    return details.sort_values("when", ascending=False, ignore_index=True)


def per_day(history: pd.DataFrame, names: int = 4) -> pd.DataFrame:
    """The history per day and action: how many products, and the first
    ``names`` of them (the timeline's points)."""
    days = history.assign(day=history["when"].dt.floor("D"))
    grouped = days.groupby(["day", "rank", "action", "period"], as_index=False)
    points = grouped.agg(products=("product", "size"), names=("product", list))
    points["products_named"] = [
        ", ".join(n[:names]) + (f" and {len(n) - names} more" if len(n) > names else "")
        for n in points.pop("names")
    ]
    return points.rename(columns={"day": "when"})


def picker(config: data.Settings, source: str) -> str | None:
    """The user chosen: typed, or one of the examples."""
    examples = reads.table(config, f"{source}.example_users")
    labels = {} if examples is None else example_labels(examples, source)
    return common.id_picker(
        "User",
        "user",
        labels,
        "Type a user id, or pick an example",
        help="Examples: "
        + "; ".join(f"{KINDS[k]}: {h}" for k, h in KIND_HELP.items())
        + ("; and the most active of each segment." if source == "orders" else "."),
    )


def examples_grid(config: data.Settings, source: str) -> None:
    """Every example user as a button, a column per kind."""
    examples = reads.table(config, f"{source}.example_users")
    if examples is None or examples.empty:
        st.caption(
            "No example users: "
            + reads.outputs(config).missing_message(source, "example_users")
        )
        return
    said = formats.words(source)
    kinds = list(dict.fromkeys(examples["kind"]))
    cells = st.columns(min(len(kinds), 4))
    for i, kind in enumerate(kinds):
        with cells[i % len(cells)]:
            st.markdown(f"**{kind_name(kind)}**")
            help_text = KIND_HELP.get(kind)
            if help_text:
                st.caption(help_text)
            for row in examples[examples["kind"] == kind].itertuples():
                user_id = str(row.user_id)
                st.button(
                    f"{formats.short_id(user_id)} · {row.history_products} "
                    f"{said['products']} before",
                    key=f"example-{kind}-{user_id}",
                    on_click=lambda u=user_id: st.session_state.update(user=u),
                    help=f"{row.test_products} {said['products']} in the test period",
                )


def _suggest(config: data.Settings, source: str, typed: str) -> None:
    """Users whose id contains what was typed, as buttons."""
    known = reads.ids(config, f"{source}.user_index@pandas", "user_id")
    matches = [] if known is None else known[known.str.contains(typed, regex=False)]
    said = formats.words(source)
    if len(matches) == 0:
        st.info(
            f"No {said['users'][:-1]} has the id `{typed}` or an id containing it "
            f"in the {source} source. Pick an example above, or check the id "
            "(as in the raw data)."
        )
        return
    st.info(f"No {said['users'][:-1]} `{typed}`; ids that contain it:")
    cells = st.columns(4)
    for i, user_id in enumerate(matches.head(SUGGESTIONS)):
        cells[i % 4].button(
            user_id,
            key=f"suggest-{user_id}",
            on_click=lambda u=user_id: st.session_state.update(user=u),
        )


def _profile(config, source, user_id, history) -> None:
    """Key figures of the user; for orders also their segment and RFM."""
    said = formats.words(source)
    before = history[history["period"] == TRAIN]["product_id"].nunique()
    after = history[history["period"] == TEST]["product_id"].nunique()
    last = history["last_event_time"].max() if len(history) else None
    figures = [
        (f"{said['products'].capitalize()} before the test", before, None),
        (f"{said['products'].capitalize()} in the test period", after, None),
        ("Last active", "–" if pd.isna(last) else f"{last:%d %b %Y}", None),
    ]
    profile = None
    if source == "orders":
        profile = reads.rows_of(
            config, f"{source}.customer_features@pandas", "customer_unique_id", user_id
        )
    if profile is not None and len(profile):
        p = profile.iloc[0]
        rfm = reads.parameter(config, f"feature_engineering.{source}.rfm", RFMParams)
        meaning = insights.segment_definitions(rfm, source) if rfm else {}
        figures += [
            ("Segment", p["segment"], meaning.get(p["segment"])),
            ("Days since last order", formats.number(p["recency_days"]), None),
            ("Orders", formats.number(p["frequency"]), None),
            ("Spent", formats.money(p["monetary"], source), None),
        ]
    for i, (label, value, help_text) in enumerate(figures):
        if i % 4 == 0:
            cells = st.columns(4)
        cells[i % 4].metric(label, value, help=help_text)


def recommendations(
    recs: pd.DataFrame, seen: pd.DataFrame, source: str, model: str | None
) -> None:
    with st.container(key="recommendations"):
        st.subheader("Recommended")
        if recs.empty:
            st.caption("No recommendations for this user.")
            return
        before = dict(zip(seen["product_id"], seen["what"], strict=False))
        shown = common.with_labels(recs.sort_values("rank"), source).assign(
            **{
                "from": lambda f: (
                    f["source"].map(lambda o: formats.origin_label(o, model))
                    if "source" in f
                    else ""
                ),
                "seen": lambda f: f["product_id"].map(
                    lambda p: f"✓ {before[p]}" if p in before else ""
                ),
            }
        )
        marked = int((shown["seen"] != "").sum())
        st.caption(
            f"Served list: {data.list_origin(recs, model)}. "
            + (
                f"✓ marks the {marked} the user already interacted with."
                if marked
                else "None of them is one the user already interacted with."
            )
        )
        common.show_table(
            shown,
            source,
            ["rank", "product", "category", "brand", "genres", "price",
             "avg_price", "seen", "from"],
        )  # fmt: skip


def timeline(history: pd.DataFrame, source: str, cutoff) -> None:
    st.subheader("History")
    if history.empty:
        st.caption(
            "No history: the user only has recommendations (a new user, served "
            "a fallback list)."
        )
        return
    st.altair_chart(charts.timeline(per_day(history), cutoff), width="stretch")
    start = (
        ""
        if cutoff is None
        else f"; the dashed line starts the test period ({cutoff:%d %b %Y})"
    )
    st.caption(
        "A point per day and action, larger for more products (each product at "
        f"its last time){start}. Hover for the products."
    )
    common.show_table(
        history, source, ["when", "product", "category", "genres", "what", "period"]
    )


def _cutoff(config: data.Settings, source: str):
    split = reads.parameter(config, f"feature_engineering.{source}.split")
    start = (split or {}).get("test_start")
    strategy = (split or {}).get("strategy", "time")
    return pd.Timestamp(start) if start and strategy == "time" else None


def user(config: data.Settings, source: str) -> None:
    """One user's page."""
    typed = picker(config, source)
    if typed is None:
        st.caption(
            "Type an id, or pick one of these examples: only that user's rows are read."
        )
        examples_grid(config, source)
        return
    catalog = reads.outputs(config).catalog
    missing = [
        base
        for base in ("top_recommendations_pretty", "interactions")
        if not data.exists(catalog, f"{source}.{base}@pandas")
    ]
    for base in missing:
        st.info(reads.outputs(config).missing_message(source, base))
    if missing:
        return
    recs = reads.rows_of(
        config, f"{source}.top_recommendations_pretty@pandas", "user_id", typed
    )
    history = reads.rows_of(config, f"{source}.interactions@pandas", "user_id", typed)
    if recs.empty and history.empty:
        _suggest(config, source, typed)
        return
    _profile(config, source, typed, history)
    ids = tuple(history["product_id"].drop_duplicates().tolist())
    products = reads.rows_in(config, f"{source}.products@pandas", "product_id", ids)
    if products is None or not ids:
        products = pd.DataFrame({"product_id": history["product_id"].iloc[:0]})
    past = history_table(history, products, source)
    recommendations(
        recs,
        past.drop_duplicates("product_id"),
        source,
        common.served_name(config, source),
    )
    timeline(past, source, _cutoff(config, source))

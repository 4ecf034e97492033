"""The dashboard's words and numbers: formats, product labels, the overview's
verdict and the definitions of metrics and segments (pure functions)."""

from __future__ import annotations

import pandas as pd
import pytest

from ecom_recsys.dashboard import formats, insights
from ecom_recsys.params import RFMParams
from tests.pipelines.test_orders_features import RFM


def test_numbers_have_one_format_per_kind():
    assert formats.number(534346.2) == "534,346"
    assert formats.number(None) == formats.MISSING
    assert formats.percent(0.0171) == "1.7%"
    assert formats.money(534346.2, "orders") == "R$ 534,346.20"
    assert formats.money(534346.2, "events") == "534,346.20"  # unit unknown
    assert formats.compact(534346.2) == "534.3k"
    assert formats.compact_money(1_250_000, "orders") == "R$ 1.2M"
    assert formats.period("2019-10-01", "2019-10-31") == "Oct 2019"
    assert formats.period("2018-03-01", "2018-10-31") == "Mar–Oct 2018"
    assert formats.period("2016-09-04", "2018-10-17") == "Sep 2016 – Oct 2018"


def test_products_are_named_by_what_people_recognise():
    events = pd.DataFrame(
        {
            "product_id": [1, 2, 3, 4, 5],
            "category_code": ["electronics.smartphone", None, None, "computers.notebook",
                              "computers.notebook"],
            "brand": ["samsung", "apple", None, "asus", "asus"],
        }
    )  # fmt: skip
    assert formats.product_labels(events, "events").tolist() == [
        "Samsung smartphone",
        "Apple product",
        "Product 3",
        "Asus notebook 4",  # two products share a label: their ids tell them apart
        "Asus notebook 5",
    ]
    olist = pd.DataFrame(
        {
            "product_id": ["942983e1dbc11161cc7db048023a2067"],
            "product_category": ["health_beauty"],
        }
    )
    assert formats.product_labels(olist, "orders").tolist() == [
        "Health beauty · 942983e1"
    ]
    movies = pd.DataFrame(
        {"product_id": ["1", "2"], "title": ["Toy Story (1995)", None]}
    )
    assert formats.product_labels(movies, "interactions").tolist() == [
        "Toy Story (1995)",
        "Item 2",
    ]
    assert (
        formats.category("appliances.kitchen.washer") == "Appliances › kitchen › washer"
    )
    assert formats.category("(none)") is None
    assert formats.short_id(512000123) == "512000123"


def _metrics(values: dict[str, float], served: str, users=527, cold=155, ci=0.02):
    rows = []
    for model, value in values.items():
        for metric, v in (("ndcg", value), ("ndcg_ci_low", value - ci),
                          ("ndcg_ci_high", value + ci)):  # fmt: skip
            rows.append(
                (model, "configured", metric, 10, v, users, cold, model == served)
            )
    return pd.DataFrame(
        rows,
        columns=["model", "protocol", "metric", "k", "value", "users_evaluated",
                 "users_cold", "served"],
    )  # fmt: skip


SERVED = pd.DataFrame(
    {"origin": ["model", "popularity"], "users": [1345, 155], "recommendations": [1, 1]}
)


def test_the_verdict_names_the_model_the_lift_the_users_and_the_others():
    metrics = _metrics(
        {"als": 0.26, "popularity": 0.15, "recent_popularity": 0.15, "own_history": 0.2,
         "random": 0.01}, "als",
    )  # fmt: skip
    verdict = insights.judge(metrics)
    assert (verdict.served, verdict.best) == ("als", "own_history")
    assert verdict.lift == pytest.approx(0.3)
    assert not verdict.within_uncertainty  # 0.2 is below 0.26 - 0.02
    text = insights.verdict_sentence(verdict, SERVED, "events", "buy", 1)
    assert text == (
        "**ALS** (collaborative filtering: what users with similar histories chose) "
        "was chosen on the validation period. On the later test period, for 527 "
        "customers, its top-10 lists ranked what they went on to buy **30% better "
        "than** the best simple alternative, own history (NDCG@10 0.260 against "
        "0.200). The other 155 of 1,500 customers, with no history, get the most "
        "popular products."
    )


def test_a_served_baseline_that_loses_on_test_is_said_to_lose():
    metrics = _metrics(
        {"als": 0.04, "popularity": 0.107, "own_history": 0.107,
         "recent_popularity": 0.064}, "recent_popularity", users=42, ci=0.05,
    )  # fmt: skip
    verdict = insights.judge(metrics)
    assert verdict.best == "popularity"  # a tie names the first simple alternative
    served = pd.DataFrame({"origin": ["segment:loyal", "model"], "users": [90, 10]})
    text = insights.verdict_sentence(verdict, served, "orders", "buy", 2)
    assert "no model beat this simple alternative clearly there" in text
    assert "**40% worse than** the best simple alternative, popularity" in text
    assert "on this many customers the difference is within chance" in text
    assert text.endswith(
        "The other 90 of 100 customers, with fewer than 2 products in their "
        "history, get their segment's favourites."
    )


def test_a_large_lift_reads_as_times():
    assert insights.how_much(11.4) == "**12.4 times as well as**"
    assert insights.how_much(-0.19) == "**19% worse than**"


def test_what_counts_as_a_hit_in_words():
    assert insights.relevant_words(["view", "cart", "purchase"]) == (
        "view, add to cart or buy"
    )
    assert insights.relevant_words(["interaction"], 4.0) == "rate 4 or more"


def test_every_segment_rule_reads_as_a_sentence():
    rfm = RFMParams.model_validate(
        {
            **RFM,  # the thresholds of conf/base
            "segments": [
                {"name": "champions", "min_r": 3, "min_f": 2, "min_m": 3},
                {"name": "at_risk", "max_r": 2, "min_m": 3},
                {"name": "hibernating", "max_r": 1},
                {"name": "few", "max_f": 2},
                {"name": "occasional"},
            ],
        }
    )
    assert insights.segment_definitions(rfm, "orders") == {
        "champions": "Bought in the last 180 days, 2+ orders, spent R$ 250.00 or more",
        "at_risk": "Last order over 180 days ago, spent R$ 250.00 or more",
        "hibernating": "Last order over 365 days ago",
        "few": "Fewer than 3 orders",
        "occasional": "Everyone else",
    }

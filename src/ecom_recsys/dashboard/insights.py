"""What the numbers mean, in words: the overview's verdict, a one-line
definition of every metric, model and segment. Pure functions of the outputs
and parameters, so every sentence comes from the run it describes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ecom_recsys.dashboard import formats
from ecom_recsys.names import (
    ALS_MODEL,
    BASELINES,
    CONFIGURED,
    FROM_MODEL,
    FROM_POPULARITY,
    FROM_SEGMENT,
    GLOBAL_MEAN,
    HYBRID,
    NEW_ITEMS,
    OWN_HISTORY,
    POPULARITY,
    RANDOM,
    RECENT_POPULARITY,
    SEGMENT_POPULARITY,
)
from ecom_recsys.params import RFMParams


@dataclass(frozen=True)
class Meaning:
    """A name people use, and a one-line definition."""

    name: str
    definition: str


MODELS = {
    ALS_MODEL: Meaning(
        "ALS", "collaborative filtering: what users with similar histories chose"
    ),
    HYBRID: Meaning("Hybrid", "the user's own earlier products first, then ALS"),
    OWN_HISTORY: Meaning(
        "Own history",
        "the user's own earlier products again ('buy again', 'recently viewed')",
    ),
    POPULARITY: Meaning("Popularity", "the same best sellers for everyone"),
    RECENT_POPULARITY: Meaning(
        "Recent popularity", "the best sellers of the last weeks before the test"
    ),
    SEGMENT_POPULARITY: Meaning(
        "Segment favourites", "the best sellers of the customer's segment"
    ),
    RANDOM: Meaning("Random", "products drawn at random: the floor"),
    GLOBAL_MEAN: Meaning("Global mean", "predicts the average rating for everything"),
}

PROTOCOLS = {
    CONFIGURED: Meaning(
        "All products", "any product the user went on to choose counts as a hit"
    ),
    NEW_ITEMS: Meaning(
        "New products only",
        "only products new to the user count, and nothing they had is recommended",
    ),
}


def model_meaning(model: str) -> Meaning:
    """The name and definition of ``model``; a hybrid may carry its slots."""
    return MODELS.get(model.split(":", maxsplit=1)[0], Meaning(model, ""))


def metric_meanings(k: int, relevant: str) -> dict[str, Meaning]:
    """Every metric of ``model_metrics``, for lists of ``k`` products, where a
    hit is a product the user went on to ``relevant`` (``buy``)."""
    return {
        "ndcg": Meaning(
            f"NDCG@{k}",
            f"how many of the products users went on to {relevant} the top {k} "
            "held, and how near the top (1 = all of them first, 0 = none)",
        ),
        "precision": Meaning(
            f"Precision@{k}",
            f"share of the {k} recommended products the user went on to {relevant}",
        ),
        "recall": Meaning(
            f"Recall@{k}",
            f"share of the products the user went on to {relevant} that were "
            f"in the top {k}",
        ),
        "map": Meaning(
            f"MAP@{k}",
            "mean precision at each hit: early hits count more",
        ),
        "coverage": Meaning(
            "Coverage", "share of the catalogue recommended to at least one user"
        ),
        "long_tail_share": Meaning(
            "Long-tail share",
            "share of recommendations outside the 20% most popular products",
        ),
        "mean_popularity": Meaning(
            "Mean popularity",
            "average share of users who had a recommended product: lower is "
            "less obvious",
        ),
        "rmse": Meaning(
            "RMSE", "typical error of a predicted rating, in rating points"
        ),
    }


def relevant_words(relevant_event_types: Sequence[str], min_rating=None) -> str:
    """What makes a hit, as a verb phrase: ``view, add to cart or buy``."""
    verbs = {
        "view": "view",
        "cart": "add to cart",
        "remove_from_cart": "remove from cart",
        "purchase": "buy",
    }
    if min_rating is not None:
        return f"rate {min_rating:g} or more"
    phrases = [verbs.get(t, "choose") for t in relevant_event_types]
    phrases = list(dict.fromkeys(phrases))
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + " or " + phrases[-1]


def _rows(metrics: pd.DataFrame, metric: str) -> pd.DataFrame:
    rows = metrics[metrics["metric"] == metric]
    if "protocol" in rows:
        rows = rows[rows["protocol"] == CONFIGURED]
    return rows.set_index("model")


def served_model(metrics: pd.DataFrame) -> str | None:
    """The model served (chosen on validation); ALS in a table without the
    choice; None when the table has neither."""
    rows = _rows(metrics, "ndcg")
    if "served" in rows and rows["served"].astype(bool).any():
        return str(rows.index[rows["served"].astype(bool)][0])
    return ALS_MODEL if ALS_MODEL in rows.index else None


@dataclass(frozen=True)
class Verdict:
    """The numbers behind the overview's sentence."""

    served: str
    k: int
    value: float
    best: str | None  # the best simple alternative on test
    best_value: float | None
    lift: float | None
    within_uncertainty: bool
    users_evaluated: int
    users_cold: int


def judge(metrics: pd.DataFrame) -> Verdict | None:
    """The served model against the best simple alternative (popularity,
    recent popularity, own history) on the test period, by NDCG."""
    served = served_model(metrics)
    if served is None:
        return None
    ndcg = _rows(metrics, "ndcg")
    row = ndcg.loc[served]
    # the simple alternatives in BASELINES order, so a tie names the first
    alternatives = [m for m in BASELINES if m in ndcg.index and m != served]
    others = ndcg.loc[alternatives]
    best = others["value"].idxmax() if len(others) else None
    best_value = float(others.loc[best, "value"]) if best is not None else None
    lift = None
    if best_value:
        lift = float(row["value"]) / best_value - 1
    low, high = (_rows(metrics, f"ndcg_ci_{end}") for end in ("low", "high"))
    within = False
    if best_value is not None and served in low.index and served in high.index:
        within = (
            float(low.loc[served, "value"])
            <= best_value
            <= float(high.loc[served, "value"])
        )
    return Verdict(
        served=served,
        k=int(row["k"]),
        value=float(row["value"]),
        best=best,
        best_value=best_value,
        lift=lift,
        within_uncertainty=within,
        users_evaluated=int(row["users_evaluated"]),
        users_cold=int(row["users_cold"]),
    )


def fallback_words(origins: Sequence[str]) -> str:
    """What users the model does not serve get, from their lists' origins."""
    segments = any(str(o).startswith(f"{FROM_SEGMENT}:") for o in origins)
    popular = FROM_POPULARITY in origins
    if segments and popular:
        return "their segment's favourites (or the most popular products)"
    if segments:
        return "their segment's favourites"
    return "the most popular products"


def how_much(lift: float) -> str:
    """A lift in words: ``**73% better than**``, ``**12.4 times as well as**``."""
    if lift >= 1:
        return f"**{lift + 1:.1f} times as well as**"
    if lift >= 0:
        return f"**{lift:.0%} better than**"
    return f"**{-lift:.0%} worse than**"


def verdict_sentence(
    verdict: Verdict,
    served_lists: pd.DataFrame | None,
    source: str,
    relevant: str,
    min_history: int,
) -> str:
    """The overview's verdict, in Markdown: which model is served, how much
    better than the best simple alternative it did on test, on how many
    users, and what the users it does not serve get."""
    said = formats.words(source)
    users, k = said["users"], verdict.k
    name = model_meaning(verdict.served).name
    chosen = (
        f"**{name}** ({model_meaning(verdict.served).definition}) was chosen on "
        "the validation period"
    )
    if verdict.served in BASELINES:
        chosen += ": no model beat this simple alternative clearly there"
    parts = [chosen + "."]
    if verdict.best is not None and verdict.lift is not None:
        best = model_meaning(verdict.best).name.lower()
        test = (
            f"On the later test period, for {formats.number(verdict.users_evaluated)} "
            f"{users}, its top-{k} lists ranked what they went on to {relevant} "
            f"{how_much(verdict.lift)} the best simple alternative, {best} "
            f"(NDCG@{k} {verdict.value:.3f} against {verdict.best_value:.3f})"
        )
        if verdict.within_uncertainty:
            test += f"; on this many {users} the difference is within chance"
        parts.append(test + ".")
    if served_lists is not None and len(served_lists):
        total = int(served_lists["users"].sum())
        fallback = served_lists[served_lists["origin"] != FROM_MODEL]
        others = int(fallback["users"].sum())
        if others:
            history = (
                "no history"
                if min_history <= 1
                else f"fewer than {min_history} {said['products']} in their history"
            )
            parts.append(
                f"The other {formats.number(others)} of {formats.number(total)} "
                f"{users}, with {history}, get "
                f"{fallback_words(fallback[fallback['users'] > 0]['origin'].tolist())}."
            )
        else:
            parts.append(f"All {formats.number(total)} {users} get its lists.")
    return " ".join(parts)


# ------------------------------------------------------------------- segments
def _bound(
    thresholds: Sequence[float], score: int, higher_is_better: bool, at_least: bool
) -> float | None:
    """The value a score bound stands for: score = 1 + thresholds passed."""
    ordered = sorted(thresholds, reverse=not higher_is_better)
    index = score - 2 if at_least else score - 1
    if index < 0 or index >= len(ordered):
        return None
    return ordered[index]


def _limits(
    thresholds: Sequence[float],
    min_score: int | None,
    max_score: int | None,
    higher_is_better: bool,
) -> tuple[float | None, float | None]:
    """The values a rule's minimum and maximum scores stand for."""
    low = _bound(thresholds, min_score, higher_is_better, True) if min_score else None
    high = _bound(thresholds, max_score, higher_is_better, False) if max_score else None
    return low, high


def segment_definitions(rfm: RFMParams, source: str) -> dict[str, str]:
    """A one-line rule per segment, from the RFM parameters (the first rule
    a customer meets names their segment)."""
    t = rfm.thresholds
    definitions = {}
    for rule in rfm.segments:
        parts = []
        recent, old = _limits(t.recency_days, rule.min_r, rule.max_r, False)
        if recent is not None:
            parts.append(f"bought in the last {recent:g} days")
        if old is not None:
            parts.append(f"last order over {old:g} days ago")
        many, few = _limits(t.frequency, rule.min_f, rule.max_f, True)
        if many is not None:
            parts.append(f"{many:g}+ orders")
        if few is not None:
            parts.append(f"fewer than {few:g} orders")
        much, little = _limits(t.monetary, rule.min_m, rule.max_m, True)
        if much is not None:
            parts.append(f"spent {formats.money(much, source)} or more")
        if little is not None:
            parts.append(f"spent under {formats.money(little, source)}")
        text = ", ".join(parts) if parts else "everyone else"
        definitions[rule.name] = text[:1].upper() + text[1:]
    return definitions

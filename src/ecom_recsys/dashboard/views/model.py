"""Model: what is served and why, every metric of every model with a one-line
definition, the two evaluation protocols side by side, the tuning trials
(the chosen one highlighted) and the similar products' hit rates."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ecom_recsys.dashboard import charts, data, formats, insights, reads
from ecom_recsys.dashboard.views import common
from ecom_recsys.names import CONFIGURED, NEW_ITEMS

SHARES = {"precision", "recall", "coverage", "long_tail_share", "mean_popularity"}
ORDER = ["ndcg", "precision", "recall", "map", "coverage", "long_tail_share",
         "mean_popularity", "rmse"]  # fmt: skip
SERVED_STYLE = "background-color: rgba(214, 39, 40, 0.12)"  # served / chosen


def _value(metric: str, value) -> str:
    if pd.isna(value):
        return formats.MISSING
    return formats.percent(value) if metric in SHARES else f"{value:.3f}"


def _models(metrics: pd.DataFrame, served: str | None) -> list[str]:
    """Models in the order people compare them: the served one first."""
    found = list(dict.fromkeys(metrics["model"]))
    return sorted(found, key=lambda m: (m != served, found.index(m)))


def _column(model: str, served: str | None) -> str:
    name = insights.model_meaning(model).name
    return f"{name} (served)" if model == served else name


def metric_table(
    metrics: pd.DataFrame, protocol: str, meanings: dict, served: str | None
) -> pd.DataFrame:
    """One row per metric (with its definition), one column per model, the
    values as text in each metric's format; NDCG's 95% interval as a row."""
    rows = (
        metrics[metrics["protocol"] == protocol] if "protocol" in metrics else metrics
    )
    wide = rows.pivot_table(
        index="metric", columns="model", values="value", aggfunc="first"
    )
    models = _models(rows, served)
    table = []
    for metric in [m for m in ORDER if m in wide.index]:
        meaning = meanings.get(metric, insights.Meaning(metric, ""))
        table.append(
            {
                "Metric": meaning.name,
                "What it means": meaning.definition,
                **{
                    _column(m, served): _value(metric, wide.loc[metric].get(m))
                    for m in models
                },
            }
        )
        if metric == "ndcg" and {"ndcg_ci_low", "ndcg_ci_high"} <= set(wide.index):
            table.append(
                {
                    "Metric": f"{meaning.name} 95% interval",
                    "What it means": "the range the true value lies in, 95 times in 100",
                    **{
                        _column(m, served): (
                            f"{wide.loc['ndcg_ci_low'].get(m):.3f} – "
                            f"{wide.loc['ndcg_ci_high'].get(m):.3f}"
                        )
                        for m in models
                    },
                }
            )
    return pd.DataFrame(table)


def _highlight_column(frame: pd.DataFrame, column: str):
    """``frame`` with ``column`` (the served model's) highlighted."""
    if column not in frame:
        return frame.style
    return frame.style.map(lambda _: SERVED_STYLE, subset=[column])


def _highlight_rows(frame: pd.DataFrame, marked: pd.Series):
    """``frame`` with the rows where ``marked`` is true highlighted."""
    return frame.style.apply(
        lambda row: [SERVED_STYLE if marked[row.name] else ""] * len(row), axis=1
    )


def served_section(config: data.Settings, source: str, metrics, served) -> None:
    st.subheader("What is served")
    choice = reads.table(config, f"{source}.served_model")
    meaning = insights.model_meaning(served or "")
    st.markdown(f"**{meaning.name}**: {meaning.definition}.")
    if isinstance(choice, dict) and choice.get("validation_ndcg") is not None:
        said = formats.words(source)
        users = f"{formats.number(choice.get('users_evaluated'))} {said['users']}"
        best = insights.model_meaning(str(choice.get("best_baseline", "")))
        if choice.get("model") == choice.get("best_baseline"):
            text = (
                f"On the validation period ({users}, before the test period) no "
                f"model beat this simple alternative (NDCG "
                f"{choice['validation_ndcg']:.3f}) beyond its own uncertainty, so "
                "it is served."
            )
        else:
            text = (
                f"On the validation period ({users}, before the test period) it "
                f"reached NDCG {choice['validation_ndcg']:.3f}, against "
                f"{choice.get('best_baseline_ndcg', float('nan')):.3f} for the best "
                f"simple alternative ({best.name.lower()}). A model is served only "
                "when it beats every simple alternative there, beyond its own "
                "uncertainty."
            )
        st.markdown(text)
        if choice.get("reason"):
            st.caption(f"The run's reason: {choice['reason']}.")
    with st.expander("The models compared"):
        for model in _models(metrics, served):
            m = insights.model_meaning(model)
            st.markdown(f"- **{m.name}**: {m.definition}")


def protocols(metrics: pd.DataFrame, meanings: dict, served: str | None) -> None:
    if "protocol" not in metrics or NEW_ITEMS not in set(metrics["protocol"]):
        return
    st.subheader("All products against new products only")
    cells = st.columns(2)
    for cell, protocol in zip(cells, (CONFIGURED, NEW_ITEMS), strict=True):
        rows = metrics[(metrics["protocol"] == protocol)]
        wide = rows.pivot_table(
            index="model", columns="metric", values="value", aggfunc="first"
        )
        names = [m for m in ("ndcg", "recall", "precision") if m in wide]
        frame = pd.DataFrame(
            {
                "Model": [_column(m, served) for m in wide.index],
                **{meanings[n].name: [_value(n, v) for v in wide[n]] for n in names},
            }
        )
        order = _models(rows, served)
        frame = frame.set_index(wide.index).loc[order].reset_index(drop=True)
        with cell:
            p = insights.PROTOCOLS[protocol]
            st.markdown(f"**{p.name}**")
            st.caption(p.definition[:1].upper() + p.definition[1:] + ".")
            served_row = frame["Model"].str.endswith("(served)")
            st.table(_highlight_rows(frame, served_row).hide(axis="index"))


def _popularity_weight(trial: pd.Series) -> str:
    """``, popularity weight w`` when the trial added a popularity prior."""
    weight = trial.get("popularity_weight", 0.0)
    return f", popularity weight {weight:g}" if pd.notna(weight) and weight else ""


def tuning(config: data.Settings, source: str) -> None:
    trials = reads.table(config, f"{source}.tuning_trials")
    st.subheader("Tuning trials")
    if trials is None or trials.empty:
        st.caption(
            "No tuning trials: the hyperparameter search is off for this source."
        )
        return
    chosen = trials[trials["chosen"].astype(bool)]
    if len(chosen):
        c = chosen.iloc[0]
        st.markdown(
            f"Chosen: **trial {int(c['trial'])}** (rank {int(c['rank'])}, "
            f"regularisation {c['reg_param']:g}, alpha {c['alpha']:g}"
            f"{_popularity_weight(c)}), validation "
            f"NDCG {c['ndcg']:.3f}: the cheapest within tolerance of the best."
        )
    st.altair_chart(charts.tuning(trials), width="stretch")
    shown = trials.rename(
        columns={
            "trial": "Trial", "rank": "Rank", "reg_param": "Regularisation",
            "alpha": "Alpha", "max_iter": "Iterations",
            "popularity_weight": "Popularity weight", "ndcg": "NDCG",
            "precision": "Precision", "recall": "Recall", "map": "MAP",
            "fit_seconds": "Fit (s)", "chosen": "Chosen",
        }
    )  # fmt: skip

    styled = _highlight_rows(shown, shown["Chosen"].astype(bool)).format(
        {"NDCG": "{:.4f}", "Precision": "{:.4f}", "Recall": "{:.4f}",
         "MAP": "{:.4f}", "Fit (s)": "{:.1f}", "Regularisation": "{:g}",
         "Alpha": "{:g}", "Popularity weight": "{:g}"}
    )  # fmt: skip
    st.dataframe(styled, hide_index=True)


def similar(config: data.Settings, source: str) -> None:
    metrics = reads.table(config, f"{source}.similar_products_metrics")
    if metrics is None or metrics.empty:
        return
    st.subheader("Similar products")
    st.caption(
        "Hit rate: how often the next product a user chose was among the "
        "previous one's similar products."
    )
    shown = metrics.assign(
        Period=metrics["period"],
        Method=metrics["method"].map(
            {"als": "ALS item factors", "cooccurrence": "Bought together",
             "popularity": "Popular products"}
        ).fillna(metrics["method"]),
        **{
            "Hit rate": metrics["hit_rate"].map(formats.percent),
            "Pairs": metrics["pairs"].map(formats.number),
            "Users": metrics["users"].map(formats.number),
            "Served": metrics["served"].map({True: "✓", False: ""}),
        },
    )  # fmt: skip
    st.dataframe(
        shown[["Period", "Method", "Hit rate", "Pairs", "Users", "Served"]],
        hide_index=True,
    )


def model(config: data.Settings, source: str) -> None:
    """How good the recommendations are, and how the model was chosen."""
    metrics = reads.need(config, source, "model_metrics")
    if metrics is not None and len(metrics):
        served = insights.served_model(metrics)
        k = int(metrics["k"].iloc[0])
        meanings = insights.metric_meanings(k, common.relevant(config, source))
        served_section(config, source, metrics, served)
        configured = (
            metrics[metrics["protocol"] == CONFIGURED]
            if "protocol" in metrics
            else metrics
        )
        main = [m for m in ("ndcg", "recall") if m in set(configured["metric"])]
        chart_rows = configured[configured["metric"].isin(main)].assign(
            metric=lambda f: f["metric"].map(lambda m: meanings[m].name),
            model=lambda f: f["model"].map(lambda m: insights.model_meaning(m).name),
            served=lambda f: f["model"].eq(insights.model_meaning(served or "").name),
        )
        st.subheader(f"Every model on the test period, lists of {k}")
        st.altair_chart(charts.models(chart_rows, served), width="content")
        table = metric_table(metrics, CONFIGURED, meanings, served)
        st.table(
            _highlight_column(table, _column(served or "", served)).hide(axis="index")
        )
        users = int(configured["users_evaluated"].iloc[0])
        cold = int(configured["users_cold"].iloc[0])
        said = formats.words(source)
        st.caption(
            f"On {formats.number(users)} {said['users']} with history before the "
            f"test period; {formats.number(cold)} new {said['users']} in the test "
            "period were skipped (cold start)."
        )
        protocols(metrics, meanings, served)
    tuning(config, source)
    similar(config, source)

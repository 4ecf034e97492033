"""The dashboard's charts (Altair, which Streamlit draws): functions of small
frames that return a chart, with readable axes and tooltips."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ecom_recsys.dashboard import formats

HIGHLIGHT, MUTED = "#d62728", "#9ecae1"
BAR = "#1f77b4"
# Category axes: every label shown, long ones up to 260 pixels.
LABELS = alt.Axis(labelLimit=260, labelOverlap=False)
# Days above which activity is shown per week rather than per day.
WEEKLY_AFTER_DAYS = 120


def _money_format(source: str) -> str:
    symbol = formats.currency(source)
    return f"{symbol} ,.2f" if symbol else ",.2f"


def funnel(steps: pd.DataFrame) -> alt.Chart:
    """Each funnel step's users as a share of the viewers, labelled."""
    frame = steps.assign(
        step_name=steps["step"].str.replace("_", " ").str.capitalize(),
        label=[
            f"{formats.percent(s)} · {formats.number(u)} users"
            for s, u in zip(steps["share_of_viewers"], steps["users"], strict=True)
        ],
    )
    order = frame["step_name"].tolist()
    y = alt.Y("step_name:N", sort=order, title=None, axis=LABELS)
    bars = (
        alt.Chart(frame)
        .mark_bar(color=BAR)
        .encode(
            x=alt.X(
                "share_of_viewers:Q",
                title="Share of viewers",
                axis=alt.Axis(format=".0%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            y=y,
            tooltip=[
                alt.Tooltip("step_name:N", title="Step"),
                alt.Tooltip("users:Q", title="Users", format=","),
                alt.Tooltip("events:Q", title="Events", format=","),
                alt.Tooltip(
                    "share_of_viewers:Q", title="Share of viewers", format=".1%"
                ),
            ],
        )
    )
    text = bars.mark_text(align="left", dx=4).encode(text="label:N")
    return (bars + text).properties(height=180)


def _per_period(activity: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Daily activity, or weekly sums when it spans many days (users are then
    summed days, so the weekly figure is user-days)."""
    frame = activity.assign(date=pd.to_datetime(activity["date"]))
    span = (frame["date"].max() - frame["date"].min()).days
    if span <= WEEKLY_AFTER_DAYS:
        return frame, "day"
    week = frame["date"].dt.to_period("W").dt.start_time
    weekly = (
        frame.assign(date=week)
        .groupby(["date", "event_type"], as_index=False)[["events", "users"]]
        .sum()
    )
    return weekly, "week"


def activity(activity: pd.DataFrame, source: str) -> list[alt.Chart]:
    """Active users per day (or week), and each event type's events on a log
    scale, so that rare types (purchases) stay visible beside views (the
    second chart only when there are several types)."""
    frame, period = _per_period(activity)
    said = formats.words(source)
    users = frame[frame["event_type"] == "all"]
    by_type = frame[frame["event_type"] != "all"].assign(
        type=lambda f: f["event_type"].str.replace("_", " ")
    )
    x = alt.X("date:T", title=None)
    active = (
        alt.Chart(users)
        .mark_area(line=True, opacity=0.3)
        .encode(
            x=x,
            y=alt.Y("users:Q", title=f"Active {said['users']} per {period}"),
            tooltip=[
                alt.Tooltip("date:T", title=period.capitalize()),
                alt.Tooltip("users:Q", title=f"Active {said['users']}", format=","),
                alt.Tooltip("events:Q", title=said["rows"].capitalize(), format=","),
            ],
        )
        .properties(height=220)
    )
    if by_type["type"].nunique() <= 1:
        return [active]
    types = (
        alt.Chart(by_type)
        .mark_line(point=period == "day")
        .encode(
            x=x,
            y=alt.Y(
                "events:Q",
                title=f"Events per {period} (log scale)",
                scale=alt.Scale(type="log"),
            ),
            color=alt.Color("type:N", title="Event", legend=alt.Legend(orient="top")),
            tooltip=[
                alt.Tooltip("date:T", title=period.capitalize()),
                alt.Tooltip("type:N", title="Event"),
                alt.Tooltip("events:Q", title="Events", format=","),
                alt.Tooltip("users:Q", title="Users", format=","),
            ],
        )
        .properties(height=220)
    )
    return [active, types]


def ranked_bars(
    frame: pd.DataFrame,
    value: str,
    label: str,
    title: str,
    value_format: str = ",.0f",
    tooltips: list[tuple[str, str, str]] | None = None,
    largest_first: bool = True,
) -> alt.Chart:
    """Horizontal bars of ``value`` per ``label``, largest first (or in the
    frame's order, to line up with another chart of the same labels).

    ``tooltips``: extra ``(column, title, d3 format)`` shown on hover.
    """
    extra = [
        alt.Tooltip(f"{c}:Q", title=t, format=f) if f else alt.Tooltip(c, title=t)
        for c, t, f in tooltips or []
    ]
    return (
        alt.Chart(frame)
        .mark_bar(color=BAR)
        .encode(
            x=alt.X(f"{value}:Q", title=title, axis=alt.Axis(format=value_format)),
            y=alt.Y(
                f"{label}:N",
                sort="-x" if largest_first else None,
                title=None,
                axis=LABELS,
            ),
            tooltip=[
                alt.Tooltip(f"{label}:N", title="Name"),
                alt.Tooltip(f"{value}:Q", title=title, format=value_format),
                *extra,
            ],
        )
        .properties(height=alt.Step(22))
    )


def money_bars(frame: pd.DataFrame, value: str, label: str, title: str, source: str):
    """:func:`ranked_bars` of an amount in the source's currency."""
    symbol = formats.currency(source)
    return ranked_bars(
        frame, value, label, f"{title} ({symbol})" if symbol else title, ",.0f"
    )


def share_bars(frame: pd.DataFrame, value: str, label: str, title: str, **kwargs):
    """:func:`ranked_bars` of a share, as percentages."""
    return ranked_bars(frame, value, label, title, ".1%", **kwargs)


def models(metrics: pd.DataFrame, served: str | None) -> alt.Chart:
    """Each model's value of each metric, the served model highlighted.

    ``metrics``: ``metric`` (readable name), ``model`` (readable), ``value``,
    ``served`` (bool).
    """
    frame = metrics.assign(role=metrics["served"].map({True: "served", False: "other"}))
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("value:Q", title=None),
            y=alt.Y("model:N", title=None, sort=None, axis=LABELS),
            color=alt.Color(
                "role:N",
                scale=alt.Scale(domain=["served", "other"], range=[HIGHLIGHT, MUTED]),
                legend=None,
            ),
            row=alt.Row("metric:N", title=None, sort=None),
            tooltip=[
                alt.Tooltip("model:N", title="Model"),
                alt.Tooltip("metric:N", title="Metric"),
                alt.Tooltip("value:Q", title="Value", format=".4f"),
            ],
        )
        .properties(height=alt.Step(16), width=260)
    )


def tuning(trials: pd.DataFrame) -> alt.Chart:
    """Validation NDCG of each tuning trial, the chosen one in red."""
    weights = trials.get("popularity_weight", pd.Series(0.0, index=trials.index))
    frame = trials.assign(
        name=[
            f"#{t}: rank {r}, reg {g:g}, alpha {a:g}"
            + (f", popularity {w:g}" if w else "")
            for t, r, g, a, w in zip(
                trials["trial"],
                trials["rank"],
                trials["reg_param"],
                trials["alpha"],
                weights.fillna(0.0),
                strict=True,
            )
        ],
        role=trials["chosen"].astype(bool).map({True: "chosen", False: "tried"}),
    )
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("ndcg:Q", title="Validation NDCG"),
            y=alt.Y("name:N", sort=None, title=None, axis=LABELS),
            color=alt.Color(
                "role:N",
                scale=alt.Scale(domain=["chosen", "tried"], range=[HIGHLIGHT, MUTED]),
                title=None,
            ),
            tooltip=[
                alt.Tooltip("name:N", title="Trial"),
                alt.Tooltip("ndcg:Q", title="NDCG", format=".4f"),
                alt.Tooltip("fit_seconds:Q", title="Fit (s)", format=".1f"),
            ],
        )
        .properties(height=alt.Step(24))
    )


def timeline(points: pd.DataFrame, cutoff: pd.Timestamp | None) -> alt.Chart:
    """A user's history on one compact chart: a point per day and action
    (viewed, added to cart, bought, a rating), sized by the products, coloured
    by period; a dashed rule at the start of the test period.

    ``points``: ``when`` (day), ``rank`` (of the action, strongest first),
    ``action``, ``period``, ``products``, ``products_named``.
    """
    actions = list(dict.fromkeys(points.sort_values("rank")["action"]))
    chart = (
        alt.Chart(points)
        .mark_circle(opacity=0.8)
        .encode(
            x=alt.X("when:T", title=None),
            y=alt.Y(
                "action:N",
                title=None,
                sort=actions,
                axis=alt.Axis(labelLimit=260, labelOverlap=False, minExtent=90),
            ),
            size=alt.Size("products:Q", scale=alt.Scale(range=[60, 600]), legend=None),
            color=alt.Color("period:N", title=None, legend=alt.Legend(orient="top")),
            tooltip=[
                alt.Tooltip("when:T", title="Day", format="%Y-%m-%d"),
                alt.Tooltip("action:N", title="What"),
                alt.Tooltip("products:Q", title="Products"),
                alt.Tooltip("products_named:N", title="Which"),
            ],
        )
        .properties(height=alt.Step(34))
    )
    if cutoff is None:
        return chart
    rule = (
        alt.Chart(pd.DataFrame({"when": [cutoff]}))
        .mark_rule(strokeDash=[4, 4], color="gray")
        .encode(x="when:T")
    )
    return chart + rule

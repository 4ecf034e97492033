"""The ecom_recsys dashboard's page: ``make dashboard`` serves it through
``server.py``; ``streamlit run src/ecom_recsys/dashboard/app.py -- [--env ENV]
[--conf-source DIR]`` runs it alone.

Reads the pipelines' outputs through the Kedro catalog (``data.py``, cached in
``reads.py``); a view reads only what it shows, and says what to run when an
output is missing. The sidebar's widgets are bound to the URL
(``?source=orders&view=User&user=<id>``), so a page can be shared.

Each widget has a ``key`` and takes its first value from the URL (Streamlit's
``bind="query-params"``), never from an ``index`` computed per run: a widget
whose arguments change between runs is a new widget, which dropped every
second click.
"""

from __future__ import annotations

import streamlit as st

from ecom_recsys.dashboard import data, formats, reads
from ecom_recsys.dashboard.views.model import model
from ecom_recsys.dashboard.views.overview import overview
from ecom_recsys.dashboard.views.products import products
from ecom_recsys.dashboard.views.segments import segments
from ecom_recsys.dashboard.views.user import user
from ecom_recsys.names import SOURCES

VIEWS = {
    "Overview": overview,
    "User": user,
    "Products": products,
    "Segments": segments,
    "Model": model,
}
# Widgets whose value belongs to one source: cleared when the source changes.
PER_SOURCE = ("user", "product")


def views_for(config: data.Settings, source: str) -> list[str]:
    """The views of a source: Segments only where it has customer segments."""
    segmented = reads.parameter(config, f"feature_engineering.{source}.rfm")
    return [v for v in VIEWS if v != "Segments" or segmented]


def _source_changed(config: data.Settings) -> None:
    """A new source: clear the other source's user and product, and leave a
    view the new source does not have."""
    for key in PER_SOURCE:
        st.session_state[key] = None
    if st.session_state.get("view") not in views_for(
        config, st.session_state["source"]
    ):
        st.session_state["view"] = "Overview"


def sidebar(config: data.Settings) -> tuple[str, str]:
    with st.sidebar:
        st.title("ecom_recsys")
        st.caption(
            "Personalised recommendations: what is recommended to whom, how good "
            "it is, and what sells."
        )
        source = st.selectbox(
            "Data",
            SOURCES,
            key="source",
            bind="query-params",
            on_change=_source_changed,
            args=(config,),
        )
        st.caption(formats.SOURCE_DESCRIPTIONS[source])
        view = st.radio(
            "View", views_for(config, source), key="view", bind="query-params"
        )
        st.caption(f"Kedro environment: `{reads.outputs(config).env or 'local'}`")
    return source, view


def main() -> None:
    """Sidebar choices, then the chosen view."""
    st.set_page_config(
        page_title="ecom_recsys", page_icon=":material/storefront:", layout="wide"
    )
    config = reads.settings()
    source, view = sidebar(config)
    st.header(f"{view}: {formats.SOURCE_NAMES[source]}")
    if reads.count(config, f"{source}.user_index@pandas") is None:
        st.warning(reads.outputs(config).nothing_message(source))
        return
    VIEWS[view](config, source)


main()

"""The dashboard's reads of the outputs, cached by Streamlit: small tables for
30 seconds (a run's new outputs show up without a restart), one user's or one
product's rows read with a pushed-down filter (see ``data.py``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from ecom_recsys.dashboard import data

# Kept for 30 s: a run that writes new outputs shows up without a restart.
TTL = 30


# The scripts ``streamlit run`` starts the dashboard with.
SCRIPTS = ("app.py", "server.py")


def settings() -> data.Settings:
    """From ``streamlit run server.py -- --env ...`` (or app.py), or the
    ``ECOM_RECSYS_*`` variables."""
    script = Path(sys.argv[0]).resolve()
    own = script.parent == Path(__file__).parent.resolve() and script.name in SCRIPTS
    return data.parse_settings(sys.argv[1:] if own else [], os.environ)


@st.cache_resource(show_spinner="Reading the project's Kedro catalog...")
def outputs(config: data.Settings) -> data.Outputs:
    """The catalog of the chosen environment (built once per process)."""
    return data.shared_outputs(config)


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
def rows_of(
    config: data.Settings,
    name: str,
    column: str,
    value: str,
    columns: tuple[str, ...] | None = None,
) -> pd.DataFrame | None:
    """``name``'s rows whose ``column`` is ``value`` (None when not written)."""
    catalog = outputs(config).catalog
    if not data.exists(catalog, name):
        return None
    return data.rows_of(
        catalog, name, column, value, list(columns) if columns else None
    )


@st.cache_data(ttl=TTL, show_spinner=False)
def rows_in(
    config: data.Settings, name: str, column: str, values: tuple[Any, ...]
) -> pd.DataFrame | None:
    """``name``'s rows whose ``column`` is one of ``values``."""
    catalog = outputs(config).catalog
    if not data.exists(catalog, name):
        return None
    return data.load(catalog, name, filters=[(column, "in", list(values))])


@st.cache_data(ttl=TTL, show_spinner=False)
def ids(config: data.Settings, name: str, column: str) -> pd.Series | None:
    """Every value of one id column (a user or product index), as text."""
    catalog = outputs(config).catalog
    if not data.exists(catalog, name):
        return None
    return data.load(catalog, name, columns=[column])[column].astype(str)


def parameter(config: data.Settings, key: str, model=None) -> Any:
    """Parameter ``key`` of the environment, validated by ``model`` if given
    (in memory: not cached)."""
    return data.parameter(outputs(config).catalog, key, model)


def need(config: data.Settings, source: str, name: str, columns=None):
    """``<source>.<name>``, or a message that says what to run to write it."""
    frame = table(config, f"{source}.{name}", columns)
    if frame is None:
        st.info(outputs(config).missing_message(source, name.split("@", maxsplit=1)[0]))
    return frame

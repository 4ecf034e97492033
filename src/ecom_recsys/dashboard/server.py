"""The dashboard's server: ``make dashboard``, or
``streamlit run src/ecom_recsys/dashboard/server.py -- [--env ENV] [--conf-source DIR]``.

Serves ``app.py`` (Streamlit's ``st.App``) and, as the server starts, prepares
in a background thread what the first page needs: the dashboard's modules
(pandas, Kedro, Altair) and the project's catalog. That work would otherwise
start only when the first browser connects; now it overlaps with the server's
start and the browser loading the page. ``streamlit run .../app.py`` works
too, without the head start.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import streamlit as st

logger = logging.getLogger(__name__)


def prepare() -> None:
    """Import the views and open the catalog the first page reads."""
    try:
        from ecom_recsys.dashboard import data, reads  # noqa: PLC0415
        from ecom_recsys.dashboard.views import (  # noqa: F401, PLC0415
            model,
            overview,
            products,
            segments,
            user,
        )

        data.shared_outputs(reads.settings())
    except Exception:  # the first page opens the catalog again, and says why
        logger.exception("Could not prepare the dashboard's catalog")


@asynccontextmanager
async def _lifespan(_: Any) -> AsyncIterator[None]:
    threading.Thread(target=prepare, name="prepare-dashboard", daemon=True).start()
    yield


app = st.App(str(Path(__file__).with_name("app.py")), lifespan=_lifespan)

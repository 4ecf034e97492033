"""The exploratory notebook runs, top to bottom, on the session's demo outputs
(it is saved with the outputs of `make run`; this run's are not written back)."""

from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import PROJECT_PATH

pytestmark = pytest.mark.e2e

NOTEBOOK = PROJECT_PATH / "notebooks" / "eda.ipynb"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _text(cell) -> str:
    """Everything a cell printed or displayed as plain text, without colours."""
    parts = []
    for output in cell.outputs:
        parts.append(output.get("text", ""))
        parts.append(output.get("data", {}).get("text/plain", ""))
    return ANSI.sub("", "".join(parts))


def test_eda_notebook_runs_on_the_demo_data(demo_project, monkeypatch):
    # the kernel inherits these: the test environment and the demo run's config
    monkeypatch.setenv("KEDRO_ENV", "test")
    monkeypatch.setenv("ECOM_RECSYS_CONF_SOURCE", str(demo_project["conf"]))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    ).execute()
    cells = {
        tag: _text(cell)
        for cell in notebook.cells
        for tag in cell.get("metadata", {}).get("tags", [])
    }
    for source in ("events", "orders", "interactions"):
        assert re.search(
            rf"{source}: [\d,]+ users x [\d,]+ products", cells["sparsity"]
        )
        assert re.search(rf"{source}: \d+ weeks from", cells["trends"])
        for tag in ("activity-per-user", "popularity"):
            assert source in cells[tag], tag
    assert "of the matrix filled" in cells["sparsity"]
    assert re.search(r"[\d,]+ ratings, mean \d\.\d\d", cells["ratings"])
    assert "Best rated items" in cells["genres"]
    assert not any("WARN" in text for text in cells.values())  # no Spark log lines
    drawn = {
        tag
        for cell in notebook.cells
        for tag in cell.get("metadata", {}).get("tags", [])
        if any("image/png" in o.get("data", {}) for o in cell.outputs)
    }
    assert {"popularity", "trends"} <= drawn  # charts drawn inline
    statistics = cells["order-statistics"]
    for variable in ("price", "freight_value", "order_value", "review_score"):
        assert variable in statistics
    assert re.search(r"[\d,]+ order lines in [\d,]+ orders", statistics)
    assert "% of customers ordered more than once" in cells["rfm-segments"]
    assert "promising" in cells["rfm-segments"]
    for step in ("view", "cart", "remove_from_cart", "purchase"):
        assert step in cells["funnel"]
    assert "categories" in cells["categories"]

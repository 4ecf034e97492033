"""The pipelines stay in the JVM: no Python UDFs or Python-side row processing.

A Python UDF ships every row to a Python worker and back, which is the
slowest thing a Spark job can do, and on a cluster it needs the project's
Python packages on every executor. The nodes use Spark SQL and Spark ML only.
"""

import ast
from pathlib import Path

from tests.conftest import PROJECT_PATH

PYTHON_ROW_APIS = {
    "udf",
    "pandas_udf",
    "udtf",
    "mapInPandas",
    "mapInArrow",
    "applyInPandas",
    "applyInArrow",
    "applyInPandasWithState",
    "rdd",
    "foreach",
    "foreachPartition",
    "foreachBatch",
    "toLocalIterator",
}


def _python_row_apis(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Attribute) and node.attr in PYTHON_ROW_APIS:
            found.append((node.lineno, f".{node.attr}"))
        elif isinstance(node, ast.ImportFrom):
            found += [
                (node.lineno, f"import {a.name}")
                for a in node.names
                if a.name in PYTHON_ROW_APIS
            ]
    return [f"{path.name}:{line} {what}" for line, what in sorted(found)]


def test_the_detector_finds_a_udf(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from pyspark.sql.functions import udf\n"
        "df.rdd.map(len)\n"
        "df.groupBy('a').applyInPandas(f, schema)\n"
    )
    assert _python_row_apis(sample) == [
        "sample.py:1 import udf",
        "sample.py:2 .rdd",
        "sample.py:3 .applyInPandas",
    ]


def test_no_pipeline_code_runs_python_per_row():
    pipelines = PROJECT_PATH / "src" / "ecom_recsys"
    found = [
        hit
        for path in sorted(pipelines.rglob("*.py"))
        for hit in _python_row_apis(path)
    ]
    assert found == []

"""The adapter to Spark internals (``ecom_recsys.spark.jvm``), on real local files
and a real ALS model; and no other module touches those internals."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

import pytest
from pyspark.ml.recommendation import ALS
from pyspark.sql import functions as F

from ecom_recsys.spark import jvm
from tests.conftest import PROJECT_PATH

SRC = PROJECT_PATH / "src" / "ecom_recsys"
ADAPTER = SRC / "spark" / "jvm.py"
INTERNALS = re.compile(r"_jvm|_jsc|_jdf|py4j")


def _names(paths: list[str]) -> list[str]:
    return [PurePosixPath(p).name for p in paths]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """``a.csv``, ``b.txt`` and ``sub/c.csv`` under a fresh folder."""
    (tmp_path / "a.csv").write_bytes(b"\xef\xbb\xbfid,name\r\n1,x\r\n")
    (tmp_path / "b.txt").write_text("")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.csv").write_text("id\n")
    return tmp_path


def test_exists_and_is_file(spark, tree):
    assert jvm.exists(str(tree / "a.csv"))
    assert jvm.exists(str(tree / "sub"))
    assert jvm.exists(f"file://{tree}/sub")  # qualified paths too
    assert not jvm.exists(str(tree / "missing"))
    assert jvm.is_file(str(tree / "a.csv"))
    assert not jvm.is_file(str(tree / "sub"))
    assert not jvm.is_file(str(tree / "missing"))


def test_listing_gives_qualified_paths_that_can_be_passed_back(spark, tree):
    files = jvm.list_files(str(tree))
    assert _names(files) == ["a.csv", "b.txt"]
    assert all(f.startswith("file:/") and jvm.is_file(f) for f in files)
    folders = jvm.list_folders(str(tree))
    assert _names(folders) == ["sub"]
    assert _names(jvm.list_files(folders[0])) == ["c.csv"]
    assert jvm.list_files(str(tree / "missing")) == []
    assert jvm.list_folders(str(tree / "missing")) == []
    assert jvm.list_folders(str(tree / "sub")) == []


def test_glob(spark, tree):
    assert _names(jvm.glob(f"{tree}/*.csv")) == ["a.csv"]
    assert sorted(_names(jvm.glob(f"{tree}/{{a.csv,sub}}"))) == ["a.csv", "sub"]
    assert _names(jvm.glob(f"{tree}/*/*.csv")) == ["c.csv"]
    found = jvm.glob(f"{tree}/a.*")
    assert found == [f"file:{tree}/a.csv"]
    assert jvm.glob(f"{tree}/*.parquet") == []
    assert jvm.glob(f"{tree}/missing/*") == []


def test_read_head_gives_the_stored_bytes(spark, tree):
    whole = b"\xef\xbb\xbfid,name\r\n1,x\r\n"
    assert jvm.read_head(str(tree / "a.csv"), 1000) == whole
    assert jvm.read_head(str(tree / "a.csv"), 5) == whole[:5]
    assert jvm.read_head(str(tree / "b.txt"), 10) == b""
    big = bytes(range(256)) * 400  # more than one read buffer
    (tree / "big.bin").write_bytes(big)
    assert jvm.read_head(str(tree / "big.bin"), 70_000) == big[:70_000]
    with pytest.raises(FileNotFoundError, match="missing"):
        jvm.read_head(str(tree / "missing"), 10)


def test_delete(spark, tree):
    assert jvm.delete(str(tree / "b.txt"))
    assert not (tree / "b.txt").exists()
    assert not jvm.delete(str(tree / "b.txt"))  # nothing left to delete
    with pytest.raises(OSError, match="sub"):
        jvm.delete(str(tree / "sub"))  # not empty, not recursive
    assert (tree / "sub" / "c.csv").exists()
    assert jvm.delete(str(tree / "sub"), recursive=True)
    assert not (tree / "sub").exists()
    assert (tree / "a.csv").exists()


def _ranking(recommendations) -> dict[int, list[tuple[int, float]]]:
    """``{user: [(item, score), ...]}`` best first, from ``recommendFor*`` output."""
    return {
        row["user_idx"]: [(r["item_idx"], r["rating"]) for r in row["recommendations"]]
        for row in recommendations.collect()
    }


def test_als_model_with_items_scores_only_those_items_as_the_full_model(spark):
    ratings = spark.createDataFrame(
        [
            (u, i, float(1 + (3 * u + 5 * i) % 5))
            for u in range(6)
            for i in range(9)
            if (u + 2 * i) % 3
        ],
        "user_idx int, item_idx int, rating float",
    )
    model = ALS(
        userCol="user_idx",
        itemCol="item_idx",
        ratingCol="rating",
        rank=3,
        maxIter=5,
        regParam=0.1,
        seed=7,
        numUserBlocks=1,  # tiny data: one block each is ~7x faster than 10
        numItemBlocks=1,
    ).fit(ratings)
    subset = [1, 4, 5, 8]
    factors = model.itemFactors.where(F.col("id").isin(subset)).coalesce(1)

    scorer = jvm.als_model_with_items(model, factors, block_size=2)  # two blocks

    assert (scorer.uid, scorer.rank) == (model.uid, model.rank)
    assert (scorer.getUserCol(), scorer.getItemCol()) == ("user_idx", "item_idx")
    assert scorer.getBlockSize() == 2
    assert sorted(r["id"] for r in scorer.itemFactors.collect()) == subset
    users = ratings.select("user_idx").distinct()
    n_items = model.itemFactors.count()
    full = _ranking(model.recommendForUserSubset(users, n_items))
    expected = {
        user: [(item, score) for item, score in ranked if item in subset]
        for user, ranked in full.items()
    }
    # (the output's columns are the JVM model's user and item columns)
    got = _ranking(scorer.recommendForUserSubset(users, len(subset)))
    assert len(got) == 6
    assert got == expected
    # Two of the four items: the two best of the full model's among them.
    top2 = _ranking(scorer.recommendForUserSubset(users, 2))
    assert top2 == {user: ranked[:2] for user, ranked in expected.items()}


def _internals(path: Path) -> list[str]:
    return [
        f"{path.relative_to(SRC.parent)}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if INTERNALS.search(line)
    ]


def test_the_detector_finds_spark_internals():
    assert _internals(ADAPTER)


def test_only_the_adapter_touches_spark_internals():
    found = [
        hit
        for path in sorted(SRC.rglob("*.py"))
        if path != ADAPTER
        for hit in _internals(path)
    ]
    assert found == [], "use ecom_recsys.spark.jvm instead:\n" + "\n".join(found)

"""The adapter to Spark internals (``ecom_recsys.spark.jvm``) and its public-API
twins, which Spark Connect uses: every file operation on real local files
through both Hadoop's FileSystem and fsspec (``ecom_recsys.spark.storage``),
ALS scoring over given factors through the JVM and in DataFrame operations
(``ecom_recsys.spark.als_scoring``), with the same results; and no other module
touches those internals. Also: the test JVM's room for compiled code."""

from __future__ import annotations

import random
import re
from pathlib import Path, PurePosixPath

import pytest
from pyspark.ml.recommendation import ALS
from pyspark.sql import functions as F

from ecom_recsys.spark import jvm, storage
from ecom_recsys.spark.als_scoring import rank_items, top_items
from tests.conftest import PROJECT_PATH

SRC = PROJECT_PATH / "src" / "ecom_recsys"
ADAPTER = SRC / "spark" / "jvm.py"
INTERNALS = re.compile(r"_jvm|_jsc|_jdf|py4j|sparkContext")


@pytest.fixture(params=["hadoop", "fsspec"])
def files(request) -> storage.Backend:
    """Each backend of ``ecom_recsys.spark.storage``: Hadoop's FileSystem in
    the JVM (classic sessions) and fsspec (Spark Connect)."""
    if request.param == "hadoop":
        request.getfixturevalue("spark")
        return jvm
    return storage.FSSPEC


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


def test_exists_and_is_file(files, tree):
    assert files.exists(str(tree / "a.csv"))
    assert files.exists(str(tree / "sub"))
    assert files.exists(f"file://{tree}/sub")  # qualified paths too
    assert not files.exists(str(tree / "missing"))
    assert files.is_file(str(tree / "a.csv"))
    assert not files.is_file(str(tree / "sub"))
    assert not files.is_file(str(tree / "missing"))


def test_listing_gives_qualified_paths_that_can_be_passed_back(files, tree):
    found = files.list_files(str(tree))
    assert _names(found) == ["a.csv", "b.txt"]
    assert all(f.startswith("file:/") and files.is_file(f) for f in found)
    folders = files.list_folders(str(tree))
    assert _names(folders) == ["sub"]
    assert _names(files.list_files(folders[0])) == ["c.csv"]
    assert files.list_files(str(tree / "missing")) == []
    assert files.list_folders(str(tree / "missing")) == []
    assert files.list_folders(str(tree / "sub")) == []


def test_glob(files, tree):
    assert _names(files.glob(f"{tree}/*.csv")) == ["a.csv"]
    assert sorted(_names(files.glob(f"{tree}/{{a.csv,sub}}"))) == ["a.csv", "sub"]
    assert _names(files.glob(f"{tree}/*/*.csv")) == ["c.csv"]
    found = files.glob(f"{tree}/a.*")
    assert found == [f"file:{tree}/a.csv"]
    assert files.glob(f"{tree}/*.parquet") == []
    assert files.glob(f"{tree}/missing/*") == []


def test_read_head_gives_the_stored_bytes(files, tree):
    whole = b"\xef\xbb\xbfid,name\r\n1,x\r\n"
    assert files.read_head(str(tree / "a.csv"), 1000) == whole
    assert files.read_head(str(tree / "a.csv"), 5) == whole[:5]
    assert files.read_head(str(tree / "b.txt"), 10) == b""
    big = bytes(range(256)) * 400  # more than one read buffer
    (tree / "big.bin").write_bytes(big)
    assert files.read_head(str(tree / "big.bin"), 70_000) == big[:70_000]
    with pytest.raises(FileNotFoundError, match="missing"):
        files.read_head(str(tree / "missing"), 10)


def test_delete(files, tree):
    assert files.delete(str(tree / "b.txt"))
    assert not (tree / "b.txt").exists()
    assert not files.delete(str(tree / "b.txt"))  # nothing left to delete
    with pytest.raises(OSError, match="sub"):
        files.delete(str(tree / "sub"))  # not empty, not recursive
    assert (tree / "sub" / "c.csv").exists()
    assert files.delete(str(tree / "sub"), recursive=True)
    assert not (tree / "sub").exists()
    assert (tree / "a.csv").exists()


def test_rename(files, tree):
    files.rename(str(tree / "a.csv"), f"file:{tree}/d.csv")
    assert not (tree / "a.csv").exists()
    assert (tree / "d.csv").read_bytes().startswith(b"\xef\xbb\xbfid")
    files.rename(str(tree / "sub"), str(tree / ".sub.previous-1"))  # a folder
    assert (tree / ".sub.previous-1" / "c.csv").exists()
    with pytest.raises(FileExistsError, match="d.csv"):
        files.rename(str(tree / "b.txt"), str(tree / "d.csv"))
    assert (tree / "b.txt").exists()
    with pytest.raises(OSError, match="missing"):
        files.rename(str(tree / "missing"), str(tree / "e.csv"))


def test_both_backends_see_hidden_and_marker_names_alike(spark, tree):
    """What the committed outputs rely on: hidden siblings (``.x.staging-1``),
    ``_SUCCESS`` markers and version folders, listed and globbed the same."""
    (tree / "_SUCCESS").write_text("")
    (tree / ".a.csv.crc").write_text("")
    (tree / ".out.staging-1").mkdir()
    (tree / "out" / "2026-01-01T00.00.00.000Z").mkdir(parents=True)
    for ask in (
        lambda b: b.list_files(str(tree)),
        lambda b: b.list_folders(str(tree)),
        lambda b: b.glob(f"{tree}/*"),
        lambda b: b.glob(f"{tree}/.*"),
        lambda b: b.glob(f"{tree}/out/*"),
        lambda b: b.glob(f"file://{tree}/{{_SUCCESS,sub/*}}"),
        lambda b: [b.exists(f"{tree}/_SUCCESS"), b.is_file(f"{tree}/.out.staging-1")],
    ):
        assert ask(storage.FSSPEC) == ask(jvm)
    assert _names(jvm.list_folders(str(tree))) == [".out.staging-1", "out", "sub"]


def test_braces_expand_as_hadoop_reads_them():
    assert storage.expand_braces("x/{a,b{1,2}}.csv") == [
        "x/a.csv",
        "x/b1.csv",
        "x/b2.csv",
    ]
    assert storage.expand_braces("x/{a,b}/{c,d}") == [
        "x/a/c",
        "x/a/d",
        "x/b/c",
        "x/b/d",
    ]
    assert storage.expand_braces("x/*.csv") == ["x/*.csv"]


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


@pytest.fixture(scope="module")
def fitted(spark):
    """Implicit ALS, rank 12 (more than one vector lane of floats), on 40 users
    and 60 items."""
    draw = random.Random(11)
    weights = spark.createDataFrame(
        [
            (u, i, float(draw.randint(1, 5)))
            for u in range(40)
            for i in range(60)
            if draw.random() < 0.2 or i == u
        ],
        "user_idx int, item_idx int, weight float",
    )
    return ALS(
        userCol="user_idx",
        itemCol="item_idx",
        ratingCol="weight",
        implicitPrefs=True,
        rank=12,
        maxIter=4,
        seed=3,
        numUserBlocks=2,
        numItemBlocks=2,
    ).fit(weights)


def _items(ranking: dict[int, list[tuple[int, float]]]) -> dict[int, list[int]]:
    return {user: [item for item, _ in ranked] for user, ranked in ranking.items()}


def _assert_same_lists(public, classic) -> None:
    """The same items in the same order per user; scores equal to float's last
    bits (ALS sums in float with vector lanes, the DataFrame path in double)."""
    assert _items(public) == _items(classic)
    for user, ranked in public.items():
        got = [score for _, score in ranked]
        assert got == pytest.approx([s for _, s in classic[user]], rel=1e-5, abs=1e-6)


def test_both_scoring_paths_give_the_same_lists(spark, fitted):
    """The JVM's ALSModel over given factors (classic sessions) and the
    DataFrame path (Spark Connect), as ``recommend_als`` and ``als_similar``
    call them: candidate items for a subset of users, and items against items."""
    candidates = fitted.itemFactors.where(F.col("id") % 3 != 0).coalesce(1)
    users = spark.createDataFrame([(u,) for u in range(0, 44, 2)], "user_idx int")
    classic = _ranking(top_items(fitted, 10, users=users, item_factors=candidates))
    public = rank_items(fitted, fitted.userFactors, candidates, 10, users=users)
    expected = fitted.recommendForUserSubset(users, 1).schema.simpleString()
    assert public.schema.simpleString() == expected
    assert len(classic) == 20  # users 40 and 42 have no factors
    assert len({items[0] for items in _items(classic).values()}) > 5
    _assert_same_lists(_ranking(public), classic)

    items = fitted.itemFactors
    classic = _ranking(
        top_items(fitted, 7, user_factors=items, item_factors=candidates)
    )
    public = _ranking(rank_items(fitted, items, candidates, 7))
    assert len(classic) == 60
    _assert_same_lists(public, classic)


def test_both_scoring_paths_score_factors_longer_than_the_models_rank(fitted):
    """A column added to both sides, as ``recommend_als``'s popularity prior
    adds one: both paths score the whole length, the added product included."""

    def longer(factors, value):
        added = F.array(value.cast("float"))
        return factors.select("id", F.concat("features", added).alias("features"))

    items = longer(fitted.itemFactors, (F.col("id") % 5) / 10).coalesce(1)
    users = longer(fitted.userFactors, F.lit(2.0))
    rank = fitted.rank + 1
    classic = _ranking(
        top_items(fitted, 60, user_factors=users, item_factors=items, rank=rank)
    )
    _assert_same_lists(
        _ranking(rank_items(fitted, users, items, 60, rank=rank)), classic
    )
    plain = _ranking(top_items(fitted, 60, item_factors=fitted.itemFactors))
    for user, ranked in plain.items():
        expected = {item: score + 2.0 * (item % 5) / 10 for item, score in ranked}
        got = dict(classic[user])
        assert got == pytest.approx(expected, rel=1e-5, abs=1e-5)


def test_scores_tied_on_equal_factors_put_the_larger_item_first(spark):
    """Items 1, 2 and 4 have equal factors. Both paths list tied items larger
    index first (ALS merges its blocks by score, then item); which of them ALS
    keeps when the cut falls inside the tie depends on the order of its input
    (Guava's selection), the DataFrame path keeps the larger indices."""
    one = spark.createDataFrame([(0, 0, 1.0)], "user_idx int, item_idx int, w float")
    model = ALS(
        userCol="user_idx", itemCol="item_idx", ratingCol="w", rank=2, maxIter=1
    ).fit(one)
    factors = {
        0: [3.0, 0.0],
        1: [2.0, 0.0],
        2: [2.0, 0.0],
        3: [1.0, 0.0],
        4: [2.0, 0.0],
    }
    items = spark.createDataFrame(
        list(factors.items()), "id int, features array<float>"
    )
    user = spark.createDataFrame([(7, [1.0, 5.0])], "id int, features array<float>")
    for num, expected in ((5, [0, 4, 2, 1, 3]), (4, [0, 4, 2, 1]), (2, [0, 4])):
        public = _ranking(rank_items(model, user, items.coalesce(1), num))
        assert _items(public) == {7: expected}
    classic = top_items(model, 4, user_factors=user, item_factors=items.coalesce(1))
    assert _items(_ranking(classic)) == {7: [0, 4, 2, 1]}


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


def test_the_test_jvm_keeps_room_for_compiled_code(spark):
    """conf/test's quick compiler alone would leave 48 MB for compiled code, which
    one end-to-end run fills (the compiler stops, or the JVM fails): the test
    environment reserves the JVM's usual 240 MB, and this session has it."""
    beans = spark._jvm.java.lang.management.ManagementFactory.getMemoryPoolMXBeans()
    code = sum(
        b.getUsage().getMax()
        for b in beans
        if "CodeHeap" in b.getName() or b.getName() == "CodeCache"
    )
    assert code >= 240 * 2**20

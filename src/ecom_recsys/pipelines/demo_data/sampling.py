"""Random draws shared by the demo generators (events, orders, ratings).

Every draw on the executors is a hash of (seed, purpose, keys), never
``rand()``, so the data is the same whatever the partitioning. The driver-side
helpers build the small tables (cumulative shares, category layout) that the
Spark expressions index into; they are sized by the parameters, not the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pyspark.sql import Column
from pyspark.sql import functions as F

from ecom_recsys.spark.frames import hash_uniform

# --- driver side: small tables -------------------------------------------------


def cdf(weights: list[float]) -> list[float]:
    """Cumulative shares of ``weights``, ending exactly at 1."""
    total, acc, shares = float(sum(weights)), 0.0, []
    for w in weights:
        acc += w / total
        shares.append(acc)
    shares[-1] = 1.0
    return shares


def zipf_cdf(n: int, exponent: float) -> list[float]:
    """Cumulative shares of ``n`` ranks with weight ``1 / (rank + 1) ** exponent``."""
    return cdf([1.0 / (i + 1) ** exponent for i in range(n)])


def shares_of(cumulative: list[float]) -> list[float]:
    """The individual shares of a cumulative list (the inverse of :func:`cdf`)."""
    return [b - a for a, b in zip([0.0, *cumulative[:-1]], cumulative, strict=True)]


@dataclass(frozen=True)
class CategoryLayout:
    """Products ``offsets[c] .. offsets[c] + sizes[c] - 1`` form category ``c``.

    ``cdf`` is the categories' cumulative popularity, in the same order.
    """

    cdf: list[float]
    offsets: list[int]
    sizes: list[int]

    @property
    def ends(self) -> list[int]:
        """One past the last product of each category."""
        return [o + s for o, s in zip(self.offsets, self.sizes, strict=True)]


def category_layout(
    n_products: int, n_categories: int, exponent: float, section: str
) -> CategoryLayout:
    """Split ``n_products`` into categories of Zipf popularity ``exponent``.

    Popular categories hold more products, but every category holds a few.

    Args:
        n_products: products to share out.
        n_categories: how many categories.
        exponent: Zipf exponent of the categories' popularity.
        section: the parameters' section (e.g. ``demo_data.events``), for errors.

    Returns:
        The categories' popularity, first product and number of products.

    Raises:
        ValueError: too few products for every category's share (the
            parameter models already require one product per category).
    """
    popularity = zipf_cdf(n_categories, exponent)
    sizes = [max(1, int(round(s * n_products))) for s in shares_of(popularity)]
    sizes[0] += n_products - sum(sizes)
    if sizes[0] < 1:
        raise ValueError(
            f"{section}.n_products ({n_products}) is too few for {n_categories} "
            f"categories of popularity exponent {exponent}"
        )
    offsets = [sum(sizes[:c]) for c in range(n_categories)]
    return CategoryLayout(cdf=popularity, offsets=offsets, sizes=sizes)


# --- executor side: Spark expressions ------------------------------------------


def _sql_literal(value: str | float | None) -> str:
    """``value`` as a Spark SQL literal (floats as doubles)."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, float):
        return f"{value!r}D"
    return str(int(value))


def literal_array(values: list[Any]) -> Column:
    """A literal array column, built in one call rather than one per element."""
    return F.expr(f"array({', '.join(_sql_literal(v) for v in values)})")


def at(values: list[Any], index: Column) -> Column:
    """``values[index]`` for a 0-based index column."""
    return F.element_at(literal_array(values), index.cast("int") + 1)


def segment_of(ends: list[int], x: Column) -> Column:
    """Which of consecutive segments, given their ascending ``ends``, holds ``x``.

    Segment ``i`` is ``ends[i - 1] <= x < ends[i]`` (from 0 for ``i = 0``).
    """
    return (
        F.array_position(F.transform(literal_array(ends), lambda e: e > x), True) - 1
    ).cast("int")


def pick(cumulative: list[float], u: Column) -> Column:
    """Weighted pick: the index that uniform ``u`` draws from cumulative shares.

    Inverse-CDF sampling: the 0-based index of the first share >= ``u``.
    """
    return (
        F.array_position(F.transform(literal_array(cumulative), lambda c: c >= u), True)
        - 1
    ).cast("int")


def pick_key(shares: dict[str, float], u: Column) -> Column:
    """Weighted pick of a key of ``shares``: each with probability its share."""
    return at(list(shares), pick(cdf(list(shares.values())), u))


@dataclass(frozen=True)
class Draws:
    """The keyed random draws of one generator run.

    Each value is a hash of the seed, the purpose (``salt``) and the row's
    ``keys``: the same keys and salt give the same value on any machine.
    """

    seed: int

    def uniform(self, salt: str, *keys: Column | str) -> Column:
        """Uniform draw in [0, 1) for purpose ``salt``, keyed by ``keys``."""
        return hash_uniform(F.lit(self.seed), F.lit(salt), *keys)

    def normal(self, salt: str, *keys: Column | str) -> Column:
        """Standard normal draw from the uniforms ``salt.r`` and ``salt.a``."""
        return box_muller(
            self.uniform(salt + ".r", *keys), self.uniform(salt + ".a", *keys)
        )

    def exponential(self, salt: str, mean: float, *keys: Column | str) -> Column:
        """Exponential draw with mean ``mean``."""
        return exponential(self.uniform(salt, *keys), mean)


def box_muller(u_radius: Column, u_angle: Column) -> Column:
    """Standard normal draw from two independent uniforms (Box-Muller)."""
    radius = F.sqrt(-2.0 * F.log(1.0 - u_radius))
    return radius * F.cos(2.0 * math.pi * u_angle)


def exponential(u: Column, mean: float) -> Column:
    """Exponential draw with mean ``mean`` from uniform ``u`` (inverse CDF)."""
    return -F.log(1.0 - u) * F.lit(mean)


def long_tail_count(u: Column, mean: float) -> Column:
    """A count >= 1 with mean ``mean``: 1 + a floored exponential draw."""
    return (F.lit(1) + F.floor(exponential(u, mean - 1.0))).cast("int")


def power_law_slot(u: Column, exponent: float, n: Column | float) -> Column:
    """A slot in ``0 .. n - 1`` (a long), the low ones far likelier if ``exponent > 1``.

    ``floor(u ** exponent * n)``: long-tailed popularity of the items of a list.
    """
    return F.floor(F.pow(u, F.lit(exponent)) * n)


def numbered(count: Column, first: int = 0) -> Column:
    """One row per number ``first .. first + count - 1`` (an ``explode``)."""
    return F.explode(F.sequence(F.lit(first), count + (first - 1)))


def hex_key(*cols: Column | str) -> Column:
    """A 32-char lowercase hex string: md5 of ``cols`` joined by ``|``."""
    return F.md5(F.concat_ws("|", *cols))

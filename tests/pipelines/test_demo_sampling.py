"""Tests of the driver-side tables shared by the demo generators."""

from __future__ import annotations

import pytest

from ecom_recsys.pipelines.demo_data.sampling import (
    category_layout,
    cdf,
    shares_of,
    zipf_cdf,
)


def test_cdf_ends_at_one_and_shares_of_inverts_it():
    cumulative = cdf([2.0, 1.0, 1.0])
    assert cumulative == pytest.approx([0.5, 0.75, 1.0])
    assert cumulative[-1] == 1.0
    assert shares_of(cumulative) == pytest.approx([0.5, 0.25, 0.25])


def test_zipf_weights_fall_with_the_rank():
    assert zipf_cdf(3, 1.0) == pytest.approx(cdf([1.0, 1 / 2, 1 / 3]))
    assert shares_of(zipf_cdf(4, 0.0)) == pytest.approx([0.25] * 4)


def test_category_layout_shares_out_every_product_once():
    layout = category_layout(100, 7, 1.0, section="demo_data.events")
    assert sum(layout.sizes) == 100
    assert min(layout.sizes) >= 1
    assert layout.sizes == sorted(layout.sizes, reverse=True)
    assert layout.offsets == [0, *layout.ends[:-1]]
    assert layout.ends[-1] == 100


# fewer products than categories; or 16 in 10 equal categories, which round to
# 2 each (20 products)
@pytest.mark.parametrize(
    ("n_products", "n_categories", "exponent"), [(5, 7, 1.0), (16, 10, 0.0)]
)
def test_category_layout_rejects_too_few_products(n_products, n_categories, exponent):
    match = rf"demo_data\.orders\.n_products \({n_products}\) is too few"
    with pytest.raises(ValueError, match=match):
        category_layout(n_products, n_categories, exponent, section="demo_data.orders")

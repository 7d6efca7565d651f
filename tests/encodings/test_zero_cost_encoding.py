"""The zero-cost encoding: scores beyond float32 stay finite and ordered; unions take it."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from nasperf import encodings
from nasperf.datasets import load_zero_cost


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return load_zero_cost("nb201", "cifar10")


def test_synflow_beyond_float32_stays_finite_and_ordered(table):
    # 745 NB201 cells have synflow above float32's 3.4e38; a float32 cast made them inf
    # (all tied, and refused by scikit-learn's models). "auto" logs that proxy only.
    big = table["synflow"].nlargest(3).index
    assert (table.loc[big, "synflow"] > np.finfo(np.float32).max).all()
    archs = [*big, *table.index[:2]]
    enc = encodings.get("zero_cost", space="nb201", table=table, proxies=["synflow", "params"])
    X = enc.fit(archs).transform(archs)
    assert X.dtype == np.float32 and np.isfinite(X).all()
    assert enc.log_proxies_ == ["synflow"]
    assert list(enc.get_feature_names_out()) == ["zc_signed_log_synflow", "zc_params"]
    # sign(x) log1p(|x|), exact up to float32 rounding (relative 6e-8); params stays raw.
    np.testing.assert_allclose(X[:, 0], np.log1p(table.loc[archs, "synflow"]), rtol=1e-6)
    np.testing.assert_allclose(X[:, 1], table.loc[archs, "params"], rtol=1e-6)
    assert X[0, 0] > X[1, 0] > X[2, 0]  # the order of the three largest is kept
    logged = encodings.get("zero_cost", space="nb201", table=table, scale="signed_log")
    Z = logged.fit(archs).transform(archs)
    assert logged.log_proxies_ == logged.proxies_
    col = logged.proxies_.index("params")
    np.testing.assert_allclose(Z[:, col], np.log1p(table.loc[archs, "params"]), rtol=1e-6)


def test_raw_scores_are_refused_where_float32_cannot_hold_them(table):
    archs = list(table["synflow"].nlargest(2).index)
    enc = encodings.get("zero_cost", space="nb201", table=table, scale=None)
    with pytest.raises(
        ValueError,
        match=r"^745 score\(s\) are beyond float32's range, e\.g\. 'synflow' = 1\.24e\+39",
    ):
        enc.fit(archs)
    with pytest.raises(ValueError, match=r"'scale' parameter of ZeroCostFeatures"):
        encodings.get("zero_cost", space="nb201", table=table, scale="log").fit(archs)


def test_infinite_scores_and_a_string_of_proxies_are_refused(table):
    archs = list(table.index[:3])
    bad = table.copy()
    bad.loc[archs[0], "snip"] = np.inf  # it had become an inf feature, snip signed-logged
    with pytest.raises(
        ValueError,
        match=rf"^table: 1 score\(s\) are infinite, e\.g\. column 'snip' for '{re.escape(archs[0])}'",
    ):
        encodings.get("zero_cost", space="nb201", table=bad).fit(archs)
    # a string had been read letter by letter ("proxies ['s', 'y', 'n', ...] are not in")
    with pytest.raises(ValueError, match=r"'proxies' parameter of ZeroCostFeatures must be a list"):
        encodings.get("zero_cost", space="nb201", table=table, proxies="synflow").fit(archs)


def test_a_union_routes_each_parameter_to_the_encoding_that_takes_it(table):
    archs = list(table.index[:6])
    union = encodings.get(["graf", "zero_cost"], space="nb201", table=table)
    X = union.fit(archs).transform(archs)
    graf = encodings.get("graf", space="nb201").fit(archs).transform(archs)
    zc = encodings.get("zero_cost", space="nb201", table=table).fit(archs).transform(archs)
    np.testing.assert_array_equal(X, np.hstack([graf, zc]))
    with pytest.raises(
        ValueError, match=r"\['bogus'\] is taken by none of \['graf', 'zero_cost'\]"
    ):
        encodings.get(["graf", "zero_cost"], space="nb201", bogus=1)

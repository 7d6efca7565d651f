"""LambdaRank: relevance grades and rank invariance (values, not smoke)."""

from __future__ import annotations

import numpy as np
import pytest

from nasperf.predictors import get
from nasperf.predictors.ranking.lambdarank import relevance_grades


def test_relevance_grades_are_rank_quantiles():
    y = np.array([0.1, 0.5, 0.3, 0.9, 0.5])
    np.testing.assert_array_equal(relevance_grades(y, 5), [0, 2, 1, 4, 2])
    np.testing.assert_array_equal(relevance_grades(y, 2), [0, 0, 0, 1, 0])
    # 100 distinct targets, 10 grades: ten per grade, best ten grade 9.
    g = relevance_grades(np.arange(100.0)[::-1], 10)
    assert np.bincount(g).tolist() == [10] * 10 and g[0] == 9 and g[-1] == 0
    with pytest.raises(ValueError, match="n_grades"):
        relevance_grades(y, 1)


def test_lambdarank_depends_only_on_target_order(smooth):
    X, y = smooth
    a = get("lambdarank", n_estimators=30, random_state=0).fit(X, y).predict(X)
    b = get("lambdarank", n_estimators=30, random_state=0).fit(X, np.exp(3 * y)).predict(X)
    np.testing.assert_array_equal(a, b)
    from scipy.stats import kendalltau

    assert kendalltau(a, y)[0] > 0.7


def test_lambdarank_queries_cover_every_row_each_repeat():
    pred = get("lambdarank", group_size=8, n_repeats=3, random_state=0)
    rows, sizes = pred._queries(21)
    assert sum(sizes) == len(rows) == 63
    assert min(sizes) >= 2 and max(sizes) <= 9  # a leftover row of one joins a query
    for r in range(3):
        assert sorted(rows[21 * r : 21 * (r + 1)]) == list(range(21))


# ----------------------------------------------------------------- WL kernel

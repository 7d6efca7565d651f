"""Member-specific checks of the tree predictors (values, not smoke)."""

from __future__ import annotations

import numpy as np

from nasperf.predictors import get


def test_small_data_trees_split(smooth):
    X, y = smooth
    # LightGBM's default of 20 rows per leaf would give a constant model on 20 rows.
    pred = get("lgb", n_estimators=50, random_state=0).fit(X[:20], y[:20])
    assert np.unique(pred.predict(X[:20])).size > 10
    rf = get("rf", n_estimators=30, random_state=0).fit(X, y)
    assert len(rf.model_.estimators_) == 30
    assert np.corrcoef(rf.predict(X), y)[0, 1] > 0.95

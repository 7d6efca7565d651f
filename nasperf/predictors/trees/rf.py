"""Random forest regression on an architecture encoding."""

from __future__ import annotations

from numbers import Integral
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions

from .. import PREDICTORS
from ..base import Predictor


@PREDICTORS.register("rf", "random_forest")
class RandomForestPredictor(Predictor):
    """A random forest (scikit-learn ``RandomForestRegressor``) on encoded architectures.

    Parameters
    ----------
    space, encoding, zero_cost_proxies, zero_cost_columns, random_state
        See :class:`~nasperf.predictors.base.Predictor`.
    n_estimators, max_features, min_samples_leaf, max_depth
        The forest's parameters; ``max_features`` is the fraction of features tried per
        split (decorrelates the trees on wide one-hot encodings).
    n_jobs : int
        Threads.

    Attributes
    ----------
    model_ : sklearn.ensemble.RandomForestRegressor

    References
    ----------
    Breiman, "Random Forests", Machine Learning 2001; White et al., "How Powerful are
    Performance Predictors in Neural Architecture Search?", NeurIPS 2021.
    """

    skops_types = frozenset(
        {
            "sklearn.ensemble._forest.RandomForestRegressor",
            "sklearn.tree._classes.DecisionTreeRegressor",
            "sklearn.tree._tree.Tree",
        }
    )
    test_params = {"n_estimators": 50}

    _parameter_constraints: ClassVar[dict] = {
        **Predictor._parameter_constraints,
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "max_features": [
            Interval(RealNotInt, 0, 1, closed="right"),
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"sqrt", "log2"}),
            None,
        ],
        "min_samples_leaf": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="neither"),
        ],
        "max_depth": [Interval(Integral, 1, None, closed="left"), None],
        "n_jobs": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        space: Any = None,
        encoding: Any = "adjacency_onehot",
        zero_cost_proxies: Any = None,
        zero_cost_columns: Any = None,
        n_estimators: int = 300,
        max_features: float = 0.5,
        min_samples_leaf: int = 1,
        max_depth: int | None = None,
        n_jobs: int = 1,
        random_state: Any = None,
    ) -> None:
        self.space = space
        self.encoding = encoding
        self.zero_cost_proxies = zero_cost_proxies
        self.zero_cost_columns = zero_cost_columns
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.min_samples_leaf = min_samples_leaf
        self.max_depth = max_depth
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        from sklearn.ensemble import RandomForestRegressor

        self.model_ = RandomForestRegressor(
            n_estimators=self.n_estimators,
            max_features=self.max_features,
            min_samples_leaf=self.min_samples_leaf,
            max_depth=self.max_depth,
            n_jobs=self.n_jobs,
            random_state=self._seed(),
        ).fit(X, y)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.model_.predict(X)

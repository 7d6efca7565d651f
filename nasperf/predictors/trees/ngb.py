"""NGBoost: natural-gradient boosting of a Gaussian predictive distribution."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval

from .. import PREDICTORS
from ..base import Predictor, fit_scaler

#: Labels whose standard deviation is at most this are a constant (``fit_scaler``'s bound).
CONSTANT_STD = 1e-12


@PREDICTORS.register("ngb", "ngboost")
class NGBoostPredictor(Predictor):
    """NGBoost with a Normal predictive distribution on encoded architectures.

    Each boosting round fits regression trees to the natural gradient of the log score
    with respect to the Normal's mean and log-scale; ``predict`` is the mean and
    ``predict_std`` the scale of the predictive distribution. Labels that are all equal
    (a spread of at most 1e-12, as :func:`~nasperf.predictors.base.fit_scaler` counts a
    constant) are fitted as that constant, with standard deviation 0, as the other
    predictors return it: NGBoost's initial Normal would have scale 0 (its log-scale
    -inf, its gradients NaN).

    Parameters
    ----------
    space, encoding, zero_cost_proxies, zero_cost_columns, random_state
        See :class:`~nasperf.predictors.base.Predictor`.
    n_estimators, learning_rate, minibatch_frac, col_sample
        NGBoost's parameters (rows / columns subsampled per round).
    max_depth, min_samples_leaf
        Of the regression-tree base learner.

    Attributes
    ----------
    model_ : ngboost.NGBRegressor or None
        None where the labels were constant.
    y_mean_, y_scale_ : float
        The labels' standardisation (``y_scale_`` 1 for constant labels).

    References
    ----------
    Duan et al., "NGBoost: Natural Gradient Boosting for Probabilistic Prediction",
    ICML 2020; White et al., "How Powerful are Performance Predictors in Neural
    Architecture Search?", NeurIPS 2021.
    """

    skops_types = frozenset(
        {
            "ngboost.api.NGBRegressor",
            "ngboost.distns.normal.Normal",
            "ngboost.scores.LogScore",
            "sklearn.tree._classes.DecisionTreeRegressor",
            "sklearn.tree._tree.Tree",
            "numpy.random.mtrand.RandomState",
        }
    )
    has_uncertainty = True
    test_params = {"n_estimators": 150}

    _parameter_constraints: ClassVar[dict] = {
        **Predictor._parameter_constraints,
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "minibatch_frac": [Interval(Real, 0, 1, closed="right")],
        "col_sample": [Interval(Real, 0, 1, closed="right")],
        "max_depth": [Interval(Integral, 1, None, closed="left"), None],
        "min_samples_leaf": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        space: Any = None,
        encoding: Any = "adjacency_onehot",
        zero_cost_proxies: Any = None,
        zero_cost_columns: Any = None,
        n_estimators: int = 500,
        learning_rate: float = 0.05,
        minibatch_frac: float = 0.8,
        col_sample: float = 0.8,
        max_depth: int = 4,
        min_samples_leaf: int = 2,
        random_state: Any = None,
    ) -> None:
        self.space = space
        self.encoding = encoding
        self.zero_cost_proxies = zero_cost_proxies
        self.zero_cost_columns = zero_cost_columns
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.minibatch_frac = minibatch_frac
        self.col_sample = col_sample
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        from ngboost import NGBRegressor
        from ngboost.distns import Normal
        from sklearn.tree import DecisionTreeRegressor

        if len(y) < 2:
            # Minibatch subsampling of one row leaves the trees nothing to fit.
            raise ValueError(f"{type(self).__name__} needs at least 2 architectures, got 1 sample")
        seed = self._seed()
        base = DecisionTreeRegressor(
            criterion="squared_error",
            max_depth=self.max_depth,
            min_samples_leaf=self.min_samples_leaf,
            random_state=seed,
        )
        # NGBoost fits in the scale of y; standardise so the default initial scale and
        # learning rate behave the same for accuracies in [0, 1] or in percent.
        mean, scale = fit_scaler(y)
        self.y_mean_, self.y_scale_ = float(mean), float(scale)
        if float(np.std(y)) <= CONSTANT_STD:
            self.model_ = None
            return
        self.model_ = NGBRegressor(
            Dist=Normal,
            Base=base,
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            minibatch_frac=self.minibatch_frac,
            col_sample=self.col_sample,
            natural_gradient=True,
            verbose=False,
            random_state=seed,
        ).fit(X, (y - self.y_mean_) / self.y_scale_)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        if self.model_ is None:
            return np.full(len(X), self.y_mean_)
        return self.model_.predict(X) * self.y_scale_ + self.y_mean_

    def _predict_std(self, X: np.ndarray) -> np.ndarray:
        if self.model_ is None:
            return np.zeros(len(X))
        return np.asarray(self.model_.pred_dist(X).scale) * self.y_scale_

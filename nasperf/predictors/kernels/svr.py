"""Support vector regression on standardised architecture features."""

from __future__ import annotations

from numbers import Real
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from .. import PREDICTORS
from ..base import Predictor, fit_feature_scaler, numpy_global_rng_kept


@PREDICTORS.register("svr", "support_vector_regression")
class SVRPredictor(Predictor):
    """Epsilon-SVR with an RBF kernel (scikit-learn ``SVR``) on standardised features.

    Features are standardised with the training set's statistics (continuous columns
    z-scored, the 0/1 indicator columns divided by one shared scale:
    :func:`~nasperf.predictors.base.fit_feature_scaler`) and targets scaled to zero mean
    and unit variance, so ``C``, ``epsilon`` and ``gamma`` mean the same for any
    encoding and any accuracy scale.

    Parameters
    ----------
    space, encoding, zero_cost_proxies, zero_cost_columns, random_state
        See :class:`~nasperf.predictors.base.Predictor` (SVR is deterministic;
        ``random_state`` is unused).
    C : float
        Inverse regularisation strength.
    epsilon : float
        Width of the insensitive tube, in units of the target's standard deviation.
    gamma : {"scale"} or float
        RBF width (``"scale"``: ``1 / (n_features * var(X))``).
    kernel : str
        scikit-learn kernel name.

    Attributes
    ----------
    model_ : sklearn.svm.SVR
    x_mean_, x_scale_ : ndarray (n_features,)
    y_mean_, y_scale_ : float

    References
    ----------
    Drucker et al., "Support Vector Regression Machines", NeurIPS 1996; White et al.,
    "How Powerful are Performance Predictors in Neural Architecture Search?", NeurIPS 2021.
    """

    skops_types = frozenset({"sklearn.svm._classes.SVR"})
    test_params: dict = {}

    #: 0/1 feature columns share one scale (:func:`~nasperf.predictors.base.fit_feature_scaler`),
    #: not per-column z-scores: rare indicators stretched the RBF kernel's distance, Kendall tau at
    #: 100 training architectures, 1,000 test, 5 seeds, z-scores -> shared
    #: (``bench/feature_scale.py``): once-for-all style space of 5 stages of 2-4 blocks 0.438 ->
    #: 0.490, NB201 CIFAR-10 0.537 -> 0.539.
    _pool_indicators: ClassVar[bool] = True

    _parameter_constraints: ClassVar[dict] = {
        **Predictor._parameter_constraints,
        "C": [Interval(Real, 0, None, closed="neither")],
        "epsilon": [Interval(Real, 0, None, closed="left")],
        "gamma": [StrOptions({"scale", "auto"}), Interval(Real, 0, None, closed="neither")],
        "kernel": [StrOptions({"linear", "poly", "rbf", "sigmoid"})],
    }

    def __init__(
        self,
        *,
        space: Any = None,
        encoding: Any = "adjacency_onehot",
        zero_cost_proxies: Any = None,
        zero_cost_columns: Any = None,
        C: float = 3.0,
        epsilon: float = 0.05,
        gamma: Any = "scale",
        kernel: str = "rbf",
        random_state: Any = None,
    ) -> None:
        self.space = space
        self.encoding = encoding
        self.zero_cost_proxies = zero_cost_proxies
        self.zero_cost_columns = zero_cost_columns
        self.C = C
        self.epsilon = epsilon
        self.gamma = gamma
        self.kernel = kernel
        self.random_state = random_state

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        from sklearn.svm import SVR

        self.x_mean_, self.x_scale_ = fit_feature_scaler(X, pool_indicators=self._pool_indicators)
        self.y_mean_ = float(y.mean())
        self.y_scale_ = float(y.std()) or 1.0
        self.model_ = SVR(C=self.C, epsilon=self.epsilon, gamma=self.gamma, kernel=self.kernel)
        with numpy_global_rng_kept():  # libsvm's seed comes from numpy's global stream
            self.model_.fit((X - self.x_mean_) / self.x_scale_, (y - self.y_mean_) / self.y_scale_)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        z = self.model_.predict((X - self.x_mean_) / self.x_scale_)
        return z * self.y_scale_ + self.y_mean_

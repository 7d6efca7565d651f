"""Bayesian linear regression on architecture features."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval

from .. import PREDICTORS
from ..base import Predictor


@PREDICTORS.register("bayes_lin_reg", "blr", "bayesian_ridge")
class BayesianLinearRegressionPredictor(Predictor):
    """Bayesian linear regression (scikit-learn ``BayesianRidge``) on encoded architectures.

    A Gaussian prior on the weights and Gaussian noise, both precisions estimated by
    evidence maximisation; ``predict_std`` is the standard deviation of the predictive
    distribution (weight uncertainty plus noise), so it grows for feature vectors unlike
    the training ones.

    Parameters
    ----------
    space, encoding, zero_cost_proxies, zero_cost_columns, random_state
        See :class:`~nasperf.predictors.base.Predictor` (the model is deterministic;
        ``random_state`` is unused).
    max_iter : int
        Evidence-maximisation iterations.
    alpha_init, lambda_init : float or None
        Initial noise and weight precisions (None: scikit-learn's defaults).

    Attributes
    ----------
    model_ : sklearn.linear_model.BayesianRidge
    n_iter_ : int
        Evidence-maximisation iterations run.

    References
    ----------
    MacKay, "Bayesian Interpolation", Neural Computation 1992; Bishop, "Pattern
    Recognition and Machine Learning", 2006, ch. 3; White et al., "How Powerful are
    Performance Predictors in Neural Architecture Search?", NeurIPS 2021.
    """

    skops_types = frozenset({"sklearn.linear_model._bayes.BayesianRidge"})
    has_uncertainty = True
    test_params: dict = {}

    _parameter_constraints: ClassVar[dict] = {
        **Predictor._parameter_constraints,
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "alpha_init": [Interval(Real, 0, None, closed="left"), None],
        "lambda_init": [Interval(Real, 0, None, closed="left"), None],
    }

    def __init__(
        self,
        *,
        space: Any = None,
        encoding: Any = "adjacency_onehot",
        zero_cost_proxies: Any = None,
        zero_cost_columns: Any = None,
        max_iter: int = 300,
        alpha_init: float | None = None,
        lambda_init: float | None = None,
        random_state: Any = None,
    ) -> None:
        self.space = space
        self.encoding = encoding
        self.zero_cost_proxies = zero_cost_proxies
        self.zero_cost_columns = zero_cost_columns
        self.max_iter = max_iter
        self.alpha_init = alpha_init
        self.lambda_init = lambda_init
        self.random_state = random_state

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        from sklearn.linear_model import BayesianRidge

        self.model_ = BayesianRidge(
            max_iter=self.max_iter, alpha_init=self.alpha_init, lambda_init=self.lambda_init
        ).fit(X, y)
        self.n_iter_ = int(self.model_.n_iter_)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.model_.predict(X)

    def _predict_std(self, X: np.ndarray) -> np.ndarray:
        return self.model_.predict(X, return_std=True)[1]

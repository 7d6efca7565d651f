"""LightGBM regression on an architecture encoding."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval, Options

from .. import PREDICTORS
from ..base import Predictor


@PREDICTORS.register("lgb", "lightgbm")
class LGBPredictor(Predictor):
    """Gradient-boosted trees (LightGBM, leaf-wise growth) on encoded architectures.

    Parameters
    ----------
    space, encoding, zero_cost_proxies, zero_cost_columns, random_state
        See :class:`~nasperf.predictors.base.Predictor`.
    n_estimators : int
        Boosting rounds.
    num_leaves, max_depth, learning_rate, min_child_samples, subsample, colsample_bytree
        LightGBM's parameters. ``min_child_samples`` defaults to 5 rather than LightGBM's
        20, which forbids almost every split at the training-set sizes of NAS
        (tens to hundreds of architectures); ``subsample`` is applied every round.
    reg_lambda : float
        L2 penalty on leaf values.
    n_jobs : int
        Threads.

    Attributes
    ----------
    model_ : lightgbm.Booster

    References
    ----------
    Ke et al., "LightGBM: A Highly Efficient Gradient Boosting Decision Tree", NeurIPS 2017;
    White et al., "How Powerful are Performance Predictors in Neural Architecture Search?",
    NeurIPS 2021.
    """

    allow_nan = True  # a NaN feature is a missing value

    test_params = {"n_estimators": 100}

    _parameter_constraints: ClassVar[dict] = {
        **Predictor._parameter_constraints,
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "num_leaves": [Interval(Integral, 2, 131072, closed="both")],
        "max_depth": [Interval(Integral, 1, None, closed="left"), Options(Integral, {-1})],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "min_child_samples": [Interval(Integral, 0, None, closed="left")],
        "subsample": [Interval(Real, 0, 1, closed="right")],
        "colsample_bytree": [Interval(Real, 0, 1, closed="right")],
        "reg_lambda": [Interval(Real, 0, None, closed="left")],
        "n_jobs": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        space: Any = None,
        encoding: Any = "adjacency_onehot",
        zero_cost_proxies: Any = None,
        zero_cost_columns: Any = None,
        n_estimators: int = 500,
        num_leaves: int = 15,
        max_depth: int = -1,
        learning_rate: float = 0.05,
        min_child_samples: int = 5,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        reg_lambda: float = 1.0,
        n_jobs: int = 1,
        random_state: Any = None,
    ) -> None:
        self.space = space
        self.encoding = encoding
        self.zero_cost_proxies = zero_cost_proxies
        self.zero_cost_columns = zero_cost_columns
        self.n_estimators = n_estimators
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        import lightgbm as lgb

        if len(y) < 2:
            # Row subsampling of a single row leaves LightGBM an empty data set.
            raise ValueError(f"{type(self).__name__} needs at least 2 architectures, got 1 sample")
        params = {
            "objective": "regression",
            "num_leaves": self.num_leaves,
            "max_depth": self.max_depth,
            "learning_rate": self.learning_rate,
            "min_data_in_leaf": self.min_child_samples,
            "min_sum_hessian_in_leaf": 0.0,
            "bagging_fraction": self.subsample,
            "bagging_freq": 1 if self.subsample < 1.0 else 0,
            "feature_fraction": self.colsample_bytree,
            "lambda_l2": self.reg_lambda,
            # Tiny data sets: let every distinct value be a split candidate.
            "min_data_in_bin": 1,
            "num_threads": self.n_jobs,
            "seed": self._seed(),
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
        }
        data = lgb.Dataset(X, label=y, params={"verbosity": -1, "min_data_in_bin": 1})
        self.model_ = lgb.train(params, data, num_boost_round=self.n_estimators)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.model_.predict(X, num_threads=self.n_jobs)

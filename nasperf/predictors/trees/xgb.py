"""XGBoost regression on an architecture encoding."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval

from .. import PREDICTORS
from ..base import Predictor

#: Targets whose standard deviation is below ``Y_SMALL``, or whose mean exceeds ``Y_OFFSET``
#: standard deviations, are standardised before XGBoost sees them (see ``_fit``).
Y_SMALL = 1e-2
Y_OFFSET = 1e3


@PREDICTORS.register("xgb", "xgboost")
class XGBPredictor(Predictor):
    """Gradient-boosted trees (XGBoost) on encoded architectures.

    Parameters
    ----------
    space, encoding, zero_cost_proxies, zero_cost_columns, random_state
        See :class:`~nasperf.predictors.base.Predictor`.
    n_estimators, max_depth, learning_rate, subsample, colsample_bytree, min_child_weight
        XGBoost's parameters; the defaults are those White et al. tuned for NAS-Bench-201
        (shallow trees, strong row / column subsampling) and work across spaces.
    n_jobs : int
        Threads.

    Attributes
    ----------
    model_ : xgboost.Booster

    References
    ----------
    Chen & Guestrin, "XGBoost: A Scalable Tree Boosting System", KDD 2016; White et al.,
    "How Powerful are Performance Predictors in Neural Architecture Search?", NeurIPS 2021.
    """

    allow_nan = True  # a NaN feature is a missing value

    search_space = {
        "n_estimators": [200, 500, 1000],
        "max_depth": [2, 3, 4, 6, 8],
        "learning_rate": [0.01, 0.02, 0.05, 0.1],
        "subsample": [0.5, 0.7, 0.8, 1.0],
        "colsample_bytree": [0.3, 0.5, 0.8, 1.0],
        "min_child_weight": [1.0, 2.0, 5.0],
    }

    _parameter_constraints: ClassVar[dict] = {
        **Predictor._parameter_constraints,
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "max_depth": [Interval(Integral, 0, None, closed="left")],
        "learning_rate": [Interval(Real, 0, 1, closed="right")],
        "subsample": [Interval(Real, 0, 1, closed="right")],
        "colsample_bytree": [Interval(Real, 0, 1, closed="right")],
        "min_child_weight": [Interval(Real, 0, None, closed="left")],
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
        max_depth: int = 6,
        learning_rate: float = 0.05,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        min_child_weight: float = 1.0,
        n_jobs: int = 1,
        random_state: Any = None,
    ) -> None:
        self.space = space
        self.encoding = encoding
        self.zero_cost_proxies = zero_cost_proxies
        self.zero_cost_columns = zero_cost_columns
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.min_child_weight = min_child_weight
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        import xgboost as xgb

        params = {
            "objective": "reg:squarederror",
            "max_depth": self.max_depth,
            "eta": self.learning_rate,
            "subsample": self.subsample,
            "colsample_bytree": self.colsample_bytree,
            "min_child_weight": self.min_child_weight,
            "nthread": self.n_jobs,
            "seed": self._seed(),
            "verbosity": 0,
        }
        # XGBoost holds labels, gradients and predictions in float32 and refuses a split
        # whose gain is below an absolute 1e-6: a target in small units (a latency of 5e-4 s,
        # std ~1e-5) or far from 0 relative to its spread (1e7 + noise) would be fitted as a
        # constant. There the labels are centred and scaled first (undone in _predict);
        # elsewhere they go in as they are (squared error's leaf weights and split order are
        # then the same up to float rounding).
        mean, std = float(np.mean(y)), float(np.std(y))
        rescale = std > 0 and (std < Y_SMALL or abs(mean) > Y_OFFSET * std)
        self.y_shift_ = mean if rescale else 0.0
        self.y_scale_ = std if rescale else 1.0
        dtrain = xgb.DMatrix(X, label=(y - self.y_shift_) / self.y_scale_)
        self.model_ = xgb.train(params, dtrain, num_boost_round=self.n_estimators)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        import xgboost as xgb

        # files saved before the rescaling have neither attribute: labels as they were
        shift, scale = getattr(self, "y_shift_", 0.0), getattr(self, "y_scale_", 1.0)
        if not isinstance(self.model_, xgb.Booster):
            return np.asarray(self.model_.predict(X), np.float64) * scale + shift
        # In-place prediction skips building a DMatrix (the same values, faster on large
        # batches, which matters when screening); the thread count is not part of a saved
        # model, so it is set here from n_jobs.
        self.model_.set_param({"nthread": self.n_jobs})
        out = self.model_.inplace_predict(X)
        # in float64: float32 predictions plus a large shift would lose their differences
        return out if scale == 1.0 and shift == 0.0 else np.asarray(out, np.float64) * scale + shift

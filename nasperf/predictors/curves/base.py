"""Base class of learning-curve predictors: partial curve in, final-value estimate out.

A learning-curve predictor reads the ``learning_curves`` side information
(:class:`nasperf.datasets.curves.LearningCurves`, or an ``(n, k)`` array read as validation
accuracy at epochs ``1..k``) and predicts each curve's value at ``final_epoch``, in the
units of the metric it extrapolates (percent for accuracies). Architectures are passed
for a uniform interface; training-free members ignore them, so the first argument may be
any sequence of ``n`` items (architectures, hyper-parameter configs, ids) or ``None``.

Subclasses set ``requirements`` (``labels=True`` for members trained on fully trained
architectures, such as LcSVR), implement ``_fit_curves(archs, curves, y)`` and
``_predict_curves(archs, curves) -> (mean, std or None)``, and set ``has_uncertainty``
when they return a standard deviation. Predictions of an accuracy are clipped to
``[0, 100]`` (the curves' values are checked to lie there too); where a mean is clipped,
its standard deviation is that of a normal of the unclipped mean and deviation truncated to
``[0, 100]`` (a prediction far beyond 100 % is then a confident 100 %, not one as uncertain
as its extrapolation).
"""

from __future__ import annotations

import time
from numbers import Integral
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from nasperf._constraints import RANDOM_STATE
from nasperf._torch_state import with_autograd
from nasperf.datasets.curves import (
    ACCURACY_METRICS,
    LOSS_METRICS,
    LearningCurves,
    as_learning_curves,
    higher_is_better,
)

from ..base import Predictor, Requirements, refuse_label_copies

__all__ = ["ACCURACY_METRIC", "ANY_METRIC", "LOSS_METRIC", "CurvePredictor"]

#: ``metric`` constraints: an accuracy, a loss, or either (higher-is-better or not).
ACCURACY_METRIC = StrOptions(set(ACCURACY_METRICS))
LOSS_METRIC = StrOptions(set(LOSS_METRICS))
ANY_METRIC = StrOptions(set(ACCURACY_METRICS) | set(LOSS_METRICS))


class CurvePredictor(Predictor):
    """A predictor that extrapolates partial learning curves (see the module docstring).

    Parameters (common to subclasses)
    ---------------------------------
    metric : str
        The curve metric read (``val_accuracy``, ``val_loss``, ...).
    final_epoch : int, optional
        Epoch to extrapolate to; default the curves' own ``final_epoch``.
    random_state : int, numpy Generator or None
    """

    requirements = Requirements(labels=False, learning_curves=True)
    numeric = False
    _parameter_constraints: ClassVar[dict] = {
        "metric": [ANY_METRIC],
        "final_epoch": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": RANDOM_STATE,
    }

    def __init__(
        self,
        *,
        metric: str = "val_accuracy",
        final_epoch: int | None = None,
        random_state: Any = None,
    ) -> None:
        self.metric = metric
        self.final_epoch = final_epoch
        self.random_state = random_state

    # ------------------------------------------------------------------ contract
    @with_autograd
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, archs: Any = None, y: Any = None, **side: Any) -> CurvePredictor:
        """Check the curves (and for trained members, fit on ``y``); returns ``self``.

        For members trained on ``y``, a curve column that is a copy of ``y`` (e.g. curves
        that reach the epoch whose value is the target) is refused
        (:class:`~nasperf.errors.LabelLeakError`). Training-free members read no label; a
        curve that already reached ``final_epoch`` is simply predicted by its value there.
        """
        start = time.perf_counter()
        self._check_side(side)
        curves = self._curves(archs, side)
        if self.requirements.labels:
            y = self._check_y(y, len(curves))
            values = np.asarray(self._values(curves), dtype=np.float64)
            names = [f"{self.metric} at epoch {e}" for e in curves.epochs]
            refuse_label_copies(values, names, y, "learning_curves", rank=False)
        elif y is not None:
            y = None  # training-free: labels are not read
        self.metric_ = str(self.metric)
        self.fit_epochs_ = [int(e) for e in curves.epochs]
        self.encoder_ = None
        self.space_ = None
        self._fit_curves(archs, curves, y)
        self.fit_time_ = time.perf_counter() - start
        return self

    def predict(self, archs: Any = None, **side: Any) -> np.ndarray:
        """Predicted value at ``final_epoch`` of every curve, float64 ``(n,)``."""
        mean, _ = self._run(archs, side, need_std=False)
        return mean

    def predict_std(self, archs: Any = None, **side: Any) -> np.ndarray:
        """Predictive standard deviation of the final value (members with uncertainty)."""
        if not self.has_uncertainty:
            raise AttributeError(f"{type(self).__name__} has no predictive uncertainty")
        _, std = self._run(archs, side, need_std=True)
        return std

    def score_curves(self, curves: Any, archs: Any = None) -> np.ndarray:
        """``predict`` with the curves as the first argument (library convenience)."""
        return self.predict(archs, learning_curves=curves)

    # ------------------------------------------------------------------ for subclasses
    def _fit_curves(self, archs: Any, curves: LearningCurves, y: np.ndarray | None) -> None:
        """Training-free members need nothing; trained members learn from ``y`` here."""

    def _predict_curves(
        self, archs: Any, curves: LearningCurves, need_std: bool
    ) -> tuple[np.ndarray, np.ndarray | None]:
        raise NotImplementedError

    # ------------------------------------------------------------------ helpers
    def _run(self, archs: Any, side: dict, need_std: bool) -> tuple[np.ndarray, Any]:
        check_is_fitted(self, "fit_time_")
        self._check_side(side)
        curves = self._curves(archs, side)
        if len(curves) == 0:  # no curves (and no architectures): an empty answer
            empty = np.zeros(0, dtype=np.float64)
            return empty, (empty.copy() if need_std else None)
        mean, std = self._predict_curves(archs, curves, need_std)
        mean = np.asarray(mean, dtype=np.float64).reshape(-1)
        if std is not None:
            std = np.asarray(std, dtype=np.float64).reshape(-1)
        if self.metric in ACCURACY_METRICS and curves.percent:
            # An accuracy in percent cannot leave [0, 100]; LCE-m's family prior (pybnn's
            # loose range) lets a posterior mean extrapolate far beyond it.
            outside = (mean < 0.0) | (mean > 100.0)
            if std is not None and outside.any():
                std = std.copy()
                std[outside] = _truncated_std(mean[outside], std[outside], 0.0, 100.0)
            mean = np.clip(mean, 0.0, 100.0)
        return mean, std

    def _curves(self, archs: Any, side: dict) -> LearningCurves:
        lc = side.get("learning_curves")
        if lc is None:
            raise ValueError(
                f"{type(self).__name__} extrapolates learning curves: pass "
                "learning_curves=LearningCurves(...) (or an (n, n_epochs) array) to fit and "
                "predict"
            )
        n = None if archs is None else len(archs)
        if (
            isinstance(lc, pd.DataFrame | pd.Series)
            and not isinstance(lc.index, pd.RangeIndex)
            and archs is not None
        ):
            lc = _aligned(lc, archs)
        return as_learning_curves(lc, n)

    def _final_epoch(self, curves: LearningCurves) -> int:
        return curves.require_final_epoch(self.final_epoch)

    def _values(self, curves: LearningCurves) -> np.ndarray:
        """The ``(n, k)`` values of this predictor's metric."""
        try:
            return curves.get(self.metric)
        except ValueError as err:  # which predictor, and how to give it that metric
            raise ValueError(
                f"{type(self).__name__} (metric={self.metric!r}): {err}. An (n, k) array of "
                f"curves is read as val_accuracy; pass LearningCurves(epochs, "
                f"{{{self.metric!r}: values}}) to give it {self.metric}"
            ) from None

    @property
    def _sign(self) -> float:
        """+1 for accuracies, -1 for losses: ``sign * value`` is higher-is-better."""
        return 1.0 if higher_is_better(self.metric) else -1.0


def _truncated_std(mu: np.ndarray, sd: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Standard deviation of normals ``N(mu, sd)`` truncated to ``[lo, hi]`` (0 where ``sd``
    is 0; scipy's ``truncnorm`` is stable far in the tails)."""
    from scipy.stats import truncnorm

    out = np.zeros_like(sd)
    ok = sd > 0
    if ok.any():
        a, b = (lo - mu[ok]) / sd[ok], (hi - mu[ok]) / sd[ok]
        out[ok] = truncnorm.std(a, b, loc=mu[ok], scale=sd[ok])
    return np.where(np.isfinite(out), out, 0.0)


def _aligned(lc: pd.DataFrame | pd.Series, archs: Any) -> pd.DataFrame | pd.Series:
    """``lc``'s rows of ``archs``, where it is indexed by architecture text (as feature
    predictors align such a table: it had been read in its own order, one row per index
    entry, "15625 rows for 40 architectures", or silently another architecture's curve where
    the lengths agreed). Curve predictors read no space, so the architectures are matched by
    their texts as given."""
    keys = list(archs)
    if not lc.index.is_unique:
        dup = lc.index[lc.index.duplicated()][0]
        raise ValueError(f"learning_curves has two rows for architecture {dup!r}")
    missing = next((k for k in keys if not isinstance(k, str) or k not in lc.index), None)
    if missing is not None:
        raise ValueError(
            f"learning_curves is a {type(lc).__name__} indexed by architecture, without a row "
            f"for {missing!r}; give archs as its index's texts, or the curves as an array (or "
            "LearningCurves) in the order of archs"
        )
    return lc.loc[keys]

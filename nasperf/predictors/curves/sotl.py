"""Sum of training / validation losses (SoTL, SoTL-E, SoVL; Ru et al. 2021)."""

from __future__ import annotations

from numbers import Integral
from typing import Any, ClassVar

from sklearn.utils._param_validation import Interval

from nasperf.datasets.curves import LearningCurves

from .. import PREDICTORS
from .base import LOSS_METRIC, CurvePredictor


@PREDICTORS.register("sotl")
class SumOfLosses(CurvePredictor):
    """Score = minus the sum of the losses over the observed epochs (higher is better).

    Ru et al. found that the sum of training losses over the epochs trained so far ranks
    architectures better than the validation accuracy reached (training speed predicts
    generalisation); SoTL-E sums the last ``window`` epochs only and SoVL sums validation
    losses. Here a curve's loss is one value per epoch (Ru et al. sum minibatch losses;
    per-epoch means are that sum divided by the number of minibatches, the same ranking
    when every architecture sees the same data).

    Which losses exist depends on the data: NAS-Bench-301's surrogate and LCBench record
    validation (and LCBench test) losses but no training losses, so SoTL and SoTL-E need
    curves a user brings (``LearningCurves`` with ``train_loss``), and on those sources only
    SoVL runs; NAS-Bench-201's tables have no losses at all. Asking for a missing metric is
    an error that says so.

    Parameters
    ----------
    metric : str
        A loss metric (``train_loss`` for SoTL / SoTL-E, ``val_loss`` for SoVL).
    window : int or None
        Sum only the last ``window`` observed epochs (SoTL-E); None sums all.
    final_epoch, random_state
        Unused; accepted for a uniform interface.

    References
    ----------
    Ru, Lyle, Schut, Fil, van der Wilk & Gal, "Speedy Performance Estimation for Neural
    Architecture Search", NeurIPS 2021.
    """

    _parameter_constraints: ClassVar[dict] = {
        **CurvePredictor._parameter_constraints,
        "metric": [LOSS_METRIC],
        "window": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        *,
        metric: str = "train_loss",
        window: int | None = None,
        final_epoch: int | None = None,
        random_state: Any = None,
    ) -> None:
        super().__init__(metric=metric, final_epoch=final_epoch, random_state=random_state)
        self.window = window

    def _fit_curves(self, archs: Any, curves: LearningCurves, y: Any) -> None:
        curves.get(self.metric)  # a clear error now if the curves lack this loss

    def _predict_curves(self, archs: Any, curves: LearningCurves, need_std: bool):
        losses = self._values(curves)
        if self.window is not None:
            losses = losses[:, -self.window :]
        return -losses.sum(axis=1), None


@PREDICTORS.register("sotle")
class SumOfLastLosses(SumOfLosses):
    """SoTL-E: minus the training loss summed over the last ``window`` epochs (default 1).

    See :class:`SumOfLosses`.
    """

    def __init__(
        self,
        *,
        metric: str = "train_loss",
        window: int | None = 1,
        final_epoch: int | None = None,
        random_state: Any = None,
    ) -> None:
        super().__init__(
            metric=metric, window=window, final_epoch=final_epoch, random_state=random_state
        )


@PREDICTORS.register("sovl")
class SumOfValidationLosses(SumOfLosses):
    """SoVL: minus the validation loss summed over the observed epochs.

    See :class:`SumOfLosses`.
    """

    def __init__(
        self,
        *,
        metric: str = "val_loss",
        window: int | None = None,
        final_epoch: int | None = None,
        random_state: Any = None,
    ) -> None:
        super().__init__(
            metric=metric, window=window, final_epoch=final_epoch, random_state=random_state
        )

"""Early stopping: the last observed value of the curve is the prediction."""

from __future__ import annotations

from typing import Any, ClassVar

from nasperf.datasets.curves import LearningCurves

from .. import PREDICTORS
from .base import ACCURACY_METRIC, LOSS_METRIC, CurvePredictor


@PREDICTORS.register("early_stop_acc", "valacc")
class EarlyStopAccuracy(CurvePredictor):
    """Early stopping on accuracy: predict the value at the last observed epoch.

    The baseline every extrapolator has to beat: train each architecture for the budget and
    rank by the accuracy reached (White et al. 2021's "VAccES"). The prediction is in the
    metric's units (percent), so its MAE against the final value measures how far training
    still moves it.

    Parameters
    ----------
    metric : str
        An accuracy metric of the curves (default ``val_accuracy``).
    final_epoch, random_state
        Unused (no extrapolation, no randomness); accepted for a uniform interface.

    References
    ----------
    White, Zela, Ru, Liu & Hutter, "How Powerful are Performance Predictors in Neural
    Architecture Search?", NeurIPS 2021.
    """

    # Losses: see early_stop_loss.
    _parameter_constraints: ClassVar[dict] = {
        **CurvePredictor._parameter_constraints,
        "metric": [ACCURACY_METRIC],
    }

    def _predict_curves(self, archs: Any, curves: LearningCurves, need_std: bool):
        return self._values(curves)[:, -1], None


@PREDICTORS.register("early_stop_loss", "valloss")
class EarlyStopLoss(CurvePredictor):
    """Early stopping on a loss: score = minus the loss at the last observed epoch.

    Higher scores are better, as for every predictor (so the score is ``-loss``).

    Parameters
    ----------
    metric : str
        A loss metric of the curves (default ``val_loss``).
    final_epoch, random_state
        Unused (no extrapolation, no randomness); accepted for a uniform interface.

    References
    ----------
    White et al., NeurIPS 2021 ("VLossES").
    """

    # Accuracies: see early_stop_acc.
    _parameter_constraints: ClassVar[dict] = {
        **CurvePredictor._parameter_constraints,
        "metric": [LOSS_METRIC],
    }

    def __init__(
        self, *, metric: str = "val_loss", final_epoch: int | None = None, random_state: Any = None
    ) -> None:
        super().__init__(metric=metric, final_epoch=final_epoch, random_state=random_state)

    def _predict_curves(self, archs: Any, curves: LearningCurves, need_std: bool):
        return -self._values(curves)[:, -1], None

"""Random-sampling weight sharing (RS-WS; Li & Talwalkar, 2019)."""

from __future__ import annotations

from .. import PREDICTORS
from .base import Stage, WeightSharingPredictor


@PREDICTORS.register("rsws")
class RandomSamplingWeightSharing(WeightSharingPredictor):
    """Score architectures with a supernet trained along uniformly sampled single paths.

    Every minibatch trains one architecture drawn uniformly from the space, with the
    weights its operations share with every other architecture; after ``epochs`` epochs an
    architecture's score is its accuracy (or minus its loss) on held-out images with the
    inherited weights. Parameters and fitted attributes: see
    :class:`~nasperf.predictors.weight_sharing.base.WeightSharingPredictor`.

    References
    ----------
    Li & Talwalkar, "Random Search and Reproducibility for Neural Architecture Search",
    UAI 2019; White et al., "How Powerful are Performance Predictors in Neural Architecture
    Search?", NeurIPS 2021 (the RS-WS predictor).
    """

    def _stages(self) -> list[Stage]:
        return [Stage("supernet", int(self.epochs))]

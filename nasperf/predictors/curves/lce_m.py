"""LCE-m: pybnn's MCMC curve-model combination as NASLib configures it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from .. import PREDICTORS
from ._lce_core import CombinationPrior, LCEBase

#: pybnn's ``curve_combination_models``, the families NASLib's LCE-m combines ("removing
#: some of the models was found to improve performance").
LCE_M_FAMILIES: tuple[str, ...] = ("mmf", "log_log_linear", "hill3", "log_power")


@PREDICTORS.register("lce_m")
class LCEm(LCEBase):
    """LCE-m (White et al. 2021): a cheaper variant of learning-curve extrapolation.

    The same Bayesian combination as :class:`~nasperf.predictors.curves.lce.LCE` (shared core,
    :mod:`nasperf.predictors.curves._lce_core`), configured as NASLib runs pybnn's
    ``MCMCCurveModelCombination``:

    * families: pybnn's four ``curve_combination_models`` (MMF, log-log linear, Hill3, log
      power) by default; pass ``families=FAMILY_NAMES`` for all eleven;
    * weights initialised at their maximum-likelihood estimate (least squares of the curve
      on the family fits, non-negative; families with a weight below 1e-4 are dropped);
    * hard monotonicity: every family non-decreasing on 50 epochs from 2 to
      ``final_epoch``, and its value there within pybnn's loose sanity range ``[0, 100]``
      (in units of the curve divided by 100); no prior on the combined curve;
    * no recency weighting; 50 walkers, 800 steps of which 500 burn-in.

    NASLib passes ``initial_model_weight_ml_estimate=True``, but pybnn reads that flag only
    when ``normalize_weights`` is false, and NASLib leaves it true: its runs start from
    equal weights. This class applies the maximum-likelihood start that NASLib asks for,
    estimated for the normalised combination it samples (weights summing to one; pybnn's
    branch fits unnormalised weights to an unnormalised model). The prediction is the
    posterior mean of the combined
    curve at ``final_epoch`` (times 100), with the fallbacks of LCE for degenerate curves
    (NASLib substitutes a constant guess plus noise there).

    Parameters
    ----------
    metric, final_epoch, random_state
        As for :class:`~nasperf.predictors.curves.lce.LCE`.
    families : sequence of str
        Families combined (default :data:`LCE_M_FAMILIES`).
    n_walkers : int
        Ensemble walkers (raised to twice the number of sampled parameters where smaller,
        as pybnn does).
    n_samples, burn_in, thin : int
        MCMC steps per curve (burn-in included), steps discarded, thinning.
    progress : bool
        As for :class:`~nasperf.predictors.curves.lce.LCE`: a bar over the curves in
        ``predict``.

    References
    ----------
    White, Zela, Ru, Liu & Hutter, "How Powerful are Performance Predictors in Neural
    Architecture Search?", NeurIPS 2021. Klein, Falkner, Springenberg & Hutter, "Learning
    Curve Prediction with Bayesian Neural Networks", ICLR 2017 (pybnn).
    """

    prior: ClassVar[CombinationPrior] = CombinationPrior(
        combined=False, family_monotone=True, family_final_range=(0.0, 100.0), ml_weights=True
    )
    test_params: ClassVar[dict] = {"n_walkers": 8, "n_samples": 60, "burn_in": 30}

    def __init__(
        self,
        *,
        metric: str = "val_accuracy",
        final_epoch: int | None = None,
        families: Sequence[str] = LCE_M_FAMILIES,
        n_walkers: int = 50,
        n_samples: int = 800,
        burn_in: int = 500,
        thin: int = 1,
        progress: bool = False,
        random_state: Any = None,
    ) -> None:
        super().__init__(
            metric=metric,
            final_epoch=final_epoch,
            families=families,
            n_walkers=n_walkers,
            n_samples=n_samples,
            burn_in=burn_in,
            thin=thin,
            progress=progress,
            random_state=random_state,
        )

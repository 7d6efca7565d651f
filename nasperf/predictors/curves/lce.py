"""LCE: Bayesian learning-curve extrapolation with a combination of parametric families."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from .. import PREDICTORS
from ._lce_core import CombinationPrior, LCEBase
from .families import FAMILY_NAMES


@PREDICTORS.register("lce")
class LCE(LCEBase):
    """Domhan et al.'s learning-curve extrapolation (LCE).

    Models a partial accuracy curve, divided by 100, as a weighted combination of the
    eleven parametric families of :mod:`nasperf.predictors.curves.families`,

        y(t) = sum_k w_k / (sum_j w_j) * f_k(t | theta_k) + eps,   eps ~ N(0, sigma^2),

    samples the posterior over all ``theta_k``, the weights ``w >= 0`` and ``sigma`` with
    ``emcee`` (walkers started around the per-family least-squares fits, equal weights), and
    predicts the posterior mean of the curve at ``final_epoch``, times 100. The prior keeps
    the combined curve increasing (``f(1) < f(final_epoch)``) and within ``[0, 1]`` at
    epoch 1, the observed epochs and 12 epochs from the last observed one to
    ``final_epoch``; each family's parameters
    are flat within its bounds, ``sigma`` flat on ``(0, 1]``. Families whose fit fails or
    violates that prior on its own are left out. :meth:`predict_std` is the posterior
    predictive standard deviation of the final value (percent).

    Curves with fewer than 3 observed epochs, flat or non-increasing curves (last value no
    higher than the first), a ``final_epoch`` not after the last observed one, or no usable
    family predict their last observed value (see :mod:`nasperf.predictors.curves._lce_core`;
    :attr:`last_fallback` tells which). One curve is sampled at a time; the log-posterior
    is vectorised over walkers.

    Parameters
    ----------
    metric : str
        An accuracy metric of the curves (percent); losses are not supported.
    final_epoch : int, optional
        Epoch to extrapolate to; default the curves' own ``final_epoch``.
    families : sequence of str
        Families combined (default all eleven).
    n_walkers : int
        Ensemble walkers (raised to twice the number of sampled parameters where smaller:
        98 for all eleven families).
    n_samples : int
        MCMC steps per curve, burn-in included (Domhan's code: 2500).
    burn_in : int
        Steps discarded.
    thin : int
        Keep every ``thin``-th step after burn-in.
    progress : bool
        Show a progress bar over the curves in ``predict`` (tqdm, on stderr): one MCMC
        chain per curve, ~3 s each with the defaults on one core (LCE-m's ~1 s), hours on
        thousands of curves. Predictions are the same with or without it.
    random_state : int, numpy Generator or None
        Seeds every chain (each curve's chain from this and the curve itself).

    References
    ----------
    Domhan, Springenberg & Hutter, "Speeding up Automatic Hyperparameter Optimization of
    Deep Neural Networks by Extrapolation of Learning Curves", IJCAI 2015.
    """

    prior: ClassVar[CombinationPrior] = CombinationPrior(
        combined=True, family_monotone=False, family_final_range=None, ml_weights=False
    )
    test_params: ClassVar[dict] = {"n_walkers": 8, "n_samples": 60, "burn_in": 30}

    def __init__(
        self,
        *,
        metric: str = "val_accuracy",
        final_epoch: int | None = None,
        families: Sequence[str] = FAMILY_NAMES,
        n_walkers: int = 100,
        n_samples: int = 2000,
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

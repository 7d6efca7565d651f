"""Successive Halving over a benchmark's fidelities (Jamieson & Talwalkar 2016)."""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import ClassVar

from sklearn.utils._param_validation import Interval

from ._brackets import BracketOptimizer
from .base import register

__all__ = ["SuccessiveHalving"]


@register("successive_halving", "sh")
class SuccessiveHalving(BracketOptimizer):
    """Successive Halving, repeated until the budget is spent.

    Each bracket queries ``n_configs`` random unqueried architectures at the cheapest rung,
    then the best ``1 / eta`` of them (by value at that fidelity) at the next rung, and so
    on up to ``max_fidelity``: rung ``i`` holds ``floor(n_configs / eta**i)`` (at least 1).
    The rungs are the objective's fidelities spaced by about ``eta`` in epochs (see
    :func:`~nasperf.search._brackets.fidelity_rungs`): NAS-Bench-301 with ``eta=3`` uses 1,
    4, 11, 33 and 98 epochs, NAS-Bench-201 its 12- and 200-epoch runs. A promoted architecture
    resumes its training (``Query.resume_from``): where the objective's fidelities are one
    run (``Objective.continues``: the NB301 surrogate) it is charged only the extra epochs;
    on NB201, whose 12-epoch run is a separate schedule, it is charged the full run.

    Parameters
    ----------
    eta : float
        Reduction factor between rungs (> 1).
    min_fidelity, max_fidelity : str, optional
        Cheapest and most expensive rung (defaults: the objective's cheapest and full
        fidelity; the history's best value counts full-fidelity queries only).
    n_configs : int, optional
        Architectures per bracket at the first rung (default ``eta ** (rungs - 1)``, one
        architecture reaching the top rung).

    References
    ----------
    Jamieson & Talwalkar, "Non-stochastic Best Arm Identification and Hyperparameter
    Optimization", AISTATS 2016.
    """

    _parameter_constraints: ClassVar[dict] = {
        "eta": [Interval(Real, 1, None, closed="neither")],
        "min_fidelity": [str, None],
        "max_fidelity": [str, None],
        "n_configs": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        *,
        eta: float = 3,
        min_fidelity: str | None = None,
        max_fidelity: str | None = None,
        n_configs: int | None = None,
    ) -> None:
        self.eta = eta
        self.min_fidelity = min_fidelity
        self.max_fidelity = max_fidelity
        self.n_configs = n_configs

    def setup(self, context, rng) -> None:
        super().setup(context, rng)

    def _plan(self, index: int) -> tuple[int, int]:
        s = len(self.rungs_) - 1
        n = self.n_configs if self.n_configs is not None else math.ceil(self.eta**s - 1e-9)
        return s, int(n)

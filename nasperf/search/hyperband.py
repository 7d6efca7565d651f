"""Hyperband: successive halving brackets of every aggressiveness (Li et al. 2018)."""

from __future__ import annotations

import math
from numbers import Real
from typing import ClassVar

from sklearn.utils._param_validation import Interval

from ._brackets import BracketOptimizer
from .base import register

__all__ = ["Hyperband"]


@register("hyperband", "hb")
class Hyperband(BracketOptimizer):
    """Hyperband over a benchmark's fidelities, cycling through its brackets until the
    budget is spent.

    With ``s_max + 1`` rungs (see :func:`~nasperf.search._brackets.fidelity_rungs`),
    bracket ``s = s_max, s_max - 1, ..., 0`` is successive halving over the top ``s + 1``
    rungs starting ``n = ceil((s_max + 1) / (s + 1) * eta**s)`` random architectures: the
    first bracket is the most aggressive (many architectures at the cheapest rung), the last
    plain random search at the top rung. NAS-Bench-301 with ``eta=3`` (rungs 1, 4, 11, 33, 98
    epochs) runs brackets of 81, 34, 15, 8 and 5 architectures; NAS-Bench-201 (12 and 200
    epochs) 3 then 2.

    Parameters
    ----------
    eta : float
        Reduction factor between rungs (> 1).
    min_fidelity, max_fidelity : str, optional
        Cheapest and most expensive rung (defaults: the objective's cheapest and full
        fidelity).

    References
    ----------
    Li, Jamieson, DeSalvo, Rostamizadeh & Talwalkar, "Hyperband: A Novel Bandit-Based
    Approach to Hyperparameter Optimization", JMLR 2018.
    """

    _parameter_constraints: ClassVar[dict] = {
        "eta": [Interval(Real, 1, None, closed="neither")],
        "min_fidelity": [str, None],
        "max_fidelity": [str, None],
    }

    def __init__(
        self,
        *,
        eta: float = 3,
        min_fidelity: str | None = None,
        max_fidelity: str | None = None,
    ) -> None:
        self.eta = eta
        self.min_fidelity = min_fidelity
        self.max_fidelity = max_fidelity

    def _plan(self, index: int) -> tuple[int, int]:
        s_max = len(self.rungs_) - 1
        s = s_max - index % (s_max + 1)
        return s, math.ceil((s_max + 1) / (s + 1) * self.eta**s - 1e-9)

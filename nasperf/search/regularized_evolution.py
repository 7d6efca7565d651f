"""Regularized (aging) evolution (Real et al. 2019)."""

from __future__ import annotations

from collections import deque
from numbers import Integral
from typing import ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval, InvalidParameterError

from .base import Optimizer, Query, _queries, register


@register("regularized_evolution", "re")
class RegularizedEvolution(Optimizer):
    """Aging evolution: tournament selection, one mutation, the oldest member dies.

    The first ``population_size`` queries are random; afterwards each query is a mutation
    (one elementary edit, ``space.mutate``) of the best of ``sample_size`` members drawn
    from the population, which then drops its oldest member. A child that was queried
    before is mutated again from the same parent (up to 20 draws), so the budget goes to
    new architectures; should all draws be old, the run loop answers the repeat from its
    record at no cost. With a budget no larger than ``population_size`` every query is of
    the random initial population, so the run is random search: its notes say so (a
    comparison or speedup against it is one against random sampling).

    Parameters
    ----------
    population_size : int
    sample_size : int

    References
    ----------
    Real, Aggarwal, Huang & Le, "Regularized Evolution for Image Classifier Architecture
    Search", AAAI 2019.
    """

    _parameter_constraints: ClassVar[dict] = {
        "population_size": [Interval(Integral, 1, None, closed="left")],
        "sample_size": [
            Interval(Integral, 1, None, closed="left")
        ],  # <= population_size, checked in _validate_params
    }

    def __init__(self, *, population_size: int = 50, sample_size: int = 10) -> None:
        self.population_size = population_size
        self.sample_size = sample_size

    def _validate_params(self) -> None:
        super()._validate_params()
        if self.sample_size > self.population_size:
            raise InvalidParameterError(
                f"The 'sample_size' parameter of {type(self).__name__} must be at most "
                f"population_size={self.population_size}. Got {self.sample_size!r} instead."
            )

    def setup(self, context, rng) -> None:
        super().setup(context, rng)
        self.population_: deque = deque()
        budget = context.budget
        if budget is not None and budget <= self.population_size:
            self.notes_.append(
                f"{self.name}: budget {budget} <= population_size {self.population_size}: "
                "every query is of its random initial population (random search); a "
                "comparison with it is one with random sampling"
            )

    def finish(self, n_queries: int) -> None:
        """Say so where the run ended within the random initial population and ``setup``
        could not know it would (a time budget, or a stop at the optimum)."""
        budget = self.context_.budget
        if n_queries <= self.population_size and (budget is None or budget > n_queries):
            self.notes_.append(
                f"{self.name}: the run ended after {_queries(n_queries)}, no more than "
                f"population_size {self.population_size}: every query was of its random "
                "initial population "
                "(random search); a comparison with it is one with random sampling"
            )

    def ask(self) -> list[Query]:
        if len(self.population_) < self.population_size:
            arch = self.random_new()
        else:
            members = list(self.population_)
            idx = self.rng_.choice(len(members), size=self.sample_size, replace=False)
            parent = max((members[i] for i in idx), key=lambda m: m[1])[0]
            arch = self.mutate_new(parent)
        return self.propose([arch])

    def tell(self, queries, values) -> None:
        for q, v in zip(queries, values, strict=True):
            self.population_.append((q.arch, float(v) if np.isfinite(v) else -np.inf))
            if len(self.population_) > self.population_size:
                self.population_.popleft()

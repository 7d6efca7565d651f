"""Regularized (aging) evolution (Real et al. 2019)."""

from __future__ import annotations

from collections import deque

import numpy as np

from .base import Optimizer, Query, register


@register("regularized_evolution", "re")
class RegularizedEvolution(Optimizer):
    """Aging evolution: tournament selection, one mutation, the oldest member dies.

    The first ``population_size`` queries are random; afterwards each query is a mutation
    (one elementary edit, ``space.mutate``) of the best of ``sample_size`` members drawn
    from the population, which then drops its oldest member. A child that was queried
    before is mutated again from the same parent (up to 20 draws), so the budget goes to
    new architectures; should all draws be old, the run loop answers the repeat from its
    record at no cost.

    Parameters
    ----------
    population_size : int
    sample_size : int

    References
    ----------
    Real, Aggarwal, Huang & Le, "Regularized Evolution for Image Classifier Architecture
    Search", AAAI 2019.
    """

    def __init__(self, *, population_size: int = 50, sample_size: int = 10) -> None:
        self.population_size = population_size
        self.sample_size = sample_size

    def setup(self, context, rng) -> None:
        super().setup(context, rng)
        if self.sample_size < 1 or self.population_size < self.sample_size:
            raise ValueError(
                f"need 1 <= sample_size <= population_size, got {self.sample_size}, "
                f"{self.population_size}"
            )
        self.population_: deque = deque()

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

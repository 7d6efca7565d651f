"""Local search (hill climbing with restarts; White et al. 2021, "Local search is state of
the art for NAS benchmarks")."""

from __future__ import annotations

from numbers import Integral
from typing import ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval

from .base import Optimizer, Query, register


@register("local_search", "ls")
class LocalSearch(Optimizer):
    """Hill climbing over the space's neighbourhood (one elementary edit).

    Start from the best of ``n_init`` random architectures; query the current
    architecture's unqueried neighbours in random order and move to the first one that is
    better (``first_improvement``) or, once all are queried, to the best one if it improves;
    at a local optimum restart from a new random architecture.

    Parameters
    ----------
    n_init : int
        Random architectures before climbing.
    first_improvement : bool
        Move as soon as a better neighbour is found (else: after the whole neighbourhood).

    References
    ----------
    White, Nolen, Siems & Hutter, "Exploring the Loss Landscape in Neural Architecture
    Search", UAI 2021.
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "first_improvement": ["boolean"],
    }

    def __init__(self, *, n_init: int = 10, first_improvement: bool = True) -> None:
        self.n_init = n_init
        self.first_improvement = first_improvement

    def setup(self, context, rng) -> None:
        super().setup(context, rng)
        self.values_: dict[str, float] = {}
        self.archs_: dict[str, object] = {}
        self.current_ = None
        self.queue_: list = []
        self.n_random_ = 0
        self.climbed_: set[str] = set()

    def _value(self, arch) -> float:
        return self.values_.get(self.key(arch), -np.inf)

    def _restart(self) -> None:
        self.current_ = None
        self.queue_ = []

    def _move_to(self, arch) -> None:
        self.current_ = arch
        nbrs = [a for a in self.space_.neighbors(arch) if self.key(a) not in self.seen_]
        order = self.rng_.permutation(len(nbrs))
        self.queue_ = [nbrs[i] for i in order]

    def ask(self) -> list[Query]:
        if self.current_ is None and self.n_random_ >= self.n_init and self.values_:
            # climb from the best architecture not yet climbed from
            best = max(self.values_, key=self.values_.get)
            if best not in self.climbed_:
                self.climbed_.add(best)
                self._move_to(self.archs_[best])
            else:
                self.n_random_ = self.n_init - 1  # one more random start
        if self.current_ is None or not self.queue_:
            if self.current_ is not None:
                self._restart()
                self.n_random_ = self.n_init - 1
            arch = self.random_new()
            self.n_random_ += 1
        else:
            arch = self.queue_.pop()
        return self.propose([arch])

    def tell(self, queries, values) -> None:
        for q, v in zip(queries, values, strict=True):
            k = self.key(q.arch)
            self.values_[k] = float(v) if np.isfinite(v) else -np.inf
            self.archs_[k] = q.arch
            if self.current_ is None:
                continue
            better = self.values_[k] > self._value(self.current_)
            if better and self.first_improvement:
                self._move_to(q.arch)
            elif not self.queue_:
                best_nbr = max(
                    (
                        a
                        for a in self.space_.neighbors(self.current_)
                        if self.key(a) in self.values_
                    ),
                    key=self._value,
                    default=None,
                )
                if best_nbr is not None and self._value(best_nbr) > self._value(self.current_):
                    self._move_to(best_nbr)
                else:
                    self._restart()  # local optimum

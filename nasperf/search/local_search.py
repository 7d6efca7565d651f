"""Local search (hill climbing with restarts; White et al. 2021, "Local search is state of
the art for NAS benchmarks")."""

from __future__ import annotations

from numbers import Integral
from typing import ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from .base import Optimizer, Query, register

__all__ = ["LocalSearch"]

#: Restart rules of :class:`LocalSearch`.
RESTARTS = ("random", "perturb")


@register("local_search", "ls")
class LocalSearch(Optimizer):
    """Hill climbing over the space's neighbourhood (one elementary edit), with restarts.

    Start from the best of ``n_init`` random architectures; query the current
    architecture's unqueried neighbours in random order and move to the first one that is
    better (``first_improvement``) or, once all are queried, to the best neighbour if it
    improves. At a local optimum (no neighbour is better) restart: ``"random"`` climbs on
    from a new random architecture not queried before (White et al.'s local search with
    restarts); ``"perturb"`` from the best architecture so far changed by ``perturb_edits``
    random edits (iterated local search), which keeps the search near good regions.

    Parameters
    ----------
    n_init : int
        Random architectures before climbing.
    first_improvement : bool
        Move as soon as a better neighbour is found (else: after the whole neighbourhood).
    restart : {"random", "perturb"}
        Where the climb restarts from at a local optimum.
    perturb_edits : int
        Edits of a ``"perturb"`` restart.

    Attributes
    ----------
    n_restarts_ : int
        Local optima met so far (each followed by a restart).

    References
    ----------
    White, Nolen, Siems & Hutter, "Exploring the Loss Landscape in Neural Architecture
    Search", UAI 2021. Lourenço, Martin & Stützle, "Iterated Local Search", Handbook of
    Metaheuristics, 2003.
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "first_improvement": ["boolean"],
        "restart": [StrOptions(set(RESTARTS))],
        "perturb_edits": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        n_init: int = 10,
        first_improvement: bool = True,
        restart: str = "random",
        perturb_edits: int = 2,
    ) -> None:
        self.n_init = n_init
        self.first_improvement = first_improvement
        self.restart = restart
        self.perturb_edits = perturb_edits

    def setup(self, context, rng) -> None:
        super().setup(context, rng)
        self.values_: dict[str, float] = {}
        self.archs_: dict[str, object] = {}
        self.current_ = None
        self.queue_: list = []
        self.n_random_ = 0
        self.n_restarts_ = 0
        self.climbing_ = False  # a climb has begun (False: still sampling the start)
        self.start_key_: str | None = None  # a restart architecture asked, not yet told

    def _value(self, arch) -> float:
        return self.values_.get(self.network_key(arch), -np.inf)

    def _move_to(self, arch) -> None:
        self.current_ = arch
        nbrs = [a for a in self.space_.neighbors(arch) if not self.is_seen(a)]
        order = self.rng_.permutation(len(nbrs))
        self.queue_ = [nbrs[i] for i in order]

    def _settle(self) -> None:
        """The neighbourhood of ``current_`` is queried: move to its best neighbour if that
        improves, else (a local optimum) leave ``current_`` None for a restart."""
        best_nbr = max(
            (
                a
                for a in self.space_.neighbors(self.current_)
                if self.network_key(a) in self.values_
            ),
            key=self._value,
            default=None,
        )
        if best_nbr is not None and self._value(best_nbr) > self._value(self.current_):
            self._move_to(best_nbr)
        else:
            self.current_ = None
            self.queue_ = []
            self.n_restarts_ += 1

    def _restart_point(self):
        if self.restart == "perturb" and self.values_:
            best = max(self.values_, key=self.values_.get)
            # (random when every perturbation tried was queried: see mutate_new)
            return self.mutate_new(self.archs_[best], n_edits=int(self.perturb_edits))
        return self.random_new()

    def ask(self) -> list[Query]:
        if self.n_random_ < self.n_init:
            self.n_random_ += 1
            return self.propose([self.random_new()])
        # bounded: each pass either queries or moves / restarts
        for _ in range(10_000):
            if self.current_ is None:
                if not self.climbing_ and self.values_:
                    self.climbing_ = True
                    best = max(self.values_, key=self.values_.get)
                    self._move_to(self.archs_[best])
                    continue
                arch = self._restart_point()
                self.start_key_ = self.network_key(arch)
                return self.propose([arch])
            if self.queue_:
                arch = self.queue_.pop()
                if self.is_seen(arch):  # queued twice over: one network, two texts
                    continue
                return self.propose([arch])
            self._settle()
        return self.propose([self.random_new()])

    def tell(self, queries, values) -> None:
        for q, v in zip(queries, values, strict=True):
            k = self.network_key(q.arch)
            self.values_[k] = float(v) if np.isfinite(v) else -np.inf
            self.archs_[k] = q.arch
            if k == self.start_key_:
                self.start_key_ = None
                self.climbing_ = True
                self._move_to(q.arch)
            elif (
                self.current_ is not None
                and self.first_improvement
                and self.values_[k] > self._value(self.current_)
            ):
                self._move_to(q.arch)

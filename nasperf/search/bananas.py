"""BANANAS: Bayesian optimisation with a neural (or any) predictor (White et al. 2021)."""

from __future__ import annotations

from numbers import Integral
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ._predictor_guided import ACQUISITIONS, PredictorGuided
from .base import Query, register

__all__ = ["ACQUISITIONS", "Bananas"]


@register("bananas")
class Bananas(PredictorGuided):
    """Predictor-based Bayesian optimisation over architectures.

    Each round fits the predictor on every queried architecture, proposes candidates
    (``n_candidates`` mutations of the ``n_parents`` best architectures, or the whole table
    when ``pool="all"`` and the benchmark is tabular), scores them with the acquisition and
    queries the best ``batch_size`` unqueried ones. Where the best ones' unqueried mutations
    cannot fill a batch (a small table, or a partial one such as TransNAS-Bench-101's, where
    few neighbours are labelled) the parents double until they can, before a round falls
    back to a random architecture. Uncertainty comes from the predictor's
    ``predict_std`` when it has one, else from an ensemble of ``n_models`` copies fitted on
    bootstrap resamples with different seeds (BANANAS's ensemble of MLPs; see
    :class:`~nasperf.search._predictor_guided.PredictorGuided`).

    The first ``n_init`` queries are the best architectures by the mean percentile rank of
    the ``warm_start`` zero-cost proxies (Abdelfattah et al.'s warm start, shared with
    ``predictor_local_search``): read from the run's zero-cost table (charged at its
    recorded seconds per architecture, as if computed) or, without one, computed on a
    candidate pool (``proxy_pool``) with the space's network builder
    (cached, charged at their recorded cost). They are random with ``warm_start=None`` or
    on a space without a network builder (then ``history.attrs["notes"]`` says so).

    Parameters
    ----------
    predictor : str or Predictor
        Any registered predictor (or an instance) that a search can fit on its queries and
        their values: one that reads labels and needs no learning curves, images or network
        training (``lcsvr``, the learning-curve and weight-sharing predictors are refused by
        ``get``, naming ``predictor``); ``run(..., predictor=...)`` overrides it.
    acquisition : {"its", "ucb", "ei", "mean"}
        Independent Thompson sampling, upper confidence bound (``beta``), expected
        improvement, or the mean alone (greedy).
    n_init, batch_size, n_candidates, n_parents, n_models : int
        ``n_init=0``: no warm-start queries; the first query is then random (nothing to
        fit the predictor on or mutate), the rounds mutate it and what follows.
        ``n_candidates`` mutations of the ``n_parents`` best are scored per round (NASLib's
        defaults, 100 and 2). Measured (``bench/any_space.py --sections search
        --search-methods bananas``, 30 seeds, queries to the optimum), against the 200
        mutations of the 10 best used before: NB201 CIFAR-10 26 [19-35] (26 [16-35]), NB201
        cells without avg_pool on ImageNet16-120 45 [27-64] (60 [39-69]), NB201 cells without
        ``none`` on CIFAR-10 29 [19-38] (26 [15-46]), NAS-Bench-Macro 56 (57), a synthetic NK
        landscape 24 of 30 found (14 of 30).
    max_mutations : int
        Edits per candidate: one, then each further one up to ``max_mutations`` with
        probability 1/2 (a chain of ``space.mutate`` calls from a parent).
    pool : {"mutations", "all"}
    warm_start : "auto", str, sequence of str or None
        Proxies of the warm start; "auto": ``("synflow", "params")`` (data-free; from the
        run's table, those of the two it has, if any; else computed); None: a random start.
        A proxy the table scores no candidate with (every value NaN) is left out, with a
        note (none left: a random start); architectures without a score of every proxy
        are not picked (the notes say how many).
    proxy_pool : int or None
        Architectures the warm start computes proxies for when the run has no table (None:
        the space's ``proxy_pool_size`` where it sets one, NB301 and NAS-Bench-Graph 100;
        else 1,000, grown to every candidate (up to ``_proxy_pool.CHEAP_POOL``, 10,000)
        where the networks are cheap, at most ``_proxy_pool.ON_DEMAND_MAX_SECONDS`` each;
        all of a smaller table); the same pool in every search on the space, so it is
        computed once and then read from the cache.
    use_zero_cost : bool
        Give the predictor the zero-cost table as extra features (when the run has one;
        without one, computed for every architecture the predictor sees where the warm
        start's networks are cheap: see ``PredictorLocalSearch``).
    beta : float
        UCB's exploration weight.
    predictor_params : dict
        Parameters for a named predictor.

    References
    ----------
    White, Neiswanger & Savani, "BANANAS: Bayesian Optimization with Neural Architectures
    for Neural Architecture Search", AAAI 2021. Abdelfattah et al., "Zero-Cost Proxies for
    Lightweight NAS", ICLR 2021.
    """

    _parameter_constraints: ClassVar[dict] = {
        **PredictorGuided._parameter_constraints,
        "n_init": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "n_candidates": [Interval(Integral, 1, None, closed="left")],
        "n_parents": [Interval(Integral, 1, None, closed="left")],
        "max_mutations": [Interval(Integral, 1, None, closed="left")],
        "pool": [StrOptions({"mutations", "all"})],
    }

    def __init__(
        self,
        *,
        predictor: Any = "xgb",
        acquisition: str = "its",
        n_init: int = 10,
        batch_size: int = 5,
        n_candidates: int = 100,
        n_parents: int = 2,
        max_mutations: int = 2,
        n_models: int = 5,
        pool: str = "mutations",
        warm_start: Any = "auto",
        proxy_pool: int | None = None,
        use_zero_cost: bool = True,
        beta: float = 1.0,
        predictor_params: dict | None = None,
    ) -> None:
        self.predictor = predictor
        self.acquisition = acquisition
        self.n_init = n_init
        self.batch_size = batch_size
        self.n_candidates = n_candidates
        self.n_parents = n_parents
        self.max_mutations = max_mutations
        self.n_models = n_models
        self.pool = pool
        self.warm_start = warm_start
        self.proxy_pool = proxy_pool
        self.use_zero_cost = use_zero_cost
        self.beta = beta
        self.predictor_params = predictor_params

    def setup(self, context, rng) -> None:
        super().setup(context, rng)
        if self.pool == "all" and context.candidates is None:
            raise ValueError("pool='all' needs a tabular benchmark (a finite candidate list)")
        self._setup_warm_start(context)

    def _candidates(self) -> list:
        if self.pool == "all":
            pool = (self.space_.parse(k) for k in self.context_.candidates)
            return [a for a in pool if not self.is_seen(a)]
        order = np.argsort(self.values_)[::-1]
        n_parents = int(self.n_parents)
        out: list = []
        keys: set = set()
        while True:
            self._mutations([self.archs_[i] for i in order[:n_parents]], out, keys)
            # the best ones' mutations are used up (a small or partial table): more parents
            # before a round goes without a full batch or falls back to a random query
            if len(out) >= min(self.batch_size, self.n_candidates) or n_parents >= len(order):
                return out
            n_parents *= 2

    def _mutations(self, parents: list, out: list, keys: set) -> None:
        """Add unqueried mutations of ``parents`` to ``out`` (their network keys to
        ``keys``) until it holds ``n_candidates`` or ``20 * n_candidates`` draws are made."""
        tries = 0
        while len(out) < self.n_candidates and tries < 20 * self.n_candidates:
            tries += 1
            parent = parents[int(self.rng_.integers(len(parents)))]
            child = self.space_.mutate(parent, self.rng_)
            for _ in range(int(self.max_mutations) - 1):
                if self.rng_.random() >= 0.5:
                    break
                child = self.space_.mutate(child, self.rng_)
            k = self.network_key(child)
            if k not in self.seen_ and k not in keys:
                keys.add(k)
                out.append(child)

    def ask(self) -> list[Query]:
        start = self._start_query()
        if start is not None:
            return start
        cands = self._candidates()
        if not cands:
            return self.propose([self.random_new()])
        scores = self._score(cands)
        return self.propose([cands[i] for i in np.argsort(-scores)[: max(1, int(self.batch_size))]])

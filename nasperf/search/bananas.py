"""BANANAS: Bayesian optimisation with a neural (or any) predictor (White et al. 2021)."""

from __future__ import annotations

from numbers import Integral
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ._predictor_guided import ACQUISITIONS, WARM_START, PredictorGuided
from .base import Query, register

__all__ = ["ACQUISITIONS", "Bananas"]


@register("bananas")
class Bananas(PredictorGuided):
    """Predictor-based Bayesian optimisation over architectures.

    Each round fits the predictor on every queried architecture, proposes candidates
    (``n_candidates`` mutations of the ``n_parents`` best architectures, or the whole table
    when ``pool="all"`` and the benchmark is tabular), scores them with the acquisition and
    queries the best ``batch_size`` unqueried ones. Uncertainty comes from the predictor's
    ``predict_std`` when it has one, else from an ensemble of ``n_models`` copies fitted on
    bootstrap resamples with different seeds (BANANAS's ensemble of MLPs; see
    :class:`~nasperf.search._predictor_guided.PredictorGuided`).

    The first ``n_init`` queries are random, or, with ``warm_start`` naming zero-cost
    proxies (columns of the zero-cost table the run supplies), the best architectures by
    their mean percentile rank (Abdelfattah et al.'s warm start, shared with
    ``predictor_local_search``; ranking the table is charged at its recorded seconds per
    architecture, as if the proxies had been computed).

    Parameters
    ----------
    predictor : str or Predictor
        Any registered predictor (or an instance); ``run(..., predictor=...)`` overrides it.
    acquisition : {"its", "ucb", "ei", "mean"}
        Independent Thompson sampling, upper confidence bound (``beta``), expected
        improvement, or the mean alone (greedy).
    n_init, batch_size, n_candidates, n_parents, n_models : int
    pool : {"mutations", "all"}
    warm_start : str, sequence of str or None
    use_zero_cost : bool
        Give the predictor the zero-cost table as extra features (when the run has one).
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
        "pool": [StrOptions({"mutations", "all"})],
        "warm_start": WARM_START,
    }

    def __init__(
        self,
        *,
        predictor: Any = "xgb",
        acquisition: str = "its",
        n_init: int = 10,
        batch_size: int = 5,
        n_candidates: int = 200,
        n_parents: int = 10,
        n_models: int = 5,
        pool: str = "mutations",
        warm_start: str | None = None,
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
        self.n_models = n_models
        self.pool = pool
        self.warm_start = warm_start
        self.use_zero_cost = use_zero_cost
        self.beta = beta
        self.predictor_params = predictor_params

    def setup(self, context, rng) -> None:
        super().setup(context, rng)
        if self.pool == "all" and context.candidates is None:
            raise ValueError("pool='all' needs a tabular benchmark (a finite candidate list)")
        self.init_queue_ = self._initial(context)

    def _initial(self, context) -> list:
        if self.warm_start is None:
            return []
        proxies = (self.warm_start,) if isinstance(self.warm_start, str) else self.warm_start
        proxies = tuple(proxies)
        zc = context.side.get("zero_cost")
        if zc is None or not set(proxies) <= set(zc.columns):
            raise ValueError(
                f"warm_start={self.warm_start!r} needs those proxies in the zero-cost table of "
                "the run (pass zero_cost= to run, or use a space with a packaged table)"
            )
        return self._zero_cost_warm_start(context, proxies, self.n_init)

    def _candidates(self) -> list:
        if self.pool == "all":
            return [self.space_.parse(k) for k in self.context_.candidates if k not in self.seen_]
        order = np.argsort(self.values_)[::-1][: self.n_parents]
        parents = [self.archs_[i] for i in order]
        out, keys = [], set()
        tries = 0
        while len(out) < self.n_candidates and tries < 20 * self.n_candidates:
            tries += 1
            parent = parents[int(self.rng_.integers(len(parents)))]
            child = self.space_.mutate(parent, self.rng_)
            if self.rng_.random() < 0.5:
                child = self.space_.mutate(child, self.rng_)
            k = self.key(child)
            if k not in self.seen_ and k not in keys:
                keys.add(k)
                out.append(child)
        return out

    def ask(self) -> list[Query]:
        if self.init_queue_:
            return self.propose([self.init_queue_.pop(0)])
        if len(self.values_) < max(2, self.n_init) and self.warm_start is None:
            return self.propose([self.random_new()])
        cands = self._candidates()
        if not cands:
            return self.propose([self.random_new()])
        scores = self._score(cands)
        return self.propose([cands[i] for i in np.argsort(-scores)[: max(1, int(self.batch_size))]])

"""Predictor-guided local search with a zero-cost warm start."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval, InvalidParameterError, StrOptions

from ._predictor_guided import WARM_START, PredictorGuided
from .base import Query, register

#: Proxies of ``warm_start="auto"``, used when the run's zero-cost table has them all.
AUTO_WARM_START = ("synflow", "params")
#: ``predictor_params`` used for the default ``"xgb"`` when none are given: smaller, shallower
#: boosting than the predictor's own defaults (fitted ``n_models`` times per query on at most
#: a few hundred points, 500 deep trees cost 5x the time for no better search).
SEARCH_XGB_PARAMS = {"n_estimators": 100, "max_depth": 4, "learning_rate": 0.1}


@register("predictor_local_search", "pls")
class PredictorLocalSearch(PredictorGuided):
    """Local search whose moves are chosen by a predictor, started from a zero-cost prior.

    1. **Warm start** (Abdelfattah et al. 2021): the first ``n_init`` queries are the best
       architectures of the zero-cost table by ``warm_start`` (the mean percentile rank of
       those proxies over the table); without a table they are random.
    2. **Moves**: each round, the candidates are the unqueried architectures within
       ``radius`` elementary edits (``space.neighbors``) of the ``n_parents`` best queried
       ones. A predictor (any registered one, or a bootstrap ensemble of it for
       uncertainty) fitted on every queried architecture scores them with the acquisition,
       and the best ``batch_size`` are queried. When the neighbourhood is exhausted the
       radius grows (up to ``max_radius``), then a random architecture is queried.
    3. **Zero-shot filter** (optional): with ``zero_cost_filter=f`` only the best fraction
       ``f`` of the candidates by the warm-start proxies reach the predictor.

    Looking proxies up in the table is charged to the simulated time at the table's
    recorded seconds per architecture, once per architecture and proxy (the warm start
    scores the whole table), as if they had been computed.

    Parameters
    ----------
    predictor : str or Predictor
        Any registered predictor (or an instance); ``run(..., predictor=...)`` overrides it.
    acquisition : {"ucb", "its", "ei", "mean"}
    n_init : int
        Warm-start (or random) queries before the predictor is used (at least 2).
    batch_size : int
        Queries per round (each round refits the predictor).
    n_parents : int
        Best queried architectures whose neighbourhoods are the candidates.
    radius, max_radius : int
        Edit distance of the candidates, and how far it may grow.
    n_models : int
        Ensemble size for predictors without ``predict_std``.
    warm_start : "auto", str, sequence of str or None
        Proxies of the warm start and the filter; "auto": ``("synflow", "params")`` when the
        run's zero-cost table has them, else a random start.
    zero_cost_filter : float or None
        Fraction of candidates kept by the proxies before the predictor scores them.
    use_zero_cost : bool
        Give the predictor the zero-cost table as extra features (charged like the warm
        start, for every architecture the predictor sees).
    beta : float
        UCB's exploration weight.
    predictor_params : dict or None
        Parameters for a named predictor; None: the predictor's defaults, except for
        ``"xgb"``, which gets ``SEARCH_XGB_PARAMS``.

    References
    ----------
    White, Nolen, Siems & Hutter, "Exploring the Loss Landscape in Neural Architecture
    Search", UAI 2021. Abdelfattah, Mehrotra, Dudziak & Lane, "Zero-Cost Proxies for
    Lightweight NAS", ICLR 2021. White, Neiswanger & Savani, "BANANAS", AAAI 2021.
    """

    _parameter_constraints: ClassVar[dict] = {
        **PredictorGuided._parameter_constraints,
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "n_parents": [Interval(Integral, 1, None, closed="left")],
        "radius": [Interval(Integral, 1, None, closed="left")],
        "max_radius": [
            Interval(Integral, 1, None, closed="left")
        ],  # >= radius, checked in _validate_params
        "warm_start": [StrOptions({"auto"}), *WARM_START],
        "zero_cost_filter": [Interval(Real, 0, 1, closed="right"), None],
    }

    def __init__(
        self,
        *,
        predictor: Any = "xgb",
        acquisition: str = "ucb",
        n_init: int = 5,
        batch_size: int = 1,
        n_parents: int = 5,
        radius: int = 1,
        max_radius: int = 3,
        n_models: int = 5,
        warm_start: Any = "auto",
        zero_cost_filter: float | None = None,
        use_zero_cost: bool = True,
        beta: float = 1.0,
        predictor_params: dict | None = None,
    ) -> None:
        self.predictor = predictor
        self.acquisition = acquisition
        self.n_init = n_init
        self.batch_size = batch_size
        self.n_parents = n_parents
        self.radius = radius
        self.max_radius = max_radius
        self.n_models = n_models
        self.warm_start = warm_start
        self.zero_cost_filter = zero_cost_filter
        self.use_zero_cost = use_zero_cost
        self.beta = beta
        self.predictor_params = predictor_params

    def _validate_params(self) -> None:
        super()._validate_params()
        if self.max_radius < self.radius:
            raise InvalidParameterError(
                f"The 'max_radius' parameter of {type(self).__name__} must be at least "
                f"radius={self.radius}. Got {self.max_radius!r} instead."
            )

    def setup(self, context, rng) -> None:
        super().setup(context, rng)
        f = self.zero_cost_filter
        self.proxies_ = self._proxies(context)
        if f is not None and not self.proxies_:
            raise ValueError("zero_cost_filter needs warm-start proxies and a zero-cost table")
        self.init_queue_ = self._warm_start(context)

    def _predictor_params(self, name: str) -> dict:
        if self.predictor_params is None and name == "xgb":
            return dict(SEARCH_XGB_PARAMS)
        return super()._predictor_params(name)

    def _proxies(self, context) -> tuple[str, ...]:
        zc = context.side.get("zero_cost")
        if self.warm_start is None:
            return ()
        if isinstance(self.warm_start, str) and self.warm_start == "auto":
            if zc is None or not set(AUTO_WARM_START) <= set(zc.columns):
                return ()
            return AUTO_WARM_START
        proxies = (self.warm_start,) if isinstance(self.warm_start, str) else self.warm_start
        proxies = tuple(proxies)
        self.zero_cost_table(proxies)  # names what is missing
        return proxies

    def _warm_start(self, context) -> list:
        return self._zero_cost_warm_start(context, self.proxies_, self.n_init)

    def _neighbourhood(self) -> list:
        order = np.argsort(-np.asarray(self.values_), kind="stable")[: self.n_parents]
        frontier = [self.archs_[i] for i in order]
        seen_frontier = {self.key(a) for a in frontier}
        for r in range(self.max_radius):
            out, keys = [], set()
            for parent in frontier:
                for nb in self.space_.neighbors(parent):
                    k = self.key(nb)
                    if k not in keys and k not in seen_frontier:
                        keys.add(k)
                        out.append(nb)
            fresh = [a for a in out if self.key(a) not in self.seen_]
            if fresh and r >= self.radius - 1:
                return fresh
            frontier = out
            seen_frontier |= keys
        return []

    def _filter(self, cands: list) -> list:
        if self.zero_cost_filter is None or len(cands) < 2:
            return cands
        score = self.zero_cost_rank([self.key(a) for a in cands], self.proxies_)
        score = np.where(np.isfinite(score), score, -np.inf)
        keep = max(1, int(np.ceil(self.zero_cost_filter * len(cands))))
        return [cands[i] for i in np.argsort(-score, kind="stable")[:keep]]

    def ask(self) -> list[Query]:
        if self.init_queue_:
            return self.propose([self.init_queue_.pop(0)])
        if len(self.values_) < max(2, self.n_init):
            return self.propose([self.random_new()])
        cands = self._filter(self._neighbourhood())
        if not cands:
            return self.propose([self.random_new()])
        scores = self._score(cands)
        top = np.argsort(-scores, kind="stable")[: self.batch_size]
        return self.propose([cands[i] for i in top])

"""Predictor-guided local search with a zero-cost warm start."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval, InvalidParameterError

from ._predictor_guided import AUTO_WARM_START, PredictorGuided
from .base import Query, register

__all__ = ["AUTO_WARM_START", "SEARCH_XGB_PARAMS", "PredictorLocalSearch"]
#: ``predictor_params`` used for the default ``"xgb"`` when none are given: smaller, shallower
#: boosting than the predictor's own defaults (fitted ``n_models`` times per query on at most
#: a few hundred points, 500 deep trees cost 5x the time for no better search).
SEARCH_XGB_PARAMS = {"n_estimators": 100, "max_depth": 4, "learning_rate": 0.1}


@register("predictor_local_search", "pls")
class PredictorLocalSearch(PredictorGuided):
    """Local search whose moves are chosen by a predictor, started from a zero-cost prior.

    1. **Warm start** (Abdelfattah et al. 2021): the first ``n_init`` queries are the best
       architectures of the zero-cost table by ``warm_start`` (the mean percentile rank of
       those proxies over the table). Without a table (a user's space) the proxies are
       computed on a candidate pool (``proxy_pool``: 1,000 of the table's architectures,
       or random ones; every candidate up to 10,000 where the networks are cheap) with the
       space's network builder,
       cached on disk and charged at their recorded cost; a space without a builder gets a
       random start and a note in ``history.attrs["notes"]``.
    2. **Moves**: each round, the candidates are the unqueried architectures within
       ``radius`` elementary edits (``space.neighbors``) of the ``n_parents`` best queried
       ones. A predictor (any registered one, or a bootstrap ensemble of it for
       uncertainty) fitted on every queried architecture scores them with the acquisition,
       and the best ``batch_size`` are queried. When the neighbourhood is exhausted the
       radius grows (up to ``max_radius``); where no unqueried architecture lies within it
       (a partial table of a large space labels few neighbours of anything), the predictor
       ranks ``fallback_pool`` random unqueried architectures instead, as BANANAS and
       NPENAS rank their mutations that fall back to random ones.
    3. **Zero-shot filter** (optional): with ``zero_cost_filter=f`` only the best fraction
       ``f`` of the candidates by the warm-start proxies reach the predictor.

    Looking proxies up in the table is charged to the simulated time at the table's
    recorded seconds per architecture, once per architecture and proxy (the warm start
    scores the whole table), as if they had been computed.

    Parameters
    ----------
    predictor : str or Predictor
        Any registered predictor (or an instance) that a search can fit on its queries and
        their values: one that reads labels and needs no learning curves, images or network
        training (``lcsvr``, the learning-curve and weight-sharing predictors are refused by
        ``get``, naming ``predictor``); ``run(..., predictor=...)`` overrides it.
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
        Proxies of the warm start and the filter; "auto": ``("synflow", "params")``, from the
        run's zero-cost table (those of the two it has, if any) or computed (data-free: no
        image is read); None: a random start.
    proxy_pool : int or None
        Architectures the warm start computes proxies for when the run has no table (None:
        the space's ``proxy_pool_size`` where it sets one, NB301 and NAS-Bench-Graph 100;
        else 1,000, grown to every candidate (up to ``_proxy_pool.CHEAP_POOL``, 10,000)
        where the networks are cheap, at most ``_proxy_pool.ON_DEMAND_MAX_SECONDS`` each;
        all of a smaller table); the same pool in every search on the space, so it is
        computed once and then read from the cache.
    fallback_pool : int
        Random unqueried architectures the predictor ranks in a round whose neighbourhood
        within ``max_radius`` holds none (1: one random query, unranked). On a table of a
        few thousand random architectures of a large space, where nothing has a labelled
        neighbour, every round after the warm start is such a round: with 1 the search was
        random search (the same queries, row for row).
    patience : int or None
        Restart the climb from a random unqueried architecture when its best has not
        improved for this many queries (the predictor keeps everything seen; only the
        parents are the new climb's). None: never restart (the default; the radius grows
        instead).
    zero_cost_filter : float or None
        Fraction of candidates kept by the proxies before the predictor scores them (the
        warm start's proxies: with ``warm_start=None`` it must be None, else ``get``
        refuses the pair).
    use_zero_cost : bool
        Give the predictor the zero-cost table as extra features (charged like the warm
        start, for every architecture the predictor sees). Without a table, where the
        warm start's pool does not cover the candidates and its networks are cheap (at
        most ``_proxy_pool.ON_DEMAND_MAX_SECONDS`` per architecture, e.g. NB201-size
        cells), the features are computed (cached, charged) for each architecture the
        predictor is fitted on or scores, and one model of the ensemble goes without them
        (``_predictor_guided.ZC_FEATURES_HEDGE``).
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
        "fallback_pool": [Interval(Integral, 1, None, closed="left")],
        "patience": [Interval(Integral, 1, None, closed="left"), None],
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
        proxy_pool: int | None = None,
        fallback_pool: int = 100,
        patience: int | None = None,
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
        self.proxy_pool = proxy_pool
        self.fallback_pool = fallback_pool
        self.patience = patience
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
        if self.zero_cost_filter is not None and self.warm_start is None:
            # the filter ranks neighbours by the warm start's proxies: with none it would
            # filter nothing (get() validates every value, so the pair is refused here)
            raise InvalidParameterError(
                f"The 'zero_cost_filter' parameter of {type(self).__name__} must be None "
                "when 'warm_start' is None: the filter ranks neighbours by the warm start's "
                "proxies (give warm_start proxies, or leave zero_cost_filter out). Got "
                f"{self.zero_cost_filter!r} instead."
            )

    def setup(self, context, rng) -> None:
        super().setup(context, rng)
        self._setup_warm_start(context)
        self.climb_start_ = 0  # archs_[climb_start_:] are the current climb's
        self.n_restarts_ = 0

    def _predictor_params(self, name: str) -> dict:
        if self.predictor_params is None and name == "xgb":
            return dict(SEARCH_XGB_PARAMS)
        return super()._predictor_params(name)

    def _stalled(self) -> bool:
        """The current climb has not improved its best for ``patience`` queries."""
        if self.patience is None:
            return False
        climb = np.asarray(self.values_[self.climb_start_ :])
        if len(climb) <= self.patience:
            return False
        return int(np.argmax(climb)) < len(climb) - int(self.patience)

    def _neighbourhood(self) -> list:
        climb = self.values_[self.climb_start_ :]
        order = self.climb_start_ + np.argsort(-np.asarray(climb), kind="stable")
        frontier = [self.archs_[i] for i in order[: self.n_parents]]
        seen_frontier = {self.network_key(a) for a in frontier}
        for r in range(self.max_radius):
            ring: dict[str, Any] = {}  # network key -> neighbour, in order found
            for parent in frontier:
                for nb in self.space_.neighbors(parent):
                    k = self.network_key(nb)
                    if k not in ring and k not in seen_frontier:
                        ring[k] = nb
            fresh = [a for k, a in ring.items() if k not in self.seen_]
            if fresh and r >= self.radius - 1:
                return fresh
            frontier = list(ring.values())
            seen_frontier.update(ring)
        return []

    def _random_pool(self) -> list:
        """Up to ``fallback_pool`` distinct random architectures not queried before (as many
        as ``20 * fallback_pool`` draws find: few where the table is nearly used up)."""
        n = int(self.fallback_pool)
        out: list = []
        keys: set = set()
        for _ in range(20 * n):
            if len(out) >= n:
                break
            arch = self.space_.random_architecture(self.rng_)
            k = self.network_key(arch)
            if k not in self.seen_ and k not in keys:
                keys.add(k)
                out.append(arch)
        return out

    def _filter(self, cands: list) -> list:
        if self.zero_cost_filter is None or not self.proxies_ or len(cands) < 2:
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
        if self._stalled():
            # a local optimum: climb on from a new random architecture (the predictor keeps
            # everything seen; only the parents are the new climb's)
            self.climb_start_ = len(self.archs_)
            self.n_restarts_ += 1
            return self.propose([self.random_new()])
        cands = self._filter(self._neighbourhood())
        if not cands and self.fallback_pool > 1:
            # nothing unqueried within max_radius: the predictor ranks random ones
            cands = self._filter(self._random_pool())
        if not cands:
            return self.propose([self.random_new()])
        scores = self._score(cands)
        top = np.argsort(-scores, kind="stable")[: self.batch_size]
        return self.propose([cands[i] for i in top])

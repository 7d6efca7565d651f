"""NPENAS: neural-predictor-guided evolution (Wei et al. 2022)."""

from __future__ import annotations

from numbers import Integral
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval

from ._predictor_guided import PredictorGuided
from .base import Query, register

__all__ = ["NPENAS"]


@register("npenas")
class NPENAS(PredictorGuided):
    """Evolution whose offspring are selected by a performance predictor.

    The first ``n_init`` queries are the best architectures by the ``warm_start`` zero-cost
    proxies (the warm start of ``bananas`` and ``predictor_local_search``; the paper's are
    random: ``warm_start=None``). Then every generation: the predictor is fitted
    on every queried architecture (the population); its ``n_parents`` best members are the
    parents; each parent produces ``n_children`` distinct, unqueried children
    (``n_mutations`` elementary edits each, ``space.mutate``); the predictor scores all
    children with the acquisition and the best ``batch_size`` are queried. Where the
    parents' unqueried children cannot fill a batch (a partial table such as
    TransNAS-Bench-101's, where few neighbours are labelled), the parents double until they
    can, before a generation falls back to a random architecture.

    ``acquisition="mean"`` with a plain predictor is NPENAS-NP (the paper's neural
    predictor); ``acquisition="its"`` with a predictor that has ``predict_std`` (``"gp"``,
    ``"bananas"``, ...) or a bootstrap ensemble (``n_models > 1``) is NPENAS-BO (the paper's
    uncertainty-aware predictor with independent Thompson sampling). The paper's predictor
    is a GIN (``predictor="gin"``, about 6 s per fit on 100 cells on one CPU core); the
    default, XGBoost, fits more than 10x faster.

    Parameters
    ----------
    predictor : str or Predictor
        Any registered predictor (or an instance) that a search can fit on its queries and
        their values: one that reads labels and needs no learning curves, images or network
        training (``lcsvr``, the learning-curve and weight-sharing predictors are refused by
        ``get``, naming ``predictor``); ``run(..., predictor=...)`` overrides it.
    acquisition : {"mean", "its", "ucb", "ei"}
        See :class:`~nasperf.search._predictor_guided.PredictorGuided`.
    n_init : int
        Warm-start (or random) architectures before the first generation (0: one random
        architecture, the first generation's parent).
    batch_size : int
        Architectures queried per generation (the paper's k).
    n_parents : int
        Best population members that produce children.
    n_children : int
        Children per parent (fewer when a parent has fewer unqueried mutations).
    n_mutations : int
        Elementary edits from a parent to a child.
    n_models : int
        Bootstrap ensemble size for predictors without ``predict_std`` (1: one model on
        all the data, as NPENAS-NP).
    warm_start : "auto", str, sequence of str or None
        Proxies of the warm start; "auto": ``("synflow", "params")`` (data-free; from the
        run's table, those of the two it has, if any; else computed on ``proxy_pool``, see
        :class:`~nasperf.search.bananas.Bananas`); None: a random start, as in the paper.
        Measured (``bench/any_space.py --sections search --search-methods npenas``, 10
        seeds, queries to the optimum, against the random start): NB201 CIFAR-10 10/10 found,
        20 [18-21] (8/10, 42); NB201 cells without ``none`` 10/10, 41 (8/10, 42); NB201 cells
        without avg_pool on ImageNet16-120 7/10 (3/10); NAS-Bench-Macro 10/10, 48 (6/10, 67);
        TransNAS-Bench-101 macro 10/10, 11 (6/10, 50) and micro 8/10 within 60 (3/10); a
        synthetic NK landscape, which no proxy predicts, 0/10 (2/10).
    proxy_pool : int or None
        Architectures the warm start computes proxies for when the run has no table (see
        :class:`~nasperf.search.bananas.Bananas`).
    use_zero_cost : bool
        Give the predictor the run's zero-cost table as extra features (an addition to the
        paper, as in :class:`~nasperf.search.bananas.Bananas`; with ``warm_start=None``,
        False reproduces the paper). The proxies' recorded computation time (the table's
        ``seconds_per_arch``) is charged once for every architecture scored or queried;
        without a table, the warm start's computed proxies serve as features where its
        networks are cheap (see ``PredictorLocalSearch``).
    beta : float
        UCB's exploration weight.
    predictor_params : dict
        Parameters for a named predictor.

    Attributes
    ----------
    parents_, candidates_, scores_ : list, list, ndarray
        The last generation's parents, their children and the children's acquisition
        values.

    References
    ----------
    Wei, Niu, Tang, Wang, Hu & Liang, "NPENAS: Neural Predictor Guided Evolution for Neural
    Architecture Search", IEEE TNNLS 2022.
    """

    _parameter_constraints: ClassVar[dict] = {
        **PredictorGuided._parameter_constraints,
        "n_init": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "n_parents": [Interval(Integral, 1, None, closed="left")],
        "n_children": [Interval(Integral, 1, None, closed="left")],
        "n_mutations": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        predictor: Any = "xgb",
        acquisition: str = "mean",
        n_init: int = 10,
        batch_size: int = 10,
        n_parents: int = 5,
        n_children: int = 20,
        n_mutations: int = 1,
        n_models: int = 1,
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
        self.n_parents = n_parents
        self.n_children = n_children
        self.n_mutations = n_mutations
        self.n_models = n_models
        self.warm_start = warm_start
        self.proxy_pool = proxy_pool
        self.use_zero_cost = use_zero_cost
        self.beta = beta
        self.predictor_params = predictor_params

    def setup(self, context, rng) -> None:
        super().setup(context, rng)
        self.parents_: list = []
        self.candidates_: list = []
        self.scores_ = np.empty(0)
        self._setup_warm_start(context)

    def _children(self, parents: list, out: list, keys: set) -> None:
        """Add up to ``n_children`` distinct, unqueried children of each of ``parents`` to
        ``out`` (their network keys to ``keys``), in at most ``20 * n_children`` draws each."""
        for parent in parents:
            made = tries = 0
            while made < self.n_children and tries < 20 * self.n_children:
                tries += 1
                child = parent
                for _ in range(self.n_mutations):
                    child = self.space_.mutate(child, self.rng_)
                k = self.network_key(child)
                if k not in self.seen_ and k not in keys:
                    keys.add(k)
                    out.append(child)
                    made += 1

    def ask(self) -> list[Query]:
        start = self._start_query()
        if start is not None:
            return start
        order = np.argsort(-np.asarray(self.values_), kind="stable")
        self.parents_, self.candidates_ = [], []
        keys: set = set()
        n_parents = int(self.n_parents)
        full = min(int(self.batch_size), n_parents * int(self.n_children))
        while True:
            new = [self.archs_[i] for i in order[len(self.parents_) : n_parents]]
            self._children(new, self.candidates_, keys)
            self.parents_ += new
            # the best ones' children are used up (a small or partial table): more parents
            # before a generation goes without a full batch or falls back to a random query
            if len(self.candidates_) >= full or n_parents >= len(order):
                break
            n_parents *= 2
        if not self.candidates_:
            self.scores_ = np.empty(0)
            return self.propose([self.random_new()])
        self.scores_ = self._score(self.candidates_)
        best = np.argsort(-self.scores_, kind="stable")[: self.batch_size]
        return self.propose([self.candidates_[i] for i in best])

"""What predictor-guided optimizers (BANANAS, NPENAS) share: fit a predictor on the queried
architectures and score candidates with an acquisition function.

:class:`PredictorGuided` is a base class; its subclasses store, in their keyword-only
``__init__``, the parameters it reads: ``predictor``, ``predictor_params``, ``acquisition``,
``n_models``, ``beta``, ``use_zero_cost``, ``warm_start`` and ``proxy_pool``.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    StrOptions,
)

from nasperf._constraints import ListOf, Registered
from nasperf.encodings.zero_cost import allow_target_like_columns
from nasperf.errors import short_repr
from nasperf.spaces.base import SAMPLE_MAX_N

from .base import Optimizer, Query

__all__ = [
    "ACQUISITIONS",
    "AUTO_WARM_START",
    "PROXY_POOL",
    "WARM_START",
    "PredictorGuided",
    "search_unmet",
]

#: Acquisition functions of :meth:`PredictorGuided._score`.
ACQUISITIONS = ("its", "ucb", "ei", "mean")
#: Proxies of ``warm_start="auto"``: data-free (they read no image and no label), so they
#: can be computed on any space that builds networks when the run has no table of them.
AUTO_WARM_START = ("synflow", "params")
#: Proxies computed on demand as predictor features (a space without a table) are used from
#: the start (data-free proxies such as params and synflow rank trained networks of the
#: benchmarks' image spaces positively) and checked against the values seen once this many
#: queries are in: they stay features while their Spearman rank correlation with the values
#: is at least ``ZC_FEATURES_MIN_RHO`` in the direction the warm start assumed (a minimised
#: cost such as latency: about -0.95, kept). On a 4,096-cell NB201 sub-space synflow + params
#: correlate at 0.79 with accuracy (0.36 among the top fifth by the proxies, where a search
#: spends its queries); on a synthetic NK landscape at 0.05 (-0.35 in the top fifth), where
#: as features they only add noise.
ZC_FEATURES_MIN_QUERIES = 10
ZC_FEATURES_MIN_RHO = 0.1
#: With features computed on demand, this many models of the bootstrap ensemble are fitted
#: without them: the ensemble's spread then includes the disagreement between models that
#: trust the proxies and one that does not, and the acquisition explores where they differ.
#: Whether data-free proxies help a search is a property of the space, not visible in the
#: queries: on NAS-Bench-Macro they predict the queried values better (5-fold Kendall tau
#: 0.50 against -0.06 without, after 20 queries) yet cost pls a third more queries (median
#: 53 against 40 without them, 30 seeds); on a 4,096-cell NB201 sub-space they halve them.
#: With one of five models without them: macro 45.5, the NB201 sub-space unchanged (15,
#: 30 seeds), a synthetic NK landscape 5/10 found (4/10).
ZC_FEATURES_HEDGE = 1


def _predictors():
    from nasperf.predictors import PREDICTORS

    return PREDICTORS


def _proxies():
    from nasperf.zero_cost import PROXIES

    return PROXIES


def search_unmet(requirements: Any) -> str | None:
    """Why a predictor with ``requirements`` (:class:`~nasperf.predictors.base.Requirements`)
    cannot guide a search, or None where it can: a search fits it on the queried
    architectures and their values (with the run's zero-cost table where it has one, and
    nothing else), so it must read labels and need no learning curves, images or network
    training (``lcsvr`` had passed validation, then failed after the warm start's paid
    queries)."""
    if requirements is None:
        return None
    if not getattr(requirements, "labels", True):
        return "it reads no labels (a training-free predictor: nothing to fit on the queries)"
    if getattr(requirements, "learning_curves", False):
        return "it needs learning curves (learning_curves), which a search never passes"
    if getattr(requirements, "network_training", False) or getattr(requirements, "images", False):
        return "it builds and trains networks on images, which a search does not give it"
    return None


_PROXY = Registered(_proxies, "zero-cost proxy")
#: Constraints of a ``warm_start`` naming proxies: one, several, or None (no warm start).
WARM_START: list = [_PROXY, ListOf(_PROXY, unique=True), None]
#: Constraints of ``proxy_pool``: a positive size or None (the default pool); bounded by
#: what one sample draws (a whole table, NB101's 423,624, is a valid pool).
PROXY_POOL: list = [Interval(Integral, 1, SAMPLE_MAX_N, closed="both"), None]


class PredictorGuided(Optimizer):
    """Base class: a predictor (or a bootstrap ensemble of it) fitted on every queried
    architecture, scoring candidates with an acquisition function.

    Uncertainty comes from the predictor's ``predict_std`` when it has one, else from an
    ensemble of ``n_models`` copies fitted on bootstrap resamples with different seeds (one
    copy on all the data when ``n_models == 1``; with zero-cost features computed on demand,
    ``ZC_FEATURES_HEDGE`` of the copies are fitted without them). Acquisitions: independent Thompson
    sampling (``"its"``: one draw from N(mean, std) per candidate), upper confidence bound
    (``"ucb"``: mean + ``beta`` * std), expected improvement over the best value so far
    (``"ei"``), or the mean alone (``"mean"``, greedy).

    State (after ``setup``): ``archs_`` and ``values_`` (every queried architecture and its
    value; a non-finite value is replaced by the worst value so far), ``models_`` (the
    predictors fitted by the last ``_score``).
    """

    ranks_candidates = True  # the acquisition of the fitted predictor

    uses_predictor = True
    #: Constraints of the parameters every predictor-guided optimizer has (subclasses add
    #: theirs); ``predictor_params`` are validated by the named predictor's own constraints.
    _parameter_constraints: ClassVar[dict] = {
        "predictor": [
            Registered(
                _predictors,
                "predictor",
                accept=lambda cls: search_unmet(getattr(cls, "requirements", None)) is None,
            ),
            HasMethods(["fit", "predict"]),
        ],
        "acquisition": [StrOptions(set(ACQUISITIONS))],
        "n_models": [Interval(Integral, 1, None, closed="left")],
        "use_zero_cost": ["boolean"],
        "beta": [Interval(Real, 0, None, closed="left")],
        "predictor_params": [dict, None],
        "warm_start": [StrOptions({"auto"}), *WARM_START],
        "proxy_pool": PROXY_POOL,
    }

    def _validate_params(self) -> None:
        self._check_predictor_requirements()
        super()._validate_params()
        if isinstance(self.predictor, str):
            from nasperf.predictors.base import check_nested_params

            check_nested_params(self, "predictor_params", self.predictor, self.predictor_params)
        elif self.predictor_params:
            raise InvalidParameterError(
                f"The 'predictor_params' parameter of {type(self).__name__} must be None when "
                "'predictor' is an instance (set its parameters on the instance). Got "
                f"{self.predictor_params!r} instead."
            )

    def _check_predictor_requirements(self) -> None:
        """A registered predictor's name, or an instance of a predictor class, whose
        requirements a search cannot meet (:func:`search_unmet`) is refused naming the
        parameter and why (the generic constraint message lists valid names only)."""
        spec = self.predictor
        cls = None
        if isinstance(spec, str):
            reg = _predictors()
            if spec in reg:
                cls = reg.get(spec)
        elif spec is not None:
            cls = type(spec)
        why = search_unmet(getattr(cls, "requirements", None)) if cls is not None else None
        if why is not None:
            raise InvalidParameterError(
                f"The 'predictor' parameter of {type(self).__name__} must be a predictor a "
                f"search can fit on its queried architectures and their values; "
                f"{short_repr(spec)} ({cls.__name__}) cannot: {why}. Got {short_repr(spec)} "
                "instead."
            )

    # Parameters the subclasses' __init__ set (documented there).
    predictor: Any
    predictor_params: dict | None
    acquisition: str
    n_models: int
    beta: float
    use_zero_cost: bool
    warm_start: Any
    proxy_pool: int | None

    def setup(self, context, rng) -> None:
        super().setup(context, rng)
        self.archs_: list = []
        self.values_: list[float] = []
        self.models_: list = []
        self.extend_pool_ = False  # set by _warm_start_proxies (features computed on demand)
        self.zc_informative_ = True  # see _informative
        self.proxy_sign_ = 1.0  # how the proxies rank the values (see _proxy_direction)
        zc = self.zero_cost_ if self.use_zero_cost else None
        self.side_ = {} if zc is None else {"zero_cost": zc}

    def _warm_start_proxies(self, context) -> tuple[str, ...]:
        """The proxies of the warm start (``warm_start``): looked up in the run's zero-cost
        table; without a table they are computed on a candidate pool
        (:func:`~nasperf.search._proxy_pool.compute_pool`, charged at their recorded cost),
        which then serves as the run's table. ``()`` (a random start, with a note) when
        ``warm_start`` is None or nothing can be computed."""
        ws = self.warm_start
        if ws is None:
            return ()
        auto = isinstance(ws, str) and ws == "auto"
        proxies = AUTO_WARM_START if auto else ((ws,) if isinstance(ws, str) else tuple(ws))
        zc = self.zero_cost_
        if zc is not None and auto:
            # "auto" reads those of its proxies the run's table has (TransNAS-Bench-101's
            # NASLib tables have params but no synflow): computing the missing ones would
            # build every network when the table already ranks them
            have = tuple(p for p in proxies if p in zc.columns)
            if have:
                if have != tuple(proxies):
                    missing = [p for p in proxies if p not in have]
                    self.notes_.append(
                        f"zero-cost warm start: {', '.join(have)} from the run's table (it has "
                        f"no {', '.join(missing)})"
                    )
                return have
            # a user's table without either (every packaged table has synflow or params):
            # the registered proxies it has; columns nasperf does not know by name are never
            # read (a label in the table must not become a proxy)
            from nasperf.encodings.zero_cost import proxy_columns

            known = tuple(proxy_columns(zc, advice="leave the column out of the table"))
            if known:
                self.notes_.append(
                    f"zero-cost warm start: {', '.join(known)} from the run's table (it has "
                    f"neither {' nor '.join(proxies)})"
                )
                return known
            self.notes_.append(
                "the run's zero-cost table was not used: none of its columns ("
                f"{', '.join(map(str, zc.columns[:5]))}) is named as a registered proxy "
                "(nasperf.zero_cost.available()); proxies are computed instead"
            )
            self.side_.pop("zero_cost", None)  # nor are its columns the predictor's features
        elif zc is not None:
            self.zero_cost_table(proxies)  # names what is missing
            return tuple(proxies)
        from ._proxy_pool import cheap, compute_pool

        table, note = compute_pool(self, proxies, self.proxy_pool)
        self.notes_.append(note if table is not None else f"{note}; the warm start is random")
        if table is None:
            return ()
        self.zero_cost_ = table
        n_cands = None if context.candidates is None else len(context.candidates)
        covered = n_cands is not None and len(table) == n_cands
        cheap_pool = cheap(context.space, table.attrs.get("settings") or {})
        if self.use_zero_cost and (covered or cheap_pool):
            # the predictor's features are computed for each architecture it sees (nothing
            # more where the pool holds every candidate) and, as for any computed pool,
            # kept only while they rank like the values seen, with the hedge
            self.extend_pool_ = True
            hedge = (
                f" ({ZC_FEATURES_HEDGE} of the {self.n_models} ensemble models fitted without them)"
                if self._can_hedge() and not self._make_predictor(0).has_uncertainty
                else ""
            )
            self.notes_.append(
                f"zero-cost features: {', '.join(proxies)} computed for every architecture "
                f"the predictor sees{hedge}"
            )
        return tuple(proxies)

    def _setup_warm_start(self, context) -> None:
        """Set ``proxies_`` (the warm start's proxies, :meth:`_warm_start_proxies`; ``()``
        for a random start) and ``init_queue_`` (the first ``n_init`` queries, the best
        architectures by them, :meth:`_zero_cost_warm_start`)."""
        self.proxies_ = self._scored_proxies(context, self._warm_start_proxies(context))
        self.init_queue_ = self._zero_cost_warm_start(context, self.proxies_, self.n_init)
        if self.proxies_ and int(self.n_init) == 0:
            self.notes_.append(
                "n_init=0: no warm-start queries; the first query is random (the predictor "
                "has nothing to be fitted on before it)"
            )

    def _scored_proxies(self, context, proxies: tuple[str, ...]) -> tuple[str, ...]:
        """``proxies`` less those the zero-cost table scores no architecture a search may
        query with (every value NaN, e.g. a proxy that failed on every network of a user's
        table), with a note; ``()`` (a random start, as on a space without a network
        builder, with a note) where none is left."""
        if not proxies or self.zero_cost_ is None:
            return proxies
        zc = self.zero_cost_table(proxies)
        if context.candidates is not None:
            zc = zc.reindex(zc.index.intersection(pd.Index(context.candidates)))
        empty = [p for p in proxies if not np.isfinite(zc[p].to_numpy(np.float64)).any()]
        if not empty:
            return proxies
        left = tuple(p for p in proxies if p not in empty)
        what = f"{', '.join(empty)} {'has' if len(empty) == 1 else 'have'}"
        self.notes_.append(
            f"zero-cost warm start: {what} no score in the run's table (every value NaN)"
            + (f"; ranked by {', '.join(left)} alone" if left else "; the warm start is random")
        )
        return left

    def _start_query(self) -> list[Query] | None:
        """The query before the predictor is used: the next of ``init_queue_``, else a
        random architecture while fewer than ``max(2, n_init)`` are queried and there is no
        warm start, or while nothing is queried (``n_init=0``: no parent to mutate, nothing
        to fit the predictor on); None once the predictor takes over."""
        if self.init_queue_:
            return self.propose([self.init_queue_.pop(0)])
        if not self.values_ or (len(self.values_) < max(2, self.n_init) and not self.proxies_):
            return self.propose([self.random_new()])
        return None

    def _cover(self, cands: list) -> None:
        """With on-demand features (``extend_pool_``), extend the computed proxy table to
        the queried architectures and, while the proxies look informative
        (:meth:`_informative`), to ``cands``, and hand it to the predictor."""
        if not self.extend_pool_:
            return
        from ._proxy_pool import extend_pool

        table = extend_pool(self, self.zero_cost_, self.archs_)
        keys = [self.key(a) for a in self.archs_]
        self.charge_zero_cost(keys, list(table.columns))  # the check reads them too
        use = self._informative(table.loc[keys])
        if use:
            table = extend_pool(self, table, cands)
        if len(table) != len(self.zero_cost_):
            self.zero_cost_ranks_ = {}  # percentile ranks over the table as it is now
        self.zero_cost_ = table
        if use:
            self.side_["zero_cost"] = table
        else:
            self.side_.pop("zero_cost", None)

    def _informative(self, queried) -> bool:
        """Whether the computed proxies still earn their place as predictor features: True
        before ``ZC_FEATURES_MIN_QUERIES`` queries, then while the Spearman correlation (times
        ``proxy_sign_``: -1 where the objective minimises a cost, see
        :meth:`_proxy_direction`) of
        their mean rank with the values seen is at least ``ZC_FEATURES_MIN_RHO``. A change
        is noted in the run's notes."""
        from scipy.stats import spearmanr

        n = len(self.values_)
        if n < ZC_FEATURES_MIN_QUERIES:
            return True
        score = queried.rank(pct=True).mean(axis=1).to_numpy()
        ok = np.isfinite(score)
        values = np.asarray(self.values_)[ok]
        # constant scores or values rank nothing: 0 (scipy would warn and give NaN)
        varied = ok.sum() > 2 and np.ptp(score[ok]) > 0 and np.ptp(values) > 0
        rho = float(spearmanr(score[ok], values)[0]) if varied else 0.0
        # in the direction the warm start assumed: a cost target's values (-latency) rank
        # against the proxies (about -0.95), an accuracy's with them; against it they
        # mislead (a synthetic NK landscape: -0.33 among the proxies' best after 10 queries)
        use = bool(np.isfinite(rho) and self.proxy_sign_ * rho >= ZC_FEATURES_MIN_RHO)
        if use != self.zc_informative_:
            verb = "used again" if use else "dropped"
            # three decimals: at two, a rho of 0.096 read "0.10 (threshold 0.1)", dropped
            side = "at least" if use else "below"
            signed = "" if self.proxy_sign_ > 0 else f" ({-rho:.3f} for a minimised cost)"
            self.notes_.append(
                f"zero-cost features {verb} after {n} queries: Spearman {rho:.3f} with the "
                f"values so far{signed}, {side} the threshold {ZC_FEATURES_MIN_RHO}"
            )
            self.zc_informative_ = use
        return use

    def _can_hedge(self) -> bool:
        """Whether an ensemble of ``n_models`` has more models than ``ZC_FEATURES_HEDGE``."""
        return int(self.n_models) > ZC_FEATURES_HEDGE > 0

    def _hedged(self) -> bool:
        """Whether the ensemble hedges (``ZC_FEATURES_HEDGE``): features computed on demand
        are in use and the ensemble has more models than the hedge."""
        return self.extend_pool_ and "zero_cost" in self.side_ and self._can_hedge()

    def _make_predictor(self, seed: int):
        """A new, unfitted predictor: ``run(..., predictor=...)`` if given, else
        ``self.predictor`` (a registered name, built with ``predictor_params`` and this
        space, or an instance, cloned), with ``random_state=seed``."""
        from sklearn.base import clone

        from nasperf import predictors

        spec = self.context_.predictor if self.context_.predictor is not None else self.predictor
        if isinstance(spec, str):
            params = self._predictor_params(spec)
            cls = predictors.PREDICTORS.get(spec)
            names = cls._get_param_names()
            if "space" in names:
                params.setdefault("space", self.context_.space)
            if "random_state" in names:
                params["random_state"] = seed
            return predictors.get(spec, **params)
        pred = clone(spec)
        if "random_state" in pred.get_params():
            pred.set_params(random_state=seed)
        return pred

    def _predictor_params(self, name: str) -> dict:
        """Parameters for the registered predictor ``name``: ``predictor_params`` (a
        subclass may supply defaults of its own)."""
        return dict(self.predictor_params or {})

    def _score(self, cands: list) -> np.ndarray:
        """Acquisition values of ``cands`` (higher is better) from predictors fitted on
        ``archs_`` / ``values_`` (kept in ``models_``)."""
        self._cover(cands)
        self._charge_zero_cost_features(cands)
        y = np.asarray(self.values_)
        probe = self._make_predictor(int(self.rng_.integers(2**31 - 1)))
        if probe.has_uncertainty:
            probe.fit(self.archs_, y, **self.side_)
            self.models_ = [probe]
            mean = probe.predict(cands, **self.side_)
            std = probe.predict_std(cands, **self.side_)
        else:
            preds = []
            self.models_ = []
            n = len(y)
            n_models = max(1, int(self.n_models))
            # the last ZC_FEATURES_HEDGE models go without features computed on demand
            hedged = n_models - ZC_FEATURES_HEDGE if self._hedged() else n_models
            bare = {k: v for k, v in self.side_.items() if k != "zero_cost"}
            checked: tuple[str, ...] = ()
            for m in range(n_models):
                pred = probe if m == 0 else self._make_predictor(int(self.rng_.integers(2**31 - 1)))
                idx = self.rng_.integers(n, size=n) if self.n_models > 1 else np.arange(n)
                side = self.side_ if m < hedged else bare
                # the first model's fit checked its zero-cost columns against the labels
                # (by name and as near-copies); the others resample the same rows, so their
                # fits skip that check (a fifth of a search's time, checked once a round)
                with allow_target_like_columns(*checked):
                    pred.fit([self.archs_[i] for i in idx], y[idx], **side)
                if m == 0:
                    checked = tuple(getattr(pred, "uses_zero_cost_", None) or ())
                self.models_.append(pred)
                preds.append(pred.predict(cands, **side))
            preds = np.asarray(preds)
            mean, std = preds.mean(axis=0), preds.std(axis=0)
        std = np.maximum(std, 1e-9)
        if self.acquisition == "its":
            return self.rng_.normal(mean, std)
        if self.acquisition == "ucb":
            return mean + self.beta * std
        if self.acquisition == "ei":
            z = (mean - y.max()) / std
            return (mean - y.max()) * norm.cdf(z) + std * norm.pdf(z)
        return mean

    def _proxy_direction(self, context, proxies: Sequence[str]) -> float:
        """+1: the warm start takes the architectures the proxies rank highest (they rank
        trainable, larger networks higher, as accuracy does); -1 where the objective
        minimises a cost of the network (its name says latency, energy, time, memory,
        FLOPs: :func:`nasperf.datasets.direction.looks_costly`), for which those networks
        are the worst. Where it minimises something else (a loss, an error) the proxies
        keep their direction. Either way a minimising run's notes say which."""
        if context.maximize:
            return 1.0
        from nasperf.datasets.direction import looks_costly

        target = context.value_name.removeprefix("-") or "the target"
        word = looks_costly(target)
        names = ", ".join(proxies)
        if word is not None:
            self.notes_.append(
                f"zero-cost warm start: the architectures that {names} rank lowest, as "
                f"{target!r} is a cost ({word!r}: larger networks cost more); "
                "warm_start=None for a random start"
            )
            return -1.0
        self.notes_.append(
            f"zero-cost warm start: the architectures that {names} rank highest (proxies "
            f"rank networks as accuracy does: for a loss or an error, its lowest); if "
            f"{target!r} is a cost (larger networks worse), pass warm_start=None"
        )
        return 1.0

    def _zero_cost_warm_start(self, context, proxies: Sequence[str], n: int) -> list:
        """The ``n`` best architectures of the zero-cost table (among the benchmark's
        candidates, if finite) by the mean percentile rank of ``proxies`` (Abdelfattah et
        al.'s warm start), one per network where the objective answers per network (see
        :meth:`network_key`), ranking charged as if computed (:meth:`zero_cost_rank`)."""
        if not proxies:
            return []
        keys = list(self.zero_cost_table(proxies).index)
        if context.candidates is not None:
            allowed = set(context.candidates)
            keys = [k for k in keys if k in allowed]
        self.proxy_sign_ = self._proxy_direction(context, proxies)
        if n <= 0:
            return []  # no warm-start queries: nothing ranked, nothing charged
        score = self.proxy_sign_ * self.zero_cost_rank(keys, proxies)
        ok = np.flatnonzero(np.isfinite(score))
        if 0 < len(ok) < len(keys):
            # a row without a score of every proxy has no mean rank: it is not picked
            self.notes_.append(
                f"zero-cost warm start: {len(keys) - len(ok)} of the {len(keys)} "
                f"architectures ranked lack a score of {' or '.join(proxies)} (NaN) and are "
                f"not among its picks; it chose among the other {len(ok)}"
            )
        out: list = []
        networks: set = set()
        for i in ok[np.argsort(-score[ok], kind="stable")]:
            if len(out) >= n:
                break
            arch = self.space_.parse(keys[i])
            # where the objective has one result per network, architectures that build the
            # same network share their proxies: each network is queried once
            k = self.network_key(arch)
            if k not in networks and k not in self.seen_:
                networks.add(k)
                out.append(arch)
        return out

    def _charge_zero_cost_features(self, archs: list) -> None:
        """Charge the recorded computation time of the zero-cost proxies the predictor reads
        as features (``side_``), once per architecture (see ``Optimizer.charge_zero_cost``)."""
        zc = self.side_.get("zero_cost")
        if zc is not None:
            self.charge_zero_cost([self.key(a) for a in archs], list(zc.columns))

    def tell(self, queries, values) -> None:
        self._charge_zero_cost_features([q.arch for q in queries])
        for q, v in zip(queries, values, strict=True):
            self.archs_.append(q.arch)
            self.values_.append(
                float(v) if np.isfinite(v) else float(np.nanmin(self.values_ or [0]))
            )

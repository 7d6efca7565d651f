"""The optimizer contract: ask for queries, be told their values.

An optimizer sees the space only through :class:`~nasperf.spaces.SearchSpace`
(``random_architecture``, ``neighbors``, ``mutate``, ``to_string``), so a user-defined
space works. On a partial table (an objective whose candidates are fewer than the space's
architectures, e.g. TransNAS-Bench-101's ~700 labelled cells of 4,096) ``Optimizer.space_``
is the space restricted to them (:class:`~nasperf.search._labelled.LabelledSpace`): draws,
neighbours and mutations stay among the architectures the objective can answer. The run loop (:func:`nasperf.search.run`) calls :meth:`Optimizer.setup` once,
then alternates :meth:`Optimizer.ask` (a batch of :class:`Query`) and :meth:`Optimizer.tell`
(their values) until the budget is spent; the wall time spent inside ``ask`` / ``tell``
(predictor fits, acquisition, zero-cost lookups) is measured and charged to the simulated
time, next to the benchmark's training cost of every query.

The run loop, not the optimizer, keeps what was paid for: a query for an architecture (at a
fidelity) already trained is answered with the stored value at no cost, marked ``repeat``
and not counted against the budget. Where the objective returns one result per network
(``Objective.one_result_per_network``), an architecture of a network already paid for is
such a repeat too. Optimizers still avoid asking for repeats (``is_seen``, ``random_new``,
``mutate_new``); ``notes_`` collects lines for the search report.

Subclasses keep the scikit-learn convention: a keyword-only ``__init__`` that stores its
parameters unchanged, state created in ``setup`` (attributes ending in ``_``), randomness
only from the generator ``setup`` receives. Their parameters' valid values are declared in
one class dict, ``_parameter_constraints``, checked with scikit-learn's
``validate_parameter_constraints`` (optimizers are not estimators, so
:meth:`Optimizer._validate_params` calls it) by :func:`get` and at :meth:`Optimizer.setup`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from nasperf._constraints import check_counts_and_flags, validate_parameter_constraints
from nasperf.registry import Registry, check_constraints_cover
from nasperf.spaces import SearchSpace

__all__ = ["OPTIMIZERS", "Context", "Optimizer", "Query", "available", "get", "register"]

OPTIMIZERS: Registry = Registry("optimizer", check=check_constraints_cover("optimizer"))
#: Architectures whose network hash a :class:`Context` remembers (then forgotten at once).
QUERY_KEY_MEMO = 100_000


def _queries(n: int) -> str:
    """``n`` queries, in words (``1 query``), for notes."""
    return f"{n} query" if n == 1 else f"{n} queries"


def register(name: str, *aliases: str):
    """Class decorator: register an :class:`Optimizer` under ``name`` (sets ``cls.name``)."""

    def decorator(cls):
        OPTIMIZERS.register(name, *aliases)(cls)  # refuses a class registered elsewhere first
        cls.name = name
        return cls

    return decorator


def get(name: str, **params: Any) -> Optimizer:
    """A new optimizer ``name`` with ``params``: unknown names / parameters are errors, and
    every value is validated against the class's ``_parameter_constraints`` (scikit-learn's
    ``InvalidParameterError``, a ``ValueError``)."""
    cls = OPTIMIZERS.get(name)
    try:
        opt = cls(**params)
    except TypeError as err:
        raise ValueError(f"optimizer {name!r}: {err}") from None
    opt._validate_params()
    return opt


def available() -> list[str]:
    """Names of the registered optimizers."""
    return sorted(OPTIMIZERS.names(aliases=False))


@dataclasses.dataclass(frozen=True)
class Query:
    """One simulated training run: ``arch`` at ``fidelity`` (None: the full run).

    ``resume_from`` names a cheaper fidelity this architecture was already trained to (it
    must be cheaper than ``fidelity``). What is charged is the run loop's to decide, from
    what the search has paid for: where the objective's fidelities are points of one
    training run (``Objective.continues``, e.g. the NB301 surrogate's epochs), a query is
    charged only the training beyond the highest cheaper fidelity already paid for that
    architecture, with or without ``resume_from``; elsewhere (NB201's 12-epoch run is a
    separate schedule) it is charged in full.
    """

    arch: Any
    fidelity: str | None = None
    resume_from: str | None = None


@dataclasses.dataclass
class Context:
    """What an optimizer may know about the search (set by the run loop).

    Attributes
    ----------
    space : SearchSpace
    fidelities : tuple of str
        The objective's fidelities, cheapest first (the last is the objective).
    epochs : dict fidelity -> epochs or None
    candidates : list of str or None
        Every architecture of a tabular benchmark (for optimizers that score a pool), else
        None.
    predictor : Predictor or None
        The predictor handed to ``run`` (predictor-guided optimizers).
    dataset : str
        The benchmark's dataset; the images zero-cost proxies are computed on.
    side : dict
        Side information for predictors (``zero_cost`` table where available).
    progress : bool
        Whether long steps inside the search (computing warm-start proxies) show a bar.
    one_result_per_network : bool
        The objective returns one result per network
        (:attr:`~nasperf.search.objective.Objective.one_result_per_network`): architectures
        with equal ``space.hash`` are one query, and :meth:`Optimizer.is_seen` says so.
    value_name, maximize : str, bool
        The objective's ``value_name`` and ``maximize``.
    budget : int or None
        The run's budget of distinct paid queries (None: not known, e.g. a context built
        outside :func:`~nasperf.search.run`), for an optimizer's notes on what it can do
        within it.
    candidate_networks : frozenset or None
        Where the objective returns one result per network and its ``candidates`` do not
        cover the space: their networks (:meth:`query_key`), so that the optimizer's view of
        the space (:class:`~nasperf.search._labelled.LabelledSpace`) counts an architecture
        as labelled under any text of its network. None: read from ``candidates`` where
        needed (a context built outside :func:`~nasperf.search.run`).
    """

    space: SearchSpace
    fidelities: tuple[str, ...]
    epochs: dict[str, int | None]
    candidates: list[str] | None = None
    predictor: Any = None
    dataset: str = "cifar10"
    side: dict = dataclasses.field(default_factory=dict)
    one_result_per_network: bool = False
    progress: bool = False
    value_name: str = ""
    maximize: bool = True
    budget: int | None = None
    candidate_networks: frozenset | None = None
    #: query_key's hashes, by architecture (bounded: :data:`QUERY_KEY_MEMO`).
    _hashes: dict = dataclasses.field(default_factory=dict, repr=False, compare=False)

    def query_key(self, arch: Any) -> str:
        """What identifies a query of ``arch`` (an architecture object): its network's
        ``space.hash`` where the objective returns one result per network, else its text.
        The run loop keys what was paid for by it, optimizers what they have seen. Hashes
        are remembered per architecture value (a hierarchical space's hash takes
        milliseconds, and a search asks for one architecture's several times)."""
        if not self.one_result_per_network:
            return self.space.to_string(arch)
        try:
            return self._hashes[arch]
        except KeyError:
            pass
        except TypeError:  # an unhashable user architecture
            return self.space.hash(arch)
        if len(self._hashes) >= QUERY_KEY_MEMO:
            self._hashes.clear()
        key = self._hashes[arch] = self.space.hash(arch)
        return key


class Optimizer:
    """Base class of search strategies (see the module docstring)."""

    #: Registered name (set by the registry decorator).
    name: ClassVar[str] = ""
    #: Whether the optimizer uses ``run(..., predictor=...)``.
    uses_predictor: ClassVar[bool] = False
    #: Whether it moves to neighbours or mutations of architectures it has seen (local
    #: search, evolution, the predictor-guided methods): on a table that labels few of
    #: them such moves become random draws, which the run's notes then say.
    moves_locally: ClassVar[bool] = True
    #: Whether a model ranks its candidates before it queries them (the predictor-guided
    #: methods, BOHB's density ratio): where its moves fall back to random table
    #: architectures it screens them with the model, which random search does not.
    ranks_candidates: ClassVar[bool] = False
    #: Valid values of every ``__init__`` parameter (scikit-learn constraints, see
    #: :mod:`nasperf._constraints`); each class declares one dict covering exactly its
    #: parameters.
    _parameter_constraints: ClassVar[dict] = {}

    def _validate_params(self) -> None:
        """Check the parameters against ``_parameter_constraints``; raises scikit-learn's
        ``InvalidParameterError`` naming the class, the parameter and the valid values."""
        validate_parameter_constraints(
            self._parameter_constraints, self.get_params(), caller_name=type(self).__name__
        )
        check_counts_and_flags(self)  # a bool for a number; counts above MAX_COUNT

    def setup(self, context: Context, rng: np.random.Generator) -> None:
        """Start a search (parameters validated first): remember the context and the random
        generator."""
        self._validate_params()
        from ._labelled import restrict

        self.context_ = context
        #: The space as the optimizer sees it: restricted to the objective's candidates
        #: when they are fewer than the space's architectures (a partial table).
        self.space_ = restrict(
            context.space,
            context.candidates,
            networks=context.query_key if context.one_result_per_network else None,
            known=context.candidate_networks,
        )
        self.rng_ = rng
        self.seen_: set[str] = set()
        self.charged_s_ = 0.0
        self.zero_cost_seen_: dict[str, set[str]] = {}
        #: The run's zero-cost table (None: none; an optimizer may compute one).
        self.zero_cost_ = context.side.get("zero_cost")
        #: Lines for the search report (``history.attrs["notes"]``).
        self.notes_: list[str] = []

    def ask(self) -> list[Query]:
        """The next queries (at least one)."""
        raise NotImplementedError

    def tell(self, queries: list[Query], values: np.ndarray) -> None:
        """The values of the queries just asked (same order)."""

    def finish(self, n_queries: int) -> None:
        """The run has ended after ``n_queries`` paid queries (the budget, a time budget,
        the optimum found, or the candidates exhausted): a last word for ``notes_`` where
        what the run did depends on when it ended (e.g. a time budget's queries)."""

    # ------------------------------------------------------------------ helpers
    def key(self, arch: Any) -> str:
        """The architecture's canonical text (``space.to_string``): how tables, zero-cost
        scores and the history name it."""
        return self.space_.to_string(arch)

    def network_key(self, arch: Any) -> str:
        """What identifies a query (:meth:`Context.query_key`): the architecture's text, or
        its network's ``space.hash`` where the objective returns one result per network."""
        return self.context_.query_key(arch)

    def is_seen(self, arch: Any) -> bool:
        """Whether ``arch`` (or, where the objective returns one result per network, an
        architecture of the same network) was queried already."""
        return self.network_key(arch) in self.seen_

    def random_new(self, max_tries: int = 1000) -> Any:
        """A random architecture not queried before (a repeat only if none is found)."""
        arch = self.space_.random_architecture(self.rng_)
        for _ in range(max_tries):
            if not self.is_seen(arch):
                break
            arch = self.space_.random_architecture(self.rng_)
        return arch

    def mutate_new(self, parent: Any, n_edits: int = 1, max_tries: int = 20) -> Any:
        """A mutation of ``parent`` (``n_edits`` elementary edits, ``space.mutate``) not
        queried before, drawn again up to ``max_tries`` times; then a random unqueried
        architecture (``random_new``: the parent's surroundings are used up, as they soon
        are in a small or partial table)."""
        for _ in range(max_tries):
            child = parent
            for _ in range(n_edits):
                child = self.space_.mutate(child, self.rng_)
            if not self.is_seen(child):
                return child
        return self.random_new()

    def mark(self, archs: list) -> None:
        """Record ``archs`` as queried (by :meth:`network_key`), so that :meth:`is_seen`,
        :meth:`random_new` and :meth:`mutate_new` avoid them from now on."""
        self.seen_.update(self.network_key(a) for a in archs)

    def propose(self, archs: list) -> list[Query]:
        """``archs`` as full-fidelity queries, marked as seen (what ``ask`` returns)."""
        self.mark(archs)
        return [Query(a) for a in archs]

    def charge(self, seconds: float) -> None:
        """Charge ``seconds`` of simulated work done outside this process's clock (e.g.
        zero-cost proxies looked up in a table instead of computed); the run loop adds them
        to the next query's overhead. Negative seconds take measured wall time back out
        (work done now that is charged at its recorded cost instead)."""
        self.charged_s_ += float(seconds)

    def take_charge(self) -> float:
        """The seconds charged since the last call (and reset them)."""
        out, self.charged_s_ = getattr(self, "charged_s_", 0.0), 0.0
        return out

    def zero_cost_table(self, proxies: Sequence[str] | None = None) -> pd.DataFrame:
        """The run's zero-cost table (``context.side["zero_cost"]``), restricted to
        ``proxies``; an error naming what is missing if it has none of them."""
        zc = self.zero_cost_
        if zc is None:
            raise ValueError(
                f"{self.name}: needs a zero-cost table (pass zero_cost= to run, or use a "
                "benchmark with a packaged table)"
            )
        if proxies is None:
            return zc
        missing = [p for p in proxies if p not in zc.columns]
        if missing:
            raise ValueError(
                f"{self.name}: proxies {missing} are not in the run's zero-cost table "
                f"(it has {list(zc.columns)})"
            )
        return zc[list(proxies)]

    def zero_cost_rank(self, keys: Sequence[str], proxies: Sequence[str]) -> np.ndarray:
        """Combined zero-cost score of the architectures ``keys`` (texts): the mean over
        ``proxies`` of each proxy's percentile rank in the whole table (higher is better;
        NaN where a score is missing). Each (architecture, proxy) pair is charged once, at
        the table's recorded seconds per architecture
        (:func:`nasperf.encodings.zero_cost.recorded_seconds`), as if the proxy had been
        computed."""
        zc = self.zero_cost_table(proxies)
        if not hasattr(self, "zero_cost_ranks_"):
            self.zero_cost_ranks_: dict[tuple, pd.Series] = {}
        tag = tuple(proxies)
        if tag not in self.zero_cost_ranks_:
            self.zero_cost_ranks_[tag] = zc.rank(pct=True).mean(axis=1, skipna=False)
        self.charge_zero_cost(keys, proxies)
        return self.zero_cost_ranks_[tag].reindex(list(keys)).to_numpy(np.float64)

    def charge_zero_cost(self, keys: Sequence[str], proxies: Sequence[str]) -> None:
        """Charge the proxies' recorded computation time for the architectures not charged
        before (see :meth:`zero_cost_rank`)."""
        from nasperf.encodings.zero_cost import recorded_seconds

        zc = self.zero_cost_table()
        for p in proxies:
            done = self.zero_cost_seen_.setdefault(p, set())
            new = [k for k in keys if k not in done]
            done.update(new)
            self.charge(len(new) * recorded_seconds(zc, [p]))

    @classmethod
    def _get_param_names(cls) -> list[str]:
        """The ``__init__`` parameters (scikit-learn's name for the same question)."""
        import inspect

        return [
            p
            for p in inspect.signature(cls.__init__).parameters
            if p not in ("self", "args", "kwargs")
        ]

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters and their current values, by name (scikit-learn's
        convention; what ``repr`` shows and the parameter validation checks)."""
        return {n: getattr(self, n) for n in self._get_param_names()}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

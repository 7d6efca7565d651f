"""The simulated search loop: optimizer x objective x budget x seed -> history."""

from __future__ import annotations

import time
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

import numpy as np
import pandas as pd

from nasperf.datasets.direction import looks_maximised
from nasperf.errors import check_flag, short_repr
from nasperf.spaces import as_rng

from .base import Context, Optimizer, Query, _queries
from .objective import TIE_TOLERANCE, Objective, TableObjective, get_objective, objective_label

#: whether ``run(..., progress=True)`` draws its bar of queries (the warm start's bar of
#: proxies is drawn either way): a search study sets it False in its worker processes,
#: whose bars would overwrite one another on one line.
QUERY_BAR: ContextVar[bool] = ContextVar("QUERY_BAR", default=True)

__all__ = ["HISTORY_COLUMNS", "run"]

HISTORY_COLUMNS = (
    "query",
    "arch",
    "fidelity",
    "value",
    "repeat",
    "train_cost_s",
    "overhead_s",
    "sim_time_s",
    "wall_time_s",
    "best_value",
    "regret",
)

#: A search stops after this many queries in a row of architectures it has already paid for
#: (an optimizer that can find nothing new would otherwise never spend its budget).
MAX_REPEATS_IN_A_ROW = 100


#: The most queries one search may be given (``budget``). A budget counts distinct paid
#: queries (repeats are free), so on a finite table a search ends once every architecture
#: (at every fidelity) is paid for, whatever the budget; on an unbounded space (NAS-Bench-301's
#: surrogate) nothing else ends it, and the model-based methods refit on every query: a
#: million queries is past any published search (hundreds to a few thousand) and past what
#: finishes in a day.
MAX_BUDGET = 1_000_000


def check_budgets(budget: Any, time_budget: Any) -> None:
    """``budget`` a positive int of queries, at most :data:`MAX_BUDGET`; ``time_budget`` None
    or a positive finite number of seconds; else a ``ValueError`` / ``TypeError`` naming the
    argument."""
    if isinstance(budget, bool) or not isinstance(budget, int | np.integer) or budget < 1:
        raise ValueError(f"budget must be a positive number of queries, got {budget!r}")
    if budget > MAX_BUDGET:
        raise ValueError(f"budget must be at most {MAX_BUDGET:,d} queries, got {budget:,d}")
    check_time_budget(time_budget)


def check_time_budget(time_budget: Any) -> None:
    """``time_budget`` None or a positive finite number of simulated seconds; else a
    ``TypeError`` / ``ValueError`` naming the argument (searches and their report,
    :func:`~nasperf.search.study.summarize_search`, check it alike)."""
    if time_budget is None:
        return
    if isinstance(time_budget, bool) or not isinstance(time_budget, int | float | np.number):
        raise TypeError(f"time_budget must be seconds (a number) or None, got {time_budget!r}")
    if not np.isfinite(time_budget) or time_budget <= 0:
        raise ValueError(f"time_budget must be positive seconds, got {time_budget!r}")


def run(
    optimizer: str | Optimizer,
    *,
    space: Any = None,
    objective: str | Objective | None = None,
    benchmark: str | Objective | None = None,
    dataset: Any = None,
    budget: int = 100,
    time_budget: float | None = None,
    seed: int = 0,
    predictor: Any = None,
    zero_cost: pd.DataFrame | None = None,
    params: dict | None = None,
    stop_at_optimum: bool = False,
    progress: bool = False,
) -> pd.DataFrame:
    """Run one simulated search and return its full history.

    Parameters
    ----------
    optimizer : str or Optimizer
        A registered optimizer name (``nasperf.search.available()``) or an instance.
    space : str or SearchSpace, optional
        The space searched: a registered name (a user's space registered with
        ``SPACES.register``, or a built-in one) or an instance. Default: the objective's.
        Given with an objective, it must be the objective's space.
    objective : str or Objective, optional
        What a query returns: a :class:`~nasperf.search.objective.TableObjective` over your
        table (any space; ``TableObjective(table, space, "val_acc")``), a
        :class:`~nasperf.search.objective.CurveObjective`, or a benchmark name. Default: the
        registered benchmark ``benchmark`` names, else NAS-Bench-201.
    benchmark : str or Objective, optional
        The same as ``objective`` (the older name): ``"nb201"`` (table), ``"nb301"``
        (surrogate curves) or an :class:`Objective`; give one of the two.
    dataset : str or task, optional
        Benchmark dataset (NB201: cifar10, cifar100, ImageNet16-120; default cifar10); for a
        user table the task the warm start's zero-cost proxies build networks for (a name in
        ``nasperf.spaces.TASKS`` / ``GRAPH_TASKS``, or a task object). Default: the
        objective's own ``dataset`` where it has one (a benchmark's objective,
        ``TableObjective.from_benchmark("nb201", "cifar100")``: its zero-cost table and its
        images), else the space's ``default_dataset`` (cifar10 unless the space declares its
        own, as ``zero_cost.compute`` and ``space.params`` read it). Given with an objective
        that has a dataset, it must name that one (an alias is fine): another is a
        ``ValueError``.
    budget : int
        Distinct paid queries (simulated training runs of an architecture at a fidelity).
        A query the search has already paid for (same architecture and fidelity) is not
        trained again: it returns the stored value at no cost, is marked ``repeat`` in the
        history and does not count against the budget.
    time_budget : float, optional
        Stop once the simulated time (training + optimizer overhead) reaches this (seconds;
        queries for an objective without recorded costs): no query starts at or after it,
        also within a batch the optimizer asked for (the queries of the batch not started
        are neither paid nor told); only the query still training when it ran out ends
        past it.
    seed : int
        Seeds the optimizer's generator (and its predictor's ``random_state``).
    predictor : str or Predictor, optional
        For predictor-guided optimizers.
    zero_cost : DataFrame, optional
        Zero-cost table for predictors and warm starts (default: the packaged one where it
        exists; predictor-guided optimizers compute data-free proxies on spaces without one).
    params : dict, optional
        Parameters of a named optimizer.
    stop_at_optimum : bool
        Stop as soon as an optimal architecture (any of the objective's tied best) is found
        (benchmarks of queries to the optimum need nothing after it): right after that
        query, also within a batch; the notes name its query.
    progress : bool
        Show progress on stderr (tqdm): a bar over the queries (paid queries of
        ``budget``, the best full-fidelity value so far beside it), and one where a search
        computes zero-cost proxies for its warm start (a user's space without a table;
        minutes on a large pool). The history is the same with or without it.

    Returns
    -------
    DataFrame
        One row per query (``HISTORY_COLUMNS``): ``query`` (the number of distinct paid
        queries so far, this one included), the architecture, its fidelity and value,
        ``repeat`` (an architecture already paid for at this fidelity, or one building a
        network already paid for where the objective stores one result per network: stored
        value, zero cost), its training cost (where the objective continues one run,
        ``Objective.continues``, only the training beyond the highest cheaper fidelity
        already paid for that architecture), the optimizer's overhead before it,
        cumulative simulated and wall time, the best full-fidelity value so far, and the
        regret against the benchmark's optimum (NaN where unknown). ``attrs`` holds the optimizer, benchmark,
        seed, ``optimum_archs`` (every architecture tied at the best value) and
        ``optimum_value``, ``cost_unit`` (``"s"``, or ``"query"`` when the objective has no
        recorded costs: each query then costs one unit, simulated time counts queries and
        the optimizer's measured overhead is recorded in ``overhead_s`` but not added) and
        ``notes`` (what the report should say: e.g. a random start where no zero-cost
        proxies could be computed, or why the search stopped early).

    An exception that stops the search (the objective's ``evaluate``, the optimizer's
    ``ask`` / ``tell`` such as a predictor's fit, Ctrl-C) carries the queries paid before it
    as ``.history`` (this history), and a note saying where it happened.
    """
    from .base import get as get_optimizer

    if not isinstance(optimizer, str | Optimizer):
        raise TypeError(
            "optimizer must be a registered optimizer's name (nasperf.search.OPTIMIZERS) or "
            f"an Optimizer instance, got {type(optimizer).__name__} {short_repr(optimizer)}"
        )
    stop_at_optimum = check_flag(stop_at_optimum, "stop_at_optimum")
    progress = check_flag(progress, "progress")
    if params is not None and not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict of optimizer parameters, got {short_repr(params)}")
    if zero_cost is not None and not isinstance(zero_cost, pd.DataFrame):
        raise TypeError(
            "zero_cost must be a DataFrame of proxy scores indexed by architecture, got "
            f"{type(zero_cost).__name__}"
        )
    if isinstance(optimizer, str):
        from .base import OPTIMIZERS

        params = dict(params or {})
        if predictor is not None and "predictor" in OPTIMIZERS.get(optimizer)._get_param_names():
            if "predictor" in params:
                raise ValueError("give the predictor once: predictor= or params['predictor']")
            params["predictor"] = predictor  # predictor_params are checked against it
            predictor = None
        optimizer = get_optimizer(optimizer, **params)
    elif params:
        raise ValueError("params are for a named optimizer; set them on the instance instead")
    objective = _resolve_objective(
        space, objective, benchmark, "cifar10" if dataset is None else dataset
    )
    dataset = _objective_dataset(objective, dataset)
    bench_dataset = "cifar10" if dataset is None else dataset
    dataset = _proxy_dataset(objective.space, dataset)
    _check_image_task(dataset)
    check_budgets(budget, time_budget)
    check_zero_cost(zero_cost, objective)
    if predictor is not None and not optimizer.uses_predictor:
        raise ValueError(f"optimizer {optimizer.name!r} does not use a predictor")
    if predictor is not None and "predictor" in optimizer._get_param_names():
        # the optimizer's own setting, on a copy: its predictor_params are then checked
        # against this predictor (they had been checked against the default xgb, or
        # ignored for an instance) and the history's params name what was used
        optimizer = type(optimizer)(**{**optimizer.get_params(), "predictor": predictor})
        predictor = None
    context = Context(
        space=objective.space,
        fidelities=objective.fidelities,
        epochs={f: objective.epochs(f) for f in objective.fidelities},
        candidates=objective.candidates(),
        predictor=predictor,
        dataset=dataset,
        side=_side_information(objective, bench_dataset, zero_cost),
        one_result_per_network=bool(objective.one_result_per_network),
        progress=bool(progress),
        value_name=str(objective.value_name or ""),
        maximize=bool(objective.maximize),
        budget=int(budget),
    )
    context.candidate_networks = _candidate_networks(objective, context)
    per_unit = objective.cost_unit == "s"  # overhead seconds add to simulated seconds
    rng = as_rng(seed)
    optimum = _optimum(objective)
    space = objective.space
    notes: list[str] = []
    # where the objective stores one result per network, a second architecture of a network
    # already paid for is the same training run: queries are keyed by network
    per_network = context.one_result_per_network
    if per_network:
        notes.append(
            f"{objective_label(objective)} stores one result per network: an architecture "
            "that builds a network already queried (equal space.hash) is answered as a "
            "repeat, at no cost"
            + (
                ", and any architecture of a network in the table is answered with its row"
                if isinstance(objective, TableObjective)
                else ""
            )
        )
    n_candidates = None
    if context.candidates is not None:
        n_candidates = len(context.candidates)
        if optimizer.moves_locally:
            share = labelled_neighbour_share(objective)
            if share is not None and share < SPARSE_TABLE_SHARE:
                notes.append(
                    f"only {share:.0%} of the table's architectures have a neighbour in the "
                    f"table (estimated on up to {NEIGHBOUR_SAMPLE}): {optimizer.name}'s moves "
                    "to neighbours and mutations fall back to random table architectures "
                    "elsewhere, "
                    + (
                        "which its model ranks: it screens the table more than it climbs"
                        if optimizer.ranks_candidates
                        else "so it searches much like random search"
                    )
                    + "; label architectures around good ones (their neighbours) for a "
                    "local search"
                )
        if per_network:
            n_candidates = (
                objective.n_networks
                or (context.candidate_networks and len(context.candidate_networks))
                or len({context.query_key(space.parse(t)) for t in context.candidates})
            )
    rows: list[dict] = []
    paid: dict[tuple[str, str], float] = {}  # (network or arch text, fidelity) -> value
    raw_costs: dict[tuple[str, str], float] = {}  # the same keys -> the cost evaluate gave
    n_full = 0  # distinct architectures (networks) paid for at the full fidelity
    sim = 0.0
    best = -np.inf
    in_a_row = 0
    start = time.perf_counter()
    t0 = time.perf_counter()
    optimizer.setup(context, rng)
    overhead = time.perf_counter() - t0 + optimizer.take_charge()
    found = False  # the optimum (any of the tied best) was paid for
    phase = "ask"  # what the optimizer or the objective was doing, for an error's note
    # every optimizer's queries pass this loop: one bar for all of them. Made only when
    # shown (a disabled tqdm still starts a monitor thread); a search study's worker
    # processes go without (QUERY_BAR: bars of several processes share one line).
    bar = _query_progress(optimizer, budget) if progress and QUERY_BAR.get() else None
    try:
        while len(paid) < budget and (time_budget is None or sim < time_budget):
            if found:
                break
            if n_candidates is not None and n_full >= n_candidates:
                what = "networks" if per_network else "architectures"
                notes.append(f"stopped: every one of the {n_candidates} {what} was queried")
                break
            if in_a_row >= MAX_REPEATS_IN_A_ROW:
                notes.append(
                    f"stopped: the optimizer asked for {in_a_row} architectures in a row that "
                    "it had already queried"
                )
                break
            phase = "ask"
            t0 = time.perf_counter()
            queries = _asked(optimizer, optimizer.ask())
            overhead += time.perf_counter() - t0 + optimizer.take_charge()
            values = np.empty(len(queries))
            told = 0
            for q in queries:
                # within a batch too: once the budget is spent, the simulated time has
                # reached time_budget or the optimum is paid for, the rest of the batch is
                # not queried (nor told)
                if len(paid) >= budget or found:
                    break
                if time_budget is not None and sim >= time_budget:
                    break
                phase = "query"
                fid = objective.resolve(q.fidelity)
                text = space.to_string(q.arch)
                key = (context.query_key(q.arch), fid)
                repeat = key in paid
                if repeat:
                    value, cost = paid[key], 0.0
                    in_a_row += 1
                else:
                    phase = "evaluate"
                    try:
                        value, raw, cost = _evaluate(
                            objective, q, fid, text, _trained_below(objective, raw_costs, key)
                        )
                    except (Exception, KeyboardInterrupt) as err:
                        # a user's live objective that fails (or Ctrl-C during its
                        # training) keeps the queries paid so far (err.history, below)
                        err.add_note(
                            f"while {objective_label(objective)} evaluated {text!r} at "
                            f"fidelity {fid!r} (query {len(paid) + 1} of {optimizer.name}); "
                            f"the {len(rows)} queries before it are in this exception's "
                            ".history"
                        )
                        raise
                    phase = "query"
                    raw_costs[key] = raw
                    paid[key] = value
                    n_full += fid == objective.full
                    in_a_row = 0
                values[told] = value
                told += 1
                sim += cost + (overhead if per_unit else 0.0)
                if fid == objective.full and np.isfinite(value):
                    best = max(best, value)
                if bar is not None and not repeat:
                    _show_query(bar, best, objective.value_name)
                rows.append(
                    {
                        "query": len(paid),
                        "arch": text,
                        "fidelity": fid,
                        "value": value,
                        "repeat": repeat,
                        "train_cost_s": cost,
                        "overhead_s": overhead,
                        "sim_time_s": sim,
                        "wall_time_s": time.perf_counter() - start,
                        "best_value": best if np.isfinite(best) else np.nan,
                        "regret": (optimum[1] - best)
                        if optimum is not None and np.isfinite(best)
                        else np.nan,
                    }
                )
                overhead = 0.0
                if stop_at_optimum and optimum is not None and best >= optimum[1] - TIE_TOLERANCE:
                    found = True
                    notes.append(f"stopped: found the optimum at query {len(paid)}")
            phase = "tell"
            t0 = time.perf_counter()
            optimizer.tell(queries[:told], values[:told])
            overhead += time.perf_counter() - t0 + optimizer.take_charge()
        phase = "finish"
        optimizer.finish(len(paid))
    except (Exception, KeyboardInterrupt) as err:
        # whatever stops the search (the objective's error, a predictor's fit inside ask or
        # tell, Ctrl-C) keeps the queries paid so far: err.history, as run() would return it
        if phase != "evaluate":  # evaluate's own note names the query
            err.add_note(
                f"while {_PHASES[phase].format(optimizer.name)}, after "
                f"{_queries(len(paid))} paid of {objective_label(objective)}; the "
                f"{len(rows)} queries so far are in this exception's .history"
            )
        try:
            err.history = _history(rows, optimizer, objective, seed, optimum, notes)
        except AttributeError:  # an exception type that takes no attribute
            pass
        raise
    finally:
        if bar is not None:
            bar.close()
    if rows and not np.isfinite(best) and time_budget is not None and sim >= time_budget:
        notes.append(
            f"the time budget of {time_budget:g} s ended the run after "
            f"{_queries(len(paid))}, "
            f"before any finite value at the full fidelity {objective.full!r}: best_value "
            "and regret are NaN throughout"
        )
    return _history(rows, optimizer, objective, seed, optimum, notes)


#: What the search was doing when an exception stopped it, for the note it gets.
_PHASES = {
    "ask": "{} chose its next queries (ask)",
    "query": "the search loop read a query of {}",
    "tell": "{} was told its queries' values (tell)",
    "finish": "{} finished (finish)",
}


def _query_progress(optimizer: Optimizer, budget: int) -> Any:
    """A tqdm bar (stderr) over the search's ``budget`` of paid queries. ``leave=None``:
    kept on screen when it is the only bar, cleared when it sits under a search study's
    bar of searches (one in this process)."""
    from tqdm.auto import tqdm

    name = optimizer.name or type(optimizer).__name__
    return tqdm(total=int(budget), desc=name, unit="query", leave=None, dynamic_ncols=True)


def _show_query(bar: Any, best: float, value_name: str) -> None:
    """One more paid query on ``bar``, with the best full-fidelity value so far (in the
    history's ``best_value`` units; none before the first full-fidelity query)."""
    if np.isfinite(best):
        bar.set_postfix_str(f"best {value_name or 'value'}={best:.4g}", refresh=False)
    bar.update(1)


def _asked(optimizer: Optimizer, queries: Any) -> list[Query]:
    """What ``optimizer.ask()`` returned, checked: a non-empty list (or tuple) of
    :class:`~nasperf.search.base.Query`; else a ``TypeError`` naming the optimizer's ask and
    the expected type (a bare architecture had failed as "'NB201Arch' object has no
    attribute 'fidelity'"), or a ``RuntimeError`` for none."""
    name = optimizer.name or type(optimizer).__name__
    if queries is None:
        raise RuntimeError(f"optimizer {name!r} asked for no queries")
    if not isinstance(queries, list | tuple):
        raise TypeError(
            f"optimizer {name!r}: ask() must return a list of nasperf.search.Query (e.g. "
            f"self.propose([arch])), got {type(queries).__name__} {short_repr(queries)}"
        )
    if not queries:
        raise RuntimeError(f"optimizer {name!r} asked for no queries")
    bad = next((q for q in queries if not isinstance(q, Query)), None)
    if bad is not None:
        raise TypeError(
            f"optimizer {name!r}: ask() must return a list of nasperf.search.Query (e.g. "
            f"self.propose([arch]) or [Query(arch)]), got a {type(bad).__name__} "
            f"{short_repr(bad)} among them"
        )
    return list(queries)


def _history(
    rows: list[dict],
    optimizer: Optimizer,
    objective: Objective,
    seed: Any,
    optimum: tuple | None,
    notes: list[str],
) -> pd.DataFrame:
    """The search's history from its ``rows``, with the run's settings and notes in
    ``attrs`` (what :func:`run` returns, also for the queries before a failure)."""
    notes = list(notes)
    history = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    label = objective_label(objective)
    notes[:0] = objective.cost_notes()  # how its queries were charged: first
    if optimum is None:
        notes.append(
            f"{label} does not know its optimum (Objective.optimum() is None): "
            "regret is NaN; compare best_value across methods and seeds instead"
        )
    if not objective.maximize:
        notes.insert(
            0,
            f"{label} minimises {objective.value_name.removeprefix('-')}: the values "
            f"searched and reported are {objective.value_name}",
        )
    elif getattr(objective, "direction_assumed", False) and not looks_maximised(
        objective.value_name
    ):
        notes.insert(
            0,
            f"{label} maximises {objective.value_name!r}, as nasperf assumes where a "
            "name does not say (maximize=False, or --minimize, if lower is better)",
        )
    history.attrs = {
        "optimizer": optimizer.name,
        "params": optimizer.get_params(),
        "benchmark": label,
        "space": objective.space.name,
        "seed": seed,
        "optimum_archs": None if optimum is None else list(optimum[0]),
        "optimum_value": None if optimum is None else optimum[1],
        "cost_unit": objective.cost_unit,
        "repeats": int(history["repeat"].sum()),
        "notes": [*getattr(optimizer, "notes_", []), *notes],
    }
    return history


def _resolve_objective(space: Any, objective: Any, benchmark: Any, dataset: str) -> Objective:
    """The objective of ``run``: ``objective`` or ``benchmark`` (an instance or a name), else
    the registered benchmark of ``space``, else NB201; checked against ``space``."""
    from nasperf.encodings import resolve_space

    if objective is not None and benchmark is not None:
        raise ValueError("give objective= or benchmark= (the same thing), not both")
    target = objective if objective is not None else benchmark
    space_obj = None if space is None else resolve_space(space)
    if target is None:
        target = "nb201" if space_obj is None else _benchmark_of(space_obj)
    obj = target if isinstance(target, Objective) else get_objective(target, dataset)
    check_objective(obj)
    if space_obj is not None and space_obj.name != obj.space.name:
        from .objective import ObjectiveChoiceError

        raise ObjectiveChoiceError(
            f"space {space_obj.name!r} does not match the objective's space "
            f"{obj.space.name!r} ({objective_label(obj)}); pass objective=TableObjective(table, "
            f"{space_obj.name!r}, ...) to search your own space",
            cli=f"--space {space_obj.name} does not match the space of --benchmark "
            f"({obj.space.name!r}, {objective_label(obj)}); search your own table with --space "
            f"{space_obj.name} --data FILE --target COLUMN",
        )
    return obj


#: Below this share of table architectures with a labelled neighbour, searches that move
#: locally say that they mostly draw at random; the share is estimated on this many.
SPARSE_TABLE_SHARE = 0.5
NEIGHBOUR_SAMPLE = 200


def labelled_neighbour_share(objective: Objective) -> float | None:
    """The share of the objective's architectures with at least one neighbour
    (``space.neighbors``) that it also answers (under any text of a network it holds,
    where it returns one result per network), estimated on up to
    :data:`NEIGHBOUR_SAMPLE` of them drawn with a fixed seed (the same for every search on
    it; remembered on the objective); None where it answers the whole space."""
    cached = getattr(objective, "_neighbour_share", False)
    if cached is not False:
        return cached
    from ._labelled import restrict

    cands = objective.candidates()
    share = None
    if cands is not None and restrict(objective.space, cands) is not objective.space:
        space = objective.space
        allowed = frozenset(cands)
        networks = _candidate_networks(objective) if objective.one_result_per_network else None
        rng = np.random.default_rng(0)
        picked = rng.choice(len(cands), size=min(len(cands), NEIGHBOUR_SAMPLE), replace=False)
        hits = 0
        for i in picked:
            arch = space.parse(cands[int(i)])
            hits += any(
                space.to_string(b) in allowed
                or (networks is not None and space.hash(b) in networks)
                for b in space.neighbors(arch)
            )
        share = hits / len(picked) if len(picked) else None
    try:
        objective._neighbour_share = share
    except AttributeError:  # an objective with __slots__: computed again next time
        pass
    return share


def _candidate_networks(objective: Objective, context: Context | None = None) -> frozenset | None:
    """The networks (``space.hash``) of the objective's candidates where it returns one
    result per network and they do not cover its space (a partial table, which the
    optimizers see through :class:`~nasperf.search._labelled.LabelledSpace`); None
    otherwise. A :class:`TableObjective`'s are read once per table and process
    (:meth:`TableObjective.network_rows`)."""
    from ._labelled import restrict

    if not objective.one_result_per_network:
        return None
    cands = context.candidates if context is not None else objective.candidates()
    if cands is None or restrict(objective.space, cands) is objective.space:
        return None
    if isinstance(objective, TableObjective):
        return frozenset(objective.network_rows())
    key = context.query_key if context is not None else objective.space.hash
    space = objective.space
    return frozenset(key(space.parse(t)) for t in cands)


def _objective_dataset(objective: Objective, dataset: Any) -> Any:
    """The dataset of a search on ``objective``: ``dataset`` where given, else the
    objective's own (``Objective.dataset``: a benchmark's, set by ``from_benchmark`` /
    ``get_objective``; a search on ``TableObjective.from_benchmark("nb201", "cifar100")``
    had read CIFAR-10's zero-cost table), else None. A ``dataset`` that names another
    dataset than the objective's (its aliases resolved by the benchmark that knows it) is a
    ``ValueError`` naming both: ``dataset`` is the benchmark's dataset, and its values
    would have been searched with another dataset's proxies."""
    own = getattr(objective, "dataset", None)
    if own is None:
        return dataset
    if dataset is None:
        return own
    if _same_dataset(own, dataset):
        return own
    from .objective import ObjectiveChoiceError

    label = objective_label(objective)
    raise ObjectiveChoiceError(
        f"dataset={short_repr(dataset)} does not match the objective's dataset {own!r} "
        f"({label}): dataset names the benchmark's dataset, whose zero-cost proxies the "
        f"search reads; leave it out (the objective's is used) or build the objective for "
        f"that dataset (TableObjective.from_benchmark(benchmark, {short_repr(dataset)}))",
        cli=f"--dataset {short_repr(dataset)} does not match the dataset of {label} ({own!r})",
    )


def _same_dataset(own: Any, dataset: Any) -> bool:
    """Whether ``dataset`` (a name, an alias or a task object) names ``own``: equal ignoring
    case, or resolved to it by a registered benchmark that has ``own`` (NB201's
    ``"imagenet"`` is ``"ImageNet16-120"``), or a task object of that name."""
    from nasperf.datasets import available_benchmarks, get_benchmark

    if not isinstance(dataset, str):
        name = getattr(dataset, "name", None)
        return isinstance(name, str) and isinstance(own, str) and name.lower() == own.lower()
    if not isinstance(own, str):
        return dataset.lower() == str(getattr(own, "name", "")).lower()
    if dataset.strip().lower() == own.lower():
        return True
    for name in available_benchmarks():
        bench = get_benchmark(name)
        if own not in bench.datasets:
            continue
        try:
            if bench.resolve_dataset(dataset) == own:
                return True
        except ValueError:
            continue
    return False


def _proxy_dataset(space: Any, dataset: Any) -> Any:
    """The task the warm start's proxies build networks for: ``dataset`` where given (the
    space's own task object where it names that task), else the space's
    ``default_dataset``."""
    own = getattr(space, "default_dataset", "cifar10")
    if dataset is None:
        return own
    if isinstance(dataset, str) and not isinstance(own, str):
        try:
            return space.network_task(dataset)  # the name of the space's own task: that task
        except ValueError:
            return dataset  # _check_image_task names it
    return dataset


def _check_image_task(dataset: Any) -> None:
    """Refuse a dataset name that neither a task nor a benchmark knows (a typo). With a
    user's table it only names the images (or graph) the warm start's proxies are computed
    on, and an unknown name had silently cost the warm start. Task objects, task names of
    either kind and benchmarks' dataset aliases pass (a graph dataset on an image space, or
    an alias no task has, stays the proxy pool's note)."""
    from nasperf.datasets import available_benchmarks, get_benchmark
    from nasperf.spaces import GRAPH_TASKS, TASKS

    if not isinstance(dataset, str):
        return
    known = [*TASKS, *GRAPH_TASKS]
    if dataset.lower() in {k.lower() for k in known}:
        return
    for name in available_benchmarks():  # a benchmark's alias (NB201's "imagenet")
        try:
            get_benchmark(name).resolve_dataset(dataset)
        except ValueError:
            continue
        return
    from .objective import ObjectiveChoiceError

    listed = ", ".join(known)
    raise ObjectiveChoiceError(
        f"unknown dataset {dataset!r}: with a table of your own, dataset names the task the "
        f"zero-cost proxies build networks for; known: {listed} (or pass a "
        "nasperf.spaces.ImageTask / GraphTask)",
        cli=f"unknown --dataset {dataset!r}: with --data it names the task the zero-cost "
        f"proxies build networks for; known: {listed}",
    )


def _benchmark_of(space) -> str:
    """The registered benchmark over ``space`` (the space's name, which get_objective turns
    into a clear error when there is none)."""
    from nasperf.datasets import available_benchmarks, get_benchmark

    for name in available_benchmarks():
        if get_benchmark(name).space == space.name:
            return name
    return space.name


def _optimum(objective: Objective) -> tuple[tuple[str, ...], float] | None:
    """``objective.optimum()``, accepting the older ``(text, value)`` form."""
    opt = objective.optimum()
    if opt is None:
        return None
    archs, value = opt
    return ((archs,) if isinstance(archs, str) else tuple(archs)), float(value)


def _trained_below(
    objective: Objective, raw_costs: Mapping[tuple[str, str], float], key: tuple[str, str]
) -> float | None:
    """Where the objective's fidelities are points of one training run
    (``Objective.continues``): the cost recorded (``raw_costs``, keyed as the paid queries)
    for the highest fidelity below ``key``'s that its architecture (or network) was already
    paid for, which a query at ``key`` continues from; else None (nothing to continue, or
    every fidelity is its own run)."""
    if not objective.continues:
        return None
    net, fid = key
    below = objective.fidelities[: objective.fidelities.index(fid)]
    return next((raw_costs[net, f] for f in reversed(below) if (net, f) in raw_costs), None)


def _evaluate(
    objective: Objective, q, fid: str, text: str, trained: float | None
) -> tuple[float, float, float]:
    """Value, cost as the objective gave it, and cost charged for query ``q`` at ``fid``.

    ``trained`` is the cost recorded for the highest cheaper fidelity the search already
    paid for this architecture at (:func:`_trained_below`): where the objective continues a
    run, the query is charged only the training beyond it (its cost less that one, at least
    0), whether or not the optimizer said so with ``Query.resume_from``; a fresh query for
    an architecture trained before pays only the extra epochs too. The cheaper run is not
    evaluated again (for a user's live objective that would train it again).
    ``resume_from``, where given, must be cheaper than ``fid``."""
    if q.resume_from is not None and objective.continues:
        base = objective.resolve(q.resume_from)
        if objective.fidelities.index(base) >= objective.fidelities.index(fid):
            raise ValueError(
                f"query resumes {q.arch!r} from {base!r}, which is not cheaper than {fid!r}"
            )
    value, cost = _checked_result(objective, objective.evaluate([q.arch], fid), text, fid)
    charged = cost if trained is None else max(cost - trained, 0.0)
    return value, cost, charged


def _checked_result(objective: Objective, out: Any, text: str, fid: str) -> tuple[float, float]:
    """The one value and cost of ``evaluate([arch], fid)``'s answer ``out``: a pair of
    arrays of one real number each (not a boolean), the value finite, the cost finite and
    at least 0, both at most ``MAX_ABS_TARGET`` in magnitude (the bound a
    :class:`~nasperf.search.objective.TableObjective` holds its cells to: a predictor fitted
    on larger values overflows); else a ``TypeError`` / ``ValueError`` naming the objective,
    the architecture and the fidelity (a user's objective had given NaN best values,
    negative simulated time, a bare ``'float' object is not subscriptable``, ``True`` read as
    1.0, or 2e200 failing later inside a predictor's fit)."""
    from nasperf.predictors.base import MAX_ABS_TARGET

    who = f"objective {objective_label(objective)}"
    shape = (
        f"{who}: evaluate([arch], fidelity) must return (values, costs), two arrays of one "
        "real number per architecture"
    )
    try:
        values, costs = out
        v, c = np.asarray(values), np.asarray(costs)
    except (TypeError, ValueError):
        raise TypeError(f"{shape}; got {short_repr(out)}") from None
    if v.dtype.kind not in "iuf" or c.dtype.kind not in "iuf" or v.size != 1 or c.size != 1:
        booleans = " (booleans are not numbers)" if "b" in (v.dtype.kind, c.dtype.kind) else ""
        raise TypeError(
            f"{shape}{booleans}; got values {short_repr(values)} and costs {short_repr(costs)}"
        )
    value, cost = float(v.reshape(-1)[0]), float(c.reshape(-1)[0])
    if not np.isfinite(value):
        raise ValueError(
            f"{who} gave the value {value} for {text!r} at fidelity {fid!r}: values must be "
            "finite (give a run that diverged the worst value, e.g. 0 accuracy)"
        )
    if abs(value) > MAX_ABS_TARGET:
        raise ValueError(
            f"{who} gave the value {value:g} for {text!r} at fidelity {fid!r}: values must be "
            f"at most {MAX_ABS_TARGET:g} in magnitude (a predictor fitted on them squares "
            "them and overflows float64; rescale the values)"
        )
    if not np.isfinite(cost) or cost < 0 or cost > MAX_ABS_TARGET:
        raise ValueError(
            f"{who} gave the cost {cost} for {text!r} at fidelity {fid!r}: costs must be "
            f"finite, at least 0 and at most {MAX_ABS_TARGET:g} (seconds of training, or 1 "
            "per query)"
        )
    return value, cost


def check_objective(objective: Any) -> None:
    """What the search loop reads of ``objective``, checked before a search starts: an
    :class:`~nasperf.search.objective.Objective` whose ``space`` is a search space and whose
    ``fidelities`` are distinct non-empty names, cheapest first, and whose ``cost_unit`` is
    ``"s"`` or ``"query"``; else one ``TypeError`` / ``ValueError`` naming the attribute."""
    from nasperf.spaces import SearchSpace

    name = type(objective).__name__
    if not isinstance(objective, Objective):
        raise TypeError(
            f"objective must be an nasperf.search.Objective (subclass it and implement "
            f"evaluate), got {name}"
        )
    space = getattr(objective, "space", None)
    if not isinstance(space, SearchSpace):
        raise TypeError(
            f"objective {name}: .space must be a SearchSpace (set it in __init__, e.g. "
            f"nasperf.get_space('mine')), got {type(space).__name__}"
        )
    fids = getattr(objective, "fidelities", None)
    if (
        not isinstance(fids, tuple | list)
        or not fids
        or not all(isinstance(f, str) and f for f in fids)
        or len(set(fids)) != len(fids)
    ):
        raise TypeError(
            f"objective {name}: .fidelities must be a tuple of distinct names, cheapest "
            f"first, the last the full run (e.g. ('1ep', '10ep') or ('full',)); got "
            f"{short_repr(fids)}"
        )
    if getattr(objective, "cost_unit", None) not in ("s", "query"):
        unit = short_repr(getattr(objective, "cost_unit", None))
        raise ValueError(
            f"objective {name}: .cost_unit must be 's' (evaluate's costs are seconds) or "
            f"'query' (one unit per query), got {unit}"
        )


def check_zero_cost(zero_cost: pd.DataFrame | None, objective: Objective) -> None:
    """A user's zero-cost table must have a row for every architecture the objective can
    answer (a search may query, and its predictor read, any of them): else a ``ValueError``
    now, naming how many lack one and the first, rather than deep inside a search."""
    if zero_cost is None:
        return
    candidates = objective.candidates()
    if candidates is None:
        return
    from nasperf.encodings.zero_cost import uncovered

    n, first = uncovered(candidates, zero_cost)
    if n:
        raise ValueError(
            f"zero_cost: {n} of the objective's {len(candidates)} "
            f"architectures have no row, e.g. {first!r}; give proxy scores for every "
            "architecture a search may query (rows indexed by the space's text, "
            "space.to_string(arch))"
        )


def _side_information(objective: Objective, dataset: str, zero_cost) -> dict:
    if zero_cost is not None:
        return {"zero_cost": zero_cost}
    from nasperf.datasets.zero_cost_tables import zero_cost_for

    # side information only where the packaged table scores every candidate
    candidates = objective.candidates()
    table = None if candidates is None else zero_cost_for(objective.space.name, dataset, candidates)
    return {} if table is None else {"zero_cost": table}

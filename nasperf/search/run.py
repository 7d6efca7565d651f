"""The simulated search loop: optimizer x objective x budget x seed -> history."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

from nasperf.spaces import as_rng

from .base import Context, Optimizer
from .objective import Objective, get_objective

__all__ = ["HISTORY_COLUMNS", "run"]

HISTORY_COLUMNS = (
    "query",
    "arch",
    "fidelity",
    "value",
    "train_cost_s",
    "overhead_s",
    "sim_time_s",
    "wall_time_s",
    "best_value",
    "regret",
)


def run(
    optimizer: str | Optimizer,
    *,
    space: Any = None,
    benchmark: str | Objective = "nb201",
    dataset: str = "cifar10",
    budget: int = 100,
    time_budget: float | None = None,
    seed: int = 0,
    predictor: Any = None,
    zero_cost: pd.DataFrame | None = None,
    params: dict | None = None,
) -> pd.DataFrame:
    """Run one simulated search and return its full history.

    Parameters
    ----------
    optimizer : str or Optimizer
        A registered optimizer name (``nasperf.search.available()``) or an instance.
    space : str or SearchSpace, optional
        Must match the objective's space (default: the objective's).
    benchmark : str or Objective
        ``"nb201"`` (table), ``"nb301"`` (surrogate curves) or an :class:`Objective` (e.g. a
        :class:`~nasperf.search.objective.TableObjective` over a user's table).
    dataset : str
        Benchmark dataset (NB201: cifar10, cifar100, ImageNet16-120).
    budget : int
        Queries (simulated training runs at any fidelity).
    time_budget : float, optional
        Stop once the simulated time (training + optimizer overhead) exceeds this many
        seconds.
    seed : int
        Seeds the optimizer's generator (and its predictor's ``random_state``).
    predictor : str or Predictor, optional
        For predictor-guided optimizers.
    zero_cost : DataFrame, optional
        Zero-cost table for predictors (default: the packaged one where it exists).
    params : dict, optional
        Parameters of a named optimizer.

    Returns
    -------
    DataFrame
        One row per query (``HISTORY_COLUMNS``): the architecture, its fidelity and value,
        its training cost, the optimizer's overhead before it, cumulative simulated and wall
        time, the best full-fidelity value so far, and the regret against the benchmark's
        optimum (NaN where unknown). ``attrs`` holds the optimizer, benchmark, seed and
        optimum.
    """
    from .base import get as get_optimizer

    if isinstance(optimizer, str):
        optimizer = get_optimizer(optimizer, **(params or {}))
    elif params:
        raise ValueError("params are for a named optimizer; set them on the instance instead")
    objective = benchmark if isinstance(benchmark, Objective) else get_objective(benchmark, dataset)
    if space is not None:
        from nasperf.encodings import resolve_space

        if resolve_space(space).name != objective.space.name:
            raise ValueError(
                f"space {resolve_space(space).name!r} does not match the benchmark's space "
                f"{objective.space.name!r}"
            )
    if isinstance(budget, bool) or not isinstance(budget, int | np.integer) or budget < 1:
        raise ValueError(f"budget must be a positive number of queries, got {budget!r}")
    if predictor is not None and not optimizer.uses_predictor:
        raise ValueError(f"optimizer {optimizer.name!r} does not use a predictor")
    context = Context(
        space=objective.space,
        fidelities=objective.fidelities,
        epochs={f: objective.epochs(f) for f in objective.fidelities},
        candidates=objective.candidates(),
        predictor=predictor,
        dataset=dataset,
        side=_side_information(objective, dataset, zero_cost),
    )
    rng = as_rng(seed)
    optimum = objective.optimum()
    rows: list[dict] = []
    sim = 0.0
    best = -np.inf
    start = time.perf_counter()
    t0 = time.perf_counter()
    optimizer.setup(context, rng)
    overhead = time.perf_counter() - t0 + optimizer.take_charge()
    while len(rows) < budget and (time_budget is None or sim < time_budget):
        t0 = time.perf_counter()
        queries = optimizer.ask()
        overhead += time.perf_counter() - t0 + optimizer.take_charge()
        if not queries:
            raise RuntimeError(f"optimizer {optimizer.name!r} asked for no queries")
        queries = queries[: budget - len(rows)]
        values = np.empty(len(queries))
        for i, q in enumerate(queries):
            fid = objective.resolve(q.fidelity)
            value, cost = objective.evaluate([q.arch], fid)
            if q.resume_from is not None and objective.continues:
                base = objective.resolve(q.resume_from)
                if objective.fidelities.index(base) >= objective.fidelities.index(fid):
                    raise ValueError(
                        f"query resumes {q.arch!r} from {base!r}, which is not cheaper than {fid!r}"
                    )
                cost = cost - objective.evaluate([q.arch], base)[1]
            values[i] = value[0]
            sim += float(cost[0]) + overhead
            if fid == objective.full and np.isfinite(value[0]):
                best = max(best, float(value[0]))
            rows.append(
                {
                    "query": len(rows) + 1,
                    "arch": objective.space.to_string(q.arch),
                    "fidelity": fid,
                    "value": float(value[0]),
                    "train_cost_s": float(cost[0]),
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
        t0 = time.perf_counter()
        optimizer.tell(queries, values)
        overhead += time.perf_counter() - t0 + optimizer.take_charge()
    history = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    history.attrs = {
        "optimizer": optimizer.name,
        "params": optimizer.get_params(),
        "benchmark": objective.name,
        "seed": seed,
        "optimum_arch": None if optimum is None else optimum[0],
        "optimum_value": None if optimum is None else optimum[1],
    }
    return history


def _side_information(objective: Objective, dataset: str, zero_cost) -> dict:
    if zero_cost is not None:
        return {"zero_cost": zero_cost}
    from nasperf.datasets import load_zero_cost

    try:
        table = load_zero_cost(objective.space.name, dataset)
    except (LookupError, ValueError):
        return {}
    # A packaged table keyed by the same space and dataset may score another benchmark's
    # architectures only (NB301: NAS-Bench-Suite-Zero's 50 trained genotypes, not the
    # surrogate's whole space): side information only where it scores every candidate.
    candidates = objective.candidates()
    if candidates is None or not pd.Index(candidates).isin(table.index).all():
        return {}
    return {"zero_cost": table}
